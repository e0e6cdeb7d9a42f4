#!/usr/bin/env bats
# The volunteer pool's blobs (issue 11): BLAST databases put into ct-serve
# by content (ct-serve -I), named by a task by the SHA-256 of their
# manifest, fetched by the volunteers that lack them, checked, cached by
# version, the old versions flushed (cputorrent-volunteer(7), Blobs).

load helper
load dispatch
load volunteer

setup_file() {
	make_globins_db
	# A second version of the database: the first 20 globins only.
	mkdir "$BATS_FILE_TMPDIR/v2"
	awk '/^>/ { k++ } k <= 20' "$BATS_TEST_DIRNAME/../share/demo/globins45.fa" \
		>"$BATS_FILE_TMPDIR/v2/g20.fa"
	makeblastdb -in "$BATS_FILE_TMPDIR/v2/g20.fa" -dbtype prot \
		-out "$BATS_FILE_TMPDIR/v2/globins45" >/dev/null
}

# fetcher NAME URL [OPTION...]: a ct-volunteer with no database of its
# own, which fetches them (-F).
fetcher() {
	local name=$1 url=$2
	shift 2
	ct-volunteer -K pk -u "$url" -w "$BATS_TEST_TMPDIR/$name" -F 64M \
		-o evalue -c "$BLAST" "$@" 2>>"$name.err" &
	VOL_PID=$!
	PIDS+=("$VOL_PID")
}

# blob_task URL TASK BLOB: a task whose database globins45 is that blob.
blob_task() {
	curl -sf -X PUT -H "Authorization: Bearer $CK" \
		-d "{\"service\":\"blastp\",\"database\":\"globins45\",\"database_blob\":\"$3\",\"query\":\">HBB_HUMAN q\\n$PROTEIN\\n\"}" \
		"$1/v1/tasks/$2" >/dev/null
}

