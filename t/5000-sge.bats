#!/usr/bin/env bats
# The sge wrapper (providers/sge.c) against a real single-node Son of Grid
# Engine, brought up by t/cluster/sge-up for this file: real BLAST end to
# end, and each way a job ends, as the job's history tells it and as Grid
# Engine itself recorded it (qacct). Skipped, saying why, where this
# machine cannot host Grid Engine. About a minute.

load helper
load dispatch
load cluster

WRAPPER=sge
SCHED=sge
export SGE_ROOT=/var/lib/gridengine SGE_CELL=default

setup_file() {
	cluster_setup_file
}

teardown_file() {
	cluster_teardown_file
}

local_setup() {
	cluster_local_setup
}

# acct FIELD...: the job's fields in qacct -j, as "K V, K V", blanks
# squeezed; waits for the record (flush_time is 1 s here).
acct() {
	local f out=() n
	for ((n = 0; n < 50; n++)); do
		qacct -j "$HANDLE" >/dev/null 2>&1 && break
		sleep 0.2
	done
	for f; do
		out+=("$(qacct -j "$HANDLE" | grep "^$f " | tr -s ' ' | sed 's/ $//')")
	done
	local IFS=,
	echo "${out[*]}"
}

# history_but_first_acct ID: the job's history without the retries that
# Grid Engine's first job on a fresh cluster really causes: qacct has no
# accounting file until a job has ended, and the poll that asks before
# then is rightly tried again. Any other line is kept, to be asserted.
history_but_first_acct() {
	history "$1" | grep -Ev '^Processing: c: will retry in [0-9]+ s: sge poll exit 75: sge: qacct -j [0-9]+: .*/accounting: No such file or directory$'
}

# sge_jobs NAME: the ids of the jobs of that name Grid Engine knows,
# waiting, running or ended, one a line, sorted.
sge_jobs() {
	{
		qstat -j "$1" 2>/dev/null | sed -n 's/^job_number: *//p'
		qacct -j "$1" 2>/dev/null | sed -n 's/^jobnumber *//p'
	} | tr -d ' ' | sort -u
}

@test "sge: real BLAST through qsub, done, BLAST XML with its hits" {
	cluster_registry "$BLASTP" options=evalue
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
	run -0 history_but_first_acct "$id"
	assert_output "New: submitted by uid $(id -u) on $HOST
Processing: claimed by ct-dispatch on $HOST
Processing: sent to c (handle $HANDLE)
Completed: completed by c in N s"
	assert_equal "$(acct jobname failed exit_status)" "jobname ct-$id-1,failed 0,exit_status 0"
	run -0 cat "$JOBDIR/job.sh"
	assert_line "'blastp' '-query' '$JOBDIR/input.fa' '-db' '$BATS_FILE_TMPDIR/globins45' '-outfmt' '5' '-out' '$JOBDIR/output' '-evalue' '1e-10' <'/dev/null' >'stdout' 2>'stderr'"
	cmp q.fa "$JOBDIR/input.fa"
}

@test "sge: the command exits 3: failed 0, exit_status 3, the command's last words in the history" {
	cluster_registry "$DATA/exit-with 3 BLAST engine error: Warning: Sequence contains no data"
	id=$(ct-submit q.fa)
	submitted "$id"
	until_done "$id"
	run -0 last_history "$id"
	assert_output "Processing: c failed it: command exited with status 3: BLAST engine error: Warning: Sequence contains no data
Failed: no provider left: c failed it: command exited with status 3: BLAST engine error: Warning: Sequence contains no data; run it locally"
	assert_equal "$(acct failed exit_status)" "failed 0,exit_status 3"
}

