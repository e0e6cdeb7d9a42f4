#!/usr/bin/env bats
# ct-dispatch: a job from submission to its result through a wrapper; the
# policy's weights (exactly 30/50/20, within passes and across them); the
# dry run; caps and poll intervals; the wrapper contract as ct-dispatch
# keeps it; --follow; a missing or broken registry. The wrappers are the
# small scripts in t/wrappers/ (each says what it simulates).
#
# About 30 s on a 2-core machine, most of it the two 1,000-job tests, which
# run one wrapper process per job.

load helper
load dispatch

local_setup() {
	dispatch_setup
}

# records N: a FASTA file of N records q1..qN, in many.fa.
records() {
	local i
	for ((i = 1; i <= $1; i++)); do
		printf '>q%d\n%s\n' "$i" "${PROTEIN:0:40}"
	done >many.fa
}

# providers: "SERVER COUNT" per provider that has jobs in the spool (every
# state), sorted, from ct-providers stats.
providers() {
	ct-providers stats | awk -F'\t' 'NR > 1 && $1 != "(none yet)" &&
		$2 + $3 + $4 > 0 { print $1, $2 + $3 + $4 }' | LC_ALL=C sort
}

# picks IDS-FILE: the provider of each job in processing/ named in the file,
# one a line, in the file's order (one grep, not a process per job).
picks() {
	local ids
	ids=$(cat "$1")
	(cd "$CT_SPOOL/processing" && grep -H -m1 '^provider ' $ids) >picks.raw
	assert_equal "$(cut -d: -f1 picks.raw)" "$ids"
	sed 's/^[^:]*:provider //' picks.raw
}

# weighted_registry: the paper's three servers, 30/50/20, no cap; polls
# are not due for an hour, so a pass only sends New jobs out.
weighted_registry() {
	local limits='poll-interval="3600" max-jobs="100000"'
	{
		server a instant 30 "$limits"
		server b instant 50 "$limits"
		server c instant 20 "$limits"
	} | registry
}

@test "completed: the event says the attempt's run time apart from the time since submission" {
	server a instant 1 | registry
	# Submitted 100 s ago, it waited; its run is instant.
	mkjob -s new -t $(($(date +%s) - 100)) "$CT_SPOOL" old1
	pass
	pass
	run -0 ct-status -q old1
	run -0 ct-status -l old1
	assert_line --regexp "  Completed   completed by a in [01] s \((10[0-3]) s after submission\)\$"
	run -0 ct-status -o runtime,turnaround old1
	[[ "$output" =~ ^[01]$'\t'10[0-3]$ ]] || fail "$output"
}

@test "one job end to end: pass, pass, Completed, with the provider's report" {
	server a instant 1 | registry
	fasta q1 "$PROTEIN"
	id=$(ct-submit q1.fa)
	pass
	run -2 ct-status -q "$id"
	run -0 history "$id"
	assert_output "New: submitted by uid $(id -u) on $HOST
Processing: claimed by ct-dispatch on $HOST
Processing: sent to a (handle h-$id)"
	pass
	run -0 ct-status -q "$id"
	run -0 history "$id"
	assert_output "New: submitted by uid $(id -u) on $HOST
Processing: claimed by ct-dispatch on $HOST
Processing: sent to a (handle h-$id)
Completed: completed by a in N s"
	run -0 ct-status -l "$id"
	assert_line "provider   a"
	run -0 ct-fetch "$id"
	assert_output "$(blastxml q1 a)"
	# Without -v only what decides a job's fate is logged.
	run -0 sed -E 's/ in [0-9]+ s \([0-9]+ s after submission\)$/ in N s/' "$LOG"
	assert_output "ct-dispatch: $id: completed by a in N s"
	# Done: the job in completed/, its result beside it, nothing left over.
	assert_equal "$(jobs_in new) $(jobs_in processing) $(jobs_in completed)" "0 0 1"
	assert_equal "$(ls "$CT_SPOOL/results")" "$id"
	assert_equal "$(ls -A "$CT_SPOOL/locks" "$CT_SPOOL/work" "$CT_SPOOL/cancel" "$CT_SPOOL/tmp" | grep -v ':$' | grep -c .)" 0
	# A pass with nothing to do changes nothing.
	before=$(snapshot)
	pass
	assert_equal "$(snapshot)" "$before"
}

@test "weights 30/50/20: 1,000 jobs in one pass go exactly 300/500/200, 3/5/2 in every ten" {
	weighted_registry
	records 1000
	ct-submit -r many.fa >ids
	assert_equal "$(wc -l <ids)" 1000
	pass
	assert_equal "$(jobs_in new) $(jobs_in processing)" "0 1000"
	run -0 providers
	assert_output "a 300
b 500
c 200"
	# By ID order, the order of submission: each run of ten jobs has
	# exactly 3/5/2, the first ten included (smooth, not in bursts).
	LC_ALL=C sort ids >sorted
	cmp ids sorted
	picks ids >picks
	run -0 awk '{ n[$1]++ } NR % 10 == 0 {
		if (n["a"] != 3 || n["b"] != 5 || n["c"] != 2)
			print "jobs " NR - 9 "-" NR ": " n["a"] "/" n["b"] "/" n["c"]
		delete n }' picks
	assert_output ""
	assert_equal "$(head -10 picks | sort | uniq -c | awk '{ printf "%s=%s ", $2, $1 }')" "a=3 b=5 c=2 "
	# The history says where each job went.
	run -0 history "$(head -1 ids)"
	assert_line "Processing: sent to $(head -1 picks) (handle h-$(head -1 ids))"
}

