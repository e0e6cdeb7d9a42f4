#!/usr/bin/env bats
# The "local" wrapper (providers/local.c) under the wrapper contract: real
# BLAST jobs on the demo data, failures, cancel, a lost monitor, and what
# must never happen: a shell, a leaked environment, a submit that waits.

load helper

LOCAL="$CT_BUILD/providers/local"
DEMO="$BATS_TEST_DIRNAME/../share/demo"
DATA="$BATS_TEST_DIRNAME/data/local"
CONTRACT_PATH=/usr/local/bin:/usr/bin:/bin
LOST="failed lost: the command's monitor is gone (was the host restarted?)"
# A handle of the right form that no submit gave.
UNKNOWN=0123456789abcdef0123456789abcdef

setup_file() {
	# One BLAST database for every test that needs one.
	if command -v makeblastdb >/dev/null; then
		makeblastdb -in "$DEMO/globins45.fa" -dbtype prot \
			-parse_seqids -out "$BATS_FILE_TMPDIR/globins45" \
			>/dev/null
	fi
}

local_setup() {
	W="$BATS_TEST_TMPDIR/work"
	mkdir -m 0700 "$W"
	DB=
	ATTEMPT=1
	PARAMS=()
	HANDLES=()
	# The first demo query, human beta hemoglobin.
	awk '/^>/ { n++ } n == 1' "$DEMO/queries.fa" >q.fa
}

# Nothing a test started may outlive it.
teardown() {
	local h
	for h in "${HANDLES[@]}"; do
		wr cancel "$h" || true
	done
}

need_blast() {
	command -v blastp >/dev/null && command -v makeblastdb >/dev/null ||
		skip "BLAST+ (blastp, makeblastdb) is not installed"
}

# wr VERB [ARG...]: run the wrapper as ct-dispatch does: in the work
# directory, with exactly the contract's environment, the job's database
# $DB, attempt $ATTEMPT and the server's parameters from the array
# PARAMS. With $TIMEOUT set, under timeout(1); with $NS, under that
# command (a PID namespace of its own).
wr() {
	(cd "$W" && exec ${NS:-} ${TIMEOUT:+timeout "$TIMEOUT"} env -i \
		PATH="$CONTRACT_PATH" LANG=C LC_ALL=C HOME="$W" TMPDIR="$W" \
		CT_CONTRACT=1 CT_JOB_ID=job-1 CT_ATTEMPT="$ATTEMPT" CT_SERVER=here \
		CT_SERVICE=blastp CT_DATABASE="$DB" CT_WORKDIR="$W" \
		CT_DEADLINE=4102444800 CT_PARAM_CLASSNAME=local \
		"${PARAMS[@]}" "$LOCAL" "$@")
}

# command WORDS: the server's "command" parameter.
command_is() {
	PARAMS+=("CT_PARAM_COMMAND=$1")
}

# submit [OPTION...]: submit q.fa as attempt $ATTEMPT, then count one
# more; the handle in $H, checked for its form, its run directory in $R.
submit() {
	run -0 --separate-stderr wr submit "$@" <q.fa
	assert_output --regexp '^[0-9a-f]{32}$'
	assert_equal "$stderr" ""
	H=$output
	R="$W/run.$H"
	HANDLES+=("$H")
	ATTEMPT=$((ATTEMPT + 1))
}

# monitor KEY: the value of KEY (pid, start, boot) in $R/monitor.
monitor() {
	sed -n "s/^$1=//p" "$R/monitor"
}

# settle [SECONDS]: poll $H until it is no longer running (30 s at most);
# the answer is in $output. Every answer before it must be "running".
settle() {
	local i
	for ((i = 0; i < ${1:-30} * 20; i++)); do
		run -0 --separate-stderr wr poll "$H"
		assert_equal "$stderr" ""
		[ "$output" = running ] || return 0
		sleep 0.05
	done
	fail "still running after ${1:-30} s"
}

# result: the fetched result of $H, whole, in the file result.
result() {
	wr fetch "$H" >result
}

# running_in SID: the processes of session SID that still run (a zombie
# has ended; it only waits for init to collect it).
running_in() {
	ps -e -o sid=,stat=,pid=,comm= | awk -v sid="$1" '$1 == sid && $2 !~ /^Z/'
}

