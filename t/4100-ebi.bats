#!/usr/bin/env bats
# The EBI wrapper end to end: ct-submit, ct-dispatch, providers/ebi, the
# local EBI Job Dispatcher t/fixtures/ebi-server (real blastp on the 45
# demo globins), ct-fetch. A success, and every fault mode of the
# fixture: what the job's history shows, where it ends, and, from the
# fixture's request log, the etiquette (an email on every /run, never
# more jobs in flight than max-jobs).
#
# A server "ebi" (the wrapper) comes first in each registry; the second,
# "here", runs BLAST+ on this host with the local wrapper, and is where a
# job goes once ebi has failed it for good. Transient faults are limited
# to their first hit (--fault-count 1) to show the retry at ebi working;
# the backoff is skipped by moving the job's "next" time back.

load helper
load dispatch
load fixture

DEMO="$BATS_TEST_DIRNAME/../share/demo"
EMAIL=cputorrent-tests@cputorrent.test

setup_file() {
	command -v blastp >/dev/null && command -v makeblastdb >/dev/null ||
		skip "BLAST+ is missing (ncbi-blast+)"
	fixture_db
	awk '/^>/ { n++ } n == 1' "$DEMO/queries.fa" >"$BATS_FILE_TMPDIR/hbb.fa"
	awk '/^>/ { n++ } n == 2' "$DEMO/queries.fa" >"$BATS_FILE_TMPDIR/hba.fa"
}

local_setup() {
	command -v blastp >/dev/null || skip "BLAST+ is missing (ncbi-blast+)"
	command -v python3 >/dev/null || skip "python3 is missing"
	dispatch_setup
	FIXTURE_DB=$BATS_FILE_TMPDIR/globins45
	# The wrappers under test: ebi, and local for the server moved to.
	export CT_WRAPPER_DIR="$BATS_TEST_TMPDIR/wrappers"
	mkdir -p "$CT_WRAPPER_DIR"
	ln -s "$CT_BUILD/providers/ebi" "$CT_WRAPPER_DIR/ebi"
	ln -s "$CT_BUILD/providers/local" "$CT_WRAPPER_DIR/local"
	cp "$BATS_FILE_TMPDIR/hbb.fa" "$BATS_FILE_TMPDIR/hba.fa" .
}

# ebi FAULT [ARG...]: start the fixture in that fault mode.
ebi() {
	fixture_start ebi-server --fault "$1" \
		--database "globins45=$FIXTURE_DB" "${@:2}"
	URL="http://127.0.0.1:$FIXTURE_PORT/Tools/services/rest/ncbiblast"
}

# ebi_server LIMITS [NAME=VALUE...]: the ebi server element.
ebi_server() {
	local limits=$1
	shift
	server ebi ebi 1 "$limits" "url=$URL" "email=$EMAIL" "$@"
}

# here_server: BLAST+ on this host, the server a job moves on to.
here_server() {
	server here local 1 'poll-interval="0"' \
		"command=blastp -query {input} -db {database} -outfmt 5 -out {output}" \
		"database.globins45=$FIXTURE_DB" "options=evalue word_size"
}

# until_done ID...: dispatch passes until every job is Completed or
# Failed (at most about a minute).
until_done() {
	local n
	for ((n = 0; n < 300; n++)); do
		ct-wait -q -t 0 "$@" && return 0
		[ $? -eq 1 ] && return 0
		pass
		sleep 0.2
	done
	return 1
}

# age ID FIELD SECONDS: move the time FIELD of a job in processing/ back
# by SECONDS, as if they had passed (as t/3100-dispatch-faults.bats does).
age() {
	local f="$CT_SPOOL/processing/$1"
	sed -E "s/^$2 [0-9]+\.[0-9]{6}\$/$2 $(($(date +%s) - $3)).000000/" "$f" >"$CT_SPOOL/tmp/age"
	! cmp -s "$f" "$CT_SPOOL/tmp/age" || fail "$1 has no field $2"
	mv "$CT_SPOOL/tmp/age" "$f"
}

# requests [PATH-REGEX]: the fixture's log lines whose path matches, as
# "METHOD PATH STATUS".
requests() {
	python3 - "$FIXTURE_LOG" "${1:-.}" <<'PY'
import json, re, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if re.search(sys.argv[2], r["path"]):
        print(r["method"], r["path"], r["status"])
PY
}

