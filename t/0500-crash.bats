#!/usr/bin/env bats
# Crash safety (DESIGN.md, invariants 1 and 2): ct-submit killed at any
# instant, or meeting a failing system call, leaves every job of its batch
# either whole in new/ or absent, prints no ID of a job that is not there,
# and its leftovers in tmp/ are reaped once old; a damaged job file is reported as
# corrupt and never shown as a job. All real processes: kill -9 and strace
# fault injection, no mock.

bats_require_minimum_version 1.5.0
load helper

# The queries: NSRC one-record FASTA files src/crashNNN.fa of varied sizes,
# each with a unique header, which t/lib/jobcheck uses to find the source
# of a stored input and compare the two byte for byte.
NSRC=300
make_sources() {
	local n=$1 i name
	mkdir -p src
	for ((i = 1; i <= n; i++)); do
		printf -v name 'crash%03d' "$i"
		printf '>%s query %d of %d\n%s\n' "$name" "$i" "$n" \
		    "${PROTEIN:0:$((20 + i % 90))}" >"src/$name.fa"
	done
}

# The host tag in job IDs and tmp/ names (jobid_host_tag).
host_tag() {
	local id
	id=$(ct-submit -S "$BATS_TEST_TMPDIR/tagprobe" src/crash001.fa) || return 1
	cut -d- -f4 <<<"$id"
}

# Busy-wait (no fork: a test of the path) until a file matching pattern
# $1 exists, or while one does with -gone, giving up when process $2 is
# gone. (A staged file's name holds its writer's nonce, unknown here.)
spin() {
	local n=0 gone=
	if [ "$1" = -gone ]; then gone=1; shift; fi
	while :; do
		if [ -n "$gone" ]; then compgen -G "$1" >/dev/null || return 0
		else compgen -G "$1" >/dev/null && return 0; fi
		if ((++n % 64 == 0)); then
			kill -0 "$2" 2>/dev/null || return 1
			((n < 4000000)) || return 1
		fi
	done
}

# ct-submit still works on the spool, and leaves what the killed runs left
# in tmp/ while it is fresh (nothing proves it stale), then reaps it all
# once it is a day old. Every file in new/ is a whole job. Adds what it
# reaped to $reaped.
check_submit_reaps() {
	local before
	before=$(ls "$CT_SPOOL/tmp" | wc -l)
	run ct-submit src/crash002.fa
	assert_success
	[ -f "$CT_SPOOL/new/$output" ]
	assert_equal "$(ls "$CT_SPOOL/tmp" | wc -l)" "$before"
	find "$CT_SPOOL/tmp" -type f -exec touch -d '25 hours ago' {} +
	run ct-submit src/crash002.fa
	assert_success
	assert_equal "$(ls -A "$CT_SPOOL/tmp")" ''
	reaped=$((reaped + before))
	run jobcheck src "$CT_SPOOL/new"
	assert_success
}

