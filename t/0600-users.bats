#!/usr/bin/env bats
# Isolation between users on a shared spool (DESIGN.md, invariant 4: no
# user reads another user's jobs), installed the way `make install` does:
# the job commands setgid to the spool's group, the spool root:GROUP 2770
# (privilege.h, cputorrent-spool(5) INSTALL MODES). Three real users,
# alice, bob and carol, none in the group, run the real programs, and a
# root ct-dispatch runs their jobs' wrappers, never as root.

bats_require_minimum_version 1.5.0
load helper
load dispatch

setup_file() {
	[ "$(id -u)" -eq 0 ] || skip "needs root to create users and a group"
	local c
	for c in useradd userdel groupadd groupdel setpriv; do
		command -v "$c" >/dev/null ||
		    skip "$c is missing (Debian packages passwd, util-linux)"
	done
	# Names short enough for useradd, unique to this run.
	export U_GROUP=ctspool$$ U_ALICE=ct-alice-$$ U_BOB=ct-bob-$$ \
	    U_CAROL=ct-carol-$$
	# A directory every user can reach: $BATS_FILE_TMPDIR may sit under
	# a directory closed to others.
	U_DIR=$(mktemp -d /tmp/ct-users.XXXXXX)
	export U_DIR
	if ! make_world; then
		teardown_file
		return 1
	fi
}

make_world() {
	local d p
	chmod 755 "$U_DIR" || return 1
	groupadd "$U_GROUP" || return 1
	# No user group (-N): the primary group is the default one, and
	# neither user is in the spool's group.
	useradd -M -N -d /nonexistent -s /usr/sbin/nologin "$U_ALICE" || return 1
	useradd -M -N -d /nonexistent -s /usr/sbin/nologin "$U_BOB" || return 1
	useradd -M -N -d /nonexistent -s /usr/sbin/nologin "$U_CAROL" || return 1
	# The programs, as `make install` leaves them.
	mkdir -m 755 "$U_DIR/bin" || return 1
	for p in ct-submit ct-status ct-fetch ct-wait ct-purge ct-cancel ct-hold \
	    ct-release ct-resubmit; do
		cp "$CT_BUILD/bin/$p" "$U_DIR/bin/$p" &&
		    chgrp "$U_GROUP" "$U_DIR/bin/$p" &&
		    chmod 2755 "$U_DIR/bin/$p" || return 1
	done
	# The spool, as `make install` leaves it.
	mkdir "$U_DIR/spool" || return 1
	for d in "" /tmp /new /processing /completed /failed /results /held \
	    /cancel /locks /state /state/users; do
		mkdir -p "$U_DIR/spool$d" &&
		    chown root:"$U_GROUP" "$U_DIR/spool$d" &&
		    chmod 2770 "$U_DIR/spool$d" || return 1
	done
	# A working directory of each user's own.
	for p in "$U_ALICE" "$U_BOB" "$U_CAROL"; do
		mkdir -m 700 "$U_DIR/$p" && chown "$p" "$U_DIR/$p" || return 1
	done
	if findmnt -n -o OPTIONS --target "$U_DIR" | grep -qw nosuid; then
		echo "$U_DIR is on a nosuid file system" >&2
		return 1
	fi
}

teardown_file() {
	[ "$(id -u)" -eq 0 ] || return 0
	[ -z "${U_ALICE:-}" ] || userdel "$U_ALICE" 2>/dev/null || true
	[ -z "${U_BOB:-}" ] || userdel "$U_BOB" 2>/dev/null || true
	[ -z "${U_CAROL:-}" ] || userdel "$U_CAROL" 2>/dev/null || true
	[ -z "${U_GROUP:-}" ] || groupdel "$U_GROUP" 2>/dev/null || true
	case ${U_DIR:-} in
	/tmp/ct-users.*) rm -rf "$U_DIR" ;;
	esac
}

