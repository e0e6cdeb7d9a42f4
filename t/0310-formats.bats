#!/usr/bin/env bats
# ct-fetch -f: a result is kept as BLAST XML, and written in the format
# the user asks for at fetch time: the XML unchanged, BLAST's tabular
# format byte for byte as blastp -outfmt 6 writes it for the same search
# (its standard columns, or a list of them), or JSON. The converter
# parses the stored report as hostile, like every XML.

load helper
bats_require_minimum_version 1.5.0

# Every column ct-fetch(1) lists, as blastp -outfmt "6 ..." takes them.
COLS="qseqid qacc qaccver qlen sseqid sacc saccver slen stitle qstart qend sstart send qseq sseq evalue bitscore score length pident nident mismatch positive gapopen gaps ppos frames qframe sframe sstrand btop qcovhsp"

# Real searches, once for the file: the 45 globins of share/demo and a
# chain of four of them end to end (an E-value of 0.0, a bit score over
# 999), searched with two globins, insulin (weak hits: E-values from 0.001
# to 100) and the chain; in a database made without -parse_seqids
# (plain), and in one made with it whose identifiers take the forms BLAST
# treats apart: sp|ACC.V|NAME, ref|ACC.V|, lcl|NAME, a bare name (parsed).
# For each, the XML report (-outfmt 5), -outfmt 6 and -outfmt "6 $COLS".
setup_file() {
	local d=$BATS_FILE_TMPDIR g=$BATS_TEST_DIRNAME/../share/demo/globins45.fa db
	command -v blastp >/dev/null && command -v makeblastdb >/dev/null || return 0
	chain=$(grep -v '>' "$g" | head -48 | tr -d '\n' | fold -w 60)
	{ cat "$g"; printf '>LONG_CHAIN four globins end to end\n%s\n' "$chain"; } >"$d/plain.fa"
	awk '/^>/ { n++
		if (n % 4 == 0) sub(/^>/, ">sp|P1" n ".2|")
		else if (n % 4 == 1) sub(/^>/, ">lcl|")
		else if (n % 4 == 2) sub(/^>/, ">ref|NP_00" n ".1| ") }
		{ print }' "$d/plain.fa" >"$d/parsed.fa"
	{
		cat "$BATS_TEST_DIRNAME/../share/demo/queries.fa"
		printf '>sp|P01308|INS_HUMAN Insulin\n%s\n' "$PROTEIN"
		printf '>LONG_CHAIN\n%s\n' "$chain"
	} >"$d/q.fa"
	makeblastdb -in "$d/plain.fa" -dbtype prot -out "$d/plain" >/dev/null
	makeblastdb -in "$d/parsed.fa" -dbtype prot -parse_seqids -out "$d/parsed" >/dev/null
	for db in plain parsed; do
		blastp -query "$d/q.fa" -db "$d/$db" -evalue 1000 -outfmt 5 >"$d/$db.xml"
		blastp -query "$d/q.fa" -db "$d/$db" -evalue 1000 -outfmt 6 >"$d/$db.6"
		blastp -query "$d/q.fa" -db "$d/$db" -evalue 1000 -outfmt "6 $COLS" >"$d/$db.cols"
	done
}

need_blast() {
	[ -s "$BATS_FILE_TMPDIR/parsed.cols" ] ||
		skip "BLAST+ (blastp, makeblastdb) is not installed"
}

# stored ID FILE: job ID Completed, with FILE as its result.
stored() {
	printf '>HBB_HUMAN\nMVHLTPEEKS\n' >"$BATS_TEST_TMPDIR/in.fa"
	mkjob -s completed -i "$BATS_TEST_TMPDIR/in.fa" -r "$2" "$CT_SPOOL" "$1"
}

@test "-f tabular is blastp -outfmt 6, byte for byte, with and without -parse_seqids" {
	need_blast
	for db in plain parsed; do
		stored "c-$db" "$BATS_FILE_TMPDIR/$db.xml"
		run -0 --separate-stderr ct-fetch -f tabular "c-$db"
		assert_equal "$stderr" ""
		ct-fetch -f tabular "c-$db" >got
		cmp got "$BATS_FILE_TMPDIR/$db.6"
	done
	# Every branch of BLAST's number formats is in there.
	cut -f11 got | grep -qx '0.0'
	cut -f11 got | grep -qE '^[0-9]\.[0-9]{2}e-[0-9]{3}$'
	cut -f11 got | grep -qE '^0\.0[0-9]{2}$'
	cut -f11 got | grep -qE '^0\.[1-9][0-9]$'
	cut -f11 got | grep -qE '^[1-9]\.[0-9]$'
	cut -f11 got | grep -qE '^[1-9][0-9]+$'
	cut -f12 got | grep -qE '^[0-9]{2}\.[0-9]$'
	cut -f12 got | grep -qE '^[0-9]{4}$'
}