# hits FILE: the BLAST XML report's query and first hit.
hits() {
	xmllint --xpath 'string(//BlastOutput_query-def)' "$1"
	echo
	xmllint --xpath 'normalize-space((//Hit_def)[1])' "$1"
	echo
}

# submitted_hbb: one job, the human beta globin, against globins45.
submitted_hbb() {
	id=$(ct-submit -d globins45 -o evalue=1e-10 hbb.fa)
}

# completed_by SERVER: the job completed there, with a real report.
completed_by() {
	run -0 ct-status -q "$id"
	ct-fetch -o result.xml "$id"
	run -0 hits result.xml
	assert_line --index 0 "HBB_HUMAN Human beta hemoglobin"
	assert_line --index 1 --regexp '^HBB_'
	run -0 history "$id"
	assert_line --index -1 "Completed: completed by $1 in N s"
}

@test "success: submitted to the EBI fixture, polled, fetched: a real report, the right requests" {
	ebi none
	ebi_server 'poll-interval="0"' | registry
	submitted_hbb
	until_done "$id"
	completed_by ebi
	run -0 history "$id"
	handle=$(sed -n 's/^Processing: sent to ebi (handle \(.*\))$/\1/p' <<<"$output")
	[[ $handle =~ ^ncbiblast-R[0-9]{8}-[0-9]{6}-[0-9]{4}-[0-9]{8}-p1m$ ]]
	assert_output "New: submitted by uid $(id -u) on $HOST
Processing: claimed by ct-dispatch on $HOST
Processing: sent to ebi (handle $handle)
Completed: completed by ebi in N s"
	# One /run with what the official clients send, the job's option mapped.
	run -0 python3 - "$FIXTURE_LOG" <<'PY'
import json, sys
runs = [json.loads(l) for l in open(sys.argv[1]) if '"/Tools/services/rest/ncbiblast/run"' in l]
assert len(runs) == 1, runs
f = runs[0]["form"]
for k in ("email", "program", "stype", "database", "exp", "matrix", "task"):
    print(k, f[k])
print("sequence", f["sequence"][0].splitlines()[0])
PY
	assert_output "email ['$EMAIL']
program ['blastp']
stype ['protein']
database ['globins45']
exp ['1e-10']
matrix ['BLOSUM62']
task ['blastp']
sequence >HBB_HUMAN Human beta hemoglobin."
	# Then status until FINISHED, then the XML, once: no other request.
	run -0 requests
	assert_line --index 0 "POST /Tools/services/rest/ncbiblast/run 200"
	assert_line --index -1 "GET /Tools/services/rest/ncbiblast/result/$handle/xml 200"
	assert_equal "$(grep -vc "/status/$handle 200\$" <<<"$output")" 2
	# QUEUED first (polled again: "running"), FINISHED last (fetched).
	run -0 python3 -c 'import json, sys
print(" ".join(json.loads(l)["answer"] for l in open(sys.argv[1]) if "/status/" in l))' "$FIXTURE_LOG"
	assert_output --regexp '^QUEUED( RUNNING)* FINISHED$'
}

@test "etiquette: 5 jobs, max-jobs 2: never more than 2 in flight at EBI, an email on every /run" {
	ebi none
	ebi_server 'poll-interval="0" max-jobs="2"' | registry
	ids=()
	for i in 1 2 3 4 5; do
		ids+=("$(ct-submit -d globins45 hbb.fa)")
	done
	until_done "${ids[@]}"
	run -0 ct-wait -t 0 "${ids[@]}"
	run -0 python3 - "$FIXTURE_LOG" "$EMAIL" <<'PY'
import json, sys
log = [json.loads(l) for l in open(sys.argv[1])]
runs = [r for r in log if r["path"].endswith("/run")]
# In flight: from the /run that created a job to the last request about it.
span = {r["job"]: [r["t"], r["t"]] for r in runs}
for r in log:
    for j in span:
        if j in r["path"]:
            span[j][1] = max(span[j][1], r["t"])
most = max(sum(1 for a, b in span.values() if a <= t <= b)
           for t, _ in span.values())
print("runs", len(runs))
print("emails", sorted(set(v for r in runs for v in r["form"]["email"])))
print("without email", sum(1 for r in runs if not r["form"].get("email")))
print("most in flight", most)
PY
	assert_output "runs 5
emails ['$EMAIL']
without email 0
most in flight 2"
}

