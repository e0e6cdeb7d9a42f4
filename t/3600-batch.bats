#!/usr/bin/env bats
# Batch calls (ct-wrapper(7), Batches): New jobs that one search could
# serve go to the local wrapper in one submit-batch, which runs one real
# blastp over all their queries and gives each job its own part of the
# report. One bad query fails only its own job; a batch that fails as a
# whole is run as single jobs; a wrapper without batches gets each job
# alone; one job of a batch is cancelled alone; a dispatcher killed in
# the middle of a batch call leaves every job to be completed once.

load helper
load blast

local_setup() {
	command -v blastp >/dev/null || skip "BLAST+ is missing (ncbi-blast+)"
	export CT_WRAPPER_DIR="$CT_BUILD/providers"
	export CT_CONFIG="$BATS_TEST_TMPDIR/providers.xml"
	MARKS="$BATS_TEST_TMPDIR/marks"
	# Written by blastp-runs, which runs as whoever the wrappers run as.
	mkdir -p -m 1777 "$MARKS"
	registry local
	# Four globins of the database, as four jobs' queries.
	awk '/^>/ { n++ } n >= 1 && n <= 4' \
		"$BATS_TEST_DIRNAME/../share/demo/globins45.fa" >four.fa
}

# registry CLASSNAME [NAME=VALUE...]: one server, "here", that takes
# blastp jobs in batches of up to 10, with no wait; its command is
# blastp-runs (t/wrappers), which notes each run in $MARKS/runs.
registry() {
	local classname=$1 p
	shift
	{
		cat <<XML
<?xml version="1.0"?>
<registry version="1">
  <defaults deadline="300"/>
  <server id="here" name="BLAST+ on this host">
    <limits max-jobs="20" attempt-timeout="120" poll-interval="0"/>
    <batch max-queries="${BATCH_QUERIES:-10}" max-residues="${BATCH_RESIDUES:-100000}" wait="${BATCH_WAIT:-0}"/>
    <service name="blastp" weight="1"/>
    <parameters>
      <parameter name="classname">$classname</parameter>
      <parameter name="command">$T/wrappers/blastp-runs -query {input} -db {database} -outfmt 5 -out {output}</parameter>
      <parameter name="database.globins45">$BATS_FILE_TMPDIR/globins45</parameter>
      <parameter name="threads">2</parameter>
      <parameter name="marks">$MARKS</parameter>
XML
		for p; do
			printf '      <parameter name="%s">%s</parameter>\n' \
				"${p%%=*}" "${p#*=}"
		done
		printf '    </parameters>\n  </server>\n</registry>\n'
	} >"$CT_CONFIG"
}

@test "four jobs, one batch: one blastp over the four queries, each job its own report" {
	run -0 ct-submit -r -d globins45 four.fa
	ids=("${lines[@]}")
	assert_equal "${#ids[@]}" 4
	dispatch_until_done "${ids[@]}"
	run -0 ct-wait -t 0 "${ids[@]}"
	# One run of blastp, of four queries.
	run cat "$MARKS/runs"
	assert_output 4
	defs=()
	for id in "${ids[@]}"; do
		assert_own_result "$id"
		defs+=("$def")
		run -0 ct-status -l "$id"
		assert_line --regexp '^  .*  Processing  sent to here in a batch of 4 \(handle [0-9a-f]{32}\)$'
	done
	# Each its own query, in the order submitted.
	assert_equal "${defs[*]}" "MYG_ESCGI MYG_HORSE MYG_PROGU MYG_SAISC"
	run find "$CT_SPOOL/locks" "$CT_SPOOL/work" -mindepth 1
	assert_output ""
}

@test "a query blastp refuses: the batch is run again as single jobs, and only that job fails" {
	printf '>broken\nM-------\n' >>four.fa
	run -0 ct-submit -r -d globins45 four.fa
	ids=("${lines[@]}")
	dispatch_until_done "${ids[@]}"
	# The batch of five failed whole; then each query alone.
	run cat "$MARKS/runs"
	assert_output "$(printf '5\n1\n1\n1\n1\n1')"
	for id in "${ids[@]:0:4}"; do
		assert_own_result "$id"
	done
	run -1 ct-wait -t 0 "${ids[4]}"
	run -1 ct-status -l "${ids[4]}"
	assert_line --partial "here failed it: command exited with status 1: BLAST query error"
}

