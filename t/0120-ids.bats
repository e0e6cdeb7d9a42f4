#!/usr/bin/env bats
# Hostile job IDs and hostile files in the spool. Every command refuses a
# bad ID with exit 64 before it touches the file system, and never follows
# a symbolic link or blocks on a FIFO planted in the spool.

load helper
bats_require_minimum_version 1.5.0

ID=20260101-000000-000000-deadbeef-1-0
ID64=$(printf 'a%.0s' {1..64})
RULE="an ID is 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit"

# Each program's usage text, as --usage prints it (t/0010 and t/0020 hold
# it to the page and to --help).
declare -gA USAGE=()
for p in ct-status ct-fetch ct-wait; do
	USAGE[$p]=$("$CT_BUILD/bin/$p" --usage)
done

# The bad IDs (and more for ct-status, which shares the check with all).
# Not -: it stands for the IDs on standard input (t/0200).
BAD=(
	'../x' '/etc/passwd' '-rf' '.' '..' '.hidden' '' 'a/b' "${ID64}b"
	$'a\nb' 'a b' $'a\x01b'
)
MORE_BAD=(
	'_x' "x'y" 'a\b' "caf$(printf '\xc3\xa9')" "$ID/../$ID" "$ID "
	$'\t' $'\x7f'
)

# bad_ids PROGRAM: the bad IDs to try on it.
bad_ids() {
	ids=("${BAD[@]}")
	[ "$1" != ct-status ] || ids+=("${MORE_BAD[@]}")
}

# bad_message ID: the first line each bad ID gets, in $msg.
bad_message() {
	case $1 in
	*$'\n'*) msg="invalid job ID (it has a byte 0x0a)" ;;
	*$'\x01'*) msg="invalid job ID (it has a byte 0x01)" ;;
	$'\t') msg="invalid job ID (it has a byte 0x09)" ;;
	$'\x7f') msg="invalid job ID (it has a byte 0x7f)" ;;
	caf*) msg="invalid job ID (it has a byte 0xc3)" ;;
	*) msg="invalid job ID '$1': $RULE" ;;
	esac
}

# cmd PROGRAM ARG...: run it, setting $status, $output and $stderr as
# `run --separate-stderr` does, at a third of its cost.
cmd() {
	status=0
	output=$("$@" 2>"$BATS_TEST_TMPDIR/stderr") || status=$?
	stderr=$(<"$BATS_TEST_TMPDIR/stderr")
}

local_setup() {
	mkdir -p "$CT_SPOOL"/{tmp,new,processing,completed,failed,results}
}

@test "every command refuses each bad ID with exit 64, the ID's fault and the usage" {
	for p in ct-status ct-fetch ct-wait; do
		bad_ids "$p"
		for id in "${ids[@]}"; do
			cmd "$p" -- "$id"
			bad_message "$id"
			assert_equal "$status" 64
			assert_equal "$output" ""
			assert_equal "$stderr" "$p: $msg
${USAGE[$p]}"
		done
		# Without "--", "-rf" is an unknown option: refused all the same.
		cmd "$p" -rf
		assert_equal "$status" 64
		assert_equal "$stderr" "$p: -rf: unknown option
${USAGE[$p]}"
	done
}

@test "a bad ID among good ones is refused before any is looked up" {
	mkjob "$CT_SPOOL" "$ID"
	for p in ct-status ct-wait; do
		cmd "$p" "$ID" "$ID64" ../x
		assert_equal "$status" 64
		assert_equal "$output" ""
		assert_equal "$stderr" "$p: invalid job ID '../x': $RULE
${USAGE[$p]}"
	done
	# ct-fetch -o does not create its output for a bad ID.
	cmd ct-fetch -o out.txt -- ../x
	assert_equal "$status" 64
	[ ! -e out.txt ]
}

@test "the longest ID (64 characters) and every allowed character are accepted: not found, exit 4" {
	for id in "$ID64" A.b_c-9 0 "${ID64:1}Z"; do
		for p in ct-status ct-fetch ct-wait; do
			cmd "$p" "$id"
			assert_equal "$status" 4
			assert_equal "$output" ""
			assert_equal "$stderr" "$p: $id: job not found"
		done
	done
}

# trace PROGRAM ARG...: run it under strace, its file system calls
# (but its own execve) to trace.txt.
trace() {
	strace -f -qq -e trace=%file -o "$BATS_TEST_TMPDIR/trace.txt" "$@" \
		>/dev/null 2>&1 || true
}

# accessed [NAME]: print the first call in trace.txt that touches the
# spool, looks a name up relative to a directory descriptor (how every
# job file is opened), or names NAME as a path or a last component; false
# if there is none. Pure bash: no process per line.
accessed() {
	local name=$1 l re='[a-z0-9]+at2?\([0-9]+, "[^"]'
	while IFS= read -r l; do
		[[ $l != *' execve('* ]] || continue
		if [[ $l == *"$CT_SPOOL"* || $l =~ $re ]] ||
			[[ -n $name && ($l == *"\"$name\""* ||
			$l == *"/$name\""*) ]]; then
			printf '%s\n' "$l"
			return 0
		fi
	done <"$BATS_TEST_TMPDIR/trace.txt"
	return 1
}