@test "slow: an answer later than the timeout is a transient failure, retried at ebi, then completes" {
	ebi slow --delay 3 --fault-count 1
	{
		ebi_server 'poll-interval="0"' timeout=1
		here_server
	} | registry
	submitted_hbb
	pass
	run -0 history "$id"
	assert_line --index -1 --regexp "^Processing: ebi: will retry in 5 s: ebi submit exit 75: ebi: submit: POST http://127\.0\.0\.1:$FIXTURE_PORT/Tools/services/rest/ncbiblast/run: .*[Tt]imed out"
	age "$id" next 10
	until_done "$id"
	completed_by ebi
	run -0 history "$id"
	refute_line --partial "here"
}

@test "slow, within the timeout: completes at ebi with no retry" {
	ebi slow --delay 1
	{
		ebi_server 'poll-interval="0"'
		here_server
	} | registry
	submitted_hbb
	until_done "$id"
	completed_by ebi
	run -0 history "$id"
	refute_line --partial "retry"
}

@test "HTTP 500 on every request: retried at ebi while the attempt lasts, then the job moves to here" {
	ebi 500
	{
		ebi_server 'poll-interval="0" attempt-timeout="1"'
		here_server
	} | registry
	submitted_hbb
	pass
	run -0 history "$id"
	assert_line --index -1 "Processing: ebi: will retry in 5 s: ebi submit exit 75: ebi: submit: POST http://127.0.0.1:$FIXTURE_PORT/Tools/services/rest/ncbiblast/run: HTTP 500: Internal server error"
	sleep 1.1
	age "$id" next 10
	until_done "$id"
	completed_by here
	run -0 history "$id"
	assert_line "Processing: ebi cannot run it: ebi submit exit 75: ebi: submit: POST http://127.0.0.1:$FIXTURE_PORT/Tools/services/rest/ncbiblast/run: HTTP 500: Internal server error"
	assert_line --regexp '^Processing: sent to here \(handle [0-9a-f]{32}\)$'
	run -0 requests
	assert_output "POST /Tools/services/rest/ncbiblast/run 500
POST /Tools/services/rest/ncbiblast/run 500"
}

@test "HTTP 429 once: retried at ebi after the backoff, then completes there" {
	ebi 429 --fault-count 1
	{
		ebi_server 'poll-interval="0"'
		here_server
	} | registry
	submitted_hbb
	pass
	run -0 history "$id"
	assert_line --index -1 "Processing: ebi: will retry in 5 s: ebi submit exit 75: ebi: submit: POST http://127.0.0.1:$FIXTURE_PORT/Tools/services/rest/ncbiblast/run: HTTP 429 (too many requests): Too many requests"
	# Not before the backoff is over: no request at all.
	pass
	assert_equal "$(requests | wc -l)" 1
	age "$id" next 10
	until_done "$id"
	completed_by ebi
	run -0 requests /run
	assert_output "POST /Tools/services/rest/ncbiblast/run 429
POST /Tools/services/rest/ncbiblast/run 200"
}

@test "HTTP 429 with Retry-After: the wrapper passes it on, and ct-dispatch waits as long as EBI asked, not its own back-off" {
	ebi 429 --fault-count 2 --retry-after 120
	{
		ebi_server 'poll-interval="0"'
		here_server
	} | registry
	submitted_hbb
	pass
	run -0 history "$id"
	assert_line --index -1 --partial "Processing: ebi: will retry in 120 s (as it asked): ebi submit exit 75"
	# By hand: the line of the contract, on standard output.
	mkdir w
	run -75 --separate-stderr env -i PATH=/usr/bin:/bin "CT_WORKDIR=$PWD/w" \
		CT_JOB_ID=t1 CT_SERVER=ebi CT_SERVICE=blastp CT_DATABASE=globins45 \
		"CT_PARAM_URL=$URL" "CT_PARAM_EMAIL=$EMAIL" \
		"$CT_BUILD/providers/ebi" submit <hbb.fa
	assert_output "retry-after 120"
}