@test "ct-submit SIGKILLed anywhere in a 300-file batch: whole jobs or none, leftovers reaped" {
	# A SIGKILL that lands in LeakSanitizer's check at exit makes it
	# complain on stderr about the vanished thread: no leak check here.
	no_leak_check
	make_sources $NSRC
	tag=$(host_tag)
	[[ $tag =~ ^[0-9a-f]{8}$ ]]

	# How long a whole run takes, so the timed kills cover all of it.
	full=0
	for m in 1 2; do
		t0=$EPOCHREALTIME
		ct-submit -S "$BATS_TEST_TMPDIR/measure$m" src/*.fa >ids
		t1=$EPOCHREALTIME
		[ "$(wc -l <ids)" -eq $NSRC ]
		us=$((10#${t1//[.,]/} - 10#${t0//[.,]/}))
		if ((us > full)); then full=$us; fi
	done
	echo "# a full run of $NSRC files takes ${full} us" >&3

	ct-submit src/crash001.fa >/dev/null	# the spool exists from here
	start=$SECONDS
	# (Not $i: bats 1.8's run leaks a global i.)
	niter=40 kills=0 timed=0 mid_staging=0 mid_publish=0 complete=0 untouched=0
	leftovers=0 reaped=0
	for ((iter = 0; iter < niter; iter++)); do
		# Made first: a kill at once can land before the child has
		# opened its redirections.
		: >out
		: >err
		ct-submit src/*.fa >out 2>err &
		pid=$!
		# Three ways to choose the instant: a delay spread over the
		# whole run (24 kills), the moment staged file k appears
		# (mid-staging), the moment staged file k is renamed away
		# after all are staged (mid-publish: the window is short).
		case $((iter % 5)) in
		0 | 1 | 2)
			d=$((full * timed / 23))
			timed=$((timed + 1))
			how="after ${d}us"
			sleep "$((d / 1000000)).$(printf %06d $((d % 1000000)))"
			;;
		3)
			k=$(((iter / 5) * 30))
			how="once staged file $k is published"
			spin "$CT_SPOOL/tmp/$tag.$pid.*.$((NSRC - 1))" $pid &&
			    spin -gone "$CT_SPOOL/tmp/$tag.$pid.*.$k" $pid || true
			;;
		4)
			k=$(((iter * 37) % NSRC))
			how="once staged file $k appears"
			spin "$CT_SPOOL/tmp/$tag.$pid.*.$k" $pid || true
			;;
		esac
		kill -9 $pid 2>/dev/null || true
		kills=$((kills + 1))
		rc=0
		wait $pid 2>/dev/null || rc=$?

		mine=("$CT_SPOOL"/new/*-"$tag-$pid"-*)
		[ -e "${mine[0]}" ] || mine=()
		left=("$CT_SPOOL"/tmp/"$tag.$pid".*)
		[ -e "${left[0]}" ] || left=()
		added=${#mine[@]} nleft=${#left[@]}
		# Shown if the test fails: which kill broke what.
		echo "kill $iter $how: exit $rc, $added in new/, $nleft in tmp/"
		if ((added == 0 && nleft == 0)); then
			untouched=$((untouched + 1))
		elif ((added == 0)); then
			mid_staging=$((mid_staging + 1))
		elif ((added < NSRC)); then
			mid_publish=$((mid_publish + 1))
		else
			complete=$((complete + 1))
		fi
		leftovers=$((leftovers + nleft))
		((added + nleft <= NSRC))
		# A run that finished published everything.
		if ((rc == 0)); then
			((added == NSRC))
			[ "$(wc -l <out)" -eq $NSRC ]
		else
			((rc == 137))
		fi
		# A killed run has nothing to complain about.
		assert_equal "$(cat err)" ''
		# Any ID printed is a job in new/ (with stdout a file, the IDs
		# are written only after the fsync of new/).
		while read -r id; do
			[ -f "$CT_SPOOL/new/$id" ]
		done <out

		# Every job of this run is whole and holds its source exactly,
		# and no source went in twice (all of new/ is checked below).
		if ((added > 0)); then
			run jobcheck src "${mine[@]}"
			assert_success
			assert_output "$added whole jobs"
			# The programs agree: each is found, and New.
			ids=("${mine[@]##*/}")
			run -3 ct-status -l "${ids[@]}"
			[ "$(grep -c '^job ' <<<"$output")" -eq "$added" ]
			refute_output --partial corrupt
		fi
		# The listing works and shows every job, nothing else.
		run --separate-stderr ct-status
		assert_success
		[ -z "$stderr" ]
		[ "${#lines[@]}" -eq "$(jobs_in new)" ]

		# Every 4th kill, so that the leftovers of several dead
		# writers pile up first.
		if ((iter % 4 == 3)); then
			check_submit_reaps
		fi
		# On a very slow machine, stop early (after a mid-staging
		# kill, so the final check has leftovers to reap).
		if ((iter % 5 == 4 && SECONDS - start > 40)); then
			echo "# time is up after $kills kills" >&3
			break
		fi
	done
	check_submit_reaps
	echo "# $kills kills: $untouched before staging, $mid_staging mid-staging," \
	    "$mid_publish mid-publish, $complete after publishing;" \
	    "$leftovers files left in tmp/, $reaped of them still there" \
	    "for a ct-submit check to reap" >&3

	# The test reached the interesting instants.
	((mid_staging >= 1))
	((mid_publish >= 1))
	((leftovers >= 1 && reaped >= 1))
	# The last kill was mid-staging, so the final check reaped.
	((nleft >= 1))

	# Reaping goes by age alone: it spares a live writer, a fresh file of
	# another host, and a fresh one named for a pid that is not running
	# here (it may run in another PID namespace); an old one goes.
	: >"$CT_SPOOL/tmp/$tag.$$.0badcafe.7"
	: >"$CT_SPOOL/tmp/0badf00d.1.0badcafe.0"
	dead=$tag.4194304.0badcafe.0	# pid_max is at most 2^22
	: >"$CT_SPOOL/tmp/$dead"
	old=$tag.$$.0badcafe.8
	touch -d '25 hours ago' "$CT_SPOOL/tmp/$old"
	run ct-submit src/crash003.fa
	assert_success
	[ -f "$CT_SPOOL/tmp/$tag.$$.0badcafe.7" ]
	[ -f "$CT_SPOOL/tmp/0badf00d.1.0badcafe.0" ]
	[ -f "$CT_SPOOL/tmp/$dead" ]
	[ ! -e "$CT_SPOOL/tmp/$old" ]
}

