#!/usr/bin/env bats
# The README's examples, run as they are written there, so that they
# cannot drift from the programs: each block is taken from the README by
# the sentence that introduces it, and run with real programs (BLAST+
# behind the local wrapper, where the example needs results).

load helper

README="$BATS_TEST_DIRNAME/../README"

# block FIRST-WORDS: the tab-indented block after the README's line that
# begins with FIRST-WORDS (and any lines of its paragraph), one tab gone.
block() {
	awk -v start="$1" '
		!found && index($0, start) == 1 { found = 1; next }
		found && !inblock && /^\t/ { inblock = 1 }
		found && inblock && !/^\t/ && !/^$/ { exit }
		inblock { sub(/^\t/, ""); print }
	' "$README"
}

# A registry with one server: BLAST+ here on the demo's 45 globins, as
# "swissprot" too, so that the README's database name serves.
local_setup() {
	command -v blastp >/dev/null || skip "BLAST+ is missing (ncbi-blast+)"
	export HOME=$BATS_TEST_TMPDIR
	export CT_CONFIG=$BATS_TEST_TMPDIR/providers.xml
	export CT_WRAPPER_DIR=$CT_BUILD/providers
	db=$BATS_TEST_TMPDIR/db/globins45
	mkdir -p "${db%/*}"
	makeblastdb -in "$T/../share/demo/globins45.fa" -dbtype prot \
		-out "$db" >/dev/null
	cat >"$CT_CONFIG" <<XML
<?xml version="1.0"?>
<registry version="1">
  <server id="here" name="BLAST+ here">
    <limits max-jobs="4" poll-interval="1"/>
    <service name="blastp" weight="1"/>
    <parameters>
      <parameter name="classname">local</parameter>
      <parameter name="command">blastp -query {input} -db {database} -outfmt 5 -out {output}</parameter>
      <parameter name="database">$db</parameter>
      <parameter name="database.swissprot">$db</parameter>
    </parameters>
  </server>
</registry>
XML
	awk 'NR > 1 && /^>/ { exit } { print }' "$T/../share/demo/queries.fa" >query.fa
	printf '>c1\n%s\n>c2\n%s\n' "$NUCLEOTIDE" "$NUCLEOTIDE" >contigs.fa
}

@test "Using it from the shell: each command runs, and ct-submit prints an ID shaped as the README's" {
	block 'Using it from the shell' >session
	[ -s session ] || fail "no session block in the README"
	grep -q '^\$ ct-submit -d swissprot query.fa$' session
	shown=$(awk '/^\$ ct-submit -d swissprot query.fa$/ { getline; print }' session)
	id=
	while IFS= read -r line; do
		case $line in
		'$ '*) ;;
		*) continue ;;	# the README's example output
		esac
		cmd=${line#\$ }
		cmd=${cmd%%	#*}	# a comment after a tab
		cmd=${cmd//$shown/$id}	# the README's example ID: ours
		run bash -c "$cmd"
		[ "$status" -le 3 ] || fail "'$cmd' exited $status: $output"
		case $cmd in
		export*) eval "$cmd" ;;
		"ct-submit -d swissprot query.fa")
			id=$output
			# Its shape: the same parts (a process ID's length
			# may differ).
			[ "$(sed -E 's/[0-9a-f]+/x/g' <<<"$id")" = \
			    "$(sed -E 's/[0-9a-f]+/x/g' <<<"$shown")" ] ||
				fail "ID '$id' is not shaped as the README's '$shown'"
			;;
		esac
	done <session
	[ -n "$id" ]
	run -3 ct-status -o id,state "$id"
	assert_output "$id	New"
}

@test "A script waits for its jobs: as written, with BLAST+ behind the dispatcher; each result to the proprietary step" {
	rm contigs.fa
	block 'A script waits for its jobs' >script.sh
	grep -q 'ct-wait' script.sh || fail "no script block in the README"
	mkdir bin
	printf '#!/bin/sh\necho "$@" >>%s/proprietary\n' "$PWD" >bin/proprietary-step
	printf '#!/bin/sh\necho "$@" >>%s/here\n' "$PWD" >bin/run-blast-here
	chmod +x bin/*
	awk 'NR > 1 && /^>/ { n++ } n == 1 { print }' "$T/../share/demo/queries.fa" >second.fa
	ct-dispatch -f -i 2>dispatch.log &
	pid=$!
	PATH=$PWD/bin:$PATH run timeout 120 bash script.sh
	kill "$pid"
	wait "$pid" || true
	assert_success
	[ ! -s late ]
	[ ! -e here ] || fail "run-blast-here was called: $(cat here)"
	assert_equal "$(wc -l <proprietary)" 2
	while read -r xml; do
		grep -q '<BlastOutput_program>blastp</BlastOutput_program>' "$xml"
	done <proprietary
}

@test "Bad input is refused: the message the README quotes, word for word" {
	want=$(sed -n '/^Bad input is refused/,/^$/p' "$README" | tr '\n' ' ' |
		sed 's/.*`\(ct-submit: [^`]*\)`.*/\1/')
	[[ $want == "ct-submit: q.fa:3: "* ]] || fail "no quoted message: '$want'"
	# Record x's sequence on line 3; its seventh column an E.
	printf '>x\nACGTAC\nACGTACE\n' >q.fa
	run -65 --separate-stderr ct-submit -s blastn q.fa
	assert_equal "${stderr_lines[0]}" "$want"
	[ ! -e "$CT_SPOOL/new" ] || [ -z "$(ls "$CT_SPOOL/new")" ]
}
