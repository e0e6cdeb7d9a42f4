# blast.bash: for the tests that run a real BLAST+ (t/3400, t/3600): the
# database of 45 real globins, made once per file, and passes until jobs
# have finished.

setup_file() {
	command -v makeblastdb >/dev/null || skip "BLAST+ is missing (ncbi-blast+)"
	makeblastdb -in "$BATS_TEST_DIRNAME/../share/demo/globins45.fa" \
		-dbtype prot -out "$BATS_FILE_TMPDIR/globins45" >/dev/null
}

# dispatch_until_done ID...: passes, a tenth of a second apart, until
# every job is Completed or Failed (at most a minute).
dispatch_until_done() {
	local n
	for ((n = 0; n < 600; n++)); do
		ct-wait -q -t 0 "$@" && return 0
		[ $? -eq 1 ] && return 0
		ct-dispatch
		sleep 0.1
	done
	return 1
}