@test "-f 'tabular COLUMN...' is blastp -outfmt '6 COLUMN...', byte for byte, for every column listed" {
	need_blast
	for db in plain parsed; do
		stored "c-$db" "$BATS_FILE_TMPDIR/$db.xml"
		ct-fetch -f "tabular $COLS" -o got "c-$db"
		cmp got "$BATS_FILE_TMPDIR/$db.cols"
	done
	# std is the standard columns, anywhere in the list; a column named
	# again, or in std too, is there once, where first named.
	blastp -query "$BATS_FILE_TMPDIR/q.fa" -db "$BATS_FILE_TMPDIR/parsed" \
		-evalue 1000 -outfmt "6 sseqid evalue std qlen sseqid" >want
	run -0 ct-fetch -f "tabular  sseqid evalue std	qlen sseqid " c-parsed
	assert_output "$(cat want)"
	assert_equal "$(head -1 want | awk -F '\t' '{ print NF }')" 14
}

@test "blastn, a hit on each strand: -f 'tabular ...' is blastn -outfmt '6 ...', byte for byte" {
	need_blast
	command -v blastn >/dev/null || skip "blastn is missing"
	printf '>n1 insulin mRNA start\n%s\n' "$NUCLEOTIDE" >n.fa
	# The subject: the query reversed and complemented, a spacer, the query.
	printf '>s1\n%sGGGGAAAA%s\n' "$(rev <<<"$NUCLEOTIDE" | tr ACGT TGCA)" "$NUCLEOTIDE" >s.fa
	blastn -query n.fa -subject s.fa -outfmt 5 >n.xml
	blastn -query n.fa -subject s.fa -outfmt "6 $COLS" >want
	grep -q minus want
	grep -q plus want
	stored c1 n.xml
	ct-fetch -f "tabular $COLS" c1 >got
	cmp got want
}

@test "-f xml, and no -f: the stored bytes, unchanged" {
	need_blast
	stored c1 "$BATS_FILE_TMPDIR/parsed.xml"
	ct-fetch c1 >a
	ct-fetch -f xml c1 >b
	ct-fetch -f ' xml ' -o c c1
	cmp a "$BATS_FILE_TMPDIR/parsed.xml"
	cmp b a
	cmp c a
}

@test "-f json: the report's program, database and each query's hits and HSPs, as the XML says them" {
	need_blast
	stored c1 "$BATS_FILE_TMPDIR/parsed.xml"
	ct-fetch -f json c1 >got.json
	run -0 python3 - got.json "$BATS_FILE_TMPDIR/parsed.xml" <<'EOF'
import json, sys
import xml.etree.ElementTree as ET
got = json.load(open(sys.argv[1]))
root = ET.parse(sys.argv[2]).getroot()
assert got["program"] == "blastp", got["program"]
assert got["version"] == root.findtext("BlastOutput_version")
assert got["database"] == root.findtext("BlastOutput_db")
its = root.findall("BlastOutput_iterations/Iteration")
assert len(got["queries"]) == len(its) == 4, len(got["queries"])
n = 0
for q, it in zip(got["queries"], its):
    assert q["id"] == it.findtext("Iteration_query-ID")
    assert q["def"] == it.findtext("Iteration_query-def")
    assert q["len"] == int(it.findtext("Iteration_query-len"))
    hits = it.findall("Iteration_hits/Hit")
    assert len(q["hits"]) == len(hits)
    for h, x in zip(q["hits"], hits):
        assert h["id"] == x.findtext("Hit_id")
        assert h["def"] == x.findtext("Hit_def")
        assert h["accession"] == x.findtext("Hit_accession")
        assert h["len"] == int(x.findtext("Hit_len"))
        for p, y in zip(h["hsps"], x.findall("Hit_hsps/Hsp")):
            assert p["evalue"] == float(y.findtext("Hsp_evalue"))
            assert p["bit_score"] == float(y.findtext("Hsp_bit-score"))
            assert p["score"] == int(y.findtext("Hsp_score"))
            assert p["qseq"] == y.findtext("Hsp_qseq")
            assert p["hit_to"] == int(y.findtext("Hsp_hit-to"))
            n += 1
print(n)
EOF
	assert_equal "$output" "$(wc -l <"$BATS_FILE_TMPDIR/parsed.6")"
	# One query a line, between the report's fields and the end.
	assert_equal "$(wc -l <got.json)" 6
	# A report without hits is still one.
	blastxml q1 | sed '/<Iteration_hits>/,/<\/Iteration_hits>/d' >nohits.xml
	stored c2 nohits.xml
	run -0 ct-fetch -f json c2
	assert_output '{"program":"blastp","version":"BLASTP 2.12.0+","database":"testdb","queries":[
{"id":"Query_1","def":"q1","len":10,"hits":[]}
]}'
}