@test "sge: the command killed by SIGKILL on the node: exit_status 137, killed by signal 9" {
	cluster_registry "sleep 300"
	id=$(ct-submit q.fa)
	submitted "$id"
	command_pid sleep
	kill -KILL "$PID"
	until_done "$id"
	run -0 last_history "$id"
	assert_output "Processing: c failed it: command killed by signal 9 (SIGKILL) (qacct: failed 0, exit_status 137 (Killed))
Failed: no provider left: c failed it: command killed by signal 9 (SIGKILL) (qacct: failed 0, exit_status 137 (Killed)); run it locally"
}

@test "sge: ct-cancel: qdel at the next pass; qacct says failed 100" {
	cluster_registry "sleep 300"
	id=$(ct-submit q.fa)
	submitted "$id"
	command_pid sleep
	ct-cancel "$id"
	ct-dispatch 2>>"$LOG"
	run -0 last_history "$id"
	assert_output "Processing: sent to c (handle $HANDLE)
Failed: cancelled by its owner"
	assert_equal "$(acct failed exit_status)" "failed 100 : assumedly after job,exit_status 137 (Killed)"
	# The command goes with the job, though its end may trail qacct's.
	n=0
	while kill -0 "$PID" 2>/dev/null; do
		((n++ < 100)) || fail "the command outlived qdel"
		sleep 0.2
	done
}

@test "sge: ct-cancel of a job still pending: qdel, and Grid Engine forgets it" {
	cluster_registry "sleep 300" "resources=mem_free=1000T"
	id=$(ct-submit q.fa)
	submitted "$id"
	run -0 qstat -j "$HANDLE"
	ct-cancel "$id"
	ct-dispatch 2>>"$LOG"
	assert_equal "$(history "$id" | tail -n 1)" "Failed: cancelled by its owner"
	run -1 --separate-stderr qstat -j "$HANDLE"
	run -1 --separate-stderr qacct -j "$HANDLE"
	assert_equal "$stderr" "error: job id $HANDLE not found"
}

@test "sge: qdel behind the dispatcher's back: cancelled at the scheduler" {
	cluster_registry "sleep 300"
	id=$(ct-submit q.fa)
	submitted "$id"
	command_pid sleep
	qdel "$HANDLE"
	until_done "$id"
	run -0 last_history "$id"
	assert_output "Processing: c failed it: cancelled at the scheduler, by qdel or a signal to the job (qacct: failed 100 : assumedly after job, exit_status 137 (Killed))
Failed: no provider left: c failed it: cancelled at the scheduler, by qdel or a signal to the job (qacct: failed 100 : assumedly after job, exit_status 137 (Killed)); run it locally"
}

@test "sge: the time limit (h_rt): failed 37, failed time limit" {
	cluster_registry "sleep 300" time-limit=3
	id=$(ct-submit q.fa)
	submitted "$id"
	run -0 qstat -j "$HANDLE"
	assert_line --regexp '^hard resource_list: +h_rt=3$'
	until_done "$id"
	run -0 last_history "$id"
	assert_output "Processing: c failed it: time limit (qacct: failed 37 : qmaster enforced h_rt, h_cpu, or h_vmem limit, exit_status 137 (Killed))
Failed: no provider left: c failed it: time limit (qacct: failed 37 : qmaster enforced h_rt, h_cpu, or h_vmem limit, exit_status 137 (Killed)); run it locally"
}

@test "sge: a pending job qdel'ed behind the dispatcher's back: no record anywhere, lost after the grace window" {
	# More memory than any host has: the job waits in qw for ever.
	cluster_registry "sleep 300" "resources=mem_free=1000T" grace=2
	id=$(ct-submit q.fa)
	submitted "$id"
	run -0 qdel "$HANDLE"
	assert_output "root has deleted job $HANDLE"
	run -1 --separate-stderr qacct -j "$HANDLE"
	assert_equal "$stderr" "error: job id $HANDLE not found"
	until_done "$id"
	run -0 last_history "$id"
	assert_output "Processing: c failed it: lost: Grid Engine has no record of job $HANDLE after 2 s (qstat -j: no such job; qacct -j: not found)
Failed: no provider left: c failed it: lost: Grid Engine has no record of job $HANDLE after 2 s (qstat -j: no such job; qacct -j: not found); run it locally"
}

