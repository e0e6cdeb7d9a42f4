#!/usr/bin/env bats
# The slurm wrapper (providers/slurm.c) against a real single-node Slurm
# with munge, brought up by t/cluster/slurm-up for this file: real BLAST
# end to end, and each way a job ends, as the job's history tells it and
# as Slurm itself recorded it. Skipped, saying why, where this machine
# cannot host Slurm. About two minutes: Slurm's shortest time limit is
# one minute.

load helper
load dispatch
load cluster

WRAPPER=slurm
SCHED=slurm
JOBCOMP=/var/log/slurm/jobcomp.log

setup_file() {
	cluster_setup_file
}

teardown_file() {
	cluster_teardown_file
}

local_setup() {
	cluster_local_setup
}

# slurm_says FIELD...: the job's fields in scontrol show job, as "K=V K=V".
slurm_says() {
	local f out=()
	for f; do
		out+=("$(scontrol show job -o "$HANDLE" | tr ' ' '\n' | grep "^$f=")")
	done
	echo "${out[*]}"
}

@test "slurm: real BLAST through sbatch, done, BLAST XML with its hits" {
	cluster_registry "$BLASTP" "jobcomp-log=$JOBCOMP" options=evalue
	id=$(ct-submit -d globins45 -o evalue=1e-10 q.fa)
	submitted "$id"
	until_done "$id"
	run -0 ct-fetch -o hbb.xml "$id"
	run -0 xmllint --xpath 'string(//BlastOutput_query-def)' hbb.xml
	assert_output "HBB_HUMAN Human beta hemoglobin"
	run -0 xmllint --xpath 'normalize-space((//Hit_def)[1])' hbb.xml
	assert_output HBB_CALAR
	run -0 xmllint --xpath 'string(//Parameters_expect)' hbb.xml
	assert_output 1e-10
	run -0 history "$id"
	assert_output "New: submitted by uid $(id -u) on $HOST
Processing: claimed by ct-dispatch on $HOST
Processing: sent to c (handle $HANDLE)
Completed: completed by c in N s"
	assert_equal "$(slurm_says JobState ExitCode)" "JobState=COMPLETED ExitCode=0:0"
	assert_equal "$(scontrol show job -o "$HANDLE" | grep -o 'JobName=[^ ]*')" "JobName=ct-$id-1"
	# What ran is the server's command, in the job's shared directory.
	run -0 cat "$JOBDIR/job.sh"
	assert_line "'blastp' '-query' '$JOBDIR/input.fa' '-db' '$BATS_FILE_TMPDIR/globins45' '-outfmt' '5' '-out' '$JOBDIR/output' '-evalue' '1e-10' <'/dev/null' >'stdout' 2>'stderr'"
	cmp q.fa "$JOBDIR/input.fa"
}

@test "slurm: the command exits 3: FAILED 3:0, the command's last words in the history" {
	cluster_registry "$DATA/exit-with 3 BLAST engine error: Warning: Sequence contains no data"
	id=$(ct-submit q.fa)
	submitted "$id"
	until_done "$id"
	run -0 last_history "$id"
	assert_output "Processing: c failed it: command exited with status 3: BLAST engine error: Warning: Sequence contains no data
Failed: no provider left: c failed it: command exited with status 3: BLAST engine error: Warning: Sequence contains no data; run it locally"
	assert_equal "$(slurm_says JobState Reason ExitCode)" "JobState=FAILED Reason=NonZeroExitCode ExitCode=3:0"
}

@test "slurm: the command killed by SIGKILL on the node: FAILED 137:0, killed by signal 9" {
	cluster_registry "sleep 300"
	id=$(ct-submit q.fa)
	submitted "$id"
	command_pid sleep
	kill -KILL "$PID"
	until_done "$id"
	run -0 last_history "$id"
	assert_output "Processing: c failed it: command killed by signal 9 (SIGKILL) (squeue: FAILED; scontrol: JobState=FAILED Reason=NonZeroExitCode ExitCode=137:0)
Failed: no provider left: c failed it: command killed by signal 9 (SIGKILL) (squeue: FAILED; scontrol: JobState=FAILED Reason=NonZeroExitCode ExitCode=137:0); run it locally"
}

@test "slurm: ct-cancel: scancel at the next pass, CANCELLED at Slurm" {
	cluster_registry "sleep 300"
	id=$(ct-submit q.fa)
	submitted "$id"
	command_pid sleep
	ct-cancel "$id"
	ct-dispatch 2>>"$LOG"
	run -0 last_history "$id"
	assert_output "Processing: sent to c (handle $HANDLE)
Failed: cancelled by its owner"
	run -0 squeue -h -t all -j "$HANDLE" -o %T
	[[ "$output" = CANCELLED || "$output" = COMPLETING ]]
	# The command goes with the job.
	n=0
	while kill -0 "$PID" 2>/dev/null; do
		((n++ < 100)) || fail "the command outlived scancel"
		sleep 0.2
	done
	assert_equal "$(slurm_says JobState)" "JobState=CANCELLED"
}

