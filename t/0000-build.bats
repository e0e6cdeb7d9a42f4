#!/usr/bin/env bats
# The build itself: every program runs, links only what it must, and
# agrees with its man page.

load helper

@test "every program answers --version and --help with status 0" {
	for p in ct-submit ct-status ct-fetch ct-wait; do
		run "$p" --version
		assert_success
		assert_output --regexp "^$p \(cputorrent\) [0-9]"
		run "$p" --help
		assert_success
		assert_line --index 0 --regexp "^usage: $p "
	done
}

@test "the job commands do not link libcurl or libxml2" {
	for p in ct-submit ct-status ct-fetch ct-wait; do
		run ldd "$CT_BUILD/bin/$p"
		assert_success
		refute_output --partial libcurl
		refute_output --partial libxml2
	done
}

@test "local, sge and slurm, run at every poll and fetch, do not link libxml2" {
	# A batch's report is split by libexec's reportsplit, once a batch.
	for p in local sge slurm; do
		run ldd "$CT_BUILD/providers/$p"
		assert_success
		refute_output --partial libxml2
	done
}