@test "a pass over more New jobs than it lists at once (4096): each sent once, oldest first" {
	local limits='poll-interval="3600" max-jobs="100000"'
	{
		server a instant 1 "$limits"
		server b instant 1 "$limits"
	} | registry
	records 4500
	ct-submit -r many.fa >ids
	pass
	assert_equal "$(jobs_in new) $(jobs_in processing)" "0 4500"
	# 1:1 alternates a and b in the order the pass takes the jobs: so it
	# took them in ID order, across its windows.
	LC_ALL=C sort ids >sorted
	cmp ids sorted
	picks ids >picks
	run -0 awk 'NR % 2 == 1 && $1 != "a" || NR % 2 == 0 && $1 != "b" {
		print NR ": " $1; exit }' picks
	assert_output ""
	assert_equal "$(grep -h '^event .* sent to ' -r "$CT_SPOOL/processing" | wc -l)" 4500
}

@test "weights 30/50/20 hold across passes: 500, pass, 500 more, pass" {
	weighted_registry
	records 500
	ct-submit -r many.fa >ids
	pass
	run -0 providers
	assert_output "a 150
b 250
c 100"
	# The policy's running sums are kept in the spool between passes.
	[ -s "$CT_SPOOL/state/policy.blastp" ]
	ct-submit -r many.fa >>ids
	pass
	run -0 providers
	assert_output "a 300
b 500
c 200"
	assert_equal "$(jobs_in new) $(jobs_in processing)" "0 1000"
	# The first jobs of the second batch went on where the first stopped.
	tail -n 500 ids >second
	picks second >picks
	assert_equal "$(head -10 picks | sort | uniq -c | awk '{ printf "%s=%s ", $2, $1 }')" "a=3 b=5 c=2 "
}

@test "a policy state with numbers no pass could have written starts that server again from 0" {
	weighted_registry
	records 10
	ct-submit -r many.fa >ids
	# Damaged, or hostile: a's sum at the largest number, c's at the least.
	mkdir -p "$CT_SPOOL/state"
	printf 'a 9223372036854775807\nb 0\nc -9223372036854775808\n' \
		>"$CT_SPOOL/state/policy.blastp"
	pass
	# As from a fresh state: b (50), a (30), c (20), smooth.
	picks ids >picks
	assert_equal "$(head -3 picks | tr '\n' ' ')" "b a c "
	run -0 providers
	assert_output "a 3
b 5
c 2"
}

@test "-n -x: one line per New job, the choice the pass then makes, and nothing changed" {
	weighted_registry
	# Some history first: seven jobs dispatched, so the policy is mid-cycle.
	records 7
	ct-submit -r many.fa >/dev/null
	pass
	records 100
	ct-submit -r many.fa >ids
	before=$(snapshot)
	run -0 --separate-stderr ct-dispatch -n -x
	assert_equal "$stderr" ""
	assert_equal "${#lines[@]}" 100
	for ((i = 0; i < 100; i++)); do
		[[ ${lines[i]} =~ ^([^$'\t']+)$'\t'blastp$'\t'([abc])$'\t'"weights a=30 b=50 c=20"$ ]] ||
			fail "line $i: ${lines[i]}"
		assert_equal "${BASH_REMATCH[1]}" "$(sed -n "$((i + 1))p" ids)"
		echo "${BASH_REMATCH[2]}"
	done >predicted
	assert_equal "$(snapshot)" "$before"
	# Without -x a dry run says nothing at all.
	run -0 --separate-stderr ct-dispatch -n
	assert_equal "$output$stderr" ""
	assert_equal "$(snapshot)" "$before"
	# Any 100 jobs in a row: exactly 30/50/20, and the pass agrees.
	assert_equal "$(sort predicted | uniq -c | awk '{ printf "%s=%s ", $2, $1 }')" "a=30 b=50 c=20 "
	pass
	picks ids >picks
	cmp predicted picks
}

@test "-n -x on a fresh spool creates nothing, not even a file in state/" {
	server a instant 1 | registry
	fasta q1 "$PROTEIN"
	id=$(ct-submit q1.fa)
	before=$(snapshot)
	run -0 ct-dispatch -n -x
	assert_output "$(printf '%s\tblastp\ta\tweights a=1' "$id")"
	assert_equal "$(snapshot)" "$before"
	# Only ct-submit's record of the user's jobs (cputorrent-spool(5)).
	assert_equal "$(ls -A "$CT_SPOOL/state")" users
}

@test "-n -x leaves tmp/ alone, even what a pass would reap" {
	server a instant 1 | registry
	fasta q1 "$PROTEIN"
	ct-submit q1.fa >/dev/null
	echo leftover >"$CT_SPOOL/tmp/stale"
	touch -d '3 days ago' "$CT_SPOOL/tmp/stale"
	before=$(snapshot)
	run -0 ct-dispatch -n -x
	assert_equal "$(snapshot)" "$before"
	# A real pass does reap it.
	pass
	[ ! -e "$CT_SPOOL/tmp/stale" ]
}

@test "a spool that does not exist: 69, 'no spool at', and not made; -i makes it, and -n -i makes nothing" {
	server a instant 1 | registry
	none=$BATS_TEST_TMPDIR/none
	run -69 --separate-stderr ct-dispatch -S "$none"
	assert_equal "$output" ""
	assert_equal "$stderr" "ct-dispatch: no spool at $none: No such file or directory; -i makes one"
	run -69 ct-dispatch -f -S "$none"
	run -69 ct-dispatch -n -x -S "$none"
	[ ! -e "$none" ]
	run -0 ct-dispatch -n -x -i -S "$none"
	assert_output ""
	[ ! -e "$none" ]
	# Made, private to its owner (root's searchable by the account that
	# runs its wrappers), and a spool ct-submit and ct-status use.
	run -0 --separate-stderr ct-dispatch -i -S "$none"
	assert_equal "$output$stderr" ""
	if [ "$(id -u)" -eq 0 ]; then
		assert_equal "$(stat -c %a "$none")" 701
	else
		assert_equal "$(stat -c %a "$none")" 700
	fi
	run -0 ct-status -S "$none"
	assert_output ""
	fasta q1 "$PROTEIN"
	id=$(ct-submit -S "$none" q1.fa)
	run -0 ct-dispatch -i -S "$none"
	run -0 ct-dispatch -S "$none"
	run -0 ct-status -q -S "$none" "$id"
	# Dispatchers started together with -i: whichever makes it, all run.
	pids=()
	for i in 1 2 3 4 5 6; do
		ct-dispatch -i -S "$BATS_TEST_TMPDIR/together" 2>>together.log &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p"; done
	assert_equal "$(cat together.log)" ""
}

