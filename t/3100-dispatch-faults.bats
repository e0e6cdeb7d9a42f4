#!/usr/bin/env bats
# ct-dispatch when providers fail: transient failures retried at the same
# server with backoff, permanent ones moving the job on, the job failing
# with "run it locally" when no server is left or its deadline passes;
# attempt and call timeouts (a hung wrapper killed with all it started);
# wrappers that break the contract; results that must not be accepted.
# The wrappers are the small scripts in t/wrappers/.
#
# About 25 s: the retry test waits out the real 5 s backoff, the timeout
# tests a few seconds each.

load helper
load dispatch

DEMO="$BATS_TEST_DIRNAME/../share/demo"

setup_file() {
	# A real BLAST XML report to deliver, whole or damaged.
	if command -v blastp >/dev/null && command -v makeblastdb >/dev/null &&
		makeblastdb -in "$DEMO/globins45.fa" -dbtype prot \
			-out "$BATS_FILE_TMPDIR/globins45" >/dev/null; then
		awk '/^>/ { n++ } n == 1' "$DEMO/queries.fa" >"$BATS_FILE_TMPDIR/hbb.fa"
		awk '/^>/ { n++ } n == 2' "$DEMO/queries.fa" >"$BATS_FILE_TMPDIR/hba.fa"
		blastp -query "$BATS_FILE_TMPDIR/hbb.fa" -db "$BATS_FILE_TMPDIR/globins45" \
			-outfmt 5 >"$BATS_FILE_TMPDIR/hbb.xml" || rm -f "$BATS_FILE_TMPDIR/hbb.xml"
	fi
}

local_setup() {
	dispatch_setup
	fasta q1 "$PROTEIN"
}

# age ID FIELD SECONDS: set the time FIELD (next, attempt) of a job in
# processing/ to SECONDS ago, as if that much time had passed. The record
# is rewritten whole and renamed into place, as the spool requires.
age() {
	local f="$CT_SPOOL/processing/$1"
	sed -E "s/^$2 [0-9]+\.[0-9]{6}\$/$2 $(($(date +%s) - $3)).000000/" "$f" >"$CT_SPOOL/tmp/age"
	! cmp -s "$f" "$CT_SPOOL/tmp/age" || fail "$1 has no field $2"
	mv "$CT_SPOOL/tmp/age" "$f"
}

# alive PID: the process exists and is not a zombie.
alive() {
	local state
	state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$state" ] && [ "$state" != Z ]
}

# group_alive PGID: a process of that group exists that is not a zombie.
group_alive() {
	local f
	for f in /proc/[0-9]*/stat; do
		awk -v g="$1" '$5 == g && $3 != "Z" { found = 1 } END { exit !found }' \
			"$f" 2>/dev/null && return 0
	done
	return 1
}

# moved_on MODE REASON [QUERY]: a server "bad" running the garbage wrapper
# in MODE, then a good one; the job must leave bad with REASON in its
# history ("bad ..." as ct-dispatch words it) and complete at good. Each
# call has a fresh spool.
NSPOOL=0
moved_on() {
	local mode=$1 reason=$2 q=${3:-q1} id
	# A spool of its own: the policy's state starts again at bad.
	export CT_SPOOL="$BATS_TEST_TMPDIR/spool.$((++NSPOOL))"
	{
		server bad garbage 1 'poll-interval="0"' "mode=$mode" "file=${FILE:-}"
		server good instant 1
	} | registry
	id=$(ct-submit "$q.fa")
	pass
	pass
	pass
	run -0 ct-fetch "$id"
	assert_output "$(blastxml "$(sed -n '1s/^>\([^ ]*\).*/\1/p' "$q.fa")" good)"
	run -0 history "$id"
	assert_line "Processing: $reason"
	assert_equal "$(grep -c '^Processing: sent to good (handle h-'"$id"')$' <<<"$output")" 1
	assert_line --index -1 "Completed: completed by good in N s"
}

need_blast_xml() {
	[ -s "$BATS_FILE_TMPDIR/hbb.xml" ] ||
		skip "BLAST+ (blastp, makeblastdb) is not installed"
	cp "$BATS_FILE_TMPDIR/hbb.fa" "$BATS_FILE_TMPDIR/hba.fa" .
}