local_setup() {
	B=$U_DIR/bin
	S=$U_DIR/spool
	# Root's own commands use the shared spool too.
	export CT_SPOOL=$S
	ALICE_UID=$(id -u "$U_ALICE") BOB_UID=$(id -u "$U_BOB")
	BOB_GID=$(id -g "$U_BOB")
	GROUP_GID=$(getent group "$U_GROUP" | cut -d: -f3)
}

# as USER COMMAND...: run COMMAND as USER (real and effective IDs, her own
# groups only), in USER's own directory, with the shared spool. A command
# from the spool's bin is named by its bare name: as alice ct-submit q.fa.
as() {
	local user=$1 cmd=$2
	shift 2
	[ -x "$B/$cmd" ] && cmd=$B/$cmd
	(
		cd "$U_DIR/$user" || exit 1
		exec setpriv --reuid="$user" --regid="$(id -g "$user")" \
		    --init-groups env CT_SPOOL="$S" "$cmd" "$@"
	)
}

# A query in USER's directory, readable only by USER.
query() {
	local user=$1 name=$2
	printf '>%s query of %s\n%s\n' "$name" "$user" "$PROTEIN" \
	    >"$U_DIR/$user/$name.fa"
	chown "$user" "$U_DIR/$user/$name.fa"
	chmod 600 "$U_DIR/$user/$name.fa"
}

# submit USER NAME: USER submits a query; the job ID in $id.
submit() {
	query "$1" "$2"
	run --separate-stderr as "$1" ct-submit "$2.fa"
	assert_success
	[[ $output =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]]
	id=$output
}

# complete ID TEXT: what a dispatcher would do, by hand, as root: the
# result first, then the job moves to completed/. The spool's group and
# modes are kept.
complete() {
	printf '%s\n' "$2" >"$S/results/.$1"
	chgrp "$U_GROUP" "$S/results/.$1"
	chmod 660 "$S/results/.$1"
	mv "$S/results/.$1" "$S/results/$1"
	mv "$S/new/$1" "$S/completed/$1"
}

# Whatever a test made inside the spool's state directories (only a bug
# can), so that the tests after it see a clean spool.
teardown() {
	[ -z "${TEARDOWN:-}" ] || eval "$TEARDOWN"
	[ -n "${U_DIR:-}" ] && [ -d "$U_DIR/spool" ] || return 0
	find "$U_DIR/spool" -mindepth 2 -maxdepth 2 -type d \
	    ! -path "$U_DIR/spool/state/users" -exec rm -rf {} +
	# And each user's record of her jobs (spoollimits.h), and the limits.
	rm -rf "$U_DIR/spool/state/users/"* "$U_DIR/spool/state/limits"
}

# spy_registry: a registry of two servers driven by t/wrappers/spy, "own"
# that runs it as the job's owner and "pool" (weight 0, the fallback) as
# the dispatcher account; marks in $MARKS, where the wrappers, as any user,
# leave what they saw.
spy_registry() {
	dispatch_setup
	MARKS=$U_DIR/marks
	mkdir -m 1777 "$MARKS"
	TEARDOWN="rm -rf $MARKS"
	{
		server own spy 1 "" "marks=$MARKS" |
			sed 's/<server /<server run-as="owner" /'
		server pool spy 0 "" "marks=$MARKS"
	} | registry
}

# stderr_line ARGS: assert_line on the stderr of `run --separate-stderr`.
stderr_line() {
	local output=$stderr
	local -a lines=("${stderr_lines[@]}")
	assert_line "$@"
}

@test "alice submits through the setgid programs: her job, closed to others" {
	submit "$U_ALICE" a1
	f=$S/new/$id
	[ -f "$f" ]
	# The record names her as owner; the file is hers, in the group,
	# and nobody else's.
	assert_equal "$(grep -a -m1 '^owner ' "$f")" "owner $ALICE_UID"
	assert_equal "$(stat -c '%u %g %a' "$f")" "$ALICE_UID $GROUP_GID 660"
	run -3 as "$U_ALICE" ct-status "$id"
	run -0 as "$U_ALICE" ct-status
	assert_output --regexp "^$id	New	blastp	-	[0-9]+\$"
	run -3 as "$U_ALICE" ct-wait -q -t 0 "$id"
	# Nothing stays behind in tmp/.
	assert_equal "$(ls -A "$S/tmp")" ''
}