@test "slurm: scancel behind the dispatcher's back: cancelled at the scheduler" {
	cluster_registry "sleep 300" "jobcomp-log=$JOBCOMP"
	id=$(ct-submit q.fa)
	submitted "$id"
	command_pid sleep
	scancel "$HANDLE"
	until_done "$id"
	run -0 last_history "$id"
	# ExitCode 0:15 or 143:0, as SIGTERM reaches the shell or the command first.
	assert_line --index 0 --regexp '^Processing: c failed it: cancelled at the scheduler \(squeue: CANCELLED; scontrol: JobState=CANCELLED Reason=None ExitCode=(0:15|143:0)\)$'
	assert_line --index 1 --regexp '^Failed: no provider left: c failed it: cancelled at the scheduler \(squeue: CANCELLED; scontrol: JobState=CANCELLED Reason=None ExitCode=(0:15|143:0)\); run it locally$'
}

@test "slurm: the time limit: TIMEOUT, failed time limit" {
	cluster_registry "sleep 300" time-limit=1
	id=$(ct-submit q.fa)
	submitted "$id"
	assert_equal "$(slurm_says TimeLimit)" "TimeLimit=00:01:00"
	until_done "$id" 180
	run -0 last_history "$id"
	# ExitCode 0:15 or 143:0, as SIGTERM reaches the shell or the command first.
	assert_line --index 0 --regexp '^Processing: c failed it: time limit \(squeue: TIMEOUT; scontrol: JobState=TIMEOUT Reason=TimeLimit ExitCode=(0:15|143:0)\)$'
	assert_line --index 1 --regexp '^Failed: no provider left: c failed it: time limit \(squeue: TIMEOUT; scontrol: JobState=TIMEOUT Reason=TimeLimit ExitCode=(0:15|143:0)\); run it locally$'
	run -0 cat "$JOBDIR/scheduler.err"
	assert_output --regexp "slurmstepd(-$HOST)?: error: \*\*\* JOB $HANDLE ON $HOST CANCELLED AT .* DUE TO TIME LIMIT \*\*\*"
}

@test "slurm: slurmctld restarts while the job runs: polls retry, the job completes" {
	cluster_registry "$DATA/slow-blastp 4 -query {input} -db {database} -outfmt 5 -out {output}"
	id=$(ct-submit -d globins45 q.fa)
	submitted "$id"
	command_pid sleep
	pid=$(cat /run/slurm/slurmctld.pid)
	kill "$pid"
	while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
	ct-dispatch 2>>"$LOG"
	run -0 history "$id"
	assert_line --index -1 --regexp "^Processing: c: will retry in 5 s: slurm poll exit 75: slurm: squeue -j $HANDLE: .*(Unable to contact slurm controller|Connection refused)"
	/usr/sbin/slurmctld
	until_done "$id"
	run -0 last_history "$id"
	assert_output "Processing: c: will retry in 5 s: $(history "$id" | tail -n 2 | head -n 1 | sed 's/^Processing: c: will retry in 5 s: //')
Completed: completed by c in N s"
	run -0 ct-fetch -o hbb.xml "$id"
	run -0 xmllint --xpath 'normalize-space((//Hit_def)[1])' hbb.xml
	assert_output HBB_CALAR
	assert_equal "$(slurm_says JobState ExitCode)" "JobState=COMPLETED ExitCode=0:0"
}

@test "slurm: a wrong registry or job option is refused before sbatch; resources are checked" {
	refused_before_submit
	PARAMS=("CT_PARAM_COMMAND=sleep 1" "CT_PARAM_SHARED_DIR=$BATS_TEST_TMPDIR/shared" "CT_PARAM_RESOURCES=--mem=1G --wrap=id")
	run -78 --separate-stderr wrap submit <q.fa
	assert_output ""
	assert_equal "$stderr" "slurm: parameter resources: '--wrap=id' is not one of --account --constraint --cpus-per-task --gres --gpus --mem --mem-per-cpu --nodes --ntasks --qos --tmp --reservation --licenses --exclude --nodelist =VALUE"
	# A partition Slurm does not have: sbatch's own reason, permanent.
	PARAMS=("CT_PARAM_COMMAND=sleep 1" "CT_PARAM_SHARED_DIR=$BATS_TEST_TMPDIR/shared" "CT_PARAM_PARTITION=nosuch")
	run -69 --separate-stderr wrap submit <q.fa
	assert_equal "$stderr" "slurm: sbatch: sbatch: error: Batch job submission failed: Invalid partition name specified"
}

