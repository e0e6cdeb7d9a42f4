#!/usr/bin/env bats
# ct-dispatch killed, stopped short, or out of disk: a wrapper call holds
# its job's lock until all of it is gone, so calls for one job never
# overlap; the intent to submit lasts before the provider is asked, so a
# dispatcher that dies during a submit is followed by a repeat under the
# same attempt, in the history; deadlines are kept by New jobs held at a
# cap, by a hung call, and against another host's clock; a dispatcher
# that cannot write its spool submits nothing.
#
# About 20 s: the calls that hang wait a few real seconds.

load helper
load dispatch

local_setup() {
	dispatch_setup
	fasta q1 "$PROTEIN"
}

# wait_for FILE PATTERN: until a line of FILE matches, at most 20 s.
wait_for() {
	local i
	for ((i = 0; i < 400; i++)); do
		grep -qE "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	fail "no line '$2' in $1"
}

# killed_in_submit: a dispatcher SIGKILLed once its first submit has
# started; the call runs on without it.
killed_in_submit() {
	ct-dispatch 2>>"$LOG" &
	pid=$!
	wait_for "$MARKS/calls" "^start submit 1$"
	kill -KILL "$pid"
	wait "$pid" || true
}

# cancelled_via_repeat ID: ID failed as cancelled; its work, started once,
# was found by a repeated submit and cancelled.
cancelled_via_repeat() {
	run -0 history "$1"
	assert_line --index -1 "Failed: cancelled by its owner"
	assert_equal "$(grep -c '^work' "$MARKS/calls")" 1
	run -0 grep -x -e "repeat 1" -e "end cancel 1" "$MARKS/calls"
	assert_line "repeat 1"
	assert_line "end cancel 1"
	run -0 grep "$1: a: its submit of attempt 1 asked again, to cancel it: handle c-$1-1" "$LOG"
}

@test "killed during a submit: the call runs on holding the lock; the next dispatcher waits, then repeats it under the same attempt, and the work starts once" {
	server a calllog 1 'poll-interval="0"' "marks=$MARKS" "delay=3" | registry
	id=$(ct-submit q1.fa)
	killed_in_submit
	# The submit still runs, and holds the job: this pass leaves it be.
	pass
	assert_equal "$(grep -c '^start' "$MARKS/calls")" 1
	wait_for "$MARKS/calls" "^end submit 1$"
	# The lock goes only once the call is gone; then the job moves on.
	for i in 1 2 3 4 5 6 7 8 9 10; do
		pass
		ct-status -q "$id" && break
		sleep 0.2
	done
	run -0 ct-fetch "$id"
	assert_output "$(blastxml q1 a)"
	run -1 grep overlap "$MARKS/calls"
	assert_equal "$(grep -c '^work' "$MARKS/calls")" 1
	assert_equal "$(grep -c '^repeat 1$' "$MARKS/calls")" 1
	run -0 history "$id"
	assert_line "Processing: attempt 1: what became of its submit to a was never recorded (the dispatcher stopped, or could not write), and it may have reached it; asking again under the same attempt"
	assert_line "Processing: sent to a (handle c-$id-1)"
}

@test "SIGKILL of the dispatcher 20 times during calls: never two calls for one job at once, each attempt's work started once" {
	server a calllog 1 'poll-interval="0"' "marks=$MARKS" "delay=0.3" | registry
	ids=()
	for i in 1 2 3 4 5 6; do ids+=("$(ct-submit q1.fa)"); done
	for k in $(seq 20); do
		ct-dispatch 2>>"$LOG" &
		pid=$!
		sleep "0.$((RANDOM % 6))"
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	for i in $(seq 40); do
		[ -z "$(ls "$CT_SPOOL/new" "$CT_SPOOL/processing")" ] && break
		ct-dispatch 2>>"$LOG" || true
		sleep 0.2
	done
	for id in "${ids[@]}"; do
		run -0 ct-fetch "$id"
		assert_output "$(blastxml q1 a)"
	done
	run -1 grep overlap "$MARKS/calls"
	assert_equal "$(grep -c '^work' "$MARKS/calls")" 6
}