@test "a transient failure: the job stays with its server, retries after 5 s, completes there" {
	{
		server busy flaky 1 'poll-interval="0"' "state=$MARKS/count" "log=$MARKS/calls"
		server other instant 1
	} | registry
	id=$(ct-submit q1.fa)
	pass
	run -2 ct-status -q "$id"
	run -0 history "$id"
	assert_output "New: submitted by uid $(id -u) on $HOST
Processing: claimed by ct-dispatch on $HOST
Processing: busy: will retry in 5 s: flaky submit exit 75: flaky: provider busy, try later"
	run -2 ct-status -l "$id"
	assert_line "provider   busy"
	# Not before the backoff is over: no call at all.
	pass
	assert_equal "$(cat "$MARKS/calls")" "busy submit $id"
	sleep 5.2
	pass
	pass
	run -0 ct-fetch "$id"
	assert_output "$(blastxml q1 busy)"
	run -0 history "$id"
	assert_output "New: submitted by uid $(id -u) on $HOST
Processing: claimed by ct-dispatch on $HOST
Processing: busy: will retry in 5 s: flaky submit exit 75: flaky: provider busy, try later
Processing: sent to busy (handle f-$id)
Completed: completed by busy in N s"
	assert_equal "$(cat "$MARKS/calls")" "busy submit $id
busy submit $id
busy poll $id
busy fetch $id"
}

@test "transient failures back off 5 s, then 10 s; past the attempt timeout the server is given up" {
	{
		server busy flaky 1 'poll-interval="0" attempt-timeout="60"' \
			"state=$MARKS/count" "failures=100"
		server other instant 1
	} | registry
	id=$(ct-submit q1.fa)
	pass
	age "$id" next 1
	pass
	run -0 history "$id"
	assert_line --index -2 "Processing: busy: will retry in 5 s: flaky submit exit 75: flaky: provider busy, try later"
	assert_line --index -1 "Processing: busy: will retry in 10 s: flaky submit exit 75: flaky: provider busy, try later"
	# The retries counted and the next one put off, in the record.
	grep -qx 'retries 2' "$CT_SPOOL/processing/$id"
	age "$id" next 1
	age "$id" attempt 61
	pass
	pass
	run -0 ct-fetch "$id"
	assert_output "$(blastxml q1 other)"
	run -0 history "$id"
	assert_output "New: submitted by uid $(id -u) on $HOST
Processing: claimed by ct-dispatch on $HOST
Processing: busy: will retry in 5 s: flaky submit exit 75: flaky: provider busy, try later
Processing: busy: will retry in 10 s: flaky submit exit 75: flaky: provider busy, try later
Processing: busy cannot run it: flaky submit exit 75: flaky: provider busy, try later
Processing: sent to other (handle h-$id)
Completed: completed by other in N s"
	assert_equal "$(cat "$MARKS/count")" 3
}

@test "a permanent failure at submit: the reason in the history, the job completes at the next server" {
	{
		server nodb refuse 1 'poll-interval="0"' 'reason=no database swissprot here' "log=$MARKS/calls"
		server good instant 1
	} | registry
	id=$(ct-submit q1.fa)
	pass
	run -0 history "$id"
	assert_output "New: submitted by uid $(id -u) on $HOST
Processing: claimed by ct-dispatch on $HOST
Processing: nodb cannot run it: refuse submit exit 69: no database swissprot here
Processing: sent to good (handle h-$id)"
	pass
	run -0 ct-fetch "$id"
	assert_output "$(blastxml q1 good)"
	run -0 history "$id"
	assert_line --index -1 "Completed: completed by good in N s"
	# Tried once, never again.
	assert_equal "$(cat "$MARKS/calls")" "nodb submit $id"
}

@test "at submit every exit status but 71, 74 and 75 is permanent, for this server only" {
	# 71 (EX_OSERR: out of memory, no fork) and 74 (EX_IOERR: a full
	# disk under the work directory) say nothing of the job or the
	# server: try later, as Postfix's sys_exits_softerror() has it.
	for code in 1 2 64 65 69 70 78 126 75 71 74; do
		export CT_SPOOL="$BATS_TEST_TMPDIR/spool.$code"
		{
			server x refuse 1 'poll-interval="0"' "exit=$code"
			server good instant 1
		} | registry
		id=$(ct-submit q1.fa)
		pass
		run -0 history "$id"
		if [ "$code" = 75 ] || [ "$code" = 71 ] || [ "$code" = 74 ]; then
			assert_line --index -1 "Processing: x: will retry in 5 s: refuse submit exit $code: cannot do this"
		else
			assert_line --index -2 "Processing: x cannot run it: refuse submit exit $code: cannot do this"
			assert_line --index -1 "Processing: sent to good (handle h-$id)"
		fi
	done
}

