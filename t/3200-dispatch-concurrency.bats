#!/usr/bin/env bats
# Several ct-dispatch at once on one spool, and ct-dispatch killed with
# SIGKILL at random instants (DESIGN.md, invariant 1): every job still ends
# Completed exactly once, sent to one provider once, with its own result;
# none lost, none duplicated, nothing left in new/ or processing/.
#
# The slow file of the dispatch tests: about 45 s on a 2-core machine
# (400 jobs twice, 200 jobs under 30 kills), one wrapper process per call.

load helper
load dispatch

local_setup() {
	export CT_WRAPPER_DIR="$BATS_TEST_DIRNAME/wrappers"
	export CT_CONFIG="$BATS_TEST_TMPDIR/providers.xml"
}

# server ID WRAPPER WEIGHT [NAME=VALUE...]: a blastp server, polled at
# once, with no cap to speak of.
server() {
	local id=$1 wrapper=$2 weight=$3 p
	shift 3
	printf '<server id="%s" name="server %s"><limits poll-interval="0" max-jobs="100000"/>' "$id" "$id"
	printf '<service name="blastp" weight="%s"/><parameters>' "$weight"
	printf '<parameter name="classname">%s</parameter>' "$wrapper"
	for p; do
		printf '<parameter name="%s">%s</parameter>' "${p%%=*}" "${p#*=}"
	done
	printf '</parameters></server>\n'
}

# three WRAPPER [NAME=VALUE...]: the paper's three servers, 30/50/20.
three() {
	{
		server a "$1" 30 "${@:2}"
		server b "$1" 50 "${@:2}"
		server c "$1" 20 "${@:2}"
	} | registry
}

