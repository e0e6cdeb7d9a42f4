#!/usr/bin/env bats
# ct-cancel: a New job fails at once; a job in flight is withdrawn by the
# next dispatch pass, which calls the wrapper's cancel; a finished job, a
# missing one and a bad ID are refused with their own exit codes. The
# wrappers are the small scripts in t/wrappers/. A few seconds.

load helper
load dispatch

local_setup() {
	dispatch_setup
	fasta q1 "$PROTEIN"
}

# server ID WRAPPER [NAME=VALUE...]: a blastp server, polled at once.
server() {
	local id=$1 wrapper=$2 p
	shift 2
	printf '<server id="%s" name="server %s"><limits poll-interval="0"/>' "$id" "$id"
	printf '<service name="blastp" weight="1"/><parameters>'
	printf '<parameter name="classname">%s</parameter>' "$wrapper"
	for p; do
		printf '<parameter name="%s">%s</parameter>' "${p%%=*}" "${p#*=}"
	done
	printf '</parameters></server>\n'
}

# leftovers: what the spool keeps beside the jobs (locks, work
# directories, cancel requests), one name a line.
leftovers() {
	local d
	for d in locks work cancel; do
		[ -d "$CT_SPOOL/$d" ] && (cd "$CT_SPOOL/$d" && ls -A | sed "s|^|$d/|")
	done
	return 0
}

# refused_as_finished COMPLETED-ID FAILED-ID: ct-cancel answers 5 for each,
# saying how it finished, and changes nothing in the spool.
refused_as_finished() {
	local before
	before=$(snapshot)
	run -5 --separate-stderr ct-cancel "$1"
	assert_equal "$output" ""
	assert_equal "$stderr" "ct-cancel: $1: job already completed"
	run -5 --separate-stderr ct-cancel "$2"
	assert_equal "$stderr" "ct-cancel: $2: job already failed"
	assert_equal "$(snapshot)" "$before"
}

@test "a New job: Failed, cancelled by its owner, at once; exit 0" {
	server a forever "marks=$MARKS" "log=$MARKS/calls" | registry
	id=$(ct-submit q1.fa)
	run -0 --separate-stderr ct-cancel "$id"
	assert_equal "$output$stderr" ""
	run -1 ct-status -q "$id"
	run -0 history "$id"
	assert_output "New: submitted by uid $(id -u) on $HOST
Failed: cancelled by its owner"
	run -1 --separate-stderr ct-fetch "$id"
	assert_equal "$stderr" "ct-fetch: $id: job failed: cancelled by its owner"
	assert_equal "$(jobs_in new) $(jobs_in processing) $(jobs_in failed)" "0 0 1"
	assert_equal "$(leftovers)" ""
	# No dispatcher ever hears of it.
	ct-dispatch
	[ ! -e "$MARKS/calls" ]
	run -1 ct-status -q "$id"
}

@test "a job in flight: cancel/ID at once, exit 0; the next pass cancels at the provider and fails it" {
	server a forever "marks=$MARKS" | registry
	id=$(ct-submit q1.fa)
	ct-dispatch
	run -2 ct-status -q "$id"
	run -0 --separate-stderr ct-cancel "$id"
	assert_equal "$output$stderr" ""
	[ -f "$CT_SPOOL/cancel/$id" ]
	# Only requested: the job is still in flight until the dispatcher acts.
	run -2 ct-status -q "$id"
	[ ! -e "$MARKS/cancel.a.$id" ]
	# Asking twice is asking once.
	run -0 ct-cancel "$id"
	ct-dispatch 2>dispatch.log
	run -1 ct-status -q "$id"
	assert_equal "$(cat "$MARKS/cancel.a.$id")" "r-a-$id"
	run -0 history "$id"
	assert_output "New: submitted by uid $(id -u) on $HOST
Processing: claimed by ct-dispatch on $HOST
Processing: sent to a (handle r-a-$id)
Failed: cancelled by its owner"
	assert_equal "$(cat dispatch.log)" "ct-dispatch: $id: cancelled by its owner"
	run -1 --separate-stderr ct-fetch "$id"
	assert_equal "$stderr" "ct-fetch: $id: job failed: cancelled by its owner"
	# The request, the lock and the work directory are gone with the job.
	assert_equal "$(leftovers)" ""
	assert_equal "$(jobs_in processing) $(jobs_in failed)" "0 1"
}

