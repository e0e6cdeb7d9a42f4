# fixture.bash: starting and stopping the local protocol servers of
# t/fixtures (ebi-server, ncbi-server) from a test. Loaded after
# helper.bash by the test files that need one.
#
#   fixture_start SERVER [ARG...]   start t/fixtures/SERVER with ARGs; sets
#                                   FIXTURE_PORT, FIXTURE_LOG, FIXTURE_DIR
#   fixture_stop                    stop every fixture the test started
#   fixture_cert                    a self-signed certificate for
#                                   127.0.0.1, once per test file, for
#                                   --tls-cert FIXTURE_CERT --tls-key
#                                   FIXTURE_KEY (and a client's CA file)
#   fixture_db                      a BLAST database of share/demo's 45
#                                   globins, built once per test file; sets
#                                   FIXTURE_DB to its path
#
# Each server gets a directory of its own, FIXTURE_DIR, holding its port
# file, its request log and its standard error. teardown() stops them
# all, then calls local_teardown if the test file defines one.

# fixture_start SERVER [ARG...]
fixture_start() {
	local server=$1 n=0 dir
	shift
	dir=$(mktemp -d "$BATS_TEST_TMPDIR/fixture.XXXXXX")
	# Its log is read by the wrappers' spies, as the dispatcher account.
	chmod 755 "$dir"
	# Away from bats' descriptors (3 above all), or bats would wait for
	# the server to exit before ending the test.
	python3 "$BATS_TEST_DIRNAME/fixtures/$server" --port-file "$dir/port" \
		--log "$dir/requests.log" "$@" \
		</dev/null >"$dir/stderr" 2>&1 3>&- &
	echo $! >>"$BATS_TEST_TMPDIR/fixture.pids"
	while [ ! -s "$dir/port" ]; do
		if ((++n > 200)); then
			echo "fixture $server did not start:" >&2
			cat "$dir/stderr" >&2
			return 1
		fi
		sleep 0.05
	done
	FIXTURE_DIR=$dir
	FIXTURE_PORT=$(cat "$dir/port")
	FIXTURE_LOG=$dir/requests.log
}

# fixture_stop: stop the servers this test started, by their pids.
fixture_stop() {
	local pid
	[ -f "$BATS_TEST_TMPDIR/fixture.pids" ] || return 0
	while read -r pid; do
		kill "$pid" 2>/dev/null || true
	done <"$BATS_TEST_TMPDIR/fixture.pids"
	while read -r pid; do
		while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
	done <"$BATS_TEST_TMPDIR/fixture.pids"
	rm -f "$BATS_TEST_TMPDIR/fixture.pids"
}

# fixture_db: the globins45 protein database, once per test file.
fixture_db() {
	FIXTURE_DB=$BATS_FILE_TMPDIR/globins45
	[ -e "$FIXTURE_DB.pin" ] ||
		makeblastdb -in "$BATS_TEST_DIRNAME/../share/demo/globins45.fa" \
			-dbtype prot -out "$FIXTURE_DB" >/dev/null
}

# fixture_cert: a certificate and key for https://127.0.0.1, once per file.
fixture_cert() {
	FIXTURE_CERT=$BATS_FILE_TMPDIR/fixture-cert.pem
	FIXTURE_KEY=$BATS_FILE_TMPDIR/fixture-key.pem
	[ -s "$FIXTURE_CERT" ] ||
		openssl req -x509 -newkey rsa:2048 -nodes -days 2 \
			-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
			-keyout "$FIXTURE_KEY" -out "$FIXTURE_CERT" 2>/dev/null
}

teardown() {
	fixture_stop
	if declare -F local_teardown >/dev/null; then
		local_teardown
	fi
}
