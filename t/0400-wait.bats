#!/usr/bin/env bats
# ct-wait: blocks until every job is Completed or Failed (or the timeout),
# then exits as ct-status would. Jobs are moved by hand here, the way a
# dispatcher moves them: the result first, then the job file by a rename.

load helper
bats_require_minimum_version 1.5.0

teardown() {
	if [ -n "${bgpid:-}" ]; then
		kill "$bgpid" 2>/dev/null || true
	fi
}

# now_ms: the time in milliseconds, without a fork.
now_ms() {
	local t=${EPOCHREALTIME/[.,]/}
	ms=$((t / 1000))
}

# start_wait ARGS...: run ct-wait ARGS in the background, stdout and
# stderr to the files out and err; its PID in bgpid.
start_wait() {
	ct-wait "$@" >out 2>err 3>&- &
	bgpid=$!
}

# still_waiting: the background ct-wait has not exited.
still_waiting() {
	kill -0 "$bgpid" 2>/dev/null ||
		fail "ct-wait exited early: $(cat err)"
}

# wait_exit SECONDS: wait at most that long for the background ct-wait;
# its exit status in rc, the time it took in took_ms.
wait_exit() {
	local limit=$(($1 * 1000)) start
	now_ms
	start=$ms
	while kill -0 "$bgpid" 2>/dev/null; do
		now_ms
		((ms - start < limit)) ||
			fail "ct-wait still running after $1 s: $(cat err)"
		sleep 0.02
	done
	now_ms
	took_ms=$((ms - start))
	rc=0
	wait "$bgpid" || rc=$?
	bgpid=
}

# finish ID STATE: do what a dispatcher does when a job ends: write the
# result (completed jobs), publish the job's final record in STATE's
# directory by a rename, then remove the old one.
finish() {
	local id=$1 state=$2 scratch=$BATS_TEST_TMPDIR/scratch
	printf 'result of %s\n' "$id" >"$BATS_TEST_TMPDIR/result.$id"
	if [ "$state" = completed ]; then
		mkjob -s completed -r "$BATS_TEST_TMPDIR/result.$id" "$scratch" "$id"
		mkdir -p "$CT_SPOOL/results"
		mv "$scratch/results/$id" "$CT_SPOOL/results/$id"
	else
		mkjob -s failed -e "provider gave up" "$scratch" "$id"
	fi
	mv "$scratch/$state/$id" "$CT_SPOOL/$state/$id"
	rm -f "$CT_SPOOL/new/$id" "$CT_SPOOL/processing/$id"
}

# ready: a spool with every directory, as a running system has.
ready() {
	mkdir -p "$CT_SPOOL"/{tmp,new,processing,completed,failed,results}
}