@test "without its report splitter, a batch still completes: each job is run alone" {
	run -0 ct-submit -r -d globins45 four.fa
	ids=("${lines[@]}")
	CT_LIBEXEC_DIR=$PWD/nosuch dispatch_until_done "${ids[@]}"
	run cat "$MARKS/runs"
	assert_output "$(printf '4\n1\n1\n1\n1')"
	for id in "${ids[@]}"; do
		assert_own_result "$id"
	done
}

# split_parts FILE: reportsplit's answer in FILE written out as part.1,
# part.2, ..., each part its length's line, then that many bytes.
split_parts() {
	python3 - "$1" <<'PY'
import sys
d = open(sys.argv[1], 'rb').read()
p = k = 0
while p < len(d):
    nl = d.index(b'\n', p)
    n = int(d[p:nl])
    k += 1
    open('part.%d' % k, 'wb').write(d[nl + 1:nl + 1 + n])
    p = nl + 1 + n
PY
}

@test "reportsplit: a real report of four queries split in four, each part what blastp gives for its query alone" {
	db=$BATS_FILE_TMPDIR/globins45
	blastp -query four.fa -db "$db" -outfmt 5 -out all.xml
	{ echo 4; sed -n 's/^>\([^ ]*\).*/\1/p' four.fa; cat all.xml; } |
		"$CT_LIBEXEC_DIR/reportsplit" >answer
	split_parts answer
	for k in 1 2 3 4; do
		awk -v k=$k '/^>/ { n++ } n == k' four.fa >alone.fa
		blastp -query alone.fa -db "$db" -outfmt 5 -out alone.xml
		cmp <(xmllint --nonet --c14n alone.xml 2>/dev/null) \
			<(xmllint --nonet --c14n part.$k 2>/dev/null)
	done
	[ ! -e part.5 ]
	# A query the report has nothing for: an empty part, in its place.
	rm part.*
	{ echo 3; echo MYG_ESCGI; echo nosuch; echo MYG_PROGU; cat all.xml; } |
		"$CT_LIBEXEC_DIR/reportsplit" >answer
	split_parts answer
	[ -s part.1 ] && [ ! -s part.2 ] && [ -s part.3 ] && [ ! -e part.4 ]
	run -0 xmllint --xpath 'normalize-space(//Iteration_query-def)' part.3
	assert_output MYG_PROGU
}

@test "reportsplit: a report that is none, declares entities, or is cut short is refused, exit 65, and nothing is written" {
	rs=$CT_LIBEXEC_DIR/reportsplit
	blastp -query four.fa -db "$BATS_FILE_TMPDIR/globins45" -outfmt 5 -out all.xml
	printf '1\nq\nBLAST query error\n' >none
	sed '2a <!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>' all.xml |
		{ echo 1; echo MYG_ESCGI; cat; } >entities
	{ echo 4; echo MYG_ESCGI; } >short
	{ echo four; echo MYG_ESCGI; cat all.xml; } >nocount
	for f in none entities short nocount; do
		run -65 --separate-stderr "$rs" <$f
		assert_equal "$output" ""
		assert_equal "${#stderr_lines[@]}" 1
	done
	assert_equal "$stderr" "reportsplit: the input does not begin with the number of queries"
	run -65 --separate-stderr "$rs" <none
	assert_equal "$stderr" "reportsplit: the report cannot be split: not a BLAST XML report of iterations"
	run -65 --separate-stderr "$rs" <short
	assert_equal "$stderr" "reportsplit: the input has 1 of its 4 queries' identifiers"
	run -64 "$rs" extra </dev/null
}

@test "a wrapper without submit-batch: each job is submitted alone, and completes" {
	mkdir wd
	cp "$BATS_TEST_DIRNAME/../share/examples/bgblast" wd/
	export CT_WRAPPER_DIR=$PWD/wd
	registry bgblast "db=$BATS_FILE_TMPDIR/globins45"
	run -0 ct-submit -r four.fa
	ids=("${lines[@]}")
	dispatch_until_done "${ids[@]}"
	run -0 ct-wait -t 0 "${ids[@]}"
	for id in "${ids[@]}"; do
		assert_own_result "$id"
		run -0 ct-status -l "$id"
		assert_line --regexp 'not started by a batch of 4 at here: bgblast submit-batch exit 64: .*; submitted alone$'
	done
}