@test "poll says failed: the provider's reason in the history, the job completes at the next server" {
	{
		server pf pollfail 1 'poll-interval="0"' 'reason=killed by the scheduler: out of memory'
		server good instant 1
	} | registry
	id=$(ct-submit q1.fa)
	pass
	pass
	pass
	run -0 ct-fetch "$id"
	assert_output "$(blastxml q1 good)"
	run -0 history "$id"
	assert_output "New: submitted by uid $(id -u) on $HOST
Processing: claimed by ct-dispatch on $HOST
Processing: sent to pf (handle p-$id)
Processing: pf failed it: killed by the scheduler: out of memory
Processing: sent to good (handle h-$id)
Completed: completed by good in N s"
}

@test "a provider's reason is kept to 500 bytes in the history" {
	long=$(printf 'x%.0s' {1..600})
	{
		server pf pollfail 1 'poll-interval="0"' "reason=$long"
		server good instant 1
	} | registry
	id=$(ct-submit q1.fa)
	pass
	pass
	run -0 history "$id"
	assert_line "Processing: pf failed it: ${long:0:500}"
}

@test "every server fails it for good: Failed, run it locally; ct-fetch says why and exits 1" {
	{
		server nodb refuse 2 'poll-interval="0"'
		server pf pollfail 1 'poll-interval="0"'
	} | registry
	id=$(ct-submit q1.fa)
	pass
	pass
	run -1 ct-status -q "$id"
	run -0 history "$id"
	assert_output "New: submitted by uid $(id -u) on $HOST
Processing: claimed by ct-dispatch on $HOST
Processing: nodb cannot run it: refuse submit exit 69: cannot do this
Processing: sent to pf (handle p-$id)
Processing: pf failed it: out of memory
Failed: no provider left: nodb cannot run it: refuse submit exit 69: cannot do this; pf failed it: out of memory; run it locally"
	run -1 --separate-stderr ct-fetch "$id"
	assert_equal "$output" ""
	assert_equal "$stderr" "ct-fetch: $id: job failed: no provider left: nodb cannot run it: refuse submit exit 69: cannot do this; pf failed it: out of memory; run it locally"
	assert_equal "$(jobs_in processing) $(jobs_in failed)" "0 1"
	[ ! -e "$CT_SPOOL/results/$id" ]
	[ ! -e "$CT_SPOOL/work/$id" ]
	[ ! -e "$CT_SPOOL/locks/$id" ]
}

@test "a wrapper that is not there is permanent for its server" {
	{
		server missing nosuch 1
		server good instant 1
	} | registry
	id=$(ct-submit q1.fa)
	pass
	run -0 history "$id"
	assert_line --index -2 "Processing: missing cannot run it: nosuch submit exit 127: cannot run $CT_WRAPPER_DIR/nosuch: No such file or directory"
	assert_line --index -1 "Processing: sent to good (handle h-$id)"
}

@test "deadline: the job in flight is withdrawn (the wrapper's cancel called) and fails, run it locally" {
	server a forever 1 'poll-interval="0"' "marks=$MARKS" | registry '<defaults deadline="2"/>'
	id=$(ct-submit q1.fa)
	pass
	pass
	run -2 ct-status -q "$id"
	[ ! -e "$MARKS/cancel.a.$id" ]
	# Two seconds after the submission, not before.
	submitted=$(sed -n 's/^submitted //p' "$CT_SPOOL/processing/$id")
	deadline=$(sed -n 's/^deadline //p' "$CT_SPOOL/processing/$id")
	assert_equal "$deadline" "$((${submitted%.*} + 2)).${submitted#*.}"
	sleep 2.1
	pass
	run -1 ct-status -q "$id"
	run -0 history "$id"
	assert_output "New: submitted by uid $(id -u) on $HOST
Processing: claimed by ct-dispatch on $HOST
Processing: sent to a (handle r-a-$id)
Failed: deadline passed; run it locally"
	assert_equal "$(cat "$MARKS/cancel.a.$id")" "r-a-$id"
	run -1 --separate-stderr ct-fetch "$id"
	assert_equal "$stderr" "ct-fetch: $id: job failed: deadline passed; run it locally"
}