@test "bob does not see alice's job: listing, status, fetch and wait say not found" {
	submit "$U_BOB" b1
	bob_id=$id
	submit "$U_ALICE" a2
	alice_id=$id
	secret="alice's result $RANDOM$RANDOM"
	for state in new completed; do
		if [ $state = completed ]; then
			complete "$alice_id" "$secret"
			# Alice herself can fetch it.
			run -0 as "$U_ALICE" ct-fetch "$alice_id"
			assert_output "$secret"
		fi
		# Bob's listing shows his own job only.
		run --separate-stderr as "$U_BOB" ct-status
		assert_success
		assert_output --regexp "^$bob_id	New	"
		assert_equal "${#lines[@]}" 1
		run -0 as "$U_BOB" ct-status -l
		refute_output --partial "$alice_id"
		refute_output --partial "$U_ALICE"
		# Every command gives bob the same answer as for a job that
		# does not exist.
		for cmd in "ct-status" "ct-status -l" "ct-fetch" "ct-wait -t 0"; do
			run --separate-stderr as "$U_BOB" $cmd "$alice_id"
			assert_equal "$status" 4
			assert_equal "$output" ''
			assert_equal "$stderr" "${cmd%% *}: $alice_id: job not found"
		done
	done
}

@test "names and batch IDs never reach another user's jobs: bob's same name is his alone, alice's is not found" {
	query "$U_ALICE" n1
	query "$U_BOB" n1
	alice=$(as "$U_ALICE" ct-submit -N shared-$$ n1.fa)
	only=$(as "$U_ALICE" ct-submit -N alices-$$ n1.fa)
	bob=$(as "$U_BOB" ct-submit -N shared-$$ n1.fa)
	run -3 --separate-stderr as "$U_BOB" ct-status "shared-$$"
	assert_equal "$(cut -f1 <<<"$output")" "$bob"
	for cmd in ct-status ct-fetch ct-cancel ct-hold ct-release ct-resubmit \
	    "ct-wait -t 0"; do
		for arg in "alices-$$" "${only%-0}" "$only"; do
			run --separate-stderr as "$U_BOB" $cmd "$arg"
			assert_equal "$status" 4
			assert_equal "$output" ""
			[[ $stderr == *"$arg: job not found"* ]] || fail "$cmd $arg: $stderr"
		done
	done
	# Nothing of alice's moved; bob holds his own by the shared name.
	run -0 as "$U_BOB" ct-hold "shared-$$"
	[ -f "$S/held/$bob" ] && [ -f "$S/new/$alice" ] && [ -f "$S/new/$only" ]
	run -3 as "$U_ALICE" ct-status -q "$only"
}

@test "root sees the jobs of every user" {
	submit "$U_ALICE" a3
	alice_id=$id
	submit "$U_BOB" b3
	bob_id=$id
	run -0 "$B/ct-status"
	assert_line --regexp "^$alice_id	New	"
	assert_line --regexp "^$bob_id	New	"
	run -3 "$B/ct-status" -l "$alice_id"
	assert_line "owner      $U_ALICE ($ALICE_UID)"
	complete "$bob_id" "bob's result"
	run -0 "$B/ct-fetch" "$bob_id"
	assert_output "bob's result"
}

@test "bob cannot read the spool directly" {
	submit "$U_ALICE" a4
	complete "$id" "alice's secret result"
	for cmd in "ls $S" "ls $S/completed" "cat $S/completed/$id" \
	    "cat $S/results/$id"; do
		run --separate-stderr as "$U_BOB" $cmd
		assert_failure
		assert_equal "$output" ''
		[[ $stderr == *"Permission denied"* ]]
	done
}