@test "sge: sge_qmaster restarts while the job runs: polls retry, the job completes" {
	cluster_registry "$DATA/slow-blastp 4 -query {input} -db {database} -outfmt 5 -out {output}"
	id=$(ct-submit -d globins45 q.fa)
	submitted "$id"
	command_pid sleep
	pid=$(cat /var/spool/gridengine/qmaster/qmaster.pid)
	kill "$pid"
	while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
	ct-dispatch 2>>"$LOG"
	run -0 history "$id"
	assert_line --index -1 "Processing: c: will retry in 5 s: sge poll exit 75: sge: qstat -j $HANDLE: unable to send message to qmaster using port 6444 on host \"$HOST\": got send error"
	/etc/init.d/gridengine-master start >/dev/null 2>&1
	until_done "$id"
	run -0 history "$id"
	assert_line --index -1 "Completed: completed by c in N s"
	run -0 ct-fetch -o hbb.xml "$id"
	run -0 xmllint --xpath 'normalize-space((//Hit_def)[1])' hbb.xml
	assert_output HBB_CALAR
	assert_equal "$(acct failed exit_status)" "failed 0,exit_status 0"
}

@test "sge: a wrong registry or job option is refused before qsub; resources are checked" {
	refused_before_submit
	PARAMS=("CT_PARAM_COMMAND=sleep 1" "CT_PARAM_SHARED_DIR=$BATS_TEST_TMPDIR/shared" "CT_PARAM_RESOURCES=h_vmem=1G -b y")
	run -78 --separate-stderr wrap submit <q.fa
	assert_equal "$stderr" "sge: parameter resources: 'h_vmem=1G -b y' has characters other than [ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._@-=,:]"
	# A queue Grid Engine does not have: qsub's own reason, permanent.
	PARAMS=("CT_PARAM_COMMAND=sleep 1" "CT_PARAM_SHARED_DIR=$BATS_TEST_TMPDIR/shared" "CT_PARAM_QUEUE=no.such.q")
	run -69 --separate-stderr wrap submit <q.fa
	assert_equal "$stderr" 'sge: qsub: Unable to run job: Job was rejected because job requests unknown queue "no.such.q"'
}

@test "sge: submit repeated for one attempt: the same job, one qsub, also when the answer was lost" {
	submit_repeated sge_jobs
}

@test "sge: a lost answer for a job that has already ended: found in qacct, not run again" {
	by_hand true
	run -0 --separate-stderr wrap submit <q.fa
	first=$output
	HANDLE=$first
	acct failed >/dev/null
	rm "$W/submitted" "$W/batch.$first"
	run -0 --separate-stderr wrap submit <q.fa
	assert_output "$first"
	assert_equal "$(sge_jobs ct-$JOB-1)" "$first"
	run -0 wrap poll "$first"
	assert_output done
}

@test "sge: cancel of a handle this work directory does not know: nothing to cancel, 0" {
	by_hand "sleep 300"
	run -0 --separate-stderr wrap cancel 999999
	assert_output ""
	assert_equal "$stderr" ""
}

@test "sge: four jobs, one batch: one scheduler's job, one blastp over the four queries, each job its own report" {
	batch_of_four sge_jobs
}

@test "sge: a query blastp refuses in a batch: each query run alone in the batch's job, only that job fails" {
	batch_bad_query
}

@test "sge: one job of a batch cancelled: withdrawn alone, the others complete from the one search" {
	batch_cancel_one
}

@test "sge: every job of a batch cancelled: only then is the scheduler's job stopped" {
	batch_cancel_all
}

@test "sge: submit-batch repeated: the same handles, one job; a job submitted alone after finds its batch's job" {
	batch_repeated sge_jobs
}
