#!/usr/bin/env bats
# ct-fetch: the result of a completed job, byte for byte, on standard
# output or atomically in a file; for any other job the paper's answers,
# each with the exit status ct-status gives.

load helper
bats_require_minimum_version 1.5.0

teardown() {
	! mountpoint -q "$BATS_TEST_TMPDIR/small" ||
		umount "$BATS_TEST_TMPDIR/small"
}

# A result with every byte value, NULs and a missing final newline among
# them.
binary_result() {
	printf 'Query= q1\n\0\0\001\377\r\n' >"$1"
	printf "$(printf '\\%03o' {0..255})" >>"$1"
	printf '\0tail without newline' >>"$1"
}

@test "a completed job: stdout is the result, byte for byte" {
	binary_result r
	mkjob -s completed -r r "$CT_SPOOL" c1
	ct-fetch c1 >out 2>err
	cmp r out
	[ ! -s err ] || fail "stderr: $(cat err)"
	# The result stays where it is: fetching twice gives it twice.
	ct-fetch c1 >out2
	cmp r out2
	cmp r "$CT_SPOOL/results/c1"
}

@test "a 3 MB result comes through whole" {
	head -c 3145728 /dev/urandom >big
	mkjob -s completed -r big "$CT_SPOOL" c1
	ct-fetch c1 >out 2>err
	cmp big out
	[ ! -s err ]
	# Through a pipe too (short writes, a slow reader).
	ct-fetch c1 | cat >piped
	cmp big piped
}

@test "an empty result is an empty output, exit 0" {
	: >empty
	mkjob -s completed -r empty "$CT_SPOOL" c1
	run -0 --separate-stderr ct-fetch c1
	assert_equal "$output$stderr" ""
}

@test "-o FILE: the result, identical, and nothing else beside it" {
	binary_result r
	mkjob -s completed -r r "$CT_SPOOL" c1
	mkdir d
	run -0 --separate-stderr ct-fetch -o d/result c1
	assert_equal "$output$stderr" ""
	cmp r d/result
	assert_equal "$(ls -A d)" result
	# A bare file name: the current directory.
	mkdir e && cd e
	run -0 ct-fetch -o result c1
	cmp ../r result
	assert_equal "$(ls -A)" result
}

@test "several jobs: their results one after another, in order; the highest answer; -o takes one" {
	printf 'first\n' >r1
	printf 'second\n' >r2
	mkjob -s completed -r r1 "$CT_SPOOL" c1
	mkjob -s completed -r r2 "$CT_SPOOL" c2
	mkjob -s failed -e 'no provider left; run it locally' "$CT_SPOOL" f1
	run -0 ct-fetch c2 c1
	assert_output "second
first"
	run -1 --separate-stderr ct-fetch c1 f1 c2
	assert_output "first
second"
	assert_equal "$stderr" "ct-fetch: f1: job failed: no provider left; run it locally"
	run -4 --separate-stderr ct-fetch c1 nosuch
	assert_output first
	run -0 ct-fetch - <<<"c1 c2"
	assert_output "first
second"
	run -64 --separate-stderr ct-fetch -o out c1 c2
	[[ ${stderr_lines[0]} == "ct-fetch: -o takes the result of one job: give one ID" ]]
	[ ! -e out ]
}

@test "-o naming a device or a FIFO writes into it, never puts a file in its place" {
	head -c 100000 /dev/urandom >r
	mkjob -s completed -r r "$CT_SPOOL" c1
	mkfifo fifo
	timeout 10 cat fifo >got &	# a writer that never comes: 10 s
	run -0 --separate-stderr timeout 10 ct-fetch -o fifo c1
	wait
	assert_equal "$stderr" ""
	cmp r got
	assert_equal "$(stat -c %F fifo)" fifo
	# A null device of the test's own: as root, a rename would have put
	# a file in its place (as it did to /dev/null).
	if [ "$(id -u)" -eq 0 ] && mknod null c 1 3 2>/dev/null; then
		run -0 --separate-stderr ct-fetch -o null c1
		assert_equal "$stderr" ""
		assert_equal "$(stat -c %F null)" "character special file"
	fi
	# No temporary file left beside them.
	run -0 bash -c "ls -A | grep -v -x -e fifo -e got -e null -e r -e spool |
		grep -v '^separate-stderr-' || true"
	assert_output ""
}

