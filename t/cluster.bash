# cluster.bash: what t/5000-sge.bats and t/5100-slurm.bats share: a real
# scheduler brought up for the file, a registry with one server driven by
# the wrapper under test, dispatch passes until the job ends, and a look
# at the job's files in the shared directory. Loaded after helper.bash and
# dispatch.bash; the test file sets WRAPPER (sge, slurm) and SCHED (the
# t/cluster/SCHED-up and -down scripts).

DEMO="$BATS_TEST_DIRNAME/../share/demo"
DATA="$BATS_TEST_DIRNAME/data/cluster"

# cluster_setup_file: bring the scheduler up, or skip the file saying why;
# a BLAST database and the shared directory in $BATS_FILE_TMPDIR.
cluster_setup_file() {
	local out rc=0
	command -v makeblastdb >/dev/null ||
		skip "BLAST+ is missing (ncbi-blast+)"
	out=$("$BATS_TEST_DIRNAME/cluster/$SCHED-up" 2>&1) || rc=$?
	[ "$rc" -ne 2 ] || skip "no $SCHED cluster on this machine: $out"
	[ "$rc" -eq 0 ] || { echo "$out" >&2; return 1; }
	makeblastdb -in "$DEMO/globins45.fa" -dbtype prot \
		-out "$BATS_FILE_TMPDIR/globins45" >/dev/null
	# Written by the wrappers, which a root dispatcher runs as the
	# dispatcher account, and by the jobs on the node, as that account.
	mkdir -p -m 1777 "$BATS_FILE_TMPDIR/shared"
}

cluster_teardown_file() {
	"$BATS_TEST_DIRNAME/cluster/$SCHED-down"
}

# cluster_registry COMMAND [NAME=VALUE...]: one server, "c", driven by
# $WRAPPER, running COMMAND, with the parameters NAME=VALUE; taking jobs
# in batches if BATCH is set.
cluster_registry() {
	local command=$1 p
	shift
	export CT_WRAPPER_DIR="$CT_BUILD/providers"
	{
		printf '<?xml version="1.0"?>\n<registry version="1">\n'
		printf '<defaults deadline="600"/>\n'
		printf '<server id="c" name="%s"><limits max-jobs="4" poll-interval="0" attempt-timeout="500"/>' "$WRAPPER"
		# BATCH set: the server takes up to 10 jobs a call.
		[ -z "${BATCH:-}" ] ||
			printf '<batch max-queries="10" max-residues="100000" wait="0"/>'
		printf '<service name="blastp" weight="1"/><parameters>'
		printf '<parameter name="classname">%s</parameter>' "$WRAPPER"
		printf '<parameter name="command">%s</parameter>' "$command"
		printf '<parameter name="shared-dir">%s</parameter>' "$BATS_FILE_TMPDIR/shared"
		printf '<parameter name="database.globins45">%s</parameter>' "$BATS_FILE_TMPDIR/globins45"
		for p; do
			printf '<parameter name="%s">%s</parameter>' "${p%%=*}" "${p#*=}"
		done
		printf '</parameters></server>\n</registry>\n'
	} >"$CT_CONFIG"
}

BLASTP="blastp -query {input} -db {database} -outfmt 5 -out {output}"

cluster_local_setup() {
	export CT_CONFIG="$BATS_TEST_TMPDIR/providers.xml"
	LOG="$BATS_TEST_TMPDIR/dispatch.log"
	HOST=$(uname -n)
	# The first demo query, human beta hemoglobin.
	awk '/^>/ { n++ } n == 1' "$DEMO/queries.fa" >q.fa
}

# until_done ID [SECONDS]: dispatch passes, a fifth of a second apart,
# until the job is Completed or Failed (120 s at most).
until_done() {
	local n rc
	for ((n = 0; n < ${2:-120} * 5; n++)); do
		rc=0
		ct-status -q "$1" || rc=$?
		[ "$rc" -le 1 ] && return 0
		ct-dispatch 2>>"$LOG"
		sleep 0.2
	done
	fail "job $1 still not done after ${2:-120} s: $(ct-status -l "$1")"
}

# submitted ID: one pass sends the job; HANDLE is the scheduler's job id
# and JOBDIR the job's directory in the shared directory.
submitted() {
	ct-dispatch 2>>"$LOG"
	HANDLE=$(history "$1" | sed -n 's/^Processing: sent to c (handle \([0-9]*\))$/\1/p')
	[ -n "$HANDLE" ] || fail "not sent: $(history "$1")"
	# In the work directory of its attempt, work/ID/N.
	JOBDIR=$(cat "$CT_SPOOL/work/$1"/[1-9]*/"batch.$HANDLE")
	[ -d "$JOBDIR" ] || fail "no job directory $JOBDIR"
}

