#!/usr/bin/env bats
# The volunteer pool (issue 11): ct-serve, its protocol
# (cputorrent-volunteer(7)), the volunteer wrapper and ct-volunteer, with
# real BLAST+ on the demo's 45 globins, over loopback only.

load helper
load dispatch
load volunteer

setup_file() {
	make_globins_db
}

@test "a pool of volunteers completes real BLAST jobs from ct-submit and ct-dispatch" {
	serve a
	pool_registry "$a_URL"
	volunteer v1 "$a_URL"
	volunteer v2 "$a_URL" -j 2
	volunteer v3 "$a_URL"
	globins 6
	run -0 ct-submit -r -d globins45 -o evalue=1e-5 globins6.fa
	ids=("${lines[@]}")
	assert_equal "${#ids[@]}" 6
	dispatch_until_done "${ids[@]}"
	run -0 ct-wait -t 0 "${ids[@]}"

	# Each job's result is BLAST XML for its own query, found in the db.
	# (No loop variable i here: bats's run uses one of that name.)
	for id in "${ids[@]}"; do
		ct-fetch -o "$id.xml" "$id"
		run -0 xmllint --xpath 'string(//BlastOutput_query-def)' "$id.xml"
		name=${output%% *}
		grep -q "^>$name " globins6.fa
		echo "$name" >>names
		run -0 xmllint --xpath 'normalize-space((//Hit_def)[1])' "$id.xml"
		assert_output "$name"
		run -0 xmllint --xpath 'string(//Parameters_expect)' "$id.xml"
		assert_output 1e-05
		run -0 history "$id"
		assert_line 'Completed: completed by pool in N s'
	done
	assert_equal "$(sort -u names | wc -l)" 6
	# Every task done, each handed out once.
	assert_equal "$(tasks_in done)" 6
	assert_equal "$(tasks_in open)$(tasks_in leased)" 00
	for id in "${ids[@]}"; do
		assert_equal "$(leases_of "$id")" 1
	done
}

@test "more volunteers than tasks: one task, five volunteers, handed out once" {
	serve a
	pool_registry "$a_URL"
	for v in 1 2 3 4 5; do
		volunteer "v$v" "$a_URL"
	done
	fasta q "$PROTEIN"
	id=$(ct-submit -d globins45 q.fa)
	dispatch_until_done "$id"
	run -0 ct-wait -t 0 "$id"
	assert_equal "$(leases_of "$id")" 1
	assert_equal "$(tasks_in done)" 1
}

@test "a volunteer SIGKILLed mid-task: its task goes to another after the lease, and the job completes once" {
	serve a -L 3
	pool_registry "$a_URL"
	volunteer doomed "$a_URL" -c "$SLOW_BLAST"
	doomed=$VOL_PID
	one_job_leased
	kill_tree "$doomed"
	volunteer rescuer "$a_URL"
	dispatch_until_done "$id"
	run -0 ct-wait -t 0 "$id"
	assert_equal "$(leases_of "$id")" 2
	run -0 history "$id"
	assert_line 'Completed: completed by pool in N s'
	run -0 grep -c '^Completed' <(history "$id")
	assert_output 1
	run -0 xmllint --xpath 'string(//BlastOutput_query-def)' \
		<(ct-fetch "$id")
	assert_output q
}

@test "ct-serve SIGKILLed and restarted on its store: no task lost, its lease honoured" {
	serve a -L 30
	port=$(cat a.port)
	pool_registry "$a_URL"
	SLOW=3 volunteer v1 "$a_URL" -c "$SLOW_BLAST"
	globins 3
	run -0 ct-submit -r -d globins45 globins3.fa
	ids=("${lines[@]}")
	ct-dispatch 2>>dispatch.log
	wait_leased
	kill_tree "$SERVE_PID"
	assert_equal "$(tasks_in open)$(tasks_in leased)" 21
	leased=$(ls store/leased)
	# Restarted on the same port: the lease still holds, nothing is lost.
	serve a -L 30 -p "$port"
	run -0 curl -sf -H "Authorization: Bearer $CK" "$a_URL/v1/tasks/$leased"
	assert_output --partial '"state":"leased"'
	dispatch_until_done "${ids[@]}"
	run -0 ct-wait -t 0 "${ids[@]}"
	for id in "${ids[@]}"; do
		assert_equal "$(leases_of "$id")" 1
	done
}