@test "deadline: a job whose deadline passed before any pass fails without a wrapper call" {
	server a forever 1 'poll-interval="0"' "marks=$MARKS" "log=$MARKS/calls" |
		registry '<defaults deadline="60"/>'
	id=20200101-000000-000000-test-1-0
	mkjob -t "$(($(date +%s) - 61))" "$CT_SPOOL" "$id"
	pass
	run -1 ct-status -q "$id"
	run -0 history "$id"
	assert_line --index -2 "Processing: claimed by ct-dispatch on $HOST"
	assert_line --index -1 "Failed: deadline passed; run it locally"
	[ ! -e "$MARKS/calls" ]
}

@test "attempt timeout: the work is cancelled and the job moves on, then fails when none is left" {
	{
		server s1 forever 2 'poll-interval="0" attempt-timeout="1"' "marks=$MARKS"
		server s2 forever 1 'poll-interval="0" attempt-timeout="1"' "marks=$MARKS"
	} | registry
	id=$(ct-submit q1.fa)
	pass
	pass
	run -0 history "$id"
	assert_line --index -1 "Processing: sent to s1 (handle r-s1-$id)"
	sleep 1.1
	pass
	run -0 history "$id"
	assert_line --index -2 "Processing: s1: attempt timed out after 1 s"
	assert_line --index -1 "Processing: sent to s2 (handle r-s2-$id)"
	assert_equal "$(cat "$MARKS/cancel.s1.$id")" "r-s1-$id"
	[ ! -e "$MARKS/cancel.s2.$id" ]
	sleep 1.1
	pass
	run -0 history "$id"
	assert_output "New: submitted by uid $(id -u) on $HOST
Processing: claimed by ct-dispatch on $HOST
Processing: sent to s1 (handle r-s1-$id)
Processing: s1: attempt timed out after 1 s
Processing: sent to s2 (handle r-s2-$id)
Processing: s2: attempt timed out after 1 s
Failed: no provider left: s1: attempt timed out after 1 s; s2: attempt timed out after 1 s; run it locally"
	assert_equal "$(cat "$MARKS/cancel.s2.$id")" "r-s2-$id"
}

@test "a hung wrapper is killed at the call timeout, with every process it started" {
	server stuck hang 1 'poll-interval="0" call-timeout="1"' "marks=$MARKS" | registry
	id=$(ct-submit q1.fa)
	start=$(date +%s%N)
	pass
	took=$((($(date +%s%N) - start) / 1000000))
	((took >= 1000 && took < 5000)) || fail "the pass took $took ms"
	run -0 history "$id"
	assert_line --index -1 "Processing: stuck: will retry in 5 s: hang submit timed out after 1 s"
	read -r child wrapper <"$MARKS/pids"
	[ -n "$child" ] && [ -n "$wrapper" ]
	! alive "$wrapper" || fail "the wrapper $wrapper is still running"
	! alive "$child" || fail "its child $child is still running"
	# The wrapper led its own process group: nothing of it is left.
	! group_alive "$wrapper" || fail "process group $wrapper is still running"
}

@test "the longest timeouts the schema allows (a year, 35 days) are kept as given, never wrapped to none" {
	server long slow 1 'poll-interval="0" call-timeout="3000000"' delay=0.2 |
		registry '<defaults deadline="31536000"/>'
	id=$(ct-submit q1.fa)
	pass
	pass
	run -0 ct-fetch "$id"
	assert_output "$(blastxml q1 long)"
	run -1 grep "timed out" "$LOG"
}

@test "SIGTERM during a wrapper call: the call ends (here at its timeout), the job is saved, then it stops" {
	server stuck hang 1 'poll-interval="0" call-timeout="2"' "marks=$MARKS" | registry
	id=$(ct-submit q1.fa)
	ct-dispatch -f -v 2>follow.log &
	pid=$!
	for ((i = 0; i < 50; i++)); do
		[ -s "$MARKS/pids" ] && break
		sleep 0.1
	done
	[ -s "$MARKS/pids" ] || fail "the wrapper never ran"
	kill -TERM "$pid"
	rc=0
	wait "$pid" || rc=$?
	assert_equal "$rc" 0
	assert_equal "$(tail -1 follow.log)" "ct-dispatch: stopped"
	run -0 history "$id"
	assert_line --index -1 "Processing: stuck: will retry in 5 s: hang submit timed out after 2 s"
	read -r child wrapper <"$MARKS/pids"
	! group_alive "$wrapper" || fail "process group $wrapper is still running"
	! alive "$child" || fail "the wrapper's child $child is still running"
}