# command_pid NAME: wait (60 s at most) until a process NAME runs in
# $JOBDIR, the job's command on the node; its pid in PID.
command_pid() {
	local n p comm
	# Builtins only: two processes forked for each of a few hundred
	# entries made one look at /proc take seconds on a busy machine,
	# longer than the command it looks for runs.
	for ((n = 0; n < 300; n++)); do
		for p in /proc/[0-9]*; do
			comm=
			# Gone meanwhile: not a failure (the test runs set -e).
			{ read -r comm <"$p/comm"; } 2>/dev/null || continue
			[ "$comm" = "$1" ] && [ "$p/cwd" -ef "$JOBDIR" ] &&
				PID=${p#/proc/} && return 0
		done
		sleep 0.2
	done
	fail "no $1 ran in $JOBDIR"
}

# last_history ID: the job's last two history lines.
last_history() {
	history "$1" | tail -n 2
}

# wrap VERB [ARG...]: the wrapper run by hand as ct-dispatch runs it: in
# the work directory $W, with the contract's environment only, and the
# server's parameters from the array PARAMS (CT_PARAM_NAME=VALUE).
wrap() {
	(cd "$W" && exec env -i PATH=/usr/local/bin:/usr/bin:/bin LANG=C \
		LC_ALL=C HOME="$W" TMPDIR="$W" CT_CONTRACT=1 CT_JOB_ID=job-1 \
		CT_SERVER=c CT_SERVICE=blastp CT_DATABASE= CT_WORKDIR="$W" \
		CT_DEADLINE=4102444800 CT_PARAM_CLASSNAME="$WRAPPER" \
		"${PARAMS[@]}" "$CT_BUILD/providers/$WRAPPER" "$@")
}

# refused_before_submit: what a wrong registry or job is told, with the
# scheduler never asked: exit status and message, and no job directory.
refused_before_submit() {
	W="$BATS_TEST_TMPDIR/w"
	mkdir -p "$W"
	local shared="$BATS_TEST_TMPDIR/shared"
	mkdir -p "$shared"
	PARAMS=("CT_PARAM_COMMAND=sleep 1")
	run -78 --separate-stderr wrap submit <q.fa
	assert_equal "$stderr" "$WRAPPER: parameter shared-dir is not set"
	PARAMS=("CT_PARAM_COMMAND=sleep 1" "CT_PARAM_SHARED_DIR=shared")
	run -78 --separate-stderr wrap submit <q.fa
	assert_equal "$stderr" "$WRAPPER: parameter shared-dir: shared is not an absolute path"
	PARAMS=("CT_PARAM_COMMAND=sleep 1" "CT_PARAM_SHARED_DIR=$shared" "CT_PARAM_TIME_LIMIT=1h")
	run -78 --separate-stderr wrap submit <q.fa
	assert_equal "$stderr" "$WRAPPER: parameter time-limit: a whole number of seconds, 1 to a year"
	PARAMS=("CT_PARAM_COMMAND=sleep 1" "CT_PARAM_SHARED_DIR=$shared" "CT_PARAM_OPTIONS=evalue")
	run -65 --separate-stderr wrap submit evalue='1;id' <q.fa
	assert_equal "$stderr" "$WRAPPER: option evalue: a value must be 1 to 64 characters of A-Z a-z 0-9 . _ + -"
	run -64 --separate-stderr wrap poll 12345
	assert_equal "$stderr" "$WRAPPER: handle 12345: not a job submitted from this work directory"
	run -64 --separate-stderr wrap poll '../x'
	assert_equal "${stderr%%$'\n'*}" "$WRAPPER: handle: expected a job id (digits)"
	# Nothing was left in the shared directory by the refusals.
	run find "$shared" -mindepth 1
	assert_output ""
}

# by_hand COMMAND [NAME=VALUE...]: the wrapper to be run by hand (wrap)
# in the work directory $W, running COMMAND, for job $JOB, with
# NAME=VALUE added.
by_hand() {
	W="$BATS_TEST_TMPDIR/w"
	mkdir -p "$W"
	# A job ID of this run's own: the scheduler remembers ended jobs.
	: "${JOB:=j$(date +%s%N)}"
	PARAMS=("CT_PARAM_COMMAND=$1" "CT_PARAM_SHARED_DIR=$BATS_FILE_TMPDIR/shared" "CT_JOB_ID=$JOB")
	shift
	PARAMS+=("$@")
}

# submit_repeated JOBS: a submit repeated for one attempt gives the same
# job, also when its answer was lost before the wrapper recorded it (found
# by its name); another attempt is another job. JOBS NAME lists the IDs of
# the scheduler's jobs named NAME.
submit_repeated() {
	local jobs=$1 first second
	by_hand "sleep 300"
	run -0 --separate-stderr wrap submit <q.fa
	first=$output
	assert_equal "$("$jobs" "ct-$JOB-1")" "$first"
	run -0 --separate-stderr wrap submit <q.fa
	assert_output "$first"
	assert_equal "$stderr" ""
	# Killed between the scheduler's answer and the records.
	rm "$W/submitted" "$W/batch.$first"
	run -0 --separate-stderr wrap submit <q.fa
	assert_output "$first"
	assert_equal "$("$jobs" "ct-$JOB-1")" "$first"
	run -0 wrap poll "$first"
	assert_output running
	by_hand "sleep 300" CT_ATTEMPT=2
	run -0 --separate-stderr wrap submit <q.fa
	second=$output
	[ "$second" != "$first" ]
	assert_equal "$("$jobs" "ct-$JOB-2")" "$second"
	run -0 wrap cancel "$second"
	run -0 wrap cancel "$first"
}

# ---- Batches (ct-wrapper(7), Batches): one scheduler's job a batch ----

# batch_registry [NAME=VALUE...]: the server takes jobs in batches, and
# runs blastp through count-runs, which notes each search in $MARKS/runs;
# four globins of the database, as four jobs' queries, in four.fa.
batch_registry() {
	# Written by the jobs on the node, as the dispatcher account.
	MARKS="$BATS_FILE_TMPDIR/marks.$BATS_TEST_NUMBER"
	mkdir -p -m 1777 "$MARKS"
	BATCH=1 cluster_registry "$DATA/count-runs $MARKS $BLASTP" "$@"
	awk '/^>/ { n++ } n >= 1 && n <= 4' "$DEMO/globins45.fa" >four.fa
}

# batch_sent ID...: one pass sends the jobs, all in one batch; HANDLE is
# the scheduler's job, BATCHDIR the batch's directory.
batch_sent() {
	local id
	ct-dispatch 2>>"$LOG"
	HANDLE=$(history "$1" | sed -n "s/^Processing: sent to c in a batch of $# (handle \([0-9]*\))\$/\1/p")
	[ -n "$HANDLE" ] || fail "not sent in a batch of $#: $(history "$1")"
	for id; do
		history "$id" | grep -qx "Processing: sent to c in a batch of $# (handle $HANDLE)" ||
			fail "$id not in the batch: $(history "$id")"
	done
	BATCHDIR=$(cat "$CT_SPOOL/work/$1"/[1-9]*/"batch.$HANDLE")/batch.d
	[ -d "$BATCHDIR" ] || fail "no batch directory $BATCHDIR"
}

# all_done ID...: passes until every job is Completed or Failed.
all_done() {
	local id
	for id; do
		until_done "$id"
	done
}

# batch_of_four JOBS: four jobs, one batch, one scheduler's job (JOBS
# NAME lists the ids of the scheduler's jobs named NAME), one blastp over
# the four queries, each job its own part of the report.
batch_of_four() {
	local id defs=()
	batch_registry
	run -0 ct-submit -r -d globins45 four.fa
	ids=("${lines[@]}")
	batch_sent "${ids[@]}"
	all_done "${ids[@]}"
	run -0 ct-wait -t 0 "${ids[@]}"
	run cat "$MARKS/runs"
	assert_output 4
	for id in "${ids[@]}"; do
		assert_own_result "$id"
		defs+=("$def")
	done
	assert_equal "${defs[*]}" "MYG_ESCGI MYG_HORSE MYG_PROGU MYG_SAISC"
	assert_equal "$("$1" "ct-${ids[0]}-1")" "$HANDLE"
	# The batch's script: one search over the four queries.
	run -0 grep -c -- "'-query'" "$BATCHDIR/job.sh"
	assert_output 5
	run -0 grep -c '^>' "$BATCHDIR/input.fa"
	assert_output 4
}

# batch_bad_query: a query blastp refuses fails the batch's search; the
# batch's job then runs each query alone, and only that job fails.
batch_bad_query() {
	local id
	batch_registry
	# Three good queries and a bad one: the server's max-jobs is 4.
	awk '/^>/ { n++ } n <= 3' four.fa >bad.fa
	printf '>broken\nM-------\n' >>bad.fa
	run -0 ct-submit -r -d globins45 bad.fa
	ids=("${lines[@]}")
	batch_sent "${ids[@]}"
	all_done "${ids[@]}"
	run cat "$MARKS/runs"
	assert_output "$(printf '4\n1\n1\n1\n1')"
	for id in "${ids[@]:0:3}"; do
		assert_own_result "$id"
	done
	run -1 ct-wait -t 0 "${ids[3]}"
	run -1 ct-status -l "${ids[3]}"
	assert_line --partial "c failed it: command exited with status 1: BLAST query error"
}

# batch_cancel_one: one job of a batch cancelled is withdrawn alone; the
# scheduler's job runs on, and the others complete from its one search.
batch_cancel_one() {
	local id
	batch_registry
	# The search waits 5 s on the node, long enough to cancel in.
	BATCH=1 cluster_registry "$DATA/count-runs $MARKS $DATA/slow-blastp 5 -query {input} -db {database} -outfmt 5 -out {output}"
	run -0 ct-submit -r -d globins45 four.fa
	ids=("${lines[@]}")
	batch_sent "${ids[@]}"
	ct-cancel "${ids[1]}"
	ct-dispatch 2>>"$LOG"
	assert_equal "$(history "${ids[1]}" | tail -n 1)" "Failed: cancelled by its owner"
	all_done "${ids[@]}"
	for id in "${ids[0]}" "${ids[2]}" "${ids[3]}"; do
		assert_own_result "$id"
	done
	run cat "$MARKS/runs"
	assert_output 4
}

# batch_cancel_all: once every job of a batch is cancelled, the
# scheduler's job is stopped; not before. Its command's PID in PID.
batch_cancel_all() {
	BATCH=1 cluster_registry "sleep 300"
	awk '/^>/ { n++ } n >= 1 && n <= 2' "$DEMO/globins45.fa" >two.fa
	run -0 ct-submit -r two.fa
	ids=("${lines[@]}")
	batch_sent "${ids[@]}"
	JOBDIR=$BATCHDIR
	command_pid sleep
	ct-cancel "${ids[0]}"
	ct-dispatch 2>>"$LOG"
	assert_equal "$(history "${ids[0]}" | tail -n 1)" "Failed: cancelled by its owner"
	kill -0 "$PID"
	ct-cancel "${ids[1]}"
	ct-dispatch 2>>"$LOG"
	assert_equal "$(history "${ids[1]}" | tail -n 1)" "Failed: cancelled by its owner"
	n=0
	while kill -0 "$PID" 2>/dev/null; do
		((n++ < 100)) || fail "the command outlived the cancel of every job"
		sleep 0.2
	done
}

# batch_repeated JOBS: submit-batch repeated gives the same handles and
# submits nothing more; a job whose records were lost, submitted alone
# under the same attempt, finds its batch's job by the batch's name.
batch_repeated() {
	local jobs=$1 w1 w2 m first
	by_hand "sleep 300"
	w1="$BATS_TEST_TMPDIR/w1" w2="$BATS_TEST_TMPDIR/w2"
	mkdir -p "$w1" "$w2"
	awk '/^>/ { n++ } n == 2' "$DEMO/queries.fa" >q2.fa
	{
		echo "ct-batch 1"
		echo "job $JOB-a 1 4102444800 $(wc -c <q.fa) $w1"
		cat q.fa
		echo "job $JOB-b 1 4102444800 $(wc -c <q2.fa) $w2"
		cat q2.fa
	} >manifest
	# Called as a submit of the first job would be.
	W=$w1
	PARAMS+=("CT_JOB_ID=$JOB-a")
	run -0 --separate-stderr wrap submit-batch <manifest
	first=$(sed -n "s/^$JOB-a //p" <<<"$output")
	[ -n "$first" ] || fail "no handle for $JOB-a: $output"
	assert_output "$JOB-a $first
$JOB-b $first"
	run -0 --separate-stderr wrap submit-batch <manifest
	assert_output "$JOB-a $first
$JOB-b $first"
	assert_equal "$stderr" ""
	assert_equal "$("$jobs" "ct-$JOB-a-1")" "$first"
	# Killed before the second job's records: submitted alone, it
	# finds the batch's job.
	rm "$w2/submitted" "$w2/batch.$first"
	W=$w2
	PARAMS+=("CT_JOB_ID=$JOB-b")
	run -0 --separate-stderr wrap submit <q2.fa
	assert_output "$first"
	assert_equal "$("$jobs" "ct-$JOB-a-1")" "$first"
	run -0 wrap poll "$first"
	assert_output running
	run -0 wrap cancel "$first"
	W=$w1
	PARAMS+=("CT_JOB_ID=$JOB-a")
	run -0 wrap cancel "$first"
}