@test "ct-submit reads inputs with the caller's rights, not the group's" {
	submit "$U_ALICE" a5
	alice_id=$id
	# Readable by root only; readable through the spool's group only;
	# a job file in the spool. Each is a well-formed query (or job) that
	# only rights keep bob from.
	printf '>secret\n%s\n' "$PROTEIN" >"$U_DIR/secret.fa"
	chmod 600 "$U_DIR/secret.fa"
	printf '>groupsecret\n%s\n' "$PROTEIN" >"$U_DIR/groupsecret.fa"
	chgrp "$U_GROUP" "$U_DIR/groupsecret.fa"
	chmod 640 "$U_DIR/groupsecret.fa"
	before=$(find "$S" -type f | sort)
	for f in "$U_DIR/secret.fa" "$U_DIR/groupsecret.fa" \
	    "$S/new/$alice_id"; do
		run --separate-stderr as "$U_BOB" ct-submit "$f"
		assert_equal "$status" 66
		assert_equal "$output" ''
		stderr_line "ct-submit: cannot open $f: Permission denied"
		stderr_line "ct-submit: nothing submitted"
	done
	assert_equal "$(find "$S" -type f | sort)" "$before"
	# The same file, made readable by bob, goes in: rights were all
	# that stopped him.
	chmod 644 "$U_DIR/secret.fa"
	run -0 as "$U_BOB" ct-submit "$U_DIR/secret.fa"
}

@test "ct-fetch -o writes with the caller's rights: not into the spool" {
	submit "$U_BOB" b6
	bob_id=$id
	complete "$bob_id" "bob's result"
	for dir in new completed results tmp; do
		run --separate-stderr as "$U_BOB" ct-fetch -o "$S/$dir/stolen" "$bob_id"
		assert_equal "$status" 73
		# The message names the file asked for (its temporary file
		# beside it is atomic_write's business).
		stderr_line --regexp "^ct-fetch: cannot create $S/$dir/stolen: Permission denied\$"
		[ ! -e "$S/$dir/stolen" ]
	done
	assert_equal "$(find "$S" -name 'stolen*')" ''
	# Into his own directory it works, and the file is his alone: his
	# uid and his own group, not the spool's.
	run -0 as "$U_BOB" ct-fetch -o out "$bob_id"
	assert_equal "$(cat "$U_DIR/$U_BOB/out")" "bob's result"
	assert_equal "$(stat -c '%u %g' "$U_DIR/$U_BOB/out")" "$BOB_UID $BOB_GID"
}

@test "ct-fetch -f runs its converter with the caller's rights: never the spool's group" {
	submit "$U_BOB" b7
	bob_id=$id
	complete "$bob_id" "$(blastxml b7)"
	# The real converter: the report, converted.
	run -0 as "$U_BOB" ct-fetch -f "tabular qseqid stitle" "$bob_id"
	assert_output "b7	none"
	# A converter of bob's own, where he may point CT_LIBEXEC_DIR: it
	# runs, but as bob alone. (sh -p: a shell that would keep a group it
	# was given, as a program in C would, rather than drop it itself.)
	lx=$U_DIR/$U_BOB/lx
	mkdir "$lx"
	cat >"$lx/blastfmt" <<-EOF
	#!/bin/sh -p
	echo "groups \$(id -G)"
	ls "$S/results" >/dev/null 2>&1 && echo "reads the spool" || echo "cannot read the spool"
	cat >/dev/null
	EOF
	chmod 755 "$lx/blastfmt"
	chown -R "$U_BOB" "$lx"
	CT_LIBEXEC_DIR=$lx run -0 as "$U_BOB" ct-fetch -f tabular "$bob_id"
	assert_line "cannot read the spool"
	gid=$(getent group "$U_GROUP" | cut -d: -f3)
	assert_line --regexp '^groups '
	refute_line --regexp "^groups (.* )?$gid( .*)?\$"
}