@test "a handle with spaces, of 300 characters, or none: permanent, the job moves on" {
	moved_on handle-spaces "bad cannot run it: garbage submit gave no valid handle"
	moved_on handle-long "bad cannot run it: garbage submit gave no valid handle"
	moved_on handle-none "bad cannot run it: garbage submit gave no valid handle"
}

@test "a handle of 200 characters is good" {
	server bad garbage 1 'poll-interval="0"' mode=handle-200 | registry
	id=$(ct-submit q1.fa)
	pass
	pass
	run -0 ct-fetch "$id"
	assert_output "$(blastxml q1 bad)"
	run -0 history "$id"
	assert_line "Processing: sent to bad (handle $(printf '%0200d' 0))"
}

@test "a poll that breaks the contract, or never stops talking: permanent, the job moves on" {
	moved_on poll-maybe "bad poll broke the contract: 'maybe'"
	moved_on poll-flood "bad: garbage poll wrote too much"
}

@test "an HTML page, an empty result, binary data: refused, the job moves on" {
	moved_on fetch-html "bad delivered a bad result: not BLAST XML: an HTML page"
	moved_on fetch-empty "bad delivered a bad result: empty result"
	moved_on fetch-binary "bad delivered a bad result: not BLAST XML: binary data"
	# Nothing of the refused results is kept.
	assert_equal "$(ls "$CT_SPOOL/results" | wc -l)" 1
}

@test "an HTML5 page (lower-case <!doctype html>) is refused too" {
	moved_on fetch-html5 "bad delivered a bad result: not BLAST XML: an HTML page"
}

@test "a report in another format (tabular, text): refused, the job moves on; results are kept in one form" {
	moved_on fetch-tabular "bad delivered a bad result: not BLAST XML: text beginning 'q1?HBB_HUMAN?100.000?20?0?0?1?20?1?20?1.'"
	printf 'BLASTP 2.12.0+\n\nQuery= q1\nLength=20\n' >text.out
	FILE=$PWD/text.out
	moved_on fetch-file "bad delivered a bad result: not BLAST XML: text beginning 'BLASTP 2.12.0+'"
	# Nothing of the refused results is kept.
	for sp in "$BATS_TEST_TMPDIR"/spool.*; do
		assert_equal "$(ls "$sp/results" | wc -l)" 1
	done
}

# delivered_whole FILE: a server that delivers FILE completes the job for
# hbb.fa with FILE as its result, byte for byte.
delivered_whole() {
	server bad garbage 1 'poll-interval="0"' mode=fetch-file "file=$1" |
		registry
	id=$(ct-submit hbb.fa)
	pass
	pass
	run -0 ct-status -q "$id"
	ct-fetch "$id" >got.xml
	cmp "$1" got.xml
}

@test "BLAST XML: a real report is accepted byte for byte" {
	need_blast_xml
	delivered_whole "$BATS_FILE_TMPDIR/hbb.xml"
}

@test "BLAST XML for another query, truncated, or not BLAST: refused, the job moves on" {
	need_blast_xml
	FILE="$BATS_FILE_TMPDIR/hbb.xml"
	moved_on fetch-file "bad delivered a bad result: a report for query 'HBB_HUMAN', not for this job's 'HBA_MACFA'" hba
	head -c "$(($(wc -c <"$FILE") / 2))" "$FILE" >half.xml
	FILE=$PWD/half.xml
	moved_on fetch-file "bad delivered a bad result: malformed or truncated BLAST XML" hbb
	# Cut just before the end: still not a whole document.
	head -c "$(($(wc -c <"$BATS_FILE_TMPDIR/hbb.xml") - 5))" "$BATS_FILE_TMPDIR/hbb.xml" >end.xml
	FILE=$PWD/end.xml
	moved_on fetch-file "bad delivered a bad result: malformed or truncated BLAST XML" hbb
	sed 's/BlastOutput/SomethingElse/g' "$BATS_FILE_TMPDIR/hbb.xml" >other.xml
	FILE=$PWD/other.xml
	moved_on fetch-file "bad delivered a bad result: XML, but not a BLAST report" hbb
	grep -v 'query-def' "$BATS_FILE_TMPDIR/hbb.xml" >nodef.xml
	FILE=$PWD/nodef.xml
	moved_on fetch-file "bad delivered a bad result: BLAST XML that names no query" hbb
}

