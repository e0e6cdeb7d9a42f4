#!/usr/bin/env bats
# Fault injection in turn at every call: ct-submit, a pass of
# ct-dispatch and ct-fetch -o, each run again and again under strace, the
# Nth open, write, fsync or rename of the spool (or of the output) failing
# with EIO, then ENOSPC, for every N the program makes; and every read and
# write interrupted (EINTR). After each run the spool's invariants hold:
# every job in one state, every file whole, none lost, nothing half
# written left visible; an error said as "ct-xxx: what: why" with a
# documented exit status; and what is left carries on to the end.
#
# About a minute: one run a call, and the calls are few.

load helper
load dispatch

SYSCALLS=openat,write,fsync,rename,renameat,renameat2

local_setup() {
	no_leak_check
	command -v strace >/dev/null || skip "strace is missing (Debian package strace)"
	strace -o /dev/null true 2>/dev/null ||
		skip "strace cannot trace here (ptrace not permitted)"
	dispatch_setup
	fasta a "$PROTEIN"
	fasta b "${PROTEIN:10}"
	server good instant 1 | registry
}

# calls PROGRAM-ARGS...: "SYSCALL N" for each call of $TRACE (default
# $SYSCALLS) that the program itself (not its children) makes on a path
# under the spool, or on $BATS_TEST_TMPDIR/twin.out, in a trial run on a
# twin of the spool as it is now: N counts the calls of that syscall, as
# strace's inject=...:when=N does.
calls() {
	local twin=$BATS_TEST_TMPDIR/twin log=$BATS_TEST_TMPDIR/trial.log
	rm -rf "$twin" "$twin.out"
	cp -a "$CT_SPOOL" "$twin"
	CT_SPOOL=$twin strace -qq -y -o "$log" -e trace="${TRACE:-$SYSCALLS}" \
		"$@" >/dev/null 2>&1
	awk -v spool="$twin" -v out="$twin.out" '
		{ name = $1; sub(/\(.*/, "", name); n[name]++ }
		index($0, spool "/") || index($0, out) { print name, n[name] }
	' "$log"
}

# snapshot_spool: keep the spool as it is, to run each injection from it.
snapshot_spool() {
	rm -rf "$BATS_TEST_TMPDIR/before"
	cp -a "$CT_SPOOL" "$BATS_TEST_TMPDIR/before"
}

restore_spool() {
	rm -rf "$CT_SPOOL"
	cp -a "$BATS_TEST_TMPDIR/before" "$CT_SPOOL"
}

# injected SYSCALL N ERRNO PROGRAM-ARGS...: run it, that call failing.
injected() {
	run --separate-stderr strace -qq -o /dev/null -e trace="$1" \
		-e inject="$1:error=$3:when=$2" "${@:4}"
}

# said_well WHAT: a failure said as the error style wants, with a
# documented status (0 also passes: the call did not matter).
said_well() {
	case $status in
	0) return 0 ;;
	64|65|66|69|70|71|73|74|75|77|78) ;;
	*) fail "$1: exit $status: $stderr" ;;
	esac
	[[ $stderr =~ (^|$'\n')ct-[a-z]+:\ [^:]+ ]] || fail "$1: exit $status without a message: '$stderr'"
}

# whole: every job file in the spool reads, and each ID is in one state.
whole() {
	local ids
	ids=$(cd "$CT_SPOOL" && find new held processing completed failed -maxdepth 1 -type f -printf '%f\n' 2>/dev/null | sort)
	[ -z "$(uniq -d <<<"$ids")" ] || fail "$1: in two states: $(uniq -d <<<"$ids")"
	if [ -n "$ids" ]; then
		ct-status -l $ids >/dev/null 2>"$BATS_TEST_TMPDIR/whole.err" || {
			grep -q corrupt "$BATS_TEST_TMPDIR/whole.err" &&
			fail "$1: $(cat "$BATS_TEST_TMPDIR/whole.err")"
		}
	fi
	echo "$ids"
}