# start_time PID: field 22 of /proc/PID/stat.
start_time() {
	sed 's/.*) //' "/proc/$1/stat" | cut -d' ' -f20
}

@test "blastp on the demo data: a handle, running, then done, and BLAST XML" {
	need_blast
	DB=globins45
	PARAMS=("CT_PARAM_DATABASE_GLOBINS45=$BATS_FILE_TMPDIR/globins45")
	command_is "blastp -query {input} -db {database} -outfmt 5 -out {output}"
	submit
	cmp q.fa "$R/input.fa"
	# BLAST takes a few tenths of a second; a fast host may be done.
	run -0 wr poll "$H"
	[[ "$output" = running || "$output" = done ]]
	settle
	assert_output done
	result
	cmp result "$R/output"
	run -0 xmllint --xpath 'string(//BlastOutput_query-def)' result
	assert_output "HBB_HUMAN Human beta hemoglobin"
	run -0 xmllint --xpath 'count(//Hit[Hit_id="HBB_CALAR"])' result
	assert_output 1
	run -0 xmllint --xpath 'count(//Hit)' result
	[ "$output" -ge 10 ]
	assert_equal "$(cat "$R/status")" "exit 0"
}

@test "a failing command: poll names its status and its last stderr line" {
	need_blast
	command_is "blastp -query {input} -db nosuchdb -outfmt 5"
	submit
	settle
	assert_output --regexp '^failed command exited with status 2: BLAST Database error: No alias or index file found for protein database \[nosuchdb\]'
	[ "${#output}" -le 500 ]
	run -69 --separate-stderr wr fetch "$H"
	assert_output ""
	assert_equal "$stderr" "local: no result: the command did not succeed"
}

@test "the poll reason: the last non-empty stderr line, without control bytes, cut at 200 bytes" {
	command_is "$DATA/fail 3"
	submit
	settle
	assert_output "failed command exited with status 3: the last line"
	PARAMS=()
	command_is "$DATA/fail 4 199"
	submit
	settle
	# The cut at 200 bytes falls inside a two-byte character: it goes.
	assert_output "failed command exited with status 4: $(printf '%0199d' 0)"
	PARAMS=()
	command_is "$DATA/fail 5 198"
	submit
	settle
	# The cut falls just after it: it stays.
	assert_output "failed command exited with status 5: $(printf '%0198d\303\251' 0)"
	PARAMS=()
	command_is "false"
	submit
	settle
	assert_output "failed command exited with status 1"
}

@test "cancel: SIGTERM ends the command, poll says so, nothing is left" {
	command_is "sleep 30"
	submit
	pid=$(monitor pid)
	assert_equal "$(monitor start)" "$(start_time "$pid")"
	assert_equal "$(monitor boot)" "$(cat /proc/sys/kernel/random/boot_id)"
	# The monitor leads its own session, the command in it.
	run -0 running_in "$pid"
	assert_equal "${#lines[@]}" 2
	assert_line --regexp "^ *$pid +[RS][^ ]* +$pid local\$"
	assert_line --regexp "^ *$pid +[RS][^ ]* +[0-9]+ sleep\$"
	run -0 wr poll "$H"
	assert_output running
	# The same pid with another start time is some other process, and
	# so is the same pid and start time after a reboot (told by the pid
	# alone, without the lock the monitor holds).
	mv "$R/alive" alive.saved
	cp "$R/monitor" monitor.saved
	sed -i "s/^start=.*/start=$(($(monitor start) + 1))/" "$R/monitor"
	run -0 wr poll "$H"
	assert_output "$LOST"
	cp monitor.saved "$R/monitor"
	sed -i "s/^boot=.*/boot=00000000-0000-0000-0000-000000000000/" "$R/monitor"
	run -0 wr poll "$H"
	assert_output "$LOST"
	cp monitor.saved "$R/monitor"
	mv alive.saved "$R/alive"
	run -75 --separate-stderr wr fetch "$H"
	assert_equal "$stderr" "local: the command is still running"

	SECONDS=0
	run -0 --separate-stderr wr cancel "$H"
	assert_equal "$stderr" ""
	[ "$SECONDS" -le 1 ]
	run -0 wr poll "$H"
	assert_output "failed command killed by signal 15 (SIGTERM)"
	run -0 running_in "$pid"
	assert_output ""
	# Nothing left to cancel is not an error either.
	run -0 wr cancel "$H"
	run -69 wr fetch "$H"
}

