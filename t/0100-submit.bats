#!/usr/bin/env bats
# ct-submit: what it prints, what it puts in the spool (byte for byte), its
# options, its refusals, and the staging area it cleans up after.

load helper
bats_require_minimum_version 1.5.0

USAGE1='usage: ct-submit [-Hr] [-d database] [-m size] [-N name]'
USAGE2='                 [-o key=value]... [-S spool] [-s service]
                 [-t deadline] [file ...]'
ID_RE='^[0-9]{8}-[0-9]{6}-[0-9]{6}-[0-9a-f]{8}-[0-9]+-[0-9a-f]{8}-[0-9]+$'
HOST=$(uname -n)
OWNER=$(id -u)

# check_job ID INPUT SERVICE DATABASE [OPTION...]: the job file of ID in
# new/ is exactly what the format says for this submission: the fields in
# order, the owner, the options, one New event, the input bytes of file
# INPUT, the end marker. The submission time is read from the file and
# must be the one in the ID.
check_job() {
	local id=$1 input=$2 service=$3 db=$4 f l sub= event= when o
	shift 4
	f=$CT_SPOOL/new/$id
	[ -f "$f" ] || { echo "no job file $f" >&2; return 1; }
	while IFS= read -r l; do
		case $l in
		'submitted '*) sub=${l#submitted } ;;
		'event '*) event=$l; break ;;
		esac
	done <"$f"
	[[ $sub =~ ^[0-9]+\.[0-9]{6}$ ]] ||
		{ echo "bad submitted field '$sub'" >&2; return 1; }
	# One event: New, at the submission time; its text is free.
	[[ $event == "event $sub 0 "?* ]] ||
		{ echo "bad first event '$event'" >&2; return 1; }
	TZ=UTC printf -v when '%(%Y%m%d-%H%M%S)T' "${sub%.*}"
	[ "${id:0:22}" = "$when-${sub#*.}" ] ||
		{ echo "ID $id does not name the time $sub" >&2; return 1; }
	{
		printf 'cputorrent-job 1\nid %s\nowner %s\nservice %s\n' \
			"$id" "$OWNER" "$service"
		[ -z "$db" ] || printf 'database %s\n' "$db"
		printf 'submitted %s\n' "$sub"
		[ -z "${JOB_NAME:-}" ] || printf 'name %s\n' "$JOB_NAME"
		printf 'batch %s\n' "${JOB_BATCH:-${id%-*}}"
		[ -z "${JOB_WITHIN:-}" ] || printf 'within %s\n' "$JOB_WITHIN"
		for o in "$@"; do
			printf 'option %s\n' "$o"
		done
		printf '%s\n' "$event"
		printf 'input %s\n' "$(stat -c %s "$input")"
		cat "$input"
		printf 'end\n'
	} >"$BATS_TEST_TMPDIR/expected.job"
	cmp "$BATS_TEST_TMPDIR/expected.job" "$f" ||
		{ diff "$BATS_TEST_TMPDIR/expected.job" "$f" >&2; return 1; }
}

# submit ARG...: run ct-submit, setting $status, $output, $lines and
# $stderr as `run --separate-stderr` does, at a third of its cost.
submit() {
	status=0
	output=$(ct-submit "$@" 2>"$BATS_TEST_TMPDIR/stderr") || status=$?
	stderr=$(<"$BATS_TEST_TMPDIR/stderr")
	mapfile -t lines <<<"$output"
}

