#!/usr/bin/env bats
# The kill -9 torture of issue 19 (t/torture/run), short: every program
# killed at random instants, a full disk, PID namespaces, short deadlines;
# then the checker's figures must all be met. `make torture` runs the long
# one. As root (tmpfs, unshare).

load helper

setup_file() {
	[ "$(id -u)" = 0 ] || return 0
	export TORTURE_DIR="$BATS_FILE_TMPDIR/torture"
	CT_BUILD=$CT_BUILD TORTURE_DIR=$TORTURE_DIR \
		"$BATS_TEST_DIRNAME/torture/run" "${TORTURE_SHORT:-64}" \
		>"$BATS_FILE_TMPDIR/figures" 2>&1 || true
}

# figure NAME: the run's total for NAME.
figure() {
	sed -n "s/^total $1 //p" "$BATS_FILE_TMPDIR/figures"
}

@test "torture: the short run kills at least 60 times and loses nothing" {
	[ "$(id -u)" = 0 ] || skip "needs root"
	cat "$BATS_FILE_TMPDIR/figures"
	[ "$(figure kills)" -ge 60 ]
	[ "$(figure lost)" = 0 ]
	[ "$(figure two-states)" = 0 ]
	[ "$(figure unfinished)" = 0 ]
}

@test "torture: no truncated or wrong result, no call overlaps another" {
	[ "$(id -u)" = 0 ] || skip "needs root"
	[ "$(figure truncated)" = 0 ]
	[ "$(figure wrongly-failed)" = 0 ]
	[ "$(figure overlapping)" = 0 ]
}

@test "torture: at most one extra submit a kill, each in the history, and cancelled unless its work died first" {
	[ "$(id -u)" = 0 ] || skip "needs root"
	[ "$(figure extra-submits)" -le "$(figure kills)" ]
	[ "$(figure extra-unrecorded)" = 0 ]
	[ "$(figure extra-uncancelled)" = 0 ]
}

@test "torture: no cancel answered 0 for a job that then Completed; no name collided" {
	[ "$(id -u)" = 0 ] || skip "needs root"
	[ "$(figure cancel0-completed)" = 0 ]
	[ "$(figure file-exists)" = 0 ]
}

@test "torture: no job ends later than one pass after its deadline" {
	[ "$(id -u)" = 0 ] || skip "needs root"
	# Each late job, named, for a failure whose files are gone.
	grep ' late-job ' "$BATS_FILE_TMPDIR/figures" || true
	[ "$(figure late)" = 0 ]
}

@test "torture: the checker finds a truncated result" {
	[ "$(id -u)" = 0 ] || skip "needs root"
	local spool f
	spool=$(cat "$TORTURE_DIR/storm/spool.path")
	# A result the run counted right, so that the count must go up by one.
	f=$(awk '$3 == "ok" { print $1; exit }' "$TORTURE_DIR/storm/results")
	[ -n "$f" ]
	truncate -s 8 "$spool/results/$f"
	run "$BATS_TEST_DIRNAME/torture/run" --check "$TORTURE_DIR"
	assert_failure
	assert_line "storm truncated $(( $(sed -n 's/^storm truncated //p' \
		"$BATS_FILE_TMPDIR/figures") + 1 ))"
}

@test "torture: the checker finds an extra submit whose work ran on uncancelled, and tells one that died apart" {
	[ "$(id -u)" = 0 ] || skip "needs root"
	local log=$TORTURE_DIR/storm/log q before died
	q=$(awk '$2 == "completed" { print $3; exit }' "$TORTURE_DIR/storm/states")
	[ -n "$q" ]
	before=$(sed -n 's/^storm extra-uncancelled //p' "$BATS_FILE_TMPDIR/figures")
	died=$(sed -n 's/^storm extra-died //p' "$BATS_FILE_TMPDIR/figures")
	# Two more pieces of work for that query, never cancelled: one ran
	# to its end, the other was killed before it could.
	printf '0 local %s %s\n' "$q" ffffffffffffffffffffffffffffffff \
		"$q" eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee >>"$log/submissions"
	echo ffffffffffffffffffffffffffffffff >>"$log/ended"
	run "$BATS_TEST_DIRNAME/torture/run" --check "$TORTURE_DIR"
	assert_failure
	assert_line "storm extra-uncancelled $((before + 1))"
	assert_line "storm extra-died $((died + 1))"
}