# uses_inotify PID: the process holds an inotify descriptor.
uses_inotify() {
	local f
	for f in /proc/"$1"/fd/*; do
		[ "$(readlink "$f")" != "anon_inode:inotify" ] || return 0
	done
	return 1
}

@test "no IDs: a usage error, so that an empty xargs does not pass for success" {
	run -64 --separate-stderr timeout 5 ct-wait
	assert_equal "$output" ""
	assert_equal "$stderr" "ct-wait: expected at least one job ID
usage: ct-wait [-q] [-S spool] [-t seconds] id ..."
}

@test "all completed: exit 0 at once, nothing said" {
	mkjob -s completed -r /dev/null "$CT_SPOOL" c1
	mkjob -s completed -r /dev/null "$CT_SPOOL" c2
	now_ms
	t0=$ms
	run -0 --separate-stderr timeout 5 ct-wait c1 c2
	now_ms
	((ms - t0 < 2000)) || fail "took $((ms - t0)) ms"
	assert_equal "$output$stderr" ""
}

@test "a completed and a failed job: exit 1 at once" {
	mkjob -s completed -r /dev/null "$CT_SPOOL" c1
	mkjob -s failed "$CT_SPOOL" f1
	now_ms
	t0=$ms
	run -1 --separate-stderr timeout 5 ct-wait c1 f1
	now_ms
	((ms - t0 < 2000)) || fail "took $((ms - t0)) ms"
	assert_equal "$output$stderr" ""
	run -1 timeout 5 ct-wait f1
}

@test "a job that does not exist: exit 4, 'job not found'" {
	mkjob -s completed -r /dev/null "$CT_SPOOL" c1
	mkjob -s failed "$CT_SPOOL" f1
	run -4 --separate-stderr timeout 5 ct-wait nosuch
	assert_equal "$output" ""
	assert_equal "$stderr" "ct-wait: nosuch: job not found"
	run -4 --separate-stderr timeout 5 ct-wait c1 nosuch f1
	assert_equal "$stderr" "ct-wait: nosuch: job not found"
	# No spool at all: a wrong path, said at once, not waited on.
	CT_SPOOL=$BATS_TEST_TMPDIR/none run -69 --separate-stderr timeout 5 \
		ct-wait a1 a2
	assert_equal "$stderr" "ct-wait: no spool at $BATS_TEST_TMPDIR/none: No such file or directory"
	[ ! -e none ] || fail "ct-wait created the spool"
}

@test "-t on a new job: exit 3 after the timeout, with a message" {
	fasta q "$PROTEIN"
	id=$(ct-submit q.fa)
	now_ms
	t0=$ms
	run -3 --separate-stderr timeout 10 ct-wait -t 0.3 "$id"
	now_ms
	((ms - t0 >= 300)) || fail "returned after $((ms - t0)) ms, before -t 0.3"
	((ms - t0 < 5000)) || fail "took $((ms - t0)) ms"
	assert_equal "$output" "$id"
	assert_equal "$stderr" "ct-wait: timed out: 1 of 1 jobs not finished"
	# The job is untouched.
	run -3 ct-status -q "$id"
	# -t 0: one look, no wait.
	run -3 --separate-stderr timeout 5 ct-wait -t 0 "$id"
	assert_equal "$stderr" "ct-wait: timed out: 1 of 1 jobs not finished"
}

@test "-t: the exit status is what ct-status says of the unfinished jobs" {
	fasta q "$PROTEIN"
	id=$(ct-submit q.fa)
	mkjob -s processing -p sge "$CT_SPOOL" p1
	mkjob -s completed -r /dev/null "$CT_SPOOL" c1
	mkjob -s failed "$CT_SPOOL" f1
	run -2 --separate-stderr timeout 5 ct-wait -t 0.2 p1
	assert_equal "$stderr" "ct-wait: timed out: 1 of 1 jobs not finished"
	run -2 --separate-stderr timeout 5 ct-wait -t 0.2 c1 p1 f1
	assert_equal "$stderr" "ct-wait: timed out: 1 of 3 jobs not finished"
	run -3 --separate-stderr timeout 5 ct-wait -t 0.2 p1 "$id" c1
	assert_equal "$stderr" "ct-wait: timed out: 2 of 3 jobs not finished"
	# A job not found does not hide the timeout: its status, and the list.
	run -2 --separate-stderr timeout 5 ct-wait -t 0.2 p1 nosuch
	assert_equal "$stderr" "ct-wait: nosuch: job not found
ct-wait: timed out: 1 of 2 jobs not finished, and some not found"
	assert_output p1
	run -1 --separate-stderr timeout 5 ct-wait -t 0.2 f1 c1
	assert_equal "$stderr" ""
}

@test "a job that completes while ct-wait waits: exit 0 at once (inotify)" {
	ready
	fasta q "$PROTEIN"
	id=$(ct-submit q.fa)
	start_wait -t 30 "$id"
	sleep 0.3
	still_waiting
	if [ -d /proc/"$bgpid"/fd ]; then
		uses_inotify "$bgpid" || fail "ct-wait does not use inotify"
	fi
	finish "$id" completed
	wait_exit 2
	assert_equal "$rc" 0
	assert_equal "$(cat out err)" ""
	# What ct-wait saw is the truth.
	run -0 ct-fetch "$id"
	assert_output "result of $id"
}

@test "a job moved by a bare rename, by way of processing/" {
	ready
	fasta q "$PROTEIN"
	id=$(ct-submit q.fa)
	start_wait -t 30 "$id"
	sleep 0.3
	mv "$CT_SPOOL/new/$id" "$CT_SPOOL/processing/$id"
	sleep 0.3
	still_waiting
	printf 'hits\n' >"$CT_SPOOL/results/$id"
	mv "$CT_SPOOL/processing/$id" "$CT_SPOOL/completed/$id"
	wait_exit 2
	assert_equal "$rc" 0
	assert_equal "$(cat err)" ""
}

@test "a job that fails while ct-wait waits: exit 1 at once" {
	ready
	fasta q "$PROTEIN"
	id=$(ct-submit q.fa)
	mkjob -s completed -r /dev/null "$CT_SPOOL" c1
	start_wait -t 30 c1 "$id"
	sleep 0.3
	still_waiting
	finish "$id" failed
	wait_exit 2
	assert_equal "$rc" 1
	assert_equal "$(cat err)" ""
}

@test "several jobs: it waits for the last one" {
	ready
	fasta q "$PROTEIN"
	ids=($(ct-submit q.fa q.fa q.fa))
	assert_equal "${#ids[@]}" 3
	start_wait -t 30 "${ids[@]}"
	sleep 0.3
	finish "${ids[0]}" completed
	finish "${ids[2]}" completed
	sleep 0.3
	still_waiting
	finish "${ids[1]}" completed
	wait_exit 2
	assert_equal "$rc" 0
}

@test "completed/ missing when ct-wait starts: it finds the job by polling" {
	fasta q "$PROTEIN"
	id=$(ct-submit q.fa)
	# ct-submit makes only what it needs.
	[ ! -e "$CT_SPOOL/completed" ] && [ ! -e "$CT_SPOOL/failed" ] ||
		skip "ct-submit made completed/ or failed/"
	start_wait -t 30 "$id"
	sleep 0.3
	still_waiting
	if [ -d /proc/"$bgpid"/fd ] && uses_inotify "$bgpid"; then
		fail "inotify in use with nothing to watch"
	fi
	mkdir "$CT_SPOOL/completed"
	finish "$id" completed
	wait_exit 4
	assert_equal "$rc" 0
	assert_equal "$(cat out err)" ""
}

@test "the same ID twice: exits as soon as the job completes" {
	ready
	fasta q "$PROTEIN"
	id=$(ct-submit q.fa)
	start_wait -t 30 "$id" "$id"
	sleep 0.3
	still_waiting
	finish "$id" completed
	wait_exit 2
	assert_equal "$rc" 0
}

@test "2000 jobs that all complete: exit 0" {
	ready
	uid=$(id -u)
	mkdir done
	ids=()
	for ((i = 0; i < 2000; i++)); do
		printf -v id 'job%04d' "$i"
		ids+=("$id")
		head='cputorrent-job 1\nid %s\nowner %s\nservice blastp\nsubmitted 1000000000.000000\n'
		printf "$head"'event 1000000000.000000 0 made\ninput 5\n>x\nA\nend\n' \
			"$id" "$uid" >"$CT_SPOOL/new/$id"
		printf "$head"'event 1000000000.000000 0 made\nevent 1000000001.000000 2 done\ninput 5\n>x\nA\nend\n' \
			"$id" "$uid" >"done/$id"
		printf 'result\n' >"$CT_SPOOL/results/$id"
	done
	run -3 ct-status -q "${ids[0]}" "${ids[1999]}"
	start_wait -t 60 "${ids[@]}"
	sleep 0.5
	still_waiting
	# All but one, then the last: it must still be waiting in between.
	mv done/job0* "$CT_SPOOL/completed/"
	mv done/job1[0-8]* "$CT_SPOOL/completed/"
	mv done/job19[0-8]* "$CT_SPOOL/completed/"
	rm "$CT_SPOOL"/new/job0* "$CT_SPOOL"/new/job1[0-8]* \
		"$CT_SPOOL"/new/job19[0-8]*
	sleep 0.5
	still_waiting
	mv done/* "$CT_SPOOL/completed/"
	rm "$CT_SPOOL"/new/*
	wait_exit 10
	assert_equal "$rc" 0
	assert_equal "$(cat out err)" ""
	assert_equal "$(jobs_in completed)" 2000
}

@test "in a pipeline: ct-submit a.fa b.fa | xargs ct-wait -t 1" {
	fasta a "$PROTEIN"
	fasta b "$PROTEIN"
	run --separate-stderr timeout 20 bash -c \
		'ct-submit a.fa b.fa | xargs ct-wait -t 1'
	# xargs says 123 for any command status from 1 to 125.
	assert_equal "$status" 123
	assert_equal "$stderr" "ct-wait: timed out: 2 of 2 jobs not finished"
	run --separate-stderr timeout 20 bash -c \
		'ct-submit a.fa b.fa | xargs sh -c '\''ct-wait -t 0.3 "$@" >/dev/null; echo $?'\'' sh'
	assert_success
	assert_output 3
	assert_equal "$stderr" "ct-wait: timed out: 2 of 2 jobs not finished"
	assert_equal "$(jobs_in new)" 4
	# And with the IDs as arguments.
	run -3 --separate-stderr timeout 20 ct-wait -t 0.3 $(ct-submit a.fa b.fa)
	assert_equal "$stderr" "ct-wait: timed out: 2 of 2 jobs not finished"
}

@test "a progress line on a terminal, none when stderr is a file" {
	fasta q "$PROTEIN"
	id=$(ct-submit q.fa)
	mkjob -s completed -r /dev/null "$CT_SPOOL" c1
	run -3 timeout 20 script -qec "ct-wait -t 1.3 c1 $id" /dev/null
	esc=$'\e'
	[[ "$output" == $'\r'"ct-wait: 1 of 2 finished (1 completed, 0 failed), 1 waiting, 0:00$esc[K"* ]] ||
		fail "no progress line: $(printf '%q' "$output")"
	[[ "$output" == *$'\r'"ct-wait: 1 of 2 finished (1 completed, 0 failed), 1 waiting, 0:01$esc[K"$'\r\n'"ct-wait: timed out: 1 of 2 jobs not finished"$'\r\n'"$id"$'\r' ]] ||
		fail "no final progress line: $(printf '%q' "$output")"

	mkjob -s failed "$CT_SPOOL" f1
	run -4 timeout 20 script -qec "ct-wait c1 f1 nosuch" /dev/null
	assert_equal "$output" "ct-wait: nosuch: job not found"$'\r\n\r'"ct-wait: 3 of 3 finished (1 completed, 1 failed, some not found), 0 waiting, 0:00$esc[K"$'\r'

	# stderr a file: the message only.
	run -3 --separate-stderr timeout 20 ct-wait -t 0.3 c1 "$id"
	assert_equal "$output" "$id"
	assert_equal "$stderr" "ct-wait: timed out: 1 of 2 jobs not finished"
}

@test "-q: no progress line and no messages" {
	fasta q "$PROTEIN"
	id=$(ct-submit q.fa)
	mkjob -s failed "$CT_SPOOL" f1
	run -3 timeout 20 script -qec "ct-wait -q -t 0.3 $id" /dev/null
	assert_equal "$output" ""
	run -3 --separate-stderr timeout 20 ct-wait -q -t 0.3 "$id"
	assert_equal "$output$stderr" ""
	run -4 --separate-stderr timeout 20 ct-wait -q -t 0.3 f1 nosuch
	assert_equal "$output$stderr" ""
	run -4 timeout 20 script -qec "ct-wait -q nosuch" /dev/null
	assert_equal "$output" ""
}

@test "a bad -t value: exit 64 with a message" {
	mkjob -s completed -r /dev/null "$CT_SPOOL" c1
	for t in abc -1 '' 1x 1,5 nan inf 1e400 ' 1' 1s; do
		run --separate-stderr timeout 5 ct-wait -t "$t" c1
		assert_equal "$status" 64
		assert_equal "$output" ""
		assert_equal "$stderr" "ct-wait: -t $t: not a number of seconds
usage: ct-wait [-q] [-S spool] [-t seconds] id ..."
	done
	run -64 --separate-stderr timeout 5 ct-wait c1 -t
	assert_equal "$stderr" "ct-wait: -t: missing argument
usage: ct-wait [-q] [-S spool] [-t seconds] id ..."
	# Good ones.
	for t in 0 0.5 .5 2 1e-1; do
		run -0 timeout 5 ct-wait -t "$t" c1
	done
}

@test "a huge -t means a long wait, not none" {
	fasta q "$PROTEIN"
	id=$(ct-submit q.fa)
	for t in 1e13 1e300; do
		start_wait -t "$t" "$id"
		sleep 1
		still_waiting
		kill "$bgpid"
		wait "$bgpid" || true
		bgpid=
	done
}

@test "a bad ID: exit 64 before anything is looked at" {
	run -64 --separate-stderr timeout 5 ct-wait ../x
	[[ "$stderr" == "ct-wait: invalid job ID '../x'"* ]] || fail "$stderr"
	run -64 --separate-stderr timeout 5 ct-wait -t 0.1 ok1 'a/b'
	[[ "$stderr" == "ct-wait: invalid job ID 'a/b'"* ]] || fail "$stderr"
}

@test "a corrupt job file: exit 74, reported" {
	mkjob -s completed -r /dev/null "$CT_SPOOL" c1
	truncate -s -4 "$CT_SPOOL/completed/c1"
	run -74 --separate-stderr timeout 5 ct-wait c1
	assert_equal "$stderr" "ct-wait: $CT_SPOOL/completed/c1: corrupt job file: input length does not match the file, or the end marker is missing"
}

@test "a timeout names the jobs not finished on stdout, in the order given, each once" {
	fasta q "$PROTEIN"
	id=$(ct-submit q.fa)
	mkjob -s processing -p sge "$CT_SPOOL" p1
	mkjob -s completed -r /dev/null "$CT_SPOOL" c1
	mkjob -s failed "$CT_SPOOL" f1
	run -3 --separate-stderr timeout 5 ct-wait --timeout=0.2 p1 c1 nosuch "$id" f1 p1
	assert_equal "$output" "p1
$id"
	assert_equal "${stderr_lines[1]}" "ct-wait: timed out: 2 of 5 jobs not finished, and some not found"
	# For the next command: withdraw what did not finish in time.
	ct-wait -t 0 p1 "$id" c1 2>/dev/null | ct-cancel -
	run -1 ct-status -q "$id"
	[ -e "$CT_SPOOL/cancel/p1" ] || fail "p1: no cancel asked"
	# -q: nothing at all, the status alone.
	run -2 --separate-stderr timeout 5 ct-wait -q -t 0 p1
	assert_equal "$output$stderr" ""
	# Finished: nothing on stdout.
	run -1 --separate-stderr timeout 5 ct-wait -t 0 c1 f1
	assert_equal "$output$stderr" ""
}
