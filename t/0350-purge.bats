#!/usr/bin/env bats
# ct-purge, and the registry's retention that ct-dispatch applies:
# finished jobs removed whole (job, result, cancel request), crash-safely,
# and gone from every listing; jobs not finished left alone.

load helper
load dispatch
bats_require_minimum_version 1.5.0

DAY=86400

local_setup() {
	printf 'a result\n' >r
	NOW=$(date +%s)
}

# gone ID: no trace of job ID is left in the spool.
gone() {
	run -4 --separate-stderr ct-status "$1"
	assert_equal "$stderr" "ct-status: $1: job not found"
	run find "$CT_SPOOL" -name "$1"
	assert_output ""
}

@test "a completed and a failed job, by ID: removed with their results, and said" {
	mkjob -s completed -r r "$CT_SPOOL" c1
	mkjob -s failed "$CT_SPOOL" f1
	mkjob -s completed -r r "$CT_SPOOL" c2
	run -0 --separate-stderr ct-purge c1 f1
	assert_output "c1
f1"
	assert_equal "$stderr" ""
	gone c1
	gone f1
	run -0 ct-status
	assert_output --regexp "^c2	Completed	"
	[ -f "$CT_SPOOL/results/c2" ]
}

@test "a job not finished is left alone: 3 New, 2 Processing, the highest; 4 not found" {
	mkjob "$CT_SPOOL" n1
	mkjob -s processing -p local "$CT_SPOOL" p1
	mkjob -s completed -r r "$CT_SPOOL" c1
	run -3 --separate-stderr ct-purge n1
	assert_equal "$stderr" "ct-purge: n1: job not finished (New): ct-cancel withdraws it"
	run -4 --separate-stderr ct-purge c1 p1 nosuchjob
	assert_output c1
	assert_equal "$stderr" "ct-purge: p1: job not finished (Processing): ct-cancel withdraws it
ct-purge: nosuchjob: job not found"
	run -3 ct-status n1
	run -2 ct-status p1
	gone c1
}

@test "-a and -t choose among the caller's finished jobs; -n only says" {
	old=$((NOW - 40 * DAY)) recent=$((NOW - 2 * DAY))
	mkjob -s completed -r r -t $old "$CT_SPOOL" c-old
	mkjob -s failed -t $old "$CT_SPOOL" f-old
	mkjob -s completed -r r -t $old -w $recent "$CT_SPOOL" c-ended-recently
	mkjob -s completed -r r -t $recent "$CT_SPOOL" c-recent
	mkjob -t $old "$CT_SPOOL" n-old
	run -0 ct-purge -n -a 30d
	assert_equal "$(sort <<<"$output")" "c-old
f-old"
	[ -f "$CT_SPOOL/completed/c-old" ]
	run -0 ct-purge -a 30d -t completed
	assert_output c-old
	run -0 ct-purge -a 1d
	assert_equal "$(sort <<<"$output")" "c-ended-recently
c-recent
f-old"
	run -0 ct-status
	assert_output --regexp "^n-old	New	"
	assert_equal "${#lines[@]}" 1
	assert_equal "$(ls "$CT_SPOOL/results")" ""
}

@test "usage: nothing chosen, IDs with -a, a bad age or state: 64, nothing removed" {
	mkjob -s completed -r r "$CT_SPOOL" c1
	run -64 --separate-stderr ct-purge
	[[ $stderr == "ct-purge: nothing chosen: give IDs, -a age or -t state"* ]]
	run -64 --separate-stderr ct-purge -a 1d c1
	[[ $stderr == "ct-purge: IDs choose the jobs: -a and -t go without them"* ]]
	run -64 --separate-stderr ct-purge -a 3y
	[[ $stderr == "ct-purge: invalid age '3y': seconds, or numbers with s, m, h, d or w"* ]]
	run -64 --separate-stderr ct-purge -t new
	[[ $stderr == "ct-purge: invalid state 'new': Completed or Failed"* ]]
	run -0 ct-status c1
}

@test "IDs on standard input, as ct-submit prints them" {
	mkjob -s completed -r r "$CT_SPOOL" c1
	mkjob -s failed "$CT_SPOOL" f1
	run -0 ct-purge - <<<"c1
f1"
	gone c1
	gone f1
}

@test "a purge that stops after the job file leaves only a result no job names; it goes with the retention" {
	dispatch_setup
	server a instant 1 | registry '<defaults retention="60"/>'
	mkjob -s completed -r r -t $((NOW - 3 * DAY)) "$CT_SPOOL" c1
	# As a purge killed between its two removals leaves it.
	rm "$CT_SPOOL/completed/c1"
	touch -d @$((NOW - 2 * 3600)) "$CT_SPOOL/results/c1"
	run -4 ct-status c1
	pass
	[ ! -e "$CT_SPOOL/results/c1" ]
}

@test "retention: ct-dispatch removes every user's jobs finished longer ago, at most hourly, and says so" {
	dispatch_setup
	server a instant 1 | registry '<defaults retention="86400"/>'
	mkjob -s completed -r r -t $((NOW - 3 * DAY)) "$CT_SPOOL" c-old
	mkjob -s failed -u 4242 -t $((NOW - 2 * DAY)) "$CT_SPOOL" f-old-other
	mkjob -s completed -r r -t $((NOW - 3600)) "$CT_SPOOL" c-recent
	mkjob -t $((NOW - 3 * DAY)) "$CT_SPOOL" n-old
	# A result being stored for a job still in processing/ is its job's.
	mkjob -s processing -p a -r r -t $((NOW - 3 * DAY)) "$CT_SPOOL" p-old
	touch -d @$((NOW - 2 * DAY)) "$CT_SPOOL/results/p-old"
	pass -v
	grep -q "removed 2 finished jobs older than 86400 s, with their results" "$LOG"
	[ ! -e "$CT_SPOOL/completed/c-old" ] && [ ! -e "$CT_SPOOL/results/c-old" ]
	[ ! -e "$CT_SPOOL/failed/f-old-other" ]
	[ -f "$CT_SPOOL/completed/c-recent" ] && [ -f "$CT_SPOOL/results/c-recent" ]
	# A job that has only just finished (its deadline passed) stays.
	run ct-status n-old
	[ "$status" -le 3 ]
	# Not again within the hour: a job that expires meanwhile waits.
	mkjob -s completed -r r -t $((NOW - 3 * DAY)) "$CT_SPOOL" c-old2
	pass
	[ -f "$CT_SPOOL/completed/c-old2" ]
	# An hour on (the stamp made older), it goes too.
	touch -d @$((NOW - 3601)) "$CT_SPOOL/state/purged"
	pass
	[ ! -e "$CT_SPOOL/completed/c-old2" ]
}

@test "retention 0 keeps every job" {
	dispatch_setup
	server a instant 1 | registry '<defaults retention="0"/>'
	mkjob -s completed -r r -t $((NOW - 300 * DAY)) "$CT_SPOOL" c-old
	pass
	[ -f "$CT_SPOOL/completed/c-old" ]
}