@test "cancel: a command that ignores SIGTERM gets SIGKILL after 2 s" {
	command_is "$DATA/ignore-term"
	submit
	pid=$(monitor pid)
	for ((i = 0; i < 100; i++)); do
		[ -e "$W/ready" ] && break
		sleep 0.05
	done
	[ -e "$W/ready" ]
	SECONDS=0
	run -0 wr cancel "$H"
	[ "$SECONDS" -ge 1 ]
	[ "$SECONDS" -le 4 ]
	run -0 wr poll "$H"
	assert_output "failed command killed by signal 9 (SIGKILL)"
	run -0 running_in "$pid"
	assert_output ""
}

@test "a monitor killed with its command: poll says lost, fetch has nothing" {
	command_is "sleep 30"
	submit
	pid=$(monitor pid)
	kill -KILL -- "-$pid"
	for ((i = 0; i < 100; i++)); do
		[ -e "/proc/$pid" ] || break
		[ "$(sed 's/.*) //' "/proc/$pid/stat" | cut -c1)" != Z ] || break
		sleep 0.05
	done
	run -0 wr poll "$H"
	assert_output "$LOST"
	run -69 --separate-stderr wr fetch "$H"
	assert_equal "$stderr" "local: no result: the command's monitor is gone"
	run -0 wr cancel "$H"
	[ ! -e "$R/status" ]
}

@test "submit returns at once: no pipe of the dispatcher stays open" {
	command_is "sleep 3"
	start=$(date +%s%N)
	H=$(TIMEOUT=5 wr submit <q.fa | cat)
	end=$(date +%s%N)
	HANDLES+=("$H")
	[ $(((end - start) / 1000000)) -lt 2000 ]
	[[ "$H" =~ ^[0-9a-f]{32}$ ]]
	R="$W/run.$H"
	run -0 wr poll "$H"
	assert_output running
	# The monitor holds its own files and nothing else: 3 is the lock
	# that says it lives.
	pid=$(monitor pid)
	run -0 ls "/proc/$pid/fd"
	assert_equal "$(echo $output)" "0 1 2 3"
	assert_equal "$(readlink "/proc/$pid/fd/3")" "$R/alive"
	assert_equal "$(readlink "/proc/$pid/fd/0")" /dev/null
	assert_equal "$(readlink "/proc/$pid/fd/1")" "$R/output"
	assert_equal "$(readlink "/proc/$pid/fd/2")" "$R/stderr"
}

@test "the command sees the contract's environment and nothing else, in its run directory" {
	export LEAKED_FROM_TEST=secret
	PARAMS=(CT_PARAM_API_KEY=s3cr3t)
	command_is env
	submit
	settle
	assert_output done
	result
	run -0 sort result
	assert_output "CT_ATTEMPT=1
CT_CONTRACT=1
CT_DATABASE=
CT_DEADLINE=4102444800
CT_JOB_ID=job-1
CT_PARAM_API_KEY=s3cr3t
CT_PARAM_CLASSNAME=local
CT_PARAM_COMMAND=env
CT_SERVER=here
CT_SERVICE=blastp
CT_WORKDIR=$W
HOME=$W
LANG=C
LC_ALL=C
PATH=$CONTRACT_PATH
TMPDIR=$W"
	PARAMS=()
	command_is pwd
	submit
	settle
	result
	assert_equal "$(cat result)" "$R"
}

@test "no shell: hostile headers and command words stay plain text" {
	printf '>q;touch pwned1 $(touch pwned2) `touch pwned3` |touch pwned4\nMKV\n' >q.fa
	command_is "cat {input}"
	submit
	settle
	assert_output done
	result
	cmp q.fa result
	PARAMS=()
	command_is 'echo a;touch pwned5 $(touch pwned6) `touch pwned7` >pwned8 &&'
	submit
	settle
	result
	assert_equal "$(cat result)" 'a;touch pwned5 $(touch pwned6) `touch pwned7` >pwned8 &&'
	run find "$BATS_TEST_TMPDIR" -name 'pwned*'
	assert_output ""
}

