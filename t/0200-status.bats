#!/usr/bin/env bats
# ct-status: one line per job (tab-separated for scripts, aligned with a
# header on a terminal), -n, -q, -l, the exit status that answers for
# scripts, and job files that are corrupt or from a later version.

load helper
bats_require_minimum_version 1.5.0

local_setup() {
	now=$(date +%s)
	ago=$((now - 100))
	uid=$(id -u)
}

# A job in each state; the completed one is 100 s old.
four_jobs() {
	mkjob -s completed -p ncbi -t "$ago" "$CT_SPOOL" c1
	mkjob -s failed -p ebi -t "$ago" \
		-e "no provider answered; run it locally" "$CT_SPOOL" f1
	mkjob -s processing -p sge -t "$ago" "$CT_SPOOL" p1
	mkjob -s new -t "$ago" "$CT_SPOOL" n1
}

# assert_line_is LINE ID STATE SERVICE PROVIDER: LINE is the job's
# tab-separated line, and the job is 100 to 102 seconds old.
assert_line_is() {
	local f
	IFS=$'\t' read -r -a f <<<"$1"
	assert_equal "${#f[@]}" 5
	assert_equal "${f[0]}|${f[1]}|${f[2]}|${f[3]}" "$2|$3|$4|$5"
	[[ "${f[4]}" =~ ^[0-9]+$ ]] || fail "age '${f[4]}' is not whole seconds"
	((f[4] >= 100 && f[4] <= 102)) || fail "age ${f[4]}, expected 100..102"
}

# put STATE-DIR ID: stdin becomes the job file SPOOL/STATE-DIR/ID, staged
# in tmp/ and renamed into place like every writer does.
put() {
	[ -d "$CT_SPOOL/tmp" ] ||
		mkdir -p "$CT_SPOOL"/{tmp,new,processing,completed,failed,results}
	cat >"$CT_SPOOL/tmp/put.$$"
	mv "$CT_SPOOL/tmp/put.$$" "$CT_SPOOL/$1/$2"
}

# record ID: a complete, valid record of a new job with a 5-byte input.
record() {
	printf 'cputorrent-job 1\nid %s\nowner %s\nservice blastp\n' "$1" "$uid"
	printf 'submitted 1000000000.000000\n'
	printf 'event 1000000000.000000 0 submitted by hand\n'
	printf 'input 5\n>x\nA\nend\n'
}

# corrupt STATE-DIR ID: ct-status ID must say the file is corrupt, print
# nothing on stdout, and exit 74.
assert_corrupt() {
	local rc=0
	# Not "run": this is called in loops, and run costs more than ct-status.
	ct-status "$2" >out 2>err || rc=$?
	output=$(<out) stderr=$(<err)
	[ "$rc" -eq 74 ] || fail "$1/$2: exit $rc, not 74; '$output' '$stderr'"
	assert_equal "$output" ""
	[[ "$stderr" == "ct-status: $CT_SPOOL/$1/$2: corrupt job file: "* ]] ||
		fail "not reported as corrupt: '$stderr'"
}

# fields LINE: split a tab-separated status line into the array f.
fields() {
	IFS=$'\t' read -r -a f <<<"$1"
}

@test "a completed job: its line, and exit status 0" {
	mkjob -s completed -p ncbi -t "$ago" "$CT_SPOOL" c1
	run -0 --separate-stderr ct-status c1
	assert_equal "$stderr" ""
	assert_equal "${#lines[@]}" 1
	fields "$output"
	assert_equal "${#f[@]}" 5
	assert_equal "${f[0]}" c1
	assert_equal "${f[1]}" Completed
	assert_equal "${f[2]}" blastp
	assert_equal "${f[3]}" ncbi
	[[ "${f[4]}" =~ ^[0-9]+$ ]] || fail "age '${f[4]}' is not whole seconds"
	((f[4] >= 100 && f[4] <= 102)) || fail "age ${f[4]}, expected 100..102"
}

@test "each state has its line and its exit status" {
	four_jobs
	run -0 --separate-stderr ct-status c1
	assert_equal "$stderr" ""
	assert_line_is "$output" c1 Completed blastp ncbi
	run -1 --separate-stderr ct-status f1
	assert_equal "$stderr" ""
	assert_line_is "$output" f1 Failed blastp ebi
	run -2 --separate-stderr ct-status p1
	assert_equal "$stderr" ""
	assert_line_is "$output" p1 Processing blastp sge
	run -3 --separate-stderr ct-status n1
	assert_equal "$stderr" ""
	assert_line_is "$output" n1 New blastp -
}

@test "a job that does not exist: exit 4, 'job not found', nothing on stdout" {
	four_jobs
	run -4 --separate-stderr ct-status nosuch
	assert_equal "$output" ""
	assert_equal "$stderr" "ct-status: nosuch: job not found"
}

@test "an invalid ID is refused with 64 before any lookup" {
	# A spool that cannot be opened: a valid ID gets as far as that.
	touch notadir
	export CT_SPOOL=$BATS_TEST_TMPDIR/notadir
	run -74 --separate-stderr ct-status j1
	assert_equal "$stderr" \
		"ct-status: cannot open spool $CT_SPOOL: Not a directory"
	# j/1 is not an ID, but may be a name (ct-submit -N).
	for bad in ../j1 -j1 .hidden 'a b' 'j|1' '' "$(printf 'x%.0s' {1..129})"; do
		run --separate-stderr ct-status -- "$bad"
		assert_equal "$status" 64
		assert_equal "$output" ""
		[[ "$stderr" == "ct-status: invalid job ID"* ]] ||
			fail "'$bad': $stderr"
	done
	# A valid ID after a bad one changes nothing.
	run -64 ct-status j1 ../j1
}