@test "max-jobs caps a server: the others take the rest, then jobs wait New" {
	{
		server a forever 9 'poll-interval="0" max-jobs="1"' "marks=$MARKS"
		server b forever 1 'poll-interval="0" max-jobs="2"' "marks=$MARKS"
	} | registry
	for i in 1 2 3 4 5; do fasta "q$i" "$PROTEIN"; ct-submit "q$i.fa"; done >ids
	# The dry run says so for each New job, counting its own picks.
	run -0 ct-dispatch -n -x
	assert_equal "${#lines[@]}" 5
	assert_line --index 0 "$(printf '%s\tblastp\ta\tweights a=9 b=1' "$(sed -n 1p ids)")"
	assert_line --index 1 "$(printf '%s\tblastp\tb\tweights b=1' "$(sed -n 2p ids)")"
	assert_line --index 2 "$(printf '%s\tblastp\tb\tweights b=1' "$(sed -n 3p ids)")"
	assert_line --index 3 "$(printf '%s\tblastp\t(wait: all at their cap or disabled)\t' "$(sed -n 4p ids)")"
	assert_line --index 4 "$(printf '%s\tblastp\t(wait: all at their cap or disabled)\t' "$(sed -n 5p ids)")"
	pass
	pass
	assert_equal "$(jobs_in new) $(jobs_in processing)" "2 3"
	run -0 providers
	assert_output "a 1
b 2"
	for id in $(sed -n 4,5p ids); do
		run -3 ct-status -q "$id"
	done
}

@test "a server of weight 0 for the service gets none of its jobs" {
	{
		server a instant 0
		server b instant 1
	} | registry
	for i in 1 2 3; do fasta "q$i" "$PROTEIN"; ct-submit "q$i.fa"; done >ids
	run -0 ct-dispatch -n -x
	for i in 0 1 2; do
		assert_line --index "$i" "$(printf '%s\tblastp\tb\tweights b=1' "$(sed -n "$((i + 1))p" ids)")"
	done
	pass
	run -0 providers
	assert_output "b 3"
}

@test "poll-interval: no poll before it is due" {
	server a forever 1 'poll-interval="1"' "marks=$MARKS" "log=$MARKS/calls" | registry
	fasta q1 "$PROTEIN"
	id=$(ct-submit q1.fa)
	pass
	pass
	assert_equal "$(cat "$MARKS/calls")" "a submit $id"
	sleep 1.1
	pass
	assert_equal "$(cat "$MARKS/calls")" "a submit $id
a poll $id"
	run -0 history "$id"
	assert_output "New: submitted by uid $(id -u) on $HOST
Processing: claimed by ct-dispatch on $HOST
Processing: sent to a (handle r-a-$id)"
}

# spaced_by_a_second N: N jobs, a -f dispatcher for 3.5 s, and its calls
# to a server of request-interval 1, logged by stamp: some progress, but
# never two requests within a second.
spaced_by_a_second() {
	local i pid
	for ((i = 1; i <= $1; i++)); do
		fasta "q$i" "$PROTEIN"
		ct-submit "q$i.fa"
	done >/dev/null
	ct-dispatch -f 2>/dev/null &
	pid=$!
	sleep 3.5
	kill -TERM "$pid"
	wait "$pid"
	(($(wc -l <"$MARKS/calls") >= 2))
	run -0 awk 'NR > 1 && $1 - t < 1 { print "too soon: " $0 } { t = $1 }' "$MARKS/calls"
	assert_output ""
}

@test "request-interval: no two requests to a server closer together than it says" {
	server a stamp 1 'poll-interval="0" request-interval="1"' "log=$MARKS/calls" | registry
	spaced_by_a_second 3
}

@test "request-interval: counted from each request, not from the start of its call: a slow request does not bring the next closer" {
	server a stamp 1 'poll-interval="0" request-interval="1"' "log=$MARKS/calls" \
		slow-first=0.6 | registry
	spaced_by_a_second 2
}

@test "daily-max: a server gets at most that many jobs in any 24 hours, across passes; the rest go elsewhere, or wait" {
	{
		server a instant 10 'poll-interval="0" max-jobs="100" daily-max="3"'
		server b instant 1
	} | registry
	for i in 1 2 3 4 5 6; do fasta "q$i" "$PROTEIN"; ct-submit "q$i.fa"; done >ids
	pass
	pass
	run -0 providers
	assert_output "a 3
b 3"
	assert_equal "$(wc -l <"$CT_SPOOL/state/quota.a")" 3

	# Only a: what it cannot take waits, unharmed, until the day moves on.
	server a instant 1 'poll-interval="0" max-jobs="100" daily-max="3"' | registry
	for i in 7 8; do ct-submit "q1.fa"; done >more
	pass -v
	pass
	assert_equal "$(jobs_in processing)" 2
	grep -q "a: daily-max of 3 reached; more from " "$LOG"
	run -2 ct-status -o state,provider $(cat more)
	assert_output "Processing	-
Processing	-"
	# A day later (the times moved back), a has room again.
	sed -i "s/^.*$/$(($(date +%s) - 86401))000000/" "$CT_SPOOL/state/quota.a"
	pass
	pass
	run -0 ct-wait -t 0 $(cat more)
	assert_equal "$(wc -l <"$CT_SPOOL/state/quota.a")" 2
}