@test "BLAST XML that declares entities of its own: refused before any is expanded" {
	need_blast_xml
	# 60 kB that libxml2 parses without a word, and that would be 50 MB
	# as the query's name: a thousand x's a thousand times, fifty times.
	{
		sed -n 1p "$BATS_FILE_TMPDIR/hbb.xml"
		printf '<!DOCTYPE BlastOutput [\n<!ENTITY l0 "%s">\n' \
			"$(head -c 1000 /dev/zero | tr '\0' x)"
		printf '<!ENTITY l1 "%s">\n]>\n' "$(printf '&l0;%.0s' $(seq 1000))"
		sed -e 1,2d -e "s|<Iteration_query-def>[^<]*<|<Iteration_query-def>$(printf '\\&l1;%.0s' $(seq 50))<|" \
			"$BATS_FILE_TMPDIR/hbb.xml"
	} >lol.xml
	grep -q '<Iteration_query-def>&l1;&l1;' lol.xml
	FILE=$PWD/lol.xml
	moved_on fetch-file "bad delivered a bad result: BLAST XML that declares entities of its own" hbb
}

@test "a real BLAST XML report after a byte-order mark or blank lines is accepted" {
	need_blast_xml
	{ printf '\xef\xbb\xbf'; cat "$BATS_FILE_TMPDIR/hbb.xml"; } >bom.xml
	{ printf '\n\r\n  '; cat "$BATS_FILE_TMPDIR/hbb.xml"; } >blank.xml
	for f in bom blank; do
		export CT_SPOOL="$BATS_TEST_TMPDIR/spool.$f"
		delivered_whole "$PWD/$f.xml"
	done
}

@test "an attempt at the next server gets an empty work directory of its own" {
	{
		server first keep 1
		server second spy 1 'poll-interval="0"' "marks=$MARKS"
	} | registry
	id=$(ct-submit q1.fa)
	pass
	pass
	run -0 history "$id"
	assert_line "Processing: first failed it: it broke"
	assert_line "Processing: sent to second (handle spy-second)"
	# What the first server's wrapper left is not the second's to see.
	assert_equal "$(cat "$MARKS/submit.workdir")" "700"
}

@test "strace: the spool cannot be written: exit 74, the job named, and the next pass carries on from its last record" {
	no_leak_check
	command -v strace >/dev/null || skip "strace is missing (Debian package strace)"
	strace -o /dev/null true 2>/dev/null || skip "strace cannot trace here (ptrace not permitted)"
	server good instant 1 | registry
	id=$(ct-submit q1.fa)
	# Every renameat(2) of ct-dispatch itself fails (the wrappers are not
	# traced): the claim (renameat2) lasts, the rewrite of the job after
	# its submit does not.
	run -74 --separate-stderr strace -qq -o /dev/null \
	    -e trace=renameat -e inject=renameat:error=ENOSPC ct-dispatch
	assert_output ""
	stderr_line --partial "cannot replace $CT_SPOOL/processing/$id: No space left on device"
	stderr_line "ct-dispatch: could not write the spool for 1 job: $id; each carries on from its last record"
	# What lasted: the claim, and nothing of the lost step.
	run -2 ct-status -q "$id"
	run -0 history "$id"
	assert_output "New: submitted by uid $(id -u) on $HOST"
	run -0 ct-dispatch
	run -0 ct-dispatch
	run -0 ct-fetch "$id"
	assert_output "$(blastxml q1 good)"
	run -0 history "$id"
	assert_line --index -2 "Processing: sent to good (handle h-$id)"
	assert_line --index -1 "Completed: completed by good in N s"
}

@test "a pass that writes everything it should exits 0" {
	server good instant 1 | registry
	id=$(ct-submit q1.fa)
	run -0 --separate-stderr ct-dispatch
	[ -z "$stderr" ] || fail "stderr: $stderr"
	run -0 ct-dispatch
	run -0 ct-status -q "$id"
}