@test "strace sweep: ct-submit with every spool call failing in turn (EIO, ENOSPC): whole jobs or none, each one printed exists" {
	mkdir -p "$CT_SPOOL"
	ct-submit a.fa >/dev/null	# a spool made, one job in it
	snapshot_spool
	before=$(whole setup)
	mapfile -t list < <(calls ct-submit a.fa b.fa)
	[ "${#list[@]}" -ge 10 ] || fail "only ${#list[@]} calls found"
	for c in "${list[@]}"; do
		for e in EIO ENOSPC; do
			restore_spool
			injected ${c% *} ${c#* } $e ct-submit a.fa b.fa
			said_well "$c $e"
			after=$(whole "$c $e")
			# Nothing lost; nothing but what it printed, and perhaps
			# jobs it named on stderr as there, added.
			for id in $before $output; do
				grep -qx "$id" <<<"$after" || fail "$c $e: $id missing"
			done
			[ "$status" != 0 ] || [ "$(wc -w <<<"$output")" = 2 ] ||
				fail "$c $e: exit 0 with '$output'"
			for id in $after; do
				printf '%s\n' $before $output | grep -qx "$id" && continue
				grep -q "$id" <<<"$stderr" || fail "$c $e: $id added, never named"
			done
		done
	done
	echo "# ${#list[@]} calls, 2 errors each" >&3
}

@test "strace sweep: ct-hold and ct-release with every spool call failing in turn (EIO, ENOSPC): the job in new/ or held/, never both nor neither; 0 only if it moved" {
	mkdir -p "$CT_SPOOL"
	id=$(ct-submit a.fa)
	for cmd in ct-hold ct-release; do
		snapshot_spool
		[ "$cmd" = ct-hold ] && to=held || to=new
		mapfile -t list < <(calls $cmd "$id")
		[ "${#list[@]}" -ge 1 ] || fail "$cmd: no calls found"
		for c in "${list[@]}"; do
			for e in EIO ENOSPC; do
				restore_spool
				injected ${c% *} ${c#* } $e $cmd "$id"
				said_well "$cmd $c $e"
				assert_equal "$(whole "$cmd $c $e")" "$id"
				[ "$status" != 0 ] || [ -f "$CT_SPOOL/$to/$id" ] ||
					fail "$cmd $c $e: exit 0, not in $to/"
			done
		done
		restore_spool
		$cmd "$id"
	done
}

# done_in SPOOL: nothing New or Processing in it (without a process:
# this runs hundreds of times).
done_in() {
	local f
	for f in "$1"/new/* "$1"/processing/*; do
		[ ! -e "$f" ] || return 1
	done
}

@test "strace sweep: a dispatch pass with every spool call failing in turn (EIO, ENOSPC): nothing lost or half written, and clean passes finish every job once" {
	local k=0 left round i p sp what got n
	ct-submit a.fa >ids
	ct-submit b.fa >>ids
	mapfile -t id <ids
	snapshot_spool
	mapfile -t list < <(calls ct-dispatch)
	[ "${#list[@]}" -ge 10 ] || fail "only ${#list[@]} calls found"
	# Each case in a spool of its own, all injected first: a step that
	# failed is tried again after 5 s, once for all of them.
	for c in "${list[@]}"; do
		for e in EIO ENOSPC; do
			k=$((k + 1))
			restore_spool
			injected ${c% *} ${c#* } $e ct-dispatch
			said_well "$c $e"
			[ "$(whole "$c $e")" = "$(sort ids)" ] || fail "$c $e: the jobs changed"
			mv "$CT_SPOOL" "$BATS_TEST_TMPDIR/case.$k"
			echo "$c $e" >"$BATS_TEST_TMPDIR/case.$k.what"
		done
	done
	for round in 6 11 21; do
		left=0
		sleep "$round"
		for ((i = 1; i <= k; i++)); do
			sp=$BATS_TEST_TMPDIR/case.$i
			for ((p = 0; p < 3; p++)); do
				done_in "$sp" && break
				CT_SPOOL=$sp ct-dispatch 2>>"$sp.log" || true
			done
			done_in "$sp" || left=$((left + 1))
		done
		[ "$left" = 0 ] && break
	done
	for ((i = 1; i <= k; i++)); do
		sp=$BATS_TEST_TMPDIR/case.$i
		read -r what <"$sp.what"
		done_in "$sp" || fail "$what: not done: $(cat "$sp.log")"
		got=$(CT_SPOOL=$sp ct-fetch "${id[0]}") || fail "$what: ${id[0]}: ct-fetch exit $?"
		[ "$got" = "$(blastxml a good)" ] || fail "$what: ${id[0]}: '$got'"
		got=$(CT_SPOOL=$sp ct-fetch "${id[1]}") || fail "$what: ${id[1]}: ct-fetch exit $?"
		[ "$got" = "$(blastxml b good)" ] || fail "$what: ${id[1]}: '$got'"
		n=$(CT_SPOOL=$sp ct-status -l "${id[@]}" | grep -c '^  [-0-9]* [:0-9]*  Completed  ')
		[ "$n" = 2 ] || fail "$what: $n completions of the two jobs"
	done
	echo "# ${#list[@]} calls, 2 errors each" >&3
}

@test "strace sweep: ct-fetch -o with every call on the spool or the output failing in turn (EIO, ENOSPC): the whole result or no file, nothing beside it" {
	id=$(ct-submit a.fa)
	ct-dispatch
	ct-dispatch
	run -0 ct-fetch "$id"
	want=$output
	snapshot_spool
	mkdir out
	OUT=$PWD/out/r.xml
	mapfile -t list < <(calls ct-fetch -o "$BATS_TEST_TMPDIR/twin.out" "$id")
	[ "${#list[@]}" -ge 3 ] || fail "only ${#list[@]} calls found"
	for c in "${list[@]}"; do
		for e in EIO ENOSPC; do
			restore_spool
			rm -rf out && mkdir out
			injected ${c% *} ${c#* } $e ct-fetch -o "$OUT" "$id"
			said_well "$c $e"
			if [ "$status" = 0 ]; then
				[ "$(cat "$OUT")" = "$want" ] || fail "$c $e: exit 0, the file differs"
			else
				[ ! -e "$OUT" ] || fail "$c $e: exit $status, yet $OUT exists"
			fi
			[ "$(ls -A out | grep -vx r.xml)" = "" ] || fail "$c $e: left beside it: $(ls -A out)"
			whole "$c $e" >/dev/null
		done
	done
	echo "# ${#list[@]} calls, 2 errors each" >&3
}

# interrupted PROGRAM-ARGS...: the program run once for each of its reads
# and writes, that one failing with EINTR; each run must do all its work.
interrupted() {
	local c list
	mapfile -t list < <(TRACE=read,write calls "$@")
	[ "${#list[@]}" -ge 1 ] || fail "$1: no read or write found"
	for c in "${list[@]}"; do
		restore_spool
		rm -f got
		injected ${c% *} ${c#* } EINTR "$@"
		[ "$status" = 0 ] || fail "$1: $c EINTR: exit $status: $stderr"
		[ "$1" != ct-fetch ] || [ "$(cat got)" = "$(blastxml a good)" ] ||
			fail "$1: $c EINTR: the file differs"
	done
}

@test "strace sweep: every read and write interrupted once (EINTR), in ct-submit, a pass and ct-fetch: each does all its work" {
	id=$(ct-submit a.fa)
	snapshot_spool
	interrupted ct-submit b.fa
	interrupted ct-dispatch
	ct-dispatch
	ct-dispatch
	snapshot_spool
	interrupted ct-fetch -o "$PWD/got" "$id"
}
