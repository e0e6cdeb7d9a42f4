#!/usr/bin/env bats
# The browser volunteer (issue 12): ct-serve's volunteer page, components
# uploaded by content and checked by Subresource Integrity, run in a real
# headless chromium (Debian's, driven by puppeteer-core from
# t/browser/node_modules), with the real ssearch component, over
# loopback only. The page's own headers and the blob endpoints are
# checked with curl first, with no browser.

load helper
load dispatch
load volunteer

setup_file() {
	# The demo's globins as the FASTA database, and a bigger one (the
	# globins 30 times over, renamed) for a task that lasts a while.
	cp "$BATS_TEST_DIRNAME/../share/demo/globins45.fa" "$BATS_FILE_TMPDIR/"
	for k in $(seq 30); do
		sed "s/^>\([^ ]*\)/>\1_$k/" "$BATS_FILE_TMPDIR/globins45.fa"
	done >"$BATS_FILE_TMPDIR/big.fa"
}

WWW="$BATS_TEST_DIRNAME/../share/www"
COMPONENT="$CT_BUILD/components/ssearch"
DRIVE="$BATS_TEST_DIRNAME/browser/drive.mjs"
ARTIFACTS="${CT_ARTIFACTS:-$CT_BUILD/artifacts}"

local_setup() {
	no_leak_check	# servers and browsers are killed, not stopped
	echo "$CK" >ck
	echo "$PK" >pk
	PIDS=()
	export CT_WRAPPER_DIR="$CT_BUILD/providers"
	export CT_CONFIG="$BATS_TEST_TMPDIR/providers.xml"
}

local_teardown() {
	local p
	for p in "${PIDS[@]}"; do
		kill_tree "$p"
	done
}

# needs_browser: skip without chromium, puppeteer-core or the component.
needs_browser() {
	[ -x /usr/bin/chromium ] || skip "chromium is missing (make check installs it)"
	[ -d "$BATS_TEST_DIRNAME/browser/node_modules/puppeteer-core" ] ||
		skip "puppeteer-core is missing (make check installs it)"
	[ -f "$COMPONENT/ssearch.wasm" ] ||
		skip "the ssearch component is not built (make components)"
}

# page NAME [OPTION...]: a ct-serve with the page and an access log,
# NAME.log; its URL in $NAME_URL.
page() {
	local name=$1
	shift
	serve "$name" -W "$WWW" -A "$name.log" "$@"
}

# sha FILE: its SHA-256, as a blob ID.
sha() {
	sha256sum <"$1" | cut -c1-64
}

# put URL FILE: PUT the file as a blob, with the dispatcher's key.
put() {
	curl -sf -X PUT -H "Authorization: Bearer $CK" --data-binary @"$2" \
		"$1/v1/blobs/$(sha "$2")" >/dev/null
}

# fasta_db FILE: the FASTA file put into the store as a database
# (ct-serve -I, beside the ct-serve serving it), its manifest's ID in
# $DBID.
fasta_db() {
	DBID=$(ct-serve -D store -I "$1" | cut -d' ' -f1)
	[ -n "$DBID" ]
}

# browser NAME URL STEP...: a headless chromium on the page, joined with
# the pool's key in the link's fragment, doing the steps of drive.mjs;
# in the background, its PID in $BROWSER_PID.
browser() {
	local name=$1 url=$2
	shift 2
	node "$DRIVE" "$url/#key=$PK" "$@" >"$name.out" 2>"$name.err" &
	BROWSER_PID=$!
	PIDS+=("$BROWSER_PID")
}

# drive URL STEP...: as browser, in the foreground.
drive() {
	local url=$1
	shift
	node "$DRIVE" "$url/#key=$PK" "$@"
}

# ssearch_registry URL: the pool as the only server, for ssearch, with
# the component and the database $DBID.
ssearch_registry() {
	POOL_SERVICE=ssearch pool_registry "$1" \
		"<parameter name=\"component.ssearch\">$COMPONENT</parameter>
    <parameter name=\"database.globins45\">$DBID</parameter>"
}

# requests LOG METHOD PATH: how many requests the access log has of them.
requests() {
	grep -c " $2 $3 [0-9]*\$" "$1" || true
}