@test "one keeper, ct-keeper, starts every call of a dispatcher, and goes with it" {
	server a spy 1 'poll-interval="0"' "marks=$MARKS" | registry
	for i in 1 2 3 4; do ct-submit q1.fa; done >ids
	pass
	assert_equal "$(wc -l <"$MARKS/parents")" 4
	run -0 sort -u "$MARKS/parents"
	assert_output --regexp '^[0-9]+ ct-keeper$'
	keeper=${output%% *}
	# Its dispatcher gone, it has nothing to keep.
	for ((i = 0; i < 100; i++)); do
		kill -0 "$keeper" 2>/dev/null || break
		sleep 0.02
	done
	! kill -0 "$keeper" 2>/dev/null
}

@test "a hung poll is cut at the deadline, not at the call timeout, and the job fails at the next pass" {
	server a calllog 1 'poll-interval="0" call-timeout="60"' "marks=$MARKS" \
		"poll_delay=60" | registry '<defaults deadline="3"/>'
	id=$(ct-submit q1.fa)
	pass
	run -0 ct-dispatch -v
	assert_output --regexp "a: will retry in 5 s: calllog poll timed out after [1-3] s"
	sleep 1
	pass
	run -1 ct-status -q "$id"
	run -0 history "$id"
	assert_line --index -1 "Failed: deadline passed; run it locally"
}

@test "a deadline that passes during another job's hung call is kept before the next call, not at the next pass" {
	server a calllog 1 'poll-interval="0" call-timeout="3"' "marks=$MARKS" \
		"poll_delay=60" | registry '<defaults deadline="30"/>'
	# Submitted 27 s ago: its deadline is 3 s away, the others' 30 s.
	early=20200101-000000-000000-test-1-0
	mkjob -t "$(($(date +%s) - 27))" "$CT_SPOOL" "$early"
	late1=$(ct-submit q1.fa)
	late2=$(ct-submit q1.fa)
	pass
	run -2 ct-status -q "$early" "$late1" "$late2"
	# Every poll hangs: the early job's until its deadline, each other's
	# for its 3 s. The early one's verdict comes before the next call.
	pass
	run -0 history "$early"
	assert_line --index -1 "Failed: deadline passed; run it locally"
	run -2 ct-status -q "$late1"
	run -2 ct-status -q "$late2"
}

@test "a deadline that passes during another job's hung call: the verdict comes then, its cancel once the call is over" {
	server a calllog 1 'poll-interval="0" call-timeout="20"' "marks=$MARKS" |
		registry '<defaults deadline="30"/>'
	# Submitted 27 s ago: its deadline is 3 s after its first pass.
	early=20200101-000000-000000-test-1-0
	mkjob -t "$(($(date +%s) - 27))" "$CT_SPOOL" "$early"
	other=$(ct-submit q1.fa)
	touch "$MARKS/$early.running" "$MARKS/$other.hang"
	pass
	# Both sent. The other's poll hangs for 8 s; the early job's deadline
	# passes meanwhile, and its verdict may not wait for that call.
	ct-dispatch 2>>"$LOG" &
	pid=$!
	wait_for "$MARKS/calls" "^hang $other$"
	# Processing (2) until its verdict, at most 6 s.
	for ((i = 0; i < 120; i++)); do
		rc=0
		ct-status -q "$early" || rc=$?
		[ "$rc" = 2 ] || break
		sleep 0.05
	done
	run -1 ct-status -q "$early"
	run -1 grep -q "^unhang" "$MARKS/calls"
	wait "$pid"
	run -0 history "$early"
	assert_line --index -1 "Failed: deadline passed; run it locally"
	# Its work is withdrawn, after the hung call.
	run -0 sed -n "/^hang $other$/,\$p" "$MARKS/calls"
	assert_line "end cancel 1"
}

