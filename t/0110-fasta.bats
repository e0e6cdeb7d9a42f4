#!/usr/bin/env bats
# ct-submit's FASTA checks: every refusal with its exact "FILE:LINE: what"
# message, exit 65 and an untouched spool; every tolerated oddity accepted
# and stored byte for byte.

load helper
bats_require_minimum_version 1.5.0

ID_RE='^[0-9]{8}-[0-9]{6}-[0-9]{6}-[0-9a-f]{8}-[0-9]+-[0-9a-f]{8}-[0-9]+$'

# submit [OPTION...] FILE: run ct-submit, setting $status, $output and
# $stderr as `run --separate-stderr` does, at a third of its cost.
submit() {
	status=0
	output=$(ct-submit "$@" 2>"$BATS_TEST_TMPDIR/stderr") || status=$?
	stderr=$(<"$BATS_TEST_TMPDIR/stderr")
}

# refuse FILE LINE MESSAGE [OPTION...]: ct-submit refuses FILE with
# "ct-submit: FILE:LINE: MESSAGE", exit 65, and submits nothing.
refuse() {
	local file=$1 line=$2 msg=$3
	shift 3
	submit "$@" "$file"
	assert_equal "$status" 65
	assert_equal "$output" ""
	assert_equal "$stderr" "ct-submit: $file:$line: $msg
ct-submit: nothing submitted"
	! compgen -G "$CT_SPOOL/new/*" || fail "a job was submitted"
	! compgen -G "$CT_SPOOL/tmp/*" || fail "a file was left in tmp/"
}

