#!/usr/bin/env bats
# Quorum (issue 13): a volunteer's result is a claim, not a fact. ct-serve
# -q gives a service a quorum: each task goes to k volunteers of their own,
# their reports compared by the validator (common/blastcmp.c), and only
# what k agree on reaches a job. Real BLAST+ on the demo's globins, real
# processes, loopback only; liars are ct-volunteers whose command alters
# blastp's report.

load helper
load dispatch
load volunteer

setup_file() {
	make_globins_db
}

# liar NAME MODE: a command like $BLAST whose report lies: MODE shift
# (every HSP's score and bit score raised), drop (its best hit left out)
# or random (scores raised by a different amount each run); its path in
# $LIAR.
liar() {
	cat >"$1" <<SH
#!/bin/sh
# liar: blastp's report, altered ($2)
blastp "\$@" || exit
out=
while [ \$# -gt 0 ]; do
	[ "\$1" = -out ] && out=\$2
	shift
done
python3 - "\$out" $2 <<'PY'
import random, re, sys
path, mode = sys.argv[1], sys.argv[2]
x = open(path).read()
if mode == "drop":
    x = re.sub(r"<Hit>.*?</Hit>", "", x, count=1, flags=re.S)
else:
    d = 5 if mode == "shift" else random.randint(1, 1000)
    x = re.sub(r"<Hsp_score>(\d+)", lambda m: "<Hsp_score>%d" % (int(m.group(1)) + d), x)
    x = re.sub(r"<Hsp_bit-score>([\d.]+)", lambda m: "<Hsp_bit-score>%g" % (float(m.group(1)) + d), x)
open(path, "w").write(x)
PY
SH
	chmod +x "$1"
	LIAR="$BATS_TEST_TMPDIR/$1 ${BLAST#blastp }"
}

# hits FILE: "QUERY ACCESSION SCORE EVALUE" of each HSP of a BLAST XML
# report, sorted: what must agree.
hits() {
	python3 - "$1" <<'PY'
import sys, xml.etree.ElementTree as E
r = E.parse(sys.argv[1]).getroot()
out = []
for it in r.iter("Iteration"):
    q = it.findtext("Iteration_query-def").split()[0]
    for h in it.iter("Hit"):
        for s in h.iter("Hsp"):
            out.append("%s %s %s %s" % (q, h.findtext("Hit_accession"),
                s.findtext("Hsp_score"), s.findtext("Hsp_evalue")))
print("\n".join(sorted(out)))
PY
}

# vid_of NAME: the ID of ct-volunteer NAME (its work directory's token).
vid_of() {
	cut -c1-16 "$BATS_TEST_TMPDIR/$1/token"
}

# cells RECORD REPORT: the credit of a task: its query's letters times
# the database's (the report's Statistics_db-len).
cells() {
	python3 - "$1" "$2" <<'PY'
import json, re, sys
q = json.load(open(sys.argv[1]))["query"]
letters = sum(sum(c.isalpha() for c in l) for l in q.splitlines() if not l.startswith(">"))
db = int(re.search(r"<Statistics_db-len>(\d+)", open(sys.argv[2]).read()).group(1))
print(letters * db)
PY
}

# check_right IDS...: each job Completed with blastp's own hits.
check_right() {
	local id name
	for id in "$@"; do
		ct-fetch -o "$id.xml" "$id"
		name=$(xmllint --xpath 'string(//BlastOutput_query-def)' "$id.xml")
		name=${name%% *}
		awk -v n="$name" '/^>/ { p = ($1 == ">" n) } p' globins6.fa >"q-$id.fa"
		blastp -query "q-$id.fa" -db "$DB" -outfmt 5 -out "want-$id.xml"
		hits "want-$id.xml" >want
		hits "$id.xml" >got
		[ -s want ]
		diff want got
		run -0 history "$id"
		assert_line 'Completed: completed by pool in N s'
	done
}

@test "-q: a bad quorum is a usage error" {
	for q in blastp blastp=0 blastp=2:1 blastp=11 'bl ast=2' blastp=2:21 =2; do
		run -64 ct-serve -D store -k ck -K pk -q "$q"
		assert_output --partial "-q: not SERVICE=K[:MAX]"
	done
	[ ! -e store/failed ]
}

@test "quorum 2, a volunteer that shifts scores and one that drops hits among honest ones: no wrong result reaches a job, every job Completes with blastp's hits" {
	serve a -q blastp=2:4 -N 0 -F 2
	pool_registry "$a_URL"
	liar shifter shift
	volunteer liar1 "$a_URL" -c "$LIAR"
	liar dropper drop
	volunteer liar2 "$a_URL" -c "$LIAR"
	volunteer v1 "$a_URL"
	volunteer v2 "$a_URL"
	globins 6
	run -0 ct-submit -r -d globins45 globins6.fa
	ids=("${lines[@]}")
	dispatch_until_done "${ids[@]}"
	run -0 ct-wait -t 0 "${ids[@]}"
	check_right "${ids[@]}"
	# Each task: at least 2 copies, none twice to one volunteer; figures.
	copies=0
	for id in "${ids[@]}"; do
		m="store/done/$id.1"
		head -1 "$m" | grep -qx 'quorum 2 4'
		n=$(grep -c '^posted ' "$m")
		[ "$n" -ge 2 ]
		copies=$((copies + n))
		vids=$(grep '^[0-9a-f]\{32\} ' "$m" | cut -d' ' -f2)
		assert_equal "$(sort <<<"$vids" | uniq -d)" ""
	done
	echo "copies run: $copies for ${#ids[@]} tasks" >&3
	# The liars: never credited, each refutation counted; two in a row
	# (-F 2) stop one. The honest: credited exactly k = 2 times each
	# task's cells (its query's letters times the database's).
	ct-serve -D store -l >list
	cat list >&3
	for v in liar1 liar2; do
		vid=$(vid_of "$v")
		line=$(grep "^$vid " list)
		read -r _ _ _ state credit valid wrong _ <<<"$line"
		assert_equal "$credit $valid" "0 0"
		[ "$wrong" -ge 1 ]
		if [ "$wrong" -ge 2 ]; then
			assert_equal "$state" blocked
			[[ $line == *"results in a row refuted by a quorum"* ]]
		fi
	done
	total=0
	for v in v1 v2; do
		vid=$(vid_of "$v")
		read -r _ _ _ state credit _ wrong _ <<<"$(grep "^$vid " list)"
		assert_equal "$state $wrong" "active 0"
		total=$((total + credit))
	done
	want=0
	for id in "${ids[@]}"; do
		want=$((want + 2 * $(cells "store/tasks/$id.1" "$id.xml")))
	done
	[ "$want" -gt 0 ]
	assert_equal "$total" "$want"
	# The credit page says the same.
	run -0 curl -sf "$a_URL/v1/credit"
	echo "$output" >credit.json
	assert_equal "$(python3 -c 'import json,sys; print(sum(v["credit"] for v in json.load(open("credit.json"))["volunteers"]))')" "$want"
}

@test "copies that keep disagreeing: the task fails with the reason, and the job moves on to the next server" {
	serve a -q blastp=2:3 -N 0
	liar r1 random
	volunteer liar1 "$a_URL" -c "$BATS_TEST_TMPDIR/r1 ${BLAST#blastp }"
	volunteer liar2 "$a_URL" -c "$BATS_TEST_TMPDIR/r1 ${BLAST#blastp }"
	volunteer liar3 "$a_URL" -c "$BATS_TEST_TMPDIR/r1 ${BLAST#blastp }"
	registry '<defaults deadline="300"/>' <<XML
<server id="pool" name="volunteers">
  <limits max-jobs="100" attempt-timeout="200" poll-interval="0"/>
  <service name="blastp" weight="1000000"/>
  <parameters>
    <parameter name="classname">volunteer</parameter>
    <parameter name="url">$a_URL</parameter>
    <parameter name="key" secret="true">$CK</parameter>
  </parameters>
</server>
<server id="here" name="this host">
  <limits max-jobs="2" attempt-timeout="120" poll-interval="0"/>
  <service name="blastp" weight="1"/>
  <parameters>
    <parameter name="classname">local</parameter>
    <parameter name="command">blastp -query {input} -db {database} -outfmt 5 -out {output}</parameter>
    <parameter name="database.globins45">$DB</parameter>
  </parameters>
</server>
XML
	globins 1
	id=$(ct-submit -d globins45 globins1.fa)
	dispatch_until_done "$id"
	run -0 ct-wait -t 0 "$id"
	run -0 history "$id"
	assert_line --partial 'the pool failed task'
	assert_line --partial '3 results, 1 of them in agreement at most, 2 needed: the volunteers disagree'
	assert_line 'Completed: completed by here in N s'
	assert_equal "$(tasks_in failed)" 1
	run -0 grep -c '^posted ' store/failed/"$id.1"
	assert_output 3
	cp globins1.fa globins6.fa
	ct-fetch -o r.xml "$id"
	blastp -query globins1.fa -db "$DB" -outfmt 5 -out want.xml
	hits want.xml >want
	hits r.xml >got
	diff want got
}

@test "a quorum's copies go to distinct volunteers and address blocks: one volunteer, or two in one /24, never get a task twice" {
	serve a -q blastp=2
	submit_task "$a_URL" t1
	tok1=$(register "$a_URL")
	tok2=$(register "$a_URL")
	offer='{"services":["blastp"],"databases":["globins45"]}'
	run -0 call POST "$a_URL/v1/work" "$tok1" -d "$offer"
	assert_output --partial '"task":"t1"'
	lease=$(json lease <body)
	blastp -query <(printf '>HBB_HUMAN q\n%s\n' "$PROTEIN") -db "$DB" \
		-outfmt 5 >good.xml
	run -0 call POST "$a_URL/v1/tasks/t1/result?lease=$lease" "$tok1" \
		--data-binary @good.xml
	assert_output --partial '"state":"open"'
	# Open again, but not for the same token, nor the same /24.
	run -0 call POST "$a_URL/v1/work" "$tok1" -d "$offer"
	assert_output --partial '"task":null'
	run -0 call POST "$a_URL/v1/work" "$tok2" -d "$offer"
	assert_output --partial '"task":null'
	# From another /24 (127.0.1.1 is loopback too): handed out.
	run -0 call POST "$a_URL/v1/work" "$tok2" -d "$offer" --interface 127.0.1.1
	assert_output --partial '"task":"t1"'
	lease2=$(json lease <body)
	run -0 call POST "$a_URL/v1/tasks/t1/result?lease=$lease2" "$tok2" \
		--data-binary @good.xml --interface 127.0.1.1
	assert_output --partial '"state":"done"'
	curl -sf -H "Authorization: Bearer $CK" -o r.xml "$a_URL/v1/tasks/t1/result"
	cmp r.xml good.xml
}

@test "ct-serve SIGKILLed at random instants between a quorum's copies: each task in one state, no task twice to one volunteer, no copy lost, all done right" {
	blastp -query <(printf '>HBB_HUMAN q\n%s\n' "$PROTEIN") -db "$DB" -outfmt 5 >good.xml
	sed -E 's/<Hsp_score>([0-9]+)/<Hsp_score>1\1/' good.xml >bad.xml
	! cmp -s good.xml bad.xml
	serve a -L 5 -q blastp=2:5 -N 0
	for t in $(seq 1 20); do
		submit_task "$a_URL" "t$t"
	done
	slowcopy
	for v in 1 2 3; do
		volunteer "v$v" "$a_URL" -c "$PWD/slowcopy $PWD/good.xml {output}"
	done
	volunteer liar "$a_URL" -c "$PWD/slowcopy $PWD/bad.xml {output}"
	kill_serve_around 20 -L 5 -q blastp=2:5 -N 0
	wait_done 20
	assert_equal "$(tasks_in done)" 20
	for t in $(seq 1 20); do
		run -0 call GET "$a_URL/v1/tasks/t$t/result" "$CK"
		cmp body good.xml
		m=store/done/t$t
		vids=$(grep '^[0-9a-f]\{32\} ' "$m" | cut -d' ' -f2)
		assert_equal "$(sort <<<"$vids" | uniq -d)" ""
		[ "$(grep -c '^posted ' "$m")" -ge 2 ]
		for l in $(sed -n 's/^posted \([0-9a-f]*\) .*/\1/p' "$m"); do
			[ -s "store/copies/t$t.$l" ] || fail "t$t: copy $l lost"
		done
	done
}

@test "ct-serve -B: a blocked volunteer gets no work and its leased task goes to another; -U lets it back; -l shows why" {
	serve a -q blastp=2 -N 0
	submit_task "$a_URL" t1
	tok=$(register "$a_URL")
	other=$(register "$a_URL")
	offer='{"services":["blastp"],"databases":["globins45"]}'
	run -0 call POST "$a_URL/v1/work" "$tok" -d "$offer"
	assert_output --partial '"task":"t1"'
	lease=$(json lease <body)
	run -0 ct-serve -D store -B "${tok:0:16}"
	run -0 ct-serve -D store -l
	assert_line --regexp "^${tok:0:16} t +- +blocked .* blocked by the admin$"
	assert_line --regexp "^${other:0:16} t +- +active "
	# Every request of the blocked volunteer is refused, its result too.
	run -0 call POST "$a_URL/v1/work" "$tok" -d "$offer"
	assert_output --partial '403 {"error":"this volunteer is blocked: blocked by the admin"}'
	run -0 call POST "$a_URL/v1/tasks/t1/result?lease=$lease" "$tok" --data-binary @/dev/null
	assert_output --regexp '^403 '
	# Its task goes back at the next reaper's pass, to the other.
	for ((n = 0; n < 50; n++)); do
		call POST "$a_URL/v1/work" "$other" -d "$offer" >out
		grep -q '"task":"t1"' out && break
		sleep 0.1
	done
	grep -q '"task":"t1"' out
	run -0 ct-serve -D store -U "${tok:0:16}"
	run -0 call POST "$a_URL/v1/work" "$tok" -d "$offer"
	assert_output --regexp '^200 '
	run -66 ct-serve -D store -B 0123456789abcdef
	assert_output --partial "no volunteer 0123456789abcdef"
	run -64 ct-serve -D store -B nothex
}

@test "registration is rate-limited; a team's credit is the sum of its volunteers'; no volunteer's request names another's record" {
	serve a -q blastp=2 -N 0
	for ((n = 0; n < 30; n++)); do
		curl -s -o /dev/null -w '%{http_code}\n' -X POST -H "Authorization: Bearer $PK" \
			-d '{"name":"x"}' "$a_URL/v1/volunteers"
	done >codes
	grep -q 429 codes
	grep -q 201 codes
	run -0 call POST "$a_URL/v1/volunteers" "$PK" -d '{"name":"x","team":"bad team"}'
	assert_output --regexp '^(400|429) '
	sleep 3
	a=$(curl -sf -X POST -H "Authorization: Bearer $PK" -d '{"name":"ann","team":"lab"}' "$a_URL/v1/volunteers" | json token)
	b=$(curl -sf -X POST -H "Authorization: Bearer $PK" -d '{"name":"bob","team":"lab"}' "$a_URL/v1/volunteers" | json token)
	blastp -query <(printf '>HBB_HUMAN q\n%s\n' "$PROTEIN") -db "$DB" -outfmt 5 >good.xml
	submit_task "$a_URL" t1
	offer='{"services":["blastp"],"databases":["globins45"]}'
	for t in "$a" "$b"; do
		call POST "$a_URL/v1/work" "$t" -d "$offer" >/dev/null
		l=$(json lease <body)
		# Another's lease, or a task not its own: refused, nothing counted.
		[ -z "${prev:-}" ] || { run -0 call POST "$a_URL/v1/tasks/t1/result?lease=$prev" "$t" --data-binary @good.xml; assert_output --regexp '^403 '; }
		call POST "$a_URL/v1/tasks/t1/result?lease=$l" "$t" --data-binary @good.xml >/dev/null
		prev=$l
	done
	run -0 curl -sf "$a_URL/v1/credit"
	echo "$output" >credit.json
	python3 - <<'PY'
import json
c = json.load(open("credit.json"))
v = {x["name"]: x for x in c["volunteers"]}
assert set(v) == {"ann", "bob"}, v
assert v["ann"]["credit"] == v["bob"]["credit"] > 0
assert v["ann"]["team"] == "lab" and v["ann"]["results"] == 1
t = c["teams"]
assert len(t) == 1 and t[0]["team"] == "lab" and t[0]["volunteers"] == 2
assert t[0]["credit"] == 2 * v["ann"]["credit"]
PY
}

@test "a volunteer whose leases keep expiring is blocked (-F), the reason shown, and its task goes to another" {
	serve a -L 2 -F 0:2
	submit_task "$a_URL" t1
	tok=$(register "$a_URL")
	other=$(register "$a_URL")
	offer='{"services":["blastp"],"databases":["globins45"]}'
	for k in 1 2; do
		for ((n = 0; n < 80; n++)); do
			call POST "$a_URL/v1/work" "$tok" -d "$offer" >out
			grep -q '"task":"t1"' out && break
			sleep 0.1
		done
		grep -q '"task":"t1"' out
		sleep 3.2	# the lease of 2 s ends, and the reaper sees it
	done
	for ((n = 0; n < 30; n++)); do
		ct-serve -D store -l | grep -q "^${tok:0:16} .* blocked " && break
		sleep 0.1
	done
	run -0 ct-serve -D store -l
	assert_line --regexp "^${tok:0:16} t +- +blocked +0 +0 +0 +2 .* 2 leases in a row expired$"
	run -0 call POST "$a_URL/v1/work" "$tok" -d "$offer"
	assert_output --regexp '^403 '
	run -0 call POST "$a_URL/v1/work" "$other" -d "$offer"
	assert_output --partial '"task":"t1"'
}

# liar_run N ARGS...: quorum-sim.py over N tasks against a ct-serve started
# with ARGS, the liar lying 1 in 10; its figures in $figures.
liar_run() {
	local n=$1
	shift
	blastp -query <(printf '>HBB_HUMAN q\n%s\n' "$HBB") -db "$DB" -outfmt 5 >good.xml
	sed -E '0,/<Hsp_score>/s/<Hsp_score>([0-9]+)/<Hsp_score>1\1/' good.xml >bad.xml
	! cmp -s good.xml bad.xml
	serve a -q blastp=2:5 -N 0 -r 100000 "$@"
	figures=$(python3 "$BATS_TEST_DIRNAME/quorum-sim.py" "$a_URL" "$CK" "$PK" good.xml bad.xml "$n" 10)
	echo "$* : $figures" >&3
}

HBB=MVHLTPEEKSAVTALWGKVNVDEVGGEALGRLLVVYPWTQRFFESFGDLSTPDAVMGNPKVKAHGKKVLGAFSDGLAHLDNLKGTFATLSELHCDKLHVDPENFRLLGNVLVCVLAHHFGKEFTPPVQAAYQKVVAGVANALAHKYH

@test "a volunteer that lies 1 in 10, over 1000 tasks: with quorum 2 alone, no wrong result is accepted; with adaptive replication (-X), few, and fewer runs per task" {
	liar_run 1000 -F 0
	read -r _ n _ done _ failed _ wrong _ copies <<<"$figures"
	assert_equal "$n $done $failed $wrong" "1000 1000 0 0"
	plain=$copies
	kill_tree "$SERVE_PID"
	rm -rf store
	liar_run 1000 -F 0 -X 10:10
	read -r _ n _ done _ failed _ wrong _ copies <<<"$figures"
	assert_equal "$n $done $failed" "1000 1000 0"
	# The bound: the liar is trusted at most until its first lie is
	# caught, then never again (one refuted in a hundred at most).
	[ "$wrong" -le 30 ]
	[ "$copies" -lt "$plain" ]
}
