#!/usr/bin/env bats
# The example wrapper of ct-wrapper(7), share/examples/bgblast, on real
# BLAST+: it is the page's text, it follows the page on repeated calls,
# and through the real ct-dispatch, killed at random instants, every job
# ends Completed with the whole report for its query and no attempt starts
# two searches. Its blastp is t/wrappers/counted-blastp, which counts the
# searches; t/wrappers/logcalls in front of it counts the calls.

load helper
load dispatch

PAGE="$BATS_TEST_DIRNAME/../man/ct-wrapper.7"
EXAMPLE="$BATS_TEST_DIRNAME/../share/examples/bgblast"

# The database of share/demo's 45 globins; each globin a query (q/N.fa),
# and its report by blastp run directly, as bgblast runs it (ref/N.xml).
setup_file() {
	local f n
	command -v blastp >/dev/null || skip "BLAST+ is missing (ncbi-blast+)"
	f=$BATS_FILE_TMPDIR
	makeblastdb -in "$BATS_TEST_DIRNAME/../share/demo/globins45.fa" \
		-dbtype prot -out "$f/globins45" >/dev/null
	mkdir "$f/q" "$f/ref"
	awk -v d="$f/q" '/^>/ { n++ } { print >(d "/" n ".fa") }' \
		"$BATS_TEST_DIRNAME/../share/demo/globins45.fa"
	for ((n = 1; n <= 24; n++)); do
		blastp -db "$f/globins45" -evalue 10 -outfmt 5 \
			-query "$f/q/$n.fa" -out "$f/ref/$n.xml"
	done
}

local_setup() {
	command -v blastp >/dev/null || skip "BLAST+ is missing (ncbi-blast+)"
	dispatch_setup
	DB=$BATS_FILE_TMPDIR/globins45
	Q=$BATS_FILE_TMPDIR/q
	REF=$BATS_FILE_TMPDIR/ref
	# The example installed as the page says, in a wrapper directory.
	export CT_WRAPPER_DIR=$BATS_TEST_TMPDIR/libexec
	install -d "$CT_WRAPPER_DIR"
	install -m 0755 "$EXAMPLE" "$CT_WRAPPER_DIR/bgblast"
	install -m 0755 "$T/wrappers/logcalls" "$CT_WRAPPER_DIR/logcalls"
}

# running_searches: the PIDs of this test's searches that still run:
# those of its PIDs whose process has its marks (a PID of a search that
# ended may be another process's by now).
running_searches() {
	local p
	[ -f "$MARKS/searches" ] || return 0
	for p in $(awk '{ print $3 }' "$MARKS/searches"); do
		tr '\0' '\n' 2>/dev/null <"/proc/$p/environ" |
			grep -qxF "CT_PARAM_MARKS=$MARKS" && echo "$p"
	done
	return 0
}

local_teardown() {
	# No search of a test outlives it.
	running_searches | xargs -r kill -KILL 2>/dev/null || true
}

# page_example: the wrapper in the page's EXAMPLES, as its reader gets it:
# the first literal display of the section, roff's \e and \& undone.
page_example() {
	awk '/^\.Sh EXAMPLES$/ { ex = 1 }
		on && /^\.Ed$/ { exit }
		on { print }
		ex && /^\.Bd -literal/ { on = 1 }' "$PAGE" |
		sed 's/\\e/\\/g; s/^\\&//'
}

# bgblast_server [DELAY]: a server driven by bgblast, through logcalls,
# whose searches last DELAY seconds more than blastp's own.
bgblast_server() {
	server here logcalls 1 'max-jobs="4" poll-interval="0"' \
		wrapped="$CT_WRAPPER_DIR/bgblast" db="$DB" marks="$MARKS" \
		blastp="$T/wrappers/counted-blastp" delay="${1:-0}" |
		registry '<defaults deadline="600"/>'
}

