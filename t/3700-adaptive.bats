#!/usr/bin/env bats
# Adaptive dispatch (issue 14): each server's live figures, kept in the
# spool for every dispatcher (state/figures.SERVER) and shown by
# ct-providers stats; its circuit breaker; routing by expected completion
# (routing="soonest"); time windows; and a multi-record job completed only
# by a report that answers every query.

load helper
load dispatch

local_setup() {
	dispatch_setup
}

# stats_field SERVER N: field N of the server's line of ct-providers stats.
# slow's figures: ten runs of 10 s from time $1, then three of 100 s that
# started 300 s later.
slowed_since() {
	{
		echo "breaker closed 0 0 - "
		for i in 1 2 3 4 5 6 7 8 9 10; do echo "$((($1 + i) * 1000000)) done 10"; done
		for i in 1 2 3; do echo "$((($1 + 300 + i) * 1000000)) done 100"; done
	} >"$CT_SPOOL/state/figures.slow"
}

stats_field() {
	ct-providers stats | awk -F'\t' -v s="$1" -v n="$2" '$1 == s { print $n }'
}

@test "figures: each attempt's end is counted against its server, in state/figures.SERVER, shown by stats and stats -j" {
	{ server a instant 1; server b pollfail 1; } | registry
	submit_many 4
	pass
	pass
	pass
	# a completed its two; b failed its two, which a then completed.
	assert_equal "$(jobs_in completed)" 4
	assert_equal "$(stats_field a 7) $(stats_field b 7)" "100% 0%"
	[[ "$(stats_field a 8)" =~ ^[0-9]+\.[0-9]s$ ]] || fail "a's p50: $(stats_field a 8)"
	assert_equal "$(stats_field b 8)" "-"
	[[ "$(stats_field a 10)" =~ ^[0-9]+\.[0-9]s$ ]] || fail "a's first answer"
	run -0 ct-providers -j stats
	run -0 jq -r '.providers[] | "\(.provider) \(.recent.done) \(.recent.failed) \(.recent.success_rate) \(.breaker.state)"' <<<"$output"
	assert_output "a 4 0 1 closed
b 0 2 0 closed"
	# Whole files only: no temporary file left beside them.
	run -0 ls "$CT_SPOOL/state"
	refute_output --partial ".tmp"
	assert_equal "$(grep -c ' done ' "$CT_SPOOL/state/figures.a")" 4
	assert_equal "$(grep -c ' failed ' "$CT_SPOOL/state/figures.b")" 2
	run -64 ct-providers -j list
}

@test "breaker: opens after breaker-failures percent of breaker-attempts failed; no new job goes there; said in the log and in stats" {
	{ server bad pollfail 1 'poll-interval="0" breaker-attempts="2" breaker-failures="50" breaker-cool-down="3600"' log="$MARKS/calls"
	  server good instant 1; } | registry
	submit_many 4
	pass
	pass
	pass
	assert_equal "$(jobs_in completed)" 4
	run -0 grep -c 'circuit breaker open for 3600 s: 2 of its last 2 attempts failed' "$LOG"
	assert_equal "$(stats_field bad 13 | cut -d' ' -f1)" open
	run -0 ct-providers -j stats
	assert_equal "$(jq -r '.providers[] | select(.provider == "bad") | .breaker.reason' <<<"$output")" "2 of its last 2 attempts failed"
	# Four more: all go to good; bad is asked nothing.
	: >"$MARKS/calls"
	submit_many 4
	pass
	pass
	assert_equal "$(jobs_in completed)" 8
	assert_equal "$(wc -l <"$MARKS/calls")" 0
}

@test "breaker: black hole: breaker-black-hole attempts in a row out of time open it" {
	server hole forever 1 'poll-interval="0" attempt-timeout="1" breaker-black-hole="2" breaker-cool-down="3600"' | registry '<defaults deadline="3600"/>'
	submit_many 2
	pass
	sleep 2
	pass
	run -0 grep -c 'hole: circuit breaker open for 3600 s: black hole: 2 attempts in a row ran out of time' "$LOG"
}

@test "breaker: open, a job is never failed for it: it waits New while the server cools down" {
	server only pollfail 1 'poll-interval="0" breaker-attempts="1" breaker-cool-down="3600"' | registry
	submit_many 1
	pass
	pass
	# Its only server failed it: that job fails, for that reason.
	assert_equal "$(jobs_in failed)" 1
	assert_equal "$(stats_field only 13 | cut -d' ' -f1)" open
	submit_many 1
	pass
	pass
	assert_equal "$(jobs_in new) $(jobs_in failed)" "1 1"
	run -0 ct-dispatch -n -x
	assert_output --partial "(wait: all at their cap or disabled)"
}

