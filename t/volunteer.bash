# volunteer.bash: what the volunteer pool's tests share (t/6000, t/6100):
# keys, a ct-serve and ct-volunteers started and killed with the test,
# the pool as the registry's only server, and calls of the protocol by
# hand. The file's setup_file makes $BATS_FILE_TMPDIR/globins45 with
# make_globins_db.

# make_globins_db: the demo's 45 globins as the BLAST database
# $BATS_FILE_TMPDIR/globins45 (skip the file without BLAST+).
make_globins_db() {
	command -v makeblastdb >/dev/null || skip "BLAST+ is missing (ncbi-blast+)"
	makeblastdb -in "$BATS_TEST_DIRNAME/../share/demo/globins45.fa" \
		-dbtype prot -out "$BATS_FILE_TMPDIR/globins45" >/dev/null
}

CK=clientkey-0123456789abcdef
PK=poolkey-0123456789abcdef
BLAST='blastp -query {input} -db {database} -outfmt 5 -out {output}'

local_setup() {
	command -v blastp >/dev/null || skip "BLAST+ is missing (ncbi-blast+)"
	no_leak_check	# servers and volunteers are killed, not stopped
	echo "$CK" >ck
	echo "$PK" >pk
	PIDS=()
	DB="$BATS_FILE_TMPDIR/globins45"
	# A slow BLAST, for a task that must still be running when killed.
	printf '#!/bin/sh\nsleep "${SLOW:-20}"\nexec blastp "$@"\n' >slowblast
	chmod +x slowblast
	SLOW_BLAST="$BATS_TEST_TMPDIR/slowblast ${BLAST#blastp }"
	export CT_WRAPPER_DIR="$CT_BUILD/providers"
	export CT_CONFIG="$BATS_TEST_TMPDIR/providers.xml"
}

# kill_tree PID: kill PID and its children's process groups (a
# volunteer's tasks run in process groups of their own), and reap it, so
# that the shell reports no "Killed" job in the TAP output.
kill_tree() {
	local c
	for c in $(pgrep -P "$1"); do
		kill -KILL -- "-$c" 2>/dev/null || true
	done
	# The shell may tell of the job's end as it runs the next command:
	# that too goes nowhere.
	{
		kill -KILL "$1" || true
		wait "$1" || true
		true
	} 2>/dev/null
}

local_teardown() {
	local p
	for p in "${PIDS[@]}"; do
		kill_tree "$p"
	done
	if [ -n "${NETNS:-}" ]; then
		ip link del "$VETH" 2>/dev/null || true
		ip netns del "$NETNS" 2>/dev/null || true
	fi
}

# serve NAME [OPTION...]: start a ct-serve on the store "store", its port
# in NAME.port once it listens; $SERVE_PID is its PID.
serve() {
	local name=$1 n
	shift
	rm -f "$name.port"
	ct-serve -D store -k ck -K pk -P "$name.port" -p 0 "$@" 2>>"$name.err" &
	SERVE_PID=$!
	PIDS+=("$SERVE_PID")
	for ((n = 0; n < 100; n++)); do
		[ -s "$name.port" ] && break
		sleep 0.1
	done
	[ -s "$name.port" ] || { cat "$name.err"; return 1; }
	eval "${name}_URL=http://127.0.0.1:$(cat "$name.port")"
}

# volunteer NAME URL [OPTION...]: start a ct-volunteer offering blastp on
# the globins; $VOL_PID is its PID.
volunteer() {
	local name=$1 url=$2
	shift 2
	ct-volunteer -K pk -u "$url" -w "$BATS_TEST_TMPDIR/$name" \
		-d "globins45=$DB" -o evalue -c "$BLAST" "$@" 2>>"$name.err" &
	VOL_PID=$!
	PIDS+=("$VOL_PID")
}

# pool_registry URL [PARAMETER-XML]: the volunteer pool as the only server,
# for service $POOL_SERVICE (default blastp).
pool_registry() {
	registry '<defaults deadline="300"/>' <<XML
<server id="pool" name="volunteers">
  <limits max-jobs="100" attempt-timeout="200" poll-interval="0"/>
  <service name="${POOL_SERVICE:-blastp}" weight="1"/>
  <parameters>
    <parameter name="classname">volunteer</parameter>
    <parameter name="url">$1</parameter>
    <parameter name="key" secret="true">$CK</parameter>
    ${2:-}
  </parameters>
</server>
XML
}

# dispatch_until_done ID...: dispatch passes until every job is finished
# (at most two minutes).
dispatch_until_done() {
	local n
	for ((n = 0; n < 600; n++)); do
		ct-wait -q -t 0 "$@" && return 0
		[ $? -eq 1 ] && return 0
		ct-dispatch 2>>dispatch.log
		sleep 0.2
	done
	return 1
}