# call VERB [ARG...]: bgblast by hand, in the environment of the page's
# recipe, for job t1, attempt $ATTEMPT (default 1), in the work directory
# aN of attempt N, with blastp $BLASTP (default: counted-blastp).
call() {
	local a=${ATTEMPT:-1}
	mkdir -p "a$a"
	env -i PATH=/usr/local/bin:/usr/bin:/bin LANG=C LC_ALL=C \
		HOME="$PWD/a$a" TMPDIR="$PWD/a$a" CT_WORKDIR="$PWD/a$a" \
		CT_CONTRACT=1 CT_JOB_ID=t1 CT_ATTEMPT="$a" CT_SERVER=here \
		CT_SERVICE=blastp CT_DATABASE= CT_DEADLINE=$(($(date +%s) + 600)) \
		CT_PARAM_CLASSNAME=bgblast CT_PARAM_DB="$DB" \
		CT_PARAM_BLASTP="${BLASTP:-$T/wrappers/counted-blastp}" \
		CT_PARAM_MARKS="$MARKS" CT_PARAM_DELAY="${DELAY:-0}" \
		"$CT_WRAPPER_DIR/bgblast" "$@"
}

# searches: how many searches were started.
searches() {
	if [ -f "$MARKS/searches" ]; then wc -l <"$MARKS/searches"; else echo 0; fi
}

# poll_until_over HANDLE: poll by hand until the answer is not running.
poll_until_over() {
	local n
	for ((n = 0; n < 200; n++)); do
		run -0 call poll "$1"
		[ "$output" = running ] || return 0
		sleep 0.1
	done
	return 1
}

# submit_queries N: jobs for the first N globins; their IDs in ids[], in
# order.
submit_queries() {
	local n
	ids=()
	for ((n = 1; n <= $1; n++)); do
		ids+=("$(ct-submit -d globins45 "$Q/$n.fa")")
	done
}