@test "one job of a batch cancelled: it alone is withdrawn, the others complete from the same run" {
	registry local DELAY=3
	run -0 ct-submit -r -d globins45 four.fa
	ids=("${lines[@]}")
	ct-dispatch
	run -2 ct-status -l "${ids[1]}"
	assert_line --partial "sent to here in a batch of 4"
	run -0 ct-cancel "${ids[1]}"
	dispatch_until_done "${ids[@]}"
	run -1 ct-wait -t 0 "${ids[1]}"
	run -1 ct-status -l "${ids[1]}"
	assert_line --partial "cancelled by its owner"
	for id in "${ids[0]}" "${ids[2]}" "${ids[3]}"; do
		assert_own_result "$id"
	done
	# The run went on for the others, and nothing was run again.
	run cat "$MARKS/runs"
	assert_output 4
}

# killed_in_batch: the four jobs (their IDs in ids) given to slow-batch
# in one call, and the dispatcher SIGKILLed during it; the call runs on.
killed_in_batch() {
	mkdir wd
	cp "$BATS_TEST_DIRNAME/wrappers/slow-batch" wd/
	export CT_WRAPPER_DIR=$PWD/wd
	registry slow-batch "local=$CT_BUILD/providers/local" BATCH_DELAY=2
	run -0 ct-submit -r -d globins45 four.fa
	ids=("${lines[@]}")
	ct-dispatch &
	pid=$!
	for ((n = 0; n < 100; n++)); do
		[ -e "$MARKS/in-batch" ] && break
		sleep 0.05
	done
	[ -e "$MARKS/in-batch" ]
	kill -KILL "$pid"
	wait "$pid" || true
}

@test "kill -9 of the dispatcher during a batch call: no other pass calls for its jobs until it is over, then each completes once" {
	no_leak_check
	killed_in_batch
	# The call runs on, fenced to every job's lock: a pass now leaves
	# them all alone.
	ct-dispatch
	[ ! -e "$MARKS/runs" ]
	for id in "${ids[@]}"; do
		run -2 ct-status -q "$id"
	done
	dispatch_until_done "${ids[@]}"
	run -0 ct-wait -t 0 "${ids[@]}"
	# One blastp over the four queries, and no other.
	run cat "$MARKS/runs"
	assert_output 4
	for id in "${ids[@]}"; do
		assert_own_result "$id"
		run -0 ct-status -l "$id"
		assert_line --partial "asking again under the same attempt"
		run grep -c 'completed by here' <<<"$output"
		assert_output 1
	done
}

@test "kill -9 during a batch call: the batch's intents are in one file, not in the jobs' records, until the call is over; the next pass takes them, and asks again where they went" {
	no_leak_check
	killed_in_batch
	# One file for the four, named by the first; no record says where.
	run -0 ls "$CT_SPOOL/state/intents"
	assert_output "${ids[0]}"
	run -0 grep -c '^job ' "$CT_SPOOL/state/intents/${ids[0]}"
	assert_output 4
	for id in "${ids[@]}"; do
		run -1 grep '^provider' "$CT_SPOOL/processing/$id"
	done
	dispatch_until_done "${ids[@]}"
	run -0 ct-wait -t 0 "${ids[@]}"
	run -0 ls -A "$CT_SPOOL/state/intents"
	assert_output ""
	for id in "${ids[@]}"; do
		assert_own_result "$id"
		run -0 ct-status -l "$id"
		assert_line --partial "attempt 1: the intent to submit it to here in a batch outlived the dispatcher that made it; taken as its record"
		assert_line --partial "attempt 1: what became of its submit to here was never recorded"
		refute_line --partial "attempt 2"
	done
}

# two_servers: the registry's one server twice, "here" and "there", each
# through batch-log, which notes where each attempt of each job goes.
two_servers() {
	registry batch-log "local=$CT_BUILD/providers/local"
	awk '/<server / { s = 1 } s { b = b $0 "\n" } { print }
		/<\/server>/ { s = 0; t = b; sub(/id="here"/, "id=\"there\"", t)
			printf "%s", t; b = "" }' "$CT_CONFIG" >"$CT_CONFIG.2"
	mv "$CT_CONFIG.2" "$CT_CONFIG"
}