@test "slurm: the node fails under a running job: Slurm requeues it and it completes" {
	cluster_registry "$DATA/slow-blastp 3 -query {input} -db {database} -outfmt 5 -out {output}" "jobcomp-log=$JOBCOMP"
	id=$(ct-submit -d globins45 q.fa)
	submitted "$id"
	command_pid sleep
	scontrol update NodeName="$(hostname -s)" State=DOWN Reason=cputorrent-test
	# slurmd still answers: the node returns at once (ReturnToService=2).
	# The job is requeued, pending: still running as far as we can tell.
	ct-dispatch 2>>"$LOG"
	run -0 squeue -h -t all -j "$HANDLE" -o %T
	assert_output --regexp '^(PENDING|REQUEUED|REQUEUE_HOLD|COMPLETING)$' 
	run -2 ct-status -q "$id"
	# Slurm holds a requeued job back two minutes; the test does not wait.
	scontrol update JobId="$HANDLE" StartTime=now
	until_done "$id"
	run -0 history "$id"
	assert_line --index -1 "Completed: completed by c in N s"
	run -0 ct-fetch -o hbb.xml "$id"
	run -0 xmllint --xpath 'normalize-space((//Hit_def)[1])' hbb.xml
	assert_output HBB_CALAR
	run -0 grep "^JobId=$HANDLE " "$JOBCOMP"
	assert_line --index 0 --regexp "JobState=NODE_FAIL .*ExitCode=0:0"
	assert_line --index 1 --regexp "JobState=COMPLETED .*ExitCode=0:0"
}

@test "slurm: the node fails under a running job, requeue=no: NODE_FAIL, failed node failure" {
	cluster_registry "sleep 300" requeue=no
	id=$(ct-submit q.fa)
	submitted "$id"
	command_pid sleep
	scontrol update NodeName="$(hostname -s)" State=DOWN Reason=cputorrent-test
	until_done "$id"
	run -0 last_history "$id"
	# SIGTERM reaches the command and the job's shell in either order:
	# the shell dies of it (0:15), or sees the command die and exits 143.
	assert_line --index 0 --regexp '^Processing: c failed it: node failure \(squeue: NODE_FAIL; scontrol: JobState=NODE_FAIL Reason=NodeDown ExitCode=(0:15|143:0)\)$'
	assert_line --index 1 --regexp '^Failed: no provider left: c failed it: node failure \(squeue: NODE_FAIL; scontrol: JobState=NODE_FAIL Reason=NodeDown ExitCode=(0:15|143:0)\); run it locally$'
}

@test "slurm: slurmctld comes back without its state (-c): the job is lost after the grace window" {
	# No jobcomp-log: nothing but the controller remembers the job.
	cluster_registry "sleep 300" grace=2
	id=$(ct-submit q.fa)
	submitted "$id"
	command_pid sleep
	pid=$(cat /run/slurm/slurmctld.pid)
	kill "$pid"
	while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
	/usr/sbin/slurmctld -c
	n=0
	until scontrol ping >/dev/null 2>&1; do
		((n++ < 100)) || fail "slurmctld did not come back"
		sleep 0.2
	done
	run -1 --separate-stderr squeue -h -t all -j "$HANDLE"
	assert_equal "$stderr" "slurm_load_jobs error: Invalid job id specified"
	until_done "$id"
	# The command, orphaned on the node, is this test's to end.
	kill "$PID" 2>/dev/null || true
	run -0 last_history "$id"
	assert_output "Processing: c failed it: lost: Slurm has no record of job $HANDLE after 2 s (squeue: Invalid job id specified)
Failed: no provider left: c failed it: lost: Slurm has no record of job $HANDLE after 2 s (squeue: Invalid job id specified); run it locally"
}

# slurm_jobs NAME: the ids of the jobs of that name Slurm knows, in any
# state, one a line, sorted.
slurm_jobs() {
	squeue -h -t all -n "$1" -o %i | sort
}

@test "slurm: submit repeated for one attempt: the same job, one sbatch, also when the answer was lost" {
	submit_repeated slurm_jobs
}

@test "slurm: cancel of a handle this work directory does not know: nothing to cancel, 0" {
	by_hand "sleep 300"
	run -0 --separate-stderr wrap cancel 999999
	assert_output ""
	assert_equal "$stderr" ""
}

@test "slurm: four jobs, one batch: one scheduler's job, one blastp over the four queries, each job its own report" {
	batch_of_four slurm_jobs
}

@test "slurm: a query blastp refuses in a batch: each query run alone in the batch's job, only that job fails" {
	batch_bad_query
}

@test "slurm: one job of a batch cancelled: withdrawn alone, the others complete from the one search" {
	batch_cancel_one
}

@test "slurm: every job of a batch cancelled: only then is the scheduler's job stopped" {
	batch_cancel_all
}

@test "slurm: submit-batch repeated: the same handles, one job; a job submitted alone after finds its batch's job" {
	batch_repeated slurm_jobs
}
