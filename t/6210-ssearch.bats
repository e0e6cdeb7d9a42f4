#!/usr/bin/env bats
# ct-ssearch (issue 12): the Smith-Waterman search that a browser
# volunteer runs as WebAssembly, a native volunteer and a local server as
# a command; its hits checked against an independent Smith-Waterman and
# against blastp, its WebAssembly build against its native one byte for
# byte, its report through ct-dispatch like any result, and its FASTA
# database delivered by content (ct-serve -I, ct-volunteer -F).

load helper
load dispatch
load volunteer

DEMO="$BATS_TEST_DIRNAME/../share/demo"
GLOBINS="$DEMO/globins45.fa"
QUERIES="$DEMO/queries.fa"
COMPONENT="$CT_BUILD/components/ssearch"


local_setup() {
	no_leak_check	# servers and volunteers are killed, not stopped
	echo "$CK" >ck
	echo "$PK" >pk
	PIDS=()
	export CT_WRAPPER_DIR="$CT_BUILD/providers"
	export CT_CONFIG="$BATS_TEST_TMPDIR/providers.xml"
}

# ssearch_here PROGRAM [BATCH]: the registry's one server runs PROGRAM
# (ct-ssearch or a stand-in) for service ssearch on this host, on the
# demo's globins; BATCH, a <batch> element, makes it take jobs in batches.
ssearch_here() {
	registry '<defaults deadline="300"/>' <<XML
<server id="here" name="Smith-Waterman on this host">
  <limits max-jobs="2" attempt-timeout="120" poll-interval="0"/>
  ${2:-}
  <service name="ssearch" weight="1"/>
  <parameters>
    <parameter name="classname">local</parameter>
    <parameter name="command">$1 -d {database} -q {input}</parameter>
    <parameter name="database.globins45">$GLOBINS</parameter>
    <parameter name="options">evalue max_target_seqs</parameter>
  </parameters>
</server>
XML
}

# wasm_search DB QUERY [KEY=VALUE...]: the component run under Node, as a
# browser's worker runs it.
wasm_search() {
	command -v node >/dev/null || skip "node is missing"
	[ -f "$COMPONENT/ssearch.wasm" ] || skip "no WebAssembly build (make components)"
	node "$BATS_TEST_DIRNAME/ssearch-node.mjs" "$COMPONENT" "$@"
}

@test "the demo's queries against its 45 globins: every score and alignment is an independent Smith-Waterman's" {
	run -0 ct-ssearch -d "$GLOBINS" -q "$QUERIES"
	printf '%s\n' "$output" >report.xml
	run -0 "$BATS_TEST_DIRNAME/lib/ssearch-check" "$GLOBINS" "$QUERIES" report.xml
	assert_output '2 queries, 90 hits checked'
	run -0 xmllint --xpath 'string(//BlastOutput_program)' report.xml
	assert_output ssearch
	run -0 xmllint --xpath 'string((//Hit_id)[1])' report.xml
	assert_output HBB_CALAR
	run -0 xmllint --xpath 'string((//Iteration)[2]/Iteration_query-def)' report.xml
	assert_output 'HBA_MACFA Crab-eating macaque alpha hemoglobin.'
}

@test "the top hits' scores and bit scores are blastp's, where Smith-Waterman and BLAST find the same alignment" {
	command -v blastp >/dev/null || skip "BLAST+ is missing (ncbi-blast+)"
	makeblastdb -in "$GLOBINS" -dbtype prot -out globins45 >/dev/null
	# No composition adjustment and no masking: BLAST's raw scores.
	blastp -query "$QUERIES" -db globins45 -comp_based_stats 0 -seg no \
		-max_target_seqs 10 -outfmt 5 -out blast.xml
	ct-ssearch -d "$GLOBINS" -q "$QUERIES" -m 10 >ss.xml
	scores() {
		xmllint --xpath '//Hsp_score/text() | //Hsp_bit-score/text()' "$1"
	}
	run -0 scores blast.xml
	want=$output
	[ "$(wc -l <<<"$want")" -eq 40 ]
	run -0 scores ss.xml
	assert_output "$want"
}

