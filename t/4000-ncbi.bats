#!/usr/bin/env bats
# The NCBI wrapper end to end: ct-submit, ct-dispatch, providers/ncbi, a
# local Blast.cgi (t/fixtures/ncbi-server, real blastp on 45 globins),
# ct-fetch; a success, a cancel and every fault mode of the fixture, with
# what the job's history shows and the etiquette in the request log.
#
# The registry's ncbi server is driven by the real wrapper through a spy
# of the same name, which counts the fixture's requests around each call;
# a second server, t/wrappers/instant, takes what ncbi gives up. The
# transient faults wait for one back-off (5 s) of ct-dispatch.

load helper
load dispatch
load fixture

EMAIL=cputorrent-tests@cputorrent.test

local_setup() {
	command -v blastp >/dev/null || skip "BLAST+ is missing (ncbi-blast+)"
	command -v python3 >/dev/null || skip "python3 is missing"
	dispatch_setup
	fixture_db
	export CT_WRAPPER_DIR=$BATS_TEST_TMPDIR/wrappers
	CALLS=$BATS_TEST_TMPDIR/calls
	mkdir -p "$CT_WRAPPER_DIR"
	ln -s "$T/wrappers/instant" "$CT_WRAPPER_DIR/instant"
	# The first record of the demo queries: human beta globin.
	awk 'NR > 1 && /^>/ { exit } { print }' "$T/../share/demo/queries.fa" >hbb.fa
}

# spy FIXTURE-LOG: the wrapper "ncbi", the real one run by a script that
# writes "VERB exit N requests M" to $CALLS for each call, M being the
# requests the fixture logged during it (calls for one job never overlap).
spy() {
	cat >"$CT_WRAPPER_DIR/ncbi" <<EOF
#!/bin/sh
n0=\$(wc -l <"$1")
"$CT_BUILD/providers/ncbi" "\$@"
rc=\$?
n1=\$(wc -l <"$1")
echo "\$1 exit \$rc requests \$((n1 - n0))" >>"$CALLS"
exit \$rc
EOF
	chmod +x "$CT_WRAPPER_DIR/ncbi"
}

# start FAULT [LIMITS [NAME=VALUE...]] [-- FIXTURE-ARG...]: the fixture
# in fault mode FAULT, and a registry whose ncbi server (weight 10, so
# it is chosen first) talks to it, backed by the server "backup".
start() {
	local fault=$1 limits=${2:-'poll-interval="0" request-interval="0" attempt-timeout="60"'}
	local params=() fargs=()
	shift 2 || shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		params+=("$1")
		shift
	done
	[ "${1:-}" = -- ] && shift
	fargs=("$@")
	fixture_start ncbi-server --fault "$fault" --db "$FIXTURE_DB" \
		--workdir "$BATS_TEST_TMPDIR/searches" --lifetime 300 "${fargs[@]}"
	spy "$FIXTURE_LOG"
	URL="http://127.0.0.1:$FIXTURE_PORT/Blast.cgi"
	{
		[[ " ${params[*]}" == *" timeout="* ]] || params+=(timeout=2)
		server ncbi ncbi 10 "$limits" "url=$URL" "email=$EMAIL" \
			tool=cputorrent-test "${params[@]}"
		server backup instant 1
	} | registry '<defaults deadline="600"/>'
}

# requests: the fixture's log, one request a line:
# "METHOD CMD OBJECT-OR-FORMAT RID EMAIL TOOL -> ANSWER".
requests() {
	python3 -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    print(r["method"], r["CMD"], r.get("FORMAT_OBJECT") or r.get("FORMAT_TYPE") or "-",
          r.get("RID") or r.get("ANSWER_RID") or "-", r["EMAIL"], r["TOOL"], "->", r["ANSWER"])
' "$FIXTURE_LOG"
}

# field N NAME: field NAME of the Nth request (1 first), from its form or
# its query string.
field() {
	python3 -c '
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])][int(sys.argv[2]) - 1]
print((r["form"].get(sys.argv[3]) or r["query"].get(sys.argv[3]) or ["-"])[0])
' "$FIXTURE_LOG" "$1" "$2"
}

# logged N KEY: what the fixture logged as KEY for the Nth request.
logged() {
	python3 -c '
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])][int(sys.argv[2]) - 1]
print(r.get(sys.argv[3]) or "-")
' "$FIXTURE_LOG" "$1" "$2"
}

# drive ID: dispatch passes, a fifth of a second apart, until the job is
# Completed or Failed (at most 90 s).
drive() {
	local n
	for ((n = 0; n < 450; n++)); do
		pass
		ct-wait -q -t 0 "$1" && return 0
		[ $? -eq 1 ] && return 0
		sleep 0.2
	done
	echo "job $1 did not finish" >&2
	return 1
}