@test "request-interval: holds across separate passes, through the spool" {
	server a stamp 1 'poll-interval="0" request-interval="600"' "log=$MARKS/calls" | registry
	for i in 1 2 3; do fasta "q$i" "$PROTEIN"; ct-submit "q$i.fa"; done >/dev/null
	pass
	pass
	ct-dispatch -c "$CT_CONFIG" 2>>"$LOG"
	# One request in all: the other jobs wait with the server, unharmed.
	assert_equal "$(wc -l <"$MARKS/calls")" 1
	assert_equal "$(jobs_in processing)" 3
	assert_equal "$(jobs_in new)" 0
	run -0 cat "$CT_SPOOL/state/requests.a"
	[[ $output =~ ^[0-9]+$ ]]
	run -0 grep -l '^provider a$' "$CT_SPOOL"/processing/*
	assert_equal "${#lines[@]}" 3
}

@test "request-interval: damaged state (text, a time past any clock) reads as no request yet, and is written whole again" {
	server a stamp 1 'poll-interval="0" request-interval="600"' "log=$MARKS/calls" | registry
	fasta q1 "$PROTEIN"
	for last in garbage 9223372036854775807 -5 '99999999999999999999999'; do
		id=$(ct-submit q1.fa)
		mkdir -p "$CT_SPOOL/state"
		printf '%s\n' "$last" >"$CT_SPOOL/state/requests.a"
		pass
		run -0 grep -x 'provider a' "$CT_SPOOL/processing/$id"
		run -0 cat "$CT_SPOOL/state/requests.a"
		[[ $output =~ ^[0-9]{16}$ ]] || fail "$last: state now '$output'"
	done
	assert_equal "$(wc -l <"$MARKS/calls")" 4
}

@test "request-interval: a fetch that must wait is sent next, without polling again" {
	server a stamp 1 'poll-interval="0" request-interval="1"' "log=$MARKS/calls" | registry
	fasta q1 "$PROTEIN"
	id=$(ct-submit q1.fa)
	pass			# submit; the poll must wait
	sleep 1.1
	pass			# poll says done; the fetch must wait
	run -0 grep -x 'ready 1' "$CT_SPOOL/processing/$id"
	sleep 1.1
	pass			# fetch
	run -0 awk '{ print $2, $3 }' "$MARKS/calls"
	assert_output "a submit
a poll
a fetch"
	run -0 ct-fetch "$id"
	assert_output "$(blastxml q1 a)"
}

@test "a registry, wrapper directory or wrapper that others may write is refused: 78, nothing dispatched" {
	mkdir -m 755 wrappers lib
	cp "$T/wrappers/instant" wrappers/
	# What instant delivers its report with, where it looks for it.
	cp "$T/lib/blastxml" lib/
	export CT_WRAPPER_DIR=$PWD/wrappers
	server a instant 1 | registry
	fasta q1 "$PROTEIN"
	id=$(ct-submit q1.fa)
	for what in "$CT_CONFIG" wrappers wrappers/instant; do
		mode=$(stat -c %a "$what")
		chmod o+w "$what"
		run -78 --separate-stderr ct-dispatch
		[[ ${stderr_lines[0]} == "ct-dispatch: $(realpath "$what") is writable by every user ("*"): whoever can write it chooses what the dispatcher runs" ]] ||
			fail "$what: '${stderr_lines[0]}'"
		assert_equal "${stderr_lines[-1]}" "ct-dispatch: $CT_CONFIG: refused: nothing dispatched"
		run -3 ct-status "$id"
		chmod "$mode" "$what"
	done
	# Writable by a group that is not the dispatcher's: refused too.
	chgrp nogroup "$CT_CONFIG"
	chmod g+w "$CT_CONFIG"
	run -78 --separate-stderr ct-dispatch
	[[ ${stderr_lines[0]} == *"is writable by its group"* ]]
	chmod g-w "$CT_CONFIG"
	pass
	pass
	run -0 ct-status "$id"
}

@test "the wrapper gets exactly the contract's environment, arguments, directory and input" {
	server sp spy 1 'poll-interval="0"' "marks=$MARKS" 'db.swissprot=/data/blast/swissprot' \
		'api-key=s3cr3t' | registry '<defaults deadline="600"/>'
	fasta q1 "$PROTEIN"
	id=$(ct-submit -d swissprot -o evalue=0.001 -o matrix=BLOSUM62 \
		-o 'title=a b;$(touch pwned)' q1.fa)
	# A descriptor ct-dispatch inherits is not the wrapper's.
	pass 7>/dev/null
	deadline=$(sed -n 's/^deadline \([0-9]*\)\..*/\1/p' "$CT_SPOOL/processing/$id")
	submitted=$(sed -n 's/^submitted \([0-9]*\)\..*/\1/p' "$CT_SPOOL/processing/$id")
	assert_equal "$deadline" "$((submitted + 600))"
	pass
	run -0 ct-fetch "$id"
	assert_output "$(blastxml q1 sp)"
	wd="$CT_SPOOL/work/$id/1"
	# CT_LIBEXEC_DIR: passed on, since the tests' ct-dispatch has it.
	env="CT_ATTEMPT=1
CT_CONTRACT=1
CT_DATABASE=swissprot
CT_DEADLINE=$deadline
CT_JOB_ID=$id
CT_LIBEXEC_DIR=$CT_LIBEXEC_DIR
CT_PARAM_API_KEY=s3cr3t
CT_PARAM_CLASSNAME=spy
CT_PARAM_DB_SWISSPROT=/data/blast/swissprot
CT_PARAM_MARKS=$MARKS
CT_SERVER=sp
CT_SERVICE=blastp
CT_WORKDIR=$wd
HOME=$wd
LANG=C
LC_ALL=C
PATH=/usr/local/bin:/usr/bin:/bin
TMPDIR=$wd"
	for verb in submit poll fetch; do
		assert_equal "$(cat "$MARKS/$verb.env")" "$env"
		assert_equal "$(cat "$MARKS/$verb.cwd")" "$(cd "$CT_SPOOL/work" && pwd -P)/$id/1"
		# 0-2, and what sh itself opened (10 and up), nothing else.
		run -1 grep -vxE '[0-2]|[1-9][0-9]+' "$MARKS/$verb.fds"
		assert_output ""
	done
	# Options follow submit's verb; the handle follows the others'.
	# Each option one argument, as it was given: no shell in between.
	assert_equal "$(cat "$MARKS/submit.argv")" "submit
evalue=0.001
matrix=BLOSUM62
title=a b;\$(touch pwned)"
	[ -z "$(find "$BATS_TEST_TMPDIR" -name pwned)" ]
	assert_equal "$(cat "$MARKS/poll.argv")" "poll
spy-sp"
	assert_equal "$(cat "$MARKS/fetch.argv")" "fetch
spy-sp"
	# The input on submit's stdin, byte for byte; /dev/null for the rest.
	cmp q1.fa "$MARKS/submit.stdin"
	# A file, whole before the wrapper starts: never a pipe cut short.
	assert_equal "$(cat "$MARKS/submit.fd0")" "/memfd:stdin (deleted)"
	# work/ is the dispatcher's alone; each job's level too. A root
	# dispatcher runs the wrapper as the dispatcher account, never as
	# root: work/ and work/ID are searchable by it, work/ID/N is its own.
	if [ "$(id -u)" -eq 0 ]; then
		for verb in submit poll fetch; do
			assert_equal "$(cat "$MARKS/$verb.user")" "cputorrent cputorrent"
		done
		assert_equal "$(stat -c %a "$CT_SPOOL/work")" 711
	else
		assert_equal "$(cat "$MARKS/submit.user")" "$(id -un) $(id -Gn)"
		assert_equal "$(stat -c %a "$CT_SPOOL/work")" 700
	fi
	assert_equal "$(cat "$MARKS/poll.fd0") $(cat "$MARKS/fetch.fd0")" "/dev/null /dev/null"
	# A private work directory, which survives between calls...
	assert_equal "$(cat "$MARKS/submit.workdir")" "700"
	assert_equal "$(cat "$MARKS/fetch.workdir")" "700
input"
	# ...and goes when the job is done.
	[ ! -e "$CT_SPOOL/work/$id" ]
}