@test "garbage instead of XML: never a result; the job moves to here" {
	ebi garbage
	{
		ebi_server 'poll-interval="0"'
		here_server
	} | registry
	submitted_hbb
	until_done "$id"
	completed_by here
	run -0 history "$id"
	assert_line --regexp "^Processing: ebi delivered a bad result: ebi fetch exit 69: ebi: fetch: ncbiblast-[-A-Za-z0-9]+: not BLAST XML$"
}

@test "truncated report (the server's own damage): never a result; the job moves to here" {
	ebi truncated
	{
		ebi_server 'poll-interval="0"'
		here_server
	} | registry
	submitted_hbb
	until_done "$id"
	completed_by here
	run -0 history "$id"
	assert_line --regexp "^Processing: ebi delivered a bad result: ebi fetch exit 69: ebi: fetch: ncbiblast-[-A-Za-z0-9]+: malformed or truncated BLAST XML$"
}

@test "truncated transfer (connection closed mid-body) once: transient, fetched again at ebi, completes" {
	ebi cut --fault-count 1
	{
		ebi_server 'poll-interval="0"'
		here_server
	} | registry
	submitted_hbb
	for ((n = 0; n < 50; n++)); do
		pass
		history "$id" | grep -q 'will retry' && break
		sleep 0.2
	done
	run -0 history "$id"
	assert_line --index -1 --regexp "^Processing: ebi: will retry in 5 s: ebi fetch exit 75: ebi: fetch: GET http://127\.0\.0\.1:$FIXTURE_PORT/Tools/services/rest/ncbiblast/result/ncbiblast-[-A-Za-z0-9]+/xml: transfer closed with [0-9]+ bytes remaining to read$"
	age "$id" next 10
	until_done "$id"
	completed_by ebi
	assert_equal "$(requests '/result/' | cut -d' ' -f3 | tr '\n' ' ')" "200 200 "
}

@test "huge result: over the wrapper's max-result, refused as it arrives; the job moves to here" {
	ebi huge --huge-bytes 8000000
	{
		ebi_server 'poll-interval="0"' max-result=1M
		here_server
	} | registry
	submitted_hbb
	until_done "$id"
	completed_by here
	run -0 history "$id"
	assert_line --regexp "^Processing: ebi delivered a bad result: ebi fetch exit 69: ebi: fetch: GET http://127\.0\.0\.1:$FIXTURE_PORT/Tools/services/rest/ncbiblast/result/ncbiblast-[-A-Za-z0-9]+/xml: the answer is larger than 1048576 bytes$"
}

@test "never finishes: RUNNING until the attempt times out; cancel makes no request; the job moves to here" {
	ebi never
	{
		ebi_server 'poll-interval="0" attempt-timeout="2"'
		here_server
	} | registry
	submitted_hbb
	pass
	pass
	run -2 ct-status -q "$id"
	sleep 2.1
	until_done "$id"
	completed_by here
	run -0 history "$id"
	assert_line "Processing: ebi: attempt timed out after 2 s"
	# Every request after /run asked for the status: EBI has no cancel.
	run -0 requests
	assert_line --index 0 "POST /Tools/services/rest/ncbiblast/run 200"
	assert_equal "$(grep -vc '/status/ncbiblast-[-A-Za-z0-9]* 200$' <<<"$output")" 1
}

@test "ERROR (EBI could not get the status) once: transient, polled again at ebi, completes" {
	ebi error --fault-count 1
	{
		ebi_server 'poll-interval="0"'
		here_server
	} | registry
	submitted_hbb
	pass
	pass
	run -0 history "$id"
	assert_line --index -1 --regexp '^Processing: ebi: will retry in 5 s: ebi poll exit 75: ebi: poll: EBI could not get the status of ncbiblast-[-A-Za-z0-9]+ \(ERROR\)$'
	age "$id" next 10
	until_done "$id"
	completed_by ebi
}

@test "FAILURE: failed at ebi for good; the job moves to here" {
	ebi failure
	{
		ebi_server 'poll-interval="0"'
		here_server
	} | registry
	submitted_hbb
	until_done "$id"
	completed_by here
	run -0 history "$id"
	assert_line --regexp '^Processing: ebi failed it: EBI: job ncbiblast-[-A-Za-z0-9]+ failed \(FAILURE\)$'
}