# wait_done N: until N tasks are done (at most a minute).
wait_done() {
	local n
	for ((n = 0; n < 600; n++)); do
		[ "$(tasks_in done)" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

@test "ct-serve -I puts a database in by content; a volunteer without it fetches it, checks it, caches it, and completes a real job" {
	run -0 ct-serve -D store -I "$DB"
	read -r blob path <<<"$output"
	assert_equal "$path" "$DB"
	# Each file is a blob named by its SHA-256; the manifest names them.
	for f in "$DB".p*; do
		sum=$(sha256sum "$f" | cut -d' ' -f1)
		cmp "$f" "store/blobs/$sum"
	done
	assert_equal "$(sha256sum "store/blobs/$blob" | cut -d' ' -f1)" "$blob"
	run -0 jq -r '.kind, (.files | length)' "store/blobs/$blob"
	assert_output $'blastdb\n7'
	# Again: the same blobs, nothing more.
	n=$(ls store/blobs | wc -l)
	run -0 ct-serve -D store -I "$DB"
	assert_output "$blob $DB"
	assert_equal "$(ls store/blobs | wc -l)" "$n"

	serve a
	pool_registry "$a_URL" "<parameter name=\"database.globins45\">$blob</parameter>"
	fetcher v1 "$a_URL"
	fasta q "$PROTEIN"
	id=$(ct-submit -d globins45 -o evalue=1e-5 q.fa)
	dispatch_until_done "$id"
	run -0 ct-wait -t 0 "$id"
	run -0 xmllint --xpath 'string(//BlastOutput_query-def)' <(ct-fetch "$id")
	assert_output q
	run -0 jq -r .database_blob "store/tasks/$id.1"
	assert_output "$blob"
	# The volunteer's cache: the version, whole, under its manifest's ID.
	for f in "$DB".p*; do
		cmp "$f" "v1/databases/$blob/files/globins45.${f##*.}"
	done
	cmp "store/blobs/$blob" "v1/databases/$blob/manifest"
	assert_equal "$(ls -A v1/databases)" "$blob"
}

@test "a new version of a database is fetched, and the old one flushed from the cache" {
	serve a
	old=$(ct-serve -D store -I "$DB" | cut -d' ' -f1)
	new=$(ct-serve -D store -I "$BATS_FILE_TMPDIR/v2/globins45" | cut -d' ' -f1)
	[ "$old" != "$new" ]
	fetcher v1 "$a_URL"
	blob_task "$a_URL" t1 "$old"
	wait_done 1
	assert_equal "$(ls -A v1/databases)" "$old"
	# A task of the same version again: no new fetch.
	blob_task "$a_URL" t2 "$old"
	wait_done 2
	assert_equal "$(ls -A v1/databases)" "$old"
	blob_task "$a_URL" t3 "$new"
	wait_done 3
	assert_equal "$(ls -A v1/databases)" "$new"
	# The new version's result searched the 20 globins of version 2 only.
	run -0 curl -sf -H "Authorization: Bearer $CK" "$a_URL/v1/tasks/t3/result"
	hits=$(grep -c '<Hit>' <<<"$output")
	[ "$hits" -le 20 ]
	run -0 curl -sf -H "Authorization: Bearer $CK" "$a_URL/v1/tasks/t1/result"
	[ "$(grep -c '<Hit>' <<<"$output")" -gt "$hits" ]
}

@test "a blob that is not what its ID says is refused: nothing cached, the task given back" {
	serve a
	blob=$(ct-serve -D store -I "$DB" | cut -d' ' -f1)
	psq=$(sha256sum "$DB.psq" | cut -d' ' -f1)
	# The server's copy damaged: one byte changed.
	printf 'X' | dd of="store/blobs/$psq" bs=1 seek=100 conv=notrunc 2>/dev/null
	fetcher v1 "$a_URL"
	blob_task "$a_URL" t1 "$blob"
	for ((n = 0; n < 100; n++)); do
		grep -q 'arrived as' v1.err && break
		sleep 0.1
	done
	run -0 cat v1.err
	assert_output --partial "blob $psq arrived as"
	assert_output --partial 'cannot fetch database globins45'
	assert_equal "$(ls -A v1/databases)" ""
	# Given back at once: open again, not done.
	sleep 0.5
	assert_equal "$(tasks_in done)" 0
	assert_equal "$(tasks_in open)$(tasks_in leased)" 10
}

@test "a manifest that names a path, or too much, is refused: no file is made outside the cache" {
	serve a
	ct-serve -D store -I "$DB" >/dev/null
	pin=$(sha256sum "$DB.pin" | cut -d' ' -f1)
	for name in '../../evil.pin' '.hidden' 'a/b.pin'; do
		printf '{"files":[{"blob":"%s","name":"%s","size":480}],"kind":"blastdb"}' \
			"$pin" "$name" >m
		sum=$(sha256sum m | cut -d' ' -f1)
		cp m "store/blobs/$sum"
		echo "$sum" >>bad
	done
	# A size over the volunteer's -F.
	printf '{"files":[{"blob":"%s","name":"g.pin","size":%d}],"kind":"blastdb"}' \
		"$pin" $((65 * 1024 * 1024)) >m
	sum=$(sha256sum m | cut -d' ' -f1)
	cp m "store/blobs/$sum"
	echo "$sum" >>bad
	fetcher v1 "$a_URL"
	k=0
	while read -r sum; do
		k=$((k + 1))
		blob_task "$a_URL" "t$k" "$sum"
	done <bad
	# A volunteer waits 5 s after a task it could not run.
	for ((n = 0; n < 400; n++)); do
		[ "$(grep -c 'cannot fetch database' v1.err)" -ge 4 ] && break
		sleep 0.1
	done
	run -0 grep -c 'file 1 of the manifest: a name, blob or size of the wrong shape' v1.err
	assert_output 4
	assert_equal "$(tasks_in done)" 0
	[ ! -e evil.pin ] && [ ! -e v1/evil.pin ] && [ ! -e v1/databases/evil.pin ]
	assert_equal "$(ls -A v1/databases)" ""
}

@test "blobs over the protocol: a volunteer's token needed, an ID or nothing, a task's blob of the right shape" {
	serve a
	blob=$(ct-serve -D store -I "$DB" | cut -d' ' -f1)
	tok=$(register "$a_URL")
	run -0 call GET "$a_URL/v1/blobs/$blob" "$tok"
	assert_output --regexp '^200 \{"files"'
	cmp body "store/blobs/$blob"
	run -0 call GET "$a_URL/v1/blobs/$blob" nothing-of-ours-0123456789
	assert_output --regexp '^401 '
	run -0 call GET "$a_URL/v1/blobs/$(printf '%064d' 0)" "$tok"
	assert_output --regexp '^404 .*no blob'
	run -0 call GET "$a_URL/v1/blobs/..%2F..%2Fck" "$tok"
	assert_output --regexp '^404 '
	run -0 call GET "$a_URL/v1/blobs/$(echo "$blob" | tr a-f A-F)" "$tok"
	assert_output --regexp '^404 '
	run -0 call DELETE "$a_URL/v1/blobs/$blob" "$tok"
	assert_output --regexp '^405 '
	# A task's blob: 64 hexadecimal digits, and only with a database.
	run -0 call PUT "$a_URL/v1/tasks/x.1" "$CK" -d '{"service":"blastp","database":"g","database_blob":"../x","query":">x\nMKV\n"}'
	assert_output --regexp '^400 '
	run -0 call PUT "$a_URL/v1/tasks/x.1" "$CK" -d "{\"service\":\"blastp\",\"database_blob\":\"$blob\",\"query\":\">x\\nMKV\\n\"}"
	assert_output --regexp '^400 '
	assert_equal "$(ls store/tasks)" ""
	# A volunteer that does not fetch is not given a task it lacks.
	blob_task "$a_URL" t1 "$blob"
	run -0 call POST "$a_URL/v1/work" "$tok" -d '{"services":["blastp"]}'
	assert_output --partial '"task":null'
	run -0 call POST "$a_URL/v1/work" "$tok" -d '{"services":["blastp"],"fetch":true}'
	assert_output --partial "\"database_blob\":\"$blob\""
}

@test "ct-serve -I refuses what is not a BLAST database, and the wrapper a database.NAME that is not a blob ID" {
	run -65 ct-serve -D store -I "$BATS_TEST_TMPDIR/nothing"
	assert_output --partial 'nothing: no BLAST database there'
	run -65 ct-serve -D store -I "$BATS_TEST_TMPDIR/no/such"
	assert_output --partial 'cannot read'
	mkdir alias
	echo 'DBLIST /etc/passwd' >alias/x.pal
	run -65 ct-serve -D store -I alias/x
	assert_output --partial 'no BLAST database there'
	run -64 ct-serve -D store -I
	serve a
	pool_registry "$a_URL" '<parameter name="database.globins45">not-a-hash</parameter>'
	fasta q "$PROTEIN"
	id=$(ct-submit -d globins45 q.fa)
	ct-dispatch 2>>dispatch.log || true
	run -0 cat dispatch.log
	assert_output --partial 'parameter database.globins45: not a blob ID'
	assert_equal "$(ls store/tasks)" ""
}
