#!/usr/bin/env bats
# Hedging (issue 14): a job whose attempt has run past its server's p90,
# and whose deadline leaves room, gets a second attempt at the soonest
# other server; the first valid result wins and the other attempt is
# cancelled; at most hedge percent of the jobs begun get one; a
# dispatcher killed at any step of it leaves the job whole.

load helper
load dispatch

local_setup() {
	dispatch_setup
	fasta q1 "$PROTEIN"
}

# slow_and_fast [DEFAULTS]: slow (t/wrappers/forever: it never ends, and
# notes its cancels in $MARKS), runs of 1 s so far; fast (instant), runs
# of 5 s so far; routing soonest, so that a job goes to slow first; every
# job may be hedged, unless DEFAULTS says otherwise.
slow_and_fast() {
	{ server slow forever 1 'poll-interval="0" max-jobs="100000"' "marks=$MARKS" "log=$MARKS/calls"
	  server fast instant 1; } | registry "<defaults routing=\"soonest\" ${1:-hedge=\"100\"}/>"
	ct-dispatch -i -n 2>/dev/null || true
	figures slow 1 1 1
	figures fast 5 5 5
}

# stats_field SERVER N: field N of the server's line of ct-providers stats.
stats_field() {
	ct-providers stats | awk -F'\t' -v s="$1" -v n="$2" '$1 == s { print $n }'
}

@test "hedge: a slow server's job, past its p90, is also sent to a fast one, completes from it, and the slow attempt is cancelled" {
	slow_and_fast
	id=$(ct-submit q1.fa)
	pass
	run -0 grep -c '^provider slow$' "$CT_SPOOL/processing/$id"
	# Within slow's p90 of 1 s: no hedge yet.
	run -0 ct-dispatch -n -x
	assert_output --regexp "^$id	blastp	\(no hedge\)	run 0\.[0-9] s, within its server's p90 of 1\.0 s$"
	sleep 1.2
	run -0 ct-dispatch -n -x
	assert_output --regexp "^$id	blastp	hedge: fast	run [0-9.]+ s, past its server's p90 of 1\.0 s; fast expected in 5\.0 s$"
	pass
	run -0 grep -c -e '^hedge-provider fast$' -e '^hedge-attempt 2$' "$CT_SPOOL/processing/$id"
	assert_output 2
	run -0 ct-dispatch -n -x
	assert_output "$id	blastp	(hedged)	at slow and fast"
	pass
	run -0 ct-fetch "$id"
	assert_output "$(blastxml q1 fast)"
	# Its wrapper saw the cancel of the slow attempt, with its handle.
	assert_equal "$(cat "$MARKS/cancel.slow.$id")" "r-slow-$id"
	run -0 history "$id"
	assert_line --regexp "^Processing: hedged: attempt 2 also sent to fast: run [0-9.]+ s, past its server's p90 of 1\.0 s; fast expected in 5\.0 s$"
	assert_line "Processing: hedge: fast answered first; attempt 1 at slow is cancelled"
	assert_line --index -1 "Completed: completed by fast in N s"
	run -0 grep "$id: slow: cancelling attempt 1, which lost" "$LOG"
	# Counted: in stats (HEDGES, and -j), in the log.
	assert_equal "$(stats_field fast 14) $(stats_field slow 14)" "1 0"
	run -0 ct-providers -j stats
	assert_equal "$(jq -r '.providers[] | select(.provider == "fast") | .recent.hedges' <<<"$output")" 1
	# And in ct-report, with the server that delivered.
	run -0 ct-report -j
	assert_equal "$(jq -r '.rows[] | "\(.server) \(.completed) \(.hedged)"' <<<"$output")" "fast 1 1"
	# Its places at both servers are free again; nothing is left of it.
	[ ! -e "$CT_SPOOL/work/$id" ]
	run -1 grep -r "$id" "$CT_SPOOL/state"
}

# hedged_a_to_b A-WRAPPER A-LIMITS B-WRAPPER: a job, id, sent to a (runs
# of 1 s so far), and hedged to b (5 s), each driven by its wrapper, with
# $MARKS; calllog says running while $MARKS/ID.running is there.
hedged_a_to_b() {
	{ server a "$1" 1 "$2" "marks=$MARKS"
	  server b "$3" 1 'poll-interval="0"' "marks=$MARKS"; } |
		registry '<defaults routing="soonest" hedge="100"/>'
	ct-dispatch -i -n 2>/dev/null || true
	figures a 1 1 1
	figures b 5 5 5
	id=$(ct-submit q1.fa)
	touch "$MARKS/$id.running"
	pass
	sleep 1.2
	pass
	run -0 grep -c '^hedge-provider b$' "$CT_SPOOL/processing/$id"
}

