# common.sh: what the cluster set-up scripts share. Sourced, not run.
#
# Exit statuses of the *-up scripts, which the tests read:
#   0   the scheduler is up and has run a trivial job
#   2   this machine cannot host it (not root, packages not installable,
#       a configuration that is not ours); the message says which
#   1   anything else: a real failure, to be looked into
set -u
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH LC_ALL=C

prog=${0##*/}
say() { echo "$prog: $*" >&2; }
cannot() { say "$*"; exit 2; }
die() { say "$*"; exit 1; }

need_root() {
	[ "$(id -u)" = 0 ] || cannot "not root: a scheduler's daemons and packages need root"
}

# need_packages PKG...: install what is missing, waiting for another
# apt-get or dpkg that holds the lock.
need_packages() {
	local missing= p n
	for p; do
		dpkg-query -W -f '${Status}\n' "$p" 2>/dev/null |
			grep -q '^install ok installed$' || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	command -v apt-get >/dev/null || cannot "no apt-get to install$missing"
	say "installing$missing"
	for n in $(seq 60); do
		DEBIAN_FRONTEND=noninteractive apt-get install -y \
			--no-install-recommends $missing >/dev/null 2>&1 && return 0
		# Only a held lock is worth waiting for.
		if ! fuser /var/lib/dpkg/lock-frontend /var/lib/dpkg/lock \
			>/dev/null 2>&1; then
			DEBIAN_FRONTEND=noninteractive apt-get install -y \
				--no-install-recommends $missing >&2 ||
				cannot "apt-get cannot install$missing"
			return 0
		fi
		sleep 5
	done
	cannot "dpkg stayed locked; cannot install$missing"
}

# pid_alive PIDFILE: the process the file names runs.
pid_alive() {
	local pid
	[ -s "$1" ] && pid=$(cat "$1") && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

# stop_pidfile PIDFILE NAME: SIGTERM the process the file names, wait for
# it to go (10 s), then SIGKILL.
stop_pidfile() {
	local pid n
	pid_alive "$1" || return 0
	pid=$(cat "$1")
	kill "$pid" 2>/dev/null
	for n in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	say "$2 ($pid) ignored SIGTERM; killing it"
	kill -9 "$pid" 2>/dev/null
	return 0
}

# wait_for SECONDS COMMAND...: retry COMMAND every half second.
wait_for() {
	local n limit=$(($1 * 2))
	shift
	for ((n = 0; n < limit; n++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.5
	done
	return 1
}