# accept FILE [OPTION...]: ct-submit takes FILE as one job whose input is
# FILE byte for byte: after the header, up to its "input N" line, the job
# file holds exactly FILE and "end\n", and N is FILE's size.
accept() {
	local file=$1 f l n= hdr=0 LC_ALL=C
	shift
	submit "$@" "$file"
	assert_equal "$status" 0
	assert_equal "$stderr" ""
	assert_regex "$output" "$ID_RE"
	f=$CT_SPOOL/new/$output
	while IFS= read -r l; do
		hdr=$((hdr + ${#l} + 1))
		if [[ $l == 'input '* ]]; then
			n=${l#input }
			break
		fi
	done <"$f"
	assert_equal "$n" "$(stat -c %s "$file")"
	{ cat "$file"; printf 'end\n'; } >"$BATS_TEST_TMPDIR/want"
	cmp -i "$hdr:0" "$f" "$BATS_TEST_TMPDIR/want"
}

@test "no records: empty input, blank lines only, sequence before any header" {
	: >empty.fa
	refuse empty.fa 1 "no FASTA records (empty input)"
	printf '\n\n\n' >blank.fa
	refuse blank.fa 3 "no FASTA records (no header line)"
	printf '\r\n \t\r\n' >blank.fa
	refuse blank.fa 2 "no FASTA records (no header line)"
	printf 'MALWMRLL\n>q1\nMALW\n' >nohead.fa
	refuse nohead.fa 1 "sequence data before the first header line ('>')"
	printf '\n\n  MALW\n>q1\nMALW\n' >nohead.fa
	refuse nohead.fa 3 "sequence data before the first header line ('>')"
	# Standard input is named "stdin".
	run --separate-stderr ct-submit - < <(printf 'MALW\n')
	assert_failure 65
	assert_equal "$stderr" "ct-submit: stdin:1: sequence data before the first header line ('>')
ct-submit: nothing submitted"
}

@test "a header without an identifier, anywhere" {
	msg="header line has no sequence identifier after '>'"
	printf '>\nMALW\n' >h.fa
	refuse h.fa 1 "$msg"
	printf '>   \nMALW\n' >h.fa
	refuse h.fa 1 "$msg"
	printf '> \t \r\nMALW\r\n' >h.fa
	refuse h.fa 1 "$msg"
	printf '>q1\nMALW\n>\nMALW\n' >h.fa
	refuse h.fa 3 "$msg"
	printf '>q1\nMALW\n>' >h.fa
	refuse h.fa 3 "$msg"
}

@test "a record with no sequence: before another header, at the end, gaps and stops only" {
	printf '>a desc\n>b\nMALW\n' >r.fa
	refuse r.fa 1 "record 'a' has no sequence"
	printf '>a\nMALW\n>b\n' >r.fa
	refuse r.fa 3 "record 'b' has no sequence"
	printf '>a\nMALW\n>b desc' >r.fa
	refuse r.fa 3 "record 'b' has no sequence"
	printf '>a\n\n \t\n>b\nMALW\n' >r.fa
	refuse r.fa 1 "record 'a' has no sequence"
	printf '>a\n--**-\n' >r.fa
	refuse r.fa 1 "record 'a' has no sequence"
	printf '>  spaced name\nMALW\n>x\n' >r.fa
	refuse r.fa 3 "record 'x' has no sequence"
	printf '>a\nMALW\n>b\n\n\n>c\nMALW\n' >r.fa
	refuse r.fa 3 "record 'b' has no sequence" -r
}

@test "binary data: NUL, control bytes, lone CR, random bytes" {
	printf '>q1\nMA\0LW\n' >b.fa
	refuse b.fa 2 "NUL byte: binary data, not FASTA"
	printf '>q1\0\nMALW\n' >b.fa
	refuse b.fa 1 "NUL byte: binary data, not FASTA"
	printf '>q1\nMA\001LW\n' >b.fa
	refuse b.fa 2 "control byte 0x01: binary data, not FASTA"
	printf '>q1 \033[2J\nMALW\n' >b.fa
	refuse b.fa 1 "control byte 0x1b: binary data, not FASTA"
	printf '>q1\nMALW\177\n' >b.fa
	refuse b.fa 2 "control byte 0x7f: binary data, not FASTA"
	# A CR is allowed only right before LF.
	printf '>q1\nMA\rLW\n' >b.fa
	refuse b.fa 2 "control byte 0x0d: binary data, not FASTA"
	printf '>q1\rMALW\rMRLL\r' >b.fa
	refuse b.fa 1 "control byte 0x0d: binary data, not FASTA"
	printf '>q1\nMALW\r\r\n' >b.fa
	refuse b.fa 2 "control byte 0x0d: binary data, not FASTA"
	# Random bytes: refused as binary (or, rarely, for what the first
	# lines look like), never accepted. Matched byte by byte (LC_ALL=C).
	local LC_ALL=C
	for i in 1 2 3; do
		head -c 4096 /dev/urandom >rand.bin
		run --separate-stderr ct-submit rand.bin
		assert_failure 65
		assert_output ""
		assert_equal "${#stderr_lines[@]}" 2
		assert_regex "${stderr_lines[0]}" "^ct-submit: rand\.bin:[0-9]+: (NUL byte: binary data, not FASTA|control byte 0x([01][0-9a-f]|7f): binary data, not FASTA|sequence data before the first header line \('>'\)|header line has no sequence identifier after '>'|invalid (byte 0x[89a-f][0-9a-f]|character '.') in protein sequence '.*' \(column [0-9]+\)|record '.*' has no sequence)\$"
		assert_equal "${stderr_lines[1]}" "ct-submit: nothing submitted"
	done
	assert_equal "$(jobs_in new)" 0
}

@test "characters outside the alphabet, with the right line and column" {
	for c in E F L P Q; do
		printf '>n1 nucleotide\nACGTACGT\nAC%sGT\n' "$c" >n.fa
		refuse n.fa 3 "invalid character '$c' in nucleotide sequence 'n1' (column 3)" -s blastn
	done
	for c in 0 1 9; do
		printf '>p1\nMALW%sMRLL\n' "$c" >p.fa
		refuse p.fa 2 "invalid character '$c' in protein sequence 'p1' (column 5)"
	done
	# Blanks count in the column; the identifier stops at the first blank.
	printf '>sp|P01308|INS_HUMAN Insulin\n \tMA LW.\n' >p.fa
	refuse p.fa 2 "invalid character '.' in protein sequence 'sp|P01308|INS_HUMAN' (column 8)"
	printf '>p1\r\nMALW\r\nMR>LL\r\n' >p.fa
	refuse p.fa 3 "invalid character '>' in protein sequence 'p1' (column 3)"
	# Non-ASCII in a sequence line is shown as a byte.
	printf '>p1\nMA\xc3\xa9LW\n' >p.fa
	refuse p.fa 2 "invalid byte 0xc3 in protein sequence 'p1' (column 3)"
	# The other nucleotide services check the same alphabet.
	printf '>n1\nACGTJ\n' >n.fa
	refuse n.fa 2 "invalid character 'J' in nucleotide sequence 'n1' (column 5)" -s tblastx
	# A real protein is no nucleotide query.
	fasta ins "$PROTEIN"
	refuse ins.fa 2 "invalid character 'L' in nucleotide sequence 'ins' (column 3)" -s blastn
}

@test "a protein query that is plainly nucleotide is refused from 20 residues of ACGTUN on" {
	msg() {
		echo "record '$1' looks like a nucleotide sequence, but the service takes protein (choose a nucleotide service, such as blastn)"
	}
	printf '>n20\nACGTNACGTN\nACGTNACGTN\n' >n20.fa
	refuse n20.fa 1 "$(msg n20)"
	refuse n20.fa 1 "$(msg n20)" -s tblastn
	printf '>low\nacgun nacgt\tuacgt  nacgu\n' >low.fa
	refuse low.fa 1 "$(msg low)"
	# The second record, reported at its header.
	printf '>p1\nMALW\n>n2\nAAAAAAAAAACCCCCCCCCC\n>p3\nMALW\n' >two.fa
	refuse two.fa 3 "$(msg n2)"
	# 19 is accepted, as is 20 with one other letter, and any of it for
	# a nucleotide service.
	printf '>n19\nACGTNACGTN\nACGTNACGT\n' >n19.fa
	accept n19.fa
	printf '>n20x\nACGTNACGTN\nACGTNACGTNX\n' >n20x.fa
	accept n20x.fa
	accept n20.fa -s blastn
	# Gaps and stops are not residues.
	printf '>g\nACGTNACGTN--**ACGTNACGT\n' >g.fa
	accept g.fa
	assert_equal "$(jobs_in new)" 4
}

@test "size limits: one byte over -m is refused, exactly -m is taken, default 8M" {
	# 1024 bytes: a header of 4 bytes, 1019 residues, a newline.
	{ printf '>q1\n'; head -c 1019 /dev/zero | tr '\0' M; echo; } >k1.fa
	assert_equal "$(stat -c %s k1.fa)" 1024
	accept k1.fa -m 1k
	accept k1.fa -m 1024
	{ printf '>q1\n'; head -c 1020 /dev/zero | tr '\0' M; echo; } >k1plus.fa
	run --separate-stderr ct-submit -m 1k k1plus.fa
	assert_failure 65
	assert_output ""
	assert_equal "$stderr" "ct-submit: k1plus.fa: larger than the limit of 1024 bytes (-m)
ct-submit: nothing submitted"
	# The default: 8 MiB.
	{ printf '>big\n'; head -c $((8 * 1024 * 1024 - 6)) /dev/zero | tr '\0' M; echo; } >m8.fa
	assert_equal "$(stat -c %s m8.fa)" 8388608
	accept m8.fa
	{ printf '>big\n'; head -c 9000000 /dev/zero | tr '\0' M; echo; } >m9.fa
	run --separate-stderr ct-submit m9.fa
	assert_failure 65
	assert_equal "$stderr" "ct-submit: m9.fa: larger than the limit of 8388608 bytes (-m)
ct-submit: nothing submitted"
	# An endless input stops at the limit.
	run --separate-stderr timeout 10 ct-submit -m 1M /dev/zero
	assert_failure 65
	assert_equal "$stderr" "ct-submit: /dev/zero: larger than the limit of 1048576 bytes (-m)
ct-submit: nothing submitted"
	assert_equal "$(jobs_in new)" 3
	assert_equal "$(ls -A "$CT_SPOOL/tmp")" ""
}

@test "accepted as is: CRLF, lower case, blanks, '*' and '-', IUPAC codes, UTF-8 headers, no final newline" {
	printf '>q1 crlf\r\nMALW\r\nMRLL\r\n' >crlf.fa
	accept crlf.fa
	printf '>q1\nmalwmrllpllallalwgpd\n' >lower.fa
	accept lower.fa
	printf '\n\n>q1\n\nMALW\n\n  \nMRLL\n\n>q2\n\tPLLA\n\n' >blanks.fa
	accept blanks.fa
	printf '>q1\nMA LW\tMR  LL \t\n' >inner.fa
	accept inner.fa
	printf '>q1\nMALW-MR--LL*\n' >stop.fa
	accept stop.fa
	printf '>q1\nBZXJOUbzxjou\n' >iupac.fa
	accept iupac.fa
	printf '>n1\nACGTURYKMSWBDHVN-\nacgturykmswbdhvn\n' >iupacn.fa
	accept iupacn.fa -s blastn
	printf '>q1 Hämoglobin β-Kette \xe2\x80\x94 ヘモグロビン\nMALW\n' >utf8.fa
	accept utf8.fa
	printf '>q1\nMALW\n>q2\nMRLL' >nonl.fa
	accept nonl.fa
	printf '>  q1 leading blanks\nMALW\n' >lead.fa
	accept lead.fa
	assert_equal "$(jobs_in new)" 10
}

@test "the line reported is right deep in a long file, with LF or CRLF line ends" {
	# 300 good records (600 lines), then a bad one.
	for ((i = 1; i <= 300; i++)); do
		printf '>r%d\nMALW\n' "$i"
	done >lf.fa
	sed 's/$/\r/' lf.fa >crlf.fa
	printf '>bad\nMALW\nMA1LW\n' >>lf.fa
	printf '>bad\r\nMALW\r\nMA1LW\r\n' >>crlf.fa
	assert_equal "$(wc -l <lf.fa)" 603
	refuse lf.fa 603 "invalid character '1' in protein sequence 'bad' (column 3)"
	refuse crlf.fa 603 "invalid character '1' in protein sequence 'bad' (column 3)"
	refuse crlf.fa 603 "invalid character '1' in protein sequence 'bad' (column 3)" -r
	# Blank lines count, and a record's error is at its header line.
	for ((i = 1; i <= 100; i++)); do
		printf '>r%d\r\n\r\nMALW\r\n\r\n' "$i"
	done >blank.fa
	printf '>empty\r\n\r\n>next\r\nMALW\r\n' >>blank.fa
	refuse blank.fa 401 "record 'empty' has no sequence"
	head -n 400 crlf.fa >nul.fa
	printf '>x\r\nMA\0\r\n' >>nul.fa
	refuse nul.fa 402 "NUL byte: binary data, not FASTA"
}