@test "garbage, a huge body, a task not given, a stale token: refused, nothing lost" {
	serve a -R 1M
	submit_task "$a_URL" t1
	tok=$(register "$a_URL")
	other=$(register "$a_URL")
	stale=$(register "$a_URL")
	rm "store/volunteers/${stale%%.*}"

	run -0 call POST "$a_URL/v1/work" "$tok" -d 'this is not json'
	assert_output --regexp '^400 .*"error"'
	run -0 call POST "$a_URL/v1/work" "$tok" -d '{"services":"blastp"}'
	assert_output --regexp '^400 '
	head -c 2000000 /dev/zero | tr '\0' x >huge
	run -0 call POST "$a_URL/v1/work" "$tok" --data-binary @huge
	assert_output --regexp '^413 '
	# Chunked, with no length announced: read, dropped, refused.
	run -0 call POST "$a_URL/v1/work" "$tok" -H 'Transfer-Encoding: chunked' --data-binary @huge
	assert_output --regexp '^413 '
	# A stale token, a forged one, none at all, the dispatcher's.
	run -0 call POST "$a_URL/v1/work" "$stale" -d '{"services":["blastp"]}'
	assert_output --regexp '^401 .*register again'
	run -0 call POST "$a_URL/v1/work" "0123456789abcdef.0123456789abcdef0123456789abcdef" -d '{"services":["blastp"]}'
	assert_output --regexp '^401 '
	run -0 call POST "$a_URL/v1/work" "$CK" -d '{"services":["blastp"]}'
	assert_output --regexp '^401 '
	# A volunteer cannot submit, cancel or read results.
	run -0 call PUT "$a_URL/v1/tasks/x1" "$PK" -d '{}'
	assert_output --regexp '^401 '
	run -0 call DELETE "$a_URL/v1/tasks/t1" "$tok"
	assert_output --regexp '^401 '
	assert_equal "$(tasks_in open)" 1

	run -0 call POST "$a_URL/v1/work" "$tok" -d '{"services":["blastp"],"databases":["globins45"]}'
	assert_output --regexp '^200 .*"task":"t1"'
	lease=$(json lease <body)
	# Another volunteer, with the lease or without: not its task.
	run -0 call POST "$a_URL/v1/tasks/t1/result?lease=$lease" "$other" --data-binary 'x'
	assert_output --regexp '^403 '
	run -0 call POST "$a_URL/v1/tasks/t1/heartbeat" "$other" -d "{\"lease\":\"$lease\"}"
	assert_output --regexp '^403 '
	# Garbage as a result, a report for another query: not a result.
	run -0 call POST "$a_URL/v1/tasks/t1/result?lease=$lease" "$tok" --data-binary 'garbage'
	assert_output --regexp '^422 '
	blastp -query <(printf '>OTHER x\n%s\n' "$PROTEIN") -db "$DB" -outfmt 5 >other.xml
	run -0 call POST "$a_URL/v1/tasks/t1/result?lease=$lease" "$tok" --data-binary @other.xml
	assert_output --regexp "^422 .*for query 'OTHER'"
	# A result over the limit is refused before it is read.
	run -0 call POST "$a_URL/v1/tasks/t1/result?lease=$lease" "$tok" --data-binary @huge
	assert_output --regexp '^413 '
	assert_equal "$(tasks_in leased)" 1
	assert_equal "$(tasks_in done)" 0

	# The real result is taken; once again, harmless; the wrapper gets it.
	blastp -query <(printf '>HBB_HUMAN q\n%s\n' "$PROTEIN") -db "$DB" -outfmt 5 >good.xml
	run -0 call POST "$a_URL/v1/tasks/t1/result?lease=$lease" "$tok" --data-binary @good.xml
	assert_output --regexp '^200 .*"done"'
	run -0 call POST "$a_URL/v1/tasks/t1/result?lease=$lease" "$tok" --data-binary @good.xml
	assert_output --regexp '^200 '
	run -0 call GET "$a_URL/v1/tasks/t1/result" "$CK"
	assert_output --regexp '^200 <\?xml'
	cmp body good.xml
}