@test "a record from before reasons were kept (tried, no tried-why): the verdict names the server that failed it" {
	server a instant 1 | registry
	fasta q1 "$PROTEIN"
	id=$(ct-submit q1.fa)
	sed -i '/^input /i tried a' "$CT_SPOOL/new/$id"
	pass
	run -0 history "$id"
	assert_line --index -1 "Failed: no provider left: a failed it; run it locally"
}

@test "a job of a service no server offers fails at once, with the reason" {
	server a instant 1 | registry
	fasta n1 "$NUCLEOTIDE"
	id=$(ct-submit -s blastn n1.fa)
	pass
	run -1 ct-status -q "$id"
	run -0 history "$id"
	assert_output "New: submitted by uid $(id -u) on $HOST
Processing: claimed by ct-dispatch on $HOST
Failed: no provider left: no server offers blastn; run it locally"
	run -1 --separate-stderr ct-fetch "$id"
	assert_equal "$stderr" "ct-fetch: $id: job failed: no provider left: no server offers blastn; run it locally"
}

@test "every server of a service disabled: its jobs stay New, not failed, until one is enabled again or their deadline passes" {
	off() {
		printf '<server id="off" name="off" enabled="%s"><limits poll-interval="0"/><service name="blastn" weight="1"/><parameters><parameter name="classname">instant</parameter></parameters></server>\n' "$1"
	}
	{ server a instant 1; off false; } | registry '<defaults deadline="30"/>'
	fasta n1 "$NUCLEOTIDE"
	id=$(ct-submit -s blastn n1.fa)
	pass
	pass
	run -3 ct-status -q "$id"
	run -0 history "$id"
	assert_output "New: submitted by uid $(id -u) on $HOST"
	# Its deadline passes while the server is down for maintenance.
	late=20200101-000000-000000-test-1-0
	mkjob -t "$(($(date +%s) - 40))" "$CT_SPOOL" "$late"
	sed -i 's/^service blastp$/service blastn/' "$CT_SPOOL/new/$late"
	touch -d '40 seconds ago' "$CT_SPOOL/new/$late"
	pass
	run -0 history "$late"
	assert_line --index -1 "Failed: deadline passed; run it locally"
	# Enabled again: the job goes.
	{ server a instant 1; off true; } | registry '<defaults deadline="30"/>'
	pass
	pass
	run -0 ct-status -q "$id"
	run -0 ct-fetch "$id"
	assert_output "$(blastxml n1 off)"
}

@test "ct-providers disable: the server takes no new job but follows those it has, at every pass, until enabled; the registry untouched" {
	server a forever 1 'poll-interval="0"' "log=$MARKS/calls" "marks=$MARKS" | registry
	cp "$CT_CONFIG" registry.before
	fasta q1 "$PROTEIN"
	one=$(ct-submit q1.fa)
	pass
	ct-providers disable a upgrading its disks
	two=$(ct-submit q1.fa)
	: >"$MARKS/calls"
	pass -v
	run -3 ct-status -q "$two"
	run -0 cat "$MARKS/calls"
	assert_output "a poll $one"
	run -0 grep -c 'a: disabled in the spool (ct-providers disable): it takes no new job' "$LOG"
	assert_output 1
	# A pass from cron says it only with -v: it is no news.
	pass
	run -3 ct-status -q "$two"
	run -0 grep -c 'a: disabled in the spool' "$LOG"
	assert_output 1
	# Another dispatcher, started afresh, sees it too.
	run -0 ct-dispatch -n -x
	assert_output "$(printf '%s\tblastp\t(wait: all at their cap or disabled)\t' "$two")"
	ct-providers enable a
	pass
	run -2 ct-status -q "$two"
	run -0 history "$two"
	assert_line --index -1 "Processing: sent to a (handle r-a-$two)"
	cmp "$CT_CONFIG" registry.before
}