@test "-n prints the state as the paper's number" {
	four_jobs
	for pair in n1:0:3 p1:1:2 c1:2:0 f1:3:1; do
		IFS=: read -r id n code <<<"$pair"
		run --separate-stderr ct-status -n "$id"
		assert_equal "$status" "$code"
		fields "$output"
		assert_equal "${f[0]}" "$id"
		assert_equal "${f[1]}" "$n"
	done
}

@test "several IDs: one line each, in order, and the highest exit status" {
	four_jobs
	run -3 --separate-stderr ct-status c1 n1
	assert_equal "${#lines[@]}" 2
	[[ "${lines[0]}" == c1$'\t'Completed$'\t'* ]] || fail "${lines[0]}"
	[[ "${lines[1]}" == n1$'\t'New$'\t'* ]] || fail "${lines[1]}"
	assert_equal "$stderr" ""

	run -4 --separate-stderr ct-status c1 missing
	assert_equal "${#lines[@]}" 1
	[[ "${lines[0]}" == c1$'\t'Completed$'\t'* ]] || fail "${lines[0]}"
	assert_equal "$stderr" "ct-status: missing: job not found"

	run -4 --separate-stderr ct-status missing c1
	assert_equal "${#lines[@]}" 1

	run -1 ct-status c1 f1
	assert_equal "${#lines[@]}" 2
	run -2 ct-status f1 p1 c1
	run -3 ct-status p1 n1 f1
	run -0 ct-status c1 c1
	assert_equal "${#lines[@]}" 2
}

@test "- reads IDs from standard input, as ct-submit prints them, beside those given; none read lists none" {
	four_jobs
	run -3 --separate-stderr ct-status c1 - f1 <<<"$(printf 'n1\np1 \t c1\r\n')"
	assert_equal "$stderr" ""
	assert_equal "$(cut -f1 <<<"$output" | tr '\n' ' ')" "c1 n1 p1 c1 f1 "
	# From ct-submit, through a pipe.
	fasta q1 "$PROTEIN"
	ct-submit q1.fa >ids
	run -3 ct-status - <ids
	[[ $output == "$(cat ids)"$'\t'New$'\t'* ]] || fail "$output"
	# Read once: a second - adds nothing.
	run -3 ct-status - - <ids
	assert_equal "${#lines[@]}" 1
	# An empty standard input gives no IDs, not every job.
	run -0 --separate-stderr ct-status - </dev/null
	assert_equal "$output$stderr" ""
	# What is read is checked as any ID is.
	run -64 --separate-stderr ct-status - <<<"c1 ../f1"
	assert_output ""
	assert_equal "${stderr_lines[0]}" "ct-status: invalid job ID '../f1': an ID is 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit"
	run -64 --separate-stderr ct-status - < <(printf 'c1\0n1\n')
	assert_equal "${stderr_lines[0]}" "ct-status: standard input: a NUL byte among the job IDs"
}

@test "- in ct-fetch, ct-cancel and ct-wait: the IDs on standard input" {
	four_jobs
	echo "the report" >"$CT_SPOOL/results/c1"
	run -0 ct-fetch - <<<c1
	assert_output "the report"
	run -1 --separate-stderr ct-fetch - <<<"c1 f1"
	assert_output "the report"
	run -64 --separate-stderr ct-fetch -o out - <<<"c1 f1"
	assert_equal "${stderr_lines[0]}" "ct-fetch: -o takes the result of one job: give one ID"
	run -1 ct-wait -t 0 - <<<"c1 f1"
	run -64 --separate-stderr ct-cancel - </dev/null
	assert_equal "${stderr_lines[0]}" "ct-cancel: expected at least one job ID"
	run -0 ct-cancel - <<<n1
	run -1 ct-status -q n1
}

@test "-q prints nothing at all and exits as without it" {
	four_jobs
	for pair in c1:0 f1:1 p1:2 n1:3 missing:4; do
		run --separate-stderr ct-status -q "${pair%:*}"
		assert_equal "$status" "${pair#*:}"
		assert_equal "$output" ""
		assert_equal "$stderr" ""
	done
	run -4 --separate-stderr ct-status -q c1 n1 missing
	assert_equal "$output$stderr" ""
	run -0 --separate-stderr ct-status -q
	assert_equal "$output$stderr" ""
}

@test "no IDs: every job, one line each, no header when not a terminal" {
	four_jobs
	fasta q "$PROTEIN"
	id=$(ct-submit q.fa)
	run -0 --separate-stderr ct-status
	assert_equal "$stderr" ""
	assert_equal "${#lines[@]}" 5
	refute_line --regexp '^ID'
	got=$(printf '%s\n' "${lines[@]}" | cut -f1-4 | sort)
	want=$(printf '%s\tNew\tblastp\t-\n' "$id"
		printf 'c1\tCompleted\tblastp\tncbi\n'
		printf 'f1\tFailed\tblastp\tebi\n'
		printf 'n1\tNew\tblastp\t-\n'
		printf 'p1\tProcessing\tblastp\tsge\n')
	assert_equal "$got" "$(sort <<<"$want")"
	for l in "${lines[@]}"; do
		fields "$l"
		assert_equal "${#f[@]}" 5
		[[ "${f[4]}" =~ ^[0-9]+$ ]] || fail "bad age in '$l'"
	done
	run -0 ct-status -n
	got=$(printf '%s\n' "${lines[@]}" | cut -f1,2 | sort)
	assert_equal "$got" "$(printf '%s\t0\nc1\t2\nf1\t3\nn1\t0\np1\t1' "$id" |
		sort)"
}