@test "NOT_FOUND (the job expired): failed at ebi for good; the job moves to here" {
	ebi notfound
	{
		ebi_server 'poll-interval="0"'
		here_server
	} | registry
	submitted_hbb
	until_done "$id"
	completed_by here
	run -0 history "$id"
	assert_line --regexp '^Processing: ebi failed it: EBI: job ncbiblast-[-A-Za-z0-9]+ not found \(NOT_FOUND: expired, or never known\)$'
}

@test "a report for the wrong query: never a result; the job moves to here" {
	ebi wrongquery --other-query "$BATS_FILE_TMPDIR/hba.fa"
	{
		ebi_server 'poll-interval="0"'
		here_server
	} | registry
	submitted_hbb
	until_done "$id"
	completed_by here
	run -0 history "$id"
	assert_line --regexp "^Processing: ebi delivered a bad result: ebi fetch exit 69: ebi: fetch: ncbiblast-[-A-Za-z0-9]+: a report for query 'HBA_MACFA', not for this job's 'HBB_HUMAN'$"
}

@test "connection refused: transient, retried at ebi while the attempt lasts, then the job moves to here" {
	ebi refused
	{
		ebi_server 'poll-interval="0" attempt-timeout="1"'
		here_server
	} | registry
	submitted_hbb
	pass
	run -0 history "$id"
	assert_line --index -1 --regexp "^Processing: ebi: will retry in 5 s: ebi submit exit 75: ebi: submit: POST http://127\.0\.0\.1:$FIXTURE_PORT/Tools/services/rest/ncbiblast/run: .*(Connection refused|Couldn't connect)"
	sleep 1.1
	age "$id" next 10
	until_done "$id"
	completed_by here
	run -0 history "$id"
	assert_line --regexp "^Processing: ebi cannot run it: ebi submit exit 75: "
}