@test "a late result from an expired lease: taken while the task is open, refused once another has done it" {
	serve a -L 2
	two_leased "$a_URL"
	sleep 4		# both leases expire; the tasks are open again
	assert_equal "$(tasks_in open)" 2
	run -0 call POST "$a_URL/v1/tasks/$first/heartbeat" "$tok" -d "{\"lease\":\"$lease1\"}"
	assert_output --regexp '^409 '
	# The first, still open: the late result is taken.
	run -0 call POST "$a_URL/v1/tasks/$first/result?lease=$lease1" "$tok" --data-binary @good.xml
	assert_output --regexp '^200 '
	# The second goes to another, who finishes it; the late one is refused.
	run -0 call POST "$a_URL/v1/work" "$other" -d "$offer"
	assert_output --regexp "^200 .*\"task\":\"$second\""
	lease3=$(json lease <body)
	run -0 call POST "$a_URL/v1/tasks/$second/result?lease=$lease3" "$other" --data-binary @good.xml
	assert_output --regexp '^200 '
	run -0 call POST "$a_URL/v1/tasks/$second/result?lease=$lease2" "$tok" --data-binary @good.xml
	assert_output --regexp '^409 '
	assert_equal "$(tasks_in done)" 2
	# Cancelled: a result for it is gone.
	submit_task "$a_URL" t3
	call POST "$a_URL/v1/work" "$tok" -d "$offer" >/dev/null
	lease4=$(json lease <body)
	run -0 call DELETE "$a_URL/v1/tasks/t3" "$CK"
	assert_output --regexp '^200 '
	run -0 call POST "$a_URL/v1/tasks/t3/result?lease=$lease4" "$tok" --data-binary @good.xml
	assert_output --regexp '^410 '
}

@test "a result cut short by a crash between its append and its rename: not counted, the task done whole after; the result kept after its marker's lines" {
	serve a -L 2
	two_leased "$a_URL"
	# What a ct-serve killed after appending a completion to the marker,
	# before renaming it to done/, leaves: a done line, half a result.
	for t in "$first:$lease1" "$second:$lease2"; do
		{ printf 'done %s\n' "${t#*:}"; head -c 3000 good.xml; } \
			>>"store/leased/${t%%:*}"
	done
	# The first: still leased to its volunteer, who posts the result.
	run -0 call GET "$a_URL/v1/tasks/$first" "$CK"
	assert_output --partial '"state":"leased"'
	run -0 call POST "$a_URL/v1/tasks/$first/result?lease=$lease1" "$tok" --data-binary @good.xml
	assert_output --regexp '^200 '
	run -0 curl -sf -o got.xml -H "Authorization: Bearer $CK" "$a_URL/v1/tasks/$first/result"
	cmp got.xml good.xml
	# Its marker: the lease, the line of the lease that completed it, the
	# result whole after them.
	run -0 head -n 2 "store/done/$first"
	assert_line --index 0 --regexp "^$lease1 [0-9a-f]{16} [0-9]+\$"
	assert_line --index 1 "done $lease1"
	tail -n +3 "store/done/$first" | cmp - good.xml
	# The second: its lease expires, and it goes to another, the half
	# result cut off, who completes it.
	sleep 4
	run -0 call POST "$a_URL/v1/work" "$other" -d "$offer"
	assert_output --regexp "^200 .*\"task\":\"$second\""
	lease3=$(json lease <body)
	assert_equal "$(wc -l <"store/leased/$second")" 2
	assert_equal "$(grep -c '^done ' "store/leased/$second")" 0
	run -0 call POST "$a_URL/v1/tasks/$second/result?lease=$lease3" "$other" --data-binary @good.xml
	assert_output --regexp '^200 '
	assert_equal "$(sed -n 3p "store/done/$second")" "done $lease3"
	tail -n +4 "store/done/$second" | cmp - good.xml
	assert_equal "$(tasks_in done)$(tasks_in leased)$(tasks_in open)" 200
	[ ! -e store/results ]
}