@test "no file system access under a bad ID's name (strace)" {
	command -v strace >/dev/null || skip "strace is not installed"
	strace -f -qq -o /dev/null true 2>/dev/null ||
		skip "strace cannot trace here"
	# The check itself: a good ID is looked up, and the trace shows it.
	mkjob "$CT_SPOOL" "$ID"
	trace ct-status "$ID64"
	accessed "$ID64"
	run -0 grep -E "openat\([0-9]+, \"$ID64\"" "$BATS_TEST_TMPDIR/trace.txt"
	for p in ct-status ct-fetch ct-wait; do
		bad_ids "$p"
		for id in "${ids[@]}"; do
			trace "$p" -- "$id"
			# Names with control bytes are shown escaped by strace:
			# the spool and descriptor checks cover those.
			case $id in
			'' | *[[:cntrl:]]* | caf*) name= ;;
			*) name=$id ;;
			esac
			! accessed "$name" ||
				fail "$p -- '$id' touched the file system"
		done
	done
}

@test "a symbolic link planted under a valid ID is not followed" {
	# A whole, valid job outside the spool, linked into new/.
	mkjob "$BATS_TEST_TMPDIR/elsewhere" "$ID"
	ln -s "$BATS_TEST_TMPDIR/elsewhere/new/$ID" "$CT_SPOOL/new/$ID"
	for p in ct-status ct-fetch ct-wait; do
		cmd "$p" "$ID"
		assert_equal "$status" 74
		assert_equal "$output" ""
		assert_equal "$stderr" "$p: cannot open $CT_SPOOL/new/$ID: Too many levels of symbolic links"
	done
	# Listing all jobs reports it and shows only the real ones.
	mkjob "$CT_SPOOL" "${ID%0}1"
	cmd ct-status
	assert_equal "$status" 74
	assert_regex "$output" "^${ID%0}1	New	blastp	-	[0-9]+\$"
	assert_equal "$stderr" "ct-status: cannot open $CT_SPOOL/new/$ID: Too many levels of symbolic links"
	rm "$CT_SPOOL/new/$ID"

	# A completed job whose result is a link: the result is not read.
	echo secret >"$BATS_TEST_TMPDIR/secret"
	mkjob -s completed -r "$BATS_TEST_TMPDIR/secret" "$CT_SPOOL" "$ID"
	ln -sf "$BATS_TEST_TMPDIR/secret" "$CT_SPOOL/results/$ID"
	cmd ct-fetch "$ID"
	assert_equal "$status" 74
	assert_equal "$output" ""
	assert_equal "$stderr" "ct-fetch: $ID: job completed, but its result $CT_SPOOL/results/$ID cannot be opened: Too many levels of symbolic links"

	# A state directory replaced by a link is not entered either.
	mv "$CT_SPOOL/processing" "$BATS_TEST_TMPDIR/processing.real"
	mkjob -s processing "$BATS_TEST_TMPDIR/elsewhere" "$ID64"
	ln -s "$BATS_TEST_TMPDIR/elsewhere/processing" "$CT_SPOOL/processing"
	cmd ct-status "$ID64"
	assert_equal "$status" 74
	assert_equal "$output" ""
	assert_equal "$stderr" "ct-status: cannot open $CT_SPOOL/processing: Not a directory"
}

@test "a FIFO planted under a valid ID does not hang any command" {
	mkfifo "$CT_SPOOL/completed/$ID"
	for p in ct-status ct-fetch ct-wait; do
		cmd timeout 10 "$p" "$ID"
		assert_equal "$status" 74	# 124 would be the timeout
		assert_equal "$output" ""
		assert_equal "$stderr" "$p: $CT_SPOOL/completed/$ID: not a regular file"
	done
	cmd timeout 10 ct-status
	assert_equal "$status" 74
	assert_equal "$stderr" "ct-status: $CT_SPOOL/completed/$ID: not a regular file"
}

@test "a completed job's result that is a FIFO is refused, not taken for an empty result" {
	mkjob -s completed "$CT_SPOOL" "$ID"
	mkfifo "$CT_SPOOL/results/$ID"
	cmd timeout 10 ct-fetch "$ID"
	assert_equal "$status" 74
	assert_equal "$output" ""
	assert_regex "$stderr" "^ct-fetch: [^
]*$ID[^
]*\$"
	cmd timeout 10 ct-fetch -o out.txt "$ID"
	assert_equal "$status" 74
	[ ! -e out.txt ]
}

@test "a job file under a name that is not its ID is not that job" {
	mkjob "$BATS_TEST_TMPDIR/elsewhere" "$ID"
	other=${ID%0}7
	cp "$BATS_TEST_TMPDIR/elsewhere/new/$ID" "$CT_SPOOL/new/$other"
	for p in ct-status ct-fetch ct-wait; do
		cmd "$p" "$other"
		assert_equal "$status" 4
		assert_equal "$stderr" "$p: $other: job not found"
		cmd "$p" "$ID"
		assert_equal "$status" 4
	done
}

@test "listing all jobs does not show a job file under a name that is not its ID" {
	mkjob "$BATS_TEST_TMPDIR/elsewhere" "$ID"
	cp "$BATS_TEST_TMPDIR/elsewhere/new/$ID" "$CT_SPOOL/new/${ID%0}7"
	cmd ct-status
	refute_output --partial "$ID"
}