@test "hedge: the first attempt answering first wins; the second is cancelled" {
	hedged_a_to_b calllog 'poll-interval="0"' forever
	rm "$MARKS/$id.running"
	pass
	run -0 ct-fetch "$id"
	assert_output "$(blastxml q1 a)"
	assert_equal "$(cat "$MARKS/cancel.b.$id")" "r-b-$id"
	run -0 history "$id"
	assert_line "Processing: hedge: a answered first; attempt 2 at b is cancelled"
}

@test "hedge: when the first attempt fails, the second carries on alone, and completes" {
	hedged_a_to_b forever 'poll-interval="0" attempt-timeout="2"' calllog
	# a's attempt runs out of time: cancelled there; b's carries on.
	sleep 1
	pass
	assert_equal "$(cat "$MARKS/cancel.a.$id")" "r-a-$id"
	run -0 grep -c -e '^provider b$' -e '^attempts 2$' -e '^hedge-attempt 2$' "$CT_SPOOL/processing/$id"
	assert_output 3
	run -1 grep -q '^hedge-provider' "$CT_SPOOL/processing/$id"
	rm "$MARKS/$id.running"
	pass
	run -0 ct-fetch "$id"
	assert_output "$(blastxml q1 b)"
	run -0 history "$id"
	assert_line "Processing: a: attempt timed out after 2 s"
	assert_line "Processing: its second attempt, 2 at b, carries on alone"
	assert_line --index -1 "Completed: completed by b in N s"
}

@test "hedge: a hedged job withdrawn (ct-cancel) has both its attempts cancelled" {
	hedged_a_to_b calllog 'poll-interval="0"' forever
	ct-cancel "$id"
	pass
	run -0 history "$id"
	assert_line --index -1 "Failed: cancelled by its owner"
	run -0 grep -c "^end cancel 1$" "$MARKS/calls"
	assert_equal "$(cat "$MARKS/cancel.b.$id")" "r-b-$id"
	[ ! -e "$CT_SPOOL/work/$id" ]
}

@test "hedge: at most hedge percent of the jobs begun get a second attempt" {
	slow_and_fast 'hedge="10"'
	submit_many 20
	pass
	assert_equal "$(grep -l '^provider slow$' "$CT_SPOOL"/processing/* | wc -l)" 20
	sleep 1.2
	run -0 ct-dispatch -n -x
	assert_equal "$(grep -c 'hedge: fast' <<<"$output")" 2
	assert_equal "$(grep -c "but 10% of the jobs begun have had one" <<<"$output")" 18
	pass
	pass
	pass
	# 10% of 20: two, completed by fast; the other 18 run on at slow.
	assert_equal "$(jobs_in completed)" 2
	assert_equal "$(grep -c 'hedged: attempt 2 also sent to fast' "$LOG")" 2
	assert_equal "$(grep -l '^hedge-provider' "$CT_SPOOL"/processing/* | wc -l)" 0
	run -0 ct-dispatch -n -x
	assert_equal "$(grep -c "but 10% of the jobs begun have had one" <<<"$output")" 18
}

@test "hedge: never when the deadline leaves no room for the second attempt" {
	slow_and_fast
	id=$(ct-submit -t 4 q1.fa)
	pass
	sleep 1.2
	run -0 ct-dispatch -n -x
	assert_output --regexp "^$id	blastp	\(no hedge\)	run [0-9.]+ s, past its server's p90 of 1\.0 s; [0-9.]+ s left before its deadline, less than the 5\.0 s a second attempt is expected to take$"
	pass
	pass
	run -1 grep -q hedge "$CT_SPOOL/processing/$id"
	run -1 grep -q hedged "$LOG"
}

@test "hedge: off by default: a job past its p90 runs on alone" {
	slow_and_fast ' '
	id=$(ct-submit q1.fa)
	pass
	sleep 1.2
	pass
	pass
	run -1 grep -q hedge "$CT_SPOOL/processing/$id"
	run -0 ct-dispatch -n -x
	assert_output ""
}