@test "a repeated submit is the same task; status and cancel of an unknown one" {
	serve a
	submit_task "$a_URL" j.1
	run -0 call PUT "$a_URL/v1/tasks/j.1" "$CK" -d '{"service":"blastp","query":">x\nMKV\n"}'
	assert_output --regexp '^200 .*"existed":true'
	assert_equal "$(ls store/tasks)" j.1
	run -0 call GET "$a_URL/v1/tasks/nope.1" "$CK"
	assert_output --regexp '^404 '
	run -0 call GET "$a_URL/v1/tasks/..%2Fetc" "$CK"
	assert_output --regexp '^404 '
	run -0 call PUT "$a_URL/v1/tasks/k.1" "$CK" -d '{"service":"blastp;rm","query":">x\nMKV\n"}'
	assert_output --regexp '^400 '
	run -0 call PUT "$a_URL/v1/tasks/k.1" "$CK" -d '{"service":"blastp","query":">x","extra":1}'
	assert_output --regexp '^400 '
	assert_equal "$(ls store/tasks)" j.1
}

@test "two ct-serve processes on one store never hand a task out twice" {
	serve a
	serve b
	for t in $(seq 1 30); do
		submit_task "$a_URL" "t$t"
	done
	offer='{"services":["blastp"],"databases":["globins45"]}'
	for w in 1 2 3 4; do
		tok=$(register "$a_URL")
		(
			for ((n = 0; n < 25; n++)); do
				for url in "$a_URL" "$b_URL"; do
					curl -s -X POST -H "Authorization: Bearer $tok" \
						-d "$offer" "$url/v1/work"
					echo
				done
			done | sed -n 's/.*"task":"\([^"]*\)".*/\1/p' >"got.$w"
		) &
		PIDS+=($!)
	done
	wait "${PIDS[@]:2}"
	sort got.* | grep . >handed
	assert_equal "$(wc -l <handed)" 30
	assert_equal "$(sort -u handed | wc -l)" 30
	assert_equal "$(tasks_in leased)" 30
	for t in $(seq 1 30); do
		assert_equal "$(grep -c . "store/leased/t$t")" 1
	done
}

@test "ct-volunteer stopped by SIGTERM hands its task back at once" {
	serve a -L 300
	pool_registry "$a_URL"
	SLOW=60 volunteer v1 "$a_URL" -c "$SLOW_BLAST"
	v=$VOL_PID
	one_job_leased
	kill -TERM "$v"
	wait "$v"
	assert_equal "$(tasks_in open)$(tasks_in leased)" 10
	# Its slow BLAST is gone too.
	run pgrep -f "$BATS_TEST_TMPDIR/slowblast"
	assert_failure
}

@test "ct-cancel withdraws a job: its task is cancelled at ct-serve, and no volunteer gets it" {
	serve a
	pool_registry "$a_URL"
	fasta q "$PROTEIN"
	id=$(ct-submit -d globins45 q.fa)
	ct-dispatch 2>>dispatch.log
	assert_equal "$(tasks_in open)" 1
	ct-cancel "$id"
	dispatch_until_done "$id"
	run -1 ct-wait -t 0 "$id"
	assert_equal "$(ls store/cancelled)" "$id.1"
	tok=$(register "$a_URL")
	run -0 call POST "$a_URL/v1/work" "$tok" -d '{"services":["blastp"],"databases":["globins45"]}'
	assert_output --partial '"task":null'
}

@test "a wrong key in the registry: the pool refuses it, and the job says why" {
	serve a
	pool_registry "$a_URL"
	sed -i "s/$CK/not-the-dispatchers-key/" "$CT_CONFIG"
	fasta q "$PROTEIN"
	id=$(ct-submit -d globins45 q.fa)
	dispatch_until_done "$id"
	run -1 ct-wait -t 0 "$id"
	run -0 history "$id"
	assert_output --partial "the dispatcher's credential is needed"
	assert_equal "$(ls store/tasks)" ""
}

@test "over HTTPS: the wrapper and the volunteer verify ct-serve's certificate, and a job completes" {
	command -v openssl >/dev/null || skip "openssl is missing"
	openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem \
		-days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
		2>/dev/null
	serve a -c cert.pem -C key.pem
	url=https://127.0.0.1:$(cat a.port)
	run -0 curl -s --cacert cert.pem "$url/v1/ping"
	assert_output --partial '"ct-serve"'
	# Not verified against the system's CAs, and no plain HTTP there.
	run curl -s "$url/v1/ping"
	assert_failure
	run curl -s "http://127.0.0.1:$(cat a.port)/v1/ping"
	refute_output --partial '"ct-serve"'
	pool_registry "$url" "<parameter name=\"cafile\">$PWD/cert.pem</parameter>"
	volunteer v1 "$url" -A "$PWD/cert.pem"
	fasta q "$PROTEIN"
	id=$(ct-submit -d globins45 q.fa)
	dispatch_until_done "$id"
	run -0 ct-wait -t 0 "$id"
	run -0 xmllint --xpath 'string(//BlastOutput_query-def)' <(ct-fetch "$id")
	assert_output q
}