# completers: the volunteers that completed the done tasks, one a line.
completers() {
	local f lease
	for f in store/done/*; do
		lease=$(sed -n 's/^done \([0-9a-f]*\)$/\1/p' "$f")
		sed -n "s/^$lease \([0-9a-f]*\) .*/\1/p" "$f"
	done
}

# ssearch_jobs N: N jobs of ssearch against globins45 from ct-submit,
# one a record of the first N globins; their IDs in ids.
ssearch_jobs() {
	globins "$1"
	run -0 ct-submit -r -s ssearch -d globins45 "globins$1.fa"
	ids=("${lines[@]}")
	assert_equal "${#ids[@]}" "$1"
}

# check_reports FASTA ID...: each job's result is the ssearch report of
# its own query (a record of FASTA), which finds itself first, exactly
# the report of the component's native build, ct-ssearch.
check_reports() {
	local fa=$1 id name
	shift
	for id; do
		ct-fetch -o "$id.xml" "$id"
		run -0 xmllint --xpath 'string(//BlastOutput_program)' "$id.xml"
		assert_output ssearch
		run -0 xmllint --xpath 'string(//BlastOutput_query-def)' "$id.xml"
		name=${output%% *}
		run -0 xmllint --xpath 'normalize-space((//Hit_id)[1])' "$id.xml"
		assert_output "$name"
		awk -v n="$name" '/^>/ { k = ($1 == ">" n) } k' "$fa" >"$id.fa"
		ct-ssearch -d "$BATS_FILE_TMPDIR/globins45.fa" -q "$id.fa" \
			>"$id.native.xml"
		cmp "$id.xml" "$id.native.xml"
	done
}

# component_registry: the pool at server a as the only server, for
# ssearch, with the component in comp/.
component_registry() {
	POOL_SERVICE=ssearch pool_registry "$a_URL" \
		"<parameter name=\"component.ssearch\">$BATS_TEST_TMPDIR/comp</parameter>"
	open_above "$BATS_TEST_TMPDIR/comp"
}

@test "ct-serve serves the page: its files only, typed, with a strict CSP, GET and HEAD only" {
	page a
	run -0 curl -sf -D h -o index "$a_URL/"
	cmp index "$WWW/index.html"
	run -0 grep -i '^content-type: text/html; charset=utf-8' h
	run -0 grep -i "^content-security-policy: default-src 'none'; script-src 'self'; style-src 'self'" h
	refute_output --partial unsafe-inline
	refute_output --partial "'unsafe-eval'"
	refute_output --partial blob:
	run -0 grep -i '^x-content-type-options: nosniff' h
	# The worker alone may import a blob: module and compile WebAssembly,
	# and reaches nothing.
	curl -sf -D h -o /dev/null "$a_URL/worker.js"
	run -0 grep -i "^content-security-policy: default-src 'none'; script-src 'self' blob: 'wasm-unsafe-eval'; connect-src 'none'" h
	run -0 grep -i '^content-type: text/javascript' h
	curl -sf -D h -o /dev/null "$a_URL/volunteer.css"
	run -0 grep -i '^content-type: text/css' h
	run -0 curl -s -o /dev/null -w '%{http_code}' -I "$a_URL/volunteer.js"
	assert_output 200
	# No path, no hidden file, no other method, no unknown type.
	for u in /../etc/passwd /%2e%2e/etc/passwd /.hidden /a/b /x.exe \
	    /index.html/ /v1/nothing; do
		run -0 curl -s -o /dev/null -w '%{http_code}' --path-as-is "$a_URL$u"
		assert_output 404
	done
	ln -s /etc/passwd "$BATS_TEST_TMPDIR/link.txt"
	run -0 curl -s -o /dev/null -w '%{http_code}' -X POST "$a_URL/index.html"
	assert_output 405
	run -0 curl -s -o /dev/null -w '%{http_code}' -X DELETE "$a_URL/"
	assert_output 405
	# A JSON answer is no page either.
	curl -s -D h -o /dev/null "$a_URL/v1/ping"
	run -0 grep -i "^content-security-policy: default-src 'none'; frame-ancestors 'none'; sandbox" h
	# Each request is in the access log, never a query string.
	curl -s -o /dev/null "$a_URL/v1/ping?secret=1"
	run -0 grep -E '^[0-9T:-]+Z 127\.0\.0\.1 GET /v1/ping 200$' a.log
	run -1 grep secret a.log
	run -0 grep -E ' POST /index.html 405$' a.log
}

