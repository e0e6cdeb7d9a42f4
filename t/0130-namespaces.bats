#!/usr/bin/env bats
# Writers in containers on one spool: programs that share a host name and
# a process ID (each PID 1 of its own PID namespace) never collide on a job
# ID or a temporary name, and a file in tmp/ is reaped only once it is old
# (cputorrent-spool(5)), never because its writer's PID means nothing
# here. unshare(1) makes the namespaces: as root, a few seconds.

load helper

local_setup() {
	[ "$(id -u)" = 0 ] || skip "unshare --pid needs root"
	unshare --pid --fork --mount-proc true 2>/dev/null ||
		skip "unshare cannot make a PID namespace here"
	fasta a "$PROTEIN"
	fasta b "${PROTEIN:10}"
	seed=$(ct-submit a.fa) || return 1
	tag=$(cut -d- -f4 <<<"$seed")
	mkfifo held.fa
}

# pid1 PROGRAM ARG...: run it as PID 1 of a new PID namespace.
pid1() {
	unshare --pid --fork --mount-proc "$@"
}

# held CMD...: start CMD in the background, blocked on reading held.fa
# (given as its last input) once it has staged what comes before; wait
# until it has. Its PID is $pid; `release` lets it go on.
held() {
	local n
	n=$(ls "$CT_SPOOL/tmp" | wc -l)
	"$@" held.fa >held.out 2>held.err &
	pid=$!
	exec 7>held.fa
	while [ "$(ls "$CT_SPOOL/tmp" | wc -l)" -le "$n" ]; do
		kill -0 "$pid" 2>/dev/null || fail "the held writer died"
		sleep 0.05
	done
}

release() {
	printf '>held\n%s\n' "$PROTEIN" >&7
	exec 7>&-
	held_rc=0
	wait "$pid" || held_rc=$?
	pid=
}

@test "two ct-submit as PID 1 at once: each stages and publishes its own jobs" {
	held pid1 ct-submit a.fa
	# The other one stages while the first still holds its staged file.
	run --separate-stderr pid1 ct-submit b.fa a.fa
	release
	assert_success
	assert_equal "$stderr" ""
	assert_equal "${#lines[@]}" 2
	assert_equal "$held_rc" 0
	assert_equal "$(cat held.err)" ""
	assert_equal "$(wc -l <held.out)" 2
	assert_equal "$(jobs_in new)" 5
	assert_equal "$(ls -A "$CT_SPOOL/tmp")" ""
	# Four IDs, all different, and no two alike but for their time: the
	# part after the host tag tells PID 1 from PID 1.
	cat held.out <(printf '%s\n' "${lines[@]}") >ids
	assert_equal "$(sort -u ids | wc -l)" 4
	assert_equal "$(cut -d- -f5- ids | sort -u | wc -l)" 4
	for id in $(cat ids); do
		run -3 ct-status -q "$id"
	done
}

@test "a staged file left by a killed PID-1 writer does not block the next one" {
	# What an older PID-1 ct-submit, killed in the middle of its batch,
	# leaves: its staged files, named for this host and pid 1.
	for k in 0 1 2 3; do
		: >"$CT_SPOOL/tmp/$tag.1.$k"
	done
	run --separate-stderr pid1 ct-submit a.fa b.fa
	assert_success
	assert_equal "$stderr" ""
	assert_equal "${#lines[@]}" 2
	# Fresh files are not provably stale: they stay for now.
	assert_equal "$(ls "$CT_SPOOL/tmp" | sort)" "$(printf "$tag.1.%s\n" 0 1 2 3)"
}

@test "a namespaced ct-submit does not reap a live writer's staged file" {
	# A live writer of the host's root namespace, its PID unknown in the
	# other one, holds its staged job.
	held ct-submit a.fa
	staged=$(ls "$CT_SPOOL/tmp")
	run -0 pid1 ct-submit b.fa
	[ -f "$CT_SPOOL/tmp/$staged" ]
	release
	assert_equal "$held_rc" 0
	assert_equal "$(cat held.err)" ""
	assert_equal "$(wc -l <held.out)" 2
	while read -r id; do
		run -3 ct-status -q "$id"
	done <held.out
}

@test "tmp/ is reaped by age alone: old files of any writer go, fresh ones stay" {
	dead=4194304	# above pid_max: never a live process
	: >"$CT_SPOOL/tmp/$tag.$dead.0"
	: >"$CT_SPOOL/tmp/$tag.1.500"
	: >"$CT_SPOOL/tmp/0badf00d.77.0"
	for f in "$tag.$dead.1" "$tag.1.501" 0badf00d.77.1 x; do
		touch -d '25 hours ago' "$CT_SPOOL/tmp/$f"
	done
	touch -d '25 hours ago' "$CT_SPOOL/tmp/.hidden"
	run -0 pid1 ct-submit b.fa
	assert_equal "$(ls -A "$CT_SPOOL/tmp" | sort)" \
	    "$(printf '%s\n' .hidden 0badf00d.77.0 "$tag.$dead.0" "$tag.1.500" | sort)"
}

@test "ct-fetch -o as PID 1 leaves another writer's temporary file beside the output alone" {
	id=20260101-000000-000000-deadbeef-1-0
	echo "the result" >result
	mkjob -s completed -r result "$CT_SPOOL" "$id"
	# A PID-1 writer of out.xml in another namespace, in the middle of
	# its atomic write.
	echo "someone else's" >out.xml.1.tmp
	run -0 pid1 ct-fetch -o out.xml "$id"
	assert_equal "$(cat out.xml)" "the result"
	assert_equal "$(cat out.xml.1.tmp)" "someone else's"
	assert_equal "$(ls -A | grep -c '^out\.xml')" 2
}