# killed_at_each_step PHASE: the pass restored from $BATS_TEST_TMPDIR/PHASE
# (a copy of the spool) and run under strace, SIGKILLed at the Nth call
# of each of the system calls that change something, for every N until
# the pass ends by itself; after each kill, clean passes until the job is
# done, then the job must be whole: completed once, by fast, with fast's
# result; its work at fast started once; its attempt at slow cancelled.
killed_at_each_step() {
	local phase=$1 sc n rc kills=0 i
	for sc in renameat fsync flock pwrite64 ftruncate write unlinkat sendmsg; do
		for ((n = 1; n < 100; n++)); do
			rm -rf "$CT_SPOOL" "$MARKS"/*
			cp -a "$BATS_TEST_TMPDIR/$phase" "$CT_SPOOL"
			[ ! -e "$BATS_TEST_TMPDIR/$phase.calls" ] ||
				install -m 666 "$BATS_TEST_TMPDIR/$phase.calls" "$MARKS/calls"
			rc=0
			strace -qq -o /dev/null -e trace="$sc" \
				-e inject="$sc":signal=KILL:when="$n" \
				"$CT_BUILD/bin/ct-dispatch" 2>>"$LOG" || rc=$?
			[ "$rc" -ne 0 ] || break
			kills=$((kills + 1))
			for ((i = 0; i < 8; i++)); do
				[ -e "$CT_SPOOL/completed/$id" ] &&
					[ ! -e "$CT_SPOOL/work/$id" ] && break
				pass
			done
			echo "$phase $sc $n" >>"$BATS_TEST_TMPDIR/steps"
			[ "$(ls -d "$CT_SPOOL"/{new,processing,completed,failed,held}/"$id" 2>/dev/null | wc -l)" = 1 ] ||
				fail "$phase $sc #$n: in two states, or none"
			[ -e "$CT_SPOOL/completed/$id" ] ||
				fail "$phase $sc #$n: not completed: $(history "$id"; cat "$CT_SPOOL/processing/$id"; tail "$LOG")"
			[ "$(ct-fetch "$id")" = "$(blastxml q1 fast)" ] ||
				fail "$phase $sc #$n: not fast's result"
			history "$id" | grep -qx "Completed: completed by fast in N s" ||
				fail "$phase $sc #$n: $(history "$id")"
			[ "$(grep -c '^work' "$MARKS/calls")" = 1 ] ||
				fail "$phase $sc #$n: fast's work: $(cat "$MARKS/calls")"
			[ -e "$MARKS/cancel.slow.$id" ] ||
				fail "$phase $sc #$n: slow's attempt not cancelled: $(history "$id")"
			[ ! -e "$CT_SPOOL/work/$id" ] && [ ! -e "$CT_SPOOL/locks/$id" ] ||
				fail "$phase $sc #$n: left over"
		done
	done
	echo "$phase: $kills kills"
	[ "$kills" -ge 10 ]
}

@test "hedge: SIGKILL of the dispatcher at each step of a hedge, and of its win: the job completes once, by the winner, and the loser is cancelled" {
	command -v strace >/dev/null || skip "no strace"
	{ server slow forever 1 'poll-interval="0"' "marks=$MARKS"
	  server fast calllog 1 'poll-interval="0"' "marks=$MARKS"; } |
		registry '<defaults routing="soonest" hedge="100"/>'
	ct-dispatch -i -n 2>/dev/null || true
	figures slow 1 1 1
	figures fast 5 5 5
	id=$(ct-submit q1.fa)
	pass
	# Room for more hedges than one: a kill after the count of a hedge
	# and before its record loses it (hedge.h), and the job is hedged
	# again.
	echo "$(date +%s)000000 20 0" >"$CT_SPOOL/state/hedges"
	sleep 1.2
	cp -a "$CT_SPOOL" "$BATS_TEST_TMPDIR/hedge"
	killed_at_each_step hedge
	# The pass that finds fast done, after a clean hedge.
	rm -rf "$CT_SPOOL" "$MARKS"/*
	cp -a "$BATS_TEST_TMPDIR/hedge" "$CT_SPOOL"
	pass
	run -0 grep -c '^hedge-provider fast$' "$CT_SPOOL/processing/$id"
	cp -a "$CT_SPOOL" "$BATS_TEST_TMPDIR/win"
	cp "$MARKS/calls" "$BATS_TEST_TMPDIR/win.calls"
	killed_at_each_step win
}