@test "ct-serve -W: a directory that is not there is a configuration error; with none the page is not served" {
	run -78 ct-serve -D store -k ck -K pk -p 0 -W "$BATS_TEST_TMPDIR/nowhere"
	assert_output --partial "-W: cannot open"
	serve a
	run -0 curl -s -o /dev/null -w '%{http_code}' "$a_URL/"
	assert_output 404
	run -0 grep 'no volunteer page' a.err
}

@test "blobs: PUT by the dispatcher only, its hash checked against its ID; a manifest only once its files are here; immutable when fetched" {
	serve a
	printf 'some bytes\n' >f
	id=$(sha f)
	run -0 call PUT "$a_URL/v1/blobs/$id" "$(register "$a_URL")" --data-binary @f
	assert_output --partial 401
	run -0 call PUT "$a_URL/v1/blobs/$(printf '%064d' 0)" "$CK" --data-binary @f
	assert_output --partial "422 "
	assert_output --partial "not the blob's ID"
	[ ! -e "store/blobs/$(printf '%064d' 0)" ]
	run -0 call HEAD "$a_URL/v1/blobs/$id" "$CK" -I
	assert_output --partial "404"
	run -0 call PUT "$a_URL/v1/blobs/$id" "$CK" --data-binary @f
	assert_output --partial '201 {"blob"'
	run -0 call PUT "$a_URL/v1/blobs/$id" "$CK" --data-binary @f
	assert_output --partial '"existed":true'
	cmp f "store/blobs/$id"
	run -0 curl -s -o /dev/null -w '%{http_code}' -I -H "Authorization: Bearer $CK" "$a_URL/v1/blobs/$id"
	assert_output 200
	# A component's manifest that names a file not here is refused.
	printf '{"entry":"m.mjs","files":[{"blob":"%s","name":"m.mjs","size":11},{"blob":"%064d","name":"x.wasm","size":1}],"kind":"component"}' "$id" 0 >m1
	run -0 call PUT "$a_URL/v1/blobs/$(sha m1)" "$CK" --data-binary @m1
	assert_output --partial "409 "
	assert_output --partial "x.wasm"
	# One whose entry is none of its files is only bytes: no task may
	# name it as its component.
	printf '{"entry":"n.mjs","files":[{"blob":"%s","name":"m.mjs","size":11}],"kind":"component"}' "$id" >m2
	run -0 call PUT "$a_URL/v1/blobs/$(sha m2)" "$CK" --data-binary @m2
	assert_output --partial '201 {"blob"'
	run -0 call PUT "$a_URL/v1/tasks/t2" "$CK" -d "{\"service\":\"ssearch\",\"query\":\">q\\nMKV\\n\",\"component_blob\":\"$(sha m2)\"}"
	assert_output --partial "409 "
	assert_output --partial "entry is none of its files"
	# A blob over -R is refused before it is read.
	head -c 70000000 /dev/zero >big
	run -0 call PUT "$a_URL/v1/blobs/$(sha big)" "$CK" --data-binary @big
	assert_output --partial "413 "
	# Fetched: cacheable for ever, its ID its entity tag.
	tok=$(register "$a_URL")
	curl -sf -D h -o got -H "Authorization: Bearer $tok" "$a_URL/v1/blobs/$id"
	cmp f got
	run -0 grep -i '^cache-control: public, max-age=31536000, immutable' h
	run -0 grep -i "^etag: \"$id\"" h
	# A task may name only a component that is here, whole.
	run -0 call PUT "$a_URL/v1/tasks/t1" "$CK" -d "{\"service\":\"ssearch\",\"query\":\">q\\nMKV\\n\",\"component_blob\":\"$id\"}"
	assert_output --partial "409 "
	assert_output --partial "upload it first"
	[ "$(tasks_in open)" = 0 ]
}

