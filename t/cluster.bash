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
# $WRAPPER, running COMMAND, with the parameters NAME=VALUE.
cluster_registry() {
	local command=$1 p
	shift
	export CT_WRAPPER_DIR="$CT_BUILD/providers"
	{
		printf '<?xml version="1.0"?>\n<registry version="1">\n'
		printf '<defaults deadline="600"/>\n'
		printf '<server id="c" name="%s"><limits max-jobs="4" poll-interval="0" attempt-timeout="500"/>' "$WRAPPER"
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