# idle: nothing left in new/ or processing/ (without a process per test).
idle() {
	local f
	for f in "$CT_SPOOL"/new/* "$CT_SPOOL"/processing/*; do
		[ -e "$f" ] && return 1
	done
	return 0
}

# worker N: dispatch passes until the spool is idle (at most 300), logging
# to worker.N.log; a pass that fails is noted in worker.N.failed.
worker() {
	local i rc
	for ((i = 0; i < 300; i++)); do
		idle && return 0
		rc=0
		ct-dispatch -v 2>>"worker.$1.log" || rc=$?
		[ "$rc" = 0 ] || echo "pass $i: exit $rc" >>"worker.$1.failed"
	done
	return 1
}

# all_done N: the N jobs in ids each Completed exactly once: in completed/
# and nowhere else, their history with one "sent to" and one "completed
# by" (at most one "claimed by"), their result the report of their own
# query by the provider their record names.
all_done() {
	local n=$1
	assert_equal "$(jobs_in new) $(jobs_in processing) $(jobs_in completed) $(jobs_in failed)" "0 0 $n 0"
	# The histories, as ct-status -l shows them, all in one call.
	run -0 --separate-stderr ct-status -l $(cat ids)
	assert_equal "$stderr" ""
	awk -v n="$n" '
		/^job / { id = $2; jobs++ }
		/^state / && $2 != "Completed" { print id ": state " $2 }
		/^  [0-9-]+ [0-9:]+  Processing  sent to / { sent[id]++ }
		/^  [0-9-]+ [0-9:]+  Processing  claimed by / { claimed[id]++ }
		/^  [0-9-]+ [0-9:]+  Completed   completed by / { done[id]++ }
		/^  [0-9-]+ [0-9:]+  (Failed|New)  / && !/submitted by/ { print id ": " $0 }
		END {
			if (jobs != n) print "jobs shown: " jobs
			for (id in sent) if (sent[id] != 1) print id ": sent " sent[id] " times"
			for (id in done) if (done[id] != 1) print id ": completed " done[id] " times"
			for (id in claimed) if (claimed[id] > 1) print id ": claimed " claimed[id] " times"
			if (length(sent) != n) print "jobs sent: " length(sent)
			if (length(done) != n) print "jobs completed: " length(done)
		}' <<<"$output" >problems
	assert_equal "$(cat problems)" ""
	# Each result is its own query's, from the provider the record names.
	(cd "$CT_SPOOL/completed" && grep -H -m1 '^>q' $(cat "$BATS_TEST_TMPDIR/ids")) |
		sed 's/:>/ /' >queries
	(cd "$CT_SPOOL/completed" && grep -H -m1 '^provider ' $(cat "$BATS_TEST_TMPDIR/ids")) |
		sed 's/:provider / /' >providers
	# Each result is t/lib/blastxml QUERY SERVER: "ID QUERY SERVER".
	(cd "$CT_SPOOL/results" && awk -F '[<>]' '/<Iteration_query-def>/ { q = $3 }
		/<Hit_def>/ { print FILENAME, q, $3 }' $(cat "$BATS_TEST_TMPDIR/ids")) >results
	assert_equal "$(wc -l <results)" "$n"
	assert_equal "$(ls "$CT_SPOOL/results" | wc -l)" "$n"
	run -0 paste -d' ' queries providers results
	run -0 awk '$1 != $3 || $1 != $5 || $2 != $6 || $4 != $7 { print }' <<<"$output"
	assert_output ""
}

# concurrently N JOBS: N dispatchers looping passes over JOBS jobs.
concurrently() {
	local k pids=() rc
	three instant
	submit_many "$2"
	for ((k = 1; k <= $1; k++)); do
		worker "$k" &
		pids+=($!)
	done
	for k in "${!pids[@]}"; do
		rc=0
		wait "${pids[k]}" || rc=$?
		assert_equal "worker $((k + 1)): $rc" "worker $((k + 1)): 0"
	done
	if compgen -G 'worker.*.failed' >/dev/null; then
		fail "passes failed: $(cat worker.*.failed)"
	fi
	all_done "$2"
	# The dispatchers' logs agree: each job sent once and completed once,
	# by one dispatcher or another; no warning of any kind.
	cat worker.*.log >all.log
	run -0 grep -c ': sent to ' all.log
	assert_output "$2"
	run -0 grep -c ': completed by ' all.log
	assert_output "$2"
	run -0 sh -c "sed -n 's/^ct-dispatch: \([^:]*\): completed by .*/\1/p' all.log | sort -u | wc -l"
	assert_output "$2"
	run grep -Ev '^ct-dispatch: [^ ]+: (claimed by|sent to|running at|completed by) ' all.log
	assert_output ""
	# More than one of them did the work.
	busy=0
	for ((k = 1; k <= $1; k++)); do
		grep -q ': sent to ' "worker.$k.log" && busy=$((busy + 1))
	done
	((busy >= 2)) || fail "only $busy dispatcher(s) sent jobs"
	# Nothing left behind.
	assert_equal "$(ls -A "$CT_SPOOL/locks" "$CT_SPOOL/work" "$CT_SPOOL/tmp" | grep -v ':$' | grep -c .)" 0
}

@test "two dispatchers at once, 400 jobs: each Completed exactly once" {
	concurrently 2 400
}

@test "four dispatchers at once, 400 jobs: each Completed exactly once" {
	concurrently 4 400
}

@test "ct-dispatch SIGKILLed 30 times mid-pass: then plain passes finish every job, exactly once" {
	no_leak_check	# a SIGKILL may land in the leak check at exit
	three slow delay=0.03
	submit_many 200
	seed=${CT_TEST_SEED:-$$}
	RANDOM=$seed
	echo "# seed $seed (CT_TEST_SEED reproduces it)" >&3
	for ((k = 0; k < 30; k++)); do
		ct-dispatch 2>>kill.log &
		pid=$!
		sleep "0.$(printf '%02d' $((5 + RANDOM % 60)))"
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" || true
	done
	# The kills landed before the work was done (or the test tests little).
	! idle || fail "the dispatchers finished before they were killed"
	for ((k = 0; k < 10; k++)); do
		idle && break
		ct-dispatch 2>>after.log
	done
	idle || fail "not done after 10 passes: $(jobs_in new) new, $(jobs_in processing) processing"
	all_done 200
	# What the killed passes left in tmp/ is reaped once a day old (a
	# pid in its name proves nothing: it may be another PID namespace's).
	find "$CT_SPOOL/tmp" -type f -exec touch -d '25 hours ago' {} +
	ct-dispatch 2>>after.log
	assert_equal "$(ls -A "$CT_SPOOL/tmp")" ""
	run grep -E 'cannot|corrupt' after.log
	assert_output ""
}