@test "-o replaces an existing file, by a rename" {
	head -c 100000 /dev/urandom >r
	mkjob -s completed -r r "$CT_SPOOL" c1
	mkdir d
	head -c 300000 /dev/zero >d/result
	before=$(stat -c %i d/result)
	ln d/result d/hardlink
	run -0 --separate-stderr ct-fetch -o d/result c1
	assert_equal "$stderr" ""
	cmp r d/result
	# A new file took the name; the old one was not written into.
	[ "$(stat -c %i d/result)" != "$before" ] || fail "written in place"
	assert_equal "$(stat -c %s d/hardlink)" 300000
	assert_equal "$(ls -A d | xargs)" "hardlink result"
}

@test "-o with a 3 MB result" {
	head -c 3145728 /dev/urandom >big
	mkjob -s completed -r big "$CT_SPOOL" c1
	run -0 ct-fetch -o "$BATS_TEST_TMPDIR/out" c1
	cmp big out
}

@test "-o into a missing directory: exit 73, a message, nothing created" {
	printf 'result\n' >r
	mkjob -s completed -r r "$CT_SPOOL" c1
	mkdir w && cd w
	run -73 --separate-stderr ct-fetch -o nodir/out c1
	assert_equal "$output" ""
	[[ "$stderr" =~ ^ct-fetch:\ cannot\ create\ nodir/out[^:]*:\ No\ such\ file\ or\ directory$ ]] ||
		fail "stderr: $stderr"
	[ ! -e nodir ] || fail "nodir was created"
	assert_equal "$(ls -A)" ""
	# The job and its result are untouched.
	cmp ../r "$CT_SPOOL/results/c1"
	run -0 ct-status -q c1
}

@test "-o into a directory that cannot be written: 73, nothing created" {
	[ "$(id -u)" -ne 0 ] || skip "root writes anywhere"
	printf 'result\n' >r
	mkjob -s completed -r r "$CT_SPOOL" c1
	mkdir ro && chmod 555 ro
	run -73 --separate-stderr ct-fetch -o ro/out c1
	[[ "$stderr" == "ct-fetch: cannot create ro/out"*": Permission denied" ]] ||
		fail "$stderr"
	assert_equal "$(ls -A ro)" ""
}

@test "-o onto a full device: 74, and the old file is kept" {
	head -c 100000 /dev/urandom >r
	mkjob -s completed -r r "$CT_SPOOL" c1
	# /dev/full can only be written, not replaced by rename, in a
	# directory we may not write: use a tiny tmpfs if we can mount one.
	[ "$(id -u)" -eq 0 ] || skip "needs root to mount a small tmpfs"
	mkdir small
	mount -t tmpfs -o size=64k tmpfs small 2>/dev/null ||
		skip "cannot mount a tmpfs here"
	printf 'old content\n' >small/result
	run --separate-stderr ct-fetch -o small/result c1
	status_was=$status stderr_was=$stderr
	ls_was=$(ls -A small | xargs)
	content_was=$(cat small/result)
	umount small
	assert_equal "$status_was" 74
	[[ "$stderr_was" == "ct-fetch: cannot write small/result"*": No space left on device" ]] ||
		fail "$stderr_was"
	assert_equal "$ls_was" result
	assert_equal "$content_was" "old content"
}

