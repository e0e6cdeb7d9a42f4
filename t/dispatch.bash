# dispatch.bash: what the dispatch tests (t/3*.bats) share: writing a
# registry and reading a job's history and the spool's state. Loaded after
# helper.bash.

# registry [DEFAULTS]: write $CT_CONFIG with the server elements on stdin,
# after the <defaults> element DEFAULTS if one is given.
registry() {
	{
		printf '<?xml version="1.0"?>\n<registry version="1">\n%s\n' "${1:-}"
		cat
		printf '</registry>\n'
	} >"$CT_CONFIG"
}

# history ID: the job's history as ct-status -l shows it, one event a line
# as "STATE: TEXT", "completed by ... in N s (M s after submission)" as
# "completed by ... in N s".
history() {
	ct-status -l "$1" | sed -n '/^history$/,$p' | sed -E '1d
		s/^  [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}  ([A-Za-z]+) +/\1: /
		s/^(Completed: completed by .*) in [0-9]+ s \([0-9]+ s after submission\)$/\1 in N s/'
}

# snapshot: every file and directory of the spool with its type, mode,
# size, mtime and, for files, its content's digest.
snapshot() {
	(cd "$CT_SPOOL" && find . -printf '%p %y %m %s %T@\n' | LC_ALL=C sort &&
		find . -type f -exec md5sum {} + | LC_ALL=C sort)
}

# dispatch_setup: the wrappers of t/wrappers, a registry in the test's
# directory, and where marks and the dispatcher's log go: marks/ open to
# the wrappers, which write there as the dispatcher account.
dispatch_setup() {
	export CT_WRAPPER_DIR="$BATS_TEST_DIRNAME/wrappers"
	export CT_CONFIG="$BATS_TEST_TMPDIR/providers.xml"
	MARKS="$BATS_TEST_TMPDIR/marks"
	LOG="$BATS_TEST_TMPDIR/dispatch.log"
	HOST=$(uname -n)
	mkdir -p -m 1777 "$MARKS"
}

# server ID WRAPPER WEIGHT [LIMITS [NAME=VALUE...]]: a blastp server driven
# by t/wrappers/WRAPPER, with the attributes LIMITS on <limits> (default:
# polls at once, no cap to speak of) and the parameters NAME=VALUE.
server() {
	local id=$1 wrapper=$2 weight=$3 limits=${4:-'poll-interval="0" max-jobs="100000"'} p
	shift 3
	shift || true
	printf '<server id="%s" name="server %s"><limits %s/>' "$id" "$id" "$limits"
	printf '<service name="blastp" weight="%s"/><parameters>' "$weight"
	printf '<parameter name="classname">%s</parameter>' "$wrapper"
	for p; do
		printf '<parameter name="%s">%s</parameter>' "${p%%=*}" "${p#*=}"
	done
	printf '</parameters></server>\n'
}

# pass [OPTION...]: one dispatch pass, which must succeed; its log is
# appended to $LOG.
pass() {
	ct-dispatch "$@" 2>>"$LOG"
}

# submit_many N: N one-record jobs, queries q1..qN; their IDs in ids.
submit_many() {
	local i
	for ((i = 1; i <= $1; i++)); do
		printf '>q%d\n%s\n' "$i" "${PROTEIN:0:40}"
	done >many.fa
	ct-submit -r many.fa >ids
	assert_equal "$(wc -l <ids)" "$1"
}

# figures SERVER SECONDS...: a figures file with one run done per SECONDS.
figures() {
	local s=$1 t
	shift
	mkdir -p "$CT_SPOOL/state"
	t=$(($(date +%s) * 1000000))
	{
		echo "breaker closed 0 0 - "
		for x; do echo "$t done $x"; done
	} >"$CT_SPOOL/state/figures.$s"
}