@test "a job waiting to retry is cancelled at once: its submit is asked once more, for work it may have started; none did, so no cancel" {
	server busy flaky "state=$MARKS/count" "failures=100" "log=$MARKS/calls" | registry
	id=$(ct-submit q1.fa)
	ct-dispatch 2>/dev/null
	run -0 history "$id"
	assert_line --index -1 "Processing: busy: will retry in 5 s: flaky submit exit 75: flaky: provider busy, try later"
	run -0 ct-cancel "$id"
	# The backoff does not delay the cancel.
	ct-dispatch 2>/dev/null
	run -1 ct-status -q "$id"
	run -0 history "$id"
	assert_line --index -1 "Failed: cancelled by its owner"
	# A transient failure does not say that the submit started nothing.
	assert_equal "$(cat "$MARKS/calls")" "busy submit $id
busy submit $id"
	assert_equal "$(leftovers)" ""
}

@test "a cancel wins over a result that is ready but not yet fetched" {
	server a instant | registry
	id=$(ct-submit q1.fa)
	ct-dispatch
	run -0 ct-cancel "$id"
	ct-dispatch 2>/dev/null
	run -1 ct-status -q "$id"
	[ ! -e "$CT_SPOOL/results/$id" ]
	run -0 history "$id"
	assert_line --index -1 "Failed: cancelled by its owner"
}

@test "a finished job: 5, job already completed or failed, and nothing changes" {
	server a instant | registry
	done_id=$(ct-submit q1.fa)
	ct-dispatch
	ct-dispatch 2>/dev/null
	run -0 ct-status -q "$done_id"
	failed_id=$(ct-submit q1.fa)
	ct-cancel "$failed_id"
	refused_as_finished "$done_id" "$failed_id"
	run -0 ct-fetch "$done_id"
	assert_output "$(blastxml q1 a)"
}

@test "already finished is a job answer (5), not bad input (65): above not found, below errors" {
	server a instant | registry
	done_id=$(ct-submit q1.fa)
	ct-dispatch
	ct-dispatch 2>/dev/null
	run -0 ct-status -q "$done_id"
	new_id=$(ct-submit q1.fa)
	missing=20200101-000000-000000-00000000-1-0
	# 65 would tell a script its input was malformed; the ID was fine.
	run -5 ct-cancel "$done_id"
	# The highest answer wins: finished (5) over not found (4) and
	# cancelled (0), so a script sees that something was not withdrawn.
	run -5 --separate-stderr ct-cancel "$new_id" "$missing" "$done_id"
	assert_equal "$output" ""
	run -1 ct-status -q "$new_id"
	run -0 --separate-stderr ct-cancel --help
	assert_output --partial "5 already"
}

@test "not found: 4; an invalid ID: 64 before the spool is touched; no ID: 64" {
	id=$(ct-submit q1.fa)
	before=$(snapshot)
	missing=20200101-000000-000000-00000000-1-0
	run -64 --separate-stderr ct-cancel 'bad|id'
	assert_equal "${stderr_lines[0]}" "ct-cancel: invalid job ID 'bad|id': an ID is 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit"
	# A bad ID anywhere: nothing is done, not even for the good one.
	run -64 ct-cancel "$id" '../x'
	run -64 --separate-stderr ct-cancel
	assert_equal "${stderr_lines[0]}" "ct-cancel: expected at least one job ID"
	assert_equal "$(snapshot)" "$before"
	run -4 --separate-stderr ct-cancel "$missing"
	assert_equal "$stderr" "ct-cancel: $missing: job not found"
	[ ! -e "$CT_SPOOL/cancel/$missing" ]
	run -3 ct-status -q "$id"
	# Several IDs: each handled, the exit status the highest.
	run -4 ct-cancel "$id" "$missing"
	run -1 ct-status -q "$id"
}

@test "a spool that does not exist: 69, 'no spool at', and not made" {
	run -69 --separate-stderr ct-cancel -S "$BATS_TEST_TMPDIR/none" 20200101-000000-000000-00000000-1-0
	assert_equal "$stderr" "ct-cancel: no spool at $BATS_TEST_TMPDIR/none: No such file or directory"
	[ ! -e "$BATS_TEST_TMPDIR/none" ]
}