@test "a pass removes the lock and work directory a killed pass left for a finished job" {
	server a instant 1 | registry
	fasta q1 "$PROTEIN"
	id=$(ct-submit q1.fa)
	ct-dispatch
	ct-dispatch
	run -0 ct-status -q "$id"
	# As a pass SIGKILLed right after the rename to completed/ leaves it.
	: >"$CT_SPOOL/locks/$id"
	mkdir -m 0700 "$CT_SPOOL/work/$id"
	: >"$CT_SPOOL/work/$id/input"
	ct-dispatch
	[ ! -e "$CT_SPOOL/locks/$id" ]
	[ ! -e "$CT_SPOOL/work/$id" ]
}

@test "a second dispatcher leaves alone the jobs a first has claimed and not yet submitted: no history says its submit went unrecorded" {
	# Each submit takes 0.3 s: the first dispatcher claims all 8 jobs,
	# then submits them one by one for 2.4 s, while the second passes
	# every 0.1 s. The first's claims are its own until it submits them.
	three slow delay=0.3
	submit_many 8
	ct-dispatch 2>first.log &
	first=$!
	while [ -n "$(ls "$CT_SPOOL/new")" ]; do sleep 0.01; done
	while kill -0 "$first" 2>/dev/null; do
		ct-dispatch 2>>second.log || true
		sleep 0.1
	done
	wait "$first"
	run grep -h 'was never recorded' first.log second.log
	assert_output ""
	for ((k = 0; k < 10; k++)); do idle && break; ct-dispatch; done
	all_done 8
}

@test "max-jobs holds across dispatchers: four at once never put more than the cap in flight" {
	{
		printf '<server id="a" name="server a"><limits poll-interval="0" max-jobs="3"/>'
		printf '<service name="blastp" weight="1"/><parameters>'
		printf '<parameter name="classname">forever</parameter>'
		printf '<parameter name="log">%s</parameter>' "$BATS_TEST_TMPDIR/calls"
		printf '<parameter name="marks">%s</parameter>' "$BATS_TEST_TMPDIR"
		printf '</parameters></server>\n'
	} | registry
	submit_many 40
	local round k
	for round in 1 2 3; do
		# Four dispatchers let go at once, each seeing the same places:
		# each waits for a shared lock on the barrier this test holds.
		exec 5>barrier
		flock 5
		for k in 1 2 3 4; do
			flock -s barrier ct-dispatch 2>>"$BATS_TEST_TMPDIR/log.$k" 5>&- &
		done
		sleep 0.3
		exec 5>&-
		wait
	done
	run -0 awk '$2 == "submit" { print $3 }' "$BATS_TEST_TMPDIR/calls"
	assert_equal "$(sort -u <<<"$output" | wc -l)" 3
	run -0 grep -l '^handle ' -r "$CT_SPOOL/processing"
	assert_equal "${#lines[@]}" 3
	assert_equal "$(cat "$CT_SPOOL/state/slots.a/.count")" 3
	assert_equal "$(ls "$CT_SPOOL/state/slots.a" | wc -l)" 3
	# Each place is a name of the one file .entry, not an inode of its
	# own (cputorrent-spool(5)): a new inode is most of a place's cost.
	run -0 stat -c '%i %h' "$CT_SPOOL/state/slots.a/.entry" \
		"$CT_SPOOL"/state/slots.a/[0-9]*
	assert_equal "$(sort -u <<<"$output" | wc -l)" 1
	assert_equal "${lines[0]#* }" 4
}