# The host tag as jobid.c makes it: FNV-1a (32 bits) of the host name.
host_tag() {
	local name=$HOST h=2166136261 i c
	for ((i = 0; i < ${#name}; i++)); do
		printf -v c '%d' "'${name:i:1}"
		h=$(((h ^ c) * 16777619 & 0xffffffff))
	done
	printf '%08x\n' "$h"
}

# Make directory $1 unwritable, even for root (chattr +i); undone in
# teardown. Skips the test where that cannot be done.
lock_dir() {
	if [ "$(id -u)" -ne 0 ]; then
		chmod 500 "$1"
	elif ! chattr +i "$1" 2>/dev/null; then
		skip "cannot make a directory unwritable as root here (chattr +i)"
	fi
	LOCKED+=("$1")
}

teardown() {
	local d
	for d in "${LOCKED[@]}"; do
		chattr -i "$d" 2>/dev/null || chmod 700 "$d"
	done
}

@test "a file gives one ID on stdout and one job file in new/, exactly as the format says" {
	fasta q1 "$PROTEIN"
	run --separate-stderr ct-submit q1.fa
	assert_success
	assert_equal "$stderr" ""
	assert_equal "${#lines[@]}" 1
	assert_output --regexp "$ID_RE"
	id=$output
	# The fourth field is the host tag, the last the counter (0 first).
	IFS=- read -r _ _ _ tag _ _ seq <<<"$id"
	assert_equal "$tag" "$(host_tag)"
	assert_equal "$seq" 0
	assert_equal "$(ls "$CT_SPOOL/new")" "$id"
	check_job "$id" q1.fa blastp ""
	# Nothing is left in staging, and no other state has anything.
	assert_equal "$(ls -A "$CT_SPOOL/tmp")" ""
	for d in processing completed failed results; do
		assert_equal "$(jobs_in $d)" 0
	done

	# The input is kept byte for byte: CRLF, blank lines, UTF-8 and a
	# backslash in the header, a tab, no final newline.
	printf '>q1 caf\xc3\xa9 \\ test\r\nMALW\tMRLL\r\n\r\n  PLLA' >odd.fa
	run --separate-stderr ct-submit odd.fa
	assert_success
	check_job "$output" odd.fa blastp ""
	assert_equal "$(jobs_in new)" 2
}

@test "several files give several IDs, in order, distinct, sorting by time" {
	fasta a MALWMRLLPL
	fasta b LALLALWGPD
	fasta c PAAAFVNQHL
	printf '>d1\nMALW\n>d2\nMRLL\n' >d.fa
	run --separate-stderr ct-submit a.fa b.fa c.fa d.fa
	assert_success
	assert_equal "$stderr" ""
	assert_equal "${#lines[@]}" 4
	ids=("${lines[@]}")
	IFS=- read -r _ _ _ _ pid0 nonce0 _ <<<"${ids[0]}"
	for i in 0 1 2 3; do
		assert_regex "${ids[i]}" "$ID_RE"
		# One run: one PID and nonce, counter 0, 1, 2, 3.
		IFS=- read -r _ _ _ _ pid nonce seq <<<"${ids[i]}"
		assert_equal "$seq" "$i"
		assert_equal "$pid" "$pid0"
		assert_equal "$nonce" "$nonce0"
	done
	# Strictly increasing: distinct, and in time order.
	local LC_ALL=C
	for i in 0 1 2; do
		[[ ${ids[i]} < ${ids[i + 1]} ]] ||
			fail "${ids[i]} does not sort before ${ids[i + 1]}"
	done
	assert_equal "$(jobs_in new)" 4
	# One batch, named after its first job.
	local JOB_BATCH=${ids[0]%-0}
	check_job "${ids[0]}" a.fa blastp ""
	check_job "${ids[1]}" b.fa blastp ""
	check_job "${ids[2]}" c.fa blastp ""
	# Without -r a file of two records is one job.
	check_job "${ids[3]}" d.fa blastp ""
}

@test "standard input: with no file, as '-' among files, and never twice" {
	fasta a MALWMRLLPL
	fasta q "$PROTEIN"
	run --separate-stderr ct-submit <q.fa
	assert_success
	assert_equal "${#lines[@]}" 1
	check_job "$output" q.fa blastp ""

	run --separate-stderr ct-submit a.fa - <q.fa
	assert_success
	assert_equal "${#lines[@]}" 2
	JOB_BATCH=${lines[0]%-0} check_job "${lines[0]}" a.fa blastp ""
	JOB_BATCH=${lines[0]%-0} check_job "${lines[1]}" q.fa blastp ""
	assert_equal "$(jobs_in new)" 3

	run --separate-stderr ct-submit - a.fa - <q.fa
	assert_failure 64
	assert_output ""
	assert_equal "$stderr" "ct-submit: standard input named twice
$USAGE1
$USAGE2"
	assert_equal "$(jobs_in new)" 3
}

@test "-r makes one job per record, each holding exactly its record, in file then record order" {
	printf '>r1 first\nMALW\nMRLL\n\n>r2\r\nPLLA\r\n>r3 last, no newline\nLLAL' \
		>multi.fa
	printf '>r1 first\nMALW\nMRLL\n\n' >r1.want
	printf '>r2\r\nPLLA\r\n' >r2.want
	printf '>r3 last, no newline\nLLAL' >r3.want
	fasta b LALLALWGPD
	run --separate-stderr ct-submit -r multi.fa b.fa
	assert_success
	assert_equal "$stderr" ""
	assert_equal "${#lines[@]}" 4
	assert_equal "$(jobs_in new)" 4
	local JOB_BATCH=${lines[0]%-0}
	JOB_NAME=r1 check_job "${lines[0]}" r1.want blastp ""
	JOB_NAME=r2 check_job "${lines[1]}" r2.want blastp ""
	JOB_NAME=r3 check_job "${lines[2]}" r3.want blastp ""
	JOB_NAME=b check_job "${lines[3]}" b.fa blastp ""
}

@test "-s: every service takes its own query type and is recorded; an unknown one is a usage error" {
	fasta p "$PROTEIN"
	fasta n "$NUCLEOTIDE"
	for s in blastp tblastn psiblast deltablast rpsblast; do
		submit -s "$s" p.fa
		assert_equal "$status" 0
		check_job "$output" p.fa "$s" ""
	done
	for s in blastn blastx tblastx rpstblastn; do
		submit -s "$s" n.fa
		assert_equal "$status" 0
		check_job "$output" n.fa "$s" ""
	done
	assert_equal "$(jobs_in new)" 9
	for s in blastz BLASTP '' 'blastp '; do
		submit -s "$s" p.fa
		assert_equal "$status" 64
		assert_equal "$output" ""
		assert_equal "$stderr" "ct-submit: -s $s: unknown service (try --help)
$USAGE1
$USAGE2"
	done
	assert_equal "$(jobs_in new)" 9
}

@test "-d and -o are stored in the record: values whole, in order, escaped as the format says" {
	fasta p "$PROTEIN"
	run --separate-stderr ct-submit -d pdb.globins45 -o evalue=1e-5 \
		-o 'title=my query  with spaces ' -o 'expr=a=b' -o 'k.x-y_z=' \
		-o 'path=C:\dir' -o "name=caf$(printf '\xc3\xa9')" p.fa
	assert_success
	check_job "$output" p.fa blastp pdb.globins45 evalue=1e-5 \
		'title=my query  with spaces ' 'expr=a=b' 'k.x-y_z=' \
		'path=C:\\dir' "name=caf$(printf '\xc3\xa9')"
	# And they read back the same.
	run -3 ct-status -l "$output"
	assert_line 'database   pdb.globins45'
	assert_line 'option     title=my query  with spaces '
	assert_line 'option     path=C:\dir'

	# A database is a name, never a path (letters, digits, '_', '-', '.',
	# not '-' or '.' first); the registry maps it to a database.
	for db in swissprot_2024-01 nr.00 a; do
		submit -d "$db" p.fa
		assert_equal "$status" 0
		check_job "$output" p.fa blastp "$db"
	done
	# The longest values allowed.
	k64=$(printf 'k%.0s' {1..64})
	v4096=$(printf 'v%.0s' {1..4096})
	d255=$(printf 'd%.0s' {1..255})
	run --separate-stderr ct-submit -d "$d255" -o "$k64=$v4096" p.fa
	assert_success
	check_job "$output" p.fa blastp "$d255" "$k64=$v4096"
}

@test "usage errors (-d, -o, -m, unknown options) exit 64 with the usage text and create nothing" {
	fasta p "$PROTEIN"
	# usage_error EXPECTED-FIRST-LINE ARGS...
	usage_error() {
		local want=$1
		shift
		submit "$@" p.fa
		assert_equal "$status" 64
		assert_equal "$output" ""
		assert_equal "$stderr" "$want
$USAGE1
$USAGE2"
	}
	for db in -x '' ../db .hidden; do
		usage_error "ct-submit: -d '$db': not a database name" -d "$db"
	done
	for db in 'a b' 'nr;rm' 'a$b' "$(printf 'a\tb')" /srv/db/nr pdb/x; do
		usage_error "ct-submit: -d '$db': a database name may only contain letters, digits, '_', '-' and '.'" -d "$db"
	done
	d256=$(printf 'd%.0s' {1..256})
	usage_error "ct-submit: -d '$d256': not a database name" -d "$d256"

	usage_error "ct-submit: -o novalue: expected key=value" -o novalue
	usage_error "ct-submit: -o =v: expected key=value" -o =v
	for kv in 'a b=1' 'k/x=1' 'k;x=1' "k$(printf '\xc3\xa9')=1"; do
		usage_error "ct-submit: -o $kv: a key may only contain letters, digits, '_', '-' and '.'" -o "$kv"
	done
	for v in "$(printf 'a\tb')" "$(printf 'a\nb')" "$(printf 'a\033[2Jb')" \
		"$(printf 'a\177')"; do
		usage_error "ct-submit: -o k: value contains a control character" -o "k=$v"
	done
	k65=$(printf 'k%.0s' {1..65})
	usage_error "ct-submit: -o $k65=1: key longer than 64 characters" -o "$k65=1"
	usage_error "ct-submit: -o k: value longer than 4096 bytes" \
		-o "k=$(printf 'v%.0s' {1..4097})"

	usage_error "ct-submit: -m 0: not a size" -m 0
	usage_error "ct-submit: -m 1x: not a size" -m 1x
	usage_error "ct-submit: -m -1: not a size" -m -1
	usage_error "ct-submit: -x: unknown option" -x
	usage_error "ct-submit: --frobnicate: unknown option" --frobnicate
	[ ! -e "$CT_SPOOL" ]
}

@test "-o outfmt=, out=, html= and the other report options: exit 64, the format is chosen at fetch time, nothing created" {
	fasta p "$PROTEIN"
	for kv in outfmt=6 'outfmt=6 qseqid sseqid' outfmt=5 -outfmt=6 OUTFMT=7 \
		out=/tmp/x html=1 line_length=80 num_descriptions=5 \
		export_search_strategy=s.asn out_pssm=p out_ascii_pssm=p \
		FORMAT_TYPE=Text alignment_view=Tabular; do
		submit -o evalue=1e-5 -o "$kv" p.fa
		assert_equal "$status" 64
		assert_equal "$output" ""
		assert_equal "$stderr" "ct-submit: -o ${kv%%=*}: the report's format is chosen at fetch time, with ct-fetch -f: a result is kept as BLAST XML
$USAGE1
$USAGE2"
	done
	[ ! -e "$CT_SPOOL" ]
	# Options whose names only begin like them are the service's to judge.
	run --separate-stderr ct-submit -o outfmtx=1 -o output_style=1 p.fa
	assert_success
}

@test "a bad file in a batch (missing, bad FASTA, too large, a directory) submits nothing and leaves nothing staged" {
	fasta a MALWMRLLPL
	fasta b LALLALWGPD
	fasta d LCGSHLVEAL
	# batch STATUS STDERR: run ct-submit on a b c d (c the bad one).
	batch() {
		submit "${@:3}" a.fa b.fa c.fa d.fa
		assert_equal "$status" "$1"
		assert_equal "$output" ""
		assert_equal "$stderr" "$2"
		assert_equal "$(jobs_in new)" 0
		assert_equal "$(ls -A "$CT_SPOOL/tmp" 2>/dev/null)" ""
	}
	batch 66 "ct-submit: cannot open c.fa: No such file or directory
ct-submit: nothing submitted"
	printf 'PAAAFVNQHL\n' >c.fa
	batch 65 "ct-submit: c.fa:1: sequence data before the first header line ('>')
ct-submit: nothing submitted"
	batch 65 "ct-submit: c.fa:1: sequence data before the first header line ('>')
ct-submit: nothing submitted" -r
	{ echo '>big'; head -c 2000 /dev/zero | tr '\0' M; } >c.fa
	batch 65 "ct-submit: c.fa: larger than the limit of 1024 bytes (-m)
ct-submit: nothing submitted" -m 1k
	rm c.fa
	mkdir c.fa
	batch 74 "ct-submit: cannot read c.fa: Is a directory
ct-submit: nothing submitted"
}

@test "the spool: made when missing (the last component only), -S before CT_SPOOL, a regular file refused" {
	fasta p "$PROTEIN"
	[ ! -e "$CT_SPOOL" ]
	run --separate-stderr ct-submit p.fa
	assert_success
	[ -d "$CT_SPOOL/new" ]
	[ -d "$CT_SPOOL/tmp" ]
	assert_equal "$(stat -c %a "$CT_SPOOL")" 700
	check_job "$output" p.fa blastp ""

	# Its parent is not made.
	run --separate-stderr env CT_SPOOL="$BATS_TEST_TMPDIR/a/b" ct-submit p.fa
	assert_failure 74
	assert_output ""
	assert_equal "$stderr" "ct-submit: cannot create spool $BATS_TEST_TMPDIR/a/b: No such file or directory"
	[ ! -e "$BATS_TEST_TMPDIR/a" ]

	# -S goes before $CT_SPOOL.
	run --separate-stderr ct-submit -S "$BATS_TEST_TMPDIR/other" p.fa
	assert_success
	[ -f "$BATS_TEST_TMPDIR/other/new/$output" ]
	assert_equal "$(jobs_in new)" 1
	CT_SPOOL=$BATS_TEST_TMPDIR/other check_job "$output" p.fa blastp ""

	# A spool that is a regular file: exit 74, why, no ID.
	echo not a spool >"$BATS_TEST_TMPDIR/plain"
	run --separate-stderr ct-submit -S "$BATS_TEST_TMPDIR/plain" p.fa
	assert_failure 74
	assert_output ""
	assert_equal "$stderr" "ct-submit: cannot open spool $BATS_TEST_TMPDIR/plain: Not a directory"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/plain")" "not a spool"
}

@test "an unwritable tmp/ or new/: exit 74, why, no ID, nothing in new/ or tmp/" {
	fasta p "$PROTEIN"
	mkdir -p "$CT_SPOOL/tmp" "$CT_SPOOL/new"
	lock_dir "$CT_SPOOL/tmp"
	run --separate-stderr ct-submit p.fa p.fa
	assert_failure 74
	assert_output ""
	assert_regex "${stderr_lines[0]}" "^ct-submit: cannot create $CT_SPOOL/tmp/$(host_tag)\.[0-9]+\.[0-9a-f]{8}\.0: (Operation not permitted|Permission denied)\$"
	assert_equal "${stderr_lines[1]}" "ct-submit: nothing submitted"
	assert_equal "${#stderr_lines[@]}" 2
	assert_equal "$(jobs_in new)" 0
	teardown
	LOCKED=()

	lock_dir "$CT_SPOOL/new"
	run --separate-stderr ct-submit p.fa p.fa
	assert_failure 74
	assert_output ""
	assert_regex "$stderr" "^ct-submit: cannot publish job [0-9]{8}-[-0-9a-f]+-0: (Operation not permitted|Permission denied)\$"
	assert_equal "$(jobs_in new)" 0
	assert_equal "$(ls -A "$CT_SPOOL/tmp")" ""
}

@test "stale staged files go once a day old, whoever wrote them; fresh ones stay, even a dead writer's" {
	fasta p "$PROTEIN"
	run -0 ct-submit p.fa
	tag=$(cut -d- -f4 <<<"$output")
	assert_equal "$tag" "$(host_tag)"
	# A PID that is certainly gone: a child we have waited for.
	sh -c 'exit 0' &
	dead=$!
	wait "$dead"
	run ! kill -0 "$dead"
	# A host tag that is not ours.
	other=0badf00d
	[ "$other" != "$tag" ] || other=0badf00e
	t=$CT_SPOOL/tmp
	# A pid may be another PID namespace's: age is the only proof.
	echo x >"$t/$tag.$dead.0"		# this host, writer gone: kept
	echo x >"$t/$tag.$$.0"			# this host, writer alive: kept
	echo x >"$t/$tag.$$.1"
	touch -d '2 days ago' "$t/$tag.$$.1"	# alive but two days old: reaped
	echo x >"$t/$other.$dead.0"		# other host, fresh: kept
	echo x >"$t/$other.$dead.1"
	touch -d '2 days ago' "$t/$other.$dead.1"	# other host, old: reaped
	echo x >"$t/$other.$dead.2"
	touch -d '23 hours ago' "$t/$other.$dead.2"	# not a day old: kept
	run -0 ct-submit p.fa
	assert_equal "$(cd "$t" && ls | sort)" "$(printf '%s\n' "$other.$dead.0" \
		"$other.$dead.2" "$tag.$$.0" "$tag.$dead.0" | sort)"
	assert_equal "$(jobs_in new)" 2
}

@test "-N names the jobs; -r names each after its record's ID, -N and -r give NAME/ID" {
	fasta a "$PROTEIN"
	id=$(ct-submit -N my.run_1 a.fa)
	JOB_NAME=my.run_1 check_job "$id" a.fa blastp ""
	# Characters a name may not have become '_'; so does a leading one
	# that may not begin a name; an ID that looks like a job ID names none.
	printf '>sp|P01308|INS_HUMAN Insulin\nMALW\n>-x:y+z@w/1\nMALW\n>20261122-x\nMALW\n' \
		>recs.fa
	mapfile -t ids < <(ct-submit -r recs.fa)
	assert_equal "${#ids[@]}" 3
	assert_equal "$(sed -n 's/^name //p' "$CT_SPOOL/new/${ids[0]}")" sp_P01308_INS_HUMAN
	assert_equal "$(sed -n 's/^name //p' "$CT_SPOOL/new/${ids[1]}")" _x:y+z@w/1
	run -1 grep '^name ' "$CT_SPOOL/new/${ids[2]}"
	mapfile -t ids < <(ct-submit -r -N grp recs.fa)
	assert_equal "$(sed -n 's/^name //p' "$CT_SPOOL/new/${ids[0]}")" grp/sp_P01308_INS_HUMAN
	assert_equal "$(sed -n 's/^name //p' "$CT_SPOOL/new/${ids[2]}")" grp/20261122-x
}

@test "-N: a name that is not one is refused with 64, and nothing is submitted" {
	fasta a "$PROTEIN"
	for bad in '' 'a b' -x .x 'a|b' 'a;b' "$(printf 'a\tb')" 20261122-x \
		"$(printf 'n%.0s' {1..129})"; do
		submit -N "$bad" a.fa
		assert_equal "$status" 64
		assert_equal "$output" ""
		[[ ${stderr%%$'\n'*} == "ct-submit: -N"* ]] || fail "'$bad': $stderr"
	done
	# With -r, half the length is left to the record's ID.
	submit -r -N "$(printf 'n%.0s' {1..65})" a.fa
	assert_equal "$status" 64
	submit -N "$(printf 'n%.0s' {1..128})" a.fa
	assert_equal "$status" 0
	assert_equal "$(jobs_in new)" 1
}

@test "one call is one batch: job k at the first's time plus k µs, numbered k; the batch ID is the first's ID without its number" {
	fasta a "$PROTEIN"
	fasta b "$PROTEIN"
	mapfile -t ids < <(ct-submit a.fa b.fa a.fa)
	batch=${ids[0]%-0}
	rest=${batch#*-*-*-}
	t=${batch%"-$rest"}
	t1=$(printf '%s%06d' "${t%-*}-" $((10#${t##*-} + 1)))
	t2=$(printf '%s%06d' "${t%-*}-" $((10#${t##*-} + 2)))
	# (Unless the first fell in the last 2 µs of a second: then skip.)
	[ "${t##*-}" -ge 999998 ] ||
		assert_equal "${ids[*]}" "$batch-0 $t1-$rest-1 $t2-$rest-2"
	for i in 0 1 2; do
		assert_equal "$(sed -n 's/^batch //p' "$CT_SPOOL/new/${ids[i]}")" "$batch"
	done
	other=$(ct-submit a.fa)
	[ "${other%-0}" != "$batch" ]
}

@test "-t: the submitter's deadline, in seconds or with m, h, d, is recorded; a bad one is 64" {
	fasta a "$PROTEIN"
	id=$(ct-submit -t 90 a.fa)
	JOB_WITHIN=90 check_job "$id" a.fa blastp ""
	id=$(ct-submit -t 2h a.fa)
	assert_equal "$(sed -n 's/^within //p' "$CT_SPOOL/new/$id")" 7200
	id=$(ct-submit -t 1d a.fa)
	assert_equal "$(sed -n 's/^within //p' "$CT_SPOOL/new/$id")" 86400
	for bad in 0 -5 1.5 5x 1hh '' 3661d 99999999999999999999; do
		submit -t "$bad" a.fa
		assert_equal "$status" 64
		[[ ${stderr%%$'\n'*} == "ct-submit: -t $bad: not a duration"* ]] ||
			fail "'$bad': $stderr"
	done
	assert_equal "$(jobs_in new)" 3
}

@test "ct-resubmit: a new job, in a new batch, with the old one's input, service, database, options, name and deadline" {
	printf '>r1 x\nMALW\n>r2\nMRLL\n' >two.fa
	mapfile -t old < <(ct-submit -r -N g -s blastp -d pdb -o evalue=1e-5 -t 5m two.fa)
	ct-cancel g/r1
	run -0 --separate-stderr ct-resubmit g/r1 "${old[1]}"
	assert_equal "$stderr" ""
	assert_equal "${#lines[@]}" 2
	[[ ${lines[0]} =~ $ID_RE ]] || fail "${lines[0]}"
	# One batch: the same host, process and nonce; numbers 0 and 1.
	r0=${lines[0]#*-*-*-} r1=${lines[1]#*-*-*-}
	assert_equal "${r1%-1}" "${r0%-0}"
	for i in 0 1; do
		a=$CT_SPOOL/new/${lines[i]} b=$(ls "$CT_SPOOL"/*/"${old[i]}")
		for f in service database option name within; do
			assert_equal "$(grep "^$f " "$a")" "$(grep "^$f " "$b")"
		done
		assert_equal "$(sed -n '/^input /,$p' "$a")" "$(sed -n '/^input /,$p' "$b")"
		assert_equal "$(sed -n 's/^batch //p' "$a")" "${lines[0]%-0}"
		grep -q "^event [0-9.]* 0 submitted by uid $OWNER on $HOST, again from ${old[i]}\$" "$a"
	done
	# -H: held. A job not found: nothing at all is submitted.
	run -0 ct-resubmit -H "${old[1]}"
	[ -f "$CT_SPOOL/held/$output" ]
	run -4 --separate-stderr ct-resubmit g/r2 nosuch
	assert_equal "$output" ""
	assert_equal "$stderr" "ct-resubmit: nosuch: job not found
ct-resubmit: nothing submitted"
	assert_equal "$(jobs_in new)" 3
	assert_equal "$(ls "$CT_SPOOL/tmp")" ""
}

# nothing_written: no job, nothing staged, no record of the user's jobs.
nothing_written() {
	assert_equal "$output" ""
	assert_equal "$(jobs_in new)" 0
	assert_equal "$(ls -A "$CT_SPOOL/tmp" 2>/dev/null)" ""
	assert_equal "$(ls -A "$CT_SPOOL/state/users/$OWNER" 2>/dev/null)" ""
}

@test "the spool's static limits (-m, options, option values): exit 65 with the limit and the value, before anything is written" {
	fasta p "$PROTEIN"
	# The built-in ones, with no state/limits: what the issue did, 1,100
	# options of 4,000 bytes (300 here, as much as execve takes) and -m
	# 2G, is refused.
	a4000=$(printf 'a%.0s' {1..4000})
	args=()
	for i in {1..300}; do
		args+=(-o "evalue=$a4000")
	done
	submit "${args[@]}" p.fa
	assert_equal "$status" 65
	assert_equal "$stderr" "ct-submit: 300 options (-o): over the 64 allowed (max-options)"
	nothing_written
	submit -m 2G p.fa
	assert_equal "$status" 65
	assert_equal "$stderr" "ct-submit: -m: 2147483648 bytes, over the largest input allowed, 67108864 bytes (max-input)"
	nothing_written
	# At the built-in limits (the first 64 options), all passes.
	submit -m 64M "${args[@]:0:128}" p.fa
	assert_equal "$status" 0
	assert_equal "$(jobs_in new)" 1

	# The limits the dispatcher published.
	rm -rf "$CT_SPOOL"/new/* "$CT_SPOOL/state/users"
	printf 'max-input=1000\nmax-options=2\nmax-option-size=3\n' \
		>"$CT_SPOOL/state/limits"
	submit -m 1001 p.fa
	assert_equal "$status" 65
	assert_equal "$stderr" "ct-submit: -m: 1001 bytes, over the largest input allowed, 1000 bytes (max-input)"
	nothing_written
	# Without -m, the input may be as large as max-input, if under 8M.
	{ echo '>big'; head -c 2000 /dev/zero | tr '\0' M; } >big.fa
	submit big.fa
	assert_equal "$status" 65
	assert_equal "$stderr" "ct-submit: big.fa: larger than the limit of 1000 bytes (-m)
ct-submit: nothing submitted"
	nothing_written
	submit -o a=1 -o b=2 -o c=3 p.fa
	assert_equal "$status" 65
	assert_equal "$stderr" "ct-submit: 3 options (-o): over the 2 allowed (max-options)"
	nothing_written
	submit -o a=1 -o evalue=1e-5 p.fa
	assert_equal "$status" 65
	assert_equal "$stderr" "ct-submit: -o evalue: a value of 4 bytes, over the 3 allowed (max-option-size)"
	nothing_written
	submit -m 1000 -o a=1 -o evalue=1e5 p.fa
	assert_equal "$status" 0
	check_job "$output" p.fa blastp "" a=1 evalue=1e5
}

@test "a damaged state/limits: each value missing, damaged or out of range is the built-in one, never looser" {
	fasta p "$PROTEIN"
	args=()
	for i in {1..65}; do
		args+=(-o "k$i=v")
	done
	mkdir -p "$CT_SPOOL/state"
	for text in 'max-options=65' 'max-options=1000000' 'max-options=-1' \
	    'max-options=65x' 'max-options 65' 'max-options=' '=65' \
	    "$(printf 'max-options=65\0')" 'max-input=1G'; do
		printf '%s\n' "$text" >"$CT_SPOOL/state/limits"
		submit "${args[@]}" p.fa
		# 65 is within the schema's range, and so is honoured.
		if [ "$text" = max-options=65 ]; then
			assert_equal "$status" 0
			rm -f "$CT_SPOOL"/new/*
			continue
		fi
		assert_equal "$status" 65
		assert_equal "$stderr" "ct-submit: 65 options (-o): over the 64 allowed (max-options)"
	done
	# A last line cut short is not read; nor is a file too large.
	printf 'max-options=65' >"$CT_SPOOL/state/limits"
	submit "${args[@]}" p.fa
	assert_equal "$status" 65
	{ printf 'max-options=65\n'; head -c 5000 /dev/zero | tr '\0' '#'; } \
		>"$CT_SPOOL/state/limits"
	submit "${args[@]}" p.fa
	assert_equal "$status" 65
	# Nor is a directory, or a symbolic link.
	rm "$CT_SPOOL/state/limits"
	printf 'max-options=65\n' >elsewhere
	ln -s "$PWD/elsewhere" "$CT_SPOOL/state/limits"
	submit "${args[@]}" p.fa
	assert_equal "$status" 65
	assert_equal "$(jobs_in new)" 0
}

@test "below the spool's free space floor (min-free), exit 75 with the numbers, nothing written" {
	fasta p "$PROTEIN"
	mkdir -p "$CT_SPOOL/state"
	printf 'min-free=9000000000000000000\n' >"$CT_SPOOL/state/limits"
	submit p.fa
	assert_equal "$status" 75
	[[ $stderr =~ ^"ct-submit: $CT_SPOOL: "[0-9]+" bytes free, and a job of "[0-9]+" bytes must leave 9000000000000000000 (min-free): try later
ct-submit: nothing submitted"$ ]]
	nothing_written
	printf 'min-free=0\n' >"$CT_SPOOL/state/limits"
	submit p.fa
	assert_equal "$status" 0
}

@test "a user's quotas (user-jobs, user-bytes): exit 75, with the count and the limit; a batch over one is refused whole" {
	fasta p "$PROTEIN"
	mkdir -p "$CT_SPOOL/state"
	printf 'user-jobs=3\n' >"$CT_SPOOL/state/limits"
	submit p.fa p.fa
	assert_equal "$status" 0
	submit p.fa p.fa
	assert_equal "$status" 75
	assert_equal "$stderr" "ct-submit: uid $OWNER has 3 jobs not finished in the spool with this batch's, of the 3 allowed (user-jobs): try later
ct-submit: nothing submitted"
	assert_equal "$(jobs_in new)" 2
	assert_equal "$(ls -A "$CT_SPOOL/tmp")" ""
	# The refused batch gave its place back.
	submit p.fa
	assert_equal "$status" 0
	submit p.fa
	assert_equal "$status" 75
	assert_equal "$stderr" "ct-submit: uid $OWNER has 3 jobs not finished in the spool, of the 3 allowed (user-jobs): try later
ct-submit: nothing submitted"
	# A finished job is not counted; a purged one's bytes neither.
	id=$(ls "$CT_SPOOL/new" | head -1)
	mkdir -p "$CT_SPOOL/failed"
	mv "$CT_SPOOL/new/$id" "$CT_SPOOL/failed/$id"
	submit p.fa
	assert_equal "$status" 0
	size=$(stat -c %s "$CT_SPOOL/failed/$id")
	printf 'user-bytes=%d\n' $((size * 4)) >"$CT_SPOOL/state/limits"
	submit p.fa
	assert_equal "$status" 75
	assert_equal "$stderr" "ct-submit: uid $OWNER has $((size * 4)) bytes of jobs in the spool: with $size more, over the $((size * 4)) allowed (user-bytes): try later
ct-submit: nothing submitted"
	run -0 ct-purge "$id"
	submit p.fa
	assert_equal "$status" 0
	assert_equal "$(jobs_in new)" 4
}

@test "a user's count heals: too high, damaged, or with the entry of a job gone, it is counted again at the quota" {
	fasta p "$PROTEIN"
	mkdir -p "$CT_SPOOL/state"
	printf 'user-jobs=2\n' >"$CT_SPOOL/state/limits"
	U=$CT_SPOOL/state/users/$OWNER
	submit p.fa
	first=$output
	read -r jobs bytes <"$U/.count"
	assert_equal "$((10#$jobs)) $((10#$bytes))" \
		"1 $(stat -c %s "$CT_SPOOL/new/$first")"
	# Too high (a crash between raising it and making the entry).
	echo '999 999' >"$U/.count"
	submit p.fa
	assert_equal "$status" 0
	second=$output
	# Damaged: counted again, and the quota is right.
	echo 'garbage' >"$U/.count"
	submit p.fa
	assert_equal "$status" 75
	assert_equal "$stderr" "ct-submit: uid $OWNER has 2 jobs not finished in the spool, of the 2 allowed (user-jobs): try later
ct-submit: nothing submitted"
	# A submission in progress holds the user's record locked until its
	# jobs are published: another of hers waits for it.
	rm "$CT_SPOOL/new/$first"
	exec {fd}<"$U"
	flock -x "$fd"
	run -124 timeout 1 ct-submit p.fa
	[ -e "$U/$first" ]
	exec {fd}<&-
	# Then the entry of a job that is gone goes at once.
	submit p.fa
	assert_equal "$status" 0
	[ ! -e "$U/$first" ]
	[ -e "$U/$second" ]
	[ -e "$U/$output" ]
	# A batch counts its own jobs, not yet published, at the recount.
	rm "$CT_SPOOL/new/$output"
	submit p.fa p.fa
	assert_equal "$status" 75
	assert_equal "$stderr" "ct-submit: uid $OWNER has 2 jobs not finished in the spool with this batch's, of the 2 allowed (user-jobs): try later
ct-submit: nothing submitted"
	assert_equal "$(ls "$U" | wc -l)" 1
	# The recount made no state directory the spool did not have.
	[ ! -e "$CT_SPOOL/completed" ] && [ ! -e "$CT_SPOOL/processing" ]
}