@test "the wrapper uploads a component lazily: only what ct-serve lacks, once; a task names it; one that no task uses is flushed after -G" {
	page a -G 2
	mkdir comp
	printf 'export async function run() { return ""; }\n' >comp/c.mjs
	printf 'wasm bytes\n' >comp/c.wasm
	fasta q "$PROTEIN"
	component_registry
	id1=$(ct-submit -s ssearch q.fa)
	ct-dispatch 2>>dispatch.log
	[ "$(tasks_in open)" = 1 ]
	comp=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["component_blob"])' "store/tasks/$id1.1")
	# Its manifest names both files, the module its entry.
	run -0 python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print(m["kind"], m["entry"], " ".join(f["name"] for f in m["files"]))' "store/blobs/$comp"
	assert_output "component c.mjs c.mjs c.wasm"
	cmp comp/c.wasm "store/blobs/$(sha comp/c.wasm)"
	[ -e "store/components/$comp" ]
	assert_equal "$(requests a.log PUT '/v1/blobs/[0-9a-f]*')" 3
	# A second job: ct-serve has it all, nothing is uploaded again.
	id2=$(ct-submit -s ssearch q.fa)
	ct-dispatch 2>>dispatch.log
	[ "$(tasks_in open)" = 2 ]
	assert_equal "$(requests a.log PUT '/v1/blobs/[0-9a-f]*')" 3
	# A new version of one file: only it and the new manifest go.
	printf 'wasm bytes, version 2\n' >comp/c.wasm
	id3=$(ct-submit -s ssearch q.fa)
	ct-dispatch 2>>dispatch.log
	comp2=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["component_blob"])' "store/tasks/$id3.1")
	[ "$comp" != "$comp2" ]
	assert_equal "$(requests a.log PUT '/v1/blobs/[0-9a-f]*')" 5
	run -0 grep " PUT /v1/blobs/$(sha comp/c.mjs) " a.log
	assert_equal "${#lines[@]}" 1
	# While tasks name the first version it stays, past -G.
	sleep 4
	[ -e "store/blobs/$comp" ]
	# Once none does, it is flushed, and its file that no other version
	# has; the module both share stays.
	ct-cancel "$id1" "$id2"
	ct-dispatch 2>>dispatch.log
	for ((n = 0; n < 100; n++)); do
		[ -e "store/blobs/$comp" ] || break
		sleep 0.1
	done
	[ ! -e "store/blobs/$comp" ]
	[ ! -e "store/components/$comp" ]
	[ ! -e "store/blobs/$(printf 'wasm bytes\n' | sha /dev/stdin)" ]
	[ -e "store/blobs/$comp2" ]
	[ -e "store/blobs/$(sha comp/c.mjs)" ]
	[ -e "store/blobs/$(sha comp/c.wasm)" ]
}

@test "the wrapper refuses a component directory without one module, or with a subdirectory" {
	page a
	mkdir comp
	printf 'x\n' >comp/c.wasm
	fasta q "$PROTEIN"
	component_registry
	id=$(ct-submit -s ssearch q.fa)
	ct-dispatch 2>>dispatch.log
	run ct-status -l "$id"
	assert_output --partial "component.ssearch: $BATS_TEST_TMPDIR/comp: no module (.mjs) to run"
	printf 'export async function run() { return ""; }\n' >comp/c.mjs
	mkdir comp/sub
	id=$(ct-submit -s ssearch q.fa)
	ct-dispatch 2>>dispatch.log
	run ct-status -l "$id"
	assert_output --partial "comp/sub: not a regular file"
	[ "$(tasks_in open)" = 0 ]
	run -1 grep ' PUT ' a.log
}