@test "on a terminal: a header and aligned columns" {
	four_jobs
	fasta q "$PROTEIN"
	id=$(ct-submit q.fa)
	run -0 script -qec 'ct-status' /dev/null
	output=${output//$'\r'/}
	mapfile -t l <<<"$output"
	assert_equal "${#l[@]}" 6
	# root sees every user's jobs, and whose they are.
	if [ "$(id -u)" -eq 0 ]; then
		[[ "${l[0]}" =~ ^ID\ +OWNER\ +STATE\ +SERVICE\ +PROVIDER\ +AGE\ +NAME$ ]] ||
			fail "header: '${l[0]}'"
		[[ "${l[1]}" =~ ^[^\ ]+\ +root\ + ]] || fail "no owner: '${l[1]}'"
	else
		[[ "${l[0]}" =~ ^ID\ +STATE\ +SERVICE\ +PROVIDER\ +AGE\ +NAME$ ]] ||
			fail "header: '${l[0]}'"
	fi
	h=${l[0]}
	s=${h%%STATE*} s=${#s}
	v=${h%%SERVICE*} v=${#v}
	p=${h%%PROVIDER*} p=${#p}
	a=${h%%AGE*} a=${#a}
	m=${h%%NAME*} m=${#m}
	declare -A seen
	for ((i = 1; i < 6; i++)); do
		x=${l[i]}
		jid=${x%% *}
		seen[$jid]=1
		# Every column starts where its heading does, after a blank.
		for col in $s $v $p $a $m; do
			[ "${x:col-1:1}" = " " ] && [ "${x:col:1}" != " " ] ||
				fail "line '$x' not aligned at column $col"
		done
		read -r st <<<"${x:s}"
		read -r sv <<<"${x:v}"
		read -r pr <<<"${x:p}"
		read -r age _ <<<"${x:a}"
		assert_equal "${x:m}" -
		[[ "$age" =~ ^(1m|[0-2]s)$ ]] || fail "age '$age' in '$x'"
		case $jid in
		c1) want="Completed ncbi 1m" ;;
		f1) want="Failed ebi 1m" ;;
		p1) want="Processing sge 1m" ;;
		n1) want="New - 1m" ;;
		"$id") want="New - ${age%s}s" ;;	# 0s, or 1s if slow
		*) fail "unexpected line '$x'" ;;
		esac
		assert_equal "${st%% *} ${pr%% *} $age" "$want"
		assert_equal "${sv%% *}" blastp
	done
	assert_equal "${#seen[@]}" 5

	# -n and a terminal: numbers in the table.
	run -2 script -qec 'ct-status -n -o id,state,service,provider,age p1' \
	    /dev/null
	output=${output//$'\r'/}
	mapfile -t lines <<<"$output"
	assert_line --index 0 --regexp '^ID +STATE +SERVICE +PROVIDER +AGE$'
	assert_line --index 1 --regexp '^p1 +1 +blastp +sge +1m$'
}

@test "-l: every field, the options, the input size and the history" {
	fasta q "$PROTEIN"
	run -0 ct-submit -d pdb -o evalue=1e-5 -o matrix=BLOSUM62 q.fa
	id=$output
	# The ID holds the submission time (UTC), as the record does.
	when=$(sed -E 's/^(....)(..)(..)-(..)(..)(..)-.*/\1-\2-\3 \4:\5:\6/' \
		<<<"$id")
	size=$(stat -c %s q.fa)
	run -3 --separate-stderr ct-status -l "$id"
	assert_equal "$stderr" ""
	assert_equal "${#lines[@]}" 13
	assert_line --index 0 "job        $id"
	assert_line --index 1 "state      New (0)"
	assert_line --index 2 "owner      $(id -un) ($(id -u))"
	assert_line --index 3 "service    blastp"
	assert_line --index 4 "database   pdb"
	assert_line --index 5 "provider   -"
	assert_line --index 6 --regexp "^submitted  $when \\([0-2]s ago\\)\$"
	assert_line --index 7 "batch      ${id%-*}"
	assert_line --index 8 "option     evalue=1e-5"
	assert_line --index 9 "option     matrix=BLOSUM62"
	assert_line --index 10 "input      $size bytes"
	assert_line --index 11 "history"
	assert_line --index 12 \
		"  $when  New         submitted by uid $(id -u) on $(uname -n)"
}

@test "-l: the whole history of a failed job, in order, with state words" {
	mkjob -s failed -p ncbi -t 1000000000 -e "BLAST timed out; run it locally" \
		"$CT_SPOOL" f1
	run -1 --separate-stderr ct-status -l f1
	assert_equal "$stderr" ""
	assert_line --index 1 "state      Failed (3)"
	assert_line --index 4 "database   -"
	assert_line --index 5 "provider   ncbi"
	assert_line --index 6 --regexp \
		'^submitted  2001-09-09 01:46:40 \([0-9]+d[0-9][0-9]h ago\)$'
	# When it ended, and why, the reason ct-fetch gives.
	assert_line --index 7 "finished   2001-09-09 01:46:40 (turnaround 0s)"
	assert_line --index 8 "reason     BLAST timed out; run it locally"
	assert_line --index 9 "input      70 bytes"
	assert_line --index 10 "history"
	assert_line --index 11 "  2001-09-09 01:46:40  New         submitted by mkjob"
	assert_line --index 12 "  2001-09-09 01:46:40  Processing  sent to ncbi"
	assert_line --index 13 \
		"  2001-09-09 01:46:40  Failed      BLAST timed out; run it locally"
	assert_equal "${#lines[@]}" 14
	refute_line --partial "option"
}

@test "-l with several jobs: blocks separated by one empty line" {
	mkjob -s completed -p ncbi -t "$ago" "$CT_SPOOL" c1
	mkjob -s processing -p sge "$CT_SPOOL" p1
	run -4 --separate-stderr ct-status -l c1 p1 nosuch
	assert_equal "$stderr" "ct-status: nosuch: job not found"
	assert_line --index 0 "job        c1"
	assert_line --index 1 "state      Completed (2)"
	assert_line --index 6 "submitted  $(date -d @"$ago" '+%F %T') (1m ago)"
	assert_line --index 7 \
		"finished   $(date -d @"$ago" '+%F %T') (turnaround 0s)"
	assert_line --index 12 \
		"  $(date -d @"$ago" '+%F %T')  Completed   result fetched and checked"
	# lines[] leaves out empty lines: one between the blocks, no other.
	assert_line --index 13 "job        p1"
	assert_line --index 14 "state      Processing (1)"
	assert_equal "${#lines[@]}" 24
	[[ "$output" == *$'checked\n\njob        p1\n'* ]] ||
		fail "no empty line between the blocks"
	[[ "$output" != *$'\n\n\n'* && "$output" != $'\n'* ]] ||
		fail "extra empty lines"
}

@test "a missing spool directory: exit 69, 'no spool at', nothing listed or created" {
	export CT_SPOOL=$BATS_TEST_TMPDIR/no/such/spool
	run -69 --separate-stderr ct-status
	assert_equal "$output" ""
	assert_equal "$stderr" "ct-status: no spool at $CT_SPOOL: No such file or directory"
	run -69 --separate-stderr ct-status j1
	assert_equal "$stderr" "ct-status: no spool at $CT_SPOOL: No such file or directory"
	run -69 --separate-stderr ct-status -S "$BATS_TEST_TMPDIR/other" -l
	assert_equal "$output" ""
	assert_equal "$stderr" "ct-status: no spool at $BATS_TEST_TMPDIR/other: No such file or directory"
	[ ! -e "$BATS_TEST_TMPDIR/no" ] || fail "ct-status created the spool"
	[ ! -e "$BATS_TEST_TMPDIR/other" ] || fail "ct-status created the spool"
	# ct-submit makes one, and ct-status reads it.
	fasta q MKV
	id=$(ct-submit -S "$BATS_TEST_TMPDIR/new" q.fa)
	run -0 --separate-stderr ct-status -S "$BATS_TEST_TMPDIR/new"
	assert_equal "${#lines[@]}" 1
	assert_equal "${lines[0]%%$'\t'*}" "$id"
}

@test "a spool with only some state directories is read without complaint" {
	mkjob -s processing "$CT_SPOOL" p1
	rmdir "$CT_SPOOL"/{new,completed,failed}
	run -2 --separate-stderr ct-status p1
	assert_equal "$stderr" ""
	run -0 --separate-stderr ct-status
	assert_equal "$stderr" ""
	assert_equal "${#lines[@]}" 1
}

@test "-S names the spool, over \$CT_SPOOL" {
	mkjob -s failed "$BATS_TEST_TMPDIR/s2" j2
	mkjob -s completed "$CT_SPOOL" j1
	run -1 ct-status -S "$BATS_TEST_TMPDIR/s2" j2
	run -4 ct-status -S "$BATS_TEST_TMPDIR/s2" j1
	run -0 ct-status -S "$BATS_TEST_TMPDIR/s2"
	assert_equal "${#lines[@]}" 1
	[[ "$output" == j2$'\t'Failed$'\t'* ]] || fail "$output"
}

@test "another user's job: root sees it (a user would not)" {
	mkjob -s processing -u 12345 "$CT_SPOOL" theirs
	mkjob -s new "$CT_SPOOL" mine
	if [ "$(id -u)" -ne 0 ]; then
		run -4 --separate-stderr ct-status theirs
		assert_equal "$stderr" "ct-status: theirs: job not found"
		run -0 ct-status
		assert_equal "${#lines[@]}" 1
		return
	fi
	run -2 --separate-stderr ct-status theirs
	assert_equal "$stderr" ""
	[[ "$output" == theirs$'\t'Processing$'\t'* ]] || fail "$output"
	run -0 ct-status
	assert_equal "${#lines[@]}" 2
	run -2 ct-status -l theirs
	name=$(getent passwd 12345 | cut -d: -f1)
	assert_line --index 2 "owner      ${name:-?} (12345)"
}

@test "corrupt: the end marker removed" {
	mkjob -s completed "$CT_SPOOL" c1
	truncate -s -4 "$CT_SPOOL/completed/c1"
	assert_corrupt completed c1
	assert_equal "$stderr" "ct-status: $CT_SPOOL/completed/c1: corrupt job file: input length does not match the file, or the end marker is missing"
	# The end marker replaced by other bytes of the same length.
	mkjob -s completed "$CT_SPOOL" c2
	truncate -s -4 "$CT_SPOOL/completed/c2"
	printf 'END\n' >>"$CT_SPOOL/completed/c2"
	assert_corrupt completed c2
}

@test "corrupt: a time with too many digits of microseconds, or of seconds, is refused" {
	# 20 digits would overflow a 64-bit count of microseconds.
	mkjob -s completed "$CT_SPOOL" c1
	sed -i 's/^\(event [0-9]*\)\.000001 /\1.12345678901234567890 /' \
		"$CT_SPOOL/completed/c1"
	grep -q '^event [0-9]*\.12345678901234567890 ' "$CT_SPOOL/completed/c1"
	assert_corrupt completed c1
	mkjob -s completed "$CT_SPOOL" c2
	sed -i 's/^submitted [0-9]*\./submitted 99999999999999999999./' \
		"$CT_SPOOL/completed/c2"
	grep -q '^submitted 99999999999999999999\.' "$CT_SPOOL/completed/c2"
	assert_corrupt completed c2
}

@test "corrupt: cut in half, in the header and in the input" {
	mkjob -s processing "$CT_SPOOL" p1
	size=$(stat -c %s "$CT_SPOOL/processing/p1")
	truncate -s $((size / 2)) "$CT_SPOOL/processing/p1"
	assert_corrupt processing p1
	# A large input: half way falls inside it.
	head -c 200000 /dev/zero | tr '\0' A >big
	mkjob -s new -i big "$CT_SPOOL" n1
	size=$(stat -c %s "$CT_SPOOL/new/n1")
	truncate -s $((size / 2)) "$CT_SPOOL/new/n1"
	assert_corrupt new n1
	[[ "$stderr" == *"end marker is missing" ]] || fail "$stderr"
}

@test "corrupt: a job cut at every byte offset is never taken for a job" {
	record j1 >whole
	put failed j1 <whole
	size=$(stat -c %s whole)
	job=$CT_SPOOL/failed/j1
	for ((n = 0; n < size; n++)); do
		# Written in place (not renamed) only to keep the loop fast.
		head -c "$n" whole >"$job"
		rc=0
		ct-status j1 >out 2>err || rc=$?
		[ "$rc" -eq 74 ] || fail "cut at $n of $size bytes: exit $rc"
		[ ! -s out ] || fail "cut at $n: printed '$(cat out)'"
		read -r msg <err
		[[ "$msg" == "ct-status: $job: corrupt job file: "* ]] ||
			fail "cut at $n: '$msg'"
	done
	# The whole file is a good job.
	put failed j1 <whole
	run -1 ct-status j1
}

@test "corrupt: the input length does not match the file" {
	for len in 4 6 0 50 99999999999; do
		record j1 | sed "s/^input 5\$/input $len/" | put new j1
		assert_corrupt new j1
	done
	record j1 | sed 's/^input 5$/input -5/' | put new j1
	assert_corrupt new j1
	record j1 | sed 's/^input 5$/input 99999999999999999999999/' | put new j1
	assert_corrupt new j1
	# Extra bytes after the end marker.
	{ record j1; printf 'x'; } | put new j1
	assert_corrupt new j1
	# The intact record, for comparison.
	record j1 | put new j1
	run -3 ct-status j1
}

@test "corrupt: a required field missing" {
	for field in id owner service submitted; do
		record j1 | sed "/^$field /d" | put completed j1
		assert_corrupt completed j1
		[[ "$stderr" == *": record lacks a required field (id, owner, service, submitted)" ]] ||
			fail "without $field: $stderr"
	done
	# No input field at all.
	record j1 | sed '/^input /,$d' | put completed j1
	assert_corrupt completed j1
}

@test "corrupt: a bad version line" {
	for first in 'cputorrent-job 2' 'cputorrent-job 10' 'cputorrent-job' \
		'cputorrent-job  1' 'cputorrent-jobs 1' 'CPUTORRENT-JOB 1' 'id j1'; do
		record j1 | sed "1c\\
$first" | put new j1
		assert_corrupt new j1
	done
	record j1 | sed '1d' | put new j1
	assert_corrupt new j1
}

@test "corrupt: malformed values" {
	bad=(
		's/^owner .*/owner -1/'
		's/^owner .*/owner 4294967295/'
		's/^owner .*/owner root/'
		's/^submitted .*/submitted 1000000000/'
		's/^submitted .*/submitted 1000000000.00000/'
		's/^submitted .*/submitted 1000000000.0000000/'
		's/^submitted .*/submitted x.000000/'
		's/^event .*/event 1000000000.000000 4 bad state/'
		's/^event .*/event 1000000000.000000 x bad state/'
		's/^event .*/event 1000000000.000000 0text/'
		's/^event .*/event 1000000000 0 no fraction/'
		's/^event .*/event 1000000000.000000 0 bad \\q escape/'
		's/^event .*/event 1000000000.000000 0 NUL \\x00 escape/'
		's/^event .*/event 1000000000.000000 0 short \\x4/'
		's/^event .*/event 1000000000.000000 0 trailing \\/'
		's/^id .*/id other\/j1/'
		's/^id .*/id j1\nid j1/'
		's/^service .*/service blastp\nservice blastn/'
		's/^service .*/service blastp\noption noequals/'
		's/^service .*/service blastp\nnovalue/'
	)
	for s in "${bad[@]}"; do
		record j1 | sed "$s" | put new j1
		assert_corrupt new j1
	done
}

@test "corrupt: garbage bytes, a NUL in a field, an empty file" {
	printf '\0\1\2\377garbage\n\0\0end\n' | put new g1
	assert_corrupt new g1
	head -c 4096 /dev/zero | put new g2
	assert_corrupt new g2
	: | put new g3
	assert_corrupt new g3
	record g4 | sed 's/^service blastp/service bla\x00stp/' | put new g4
	assert_corrupt new g4
	# Random bytes, fixed seed so a failure can be repeated.
	for i in 1 2 3 4 5; do
		LC_ALL=C awk -v seed="$i" 'BEGIN { srand(seed)
			for (k = 0; k < 700; k++) printf "%c", int(rand() * 256) }' |
			put new "r$i"
		assert_corrupt new "r$i"
	done
}