@test "the WebAssembly build under Node gives the native command's report byte for byte" {
	ct-ssearch -d "$GLOBINS" -q "$QUERIES" >native.xml
	SSEARCH_PROGRESS=1 wasm_search "$GLOBINS" "$QUERIES" >wasm.xml 2>progress
	cmp native.xml wasm.xml
	# Progress was told as the search went: 90 pairs, every 32 and the last.
	assert_equal "$(cat progress)" "progress calls: 3"
	# With options, and an E-value cut that leaves a query without hits.
	fasta short MKVLAAGIVGLLLA
	cat "$QUERIES" short.fa >three.fa
	ct-ssearch -d "$GLOBINS" -q three.fa -evalue 1e-3 -max_target_seqs 7 \
		-gapopen 10 -gapextend 1 >native.xml
	wasm_search "$GLOBINS" three.fa evalue=1e-3 max_target_seqs=7 \
		gapopen=10 gapextend=1 >wasm.xml
	cmp native.xml wasm.xml
	assert_equal "$(grep -c '<Hit>' native.xml)" 14
	grep -q '<Iteration_message>No hits found</Iteration_message>' native.xml
	# Refusals are the same too.
	printf 'MKV\n>x\nMKV\n' >bad.fa
	run -1 wasm_search "$GLOBINS" bad.fa
	assert_output 'ssearch: query line 1: sequence before the first header'
	run -1 wasm_search "$GLOBINS" "$QUERIES" evalue=-1
	assert_output "ssearch: evalue '-1' is not a positive number"
}

@test "options: blastp's one-dash names, -e, -m, -o, and gap costs without statistics refused" {
	ct-ssearch -d "$GLOBINS" -q "$QUERIES" -e 1e-60 >a.xml
	ct-ssearch -d "$GLOBINS" -q "$QUERIES" -evalue 1e-60 >b.xml
	ct-ssearch -d "$GLOBINS" -q "$QUERIES" -o evalue=1e-60 >c.xml
	cmp a.xml b.xml
	cmp a.xml c.xml
	run -0 xmllint --xpath 'string(//Parameters_expect)' a.xml
	assert_output 1e-60
	# Every hit reported passes the cut; fewer than without it.
	run -0 xmllint --xpath '//Hsp_evalue/text()' a.xml
	for e in "${lines[@]}"; do
		awk -v e="$e" 'BEGIN { exit !(e <= 1e-60) }'
	done
	[ "${#lines[@]}" -lt 90 ]
	run -0 ct-ssearch -d "$GLOBINS" -q "$QUERIES" -m 2
	assert_equal "$(grep -c '<Hit>' <<<"$output")" 4
	run -0 ct-ssearch -d "$GLOBINS" -q "$QUERIES" -max_target_seqs 2
	assert_equal "$(grep -c '<Hit>' <<<"$output")" 4
	run -64 --separate-stderr ct-ssearch -d "$GLOBINS" -q "$QUERIES" -G 5 -E 5
	stderr_line --index 0 'ct-ssearch: no BLOSUM62 statistics for gap costs 5/5 (there are for 11/2 10/2 9/2 8/2 7/2 6/2 13/1 12/1 11/1 10/1 9/1)'
	run -64 --separate-stderr ct-ssearch -d "$GLOBINS" -q "$QUERIES" -o matrix=PAM30
	stderr_line --index 0 "ct-ssearch: -o unknown option 'matrix' (known: evalue, max_target_seqs, gapopen, gapextend)"
	run -64 --separate-stderr ct-ssearch -q "$QUERIES"
	stderr_line --index 0 'ct-ssearch: -d database is required'
}