@test "ct-serve SIGKILLed at random instants while it hands tasks out and takes results: each task in one state, all done once" {
	blastp -query <(printf '>HBB_HUMAN q\n%s\n' "$PROTEIN") -db "$DB" -outfmt 5 >good.xml
	serve a -L 5
	for t in $(seq 1 20); do
		submit_task "$a_URL" "t$t"
	done
	# A task of a few tenths of a second: hand-outs and results all along.
	slowcopy
	for v in 1 2 3; do
		volunteer "v$v" "$a_URL" -c "$PWD/slowcopy $PWD/good.xml {output}"
	done
	kill_serve_around 20 -L 5
	wait_done 20
	assert_equal "$(tasks_in done)" 20
	for t in $(seq 1 20); do
		run -0 call GET "$a_URL/v1/tasks/t$t/result" "$CK"
		cmp body good.xml
	done
}

@test "a volunteer over its rate is told to wait (429), another is not held back" {
	serve a -r 1
	tok=$(register "$a_URL")
	other=$(register "$a_URL")
	offer='{"services":["blastp"]}'
	# Each answer's status, headers and body: on a loaded machine a
	# second may pass between two requests, and refill the bucket.
	for n in $(seq 1 30); do
		curl -s -D - -X POST -H "Authorization: Bearer $tok" \
			-d "$offer" "$a_URL/v1/work"
		echo
	done | tr -d '\r' >answers
	grep -q '^HTTP/1.1 429' answers
	grep -q '^HTTP/1.1 200' answers
	grep -q '^Retry-After: 1$' answers
	grep -q '"error":"too many requests"' answers
	run -0 call POST "$a_URL/v1/work" "$other" -d "$offer"
	assert_output --regexp '^200 '
}

@test "the example registry of a volunteer pool is valid" {
	run -0 ct-providers -c "$BATS_TEST_DIRNAME/../share/providers.volunteer.xml" check
	assert_output --partial 'ok, 1 server'
}

@test "a volunteer in a network namespace of its own, reaching ct-serve and reachable by nothing, completes a job" {
	[ "$(id -u)" = 0 ] && command -v ip >/dev/null || skip "needs root and ip(8)"
	ns=ctv$$
	a=v$$a b=v$$b
	net=10.$((RANDOM % 200 + 20)).$((RANDOM % 250)).
	ip netns add "$ns" || skip "network namespaces are not allowed here"
	NETNS=$ns VETH=$a
	ip link add "$a" type veth peer name "$b"
	ip link set "$b" netns "$ns"
	ip addr add "${net}1/30" dev "$a"
	ip link set "$a" up
	ip netns exec "$ns" ip addr add "${net}2/30" dev "$b"
	ip netns exec "$ns" ip link set "$b" up
	ip netns exec "$ns" ip link set lo up

	serve a -a "${net}1"
	url=http://${net}1:$(cat a.port)
	pool_registry "$url"
	ip netns exec "$ns" ct-volunteer -K pk -u "$url" -w "$BATS_TEST_TMPDIR/inside" \
		-d "globins45=$DB" -c "$BLAST" 2>>inside.err &
	PIDS+=($!)
	fasta q "$PROTEIN"
	id=$(ct-submit -d globins45 q.fa)
	dispatch_until_done "$id"
	run -0 ct-wait -t 0 "$id"
	# The volunteer listens on nothing: there is nothing to reach.
	run -0 ip netns exec "$ns" ss -Hltnu
	assert_output ''
	# And from the namespace, only ct-serve's side of the link is there.
	run -0 ip netns exec "$ns" ip -4 route show
	refute_output --partial default
}