@test "corrupt files in a listing: reported, the others listed, exit 74" {
	mkjob -s completed "$CT_SPOOL" good1
	mkjob -s new "$CT_SPOOL" good2
	mkjob -s failed "$CT_SPOOL" bad1
	truncate -s -1 "$CT_SPOOL/failed/bad1"
	run --separate-stderr ct-status
	assert_equal "$status" 74
	assert_equal "${#lines[@]}" 2
	assert_equal "$(printf '%s\n' "${lines[@]}" | cut -f1 | sort | xargs)" \
		"good1 good2"
	assert_equal "$stderr" "ct-status: $CT_SPOOL/failed/bad1: corrupt job file: input length does not match the file, or the end marker is missing"
	# -q still exits 74.
	run ct-status -q
	assert_equal "$status" 74
	# A corrupt job among good ones named on the command line: 74 wins.
	run ct-status good1 bad1 good2
	assert_equal "$status" 74
	assert_equal "${#lines[@]}" 3
}

@test "an unknown field is ignored (a later version may add it)" {
	record j1 | sed 's/^input 5$/colour blue\nx-future some value with spaces\ninput 5/' |
		put processing j1
	run -2 --separate-stderr ct-status j1
	assert_equal "$stderr" ""
	fields "$output"
	assert_equal "${f[0]}|${f[1]}|${f[2]}|${f[3]}" "j1|Processing|blastp|-"
	age=$((now - 1000000000))
	((f[4] >= age && f[4] <= age + 2)) || fail "age ${f[4]}, expected $age"
	run -2 ct-status -l j1
	assert_line --index 7 "input      5 bytes"
	refute_output --partial colour
}