@test "malformed input, an empty database, an oversized query: refused with the line, nothing on standard output" {
	refused() {
		local want=$1
		shift
		run -65 --separate-stderr ct-ssearch "$@"
		assert_output ''
		stderr_line --index 0 "$want"
	}
	printf '>q\nMKVLA\nMK1V\n' >digit.fa
	refused "ct-ssearch: query line 3: '1' is not an amino acid" -d "$GLOBINS" -q digit.fa
	printf '>q\nMKV\n>empty\n>r\nMKV\n' >norec.fa
	refused "ct-ssearch: query record 'empty' has no residues" -d "$GLOBINS" -q norec.fa
	printf '>\nMKV\n' >noid.fa
	refused 'ct-ssearch: database line 1: a header with no identifier' -d noid.fa -q "$QUERIES"
	printf '>q\x01x\nMKV\n' >ctl.fa
	refused 'ct-ssearch: query line 1: a control character in a header' -d "$GLOBINS" -q ctl.fa
	printf '>q\nMK\0V\n' >nul.fa
	refused 'ct-ssearch: query line 2: a byte 0x00, not FASTA' -d "$GLOBINS" -q nul.fa
	: >empty.fa
	refused 'ct-ssearch: database: no FASTA records' -d empty.fa -q "$QUERIES"
	printf '\n\n' >blank.fa
	refused 'ct-ssearch: database: no FASTA records' -d blank.fa -q "$QUERIES"
	{ printf '>long\n'; head -c 100001 /dev/zero | tr '\0' A; echo; } >long.fa
	refused "ct-ssearch: database record 'long' is longer than 100000 residues" -d long.fa -q "$QUERIES"
	truncate -s 65M big.fa
	refused 'ct-ssearch: the query big.fa is larger than 64 MiB' -d "$GLOBINS" -q big.fa
	run -66 --separate-stderr ct-ssearch -d nosuch.fa -q "$QUERIES"
	stderr_line --index 0 'ct-ssearch: cannot open the database nosuch.fa: No such file or directory'
}

@test "a multi-query job of service ssearch, through ct-submit, ct-dispatch and local: Completed, and ct-fetch gives the whole report" {
	open_above "$CT_BUILD/bin" "$DEMO"
	ssearch_here "$CT_BUILD/bin/ct-ssearch"
	run -0 ct-providers check
	id=$(ct-submit -s ssearch -d globins45 -o evalue=1e-20 -o max_target_seqs=5 "$QUERIES")
	dispatch_until_done "$id"
	run -0 ct-wait -t 0 "$id"
	ct-fetch -o got.xml "$id"
	ct-ssearch -d "$GLOBINS" -q "$QUERIES" -e 1e-20 -m 5 >want.xml
	cmp want.xml got.xml
	# Converted as any BLAST report: both queries, five hits each.
	run -0 ct-fetch -f 'tabular qseqid sseqid score' "$id"
	assert_equal "${#lines[@]}" 10
	assert_line --index 0 $'HBB_HUMAN\tHBB_CALAR\t740'
	assert_line --index 5 $'HBA_MACFA\tHBA_MACFA\t729'
}

@test "jobs of service ssearch in a batch: one run of ct-ssearch, its report split, each job its own query's hits" {
	open_above "$CT_BUILD/bin" "$DEMO"
	ssearch_here "$CT_BUILD/bin/ct-ssearch" '<batch max-queries="10" max-residues="100000" wait="0"/>'
	run -0 ct-submit -s ssearch -d globins45 -r -o max_target_seqs=4 "$QUERIES"
	ids=("${lines[@]}")
	assert_equal "${#ids[@]}" 2
	dispatch_until_done "${ids[@]}"
	run -0 ct-wait -t 0 "${ids[@]}"
	# One run for both jobs.
	run -0 ct-status -l "${ids[0]}"
	assert_line --partial 'in a batch of 2'
	# Each job's part has its query's hits, as a search of it alone gives.
	awk '/^>/ { k++ } k == 2' "$QUERIES" >hba.fa
	ct-ssearch -d "$GLOBINS" -q hba.fa -m 4 >alone.xml
	run -0 ct-fetch -f 'tabular qseqid sseqid score evalue' "${ids[1]}"
	got=$output
	run -0 "$CT_BUILD/libexec/blastfmt" 'tabular qseqid sseqid score evalue' <alone.xml
	assert_equal "$got" "$output"
	assert_equal "${#lines[@]}" 4
}

@test "ct-dispatch refuses a report that leaves out one of a multi-query job's queries" {
	open_above "$BATS_TEST_TMPDIR"
	# A command that answers the first query only.
	cat >firstonly <<-EOF
	#!/bin/sh
	awk '/^>/ { k++ } k <= 1' "\$4" >one.fa
	exec "$CT_BUILD/bin/ct-ssearch" -d "\$2" -q one.fa
	EOF
	chmod 755 firstonly
	ssearch_here "$BATS_TEST_TMPDIR/firstonly"
	id=$(ct-submit -s ssearch -d globins45 "$QUERIES")
	dispatch_until_done "$id"
	run -1 ct-status -l "$id"
	assert_line --partial "a report that answers 1 of the job's 2 queries: none for 'HBA_MACFA'"
}