@test "tasks are handed out oldest first, across a restart too, whatever their names" {
	serve a
	port=$(cat a.port)
	for t in f e d; do
		submit_task "$a_URL" "$t"
		sleep 0.05
	done
	# Restarted: the index is made again from the records' times.
	kill_tree "$SERVE_PID"
	serve a -p "$port"
	for t in c b a; do
		submit_task "$a_URL" "$t"
		sleep 0.05
	done
	tok=$(register "$a_URL")
	for n in 1 2 3 4 5 6; do
		call POST "$a_URL/v1/work" "$tok" -d '{"services":["blastp"],"databases":["globins45"]}' >/dev/null
		json task <body
	done >order
	assert_equal "$(tr '\n' ' ' <order)" "f e d c b a "
}

@test "a task goes once its result was fetched (-G) or once it ended long enough ago (-T), with its lock; the store keeps nothing else" {
	blastp -query <(printf '>HBB_HUMAN q\n%s\n' "$PROTEIN") -db "$DB" -outfmt 5 >good.xml
	serve a -G 1 -T 6
	for t in t1 t2 t3 t4; do
		submit_task "$a_URL" "$t"
	done
	tok=$(register "$a_URL")
	offer='{"services":["blastp"],"databases":["globins45"]}'
	for t in t1 t2; do
		call POST "$a_URL/v1/work" "$tok" -d "$offer" >/dev/null
		got=$(json task <body) lease=$(json lease <body)
		run -0 call POST "$a_URL/v1/tasks/$got/result?lease=$lease" "$tok" --data-binary @good.xml
		assert_output --regexp '^200 '
		echo "$got" >>done
	done
	fetched=$(head -1 done) kept=$(tail -1 done)
	run -0 call GET "$a_URL/v1/tasks/$fetched/result" "$CK"
	assert_output --regexp '^200 '
	run -0 call DELETE "$a_URL/v1/tasks/t4" "$CK"
	sleep 3.5
	# The fetched one is gone, whole; the others are not, yet.
	run -0 call GET "$a_URL/v1/tasks/$fetched" "$CK"
	assert_output --regexp '^404 '
	run -0 find store -name "$fetched"
	assert_output ''
	run -0 call GET "$a_URL/v1/tasks/$kept" "$CK"
	assert_output --regexp '^200 .*"done"'
	run -0 call GET "$a_URL/v1/tasks/t4" "$CK"
	assert_output --regexp '^200 .*"cancelled"'
	sleep 5
	# After -T: done and cancelled alike; the open one stays.
	run -0 call GET "$a_URL/v1/tasks/$kept" "$CK"
	assert_output --regexp '^404 '
	run -0 call GET "$a_URL/v1/tasks/t4" "$CK"
	assert_output --regexp '^404 '
	open=$(ls store/open)
	assert_equal "$(ls store/tasks)" "$open"
	assert_equal "$(ls store/locks | grep -v "^$open\$" | wc -l)" 0
	assert_equal "$(find store/done store/cancelled store/fetched store/leased -type f | wc -l)" 0
}

@test "a volunteer's token expires after -E seconds unused, and one in use does not" {
	serve a -E 3
	idle=$(register "$a_URL")
	busy=$(register "$a_URL")
	offer='{"services":["blastp"]}'
	for n in 1 2 3 4 5 6; do
		run -0 call POST "$a_URL/v1/work" "$busy" -d "$offer"
		assert_output --regexp '^200 '
		sleep 1
	done
	run -0 call POST "$a_URL/v1/work" "$idle" -d "$offer"
	assert_output --regexp '^401 .*register again'
	run -0 call POST "$a_URL/v1/work" "$busy" -d "$offer"
	assert_output --regexp '^200 '
	# The expired one's file is removed from the store.
	sleep 2
	[ ! -e "store/volunteers/${idle%%.*}" ]
	[ -e "store/volunteers/${busy%%.*}" ]
}

@test "ct-volunteer: a command whose program is not found is a usage error that names -c" {
	echo "$PK" >pk
	run -64 ct-volunteer -K pk -u http://127.0.0.1:1 -w "$BATS_TEST_TMPDIR/w" \
		-c 'no-such-blastp -query {input}'
	assert_output --partial 'ct-volunteer: -c: no-such-blastp: no executable of that name in PATH'
	refute_output --partial 'parameter command'
	[ ! -e w ]
}