@test "-l shows escaped values unescaped, control bytes made harmless" {
	{
		printf 'cputorrent-job 1\nid e1\nowner %s\nservice blastp\n' "$(id -u)"
		printf 'database my\\tdb\n'
		printf 'submitted 1000000000.000000\n'
		printf 'option note=a\\nb\\tc\\\\d\\x01e\n'
		printf 'option empty=\n'
		printf 'provider p\\x41q\n'
		printf 'event 1000000000.000000 0 line one\\nline two\n'
		printf 'event 1000000001.000000 1\n'
		printf 'input 5\n>x\nA\nend\n'
	} | put processing e1
	run -2 --separate-stderr --keep-empty-lines ct-status -l e1
	assert_equal "$stderr" ""
	want=$(
		printf 'job        e1\n'
		printf 'state      Processing (1)\n'
		printf 'owner      %s (%s)\n' "$(id -un)" "$(id -u)"
		printf 'service    blastp\n'
		printf 'database   my db\n'
		printf 'provider   pAq\n'
		printf 'submitted  2001-09-09 01:46:40 (XX ago)\n'
		printf 'option     note=a?b c\\d?e\n'
		printf 'option     empty=\n'
		printf 'input      5 bytes\n'
		printf 'history\n'
		printf '  2001-09-09 01:46:40  New         line one?line two\n'
		printf '  2001-09-09 01:46:41  Processing  \n'
	)
	got=$(sed -E 's/^(submitted  .*) \([0-9dh]+ ago\)$/\1 (XX ago)/' <<<"$output")
	assert_equal "$got" "$want"
	# The one-line form shows the provider unescaped too.
	run -2 ct-status e1
	[[ "$output" == e1$'\t'Processing$'\t'blastp$'\t'pAq$'\t'* ]] || fail "$output"
}