@test "https: verified against the CA file the cafile parameter names; completes at ebi" {
	command -v openssl >/dev/null || skip "openssl is missing"
	fixture_cert
	ebi none --tls-cert "$FIXTURE_CERT" --tls-key "$FIXTURE_KEY"
	URL=https${URL#http}
	{
		ebi_server 'poll-interval="0"' "cafile=$FIXTURE_CERT"
		here_server
	} | registry
	submitted_hbb
	until_done "$id"
	completed_by ebi
	run -0 requests /run
	assert_output "POST /Tools/services/rest/ncbiblast/run 200"
}

@test "https with a certificate that does not verify: permanent, no request reaches the service; the job moves to here" {
	command -v openssl >/dev/null || skip "openssl is missing"
	fixture_cert
	ebi none --tls-cert "$FIXTURE_CERT" --tls-key "$FIXTURE_KEY"
	URL=https${URL#http}
	{
		ebi_server 'poll-interval="0"'
		here_server
	} | registry
	submitted_hbb
	until_done "$id"
	completed_by here
	run -0 history "$id"
	assert_line --regexp "^Processing: ebi cannot run it: ebi submit exit 69: ebi: submit: POST https://127\.0\.0\.1:$FIXTURE_PORT/Tools/services/rest/ncbiblast/run: SSL certificate problem: self.signed certificate$"
	assert_equal "$(wc -c <"$FIXTURE_LOG")" 0
}

@test "options EBI does not know, or bad values: refused (65) before any request; the job moves to here" {
	ebi none
	{
		ebi_server 'poll-interval="0"'
		here_server
	} | registry
	id=$(ct-submit -d globins45 -o word_size=3 hbb.fa)
	until_done "$id"
	completed_by here
	run -0 history "$id"
	assert_line "Processing: ebi cannot run it: ebi submit exit 65: ebi: option word_size is not one EBI's ncbiblast takes (see cputorrent-ebi(8))"
	# A spool of its own: the policy's state starts again at ebi.
	export CT_SPOOL="$BATS_TEST_TMPDIR/spool2"
	id=$(ct-submit -d globins45 -o 'evalue=1;rm' hbb.fa)
	until_done "$id"
	run -0 history "$id"
	assert_line "Processing: ebi cannot run it: ebi submit exit 65: ebi: option evalue: value not acceptable for EBI's exp"
	# here refuses that value too: no server is left.
	run -1 ct-status -q "$id"
	assert_equal "$(wc -c <"$FIXTURE_LOG")" 0
}

@test "two sequences in one job: refused (65), EBI takes one a job; the job moves to here" {
	ebi none
	{
		ebi_server 'poll-interval="0"'
		here_server
	} | registry
	id=$(ct-submit -d globins45 "$DEMO/queries.fa")
	until_done "$id"
	run -0 ct-status -q "$id"
	run -0 history "$id"
	assert_line "Processing: ebi cannot run it: ebi submit exit 65: ebi: the input has 2 sequences; EBI's ncbiblast takes one a job (ct-submit -r makes a job of each)"
	assert_line --index -1 "Completed: completed by here in N s"
	assert_equal "$(wc -c <"$FIXTURE_LOG")" 0
}

@test "no email, or a placeholder one: refused (78) without a request; the job moves to here" {
	ebi none
	{
		server ebi ebi 1 'poll-interval="0"' "url=$URL"
		here_server
	} | registry
	submitted_hbb
	until_done "$id"
	completed_by here
	run -0 history "$id"
	assert_line "Processing: ebi cannot run it: ebi submit exit 78: ebi: the server has no email parameter: EBI requires a valid email address with every job"
	{
		server ebi ebi 1 'poll-interval="0"' "url=$URL" email=you@example.org
		here_server
	} | registry
	export CT_SPOOL="$BATS_TEST_TMPDIR/spool2"
	submitted_hbb
	until_done "$id"
	run -0 history "$id"
	assert_line "Processing: ebi cannot run it: ebi submit exit 78: ebi: parameter email: a placeholder (example.com and the like): put yours"
	assert_equal "$(wc -c <"$FIXTURE_LOG")" 0
}

@test "the fixture speaks the protocol as the official clients expect it" {
	ebi none
	u=$URL
	# /run/ as the Python client posts, multipart as some clients send,
	# unknown fields (as the Perl client leaks) ignored.
	run -0 curl -sS -F "email=$EMAIL" -F program=blastp -F stype=protein \
		-F database=globins45 -F "sequence=<hbb.fa" -F debugLevel=0 \
		-F maxJobs=1 -F outfile=res "$u/run/"
	[[ $output =~ ^ncbiblast-R[0-9]{8}-[0-9]{6}-[0-9]{4}-[0-9]{8}-p1m$ ]]
	job=$output
	# A bare status word, no newline.
	curl -sS "$u/status/$job" >status
	run -0 cat status
	assert_output --regexp '^(QUEUED|RUNNING|FINISHED)$'
	[ "$(tail -c 1 status | od -An -c | tr -d ' ')" != '\n' ]
	run -0 curl -sS "$u/status/ncbiblast-R20240711-123456-0915-15816979-p1m"
	assert_output NOT_FOUND
	# Two or more result types; two or more parameters.
	for ((n = 0; n < 100; n++)); do
		[ "$(curl -sS "$u/status/$job")" = FINISHED ] && break
		sleep 0.1
	done
	run -0 curl -sS "$u/resulttypes/$job"
	assert [ "$(grep -o '<type>' <<<"$output" | wc -l)" -ge 2 ]
	assert_output --partial "<identifier>xml</identifier>"
	run -0 curl -sS "$u/parameters/"
	assert [ "$(grep -o '<id>' <<<"$output" | wc -l)" -ge 2 ]
	# Errors: 4xx with <error><description>.
	run -0 curl -sS -o /dev/null -w '%{http_code}' -d "email=$EMAIL" "$u/run"
	assert_output 400
	run -0 curl -sS -d "email=$EMAIL" "$u/run"
	assert_output --partial "<description>Invalid parameters: "
	run -0 curl -sS -o /dev/null -w '%{http_code}' "$u/parameterdetails/nonesuch"
	assert_output 400
	run -0 requests
	assert_line --index 0 "POST /Tools/services/rest/ncbiblast/run/ 200"
}

@test "the example registry for the public endpoint: valid, 30 jobs at most, and its placeholder email refused" {
	export CT_CONFIG="$BATS_TEST_DIRNAME/../share/providers.ebi.xml"
	local line
	line=$(grep -n 'name="email"' "$CT_CONFIG" | cut -d: -f1)
	run -78 --separate-stderr ct-providers check
	assert_equal "$stderr" "ct-providers: $CT_CONFIG:$line: server 'ebi': ebi: parameter email: a placeholder (example.com and the like): put yours
ct-providers: $CT_CONFIG: 1 problem"
	run -0 ct-providers show ebi
	assert_line "max-jobs          30"
	assert_line "parameter         url (required) = https://www.ebi.ac.uk/Tools/services/rest/ncbiblast"
	# As it stands, it must not send a job: the email is a placeholder.
	mkdir w
	run -78 env -i PATH=/usr/bin:/bin CT_WORKDIR="$PWD/w" CT_JOB_ID=t1 \
		CT_SERVICE=blastp CT_PARAM_CLASSNAME=ebi \
		CT_PARAM_URL=https://www.ebi.ac.uk/Tools/services/rest/ncbiblast \
		CT_PARAM_EMAIL="$(sed -n 's:.*name="email"[^>]*>\(.*\)</parameter>.*:\1:p' "$CT_CONFIG")" \
		"$CT_BUILD/providers/ebi" submit <hbb.fa
	assert_output "ebi: parameter email: a placeholder (example.com and the like): put yours"
}

@test "submit again after a lost handle: the same job id, no second /run; another attempt is another job" {
	ebi none
	mkdir w
	# By hand, in the environment ct-dispatch gives a wrapper.
	e=(PATH=/usr/local/bin:/usr/bin:/bin "CT_WORKDIR=$PWD/w" CT_JOB_ID=t1
		CT_SERVER=ebi CT_SERVICE=blastp CT_DATABASE=globins45
		CT_PARAM_CLASSNAME=ebi "CT_PARAM_URL=$URL" "CT_PARAM_EMAIL=$EMAIL")
	w=$CT_BUILD/providers/ebi
	run -0 --separate-stderr env -i "${e[@]}" "$w" submit <hbb.fa
	first=$output
	run -0 --separate-stderr env -i "${e[@]}" "$w" submit <hbb.fa
	assert_output "$first"
	assert_equal "$stderr" ""
	run -0 env -i "${e[@]}" CT_ATTEMPT=1 "$w" submit </dev/null
	assert_output "$first"
	run -0 requests /run
	assert_output "POST /Tools/services/rest/ncbiblast/run 200"
	run -0 env -i "${e[@]}" CT_ATTEMPT=2 "$w" submit <hbb.fa
	refute_output "$first"
	second=$output
	run -0 env -i "${e[@]}" CT_ATTEMPT=2 "$w" submit <hbb.fa
	assert_output "$second"
	run -0 requests /run
	assert_equal "${#lines[@]}" 2
	# A bad CT_ATTEMPT is the dispatcher's mistake, never a guess.
	run -64 --separate-stderr env -i "${e[@]}" CT_ATTEMPT=0 "$w" submit <hbb.fa
	assert_equal "$stderr" "ebi: CT_ATTEMPT must be a number from 1"
}

@test "check: the parameters, all their problems, one a line on stdout, exit 78; no request" {
	local w=$CT_BUILD/providers/ebi
	run -78 --separate-stderr env -i PATH=/usr/local/bin:/usr/bin:/bin \
		CT_CONTRACT=1 CT_SERVER=ebi CT_PARAM_CLASSNAME=ebi \
		CT_PARAM_URL='https://www.ebi.ac.uk/x?y' CT_PARAM_EMAIL=admin@lab.invalid \
		CT_PARAM_CAFILE=/nonexistent/ca.pem CT_PARAM_MAX_RESULT=1 "$w" check
	assert_equal "$output" "parameter url: a base URL has no query or fragment
parameter email: a placeholder (example.com and the like): put yours
parameter cafile: /nonexistent/ca.pem: No such file or directory
parameter max-result: not a size from 1k to 512M"
	assert_equal "$stderr" ""
	run -78 env -i CT_PARAM_EMAIL=nobody "$w" check
	assert_line --index 0 --partial "the server has no url parameter"
	assert_line --index 1 "parameter email: not of the form name@domain"
	run -0 --separate-stderr env -i CT_PARAM_URL="https://www.ebi.ac.uk/Tools/services/rest/ncbiblast" \
		CT_PARAM_EMAIL="$EMAIL" "$w" check
	assert_equal "$output$stderr" ""
}