@test "cancels racing a running dispatcher: exit 0 means Failed as cancelled, 5 means it finished" {
	server a instant | registry
	for ((i = 1; i <= 100; i++)); do
		printf '>q%d\n%s\n' "$i" "${PROTEIN:0:40}"
	done >many.fa
	ct-submit -r many.fa >ids
	ct-dispatch -f 2>follow.log &
	pid=$!
	# Every other job, newest first, so the cancels meet the dispatcher
	# (oldest first) in the middle: New jobs, jobs in flight, done ones.
	sleep 0.5
	for id in $(awk 'NR % 2' ids | tac); do
		rc=0
		ct-cancel "$id" 2>/dev/null || rc=$?
		echo "$id $rc"
	done >cancels
	for ((i = 0; i < 100; i++)); do
		[ "$(jobs_in new) $(jobs_in processing)" = "0 0" ] && break
		sleep 0.2
	done
	kill -TERM "$pid"
	wait "$pid"
	assert_equal "$(jobs_in new) $(jobs_in processing)" "0 0"
	run -0 awk '$2 != 0 && $2 != 5 { print }' cancels
	assert_output ""
	while read -r id rc; do
		if [ "$rc" = 0 ]; then
			run -1 ct-status -q "$id"
			run -0 history "$id"
			assert_line --index -1 "Failed: cancelled by its owner"
		else
			run -0 ct-status -q "$id"
		fi
	done <cancels
	for id in $(awk 'NR % 2 == 0' ids); do
		run -0 ct-status -q "$id"
	done
	# Some cancelled (how many finished first depends on the machine's
	# speed: 15 of 50 here).
	grep -q ' 0$' cancels
	assert_equal "$(leftovers)" ""
	assert_equal "$(jobs_in completed) $(jobs_in failed)" "$((100 - $(grep -c ' 0$' cancels))) $(grep -c ' 0$' cancels)"
}

# --- a final record not yet renamed, and a full disk -------------------------

# crash_window STATE ID: job ID in processing/ with a final record of
# STATE (completed, with a result, or failed), as a dispatcher that died,
# or met a full disk, between that record and its rename leaves it.
crash_window() {
	blastxml q1 a >"$BATS_TEST_TMPDIR/result"
	mkjob -s "$1" -r "$BATS_TEST_TMPDIR/result" "$CT_SPOOL" "$2"
	mkdir -p "$CT_SPOOL/processing"
	mv "$CT_SPOOL/$1/$2" "$CT_SPOOL/processing/$2"
}

@test "a job whose final record is not yet renamed: 5, as for a finished job, and nothing changes" {
	server a instant | registry
	done_id=20260101-000000-000000-deadbeef-1-1
	failed_id=20260101-000000-000000-deadbeef-1-2
	crash_window completed "$done_id"
	crash_window failed "$failed_id"
	refused_as_finished "$done_id" "$failed_id"
	# The answer was true: the next pass only moves them on.
	ct-dispatch 2>/dev/null
	run -0 ct-fetch "$done_id"
	assert_output "$(blastxml q1 a)"
	run -1 ct-status -q "$failed_id"
	assert_equal "$(leftovers)" ""
}

@test "a job that reaches its final record while ct-cancel waits for its lock: 5, and the request withdrawn" {
	id=20260101-000000-000000-deadbeef-1-3
	mkjob -s processing "$CT_SPOOL" "$id"
	mkdir -p "$CT_SPOOL/locks"
	# A dispatcher in the middle of a step with the job holds its lock.
	exec 8>"$CT_SPOOL/locks/$id"
	flock 8
	ct-cancel "$id" >cancel.out 2>cancel.err 8>&- &
	pid=$!
	for ((n = 0; n < 100; n++)); do
		[ -e "$CT_SPOOL/cancel/$id" ] && break
		sleep 0.05
	done
	[ -e "$CT_SPOOL/cancel/$id" ]
	# It writes the final record, and dies before the rename.
	crash_window completed "$id.new"
	mv "$CT_SPOOL/processing/$id.new" "$BATS_TEST_TMPDIR/record"
	sed "s/^id $id.new\$/id $id/" "$BATS_TEST_TMPDIR/record" >"$CT_SPOOL/tmp/record"
	mv "$CT_SPOOL/tmp/record" "$CT_SPOOL/processing/$id"
	mv "$CT_SPOOL/results/$id.new" "$CT_SPOOL/results/$id"
	exec 8>&-
	rc=0
	wait "$pid" || rc=$?
	pid=
	assert_equal "$rc" 5
	assert_equal "$(cat cancel.err)" "ct-cancel: $id: job already completed"
	[ ! -e "$CT_SPOOL/cancel/$id" ]
}