@test "a full standard output is an error, 74" {
	mkjob -s completed "$CT_SPOOL" c1
	run bash -c 'ct-status c1 >/dev/full'
	assert_equal "$status" 74
	assert_output "ct-status: cannot write standard output: No space left on device"
}

# timed STATE-DIR ID SUBMITTED [FIELD-LINES] [EVENTS]: a job whose record
# says when it was submitted (epoch seconds), with more header lines and
# events as given (each a full line, "\n"-separated).
timed() {
	{
		printf 'cputorrent-job 1\nid %s\nowner %s\nservice blastp\n' "$2" "$uid"
		printf 'submitted %s.000000\n' "$3"
		[ -z "${4:-}" ] || printf '%b\n' "$4"
		printf 'event %s.000000 0 submitted by hand\n' "$3"
		[ -z "${5:-}" ] || printf '%b\n' "$5"
		printf 'input 5\n>x\nA\nend\n'
	} | put "$1" "$2"
}

@test "a listing is sorted by submission time, then ID, across states" {
	timed failed f-late $((now - 10)) '' "event $((now - 5)).000000 3 gave up"
	timed new n-old $((now - 300))
	timed completed c-mid $((now - 100)) '' "event $((now - 50)).000000 2 done"
	timed processing b-mid $((now - 100))
	timed new a-new $((now - 1))
	run -0 --separate-stderr ct-status -o id
	assert_equal "$stderr" ""
	assert_equal "$(tr '\n' ' ' <<<"$output")" "n-old b-mid c-mid f-late a-new "
	run -0 ct-status -o id -t new,processing
	assert_equal "$(tr '\n' ' ' <<<"$output")" "n-old b-mid a-new "
	# The same order when each job is read again for its fields.
	run -0 ct-status -o id,service
	assert_equal "$(cut -f1 <<<"$output" | tr '\n' ' ')" "n-old b-mid c-mid f-late a-new "
	# A job seen in two states, as when it moves during the walk, is
	# listed once, in the later one, whether read again or not.
	ln "$CT_SPOOL/processing/b-mid" "$CT_SPOOL/new/b-mid"
	run -0 ct-status -o id,state
	assert_equal "$(tr '\t\n' ': ' <<<"$output")" "n-old:New b-mid:Processing c-mid:Completed f-late:Failed a-new:New "
	run -0 ct-status -o id,state,service
	assert_equal "$(cut -f1,2 <<<"$output" | tr '\t\n' ': ')" "n-old:New b-mid:Processing c-mid:Completed f-late:Failed a-new:New "
}

@test "-o: the fields named, in order, tab-separated; durations in seconds, times in UTC" {
	timed completed c1 1000000000 \
		'provider ncbi\nattempts 2\nattempt 1000000060.000000\ndeadline 1000003600.000000' \
		'event 1000000100.000000 2 completed by ncbi'
	run -0 --separate-stderr ct-status --format=id,number,provider,attempts,submitted,deadline,finished,turnaround,runtime,reason,database c1
	assert_equal "$stderr" ""
	assert_output "$(printf 'c1\t2\tncbi\t2\t2001-09-09T01:46:40Z\t2001-09-09T02:46:40Z\t2001-09-09T01:48:20Z\t100\t40\t-\t-')"
	# -o given as blanks, and the long and short options alike.
	run -0 ct-status -o 'id state' c1
	assert_output "$(printf 'c1\tCompleted')"
	run -64 --separate-stderr ct-status -o id,colour c1
	assert_output ""
	[[ "${stderr_lines[0]}" == "ct-status: -o: unknown field 'colour' (the fields: id state "* ]] ||
		fail "${stderr_lines[0]}"
	# -o json, as other tools have it, points at -j.
	run -64 --separate-stderr ct-status -o json c1
	[[ "${stderr_lines[0]}" == *"; for JSON, -j)" ]] ||
		fail "${stderr_lines[0]}"
}