@test "a job retrying at a server disabled since, with no other left: it waits in Processing, not failed" {
	server busy flaky 1 'poll-interval="0"' "state=$MARKS/count" "failures=1" \
		"log=$MARKS/calls" | registry
	fasta q1 "$PROTEIN"
	id=$(ct-submit q1.fa)
	pass
	run -0 history "$id"
	assert_line --index -1 --partial "busy: will retry in 5 s"
	sed -i 's/<server id="busy"/<server enabled="false" id="busy"/' "$CT_CONFIG"
	sed -i 's/^next .*/next 1000000.000000/' "$CT_SPOOL/processing/$id"
	pass
	run -2 ct-status -q "$id"
	sed -i 's/enabled="false" //' "$CT_CONFIG"
	pass
	pass
	run -0 ct-status -q "$id"
}

@test "ct-submit warns of a service no enabled server offers, as the dispatcher last read its registry" {
	{
		server a instant 1
		printf '<server id="off" name="off" enabled="false"><service name="blastn" weight="1"/><parameters><parameter name="classname">instant</parameter></parameters></server>\n'
	} | registry
	fasta q1 "$PROTEIN"
	fasta n1 "$NUCLEOTIDE"
	# No dispatcher has read a registry yet: nothing to go by.
	run -0 --separate-stderr ct-submit -s blastn n1.fa
	assert_equal "$stderr" ""
	pass
	run -0 cat "$CT_SPOOL/state/services"
	assert_output "blastp"
	run -0 --separate-stderr ct-submit -s blastn n1.fa
	[[ $output =~ ^[0-9]{8}- ]]
	assert_equal "$stderr" "ct-submit: warning: no enabled server offers blastn (as the dispatcher last read its registry): unless one does, it fails the job"
	run -0 --separate-stderr ct-submit -r -s blastn n1.fa n1.fa
	assert_equal "${#lines[@]}" 2
	assert_equal "$stderr" "ct-submit: warning: no enabled server offers blastn (as the dispatcher last read its registry): unless one does, it fails these jobs"
	run -0 --separate-stderr ct-submit q1.fa
	assert_equal "$stderr" ""
	# Enabled, and read by the next pass: no warning.
	{
		server a instant 1
		server b instant 1 | sed 's/"blastp"/"blastn"/'
	} | registry
	pass
	run -0 cat "$CT_SPOOL/state/services"
	assert_output "blastn
blastp"
	run -0 --separate-stderr ct-submit -s blastn n1.fa
	assert_equal "$stderr" ""
}

@test "the limits on <defaults> are published in state/limits at each load, and ct-submit holds to them; a damaged file is written whole again" {
	server a instant 1 | registry
	fasta q1 "$PROTEIN"
	# No registry read yet: the built-in limits.
	run -65 --separate-stderr ct-submit -m 65M q1.fa
	assert_equal "$stderr" "ct-submit: -m: 68157440 bytes, over the largest input allowed, 67108864 bytes (max-input)"
	pass
	run -0 cat "$CT_SPOOL/state/limits"
	assert_output "max-input=67108864
max-options=64
max-option-size=4096
min-free=1073741824
user-jobs=10000
user-bytes=4294967296"
	server a instant 1 | registry '<defaults max-input="1k" max-options="1" max-option-size="8" min-free="0" user-jobs="2" user-bytes="1G"/>'
	pass
	run -0 cat "$CT_SPOOL/state/limits"
	assert_output "max-input=1024
max-options=1
max-option-size=8
min-free=0
user-jobs=2
user-bytes=1073741824"
	run -65 --separate-stderr ct-submit -o a=1 -o b=2 q1.fa
	assert_equal "$stderr" "ct-submit: 2 options (-o): over the 1 allowed (max-options)"
	run -65 --separate-stderr ct-submit -m 2k q1.fa
	assert_equal "$(jobs_in new)" 0
	# Two jobs may wait, not three.
	run -0 ct-submit q1.fa q1.fa
	run -75 --separate-stderr ct-submit q1.fa
	assert_equal "$stderr" "ct-submit: uid $(id -u) has 2 jobs not finished in the spool, of the 2 allowed (user-jobs): try later
ct-submit: nothing submitted"
	# Finished, they leave room.
	pass
	pass
	assert_equal "$(jobs_in completed)" 2
	run -0 ct-submit q1.fa
	# Damaged by hand: the next load writes it whole again.
	printf 'max-options=1000\n' >"$CT_SPOOL/state/limits"
	pass
	run -0 cat "$CT_SPOOL/state/limits"
	assert_line "max-options=1"
	assert_equal "${#lines[@]}" 6
	# A dry run publishes nothing.
	rm "$CT_SPOOL/state/limits"
	ct-dispatch -n >/dev/null
	[ ! -e "$CT_SPOOL/state/limits" ]
}

@test "a server dropped from the registry while it has a job: the job moves on" {
	server gone forever 1 'poll-interval="0"' "marks=$MARKS" | registry
	fasta q1 "$PROTEIN"
	id=$(ct-submit q1.fa)
	pass
	server b instant 1 | registry
	pass
	pass
	run -0 ct-fetch "$id"
	assert_output "$(blastxml q1 b)"
	run -0 history "$id"
	assert_output "New: submitted by uid $(id -u) on $HOST
Processing: claimed by ct-dispatch on $HOST
Processing: sent to gone (handle r-gone-$id)
Processing: server gone is no longer in the registry
Processing: sent to b (handle h-$id)
Completed: completed by b in N s"
}