# running_then_cancelled: a job, id, running at a (calllog), and f, its
# record with the verdict of a cancel added, as a pass SIGKILLed after
# writing it leaves it; the caller puts it where the pass died.
running_then_cancelled() {
	server a calllog 1 'poll-interval="0"' "marks=$MARKS" | registry
	id=$(ct-submit q1.fa)
	touch "$MARKS/$id.running"
	pass
	f=$BATS_TEST_TMPDIR/final
	awk -v t="$(date +%s).000000" '/^input / && !x {
		print "event " t " 3 cancelled by its owner"; x = 1 } { print }' \
		"$CT_SPOOL/processing/$id" >"$f"
}

@test "killed between a job's verdict and the cancel of its work: the next pass sends the cancel, once" {
	running_then_cancelled
	# After the verdict's rename: the final record in failed/, the job's
	# lock file and work directory.
	mv "$f" "$CT_SPOOL/failed/$id"
	rm "$CT_SPOOL/processing/$id"
	[ -d "$CT_SPOOL/work/$id/1" ]
	pass
	run -0 grep -c "^end cancel 1$" "$MARKS/calls"
	assert_output 1
	run -0 grep "$id: a: attempt 1 may have been left running when the job failed: cancelling it" "$LOG"
	[ ! -e "$CT_SPOOL/work/$id" ]
	[ ! -e "$CT_SPOOL/locks/$id" ]
	pass
	run -0 grep -c "^end cancel 1$" "$MARKS/calls"
	assert_output 1
	run -1 ct-status -q "$id"
}

@test "killed between a withdrawn job's final record and its move to failed/: the next pass moves it, and sends the cancel" {
	running_then_cancelled
	# Before its rename: the final record still in processing/, its work
	# still at a.
	mv "$f" "$CT_SPOOL/processing/$id"
	pass
	[ -e "$CT_SPOOL/failed/$id" ]
	run -0 grep -c "^end cancel 1$" "$MARKS/calls"
	assert_output 1
	[ ! -e "$CT_SPOOL/work/$id" ]
}

@test "cancelled while what became of its submit was never recorded: the submit is asked again, and the work it answers with cancelled" {
	server a calllog 1 'poll-interval="0"' "marks=$MARKS" "delay=2" | registry
	id=$(ct-submit q1.fa)
	killed_in_submit
	# The work starts; its handle never reaches the spool.
	wait_for "$MARKS/calls" "^end submit 1$"
	run -0 ct-cancel "$id"
	for i in 1 2 3 4 5 6 7 8 9 10; do
		pass
		[ -e "$CT_SPOOL/failed/$id" ] && break
		sleep 0.2
	done
	cancelled_via_repeat "$id"
}

@test "cancelled while a submit that failed transiently is to be retried: the submit is asked again, and the work it answers with cancelled" {
	server a calllog 1 'poll-interval="0"' "marks=$MARKS" | registry
	id=$(ct-submit q1.fa)
	# The work starts, but the answer is lost: exit 75, retry in 5 s.
	touch "$MARKS/$id.lose"
	pass
	run -0 history "$id"
	assert_line --partial "a: will retry in 5 s: "
	run -0 ct-cancel "$id"
	pass
	cancelled_via_repeat "$id"
}

@test "cancelled while its submit waits for the request-interval: nothing was sent, and nothing is" {
	server a calllog 1 'poll-interval="60" request-interval="2"' \
		"marks=$MARKS" | registry
	first=$(ct-submit q1.fa)
	second=$(ct-submit q1.fa)
	pass
	assert_equal "$(grep -c '^work' "$MARKS/calls")" 1
	run -0 ct-cancel "$second"
	sleep 2.2	# the gate is open again
	pass
	run -0 history "$second"
	assert_line --index -1 "Failed: cancelled by its owner"
	assert_equal "$(grep -c '^start submit' "$MARKS/calls")" 1
	run -2 ct-status -q "$first"
}