# --- fault injection -------------------------------------------------------

# A spool with one job in it, and three queries.
local_setup() {
	if [[ $BATS_TEST_DESCRIPTION == *strace* ]]; then
		no_leak_check
		command -v strace >/dev/null ||
		    skip "strace is missing (Debian package strace)"
		strace -f -o /dev/null true 2>/dev/null ||
		    skip "strace cannot trace here (ptrace not permitted)"
		fasta a "$PROTEIN"
		fasta b "${PROTEIN:10}"
		fasta c "${PROTEIN:20}"
		seed=$(ct-submit a.fa) || return 1
		spool_before=$(cd "$CT_SPOOL" && find . | sort)
	fi
}

# call_index SYSCALL REGEX: which call of SYSCALL (1 = the first) in
# `ct-submit a.fa b.fa c.fa` is the first whose strace -y line matches
# REGEX, learnt from a trial run on a twin spool prepared the same way.
call_index() {
	local twin=$BATS_TEST_TMPDIR/twin log=$BATS_TEST_TMPDIR/trial.log
	rm -rf "$twin"
	CT_SPOOL=$twin ct-submit a.fa >/dev/null
	CT_SPOOL=$twin strace -f -qq -y -e trace="$1" -o "$log" \
	    ct-submit a.fa b.fa c.fa >/dev/null
	grep -n -m1 -E "$2" "$log" | cut -d: -f1
}

# inject SYSCALL ERRNO WHEN: run ct-submit a.fa b.fa c.fa with the
# WHEN-th call of SYSCALL failing with ERRNO.
inject() {
	run --separate-stderr strace -f -o /dev/null \
	    -e inject="$1:error=$2:when=$3" ct-submit a.fa b.fa c.fa
}

# Nothing of the batch is visible, and nothing of it is left in tmp/.
assert_spool_untouched() {
	assert_equal "$(cd "$CT_SPOOL" && find . | sort)" "$spool_before"
}

TMPNAME='[0-9a-f]{8}\.[0-9]+\.[0-9a-f]{8}\.'

@test "strace: fsync of a staged job fails: exit 74, nothing submitted, nothing left" {
	first=$(call_index fsync '/tmp/[^/]+>\)')
	[ -n "$first" ]
	for k in 0 1 2; do
		inject fsync EIO $((first + k))
		assert_equal "$status" 74
		assert_equal "$output" ''
		stderr_line --regexp "^ct-submit: cannot write $CT_SPOOL/tmp/$TMPNAME$k: Input/output error\$"
		stderr_line 'ct-submit: nothing submitted'
		assert_spool_untouched
	done
}

@test "strace: write of a staged job fails (ENOSPC): exit 74, nothing submitted" {
	first=$(call_index write '/tmp/[^/]+>,')
	[ -n "$first" ]
	# Each job's count is written before it is staged (spoollimits.h):
	# find each staged write.
	mapfile -t nth < <(grep -n -E '/tmp/[^/]+>,' \
	    "$BATS_TEST_TMPDIR/trial.log" | cut -d: -f1)
	[ "${#nth[@]}" -eq 3 ]
	for k in 0 1 2; do
		inject write ENOSPC "${nth[$k]}"
		assert_equal "$status" 74
		assert_equal "$output" ''
		stderr_line --regexp "^ct-submit: cannot write $CT_SPOOL/tmp/$TMPNAME$k: No space left on device\$"
		stderr_line 'ct-submit: nothing submitted'
		assert_spool_untouched
	done
}