@test "a job from ct-submit, dispatched through the volunteer wrapper, is completed by a headless browser; the component is fetched once, then from the browser's cache" {
	needs_browser
	page a
	fasta_db "$BATS_FILE_TMPDIR/globins45.fa"
	ssearch_registry "$a_URL"
	ssearch_jobs 3
	ct-dispatch 2>>dispatch.log
	browser b "$a_URL" done:3 say:done
	dispatch_until_done "${ids[@]}"
	run -0 ct-wait -t 0 "${ids[@]}"
	wait "$BROWSER_PID" || { cat b.err; false; }
	check_reports globins3.fa "${ids[@]}"
	for id in "${ids[@]}"; do
		run -0 history "$id"
		assert_line 'Completed: completed by pool in N s'
		assert_equal "$(leases_of "$id")" 1
	done
	# Three tasks, and each blob of the component and the database was
	# asked for once: the others came from the browser's cache.
	comp=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["component_blob"])' "store/tasks/${ids[0]}.1")
	assert_equal "$(requests a.log GET "/v1/blobs/$comp")" 1
	assert_equal "$(requests a.log GET "/v1/blobs/$(sha "$COMPONENT/ssearch.wasm")")" 1
	assert_equal "$(requests a.log GET "/v1/blobs/$(sha "$COMPONENT/ssearch.mjs")")" 1
	assert_equal "$(requests a.log GET "/v1/blobs/$DBID")" 1
	assert_equal "$(requests a.log POST '/v1/tasks/[^ ]*/result')" 3
	# The pool's key never reached the server in a URL.
	run -1 grep -F "$PK" a.log
}

@test "the idle page says there is no work, counts down the server's interval, and reloads" {
	needs_browser
	page a
	run -0 drive "$a_URL" 'text:No work right now' say:seconds \
		shot:idle.png reloads:1 'text:No work right now'
	assert_line --regexp '^[1-5]$'
	mkdir -p "$ARTIFACTS"
	cp idle.png "$ARTIFACTS/browser-idle.png"
	# Two loads of the page, each asking once; no sooner than asked.
	[ "$(requests a.log GET /)" -ge 2 ]
	run -0 grep ' POST /v1/work 200$' a.log
	[ "${#lines[@]}" -ge 2 ]
	t1=$(date -d "$(echo "${lines[0]}" | cut -d' ' -f1)" +%s)
	t2=$(date -d "$(echo "${lines[1]}" | cut -d' ' -f1)" +%s)
	[ $((t2 - t1)) -ge 4 ]
}

@test "the page without its invitation link asks for it, and calls nothing" {
	needs_browser
	page a
	run -0 node "$DRIVE" "$a_URL/" 'text:needs your invitation link'
	run -1 grep -E ' POST /v1/(volunteers|work) ' a.log
}

@test "a task longer than its lease is kept by heartbeats; the page shows it working; the screenshot is kept" {
	needs_browser
	page a -L 3
	fasta_db "$BATS_FILE_TMPDIR/big.fa"
	ssearch_registry "$a_URL"
	# All 45 globins as one query file against 1350 sequences.
	cp "$BATS_FILE_TMPDIR/globins45.fa" q.fa
	id=$(ct-submit -s ssearch -d globins45 q.fa)
	ct-dispatch 2>>dispatch.log
	run -0 drive "$a_URL" 'text:^Computing$' progress shot:working.png \
		say:detail done:1
	assert_line "Searching MYG_ESCGI and 44 more queries against globins45 (ssearch)."
	mkdir -p "$ARTIFACTS"
	cp working.png "$ARTIFACTS/browser-working.png"
	dispatch_until_done "$id"
	run -0 ct-wait -t 0 "$id"
	assert_equal "$(leases_of "$id")" 1
	run -0 grep -c " POST /v1/tasks/$id.1/heartbeat 200\$" a.log
	[ "$output" -ge 1 ]
}

@test "a tab closed mid-task only delays its task: the lease ends, another browser completes it, the job completes once" {
	needs_browser
	page a -L 3
	fasta_db "$BATS_FILE_TMPDIR/big.fa"
	ssearch_registry "$a_URL"
	cp "$BATS_FILE_TMPDIR/globins45.fa" q.fa
	id=$(ct-submit -s ssearch -d globins45 q.fa)
	ct-dispatch 2>>dispatch.log
	# The first browser vanishes as it computes (no goodbye).
	run -0 drive "$a_URL" 'text:^Computing$' kill
	[ "$(tasks_in leased)" = 1 ]
	browser b "$a_URL" done:1
	dispatch_until_done "$id"
	run -0 ct-wait -t 0 "$id"
	wait "$BROWSER_PID" || { cat b.err; false; }
	assert_equal "$(leases_of "$id")" 2
	run -0 grep -c '^Completed' <(history "$id")
	assert_output 1
	assert_equal "$(completers | sort -u | wc -l)" 1
}