# faulty SYSCALL:error=ERRNO[:when=N] [STRACE-OPTION...] -- ct-cancel ARG...:
# run it with the calls of SYSCALL (those strace's options select) failing.
faulty() {
	local spec=$1
	shift
	no_leak_check
	run --separate-stderr strace -f -qq -o /dev/null -e trace="${spec%%:*}" \
	    -e inject="$spec" "$@"
}

@test "strace: the request cannot be made to last: 74, and no request is left" {
	command -v strace >/dev/null || skip "strace is not installed"
	server a forever "marks=$MARKS" | registry
	id=$(ct-submit q1.fa)
	ct-dispatch
	before=$(snapshot)
	faulty fsync:error=EIO -P "$CT_SPOOL/cancel" -- ct-cancel "$id"
	assert_equal "$status" 74
	[ ! -e "$CT_SPOOL/cancel/$id" ]
	assert_equal "$stderr" "ct-cancel: $id: cannot ask for the cancel: Input/output error"
	faulty openat:error=ENOSPC -P "$CT_SPOOL/cancel" -- ct-cancel "$id"
	assert_equal "$status" 74
	assert_equal "$stderr" "ct-cancel: $id: cannot ask for the cancel: No space left on device"
	[ ! -e "$CT_SPOOL/cancel/$id" ]
	run -2 ct-status -q "$id"
	# An earlier request stays, whatever happens to this one.
	run -0 ct-cancel "$id"
	faulty fsync:error=EIO -P "$CT_SPOOL/cancel" -- ct-cancel "$id"
	assert_equal "$status" 74
	[ -e "$CT_SPOOL/cancel/$id" ]
}

@test "strace: a New job that cannot be claimed or failed on a full disk: 74, and the request stands for the dispatcher" {
	command -v strace >/dev/null || skip "strace is not installed"
	server a forever "marks=$MARKS" | registry
	id=$(ct-submit q1.fa)
	faulty renameat2:error=ENOSPC -- ct-cancel "$id"
	assert_equal "$status" 74
	assert_equal "$stderr" "ct-cancel: $id: cannot claim: No space left on device"
	run -3 ct-status -q "$id"
	[ -e "$CT_SPOOL/cancel/$id" ]
	other=$(ct-submit q1.fa)
	# The first write is the final record's, staged in tmp/.
	faulty write:error=ENOSPC:when=1 -- ct-cancel "$other"
	assert_equal "$status" 74
	[[ $stderr =~ ^ct-cancel:\ cannot\ write\ $CT_SPOOL/tmp/[^:]+:\ No\ space\ left\ on\ device$ ]]
	run -2 ct-status -q "$other"
	[ -e "$CT_SPOOL/cancel/$other" ]
	assert_equal "$(ls -A "$CT_SPOOL/tmp")" ""
	# Space again: the dispatcher acts on both requests.
	ct-dispatch 2>/dev/null
	for j in "$id" "$other"; do
		run -1 ct-status -q "$j"
		run -0 history "$j"
		assert_line --index -1 "Failed: cancelled by its owner"
	done
	[ ! -e "$MARKS/calls" ]
	assert_equal "$(leftovers)" ""
}

@test "by name and batch: every job named, New, held or in flight; those finished answer 5" {
	server a forever "marks=$MARKS" | registry
	printf '>r1\nMKV\n>r2\nMKL\n>r3\nMKI\n' >three.fa
	mapfile -t ids < <(ct-submit -r -N c three.fa)
	ct-dispatch 2>/dev/null
	held=$(ct-submit -H -N c q1.fa)
	new=$(ct-submit -N c q1.fa)
	run -2 ct-status -q c/r1 c/r2 c/r3
	run -0 --separate-stderr ct-cancel "${ids[0]%-0}" c
	assert_equal "$stderr" ""
	run -1 ct-status -q "$held"
	run -1 ct-status -q "$new"
	assert_equal "$(jobs_in held)$(jobs_in new)" 00
	ct-dispatch 2>/dev/null
	run -1 ct-status -q "${ids[0]%-0}"
	for id in "${ids[@]}"; do
		run -0 history "$id"
		assert_line --index -1 "Failed: cancelled by its owner"
	done
	run -5 --separate-stderr ct-cancel "${ids[0]%-0}"
	assert_equal "${#stderr_lines[@]}" 3
	assert_equal "$(leftovers)" ""
}