# one_request_per_call: no call of the wrapper made two requests, and
# every request the fixture saw was one call's.
one_request_per_call() {
	run awk '$5 > 1' "$CALLS"
	assert_output ""
	assert_equal "$(awk '{ n += $5 } END { print n + 0 }' "$CALLS")" \
		"$(wc -l <"$FIXTURE_LOG")"
}

# contact: every request carried the registry's email and tool.
contact() {
	run python3 -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if (r["EMAIL"], r["TOOL"]) != (sys.argv[2], "cputorrent-test") or \
            not r["user_agent"].startswith("cputorrent/"):
        print("without contact:", line.strip())
' "$FIXTURE_LOG" "$EMAIL"
	assert_output ""
}

# moved_on ID: the job was given up by ncbi and completed by backup.
moved_on() {
	run -0 history "$1"
	assert_line "Completed: completed by backup in N s"
	run -0 ct-fetch "$1"
	assert_output "$(blastxml HBB_HUMAN backup)"
}

@test "a real search: Put, WAITING, READY, the XML report; etiquette kept" {
	start none '' -- --rtoe 2 --min-wait 4
	id=$(ct-submit -d globins45 -o evalue=1e-10 -o max_target_seqs=5 hbb.fa)
	drive "$id"
	run -0 ct-fetch -o hbb.xml "$id"
	run -0 xmllint --xpath 'string(//BlastOutput_query-def)' hbb.xml
	assert_output "HBB_HUMAN Human beta hemoglobin"
	run -0 xmllint --xpath 'normalize-space((//Hit_def)[1])' hbb.xml
	assert_output HBB_CALAR
	run -0 xmllint --xpath 'count(//Hit)' hbb.xml
	assert_output 5
	run -0 xmllint --xpath 'string(//Parameters_expect)' hbb.xml
	assert_output 1e-10

	rid=$(logged 1 ANSWER_RID)
	[[ $rid =~ ^[A-Z0-9]{11}$ ]]
	run -0 history "$id"
	assert_line "Processing: sent to ncbi (handle $rid)"
	assert_line "Completed: completed by ncbi in N s"

	# The Put as the official clients send it, and the job's options.
	run -0 requests
	assert_line --index 0 "POST Put - $rid $EMAIL cputorrent-test -> rid"
	assert_equal "$(field 1 PROGRAM) $(field 1 DATABASE)" "blastp globins45"
	assert_equal "$(field 1 EXPECT) $(field 1 HITLIST_SIZE)" "1e-10 5"
	assert_equal "$(field 1 QUERY)" "$(cat hbb.fa)"
	# Then SearchInfo polls, WAITING at least once, READY, one report.
	assert_line "GET Get SearchInfo $rid $EMAIL cputorrent-test -> WAITING"
	assert_line "GET Get SearchInfo $rid $EMAIL cputorrent-test -> READY"
	assert_line --index $((${#lines[@]} - 1)) \
		"GET Get XML $rid $EMAIL cputorrent-test -> report"
	run -0 grep -c -- '-> report' <(requests)
	assert_output 1
	contact
	one_request_per_call
	# No poll before the RTOE: the first one answered without a request,
	# and the first SearchInfo came 2 s (RTOE) or more after the Put.
	run -0 grep -m1 '^poll' "$CALLS"
	assert_output "poll exit 0 requests 0"
	run -0 python3 -c '
import json, sys
log = [json.loads(l) for l in open(sys.argv[1])]
put = log[0]["t"]
first = min(r["t"] for r in log if r["FORMAT_OBJECT"] == "SearchInfo")
print(first - put >= 2)' "$FIXTURE_LOG"
	assert_output True
}

@test "request-interval: the fixture never sees two requests closer than it says" {
	start none 'poll-interval="0" request-interval="2" attempt-timeout="120"' \
		-- --rtoe 0 --min-wait 1
	cp hbb.fa hbb2.fa
	id1=$(ct-submit -d globins45 hbb.fa)
	id2=$(ct-submit -d globins45 hbb2.fa)
	drive "$id1"
	drive "$id2"
	run -0 ct-status -q "$id1"
	run -0 ct-status -q "$id2"
	# Two searches: two Puts, polls, two reports, all spaced. The spacing
	# is of the wrapper calls; the slack is for a call's start-up.
	run -0 grep -c -- '-> report' <(requests)
	assert_output 2
	run -0 python3 -c '
import json, sys
t = [json.loads(l)["t"] for l in open(sys.argv[1])]
print(len(t) >= 6, [round(b - a, 2) for a, b in zip(t, t[1:]) if b - a < 1.5])' \
		"$FIXTURE_LOG"
	assert_output "True []"
	one_request_per_call
}

@test "ct-cancel: the dispatcher's cancel sends CMD=Delete for the RID" {
	start never
	id=$(ct-submit -d globins45 hbb.fa)
	pass
	rid=$(logged 1 ANSWER_RID)
	run -0 history "$id"
	assert_line "Processing: sent to ncbi (handle $rid)"
	run -0 ct-cancel "$id"
	pass
	run -1 ct-status -q "$id"
	run -0 history "$id"
	assert_line "Failed: cancelled by its owner"
	run -0 requests
	assert_line --index $((${#lines[@]} - 1)) \
		"GET Delete - $rid $EMAIL cputorrent-test -> deleted"
	assert_equal "$(tail -n 1 "$CALLS")" "cancel exit 0 requests 1"
	contact
	one_request_per_call
}

@test "never finishes: WAITING until the attempt times out, Delete, next server" {
	start never 'poll-interval="0" request-interval="0" attempt-timeout="4"' -- --rtoe 0
	id=$(ct-submit -d globins45 hbb.fa)
	drive "$id"
	moved_on "$id"
	rid=$(logged 1 ANSWER_RID)
	run -0 history "$id"
	assert_line "Processing: ncbi: attempt timed out after 4 s"
	run -0 requests
	assert_line "GET Get SearchInfo $rid $EMAIL cputorrent-test -> WAITING"
	refute_line --partial "-> READY"
	assert_line --index $((${#lines[@]} - 1)) \
		"GET Delete - $rid $EMAIL cputorrent-test -> deleted"
	contact
	one_request_per_call
}

@test "RID expires: Status=UNKNOWN is permanent, the job moves on" {
	start expire '' -- --rtoe 0
	id=$(ct-submit -d globins45 hbb.fa)
	drive "$id"
	moved_on "$id"
	rid=$(logged 1 ANSWER_RID)
	run -0 history "$id"
	assert_line "Processing: ncbi: ncbi poll exit 69: ncbi: $rid: NCBI does not know the search (Status=UNKNOWN: expired, or deleted)"
	run -0 requests
	assert_line "GET Get SearchInfo $rid $EMAIL cputorrent-test -> UNKNOWN"
	contact
	one_request_per_call
}

@test "the search fails: Status=FAILED is permanent, the job moves on" {
	start failed '' -- --rtoe 0
	id=$(ct-submit -d globins45 hbb.fa)
	drive "$id"
	moved_on "$id"
	rid=$(logged 1 ANSWER_RID)
	run -0 history "$id"
	assert_line "Processing: ncbi: ncbi poll exit 69: ncbi: $rid: NCBI says the search failed (Status=FAILED)"
	one_request_per_call
}

@test "a report for another query is refused, never stored" {
	start wrong-query '' -- --rtoe 0 --min-wait 0
	id=$(ct-submit -d globins45 hbb.fa)
	drive "$id"
	moved_on "$id"
	rid=$(logged 1 ANSWER_RID)
	run -0 history "$id"
	assert_line "Processing: ncbi delivered a bad result: ncbi fetch exit 69: ncbi: $rid: not this job's report: a report for query 'HBB_OTHER', not for this job's 'HBB_HUMAN'"
	run -0 requests
	assert_line "GET Get XML $rid $EMAIL cputorrent-test -> wrong-query"
	one_request_per_call
}

@test "a report cut in half (whole as HTTP) is refused as truncated" {
	start cut-report '' -- --rtoe 0 --min-wait 0
	id=$(ct-submit -d globins45 hbb.fa)
	drive "$id"
	moved_on "$id"
	run -0 history "$id"
	assert_line --regexp "^Processing: ncbi delivered a bad result: ncbi fetch exit 69: ncbi: [A-Z0-9]+: not this job's report: malformed or truncated BLAST XML$"
	one_request_per_call
}

@test "a huge report (chunked, endless) is cut at max-result and refused" {
	start huge '' max-result=1M -- --rtoe 0 --min-wait 0
	id=$(ct-submit -d globins45 hbb.fa)
	drive "$id"
	moved_on "$id"
	run -0 history "$id"
	assert_line "Processing: ncbi delivered a bad result: ncbi fetch exit 69: ncbi: $(logged 1 ANSWER_RID): GET $URL: the answer is larger than 1048576 bytes"
	one_request_per_call
}

@test "garbage for an answer: no RID, permanent, the job moves on" {
	start garbage
	id=$(ct-submit -d globins45 hbb.fa)
	drive "$id"
	moved_on "$id"
	run -0 history "$id"
	assert_line "Processing: ncbi cannot run it: ncbi submit exit 69: ncbi: submit: no RID in NCBI's answer (2000 bytes)"
	assert_equal "$(cat "$CALLS")" "submit exit 69 requests 1"
}

# transient FAULT LIMITS PATTERN [PARAM...] [-- FIXTURE-ARG...]: the
# first failure is retried on ncbi (history: "will retry" and PATTERN),
# the job still there; 5 s later, past the attempt timeout, it moves on.
# transient FAULT LIMITS PATTERN [FIXTURE-ARG...]: with the fault, the
# job's first submit fails transiently, saying PATTERN; retried after
# the back-off (5 s), or after $RETRY s, the time the fixture asked for
# ($ASKED), then given up for backup.
transient() {
	local fault=$1 limits=$2 pattern=$3 retry=${RETRY:-5} asked=${ASKED:-}
	shift 3
	start "$fault" "$limits" "$@"
	id=$(ct-submit -d globins45 hbb.fa)
	local n
	for ((n = 0; n < 100; n++)); do
		pass
		history "$id" | grep -q 'will retry' && break
		sleep 0.2
	done
	run -0 history "$id"
	assert_line --regexp "^Processing: ncbi: will retry in $retry s$asked: $pattern$"
	refute_line --partial "backup"
	run -2 ct-status -q "$id"
	sleep "$retry.2"
	drive "$id"
	moved_on "$id"
	run -0 history "$id"
	assert_line --regexp "^Processing: ncbi( cannot run it|: attempt timed out after [0-9]+ s)"
	one_request_per_call
}

@test "HTTP 500: transient, retried on ncbi, then the next server" {
	transient 500 'poll-interval="0" request-interval="0" attempt-timeout="2"' \
		"ncbi submit exit 75: ncbi: submit: POST http://127\\.0\\.0\\.1:[0-9]+/Blast\\.cgi: HTTP 500"
	run -0 requests
	assert_line "POST Put - - $EMAIL cputorrent-test -> 500"
	assert_equal "${#lines[@]}" 2
	contact
}

@test "HTTP 429: transient, retried on ncbi when its Retry-After says, then the next server" {
	RETRY=7 ASKED=' \(as it asked\)' \
		transient 429 'poll-interval="0" request-interval="0" attempt-timeout="2"' \
		"ncbi submit exit 75: ncbi: submit: POST http://127\\.0\\.0\\.1:[0-9]+/Blast\\.cgi: HTTP 429 \\(too many requests\\)" \
		-- --retry-after 7
	assert_equal "$(wc -l <"$FIXTURE_LOG")" 2
	contact
}

@test "a slow server: the request times out, transient, then the next server" {
	transient slow 'poll-interval="0" request-interval="0" attempt-timeout="3"' \
		"ncbi submit exit 75: ncbi: submit: POST http://127\\.0\\.0\\.1:[0-9]+/Blast\\.cgi: Operation timed out after [0-9]+ milliseconds with 0 bytes received" \
		timeout=1 -- --delay 3
}

@test "connection refused (no server): transient, then the next server" {
	transient refused 'poll-interval="0" request-interval="0" attempt-timeout="2"' \
		"ncbi submit exit 75: ncbi: submit: POST http://127\\.0\\.0\\.1:[0-9]+/Blast\\.cgi: Failed to connect to 127\\.0\\.0\\.1 port [0-9]+ .*Couldn't connect to server"
	assert_equal "$(wc -l <"$FIXTURE_LOG")" 0
	run -0 cat "$CALLS"
	assert_output "submit exit 75 requests 0
submit exit 75 requests 0"
}

@test "a report cut by a dropped connection: transient at fetch, then the next server" {
	transient truncated 'poll-interval="0" request-interval="0" attempt-timeout="4"' \
		"ncbi fetch exit 75: ncbi: [A-Z0-9]+: GET http://127\\.0\\.0\\.1:[0-9]+/Blast\\.cgi: transfer closed with [0-9]+ bytes remaining to read" \
		-- --rtoe 0 --min-wait 0
	run -0 requests
	assert_line --partial "GET Get XML"
	assert_line --partial "-> truncated"
	refute_line --partial "-> report"
}

@test "options: known ones mapped and checked; an unknown one refused (65)" {
	start none '' -- --rtoe 0 --min-wait 0
	id=$(ct-submit -d globins45 -o word_size=3 -o matrix=BLOSUM80 \
		-o gapopen=10 -o gapextend=1 -o comp_based_stats=0 hbb.fa)
	drive "$id"
	run -0 history "$id"
	assert_line "Completed: completed by ncbi in N s"
	# MATRIX, as NCBI documents it today; not Biopython's MATRIX_NAME.
	assert_equal "$(field 1 WORD_SIZE) $(field 1 MATRIX) $(field 1 MATRIX_NAME) $(field 1 GAPCOSTS) $(field 1 COMPOSITION_BASED_STATISTICS)" \
		"3 BLOSUM80 - 10 1 0"
	run -0 ct-fetch -o r.xml "$id"
	run -0 xmllint --xpath 'string(//Parameters_matrix)' r.xml
	assert_output BLOSUM80

	# Each in a spool of its own: the policy's weights would otherwise
	# send some straight to backup, having seen ncbi fail the others.
	n=0
	# (A report option, outfmt=5, never gets this far: ct-submit refuses it.)
	for o in word_size_x=5 evalue=-1 evalue=1e-5x matrix=BLOSUM99 gapopen=11 \
		'max_target_seqs=1;rm'; do
		export CT_SPOOL=$BATS_TEST_TMPDIR/spool-$((++n))
		id=$(ct-submit -d globins45 -o "$o" hbb.fa)
		drive "$id"
		moved_on "$id"
		run -0 history "$id"
		assert_line --regexp "^Processing: ncbi cannot run it: ncbi submit exit 65: ncbi: "
	done
	# None of the refused jobs reached the server.
	assert_equal "$(wc -l <"$FIXTURE_LOG")" 3
}

@test "registry mistakes are exit 78: no email, a file:// url" {
	start none
	sed -i "s|<parameter name=\"email\">$EMAIL</parameter>||" "$CT_CONFIG"
	id=$(ct-submit -d globins45 hbb.fa)
	drive "$id"
	moved_on "$id"
	run -0 history "$id"
	assert_line "Processing: ncbi cannot run it: ncbi submit exit 78: ncbi: parameter email is not set: NCBI asks for a contact address with every request"

	{
		server ncbi ncbi 10 'poll-interval="0" request-interval="0"' "url=file:///etc/passwd" \
			"email=$EMAIL"
		server backup instant 1
	} | registry
	id=$(ct-submit -d globins45 hbb.fa)
	drive "$id"
	moved_on "$id"
	run -0 history "$id"
	assert_line "Processing: ncbi cannot run it: ncbi submit exit 78: ncbi: parameter url: not an http:// or https:// URL"
	assert_equal "$(wc -l <"$FIXTURE_LOG")" 0
}

# two_services SERVICE...: the registry of start, with the ncbi and backup
# servers offering SERVICEs instead of blastp.
two_services() {
	local s out=
	for s; do
		out+="<service name=\"$s\" weight=\"10\"/>"
	done
	sed -i "s|<service name=\"blastp\" weight=\"[0-9]*\"/>|$out|" "$CT_CONFIG"
}

@test "NCBI refuses the search (a Message ID# page): 65, the job moves on" {
	start none
	two_services blastx
	fasta nuc "$NUCLEOTIDE"
	id=$(ct-submit -s blastx -d globins45 nuc.fa)
	drive "$id"
	run -0 history "$id"
	assert_line "Processing: ncbi cannot run it: ncbi submit exit 65: ncbi: submit: NCBI refused the search: Message ID#39 Error: This server runs blastp only"
	assert_line "Completed: completed by backup in N s"
	run -0 requests
	assert_output "POST Put - - $EMAIL cputorrent-test -> error"
	assert_equal "$(field 1 PROGRAM)" blastx
}

@test "a service the URL API does not offer (psiblast): 69, nothing sent" {
	start none
	two_services psiblast
	id=$(ct-submit -s psiblast -d globins45 hbb.fa)
	drive "$id"
	run -0 history "$id"
	assert_line "Processing: ncbi cannot run it: ncbi submit exit 69: ncbi: service psiblast is not one NCBI runs"
	assert_line "Completed: completed by backup in N s"
	assert_equal "$(wc -l <"$FIXTURE_LOG")" 0
}

@test "share/providers.ncbi.xml, the public NCBI endpoint, is a valid registry, refused by check until its email is yours" {
	local reg=$T/../share/providers.ncbi.xml line
	ln -s "$CT_BUILD/providers/ncbi" "$CT_WRAPPER_DIR/ncbi"
	line=$(grep -n 'name="email"' "$reg" | cut -d: -f1)
	run -78 --separate-stderr ct-providers -c "$reg" check
	assert_equal "$stderr" "ct-providers: $reg:$line: server 'ncbi': ncbi: parameter email: a placeholder (example.com and the like): put yours
ct-providers: $reg: 1 problem"
	sed "s/blast-admin@example.org/$EMAIL/" "$reg" >mine.xml
	run -0 ct-providers -c mine.xml check
	assert_output "mine.xml: ok, 1 server"
	run -0 ct-providers -c "$T/../share/providers.ncbi.xml" show ncbi
	assert_output --partial "https://blast.ncbi.nlm.nih.gov/Blast.cgi"
}

# by_hand: the wrapper, $w, to be run by hand in the environment ct-dispatch
# gives it, the array e, with the work directory work/.
by_hand() {
	mkdir work
	e=(PATH=/usr/local/bin:/usr/bin:/bin "CT_WORKDIR=$PWD/work" CT_JOB_ID=j1
		CT_SERVER=ncbi CT_SERVICE=blastp CT_DATABASE=globins45
		"CT_PARAM_URL=$URL" "CT_PARAM_EMAIL=$EMAIL")
	w=$CT_BUILD/providers/ncbi
}

@test "submit again after a lost handle: the same RID, no second search" {
	start none '' -- --rtoe 30
	by_hand
	run -0 env -i "${e[@]}" "$w" submit evalue=1e-5 <hbb.fa
	rid=${lines[0]}
	# NCBI's RTOE, as the contract's estimate line (ct-wrapper(7)).
	assert_line --index 1 --regexp '^estimate (29|30)$'
	assert_equal "${#lines[@]}" 2
	run -0 env -i "${e[@]}" "$w" submit evalue=1e-5 <hbb.fa
	assert_output "$rid"
	# The same attempt, said: still the same search, whatever it asks.
	run -0 env -i "${e[@]}" CT_ATTEMPT=1 "$w" submit evalue=1e-6 </dev/null
	assert_output "$rid"
	# Before the RTOE (30 s), a poll asks nothing.
	run -0 env -i "${e[@]}" "$w" poll "$rid"
	assert_line --index 0 running
	assert_line --index 1 --regexp '^estimate (2[0-9]|30)$'
	assert_equal "$(wc -l <"$FIXTURE_LOG")" 1
	# Another attempt is another search, and its repeat is not.
	run -0 env -i "${e[@]}" CT_ATTEMPT=2 "$w" submit evalue=1e-6 <hbb.fa
	refute_line --index 0 "$rid"
	rid2=${lines[0]}
	run -0 env -i "${e[@]}" CT_ATTEMPT=2 "$w" submit evalue=1e-6 <hbb.fa
	assert_output "$rid2"
	run -0 env -i "${e[@]}" "$w" cancel "$rid2"
	run -0 env -i "${e[@]}" CT_ATTEMPT=3 "$w" submit evalue=1e-6 <hbb.fa
	refute_output "$rid2"
	run -0 requests
	assert_equal "${#lines[@]}" 4
	assert_line --index 0 --partial "POST Put - $rid "
	assert_line --index 1 --partial "POST Put - $rid2 "
	assert_line --index 2 "GET Delete - $rid2 $EMAIL cputorrent -> deleted"
	assert_line --index 3 --regexp "^POST Put - [A-Z0-9]+ $EMAIL cputorrent -> rid$"
}

@test "ncbi.state with a submission time from the future, or the largest number, does not stop the polls" {
	start none '' -- --rtoe 30
	by_hand
	rid=$(env -i "${e[@]}" "$w" submit <hbb.fa | head -n 1)
	# A damaged or hostile state file: ten days ahead, then the end of
	# time. Neither is a time NCBI named: the poll asks.
	for at in $(($(date +%s) + 864000)) 9223372036854775807; do
		sed -i "s/^submitted=.*/submitted=$at/" work/ncbi.state
		grep -q "^submitted=$at\$" work/ncbi.state
		run -0 env -i "${e[@]}" "$w" poll "$rid"
	done
	run -0 requests
	assert_equal "${#lines[@]}" 3
	assert_line --index 1 --partial "GET Get SearchInfo $rid "
	assert_line --index 2 --partial "GET Get SearchInfo $rid "
}

@test "https: verified against the cafile parameter; without it, refused (69)" {
	command -v openssl >/dev/null || skip "openssl is missing"
	fixture_cert
	start none '' "cafile=$FIXTURE_CERT" -- --rtoe 0 --min-wait 0 \
		--tls-cert "$FIXTURE_CERT" --tls-key "$FIXTURE_KEY"
	sed -i "s|http://127\.0\.0\.1|https://127.0.0.1|" "$CT_CONFIG"
	id=$(ct-submit -d globins45 hbb.fa)
	drive "$id"
	run -0 history "$id"
	assert_line "Completed: completed by ncbi in N s"
	run -0 ct-fetch -o hbb.xml "$id"
	run -0 xmllint --xpath 'normalize-space((//Hit_def)[1])' hbb.xml
	assert_output HBB_CALAR
	n=$(wc -l <"$FIXTURE_LOG")

	# The system's CAs do not vouch for the fixture: nothing is sent.
	sed -i "s|<parameter name=\"cafile\">[^<]*</parameter>||" "$CT_CONFIG"
	export CT_SPOOL=$BATS_TEST_TMPDIR/spool2
	id=$(ct-submit -d globins45 hbb.fa)
	drive "$id"
	moved_on "$id"
	run -0 history "$id"
	assert_line --regexp "^Processing: ncbi cannot run it: ncbi submit exit 69: ncbi: submit: POST https://127\.0\.0\.1:$FIXTURE_PORT/Blast\.cgi: SSL certificate problem: self.signed certificate$"
	assert_equal "$(wc -l <"$FIXTURE_LOG")" "$n"
}

@test "a redirected POST never leaves the server it was sent to; one on the same server is followed" {
	# Another server, which must never see the query or the email.
	fixture_start ncbi-server --db "$FIXTURE_DB" \
		--workdir "$BATS_TEST_TMPDIR/elsewhere" --lifetime 300
	elsewhere=$FIXTURE_LOG there=$FIXTURE_PORT
	start redirect '' -- --redirect-to "http://127.0.0.1:$there/Blast.cgi"
	by_hand
	run -69 --separate-stderr env -i "${e[@]}" "$w" submit <hbb.fa
	assert_equal "$output" ""
	assert_equal "$stderr" "ncbi: submit: POST http://127.0.0.1:$FIXTURE_PORT/Blast.cgi: redirected to another server (http://127.0.0.1:$there), not followed"
	[ ! -s "$elsewhere" ]
	run -0 requests
	assert_output "POST Put - - $EMAIL cputorrent -> 307"

	# The same server under another path: followed, the POST sent again.
	fixture_stop
	start redirect '' -- --redirect-to "/moved/Blast.cgi"
	rm -rf work
	by_hand
	run -0 env -i "${e[@]}" "$w" submit <hbb.fa
	rid=${lines[0]}
	run -0 requests
	assert_line --index 0 "POST Put - - $EMAIL cputorrent -> 307"
	assert_line --index 1 "POST Put - $rid $EMAIL cputorrent -> rid"
	assert_equal "${#lines[@]}" 2
}

@test "check: the parameters, all their problems, one a line on stdout, exit 78; no request, no work directory" {
	local w=$CT_BUILD/providers/ncbi
	mkdir empty
	# What ct-providers check gives a wrapper: no job, no CT_WORKDIR.
	run -78 --separate-stderr env -i PATH=/usr/local/bin:/usr/bin:/bin \
		HOME="$PWD/empty" CT_CONTRACT=1 CT_SERVER=ncbi CT_PARAM_CLASSNAME=ncbi \
		CT_PARAM_URL=blast.ncbi.nlm.nih.gov CT_PARAM_EMAIL=me@example.com \
		CT_PARAM_TOOL='cpu torrent' CT_PARAM_TIMEOUT=0 "$w" check
	assert_equal "$output" "parameter url: not an http:// or https:// URL
parameter email: a placeholder (example.com and the like): put yours
parameter tool: 1 to 64 of A-Z a-z 0-9 . _ -
parameter timeout: whole seconds, 1 to 3600"
	assert_equal "$stderr" ""
	run -78 env -i CT_PARAM_URL=https://blast.ncbi.nlm.nih.gov/Blast.cgi "$w" check
	assert_output "parameter email is not set: NCBI asks for a contact address with every request"
	run -0 --separate-stderr env -i CT_PARAM_URL=https://blast.ncbi.nlm.nih.gov/Blast.cgi \
		CT_PARAM_EMAIL="$EMAIL" "$w" check
	assert_equal "$output$stderr" ""
	run -64 "$w" check extra
	assert_equal "$(ls -A empty)" ""
}

@test "the fixture serves FORMAT_TYPE=Text, plain and tabular, as NCBI does for its own client" {
	start none '' -- --rtoe 0 --min-wait 0
	by_hand
	rid=$(env -i "${e[@]}" "$w" submit <hbb.fa | head -n 1)
	for ((n = 0; n < 50; n++)); do
		[ "$(env -i "${e[@]}" "$w" poll "$rid")" = done ] && break
		sleep 0.2
	done
	run -0 curl -sS "$URL?CMD=Get&FORMAT_TYPE=Text&RID=$rid"
	[[ $output == "<p><!--"$'\n'"QBlastInfoBegin"$'\n'$'\t'"Status=READY"* ]]
	assert_line "Query= HBB_HUMAN Human beta hemoglobin."
	assert_output --partial "Sequences producing significant alignments"
	run -0 curl -sS "$URL?CMD=Get&FORMAT_TYPE=Text&ALIGNMENT_VIEW=Tabular&RID=$rid"
	assert_line --regexp $'^HBB_HUMAN\tHBB_CALAR\t'
}

# batch_start FAULT [NAME=VALUE...] [-- FIXTURE-ARG...]: start, with the
# ncbi server taking jobs in batches of up to 10, searches kept in
# $STATE, the RID polled at most every 2 s; four globins of the
# database, as four jobs' queries, in four.fa.
batch_start() {
	local fault=$1
	shift
	STATE=$BATS_TEST_TMPDIR/ncbi-state
	start "$fault" 'poll-interval="0" request-interval="0" attempt-timeout="60"/><batch max-queries="10" max-residues="100000" wait="0"' \
		"state-dir=$STATE" rid-poll-interval=2 "$@"
	awk '/^>/ { n++ } n >= 1 && n <= 4' "$T/../share/demo/globins45.fa" >four.fa
}

@test "a batch: four queries in one Put, one RID; its polls one per rid-poll-interval between the jobs, its report fetched once; each job its own part" {
	batch_start none -- --rtoe 0 --min-wait 7
	run -0 ct-submit -r -d globins45 four.fa
	ids=("${lines[@]}")
	for id in "${ids[@]}"; do
		drive "$id"
	done
	rid=$(logged 1 ANSWER_RID)
	defs=()
	for id in "${ids[@]}"; do
		assert_own_result "$id"
		defs+=("$def")
		run -0 history "$id"
		assert_line "Processing: sent to ncbi in a batch of 4 (handle $rid)"
		assert_line "Completed: completed by ncbi in N s"
	done
	assert_equal "${defs[*]}" "MYG_ESCGI MYG_HORSE MYG_PROGU MYG_SAISC"
	# One Put of the four queries, one search; every poll of its RID at
	# least 2 s after the last, whichever job made it; one report.
	run -0 requests
	assert_line --index 0 "POST Put - $rid $EMAIL cputorrent-test -> rid"
	assert_equal "$(field 1 QUERY)" "$(cat four.fa)"
	run -0 grep -c ' Put ' <(requests)
	assert_output 1
	run -0 grep -c -- '-> report' <(requests)
	assert_output 1
	run -0 python3 -c '
import json, sys
t = [r["t"] for r in map(json.loads, open(sys.argv[1]))
     if r["FORMAT_OBJECT"] == "SearchInfo" and r["RID"] == sys.argv[2]]
print(len(t) >= 2, [round(b - a, 2) for a, b in zip(t, t[1:]) if b - a < 2])' \
		"$FIXTURE_LOG" "$rid"
	assert_output "True []"
	contact
	one_request_per_call
}

@test "one job of a batch cancelled: withdrawn alone, no Delete while the others want the search; the last one's cancel deletes it" {
	batch_start never
	run -0 ct-submit -r -d globins45 four.fa
	ids=("${lines[@]}")
	pass
	rid=$(logged 1 ANSWER_RID)
	run -0 ct-cancel "${ids[1]}"
	pass
	run -1 ct-status -q "${ids[1]}"
	run -1 grep -c ' Delete ' <(requests)
	assert_output 0
	for id in "${ids[0]}" "${ids[2]}" "${ids[3]}"; do
		run -2 ct-status -q "$id"
	done
	run -0 ct-cancel "${ids[0]}" "${ids[2]}" "${ids[3]}"
	pass
	for id in "${ids[@]}"; do
		run -0 history "$id"
		assert_line "Failed: cancelled by its owner"
	done
	run -0 grep -c ' Delete ' <(requests)
	assert_output 1
	run -0 requests
	assert_line "GET Delete - $rid $EMAIL cputorrent-test -> deleted"
}

@test "submit-batch without state-dir: each job submitted alone" {
	start none '' -- --rtoe 0
	sed -i 's|<limits \([^/]*\)/>|<limits \1/><batch max-queries="10" max-residues="100000" wait="0"/>|' "$CT_CONFIG"
	awk '/^>/ { n++ } n >= 1 && n <= 2' "$T/../share/demo/globins45.fa" >two.fa
	run -0 ct-submit -r -d globins45 two.fa
	ids=("${lines[@]}")
	for id in "${ids[@]}"; do
		drive "$id"
		run -0 ct-status -l "$id"
		assert_line --partial "ncbi: parameter state-dir is not set: no batches, each job alone; submitted alone"
		assert_own_result "$id"
	done
	run -0 grep -c ' Put ' <(requests)
	assert_output 2
}