@test "-S: a spool bob made, with links into the real one, yields nothing of alice's" {
	submit "$U_ALICE" a7
	alice_id=$id
	secret="alice's result $RANDOM$RANDOM"
	complete "$alice_id" "$secret"
	home=$U_DIR/$U_BOB
	# fake1: every subdirectory a symbolic link to the real one.
	as "$U_BOB" mkdir fake1
	for d in tmp new processing completed failed results; do
		as "$U_BOB" ln -s "$S/$d" "fake1/$d"
	done
	# fake2: real directories holding links to alice's files.
	as "$U_BOB" mkdir -p fake2/completed fake2/results
	as "$U_BOB" ln -s "$S/completed/$alice_id" "fake2/completed/$alice_id"
	as "$U_BOB" ln -s "$S/results/$alice_id" "fake2/results/$alice_id"
	# fake3: a completed job of bob's own under alice's job ID, which he
	# can make in a spool of his own, beside a link to alice's result.
	mkjob -s completed -u "$BOB_UID" "$home/fake3" "$alice_id"
	chown -R "$U_BOB" "$home/fake3"
	as "$U_BOB" ln -s "$S/results/$alice_id" "fake3/results/$alice_id"
	for fake in fake1 fake2 fake3; do
		for cmd in "ct-fetch" "ct-fetch -o got" "ct-status -l" \
		    "ct-wait -t 0"; do
			echo "$fake: $cmd"	# shown if the test fails
			run --separate-stderr as "$U_BOB" $cmd -S "$home/$fake" "$alice_id"
			# Not found, or an error: never alice's data. (In
			# fake3 the job is bob's own: only its result fails.)
			[[ $status -eq 4 || $status -eq 74 ]] ||
			    [[ $fake == fake3 && $cmd != ct-fetch* ]]
			refute_output --partial "$secret"
			[[ $stderr != *"$secret"* ]]
			[ ! -e "$home/got" ] || ! grep -qF "$secret" "$home/got"
		done
		[ $fake = fake3 ] && continue
		# Bob's listing of it: the links are refused.
		run --separate-stderr as "$U_BOB" ct-status -S "$home/$fake"
		assert_equal "$status" 74
		assert_equal "$output" ''
		if [ $fake = fake1 ]; then
			stderr_line "ct-status: cannot open $home/fake1/new: Not a directory"
		else
			stderr_line "ct-status: cannot open $home/fake2/completed/$alice_id: Too many levels of symbolic links"
		fi
	done
	# fake3's forged record is a whole job in a spool bob owns: he sees
	# it (it is his), but its result is out of his reach.
	run --separate-stderr as "$U_BOB" ct-fetch -S "$home/fake3" "$alice_id"
	assert_equal "$status" 74
	stderr_line "ct-fetch: $alice_id: job completed, but its result $home/fake3/results/$alice_id cannot be opened: Too many levels of symbolic links"
	# A link to the real spool itself is the real spool: bob's view of
	# it is the usual one, without alice's job.
	as "$U_BOB" ln -s "$S" link
	run --separate-stderr as "$U_BOB" ct-fetch -S "$home/link" "$alice_id"
	assert_equal "$status" 4
	assert_equal "$stderr" "ct-fetch: $alice_id: job not found"
}

@test "bob's own private spool works with his own rights" {
	home=$U_DIR/$U_BOB
	query "$U_BOB" p1
	run --separate-stderr as "$U_BOB" env CT_SPOOL="$home/private" \
	    "$B/ct-submit" p1.fa
	assert_success
	id=$output
	f=$home/private/new/$id
	[ -f "$f" ]
	# Made with his own uid and group: the spool's group was given up
	# (had it been kept, the file would be in the spool's group).
	assert_equal "$(stat -c '%u %g' "$home/private" "$f")" \
	    "$BOB_UID $BOB_GID
$BOB_UID $BOB_GID"
	assert_equal "$(stat -c %a "$home/private")" 700
	run -3 as "$U_BOB" env CT_SPOOL="$home/private" "$B/ct-status" "$id"
	run -0 as "$U_BOB" env CT_SPOOL="$home/private" "$B/ct-status"
	assert_output --regexp "^$id	New	"
	# -S does the same.
	run -3 as "$U_BOB" ct-status -S "$home/private" "$id"
	# The shared spool has no such job.
	[ ! -e "$S/new/$id" ]
	run -4 as "$U_BOB" ct-status "$id"
}