@test "option values with shell metacharacters are refused (65), and nothing starts" {
	PARAMS=("CT_PARAM_OPTIONS=evalue")
	command_is echo
	for v in '1;touch pwned' '$(touch pwned)' '`touch pwned`' 'a b' '' \
		'1|x' 'x>y' '../../etc/passwd' "a$(printf '\t')b" \
		"$(printf '1\nx')" "$(printf 'a%.0s' {1..65})"; do
		run -65 --separate-stderr wr submit "evalue=$v" <q.fa
		assert_output ""
		assert_equal "$stderr" "local: option evalue: a value must be 1 to 64 characters of A-Z a-z 0-9 . _ + -"
	done
	run -0 find "$W" -name 'run.*'
	assert_output ""
	run find "$BATS_TEST_TMPDIR" -name 'pwned*'
	assert_output ""
	# 64 characters are fine.
	submit "evalue=$(printf 'a%.0s' {1..64})"
}

@test "options: only the listed keys pass, each as -key value" {
	PARAMS=("CT_PARAM_OPTIONS=evalue max_target_seqs")
	command_is "echo {input}"
	submit evalue=1e-5 max_target_seqs=5 evalue=10
	settle
	assert_output done
	result
	assert_equal "$(cat result)" "$R/input.fa -evalue 1e-5 -max_target_seqs 5 -evalue 10"
	run -65 --separate-stderr wr submit out=/etc/passwd <q.fa
	assert_equal "$stderr" "local: option out is not allowed by server here"
	# A key must match a listed word whole.
	run -65 --separate-stderr wr submit eval=1 <q.fa
	assert_equal "$stderr" "local: option eval is not allowed by server here"
	run -64 wr submit evalue <q.fa
	run -64 wr submit =1 <q.fa
	# No list: no options.
	PARAMS=()
	command_is echo
	run -65 --separate-stderr wr submit evalue=1 <q.fa
	assert_equal "$stderr" "local: option evalue is not allowed by server here"
}

@test "placeholders are whole words; with {output} stdout is kept aside" {
	PARAMS=(CT_PARAM_DATABASE=/data/blast/nr)
	command_is "echo {input} {database} {output} x{input} {input}x {INPUT}"
	submit
	settle
	assert_output "failed command exited with status 0 but wrote no output file"
	assert_equal "$(cat "$R/stdout")" "$R/input.fa /data/blast/nr $R/output x{input} {input}x {INPUT}"
	run -69 wr fetch "$H"
}

@test "databases: the job's by its folded name, else the server's default; not offered is 69" {
	PARAMS=(CT_PARAM_DATABASE_SWISSPROT_2024_1=/db/sp CT_PARAM_DATABASE=/db/default)
	command_is "echo {database}"
	DB=SwissProt-2024.1
	submit
	settle
	result
	assert_equal "$(cat result)" /db/sp
	DB=
	submit
	settle
	result
	assert_equal "$(cat result)" /db/default
	# A database the job names must be offered, {database} or not.
	DB=pdb
	PARAMS=()
	command_is "echo x"
	run -69 --separate-stderr wr submit <q.fa
	assert_equal "$stderr" "local: database pdb is not offered by this server"
	# A job without one: fine, unless the command needs one.
	DB=
	submit
	PARAMS=()
	command_is "echo {database}"
	run -69 --separate-stderr wr submit <q.fa
	assert_equal "$stderr" "local: the job names no database and this server has no default one (parameter database)"
}