@test "a job's lock goes with its own step, not the pass: cancelling it during another job's hung call ends before that call does" {
	server a calllog 1 'poll-interval="0" call-timeout="20"' "marks=$MARKS" |
		registry
	first=$(ct-submit q1.fa)
	second=$(ct-submit q1.fa)
	touch "$MARKS/$first.running" "$MARKS/$second.running"
	pass
	run -2 ct-status -q "$first" "$second"
	# The first is polled (running) and its step staged, then the
	# second's poll hangs for 8 s.
	rm "$MARKS/$second.running"
	touch "$MARKS/$second.hang"
	ct-dispatch 2>>"$LOG" &
	pid=$!
	wait_for "$MARKS/calls" "^hang $second$"
	run -0 ct-cancel "$first"
	run -1 grep "^unhang" "$MARKS/calls"
	wait "$pid"
	run -0 ct-status -q "$second"
	pass
	run -0 history "$first"
	assert_line --index -1 "Failed: cancelled by its owner"
}

@test "a New job held back by max-jobs fails when its deadline passes, while the job ahead of it runs on" {
	server a forever 1 'poll-interval="0" max-jobs="1"' "marks=$MARKS" |
		registry '<defaults deadline="30"/>'
	first=$(ct-submit q1.fa)
	pass
	# Submitted 40 s ago (and written then): past its deadline already.
	held=20200101-000000-000000-test-1-0
	mkjob -t "$(($(date +%s) - 40))" "$CT_SPOOL" "$held"
	pass
	run -0 history "$held"
	assert_line --index -1 "Failed: deadline passed; run it locally"
	run -2 ct-status -q "$first"	# Processing
}

@test "another host's clock: a submission time ahead is counted from now, one behind from when the file was written" {
	server a instant 1 | registry '<defaults deadline="600"/>'
	ahead=20260101-000000-000000-test-1-0
	behind=20260101-000000-000000-test-2-0
	mkjob -t "$(($(date +%s) + 86400))" "$CT_SPOOL" "$ahead"
	mkjob -t "$(($(date +%s) - 7200))" "$CT_SPOOL" "$behind"
	touch "$CT_SPOOL/new/$behind"	# written now, by a clock two hours slow
	pass
	pass
	for id in "$ahead" "$behind"; do
		run -0 ct-status -q "$id"
		deadline=$(sed -n 's/^deadline \([0-9]*\)\..*/\1/p' "$CT_SPOOL/completed/$id")
		[ "$deadline" -le $(($(date +%s) + 600)) ] || fail "$id: deadline $deadline"
		[ "$deadline" -ge $(($(date +%s) + 590)) ] || fail "$id: deadline $deadline"
	done
	run -0 history "$ahead"
	assert_line --regexp "^Processing: its submission time is 86(39|40)[0-9] s ahead of this host's clock; counted from now$"
	run -0 ct-status -l "$ahead"
	refute_output --partial "in -"
	run -0 history "$behind"
	assert_line --regexp "^Processing: its submission time is 7[12][0-9][0-9] s behind this host's clock; counted from when it was written$"
}

@test "strace: a dispatcher that cannot record its intent submits nothing, stops the pass, says so once, exits 74" {
	no_leak_check
	command -v strace >/dev/null || skip "strace is missing (Debian package strace)"
	strace -o /dev/null true 2>/dev/null || skip "strace cannot trace here (ptrace not permitted)"
	server a calllog 1 'poll-interval="0"' "marks=$MARKS" | registry
	for i in 1 2 3; do ct-submit q1.fa >/dev/null; done
	run -74 --separate-stderr strace -qq -o /dev/null \
	    -e trace=renameat -e inject=renameat:error=ENOSPC ct-dispatch
	[ ! -e "$MARKS/calls" ] || fail "a wrapper was called: $(cat "$MARKS/calls")"
	stderr_line --regexp "^ct-dispatch: could not write the spool for 3 jobs: .*; each carries on from its last record$"
	# Space is back: every job completes, each submitted once.
	pass
	pass
	assert_equal "$(ls "$CT_SPOOL/completed" | wc -l)" 3
	assert_equal "$(grep -c '^work' "$MARKS/calls")" 3
}