@test "a FASTA database by content: ct-serve -I makes a manifest of kind fasta, and a ct-volunteer that fetches it completes an ssearch job" {
	open_above "$CT_BUILD/bin"
	cp "$GLOBINS" globins45.fa
	run -0 ct-serve -D store -I "$PWD/globins45.fa"
	read -r blob path <<<"$output"
	assert_equal "$path" "$PWD/globins45.fa"
	run -0 jq -c '[.kind, .files[0].name, .files[0].size]' "store/blobs/$blob"
	assert_output "[\"fasta\",\"globins45.fa\",$(stat -c %s globins45.fa)]"
	cmp globins45.fa "store/blobs/$(jq -r '.files[0].blob' "store/blobs/$blob")"

	serve a
	POOL_SERVICE=ssearch pool_registry "$a_URL" \
		"<parameter name=\"database.globins45\">$blob</parameter>"
	ct-volunteer -K pk -u "$a_URL" -w "$BATS_TEST_TMPDIR/v1" -F 64M \
		-s ssearch -o 'evalue max_target_seqs' \
		-c "$CT_BUILD/bin/ct-ssearch -d {database} -q {input}" 2>>v1.err &
	PIDS+=("$!")
	id=$(ct-submit -s ssearch -d globins45 -o max_target_seqs=3 "$QUERIES")
	dispatch_until_done "$id"
	run -0 ct-wait -t 0 "$id"
	ct-fetch -o got.xml "$id"
	# {database} was the cached file itself, named as the manifest names it.
	cmp globins45.fa "v1/databases/$blob/files/globins45.fa"
	ct-ssearch -d globins45.fa -q "$QUERIES" -m 3 >want.xml
	cmp want.xml got.xml
}

@test "the example registry of service ssearch is valid, with ct-ssearch and the demo's globins where it says" {
	open_above "$CT_BUILD/bin" "$DEMO"
	sed -e "s|>ct-ssearch |>$CT_BUILD/bin/ct-ssearch |" \
		-e "s|/usr/local/share/cputorrent/demo/globins45.fa|$GLOBINS|" \
		"$BATS_TEST_DIRNAME/../share/providers.ssearch.xml" >r.xml
	run -0 ct-providers -c r.xml check
	assert_output --partial 'ok, 1 server'
}

@test "a score beyond the striped scan's 16 bits: the same exact score natively and in WebAssembly" {
	{ echo '>w2000 all tryptophan'; head -c 2000 /dev/zero | tr '\0' W; echo; } >w.fa
	ct-ssearch -d w.fa -q w.fa >native.xml
	run -0 xmllint --xpath 'string(//Hsp_score)' native.xml
	assert_output 22000
	wasm_search w.fa w.fa >wasm.xml
	cmp native.xml wasm.xml
}

@test "a short hit between two long sequences is traced back: the alignment's extent bounds the traceback, not the sequences'" {
	# 20000 random residues each, beyond the 256 Mi cells of a whole-pair
	# traceback, sharing one 60-residue stretch (a globin's) at 15001
	# in the query and 5001 in the subject.
	domain=$(awk '/^>/ { k++; next } k == 1' "$GLOBINS" | tr -d '\n' | cut -c1-60)
	long() {
		awk -v seed="$1" -v at="$2" -v dom="$domain" 'BEGIN {
			srand(seed); a = "ARNDCQEGHILKMFPSTWYV"; s = ""
			for (i = 1; i <= 20000 - 60; i++) {
				if (i == at) s = s dom
				s = s substr(a, int(rand() * 20) + 1, 1)
			}
			print ">long" seed; print s }'
	}
	long 1 15001 >q.fa
	long 2 5001 >d.fa
	run -0 ct-ssearch -d d.fa -q q.fa
	printf '%s\n' "$output" >r.xml
	run -0 xmllint --xpath 'concat(//Hsp_query-from, " ", //Hsp_query-to, " ", //Hsp_hit-from, " ", //Hsp_hit-to, " ", //Hsp_qseq)' r.xml
	assert_output "15001 15060 5001 5060 $domain"
}