@test "a failed job: exit 1, 'job failed: REASON' with the last event's text" {
	mkjob -s failed -e "every provider failed; run BLAST yourself" \
		"$CT_SPOOL" f1
	run -1 --separate-stderr ct-fetch f1
	assert_equal "$output" ""
	assert_equal "$stderr" \
		"ct-fetch: f1: job failed: every provider failed; run BLAST yourself"
	# With -o, no file is made.
	run -1 ct-fetch -o out f1
	[ ! -e out ] || fail "out was created for a failed job"
	# A reason with a backslash, a tab and an escape byte (stored
	# escaped): the backslash stays, the tab shows as a space, and the
	# control byte as '?', so no reason can drive the user's terminal.
	mkjob -s failed -e 'see C:\tmp\log'$'\t''now'$'\e''[2J' "$CT_SPOOL" f2
	run -1 --separate-stderr ct-fetch f2
	assert_equal "$stderr" 'ct-fetch: f2: job failed: see C:\tmp\log now?[2J'
}

@test "a failed job: the reason is the last event, whatever came before" {
	mkdir -p "$CT_SPOOL"/{tmp,failed}
	uid=$(id -u)
	{
		printf 'cputorrent-job 1\nid f2\nowner %s\nservice blastp\n' "$uid"
		printf 'submitted 1000000000.000000\n'
		printf 'event 1000000000.000000 0 submitted\n'
		printf 'event 1000000001.000000 1 sent to ncbi\n'
		printf 'event 1000000002.000000 3 ncbi: timed out\n'
		printf 'event 1000000003.000000 3 gave up:\\tno provider\\x21\n'
		printf 'input 5\n>x\nA\nend\n'
	} >"$CT_SPOOL/tmp/f2"
	mv "$CT_SPOOL/tmp/f2" "$CT_SPOOL/failed/f2"
	run -1 --separate-stderr ct-fetch f2
	assert_equal "$stderr" "ct-fetch: f2: job failed: gave up: no provider!"
	# No text at all: said so.
	sed -i 's/^event 1000000003.000000 3 .*/event 1000000003.000000 3/' \
		"$CT_SPOOL/failed/f2"
	run -1 --separate-stderr ct-fetch f2
	assert_equal "$stderr" "ct-fetch: f2: job failed: no reason recorded"
}

@test "a processing job: exit 2, 'job processing'" {
	mkjob -s processing -p ncbi "$CT_SPOOL" p1
	run -2 --separate-stderr ct-fetch p1
	assert_equal "$output" ""
	assert_equal "$stderr" "ct-fetch: p1: job processing"
}

@test "a new job: exit 3, 'job new: ...'" {
	fasta q "$PROTEIN"
	id=$(ct-submit q.fa)
	run -3 --separate-stderr ct-fetch "$id"
	assert_equal "$output" ""
	assert_equal "$stderr" "ct-fetch: $id: job new: no provider has taken it yet"
}

@test "a job that does not exist: exit 4, 'job not found'" {
	mkjob -s completed -r /dev/null "$CT_SPOOL" c1
	run -4 --separate-stderr ct-fetch nosuch
	assert_equal "$output" ""
	assert_equal "$stderr" "ct-fetch: nosuch: job not found"
	# A result without a job is no job.
	printf 'orphan\n' >"$CT_SPOOL/results/orphan"
	run -4 --separate-stderr ct-fetch orphan
	assert_equal "$output" ""
	assert_equal "$stderr" "ct-fetch: orphan: job not found"
	# No spool at all: not a job that is missing, but a wrong path.
	CT_SPOOL=$BATS_TEST_TMPDIR/none run -69 --separate-stderr ct-fetch c1
	assert_equal "$output" ""
	assert_equal "$stderr" "ct-fetch: no spool at $BATS_TEST_TMPDIR/none: No such file or directory"
	[ ! -e none ]
}