@test "a hostile umask 000 still leaves no spool file readable by others" {
	umask000() {
		as "$1" sh -c 'umask 000 && exec "$0" "$@"' "$B/$2" "${@:3}"
	}
	query "$U_ALICE" u1
	run --separate-stderr umask000 "$U_ALICE" ct-submit u1.fa
	assert_success
	id=$output
	assert_equal "$(stat -c '%u %g %a' "$S/new/$id")" "$ALICE_UID $GROUP_GID 660"
	# Her result, fetched into a file of hers, is her business; the
	# spool keeps its modes: no file or directory gives others a right.
	complete "$id" "result"
	run -0 umask000 "$U_ALICE" ct-fetch -o got "$id"
	run find "$S" -perm /o=rwx
	assert_output ''
}

@test "-S naming a directory inside the shared spool creates nothing there" {
	submit "$U_ALICE" d1
	query "$U_BOB" x
	for d in new completed results tmp; do
		run --separate-stderr as "$U_BOB" ct-submit -S "$S/$d" x.fa
		assert_equal "$status" 74
		assert_equal "$output" ''
		# Its record of bob's jobs is the first thing it looks for.
		stderr_line "ct-submit: cannot open $S/$d/state/users/$BOB_UID: No such file or directory"
		stderr_line "ct-submit: nothing submitted"
	done
	# The state directories hold job files only, so every listing works.
	run find "$S"/{tmp,new,processing,completed,failed,results} \
	    -mindepth 1 ! -type f
	assert_output ''
	run --separate-stderr as "$U_ALICE" ct-status
	assert_success
	assert_equal "$stderr" ''
	run -0 "$B/ct-status"
}

@test "one user's damaged or oversized job breaks nobody else's listing; its owner is told, with its ID" {
	submit "$U_ALICE" a9
	alice_id=$id
	submit "$U_BOB" b9
	bob_cut=$id
	submit "$U_BOB" b10
	bob_huge=$id
	TEARDOWN="rm -f $S/new/$bob_cut $S/new/$bob_huge"
	# Bob's first job loses its end marker; his second grows past the
	# 1 GiB a job file may have (sparse: it costs no disk).
	truncate -s -2 "$S/new/$bob_cut"
	truncate -s 1100M "$S/new/$bob_huge"
	run --separate-stderr as "$U_ALICE" ct-status
	assert_success
	assert_equal "$stderr" ""
	assert_line --regexp "^$alice_id	New	"
	refute_output --partial "$bob_cut"
	# Her commands on his IDs: not found, as for any ID not hers.
	run --separate-stderr as "$U_ALICE" ct-status "$bob_huge"
	assert_equal "$status" 4
	assert_equal "$stderr" "ct-status: $bob_huge: job not found"
	# Bob is told of both, by their paths, and his listing says so.
	run --separate-stderr as "$U_BOB" ct-status
	assert_equal "$status" 74
	stderr_line "ct-status: $S/new/$bob_cut: corrupt job file: input length does not match the file, or the end marker is missing"
	stderr_line "ct-status: $S/new/$bob_huge: job file too large (1153433600 bytes)"
	run --separate-stderr as "$U_BOB" ct-status "$bob_cut"
	assert_equal "$status" 74
	# Root, who sees every job, is told too.
	run --separate-stderr "$B/ct-status"
	assert_equal "$status" 74
	assert_line --regexp "^$alice_id	New	"
	stderr_line "ct-status: $S/new/$bob_cut: corrupt job file: input length does not match the file, or the end marker is missing"
}