@test "--follow: a job submitted while it runs completes without another command; SIGTERM stops it" {
	server a instant 1 | registry
	ct-dispatch -f -i -v 2>follow.log &	# -i: no job has made the spool yet
	pid=$!
	sleep 0.3
	fasta q1 "$PROTEIN"
	id=$(ct-submit q1.fa)
	for ((i = 0; i < 30; i++)); do
		ct-status -q "$id" && break
		sleep 0.1
	done
	run -0 ct-status -q "$id"
	run -0 ct-fetch "$id"
	assert_output "$(blastxml q1 a)"
	kill -TERM "$pid"
	rc=0
	wait "$pid" || rc=$?
	assert_equal "$rc" 0
	run -0 sed -E 's/ in [0-9]+ s \([0-9]+ s after submission\)$/ in N s/' follow.log
	assert_line --index 0 "ct-dispatch: following $CT_SPOOL"
	assert_line "ct-dispatch: $id: sent to a (handle h-$id)"
	assert_line "ct-dispatch: $id: completed by a in N s"
	assert_line --index -1 "ct-dispatch: stopped"
	assert_equal "$(grep -c 'completed by' follow.log)" 1
}

# completed_by ID: wait (at most 5 s) until job ID is Completed; print
# its result.
completed_by() {
	local i
	for ((i = 0; i < 50; i++)); do
		ct-status -q "$1" && break
		sleep 0.1
	done
	ct-fetch "$1"
}

# logged FILE LINE: wait (at most 5 s) until FILE has the line.
logged() {
	local i
	for ((i = 0; i < 50; i++)); do
		grep -qxF "$2" "$1" && return 0
		sleep 0.1
	done
	fail "no line '$2' in $1"
}

@test "--follow: SIGHUP reloads the registry between passes; a broken one is refused, and the one before kept" {
	server a instant 1 | registry
	fasta q1 "$PROTEIN"
	ct-dispatch -f -i 2>follow.log &	# -i: no job has made the spool yet
	pid=$!
	run -0 completed_by "$(ct-submit q1.fa)"
	assert_output "$(blastxml q1 a)"
	server b instant 1 | registry
	kill -HUP "$pid"
	logged follow.log "ct-dispatch: $CT_CONFIG: reloaded, 1 server"
	run -0 completed_by "$(ct-submit q1.fa)"
	assert_output "$(blastxml q1 b)"
	echo '<registry version="1"><server' >"$CT_CONFIG"
	kill -HUP "$pid"
	logged follow.log "ct-dispatch: $CT_CONFIG: not reloaded: the registry has problems; dispatching on with the one before"
	run -0 completed_by "$(ct-submit q1.fa)"
	assert_output "$(blastxml q1 b)"
	kill -TERM "$pid"
	rc=0
	wait "$pid" || rc=$?
	assert_equal "$rc" 0
	assert_equal "$(tail -1 follow.log)" "ct-dispatch: stopped"
}

@test "-s where no syslog daemon listens: said once on stderr, and the log goes there instead" {
	[ "$(id -u)" = 0 ] || skip "needs root (a mount namespace)"
	server a instant 1 | registry
	fasta q1 "$PROTEIN"
	id=$(ct-submit q1.fa)
	# /dev/log as on a host without a syslog daemon: no socket there.
	: >nolog
	run -0 --separate-stderr unshare -m sh -c '
		if [ -e /dev/log ]; then mount --bind "$1" /dev/log; fi
		shift; exec "$@"' sh "$PWD/nolog" ct-dispatch -s -v
	[[ ${stderr_lines[0]} == "ct-dispatch: cannot log to syslog at /dev/log: "*"; logging to standard error instead" ]]
	assert_equal "$(grep -c 'cannot log to syslog' <<<"$stderr")" 1
	[[ $stderr == *"ct-dispatch: $id: sent to a (handle h-$id)"* ]]
}

@test "--follow: SIGINT stops it too, between passes, with exit 0" {
	server a instant 1 | registry
	for sig in INT TERM; do
		ct-dispatch -f -i -v 2>"follow.$sig" &
		pid=$!
		sleep 0.3
		kill -"$sig" "$pid"
		rc=0
		wait "$pid" || rc=$?
		assert_equal "$sig $rc" "$sig 0"
		assert_equal "$(tail -1 "follow.$sig")" "ct-dispatch: stopped"
	done
}

@test "a missing registry: 66 and the spool untouched; a broken one: 78" {
	fasta q1 "$PROTEIN"
	id=$(ct-submit q1.fa)
	before=$(snapshot)
	run -66 --separate-stderr ct-dispatch -c nosuch.xml
	assert_equal "$stderr" "ct-dispatch: cannot open registry nosuch.xml: No such file or directory"
	assert_equal "$(snapshot)" "$before"
	# $CT_CONFIG names it when -c does not.
	run -66 ct-dispatch
	assert_equal "$(snapshot)" "$before"
	printf '<registry version="1"><server id="a" name="a"><service name="blastp" weight="1"/></server></registry>\n' >"$CT_CONFIG"
	run -78 --separate-stderr ct-dispatch
	assert_equal "${stderr_lines[-1]}" "ct-dispatch: $CT_CONFIG: the registry has problems; nothing dispatched"
	assert_equal "$(snapshot)" "$before"
	printf '<registry version="1"><server' >"$CT_CONFIG"
	run -78 ct-dispatch
	assert_equal "$(snapshot)" "$before"
	# And no spool is made where there was none.
	run -66 ct-dispatch -S "$BATS_TEST_TMPDIR/none" -c nosuch.xml
	[ ! -e "$BATS_TEST_TMPDIR/none" ]
	run -3 ct-status -q "$id"
}