@test "breaker: after the cool-down one real job is the probe (half-open); its success closes it; every move logged" {
	touch broken
	server flip toggle 1 'poll-interval="0" breaker-attempts="1" breaker-failures="100" breaker-cool-down="0"' broken="$PWD/broken" | registry
	submit_many 1
	pass
	pass
	run -0 grep -c 'flip: circuit breaker open for 0 s: 1 of its last 1 attempts failed' "$LOG"
	# Two New jobs, one probe: the other waits.
	submit_many 2
	pass
	run -0 grep -E -c 'flip: circuit breaker half-open: cool-down over: [^ ]+ is the probe' "$LOG"
	assert_equal "$(jobs_in new) $(jobs_in processing)" "1 1"
	assert_equal "$(stats_field flip 13 | cut -d' ' -f1)" half-open
	rm broken
	pass
	run -0 grep -c 'flip: circuit breaker closed: the probe completed' "$LOG"
	pass
	pass
	assert_equal "$(jobs_in completed)" 2
	[[ "$(stats_field flip 13)" =~ ^closed\ [0-9]+s$ ]] || fail "$(stats_field flip 13)"
}

@test "breaker: a probe that fails opens it again" {
	touch broken
	server flip toggle 1 'poll-interval="0" breaker-attempts="1" breaker-cool-down="0"' broken="$PWD/broken" | registry
	submit_many 1
	pass
	pass
	submit_many 1
	pass
	pass
	run -0 grep -E -c 'flip: circuit breaker open again for 0 s: the probe [^ ]+ failed' "$LOG"
}