@test "strace: close of a staged job fails: exit 74, nothing submitted" {
	first=$(call_index close '/tmp/[^/]+>\)')
	[ -n "$first" ]
	# The staged files are closed 1st, 2nd, 3rd among those calls, but
	# the inputs are closed between: find each one.
	log=$BATS_TEST_TMPDIR/trial.log
	mapfile -t nth < <(grep -n -E '/tmp/[^/]+>\)' "$log" | cut -d: -f1)
	[ "${#nth[@]}" -eq 3 ]
	for k in 0 1 2; do
		inject close EIO "${nth[$k]}"
		assert_equal "$status" 74
		assert_equal "$output" ''
		stderr_line --regexp "^ct-submit: cannot write $CT_SPOOL/tmp/$TMPNAME$k: Input/output error\$"
		stderr_line 'ct-submit: nothing submitted'
		assert_spool_untouched
	done
}

@test "strace: reading an input fails: exit 74, nothing submitted" {
	n=$(call_index read '/b\.fa>,')
	[ -n "$n" ]
	inject read EIO "$n"
	assert_equal "$status" 74
	assert_equal "$output" ''
	stderr_line 'ct-submit: cannot read b.fa: Input/output error'
	stderr_line 'ct-submit: nothing submitted'
	assert_spool_untouched
}

@test "strace: the first publish fails: exit 74, no ID, nothing in new/" {
	inject renameat2 EIO 1
	assert_equal "$status" 74
	assert_equal "$output" ''
	stderr_line --regexp '^ct-submit: cannot publish job [^ ]+: Input/output error$'
	assert_spool_untouched
}

@test "strace: a publish fails halfway: the published job is named, the rest are absent" {
	inject renameat2 EIO 2
	assert_equal "$status" 74
	# The job that failed is named.
	[[ ${stderr_lines[0]} =~ ^ct-submit:\ cannot\ publish\ job\ ([^ ]+):\ Input/output\ error$ ]]
	failed=${BASH_REMATCH[1]}
	# One ID printed: the first job's, whole in new/ with a.fa in it.
	assert_equal "${#lines[@]}" 1
	id=$output
	[ -f "$CT_SPOOL/new/$id" ]
	mkdir src && cp a.fa src/a.fa
	# jobcheck finds a source by the header's first word: ">a".
	run jobcheck src "$CT_SPOOL/new/$id"
	assert_success
	run -3 ct-status "$id"
	# The one that failed does not exist, nor does the third.
	assert_equal "$(ls "$CT_SPOOL/new" | sort)" "$(printf '%s\n' "$seed" "$id" | sort)"
	run -4 ct-status "$failed"
	# Nothing staged is left behind.
	assert_equal "$(ls -A "$CT_SPOOL/tmp")" ''
}

@test "strace: renameat2 unsupported (EINVAL, as on NFS): published by link, all whole" {
	run --separate-stderr strace -f -o /dev/null \
	    -e inject=renameat2:error=EINVAL ct-submit a.fa b.fa c.fa
	assert_success
	[ -z "$stderr" ]
	assert_equal "${#lines[@]}" 3
	mkdir src && cp a.fa b.fa c.fa src/
	for id in "${lines[@]}"; do
		[ -f "$CT_SPOOL/new/$id" ]
	done
	run jobcheck src "${lines[@]/#/$CT_SPOOL/new/}"
	assert_success
	assert_equal "$(ls -A "$CT_SPOOL/tmp")" ''
}

@test "strace: the fsync of new/ fails: exit 74, no ID on stdout, each job named on stderr" {
	n=$(call_index fsync '/new>\)')
	[ -n "$n" ]
	inject fsync EIO "$n"
	assert_equal "$status" 74
	stderr_line "ct-submit: cannot sync $CT_SPOOL/new: Input/output error"
	# The renames happened: the jobs are whole (a rename is all or
	# nothing), only their survival of a crash is in doubt. Standard
	# output promises durable jobs, so no ID goes there; stderr names
	# each job that is in the spool, so none is unaccounted for.
	assert_equal "$output" ''
	assert_equal "$(jobs_in new)" 4
	ls "$CT_SPOOL"/new | grep -v -x -F "$seed" >published
	[ "$(wc -l <published)" -eq 3 ]
	while read -r id; do
		stderr_line "ct-submit: job $id is in the spool, but may not survive a crash"
	done <published
	assert_equal "${#stderr_lines[@]}" 4
	mkdir src && cp a.fa b.fa c.fa src/
	run jobcheck src $(sed "s|^|$CT_SPOOL/new/|" published)
	assert_success
	assert_equal "$(ls -A "$CT_SPOOL/tmp")" ''
}