# json KEY: the value of KEY in the JSON object on stdin.
json() {
	python3 -c 'import json,sys; v=json.load(sys.stdin).get(sys.argv[1]); print("" if v is None else v)' "$1"
}

# call METHOD URL TOKEN [CURL-ARGS...]: "STATUS BODY" of one request.
call() {
	local method=$1 url=$2 token=$3
	shift 3
	curl -s -o body -w '%{http_code}' -X "$method" \
		-H "Authorization: Bearer $token" "$@" "$url"
	printf ' '
	cat body
}

# register URL: a new volunteer's token.
register() {
	curl -sf -X POST -H "Authorization: Bearer $PK" -d '{"name":"t"}' \
		"$1/v1/volunteers" | json token
}

# submit_task URL ID [QUERY-NAME]: put a task in, as the wrapper does.
submit_task() {
	curl -sf -X PUT -H "Authorization: Bearer $CK" \
		-d "{\"service\":\"blastp\",\"database\":\"globins45\",\"query\":\">${3:-HBB_HUMAN} q\\n$PROTEIN\\n\"}" \
		"$1/v1/tasks/$2" >/dev/null
}

# globins N: a FASTA file of the first N globins of the demo's database.
globins() {
	awk -v n="$1" '/^>/ { k++ } k <= n' \
		"$BATS_TEST_DIRNAME/../share/demo/globins45.fa" >"globins$1.fa"
}

# tasks_in STATE: how many tasks the store has in that state.
tasks_in() {
	find "store/$1" -maxdepth 1 -type f | wc -l
}

# wait_leased: until a task is leased (at most ten seconds).
wait_leased() {
	local n
	for ((n = 0; n < 100; n++)); do
		[ "$(tasks_in leased)" = 1 ] && return 0
		sleep 0.1
	done
	return 1
}

# one_job_leased: submit and dispatch a job; its ID in $id once its task
# is leased.
one_job_leased() {
	fasta q "$PROTEIN"
	id=$(ct-submit -d globins45 q.fa)
	ct-dispatch 2>>dispatch.log
	wait_leased
}

# leases_of JOBID: how many leases the job's first attempt's task was given
# (the lines of its marker, whatever its state).
leases_of() {
	cat store/{open,leased,done,cancelled}/"$1.1" 2>/dev/null |
		grep -c '^[0-9a-f]\{32\} '
}

# two_leased URL: tasks t1 and t2 put in and both leased to a new volunteer
# $tok, as $first $lease1 and $second $lease2; $other another volunteer,
# $offer what both offer, good.xml a right result for either.
two_leased() {
	submit_task "$1" t1
	submit_task "$1" t2
	tok=$(register "$1")
	other=$(register "$1")
	blastp -query <(printf '>HBB_HUMAN q\n%s\n' "$PROTEIN") -db "$DB" \
		-outfmt 5 >good.xml
	offer='{"services":["blastp"],"databases":["globins45"]}'
	call POST "$1/v1/work" "$tok" -d "$offer" >/dev/null
	first=$(json task <body) lease1=$(json lease <body)
	call POST "$1/v1/work" "$tok" -d "$offer" >/dev/null
	second=$(json task <body) lease2=$(json lease <body)
}

# kill_serve_around TASKS ARGS...: ten times, at random instants, SIGKILL
# ct-serve (serve a ... -p its port), check that each task t1..tTASKS is
# in one state at most one of open/ and leased/, and start it again on
# the same port with ARGS.
kill_serve_around() {
	local tasks=$1 k t n port
	shift
	port=$(cat a.port)
	for k in 1 2 3 4 5 6 7 8 9 10; do
		sleep "0.$((RANDOM % 10))"
		kill_tree "$SERVE_PID"
		for t in $(seq 1 "$tasks"); do
			n=$(ls store/open/t$t store/leased/t$t 2>/dev/null | wc -l)
			[ "$n" -le 1 ] || fail "t$t is both open and leased"
			n=$(ls store/{open,leased,done,failed,cancelled}/t$t 2>/dev/null | wc -l)
			[ "$n" -ge 1 ] || fail "t$t has no state"
		done
		serve a "$@" -p "$port"
	done
}

# wait_done N: until the store has N tasks done (at most 90 seconds).
wait_done() {
	local n
	for ((n = 0; n < 900; n++)); do
		[ "$(tasks_in done)" = "$1" ] && return 0
		sleep 0.1
	done
}

# slowcopy: ./slowcopy FROM TO copies after a few tenths of a second, a
# volunteer's command for tasks that hand out and post results all along.
slowcopy() {
	printf '#!/bin/bash\nsleep 0.$((RANDOM %% 5))\nexec cp "$1" "$2"\n' >slowcopy
	chmod +x slowcopy
}