@test "-o on a terminal: the fields' headings, aligned" {
	timed failed f1 $((now - 100)) 'provider ebi' "event $((now - 40)).000000 3 no BLAST here"
	run -1 script -qec 'ct-status -o id,provider,turnaround,reason f1' /dev/null
	output=${output//$'\r'/}
	mapfile -t l <<<"$output"
	[[ "${l[0]}" =~ ^ID\ +PROVIDER\ +TURNAROUND\ +REASON$ ]] || fail "'${l[0]}'"
	[[ "${l[1]}" =~ ^f1\ +ebi\ +1m\ +no\ BLAST\ here$ ]] || fail "'${l[1]}'"
}

@test "-j: one JSON object a line, typed, every field; -l adds options and history" {
	timed failed f1 1000000000 'provider ebi\nattempts 1' \
		'event 1000000007.000000 3 bad \\x01 "quoted" \\xff byte'
	timed new n1 1000000100 'option evalue=1e-5'
	run -0 --separate-stderr ct-status --json
	assert_equal "$stderr" ""
	assert_equal "${#lines[@]}" 2
	printf '%s\n' "${lines[@]}" >out.jsonl
	run -0 python3 -c '
import json, sys
for line in open("out.jsonl"):
    o = json.loads(line)
    print(o["id"], o["state"], o["number"], o["provider"], o["turnaround"],
          o["cancel"], o["reason"], o["submitted"], list(o)[:3])'
	# A control byte made '?' (as everywhere), a byte not UTF-8 U+FFFD.
	assert_line --index 0 "f1 Failed 3 ebi 7 False bad ? \"quoted\" $(printf '\xef\xbf\xbd') byte 2001-09-09T01:46:40Z ['id', 'state', 'number']"
	assert_line --index 1 "n1 New 0 None None False None 2001-09-09T01:48:20Z ['id', 'state', 'number']"
	run -3 ct-status -jl -o id n1
	printf '%s\n' "$output" >n1.json
	run -0 python3 -c '
import json
o = json.load(open("n1.json"))
print(sorted(o), o["options"], [(e["state"], e["text"]) for e in o["history"]])'
	assert_output "['history', 'id', 'options'] ['evalue=1e-5'] [('New', 'submitted by hand')]"
}

@test "-t: the states named, by name or number, repeated or in a list" {
	four_jobs
	run -0 ct-status -o id -t failed
	assert_output f1
	run -0 ct-status -o id -t Completed -t 3
	assert_equal "$(sort <<<"$output" | tr '\n' ' ')" "c1 f1 "
	run -0 ct-status -o id --state=0,PROCESSING
	assert_equal "$(sort <<<"$output" | tr '\n' ' ')" "n1 p1 "
	# With IDs, the filter chooses the lines; the exit status is every ID's.
	run -3 ct-status -o id -t completed c1 n1
	assert_output c1
	run -64 --separate-stderr ct-status -t done
	assert_equal "${stderr_lines[0]}" "ct-status: -t done: not a state (New, Processing, Completed, Failed, or 0 to 3)"
	run -64 --separate-stderr ct-status -t ,
	assert_equal "${stderr_lines[0]}" "ct-status: -t: no state"
}

@test "--since: an age or a date; anything else refused" {
	timed new old $((now - 7200))
	timed new mid $((now - 1800))
	timed new young $((now - 10))
	run -0 ct-status -o id --since 1h
	assert_equal "$(tr '\n' ' ' <<<"$output")" "mid young "
	run -0 ct-status -o id --since=1m
	assert_output young
	run -0 ct-status -o id --since "$(date -d @$((now - 3600)) '+%F %T')"
	assert_equal "$(tr '\n' ' ' <<<"$output")" "mid young "
	run -0 ct-status -o id --since "$(date -u -d @$((now - 3600)) '+%FT%TZ')"
	assert_equal "$(tr '\n' ' ' <<<"$output")" "mid young "
	run -0 ct-status -o id --since @$((now - 100000))
	assert_equal "${#lines[@]}" 3
	# A bare number is seconds, as for any duration.
	run -0 ct-status -o id --since 3600
	assert_equal "$(tr '\n' ' ' <<<"$output")" "mid young "
	for bad in 1x 2y yesterday 2026-13-01 ''; do
		run -64 --separate-stderr ct-status --since "$bad"
		[[ "${stderr_lines[0]}" == "ct-status: --since $bad: neither an age"* ]] ||
			fail "'$bad': ${stderr_lines[0]}"
	done
}

@test "-u: root lists one user's jobs; a user may name only themselves" {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	mkjob -s new -u 12345 "$CT_SPOOL" theirs
	mkjob -s new "$CT_SPOOL" mine
	run -0 ct-status -o id,uid -u 12345
	assert_output "$(printf 'theirs\t12345')"
	run -0 ct-status -o id --user=root
	assert_output mine
	run -64 --separate-stderr ct-status -u no-such-user-here
	assert_equal "${stderr_lines[0]}" "ct-status: -u no-such-user-here: no such user"
	# An ordinary user, in a spool open to all (bats's own directory is
	# not): themselves yes, another no, before any job is looked at.
	open=$(mktemp -d /tmp/ct-status-u.XXXXXX)
	chmod 755 "$open"
	cp -a "$CT_SPOOL" "$open/spool"
	chmod -R a+rwX "$open/spool"
	run -0 --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$CT_BUILD/bin/ct-status" -S "$open/spool" -u 65534
	assert_equal "$stderr" ""
	assert_output ""
	run -77 --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$CT_BUILD/bin/ct-status" -S "$open/spool" -u 12345
	rm -rf "$open"
	assert_output ""
	assert_equal "$stderr" "ct-status: -u 12345: only root may see another user's jobs"
}

@test "-l: the deadline, a pending cancel, turnaround apart from the run time" {
	timed processing p1 $((now - 600)) \
		"provider sge\nattempts 2\nattempt $((now - 120)).000000\ndeadline $((now + 3000)).000000"
	mkdir -p "$CT_SPOOL/cancel"
	: >"$CT_SPOOL/cancel/p1"
	run -2 --separate-stderr ct-status -l p1
	assert_equal "$stderr" ""
	assert_line --index 7 --regexp "^deadline   $(date -d @$((now + 3000)) '+%F %T') \\(in (49|50)m\\)\$"
	assert_line --index 8 "attempts   2"
	assert_line --index 9 "cancel     requested by its owner, not yet done"
	assert_line --index 10 --regexp "^runtime    2m \\(attempt 2, started $(date -d @$((now - 120)) '+%F %T')\\)\$"
	run -2 ct-status -o cancel,runtime,turnaround p1
	[[ "$output" =~ ^yes$'\t'12[0-2]$'\t'-$ ]] || fail "$output"

	timed completed c1 1000000000 'provider ncbi\nattempts 1\nattempt 1000000500.000000' \
		'event 1000000600.000000 2 completed by ncbi'
	: >"$CT_SPOOL/cancel/c1"	# too late: it finished
	run -0 ct-status -l c1
	refute_line --partial cancel
	assert_line --index 8 "finished   $(date -d @1000000600 '+%F %T') (turnaround 10m)"
	assert_line --index 9 "runtime    1m (attempt 1, started $(date -d @1000000500 '+%F %T'))"
}

@test "a name: every job of that name, in ID order; a batch ID: its jobs in order; -l shows both" {
	printf '>r1\nMKV\n>r2\nMKL\n>r3\nMKI\n' >three.fa
	fasta o "$PROTEIN"
	mapfile -t ids < <(ct-submit -r -N grp three.fa)
	o1=$(ct-submit -N same o.fa)
	o2=$(ct-submit -N same o.fa)
	run -3 ct-status same
	assert_equal "$(cut -f1 <<<"$output")" "$(printf '%s\n' "$o1" "$o2")"
	batch=${ids[0]%-0}
	run -3 ct-status "$batch"
	assert_equal "$(cut -f1 <<<"$output")" "$(printf '%s\n' "${ids[@]}")"
	run -3 ct-status grp/r2 "$o1"
	assert_equal "$(cut -f1 <<<"$output")" "$(printf '%s\n' "${ids[1]}" "$o1")"
	run -3 ct-status -l grp/r3
	assert_line --index 7 "name       grp/r3"
	assert_line --index 8 "batch      $batch"
	# A name or batch that names nothing is a job not found.
	# (another batch: its last hex digit changed, never to itself)
	other=${batch%?}
	[ "${batch: -1}" = 0 ] && other+=1 || other+=0
	run -4 --separate-stderr ct-status same nosuch "$other"
	assert_equal "${#lines[@]}" 2
	assert_equal "$stderr" "ct-status: nosuch: job not found
ct-status: $other: job not found"
	# An ID wins over a name: a job named like another's ID is not found by it.
	mkjob -s new "$CT_SPOOL" same
	run -3 ct-status same
	assert_equal "$(cut -f1 <<<"$output")" same
}

@test "ct-fetch takes a name that names one job; one that names several is 64, listing them" {
	fasta o "$PROTEIN"
	o1=$(ct-submit -N twice o.fa)
	o2=$(ct-submit -N twice o.fa)
	o3=$(ct-submit -N once o.fa)
	mkdir -p "$CT_SPOOL/completed" "$CT_SPOOL/results"
	mv "$CT_SPOOL/new/$o3" "$CT_SPOOL/completed/$o3"
	echo "the report" >"$CT_SPOOL/results/$o3"
	run -0 ct-fetch once
	assert_output "the report"
	run -64 --separate-stderr ct-fetch -o out twice
	assert_equal "$output" ""
	assert_equal "$stderr" "ct-fetch: twice: names 2 jobs; give one of their IDs:
ct-fetch:   $o1
ct-fetch:   $o2"
	[ ! -e out ]
	# To standard output, every job it names: here both still New.
	run -3 --separate-stderr ct-fetch twice once
	assert_output "the report"
	assert_equal "$stderr" "ct-fetch: $o1: job new: no provider has taken it yet
ct-fetch: $o2: job new: no provider has taken it yet"
	run -4 --separate-stderr ct-fetch nosuch
	assert_equal "$stderr" "ct-fetch: nosuch: job not found"
}

@test "ct-wait and ct-cancel take names and batch IDs: every job they name" {
	printf '>r1\nMKV\n>r2\nMKL\n' >two.fa
	mapfile -t ids < <(ct-submit -r -N w two.fa)
	mkjob -s completed -r /dev/null "$CT_SPOOL" c1
	run -3 --separate-stderr timeout 5 ct-wait -t 0.1 w/r1 c1
	assert_equal "$stderr" "ct-wait: timed out: 1 of 2 jobs not finished"
	run -0 ct-cancel "${ids[0]%-0}"
	run -1 ct-wait -t 1 w/r1 w/r2
	assert_equal "$(jobs_in failed)" 2
	run -4 --separate-stderr ct-wait -t 1 nosuch c1
	assert_equal "$stderr" "ct-wait: nosuch: job not found"
}

@test "corrupt: a name that is not one, a batch that is not an ID, a within of 0 or over ten years, any of them twice" {
	local bad
	for bad in 'name a b' 'name -x' 'name 20261122-x' "name $(printf 'n%.0s' {1..129})" \
		'name a\x01' 'batch ../x' 'batch ' 'within 0' 'within 316224001' \
		'within -1' $'name a\nname b' $'batch b1\nbatch b2' $'within 5\nwithin 6'; do
		record j1 | sed "s/^submitted .*/&\n${bad//$'\n'/\\n}/" | put new j1
		assert_corrupt new j1
		rm "$CT_SPOOL/new/j1"
	done
	# The largest of each is whole.
	record j1 | sed "s/^submitted .*/&\nname _$(printf 'n%.0s' {1..127})\nbatch b1\nwithin 316224000/" |
		put new j1
	run -3 ct-status -l j1
	assert_line "within     316224000 s of submission (ct-submit -t)"
	assert_line "batch      b1"
}