@test "completed but the result is missing: exit 74 with a message" {
	mkjob -s completed "$CT_SPOOL" c1
	run -74 --separate-stderr ct-fetch c1
	assert_equal "$output" ""
	assert_equal "$stderr" "ct-fetch: c1: job completed, but its result $CT_SPOOL/results/c1 cannot be opened: No such file or directory"
	run -74 ct-fetch -o out c1
	[ ! -e out ] || fail "out was created"
	# No results/ directory at all.
	rmdir "$CT_SPOOL/results"
	run -74 --separate-stderr ct-fetch c1
	assert_equal "$stderr" "ct-fetch: c1: job completed, but its result $CT_SPOOL/results/c1 cannot be opened: No such file or directory"
}

@test "a corrupt job file: exit 74, reported, no result written" {
	printf 'result\n' >r
	mkjob -s completed -r r "$CT_SPOOL" c1
	truncate -s -4 "$CT_SPOOL/completed/c1"
	run -74 --separate-stderr ct-fetch c1
	assert_equal "$output" ""
	assert_equal "$stderr" "ct-fetch: $CT_SPOOL/completed/c1: corrupt job file: input length does not match the file, or the end marker is missing"
}

@test "another user's job: root may fetch it" {
	[ "$(id -u)" -eq 0 ] || skip "only root sees other users' jobs"
	printf 'theirs\n' >r
	mkjob -s completed -u 12345 -r r "$CT_SPOOL" c1
	run -0 ct-fetch c1
	assert_output theirs
}

@test "no ID, or two with -o: exit 64 with the usage" {
	mkjob -s completed -r /dev/null "$CT_SPOOL" c1
	mkjob -s completed -r /dev/null "$CT_SPOOL" c2
	run -64 --separate-stderr ct-fetch
	assert_equal "$output" ""
	assert_equal "$stderr" "ct-fetch: expected at least one job ID
usage: ct-fetch [-f format] [-o file] [-S spool] id ..."
	run -64 --separate-stderr ct-fetch -o out c1 c2
	assert_equal "$output" ""
	assert_equal "$stderr" "ct-fetch: -o takes the result of one job: give one ID
usage: ct-fetch [-f format] [-o file] [-S spool] id ..."
	run -64 ct-fetch -o out
	[ ! -e out ]
}

@test "a bad ID or option: exit 64" {
	run -64 --separate-stderr ct-fetch ../c1
	[[ "$stderr" == "ct-fetch: invalid job ID '../c1'"* ]] || fail "$stderr"
	run -64 --separate-stderr ct-fetch -x c1
	assert_equal "$output" ""
	assert_equal "$stderr" "ct-fetch: -x: unknown option
usage: ct-fetch [-f format] [-o file] [-S spool] id ..."
	run -64 --separate-stderr ct-fetch c1 -o
	assert_equal "$stderr" "ct-fetch: -o: missing argument
usage: ct-fetch [-f format] [-o file] [-S spool] id ..."
}

@test "a full standard output: exit 74, 'cannot write standard output'" {
	printf 'some result\n' >r
	mkjob -s completed -r r "$CT_SPOOL" c1
	run -74 --separate-stderr bash -c 'ct-fetch c1 >/dev/full'
	assert_equal "$stderr" \
		"ct-fetch: cannot write standard output: No space left on device"
}

@test "a closed standard output: exit 74, 'cannot write standard output'" {
	printf 'some result\n' >r
	mkjob -s completed -r r "$CT_SPOOL" c1
	run -74 --separate-stderr bash -c 'ct-fetch c1 >&-'
	[[ "$stderr" == "ct-fetch: cannot write standard output: "* ]] ||
		fail "$stderr"
}

@test "a reader that goes away: exit 74, no hang" {
	head -c 3145728 /dev/zero >big
	mkjob -s completed -r big "$CT_SPOOL" c1
	# SIGPIPE ignored, as under some daemons: the write error is seen.
	run --separate-stderr timeout 20 bash -c \
		'trap "" PIPE; ct-fetch c1 | head -c 10 >/dev/null; exit ${PIPESTATUS[0]}'
	assert_equal "$status" 74
	assert_equal "$stderr" "ct-fetch: cannot write standard output: Broken pipe"
}