@test "the command is checked at submit: not found or not executable is 78" {
	command_is "mkjob {input}"	# on the tests' PATH, not the contract's
	run -78 --separate-stderr wr submit <q.fa
	assert_equal "$stderr" "local: parameter command: mkjob: no executable of that name in PATH ($CONTRACT_PATH)"
	run -0 find "$W" -name 'run.*'
	assert_output ""
	# Never a program of the work directory, whatever PATH says.
	mkdir "$W/bin"
	printf '#!/bin/sh\necho evil\n' >"$W/bin/evil"
	cp "$W/bin/evil" "$W/evil"
	chmod +x "$W/evil" "$W/bin/evil"
	PARAMS=("PATH=:bin:.:$CONTRACT_PATH")
	command_is evil
	run -78 --separate-stderr wr submit <q.fa
	assert_equal "$stderr" "local: parameter command: evil: no executable of that name in PATH (:bin:.:$CONTRACT_PATH)"
	PARAMS=()
	command_is "/etc/passwd"
	run -78 --separate-stderr wr submit <q.fa
	assert_equal "$stderr" "local: parameter command: /etc/passwd: not an executable file"
	# Executable by its mode, but no program: exec fails, after the
	# checks, and submit still reports it.
	printf 'not a program\n' >"$BATS_TEST_TMPDIR/junk"
	chmod +x "$BATS_TEST_TMPDIR/junk"
	PARAMS=()
	command_is "$BATS_TEST_TMPDIR/junk"
	run -78 --separate-stderr wr submit <q.fa
	assert_output ""
	assert_equal "$stderr" "local: cannot run $BATS_TEST_TMPDIR/junk: Exec format error"
	PARAMS=()
	command_is "./x"
	run -78 --separate-stderr wr submit <q.fa
	assert_equal "$stderr" "local: parameter command: ./x: a relative path; give a name found in PATH or an absolute path"
	PARAMS=()
	command_is "$(printf ' \t ')"
	run -78 --separate-stderr wr submit <q.fa
	assert_equal "$stderr" "local: parameter command has no words"
	PARAMS=()
	run -78 --separate-stderr wr submit <q.fa
	assert_equal "$stderr" "local: parameter command is not set"
	command_is "/bin/echo hi"
	submit
	settle
	result
	assert_equal "$(cat result)" hi
}

@test "usage errors are 64: verbs, handles, environment" {
	run -64 --separate-stderr wr
	assert_equal "${stderr_lines[0]}" "local: no verb"
	run -64 --separate-stderr wr frobnicate
	assert_equal "${stderr_lines[0]}" "local: unknown verb 'frobnicate'"
	assert_equal "${stderr_lines[1]}" "usage: local submit [key=value ...] <input"
	run -64 --separate-stderr wr poll
	assert_equal "${stderr_lines[0]}" "local: expected one handle"
	run -64 wr fetch 1:2 3:4
	for h in abc 12 12:5 "${UNKNOWN}0" "${UNKNOWN%f}" "${UNKNOWN^^}" \
		" ${UNKNOWN#0}" "${UNKNOWN%f} " "../${UNKNOWN#...}" \
		"${UNKNOWN%f}g"; do
		run -64 --separate-stderr wr poll "$h"
		assert_equal "${stderr_lines[0]}" "local: handle: expected 32 hexadecimal digits"
		run -64 wr cancel "$h"
	done
	run -64 --separate-stderr env -i CT_JOB_ID=x "$LOCAL" poll "$UNKNOWN"
	assert_equal "$stderr" "local: CT_WORKDIR is not set (run me from ct-dispatch)"
	run -64 --separate-stderr env -i CT_WORKDIR="$W" "$LOCAL" poll "$UNKNOWN"
	assert_equal "$stderr" "local: CT_JOB_ID is not set (run me from ct-dispatch)"
	run -64 --separate-stderr env -i CT_JOB_ID=x CT_WORKDIR=work "$LOCAL" poll "$UNKNOWN"
	assert_equal "${stderr_lines[0]}" "local: CT_WORKDIR must be an absolute path"
}

@test "input: over 64 MiB is refused (65); 64 MiB is taken" {
	command_is true
	truncate -s $((64 * 1024 * 1024 + 1)) big
	run -65 --separate-stderr wr submit <big
	assert_equal "$stderr" "local: input larger than 64 MiB"
	run -0 find "$W" -name 'run.*'
	assert_output ""
	truncate -s $((64 * 1024 * 1024)) big
	run -0 wr submit <big
	HANDLES+=("$output")
	assert_equal "$(stat -c %s "$W/run.$output/input.fa")" $((64 * 1024 * 1024))
	rm big "$W/run.$output/input.fa"
}

@test "each attempt starts clean, in a run directory of its own" {
	command_is false
	submit
	settle
	assert_output "failed command exited with status 1"
	PARAMS=()
	command_is "echo first"
	submit
	settle
	assert_output done
	# The last attempt's ending and result are not the new one's.
	PARAMS=()
	command_is "echo {output}"
	submit
	settle
	assert_output "failed command exited with status 0 but wrote no output file"
	PARAMS=()
	command_is "sleep 5"
	submit
	run -0 wr poll "$H"
	assert_output running
	run -75 wr fetch "$H"
	[ ! -s "$R/output" ]
}