@test "a held job is never claimed; released, it goes like any other" {
	server a instant 1 | registry
	fasta q1 "$PROTEIN"
	fasta q2 "$PROTEIN"
	held=$(ct-submit -H q1.fa)
	other=$(ct-submit q2.fa)
	pass
	pass
	run -0 ct-status -q "$other"
	run -3 ct-status -q "$held"
	assert_equal "$(ls "$CT_SPOOL/held")" "$held"
	run -0 history "$held"
	assert_output "New: submitted by uid $(id -u) on $HOST"
	run -0 ct-release "$held"
	pass
	pass
	run -0 ct-fetch "$held"
	assert_output "$(blastxml q1 a)"
}

@test "a held job still fails at its deadline, with a reason that says it was held" {
	server a instant 1 | registry '<defaults deadline="30"/>'
	late=20200101-000000-000000-test-1-0
	mkjob -t "$(($(date +%s) - 40))" "$CT_SPOOL" "$late"
	mkdir -p "$CT_SPOOL/held"
	mv "$CT_SPOOL/new/$late" "$CT_SPOOL/held/$late"
	touch -d '40 seconds ago' "$CT_SPOOL/held/$late"
	fasta q1 "$PROTEIN"
	young=$(ct-submit -H q1.fa)
	pass
	run -1 ct-status -q "$late"
	run -0 history "$late"
	assert_line --index -1 "Failed: deadline passed while held (ct-hold); run it locally"
	run -3 ct-status -q "$young"
	assert_equal "$(ls "$CT_SPOOL/held")" "$young"
	[ ! -e "$CT_SPOOL/locks/$late" ]
}

@test "the deadline is the registry's, or the submitter's (-t) if sooner" {
	server a instant 1 'poll-interval="3600" max-jobs="100"' |
		registry '<defaults deadline="600"/>'
	fasta q1 "$PROTEIN"
	sooner=$(ct-submit -t 60 q1.fa)
	later=$(ct-submit -t 2h q1.fa)
	none=$(ct-submit q1.fa)
	pass
	deadline() {
		local f=$CT_SPOOL/processing/$1 d s
		d=$(sed -n 's/^deadline \([0-9]*\)\..*/\1/p' "$f")
		s=$(sed -n 's/^submitted \([0-9]*\)\..*/\1/p' "$f")
		echo $((d - s))
	}
	assert_equal "$(deadline "$sooner")" 60
	assert_equal "$(deadline "$later")" 600
	assert_equal "$(deadline "$none")" 600
}

@test "a New job waiting for room fails at the submitter's deadline" {
	server a instant 1 'poll-interval="3600" max-jobs="1"' |
		registry '<defaults deadline="600"/>'
	fasta q1 "$PROTEIN"
	first=$(ct-submit q1.fa)
	pass
	waits=$(ct-submit -t 1 q1.fa)
	pass
	run -3 ct-status -q "$waits"
	sleep 1.1
	pass
	run -0 history "$waits"
	assert_line --index -1 "Failed: deadline passed; run it locally"
	run -2 ct-status -q "$first"
}

@test "a held job whose ct-cancel died before failing it: the request stands, and the next pass fails it as cancelled" {
	server a instant 1 | registry
	fasta q1 "$PROTEIN"
	id=$(ct-submit -H q1.fa)
	mkdir -p "$CT_SPOOL/cancel"
	: >"$CT_SPOOL/cancel/$id"
	pass
	run -1 ct-status -q "$id"
	run -0 history "$id"
	assert_line --index -1 "Failed: cancelled by its owner"
	[ ! -e "$CT_SPOOL/cancel/$id" ]
	assert_equal "$(jobs_in held)" 0
}

@test "a root dispatcher never runs a wrapper as root: no such account, or root named, is 78 with nothing run; a spool the account cannot reach too" {
	[ "$(id -u)" -eq 0 ] || skip "a dispatcher that is not root runs wrappers as itself"
	fasta q1 "$PROTEIN"
	id=$(ct-submit q1.fa)
	server a spy 1 "" "marks=$MARKS" | registry '<defaults run-as="ct-nosuch-'$$'"/>'
	run -78 --separate-stderr ct-dispatch
	assert_equal "$stderr" "ct-dispatch: running as root, wrappers run as ct-nosuch-$$: account ct-nosuch-$$: no such account (make install makes it; or name another with run-as on the registry's defaults): nothing dispatched"
	server a spy 1 "" "marks=$MARKS" | registry '<defaults run-as="root"/>'
	run -78 --separate-stderr ct-dispatch
	assert_equal "$stderr" "ct-dispatch: running as root, wrappers run as root: account root is root, and a wrapper never runs as root: nothing dispatched"
	[ ! -e "$MARKS/submit.argv" ]
	assert_equal "$(ct-status -o state "$id")" "New"
	# A spool under a directory closed to the account: said, and the
	# directory named; nothing is opened up above the spool itself.
	mkdir -m 700 closed
	export CT_SPOOL=$BATS_TEST_TMPDIR/closed/spool
	ct-submit q1.fa >/dev/null
	server a spy 1 "" "marks=$MARKS" | registry
	run -78 --separate-stderr ct-dispatch
	assert_equal "$stderr" "ct-dispatch: cputorrent, who runs the wrappers, cannot reach $CT_SPOOL: $BATS_TEST_TMPDIR/closed is closed to it (owner 0, group 0, mode 0700): nothing dispatched"
	assert_equal "$(stat -c %a closed)" 700
	[ ! -e "$MARKS/submit.argv" ]
	# Opened to it, the spool works, its wrapper run as the account.
	chmod 711 closed
	run -0 ct-dispatch
	assert_equal "$(cut -d' ' -f1 "$MARKS/submit.user")" cputorrent
}