@test "routing soonest: a New job goes to the server expected soonest; -n -x shows the estimates; weights share the unknown" {
	{ server slow instant 1; server fast instant 1; server fresh instant 1; } |
		registry '<defaults routing="soonest"/>'
	ct-dispatch -i -n 2>/dev/null || true
	submit_many 4
	figures slow 100 100 100
	figures fast 10 10 10
	run -0 ct-dispatch -n -x
	assert_equal "${#lines[@]}" 4
	# fast, and fresh (no estimate yet) by the weights; never slow.
	run -0 cut -f3,4 <<<"$output"
	assert_output "fast	soonest slow=1:100.0s fast=1:10.0s fresh=1:?
fresh	soonest slow=1:100.0s fast=1:10.0s fresh=1:?
fast	soonest slow=1:100.0s fast=1:10.0s fresh=1:?
fresh	soonest slow=1:100.0s fast=1:10.0s fresh=1:?"
	pass
	run -0 awk '$1 == "provider" { print $2 }' "$CT_SPOOL"/processing/*
	refute_output --partial slow
}

@test "routing soonest: a server with no estimate gets at most 3 jobs at a time to measure it, while another can take them" {
	{ server fast instant 1; server hole instant 1; } |
		registry '<defaults routing="soonest"/>'
	ct-dispatch -i -n 2>/dev/null || true
	submit_many 8
	figures fast 10 10 10
	run -0 ct-dispatch -n -x
	run -0 cut -f3 <<<"$output"
	assert_output "fast
hole
fast
hole
fast
hole
fast
fast"
	run -0 ct-dispatch -n -x
	assert_line --index 7 --partial "	fast	soonest fast=1:10.0s hole=1:measuring"
}

# fast_at_cap SLOW-SECONDS N: soonest between fast (runs of 10 s, max-jobs
# 1, one job there) and slow (runs of SLOW-SECONDS), and N New jobs.
fast_at_cap() {
	{ server fast instant 1 'poll-interval="0" max-jobs="1"'; server slow instant 1; } |
		registry '<defaults routing="soonest"/>'
	ct-dispatch -i -n 2>/dev/null || true
	mkjob -s processing -p fast "$CT_SPOOL" busy
	submit_many "$2"
	figures fast 10 10 10
	figures slow "$1" "$1" "$1"
}

@test "routing soonest: a job waits for a server at its cap rather than go to one expected slower than it, queue and all" {
	fast_at_cap 100 1
	run -0 ct-dispatch -n -x
	assert_output "$(cat ids)	blastp	(wait: fast at its cap is sooner)	soonest slow=1:100.0s"
	pass
	assert_equal "$(jobs_in new) $(grep -c '^provider' "$CT_SPOOL/processing/$(cat ids)" || true)" "0 0"
	# Slower than 20 s, fast (10 s, twice for the queue) is not worth it.
	figures slow 15 15 15
	run -0 --separate-stderr ct-dispatch -x
	assert_line "$(cat ids)	blastp	slow	soonest slow=1:15.0s"
	run -0 grep -c '^provider slow$' "$CT_SPOOL/processing/$(cat ids)"
	# Nor when waiting could cost a job its deadline: 30 s left, less
	# than twice fast's 20 s.
	figures slow 100 100 100
	mkjob -s processing -p fast "$CT_SPOOL" busy2
	id=$(printf '>q\n%s\n' "${PROTEIN:0:40}" | ct-submit -t 30 -)
	run -0 --separate-stderr ct-dispatch -x
	assert_line "$id	blastp	slow	soonest slow=1:100.0s"
}

@test "routing soonest: a server still being measured, which gets no job while others have estimates, does not stop a job waiting for a sooner one at its cap" {
	{ server fast instant 1 'poll-interval="0" max-jobs="1"'; server slow instant 1
	  server hole instant 1; } | registry '<defaults routing="soonest"/>'
	ct-dispatch -i -n 2>/dev/null || true
	mkjob -s processing -p fast "$CT_SPOOL" busy
	for i in 1 2 3; do mkjob -s processing -p hole "$CT_SPOOL" measured$i; done
	submit_many 1
	figures fast 10 10 10
	figures slow 100 100 100
	run -0 ct-dispatch -n -x
	assert_output "$(cat ids)	blastp	(wait: fast at its cap is sooner)	soonest slow=1:100.0s hole=1:measuring"
}

@test "routing soonest: a server whose latest runs to start are slow is expected slow, though most of its window is fast" {
	fast_at_cap 10 1
	# slow: ten runs of 10 s, then the three that started last, 100 s.
	t=$(($(date +%s) - 500))
	slowed_since "$t"
	run -0 ct-dispatch -n -x
	assert_output "$(cat ids)	blastp	(wait: fast at its cap is sooner)	soonest slow=1:100.0s"
	# Their median, the latest five: 100 s of three, 10 of two.
	for i in 4 5; do echo "$(((t + 310 + i) * 1000000)) done 10" >>"$CT_SPOOL/state/figures.slow"; done
	run -0 ct-dispatch -n -x
	assert_output "$(cat ids)	blastp	(wait: fast at its cap is sooner)	soonest slow=1:100.0s"
}

@test "routing soonest: a server slowed at its latest runs, then given nothing for its breaker-cool-down, gets one job to show whether it recovered" {
	fast_at_cap 10 1
	# slow's latest runs took 100 s, and ended 700 s ago: past the
	# default cool-down (300 s), nothing else would ever show it faster.
	t=$(($(date +%s) - 1000))
	slowed_since "$t"
	run -0 ct-dispatch -n -x
	assert_output "$(cat ids)	blastp	slow	soonest slow=1:?"
	# One job: while it runs there, slow is expected as slow as before.
	mkjob -s processing -p slow "$CT_SPOOL" probe
	run -0 ct-dispatch -n -x
	assert_output --regexp "^$(cat ids)	blastp	\(wait: fast at its cap is sooner\)	soonest slow=1:1[0-9][0-9]\.[0-9]s$"
	# Within the cool-down, it is still expected slow.
	rm "$CT_SPOOL/processing/probe"
	echo "$((($(date +%s) - 100) * 1000000)) answer 1" >>"$CT_SPOOL/state/figures.slow"
	run -0 ct-dispatch -n -x
	assert_output "$(cat ids)	blastp	(wait: fast at its cap is sooner)	soonest slow=1:100.0s"
}

@test "routing soonest: a server holding many jobs past the p90 of its figures is expected as slow as its oldest, before any ends" {
	fast_at_cap 10 1
	# slow's runs took 10 s; three of its twelve jobs are 30 s old (the
	# mean age, 7.5 s, says nothing yet).
	now=$(date +%s)
	for i in 1 2 3; do mkjob -s processing -p slow -a $((now - 30)) "$CT_SPOOL" old$i; done
	for i in 1 2 3 4 5 6 7 8 9; do mkjob -s processing -p slow -a "$now" "$CT_SPOOL" new$i; done
	run -0 ct-dispatch -n -x
	assert_output --regexp "^$(cat ids)	blastp	\(wait: fast at its cap is sooner\)	soonest slow=1:3[0-9]\.[0-9]s$"
	# Two past it are not enough to say so.
	rm "$CT_SPOOL/processing/old3"
	run -0 ct-dispatch -n -x
	assert_output "$(cat ids)	blastp	slow	soonest slow=1:10.0s"
}

@test "routing soonest: the jobs left waiting for a server at its cap queue there: the next goes to a free one once that is sooner" {
	fast_at_cap 25 2
	run -0 ct-dispatch -n -x
	run -0 cut -f3,4 <<<"$output"
	# 10 s and the one in flight: 20 s, sooner than 25; and then 30 s.
	assert_output "(wait: fast at its cap is sooner)	soonest slow=1:25.0s
slow	soonest slow=1:25.0s"
}

@test "routing soonest: a server's own estimate (an estimate line, as NCBI's RTOE) is its expected completion, before any run is done there" {
	server own estimating 1 'poll-interval="0"' estimate=3 "marks=$MARKS" |
		registry '<defaults routing="soonest"/>'
	ct-dispatch -i -n 2>/dev/null || true
	touch "$MARKS/running"
	submit_many 1
	pass
	run -0 grep -E -c ' estimate 3\.[0-9]+$' "$CT_SPOOL/state/figures.own"
	# A poll that says running says it again, counted from the start.
	pass
	run -0 grep -c ' estimate ' "$CT_SPOOL/state/figures.own"
	assert_output 2
	{ server own estimating 1 'poll-interval="0"' estimate=3 "marks=$MARKS"
	  server fast instant 1; } | registry '<defaults routing="soonest"/>'
	figures fast 10 10 10
	id=$(printf '>q\n%s\n' "${PROTEIN:0:40}" | ct-submit -)
	run -0 ct-dispatch -n -x
	assert_output --regexp "^$id	blastp	own	soonest own=1:3\.[0-9]s fast=1:10\.0s$"
}

@test "routing weights (the default): the figures change nothing" {
	{ server slow instant 1; server fast instant 1; } | registry
	ct-dispatch -i -n 2>/dev/null || true
	submit_many 4
	figures slow 100 100 100
	figures fast 10 10 10
	run -0 ct-dispatch -n -x
	run -0 cut -f3,4 <<<"$output"
	assert_output "slow	weights slow=1 fast=1
fast	weights slow=1 fast=1
slow	weights slow=1 fast=1
fast	weights slow=1 fast=1"
}

# Hours that do not include now (UTC: helper.bash sets TZ), and that do.
not_now() { local h=$((10#$(date +%H))); echo "$(((h + 1) % 24))-$(((h + 2) % 24))"; }
now_hour() { local h=$((10#$(date +%H))); echo "$h-$(((h + 1) % 24))"; }

@test "window: outside its hours a server takes no new job (window-max 0); the jobs wait New" {
	server a instant 1 "poll-interval=\"0\" window=\"$(not_now)\"" | registry
	submit_many 2
	pass
	assert_equal "$(jobs_in new)" 2
	server a instant 1 "poll-interval=\"0\" window=\"$(now_hour)\"" | registry
	pass
	pass
	assert_equal "$(jobs_in completed)" 2
}

@test "window: outside its hours, at most window-max new jobs in any 24 hours, counting those of the window" {
	server a instant 1 "poll-interval=\"0\" window=\"$(now_hour)\"" | registry
	submit_many 2
	pass
	server a instant 1 "poll-interval=\"0\" window=\"$(not_now)\" window-max=\"3\"" | registry
	submit_many 3
	pass -v
	# Two in the window, then one more of the three; the others wait.
	assert_equal "$(cat "$CT_SPOOL"/*/* 2>/dev/null | grep -c '^provider a$')" 3
	assert_equal "$(jobs_in failed)" 0
	run -0 grep -c 'a: window-max of 3 reached' "$LOG"
}

@test "window-days: on those days all day" {
	local today
	today=$(date +%a | tr 'A-Z' 'a-z')
	server a instant 1 "poll-interval=\"0\" window=\"$(not_now)\" window-days=\"$today\"" | registry
	submit_many 1
	pass
	assert_equal "$(jobs_in new)" 0
	run -0 ct-providers show a
	assert_line "window            $(not_now) $today; outside it 0 a day"
}

@test "a multi-record job is Completed only by a report that answers every query" {
	{ server first instant 2; server all every 1; } | registry
	printf '>q1\n%s\n>q2\n%s\n' "${PROTEIN:0:40}" "${PROTEIN:0:40}" >two.fa
	id=$(ct-submit two.fa)
	pass
	pass
	pass
	run -0 ct-status -q "$id"
	run -0 history "$id"
	assert_line "Processing: first delivered a bad result: a report that answers 1 of the job's 2 queries: none for 'q2'"
	assert_line "Completed: completed by all in N s"
	run -0 ct-fetch -f "tabular qseqid sseqid" "$id"
	assert_output "q1	all
q2	all"
}
