#!/usr/bin/env bats
# The kill -9 torture of issue 19 (t/torture/run), short: every program
# killed at random instants, a full disk, PID namespaces, short deadlines;
# then the checker's figures must all be met. `make torture` runs the long
# one. As root (tmpfs, unshare).

load helper

setup_file() {
	[ "$(id -u)" = 0 ] || return 0
	export TORTURE_DIR="$BATS_FILE_TMPDIR/torture"
	open_above "$BATS_FILE_TMPDIR"
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
	# Each job left unfinished, with its history and calls.
	local ph id
	while read -r ph _ id _; do
		grep -h -e '^event' -e '^tried' "$(cat "$TORTURE_DIR/$ph/spool.path")"/*/"$id"
		grep -h -e " $id " "$TORTURE_DIR/$ph/log/calls"
		tail -n 20 "$TORTURE_DIR/$ph/dispatch.log"
	done < <(grep ' unfinished-job ' "$BATS_FILE_TMPDIR/figures")
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

@test "torture: at most one extra submit a kill, each in the history, and cancelled unless its work died first; no job's only work left running" {
	[ "$(id -u)" = 0 ] || skip "needs root"
	[ "$(figure extra-submits)" -le "$(figure kills)" ]
	[ "$(figure extra-unrecorded)" = 0 ]
	# Each piece of work left running, named, with its job's history and
	# calls, for a failure whose files are gone.
	local ph id q key
	while read -r ph _ id q key; do
		echo "$ph $id $q $key"
		grep -h -e '^event' -e '^tried' "$(cat "$TORTURE_DIR/$ph/spool.path")"/*/"$id"
		grep -h -e " $id " "$TORTURE_DIR/$ph/log/calls"
	done < <(grep -e ' uncancelled-work ' -e ' orphaned-work ' "$BATS_FILE_TMPDIR/figures")
	[ "$(figure extra-uncancelled)" = 0 ]
	[ "$(figure orphaned)" = 0 ]
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

@test "torture: the checker finds the only work of a failed job, left running" {
	[ "$(id -u)" = 0 ] || skip "needs root"
	local spool log=$TORTURE_DIR/storm/log f id=20261201-000000-000000-orphan-1-0 before
	spool=$(cat "$TORTURE_DIR/storm/spool.path")
	run "$BATS_TEST_DIRNAME/torture/run" --check "$TORTURE_DIR"
	before=$(sed -n 's/^storm orphaned //p' <<<"$output")
	# A Failed job of its own query, whose one piece of work ran to its
	# end and was never cancelled.
	f=$(cd "$spool" && ls -d failed/* completed/* 2>/dev/null | head -n 1)
	[ -n "$f" ]
	sed -e "s/^id .*/id $id/" -e 's/^>[^ ]*/>orphan-query/' \
		"$spool/$f" >"$spool/failed/$id"
	printf '0 local orphan-query dddddddddddddddddddddddddddddddd\n' >>"$log/submissions"
	echo dddddddddddddddddddddddddddddddd >>"$log/ended"
	run "$BATS_TEST_DIRNAME/torture/run" --check "$TORTURE_DIR"
	assert_failure
	assert_line "storm orphaned $((before + 1))"
	assert_line "storm orphaned-work $id orphan-query dddddddddddddddddddddddddddddddd"
}