@test "ct-purge: bob cannot remove alice's job, nor learn of it; she can; root can remove anyone's" {
	submit "$U_ALICE" a11
	alice_id=$id
	submit "$U_BOB" b11
	bob_id=$id
	complete "$alice_id" "alice's result"
	complete "$bob_id" "bob's result"
	run --separate-stderr as "$U_BOB" ct-purge "$alice_id"
	assert_equal "$status" 4
	assert_equal "$stderr" "ct-purge: $alice_id: job not found"
	run -0 as "$U_BOB" ct-purge -a 0
	assert_line "$bob_id"
	refute_output --partial "$alice_id"
	[ -f "$S/completed/$alice_id" ] && [ -f "$S/results/$alice_id" ]
	[ ! -e "$S/completed/$bob_id" ] && [ ! -e "$S/results/$bob_id" ]
	run -0 as "$U_ALICE" ct-purge "$alice_id"
	[ ! -e "$S/completed/$alice_id" ] && [ ! -e "$S/results/$alice_id" ]
	submit "$U_BOB" b12
	complete "$id" "bob's"
	run -0 "$B/ct-purge" "$id"
	[ ! -e "$S/completed/$id" ]
}

# limits TEXT: what a dispatcher would publish as state/limits, by hand.
limits() {
	printf '%s\n' "$@" >"$S/state/limits"
	chgrp "$U_GROUP" "$S/state/limits"
	chmod 640 "$S/state/limits"
}

@test "quotas are per user: alice at hers does not stop bob; a job finished or purged frees her room" {
	limits user-jobs=2
	submit "$U_ALICE" a13
	first=$id
	submit "$U_ALICE" a14
	query "$U_ALICE" a15
	run --separate-stderr as "$U_ALICE" ct-submit a15.fa
	assert_equal "$status" 75
	assert_equal "$output" ""
	assert_equal "$stderr" "ct-submit: uid $ALICE_UID has 2 jobs not finished in the spool, of the 2 allowed (user-jobs): try later
ct-submit: nothing submitted"
	# Bob is not stopped by her jobs.
	submit "$U_BOB" b13
	submit "$U_BOB" b14
	run -75 as "$U_BOB" ct-submit b14.fa
	# Each record is its owner's, closed to others.
	[ -f "$S/state/users/$ALICE_UID/$first" ]
	[ ! -e "$S/state/users/$BOB_UID/$first" ]
	run stat -c '%a %G' "$S/state/users/$ALICE_UID" \
		"$S/state/users/$ALICE_UID/.count"
	assert_output "2770 $U_GROUP
660 $U_GROUP"
	run as "$U_BOB" touch "$S/state/users/$ALICE_UID/.count"
	assert_failure
	# Her first job completes: room for one more.
	complete "$first" "alice's result"
	submit "$U_ALICE" a15
	run -75 as "$U_ALICE" ct-submit a15.fa

	# Bytes: what her job files hold, until she purges them.
	size=$(stat -c %s "$S/completed/$first")
	limits user-jobs=0 "user-bytes=$((size * 3))"
	run --separate-stderr as "$U_ALICE" ct-submit a15.fa
	assert_equal "$status" 75
	assert_equal "$stderr" "ct-submit: uid $ALICE_UID has $((size * 3)) bytes of jobs in the spool: with $size more, over the $((size * 3)) allowed (user-bytes): try later
ct-submit: nothing submitted"
	submit "$U_BOB" b15
	run -0 as "$U_ALICE" ct-purge "$first"
	submit "$U_ALICE" a15
}

@test "three users, one root dispatcher: a wrapper runs as the job's owner where the registry says run-as=\"owner\", as the dispatcher account elsewhere, never as root; each user fetches only their own result" {
	spy_registry
	for u in "$U_ALICE" "$U_BOB" "$U_CAROL"; do
		submit "$u" "q-$u"
		eval "id_${u//-/_}=\$id"
	done
	pass
	pass
	for u in "$U_ALICE" "$U_BOB" "$U_CAROL"; do
		eval "id=\$id_${u//-/_}"
		run as "$u" ct-status -l "$id"
		assert_output --partial "Completed"
		run -0 as "$u" ct-fetch "$id"
		assert_output "$(blastxml "q-$u" own)"
		# Every call for her job ran as her, in a directory of hers.
		for verb in submit poll fetch; do
			grep -qx "$u .*" "$MARKS/$verb.user.$id" ||
				fail "$verb for $u ran as $(cat "$MARKS/$verb.user.$id")"
		done
		# No user reaches another's result.
		for other in "$U_ALICE" "$U_BOB" "$U_CAROL"; do
			[ "$other" = "$u" ] && continue
			run -4 as "$other" ct-fetch "$id"
		done
	done
	# A job of root's own runs as the dispatcher account, not as root.
	fasta r "$PROTEIN"
	rid=$(ct-submit r.fa)
	pass
	pass
	assert_equal "$(ct-status -o state "$rid")" "Completed"
	run cat "$MARKS/submit.user.$rid"
	assert_output --regexp "^cputorrent "
	# The spool is still closed to others: searchable, never listed.
	run as "$U_BOB" ls "$S"
	assert_failure
	run as "$U_BOB" ls "$S/work"
	assert_failure
}

