# helper.bash: loaded by every test file. Each test gets a fresh spool of
# its own under $BATS_TEST_TMPDIR, the programs of the build under test
# first on PATH, and the bats-support and bats-assert libraries.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

: "${CT_BUILD:=$BATS_TEST_DIRNAME/../build}"
T="$BATS_TEST_DIRNAME"
PATH="$CT_BUILD/bin:$T/lib:$PATH"
export PATH
# Where ct-fetch finds blastfmt, which converts results for -f.
export CT_LIBEXEC_DIR="$CT_BUILD/libexec"

# open_above DIR...: as root, each DIR and every directory above it made
# searchable by others, for the dispatcher account that a root
# ct-dispatch runs the wrappers as (ct-dispatch(8), Privileges): they
# reach the spool and the databases by their paths.
open_above() {
	local d
	[ "$(id -u)" -eq 0 ] || return 0
	for d; do
		while [ "$d" != / ]; do
			chmod o+x "$d"
			d=$(dirname "$d")
		done
	done
}

# open_test_dir: the test's directory and the test file's (databases made
# once a file) reachable by the wrappers; the test's writable by all,
# sticky, as /tmp is, for what the wrappers write and the tests read back.
open_test_dir() {
	[ "$(id -u)" -eq 0 ] || return 0
	open_above "$BATS_TEST_TMPDIR" "$BATS_FILE_TMPDIR"
	chmod 1777 "$BATS_TEST_TMPDIR"
}

setup() {
	open_test_dir
	export CT_SPOOL="$BATS_TEST_TMPDIR/spool"
	export TZ=UTC
	unset CT_CONFIG
	cd "$BATS_TEST_TMPDIR" || return 1
	if declare -F local_setup >/dev/null; then
		local_setup
	fi
}

# fasta NAME RESIDUES...: write a one-record FASTA file NAME.fa.
fasta() {
	local name=$1
	shift
	printf '>%s\n%s\n' "$name" "$*" >"$name.fa"
}

# A real protein and a real nucleotide query (human insulin; its mRNA start).
PROTEIN=MALWMRLLPLLALLALWGPDPAAAFVNQHLCGSHLVEALYLVCGERGFFYTPKTRREAEDLQVGQVELGGGPGAGSLQPLALEGSLQKRGIVEQCCTSICSLYQLENYCN
NUCLEOTIDE=AGCCCTCCAGGACAGGCTGCATCAGAAGAGGCCATCAAGCAGATCACTGTCCTTCTGCCATGGCCCTGTGGATGCGCCTCCTGCCCCTGCTGGCGCTGCTGGCC

# jobs_in STATE-DIR: how many job files the spool has there.
jobs_in() {
	find "$CT_SPOOL/$1" -maxdepth 1 -type f 2>/dev/null | wc -l
}

# Under SANITIZE=1 builds: any finding stops the program and fails the test.
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=86

# need_strace: skip the test where strace is missing or cannot trace.
need_strace() {
	command -v strace >/dev/null || skip "strace is missing (Debian package strace)"
	strace -o /dev/null true 2>/dev/null ||
		skip "strace cannot trace here (ptrace not permitted)"
}

# LeakSanitizer cannot run in a traced process, nor survive a SIGKILL in
# the middle of its check at exit: tests that run programs under strace,
# or kill them, turn leak checks off (the same paths are leak-checked by the
# other tests). Set-group-ID runs are handled in t/san/lsan-options.c.
no_leak_check() {
	export ASAN_OPTIONS=detect_leaks=0:abort_on_error=0:exitcode=86
}

# stderr_line ARGS: assert_line on the stderr of `run --separate-stderr`.
stderr_line() {
	local output=$stderr
	local -a lines=("${stderr_lines[@]}")
	assert_line "$@"
}

# assert_own_result ID: the job's result is BLAST XML of its own query
# alone, whose best hit is that query itself (each is in the database):
# the part of a batch's report (t/3600, t/5000, t/5100) that is the job's.
assert_own_result() {
	ct-fetch -o "$1.xml" "$1"
	run -0 xmllint --xpath 'count(//Iteration)' "$1.xml"
	assert_output 1
	run -0 xmllint --xpath 'normalize-space(//Iteration_query-def)' "$1.xml"
	def=$output
	run -0 xmllint --xpath 'normalize-space((//Hit_def)[1])' "$1.xml"
	assert_equal "$output" "$def"
	run -0 xmllint --xpath 'string(//BlastOutput_query-def)' "$1.xml"
	assert_equal "$(echo $output)" "$def"
}

# A test that starts a program in the background keeps its PID in $pid. If
# the test fails before it stops it, stop it here: bats would otherwise
# wait for it for ever, since it holds the test's output open.
teardown() {
	if declare -F local_teardown >/dev/null; then
		local_teardown
	fi
	if [ -n "${pid:-}" ]; then
		kill -KILL "$pid" 2>/dev/null || true
	fi
}