@test "a bad -f: exit 64 with the usage, nothing looked up or written" {
	stored c1 /dev/null
	# bad FORMAT MESSAGE
	bad() {
		run --separate-stderr ct-fetch -f "$1" -o out c1
		assert_equal "$status" 64
		assert_equal "$output" ""
		assert_equal "${stderr_lines[0]}" "ct-fetch: -f $1: $2"
		assert_equal "${stderr_lines[1]}" "usage: ct-fetch [-f format] [-o file] [-S spool] id ..."
		[ ! -e out ]
	}
	bad csv "unknown format 'csv': xml, tabular [column...] or json"
	bad 6 "unknown format '6': xml, tabular [column...] or json"
	bad '' "empty format: xml, tabular [column...] or json"
	bad 'json qseqid' "format json takes no columns"
	bad 'xml evalue' "format xml takes no columns"
	bad 'tabular qseqid staxids' "column 'staxids' cannot be made from BLAST XML (see ct-fetch(1) for those that can)"
	bad 'tabular QSEQID' "column 'QSEQID' cannot be made from BLAST XML (see ct-fetch(1) for those that can)"
	# A bad format for a job that does not exist: still the usage error.
	run -64 ct-fetch -f csv nosuchjob
}

@test "a stored result the converter refuses: exit 65, why, nothing written to -o; the XML itself still fetched" {
	# refused FILE REASON
	refused() {
		stored c1 "$1"
		run --separate-stderr ct-fetch -f tabular -o out c1
		assert_equal "$status" 65
		assert_equal "$stderr" "ct-fetch: the result cannot be converted: $2"
		[ ! -e out ]
		ls -A | grep -q '\.tmp$' && fail "a temporary file was left"
		ct-fetch c1 >same
		cmp same "$1"
		rm -rf "$CT_SPOOL"
	}
	# Entities of its own: never expanded, in the converter either.
	{
		echo '<?xml version="1.0"?>'
		printf '<!DOCTYPE BlastOutput [\n<!ENTITY l0 "%s">\n' "$(head -c 1000 /dev/zero | tr '\0' x)"
		printf '<!ENTITY l1 "%s">\n]>\n' "$(printf '&l0;%.0s' $(seq 1000))"
		blastxml HBB_HUMAN | sed -e 1,2d -e "s|<Hit_def>[^<]*<|<Hit_def>$(printf '\\&l1;%.0s' $(seq 50))<|"
	} >lol.xml
	refused lol.xml "BLAST XML that declares entities of its own"
	printf 'q1\tHBB_HUMAN\t100.000\n' >tab.txt
	refused tab.txt "malformed or truncated BLAST XML"
	blastxml HBB_HUMAN | head -30 >half.xml
	refused half.xml "malformed or truncated BLAST XML"
	blastxml HBB_HUMAN | sed 's/BlastOutput>/Other>/' >other.xml
	refused other.xml "XML, but not a BLAST report (<Other>)"
	blastxml HBB_HUMAN | sed 's|<Hsp_evalue>[^<]*<|<Hsp_evalue>lots<|' >evalue.xml
	refused evalue.xml "BLAST XML with a malformed Hsp_evalue"
	blastxml HBB_HUMAN | sed 's|<Hsp_score>[^<]*<|<Hsp_score>99999999999999999999<|' >score.xml
	refused score.xml "BLAST XML with a malformed Hsp_score"
	blastxml HBB_HUMAN | sed '/<Hsp_qseq>/d' >noqseq.xml
	refused noqseq.xml "BLAST XML with an HSP without Hsp_qseq"
	blastxml HBB_HUMAN | sed 's|<Hsp_align-len>[^<]*<|<Hsp_align-len>0<|' >zero.xml
	refused zero.xml "BLAST XML with an HSP of length 0"
}

@test "a job not Completed: -f changes none of the answers" {
	mkjob -s processing "$CT_SPOOL" p1
	mkjob -s failed -e "it broke" "$CT_SPOOL" f1
	run -2 ct-fetch -f json p1
	run -1 ct-fetch -f "tabular qseqid" f1
	assert_output "ct-fetch: f1: job failed: it broke"
	run -4 ct-fetch -f tabular nosuchjob
}

@test "blastfmt missing from libexec: exit 71, 'cannot run', no file" {
	stored c1 "$(blastxml HBB_HUMAN >r.xml && echo r.xml)"
	CT_LIBEXEC_DIR=$BATS_TEST_TMPDIR/none run -71 --separate-stderr ct-fetch -f tabular -o out c1
	assert_equal "$stderr" "ct-fetch: cannot run $BATS_TEST_TMPDIR/none/blastfmt: No such file or directory"
	[ ! -e out ]
}

@test "-f on a closed pipe: the reader's choice, no message" {
	need_blast
	stored c1 "$BATS_FILE_TMPDIR/parsed.xml"
	run --separate-stderr bash -c 'ct-fetch -f tabular c1 | head -1'
	assert_success
	assert_equal "$stderr" ""
	assert_output "$(head -1 "$BATS_FILE_TMPDIR/parsed.6")"
}