@test "run-as=\"owner\" for another user's job needs a root dispatcher: the job moves on, with the reason" {
	spy_registry
	submit "$U_ALICE" a
	# A dispatcher running as bob (not root) drives the spool's copy.
	cp -a "$S" "$U_DIR/bobs"
	chown -R "$U_BOB" "$U_DIR/bobs"
	TEARDOWN="rm -rf $MARKS $U_DIR/bobs"
	run -0 setpriv --reuid="$U_BOB" --regid="$BOB_GID" --clear-groups \
		env CT_SPOOL="$U_DIR/bobs" ct-dispatch
	# Not run at all, as anyone: failed, the server's reason kept.
	[ ! -e "$MARKS/submit.user.$id" ]
	run grep -h "run-as" "$U_DIR/bobs/failed/$id"
	assert_output --partial "own runs wrappers as the job's owner (run-as=\"owner\"), which needs ct-dispatch to run as root"
}

@test "batches under run-as=\"owner\": a batch holds one owner's jobs and runs as her; each fetches only her own" {
	command -v makeblastdb >/dev/null || skip "BLAST+ is missing (ncbi-blast+)"
	dispatch_setup
	export CT_WRAPPER_DIR=$CT_BUILD/providers
	MARKS=$U_DIR/marks
	mkdir -m 1777 "$MARKS"
	mkdir -m 755 "$U_DIR/db"
	TEARDOWN="rm -rf $MARKS $U_DIR/db"
	makeblastdb -in "$T/../share/demo/globins45.fa" -dbtype prot \
		-out "$U_DIR/db/globins45" >/dev/null
	registry <<XML
<server id="own" name="BLAST+ as the job's owner" run-as="owner">
  <limits max-jobs="20" poll-interval="0"/>
  <batch max-queries="10" wait="0"/>
  <service name="blastp" weight="1"/>
  <parameters>
    <parameter name="classname">local</parameter>
    <parameter name="command">$T/wrappers/blastp-runs -query {input} -db {database} -outfmt 5 -out {output}</parameter>
    <parameter name="database">$U_DIR/db/globins45</parameter>
    <parameter name="marks">$MARKS</parameter>
  </parameters>
</server>
XML
	users=() ids=()
	for u in "$U_ALICE" "$U_BOB" "$U_ALICE" "$U_BOB"; do
		submit "$u" "q${#ids[@]}"
		users+=("$u")
		ids+=("$id")
	done
	for ((n = 0; n < 100; n++)); do
		pass
		ct-wait -q -t 0 "${ids[@]}" && break
		sleep 0.1
	done
	run -0 ct-wait -t 0 "${ids[@]}"
	# One batch for each owner (with her jobs of earlier tests that were
	# still New, if any), run as her: never one of both owners' jobs.
	for u in "$U_ALICE" "$U_BOB"; do
		run grep -c "^$u " "$MARKS/runs.by"
		assert_output 1
		run grep "^$u " "$MARKS/runs.by"
		[ "${output#* }" -ge 2 ]
	done
	for k in 0 1 2 3; do
		run -0 as "${users[k]}" ct-fetch "${ids[k]}"
		assert_output --partial "<BlastOutput_query-def>q$k query of ${users[k]}</BlastOutput_query-def>"
		other=$U_BOB
		[ "${users[k]}" = "$U_BOB" ] && other=$U_ALICE
		run -4 as "$other" ct-fetch "${ids[k]}"
	done
}