# all_complete_and_whole: every job of ids[] Completed, and its result the
# whole report blastp gives for its query, byte for byte.
all_complete_and_whole() {
	local n
	run -0 ct-wait -t 0 "${ids[@]}"
	for ((n = 1; n <= ${#ids[@]}; n++)); do
		ct-fetch -o "r$n.xml" "${ids[n - 1]}"
		cmp "r$n.xml" "$REF/$n.xml" || fail "job $n: not the whole report for its query"
	done
}

# one_search_per_attempt: no job and attempt in the searches twice.
one_search_per_attempt() {
	run sh -c "awk '{ print \$1, \$2 }' '$MARKS/searches' | sort | uniq -d"
	assert_output ""
}

@test "share/examples/bgblast is, byte for byte, the wrapper of the page's EXAMPLES" {
	page_example >from-page
	[ -s from-page ]
	assert_equal "$(head -n 1 from-page)" "#!/bin/sh"
	cmp from-page "$EXAMPLE"
	# ...as mandoc shows it too, indented, with its tabs expanded.
	mandoc -Tascii "$PAGE" | sed 's/.\x08//g' |
		sed -n '/^           #!\/bin\/sh$/,/^           esac$/p' | sed 's/^           //' >shown
	expand "$EXAMPLE" | cmp - shown
	[ -x "$EXAMPLE" ]
}

@test "the page's hand-test recipe gives the whole environment of a real call" {
	# What ct-dispatch gives a wrapper, as t/wrappers/spy records it...
	install -m 0755 "$T/wrappers/spy" "$CT_WRAPPER_DIR/bgblast"
	server here bgblast 1 '' marks="$MARKS" db="$DB" | registry
	fasta q "$PROTEIN"
	id=$(ct-submit q.fa)
	pass
	# (CT_LIBEXEC_DIR is there because the tests run from the build tree.)
	cut -d= -f1 "$MARKS/submit.env" |
		grep -v -e '^CT_PARAM_MARKS$' -e '^CT_LIBEXEC_DIR$' >real
	# ...and what the recipe's lines that make it give, run as they are.
	sed -n 's/^\$ \(e=.*\)$/\1/p' "$PAGE" >recipe
	[ "$(wc -l <recipe)" -ge 3 ]
	bash -c 'cd "$1" && . "$2" && env -i $e env' sh "$(mktemp -d)" "$PWD/recipe" |
		cut -d= -f1 | LC_ALL=C sort >given
	diff real given
}

@test "by hand: a repeated submit answers with the first search's handle, and starts no other" {
	DELAY=1
	run -0 call submit <"$Q/1.fa"
	h=$output
	run -0 call poll "$h"
	assert_output running
	run -0 call submit <"$Q/1.fa"
	assert_output "$h"
	assert_equal "$(searches)" 1
	# Recorded before it was printed, in the attempt's work directory,
	# and not a bare PID.
	assert_equal "$(cat a1/handle)" "$h"
	[[ $h =~ ^[0-9]+:[0-9]+:[0-9a-f-]{36}$ ]] || fail "handle $h: not PID:START:BOOT"
	poll_until_over "$h"
	assert_output done
	# Over: submit again still names it, and starts nothing.
	run -0 call submit <"$Q/1.fa"
	assert_output "$h"
	assert_equal "$(searches)" 1
	# fetch, twice: the same whole report.
	call fetch "$h" >one.xml
	call fetch "$h" >two.xml
	cmp one.xml "$REF/1.xml"
	cmp two.xml "$REF/1.xml"
	# A new attempt is new work, and knows nothing of the first's.
	ATTEMPT=2
	run -69 --separate-stderr call poll "$h"
	assert_equal "$stderr" "bgblast: no search $h here"
	run -0 call submit <"$Q/1.fa"
	[ "$output" != "$h" ]
	assert_equal "$(searches)" 2
	assert_equal "$(cut -d' ' -f2 "$MARKS/searches" | tr '\n' ' ')" "1 2 "
}

@test "by hand: poll says done, and fetch delivers, only once the report is whole" {
	# A blastp that writes half its report, and the rest once told to.
	cat >halves <<-EOF
	#!/bin/sh
	while [ "\$1" != -out ]; do shift; done
	head -c 1000 "$REF/4.xml" >"\$2"
	: >"$PWD/half"
	while [ ! -e "$PWD/go" ]; do sleep 0.05; done
	tail -c +1001 "$REF/4.xml" >>"\$2"
	EOF
	chmod +x halves
	BLASTP=$PWD/halves
	run -0 call submit <"$Q/4.fa"
	h=$output
	while [ ! -e half ]; do sleep 0.05; done
	run -0 call poll "$h"
	assert_output running
	run -69 --separate-stderr call fetch "$h"
	assert_equal "$stderr" "bgblast: no result"
	[ ! -e a1/result.xml ]
	: >go
	poll_until_over "$h"
	assert_output done
	call fetch "$h" | cmp - "$REF/4.xml"
}

@test "by hand: cancel stops the search; it is not done, ever; cancel again, and of unknown handles, exits 0" {
	DELAY=30
	run -0 call submit <"$Q/2.fa"
	h=$output
	pid=${h%%:*}
	run -0 call cancel "$h"
	for ((n = 0; n < 50; n++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	! kill -0 "$pid" 2>/dev/null || fail "the search still runs after cancel"
	pid=
	run -0 call poll "$h"
	assert_output "failed search gone"
	run -69 call fetch "$h"
	run -0 call cancel "$h"
	# A handle of no search of this attempt: nothing to cancel, and not
	# a search poll or fetch can ever take for this one.
	run -0 --separate-stderr call cancel "1:2:3"
	run -69 --separate-stderr call poll "1:2:3"
	assert_equal "$stderr" "bgblast: no search 1:2:3 here"
	run -69 call fetch "1:2:3"
	rm -r a1
	run -0 call cancel "$h"
	# Only a handle that could never be one is a usage error.
	run -64 call cancel "bg-t1"
}

@test "by hand: a handle whose PID now names another process: that process is neither running work nor killed" {
	DELAY=0
	run -0 call submit <"$Q/3.fa"
	h=$output
	poll_until_over "$h"
	assert_output done
	# As after a reboot, or with the PID taken by another process: the
	# handle names the search that ended, never a process that runs now.
	echo "$$:1:$(cat /proc/sys/kernel/random/boot_id)" >a1/handle
	run -0 call poll "$$:1:$(cat /proc/sys/kernel/random/boot_id)"
	assert_output done
	run -0 call cancel "$$:1:$(cat /proc/sys/kernel/random/boot_id)"
	kill -0 $$
}

@test "through ct-dispatch: 6 jobs, each Completed with the whole report for its query, one search each" {
	bgblast_server 0.2
	submit_queries 6
	for ((k = 0; k < 200; k++)); do
		ct-wait -q -t 0 "${ids[@]}" && break
		pass
		sleep 0.1
	done
	all_complete_and_whole
	assert_equal "$(searches)" 6
	one_search_per_attempt
	# Nothing left behind: no work directory.
	run find "$CT_SPOOL/work" -mindepth 1
	assert_output ""
}

@test "ct-dispatch SIGKILLed while 24 searches run: all Completed, whole, no attempt searched twice" {
	no_leak_check	# a SIGKILL may land in the leak check at exit
	bgblast_server 1.5
	submit_queries 24
	seed=${CT_TEST_SEED:-$$}
	RANDOM=$seed
	echo "# seed $seed (CT_TEST_SEED reproduces it)" >&3
	kills=0 busy=0
	while ((kills < 25)) && ! ct-wait -q -t 0 "${ids[@]}"; do
		ct-dispatch -f 2>>kill.log &
		pid=$!
		sleep "0.$(printf '%02d' $((5 + RANDOM % 80)))"
		[ -z "$(running_searches)" ] || busy=$((busy + 1))
		kill -KILL "$pid" 2>/dev/null || true
		{ wait "$pid"; } 2>/dev/null || true
		kills=$((kills + 1))
	done
	pid=
	# Kills landed while searches ran (or the test tests little). A
	# SIGKILL waits for an fsync to end, so a kill takes a while.
	((busy >= 3)) || fail "only $busy of $kills kills while searches ran"
	for ((k = 0; k < 300; k++)); do
		ct-wait -q -t 0 "${ids[@]}" && break
		pass
		sleep 0.1
	done
	submits=$(grep -c '^submit ' "$MARKS/calls")
	repeats=$(awk '$1 == "submit" { print $2, $3 }' "$MARKS/calls" |
		sort | uniq -d | wc -l)
	echo "# $kills kills, $busy while searches ran; $(searches) searches," \
		"$submits submits, $repeats attempts submitted again" >&3
	one_search_per_attempt
	all_complete_and_whole
	# No search outlives its job; nothing is left in work/.
	assert_equal "$(running_searches)" ""
	run find "$CT_SPOOL/work" -mindepth 1
	assert_output ""
	touch "$LOG"
	run grep -E 'cannot|corrupt' kill.log "$LOG"
	assert_output ""
}

@test "by hand: check finds a missing database and blastp, each a line, 78; nothing wrong is 0" {
	local e="PATH=/usr/local/bin:/usr/bin:/bin LANG=C LC_ALL=C CT_CONTRACT=1 CT_SERVER=here"
	run -78 --separate-stderr env -i $e CT_PARAM_DB="$PWD/nosuch" \
		CT_PARAM_BLASTP=/nonexistent/blastp "$EXAMPLE" check
	assert_equal "$output" "parameter db: $PWD/nosuch: no BLAST protein database there
parameter blastp: /nonexistent/blastp: no such program"
	assert_equal "$stderr" ""
	run -78 env -i $e "$EXAMPLE" check
	assert_output "parameter db is not set"
	run -0 --separate-stderr env -i $e CT_PARAM_DB="$DB" "$EXAMPLE" check
	assert_equal "$output$stderr" ""
}