# kill_sweep CHECK: a pass over the spool as it is now, on a copy of it,
# killed at each of its spool calls in turn (fsync, rename, unlink, mkdir),
# each kill on a copy of its own; after each, the jobs in ids are
# dispatched until done, and each must be Completed once, with its own
# report. CHECK is called as "CHECK before CALL" before each kill and
# "CHECK after CALL" after, for what else must hold.
kill_sweep() {
	local check=$1 base=$BATS_TEST_TMPDIR/base log=$BATS_TEST_TMPDIR/trial k=0 c
	cp -a "$CT_SPOOL" "$base"
	# The calls of a trial pass on a copy: "SYSCALL N", N as strace's when=.
	CT_SPOOL=$BATS_TEST_TMPDIR/trial.spool
	cp -a "$base" "$CT_SPOOL"
	strace -qq -y -o "$log" -e trace=fsync,rename,renameat,renameat2,unlinkat,mkdirat \
		ct-dispatch 2>/dev/null
	mapfile -t list < <(awk -v sp="$CT_SPOOL/" '
		{ name = $1; sub(/\(.*/, "", name); n[name]++ }
		index($0, sp) { print name, n[name] }' "$log")
	[ "${#list[@]}" -ge 10 ] || fail "only ${#list[@]} calls found"
	for c in "${list[@]}"; do
		k=$((k + 1))
		CT_SPOOL=$BATS_TEST_TMPDIR/case.$k
		cp -a "$base" "$CT_SPOOL"
		"$check" before "$c"
		strace -qq -o /dev/null -e trace="${c% *}" \
			-e inject="${c% *}:signal=KILL:when=${c#* }" ct-dispatch 2>/dev/null || true
		dispatch_until_done "${ids[@]}" 2>/dev/null || fail "$c: not done"
		run -0 ct-wait -t 0 "${ids[@]}"
		for id in "${ids[@]}"; do
			assert_own_result "$id"
			run -0 ct-status -l "$id"
			[ "$(grep -c '  Completed  ' <<<"$output")" = 1 ] || fail "$c: $id: $output"
		done
		"$check" after "$c"
	done
	echo "# ${#list[@]} kills" >&3
}

@test "kill -9 sweep: a batched pass killed at each of its spool calls in turn; then each job completes once, with its own report, no attempt at two servers" {
	no_leak_check
	need_strace
	mkdir wd
	cp "$BATS_TEST_DIRNAME/wrappers/batch-log" wd/
	export CT_WRAPPER_DIR=$PWD/wd
	two_servers
	run -0 ct-providers show there
	run -0 ct-submit -r -d globins45 four.fa
	ids=("${lines[@]}")
	kill_sweep one_server_each
}

# Before each case of the sweep above: no submit noted; after: each attempt
# of each job at one server, and no intents left.
one_server_each() {
	if [ "$1" = before ]; then
		: >"$MARKS/submits"
		return
	fi
	run awk '{ k = $2 " " $3 } !(k in s) { s[k] = $1 } s[k] != $1 { print "two:", $0 }' \
		"$MARKS/submits"
	[ -z "$output" ] || fail "$2: $output: $(cat "$MARKS/submits")"
	[ -z "$(ls -A "$CT_SPOOL/state/intents" 2>/dev/null)" ] || fail "$2: intents left"
}

# batch_done [FASTA]: the jobs of FASTA (four.fa), in ids, sent to "here"
# in one batch call; returns once its blastp has answered for each (each
# run's status).
batch_done() {
	run -0 ct-submit -r -d globins45 "${1:-four.fa}"
	ids=("${lines[@]}")
	ct-dispatch
	for ((n = 0; n < 300; n++)); do
		[ "$(find "$CT_SPOOL/work" -name status | wc -l)" -eq "${#ids[@]}" ] &&
			return
		sleep 0.1
	done
	fail "the batch's runs did not end"
}

@test "the pass that collects a batch's results shares its fsyncs: two a job, one a directory for several" {
	no_leak_check
	need_strace
	BATCH_QUERIES=12 registry local
	awk '/^>/ { n++ } n >= 1 && n <= 12' \
		"$BATS_TEST_DIRNAME/../share/demo/globins45.fa" >twelve.fa
	batch_done twelve.fa
	# The dispatcher's own fsyncs (not its wrappers', which slow under -f).
	strace -qq -y -o trace -e trace=fsync ct-dispatch
	run -0 ct-wait -t 0 "${ids[@]}"
	# Each job's result and final record, once; then for each commit:
	# results/, processing/ (what came in, what went out), completed/, and
	# at most one figures' file. A commit waits at most 100 ms for more jobs, so
	# a job's poll and fetch taking under 50 ms is all this asks: two or
	# more jobs a commit. One a job (before): twelve.
	r=$(grep -c "fsync([0-9]*<$CT_SPOOL/results>)" trace)
	echo "# $r commits" >&3
	[ "$r" -ge 1 ] && [ "$r" -le 6 ] || fail "$r fsyncs of results/: $(cat trace)"
	assert_equal "$(grep -c "fsync([0-9]*<$CT_SPOOL/completed>)" trace)" "$r"
	t=$(grep -c "fsync([0-9]*<$CT_SPOOL/tmp/" trace)
	[ "$t" -ge 24 ] && [ "$t" -le $((24 + r)) ] || fail "$t fsyncs of files: $(cat trace)"
}

@test "kill -9 sweep: the pass that collects a batch's results killed at each of its spool calls in turn; then each job completes once, with its own report" {
	no_leak_check
	need_strace
	batch_done
	kill_sweep searched_once
}

# After each case of the sweep above: one run of blastp, four queries, so
# nothing was searched again, and nothing is left in processing/.
searched_once() {
	[ "$1" = after ] || return 0
	run cat "$MARKS/runs"
	assert_output 4
	[ -z "$(ls -A "$CT_SPOOL/processing")" ] || fail "$2: left in processing/"
}

@test "a report that also holds another query is no job's result: the job moves on" {
	export CT_WRAPPER_DIR=$T/wrappers
	registry two-queries "db=$BATS_FILE_TMPDIR/globins45"
	awk '/^>/ { n++ } n == 1' four.fa >one.fa
	id=$(ct-submit one.fa)
	dispatch_until_done "$id"
	run -1 ct-wait -t 0 "$id"
	run -1 ct-status -l "$id"
	assert_line --partial "here delivered a bad result: a report that also holds query 'other', not one of this job's"
	run -1 ct-fetch "$id"
}

@test "the bounds of <batch>: max-queries and max-residues cut the jobs into several batches" {
	BATCH_QUERIES=3 registry local
	run -0 ct-submit -r -d globins45 four.fa
	ids=("${lines[@]}")
	dispatch_until_done "${ids[@]}"
	run -0 ct-wait -t 0 "${ids[@]}"
	# Three, and the one left: alone, it is not a batch. The two run at
	# once, and either may note its run first.
	run sort -rn "$MARKS/runs"
	assert_output "$(printf '3\n1')"
	run -0 ct-status -l "${ids[3]}"
	assert_line --regexp '^  .*  Processing  sent to here \(handle [0-9a-f]{32}\)$'
	# Myoglobins are 153 residues: two of them and no more in 400.
	rm "$MARKS/runs"
	BATCH_RESIDUES=400 registry local
	run -0 ct-submit -r -d globins45 four.fa
	ids=("${lines[@]}")
	dispatch_until_done "${ids[@]}"
	run -0 ct-wait -t 0 "${ids[@]}"
	run cat "$MARKS/runs"
	assert_output "$(printf '2\n2')"
}

@test "wait: a New job waits for others until it is that old, then goes with those that came meanwhile" {
	BATCH_WAIT=2 registry local
	awk '/^>/ { n++ } n <= 2' four.fa >first.fa
	awk '/^>/ { n++ } n > 2' four.fa >last.fa
	run -0 ct-submit -r -d globins45 first.fa
	ids=("${lines[@]}")
	ct-dispatch
	run -3 ct-status -q "${ids[0]}"
	run -0 ct-submit -r -d globins45 last.fa
	ids+=("${lines[@]}")
	sleep 2
	# The first two may go now; the last two, a moment younger, wait.
	dispatch_until_done "${ids[@]}"
	run -0 ct-wait -t 0 "${ids[@]}"
	for id in "${ids[@]}"; do
		assert_own_result "$id"
	done
	run cat "$MARKS/runs"
	refute_line 1
}

@test "ct-providers show: a server's batch bounds; none for one without <batch>" {
	BATCH_QUERIES=50 BATCH_RESIDUES=20000 BATCH_WAIT=3 registry local
	run -0 ct-providers show here
	assert_line "batch             up to 50 jobs, 20000 residues; wait 3 s"
	sed -i '/<batch /d' "$CT_CONFIG"
	run -0 ct-providers show here
	refute_line --regexp '^batch '
}