@test "two browsers and a native ct-volunteer share the work; each task is done once" {
	needs_browser
	page a
	fasta_db "$BATS_FILE_TMPDIR/globins45.fa"
	ssearch_registry "$a_URL"
	ssearch_jobs 9
	ct-dispatch 2>>dispatch.log
	# The native volunteer runs the component's native build, ct-ssearch,
	# a little slowly, so that there is work left for the browsers.
	printf '#!/bin/sh\nsleep 1\nexec "%s" "$@"\n' "$CT_BUILD/bin/ct-ssearch" >native
	chmod +x native
	ct-volunteer -K pk -u "$a_URL" -w "$BATS_TEST_TMPDIR/v" -N native \
		-s ssearch -d "globins45=$BATS_FILE_TMPDIR/globins45.fa" \
		-c "$BATS_TEST_TMPDIR/native -d {database} -q {input}" 2>>v.err &
	PIDS+=("$!")
	# The browsers stay until the end: one that left with a task would
	# only delay it, by its lease.
	browser b1 "$a_URL" sleep:600
	browser b2 "$a_URL" sleep:600
	dispatch_until_done "${ids[@]}"
	run -0 ct-wait -t 0 "${ids[@]}"
	check_reports globins9.fa "${ids[@]}"
	for id in "${ids[@]}"; do
		assert_equal "$(leases_of "$id")" 1
	done
	# Three volunteers did the work: two browsers, one native.
	assert_equal "$(completers | sort -u | wc -l)" 3
	run -0 grep -l ' native$' $(completers | sort -u | sed 's|^|store/volunteers/|')
	assert_equal "${#lines[@]}" 1
}

@test "a tampered component is refused by Subresource Integrity: nothing runs, no result, the task given back" {
	needs_browser
	page a
	fasta_db "$BATS_FILE_TMPDIR/globins45.fa"
	ssearch_registry "$a_URL"
	ssearch_jobs 1
	ct-dispatch 2>>dispatch.log
	# Someone with the store's disk changes the module.
	mjs="store/blobs/$(sha "$COMPONENT/ssearch.mjs")"
	{ cat "$COMPONENT/ssearch.mjs"; echo 'fetch("http://evil.example/");'; } >"$mjs.new"
	mv "$mjs.new" "$mjs"
	run -0 drive "$a_URL" 'text:A task failed here' say:detail
	assert_output --partial "was refused: it is not what its ID says"
	# The worker never started, nothing was posted, the task is open again.
	assert_equal "$(requests a.log GET /worker.js)" 0
	assert_equal "$(requests a.log POST '/v1/tasks/[^ ]*/result')" 0
	assert_equal "$(requests a.log POST '/v1/tasks/[^ ]*/release')" 1
	[ "$(tasks_in done)" = 0 ]
	[ "$(tasks_in open)" = 1 ]
}

@test "Stop gives the task back at once, and the page stays stopped across a reload until started again" {
	needs_browser
	page a
	fasta_db "$BATS_FILE_TMPDIR/big.fa"
	ssearch_registry "$a_URL"
	cp "$BATS_FILE_TMPDIR/globins45.fa" q.fa
	id=$(ct-submit -s ssearch -d globins45 q.fa)
	ct-dispatch 2>>dispatch.log
	run -0 drive "$a_URL" 'text:^Computing$' click:stop text:^Stopped$ \
		say:now reload sleep:2 text:^Stopped$ click:resume \
		'text:^Computing$'
	assert_line stopped
	assert_equal "$(requests a.log POST "/v1/tasks/$id.1/release")" 1
	# Stopped, it asked for nothing; started again, it took the task anew.
	assert_equal "$(requests a.log POST /v1/work)" 2
	assert_equal "$(leases_of "$id")" 2
}