# counter: a command that notes each start in $BATS_TEST_TMPDIR/starts,
# with its attempt, then sleeps for $1 seconds and prints its attempt.
make_counter() {
	printf '#!/bin/sh\necho "$CT_ATTEMPT" >>"%s/starts"\nsleep "$1"\necho "attempt $CT_ATTEMPT"\n' \
		"$BATS_TEST_TMPDIR" >counter
	chmod +x counter
	: >starts
	command_is "$BATS_TEST_TMPDIR/counter $1"
}

# starts_of N: how many times attempt N's command started.
starts_of() {
	grep -cx "$1" starts || true
}

@test "a repeated submit of one attempt gives its handle again and starts nothing" {
	make_counter 2
	run -0 --separate-stderr wr submit <q.fa
	H=$output
	HANDLES+=("$H")
	# The same attempt again, while its command runs.
	run -0 --separate-stderr wr submit <q.fa
	assert_output "$H"
	assert_equal "$stderr" ""
	sleep 0.2
	assert_equal "$(starts_of 1)" 1
	# And once it has ended.
	settle 10
	assert_output done
	run -0 --separate-stderr wr submit <q.fa
	assert_output "$H"
	assert_equal "$(starts_of 1)" 1
	# Another attempt is another run.
	ATTEMPT=2
	run -0 --separate-stderr wr submit <q.fa
	HANDLES+=("$output")
	[ "$output" != "$H" ]
	sleep 0.2
	assert_equal "$(starts_of 1)" 1
	assert_equal "$(starts_of 2)" 1
}

@test "a handle sees its own attempt's output, never another's" {
	make_counter 2
	run -0 wr submit <q.fa
	first=$output
	HANDLES+=("$first")
	PARAMS=()
	command_is "echo second"
	ATTEMPT=2
	run -0 wr submit <q.fa
	H=$output
	HANDLES+=("$H")
	settle 10
	assert_output done
	result
	assert_equal "$(cat result)" second
	# The first attempt's monitor still runs: its handle says so.
	run -0 wr poll "$first"
	assert_output running
	run -75 wr fetch "$first"
	H=$first
	settle 10
	assert_output done
	result
	assert_equal "$(cat result)" "attempt 1"
	run -0 wr fetch "${HANDLES[1]}"
	assert_output second
}

# submit_to_full: a submit whose standard output cannot be written.
submit_to_full() {
	wr submit <q.fa >/dev/full
}

@test "a submit whose handle was lost: submitted again, the same handle, one command" {
	make_counter 2
	# Its standard output cannot be written: the handle is lost after
	# the command started, as when the dispatcher dies at that moment.
	run -74 submit_to_full
	sleep 0.2
	assert_equal "$(starts_of 1)" 1
	run -0 --separate-stderr wr submit <q.fa
	H=$output
	HANDLES+=("$H")
	sleep 0.2
	assert_equal "$(starts_of 1)" 1
	settle 10
	assert_output done
}

@test "submit killed at any instant, then submitted again: never a second command" {
	no_leak_check
	make_counter 1
	for ((a = 1; a <= 30; a++)); do
		ATTEMPT=$a
		wr submit <q.fa >/dev/null 2>&1 &
		sleep "0.00$((RANDOM % 10))"
		kill -KILL $! 2>/dev/null || true
		wait $! || true
		run -0 --separate-stderr wr submit <q.fa
		HANDLES+=("$output")
	done
	sleep 1.5
	for ((a = 1; a <= 30; a++)); do
		assert_equal "attempt $a: $(starts_of $a)" "attempt $a: 1"
	done
}

@test "an unknown handle of the right form: lost to poll, no result, nothing to cancel" {
	run -0 --separate-stderr wr poll "$UNKNOWN"
	assert_output "failed lost: no such run in the work directory"
	run -69 --separate-stderr wr fetch "$UNKNOWN"
	assert_equal "$stderr" "local: no result: no such run in the work directory"
	run -0 --separate-stderr wr cancel "$UNKNOWN"
	assert_output ""
	assert_equal "$stderr" ""
}