@test "strace: writing the IDs fails: exit 74, the message says the jobs exist" {
	n=$(call_index write '^[0-9]+ +write\(1<')
	[ -n "$n" ]
	inject write ENOSPC "$n"
	assert_equal "$status" 74
	stderr_line 'ct-submit: 3 jobs submitted, but their IDs could not be written: No space left on device'
	# They are submitted, durable and whole.
	assert_equal "$(jobs_in new)" 4
	mkdir src && cp a.fa b.fa c.fa src/
	ls "$CT_SPOOL"/new | grep -v -x -F "$seed" >published
	run jobcheck src $(sed "s|^|$CT_SPOOL/new/|" published)
	assert_success
}

# --- damaged job files ---------------------------------------------------------

@test "a truncated job file is reported as corrupt, never shown as a job" {
	fasta good "$PROTEIN"
	fasta bad "$PROTEIN"
	good=$(ct-submit good.fa)
	bad=$(ct-submit bad.fa)
	f=$CT_SPOOL/new/$bad
	size=$(stat -c %s "$f")
	header=$(grep -b -a -m1 '^input ' "$f" | cut -d: -f1)
	# Cut in the end marker, in the input, in the header, and to nothing
	# (what a crash can leave of a file written without fsync).
	for cut in $((size - 1)) $((size - 4)) $((size - 20)) \
	    $((header + 3)) 30 0; do
		cp "$f" "$BATS_TEST_TMPDIR/whole"
		truncate -s "$cut" "$f"
		run --separate-stderr ct-status "$bad"
		assert_equal "$status" 74
		assert_equal "$output" ''
		stderr_line --regexp "^ct-status: $CT_SPOOL/new/$bad: corrupt job file: .+"
		run --separate-stderr ct-status -l "$bad"
		assert_equal "$status" 74
		assert_equal "$output" ''
		# The listing shows the good job only, and says what is wrong.
		run --separate-stderr ct-status
		assert_equal "$status" 74
		assert_equal "${#lines[@]}" 1
		assert_line --regexp "^$good	New	blastp	"
		refute_output --partial "$bad"
		stderr_line --regexp "^ct-status: $CT_SPOOL/new/$bad: corrupt job file: .+"
		run --separate-stderr ct-fetch "$bad"
		assert_equal "$status" 74
		assert_equal "$output" ''
		stderr_line --regexp "^ct-fetch: $CT_SPOOL/new/$bad: corrupt job file: .+"
		run --separate-stderr ct-wait -t 0 "$bad"
		assert_equal "$status" 74
		refute_output --partial "$bad"
		mv "$BATS_TEST_TMPDIR/whole" "$f"
	done
	# And once whole again, it is a job like any other.
	run -3 ct-status "$bad"
}

@test "a job file grown by garbage after its end marker is corrupt too" {
	fasta q "$PROTEIN"
	id=$(ct-submit q.fa)
	printf 'XX' >>"$CT_SPOOL/new/$id"
	run --separate-stderr ct-status "$id"
	assert_equal "$status" 74
	stderr_line --regexp "^ct-status: $CT_SPOOL/new/$id: corrupt job file: .+"
	run --separate-stderr ct-status
	assert_equal "$status" 74
	assert_equal "$output" ''
}

@test "a job file under another job's name is never shown as that job" {
	fasta q "$PROTEIN"
	id=$(ct-submit q.fa)
	other=20200101-000000-000000-00000000-1-0
	cp "$CT_SPOOL/new/$id" "$CT_SPOOL/new/$other"
	run --separate-stderr ct-status "$other"
	[[ $status -eq 4 || $status -eq 74 ]]
	assert_equal "$output" ''
	# The listing shows the real job once, and says what is wrong.
	run --separate-stderr ct-status
	assert_equal "$status" 74
	assert_equal "${#lines[@]}" 1
	assert_line --regexp "^$id	New	"
	stderr_line "ct-status: $CT_SPOOL/new/$other: corrupt job file: it holds job $id"
}