@test "a monitor started in another PID namespace: alive by its lock there, not lost; cancel from here is try-later" {
	command -v unshare >/dev/null || skip "unshare is missing"
	unshare --pid --fork --mount-proc true 2>/dev/null || skip "no PID namespaces here"
	command_is "sleep 3"
	# The namespace's PID 1 submits, then lives on, as a dispatcher would.
	printf '#!/bin/sh\n"$@" <"$IN" >"$OUT"\nsleep 8\n' >ns.sh
	IN=$PWD/q.fa OUT=$PWD/h NS="unshare --pid --fork --mount-proc sh $PWD/ns.sh" \
		wr submit &
	for i in $(seq 100); do [ -s h ] && break; sleep 0.05; done
	H=$(cat h)
	[[ $H =~ ^[0-9a-f]{32}$ ]] || fail "no handle: '$H'"
	R="$W/run.$H"
	# Its pid is the namespace's, not ours: the lock says it lives.
	run -0 wr poll "$H"
	assert_output running
	run -75 --separate-stderr wr cancel "$H"
	assert_equal "$stderr" "local: the command's monitor runs in another PID namespace: cancel it from there"
	settle
	assert_output done
	wait
}

# check: what ct-providers check gives a wrapper, no job and no CT_WORKDIR.
chk() {
	(cd "$W" && env -i PATH="$CONTRACT_PATH" LANG=C LC_ALL=C HOME="$W" \
		TMPDIR="$W" CT_CONTRACT=1 CT_SERVER=here CT_PARAM_CLASSNAME=local \
		CT_LIBEXEC_DIR="$CT_LIBEXEC_DIR" "${PARAMS[@]}" "$LOCAL" "$@")
}

@test "check: the command's program and every database, each problem a line on stdout, exit 78" {
	mkdir db
	touch db/prot.pin db/nucl.nal
	PARAMS=("CT_PARAM_COMMAND=blastpp -query {input} -db {database}"
		"CT_PARAM_DATABASE=$PWD/db/missing"
		"CT_PARAM_DATABASE_PROT=$PWD/db/prot"
		"CT_PARAM_DATABASE_NUCL=$PWD/db/nucl"
		"CT_PARAM_DATABASE_SWISSPROT=swissprot"
		"CT_PARAM_DATABASE_NR=$PWD/nosuch/nr")
	run -78 --separate-stderr chk check
	assert_equal "$output" "parameter command: blastpp: no executable of that name in PATH ($CONTRACT_PATH)
parameter database: $PWD/db/missing: no BLAST database there (no $PWD/db/missing.pal, .pin, .nal or .nin)
parameter database.swissprot: swissprot is not an absolute path (the command runs in the job's own directory)
parameter database.nr: $PWD/nosuch/nr: no BLAST database there (no $PWD/nosuch/nr.pal, .pin, .nal or .nin)"
	assert_equal "$stderr" ""
	# Found as submit would run it: by an absolute path, or in PATH.
	PARAMS=("CT_PARAM_COMMAND=/etc/passwd")
	run -78 chk check
	assert_output "parameter command: /etc/passwd: not an executable file"
	PARAMS=()
	run -78 chk check
	assert_output "parameter command is not set"
	PARAMS=("CT_PARAM_COMMAND=cat {input}" "CT_PARAM_DATABASE_PROT=$PWD/db/prot")
	run -0 --separate-stderr chk check
	assert_equal "$output$stderr" ""
	assert_equal "$(ls -A "$W")" ""
	run -64 chk check extra
}

@test "check: a real BLAST database, made by makeblastdb, is found" {
	need_blast
	PARAMS=("CT_PARAM_COMMAND=blastp -query {input} -db {database} -outfmt 5 -out {output}"
		"CT_PARAM_DATABASE_GLOBINS=$BATS_FILE_TMPDIR/globins45")
	run -0 chk check
	assert_output ""
}

@test "check: a batch's report splitter that cannot be run is a problem" {
	PARAMS=("CT_PARAM_COMMAND=cat {input}")
	CT_LIBEXEC_DIR=$PWD/nosuch run -78 --separate-stderr chk check
	assert_equal "$output" "cannot run $PWD/nosuch/reportsplit, which splits a batch's report: No such file or directory"
	assert_equal "$stderr" ""
}
