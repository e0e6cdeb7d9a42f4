#!/usr/bin/env bats
# The registry (providers.xml(5)) and ct-providers: reading it, showing it,
# and refusing broken or hostile files with FILE:LINE.

load helper

REG="$BATS_TEST_DIRNAME/../share/providers.xml"
BAD="$BATS_TEST_DIRNAME/data/registry"

# registry NAME: write a registry NAME.xml from the servers on stdin.
registry() {
	{
		printf '<?xml version="1.0"?>\n<registry version="1">\n'
		cat
		printf '</registry>\n'
	} >"$1.xml"
}

# stub_wrappers NAME...: $CT_WRAPPER_DIR, a private wrapper directory
# whose wrappers NAME find nothing wrong at check, so that what a test
# sees of check is the registry's own checks.
stub_wrappers() {
	export CT_WRAPPER_DIR="$BATS_TEST_TMPDIR/stubs"
	mkdir -p "$CT_WRAPPER_DIR"
	for w; do
		printf '#!/bin/sh\n[ "$1" = check ] || exit 64\n' >"$CT_WRAPPER_DIR/$w"
		chmod +x "$CT_WRAPPER_DIR/$w"
	done
}

# real_wrappers: $CT_WRAPPER_DIR, a private wrapper directory with the
# wrappers of the build under test, and t/wrappers/instant, which knows
# no check verb.
real_wrappers() {
	export CT_WRAPPER_DIR="$BATS_TEST_TMPDIR/wrappers"
	mkdir -p "$CT_WRAPPER_DIR"
	ln -s "$CT_BUILD"/providers/* "$T/wrappers/instant" "$CT_WRAPPER_DIR/"
}

# server ID SERVICE WEIGHT [EXTRA-XML]: one server element.
server() {
	printf '<server id="%s" name="server %s">%s<service name="%s" weight="%s"/>' \
		"$1" "$1" "${4:-}" "$2" "$3"
	printf '<parameters><parameter name="classname" required="true">local</parameter></parameters></server>\n'
}

@test "the example registry checks clean, and lists the paper's 30/50/20" {
	stub_wrappers local ncbi ebi
	run -0 ct-providers -c "$REG" check
	assert_output "$REG: ok, 3 servers"
	run -0 ct-providers -c "$REG"
	assert_equal "${#lines[@]}" 3
	assert_line --index 0 "$(printf 'blastp\tlocal\t30\t30.0%%\t2\t1800\t5\t0\tenabled')"
	assert_line --index 1 "$(printf 'blastp\tncbi\t50\t50.0%%\t20\t3600\t60\t10\tenabled')"
	assert_line --index 2 "$(printf 'blastp\tebi\t20\t20.0%%\t30\t3600\t30\t0\tenabled')"
}

@test "CT_CONFIG names the registry; -c wins over it" {
	stub_wrappers local ncbi ebi
	CT_CONFIG="$REG" run -0 ct-providers check
	assert_output "$REG: ok, 3 servers"
	server x blastn 1 | registry other
	CT_CONFIG="$REG" run -0 ct-providers -c other.xml check
	assert_output "other.xml: ok, 1 server"
}

@test "defaults fill what a server leaves out; shares count enabled servers only" {
	{
		server a blastn 3
		server b blastn 1 '<limits max-jobs="5"/>'
		printf '<server id="c" name="off" enabled="false"><service name="blastn" weight="4"/><parameters><parameter name="classname">local</parameter></parameters></server>\n'
	} | registry r
	run -0 ct-providers -c r.xml servers blastn
	assert_line --index 0 "$(printf 'blastn\ta\t3\t75.0%%\t10\t1800\t30\t0\tenabled')"
	assert_line --index 1 "$(printf 'blastn\tb\t1\t25.0%%\t5\t1800\t30\t0\tenabled')"
	assert_line --index 2 "$(printf 'blastn\tc\t4\t0.0%%\t10\t1800\t30\t0\tdisabled')"
}

@test "servers: an unknown service is not found (4)" {
	run -4 --separate-stderr ct-providers -c "$REG" servers blastx
	assert_equal "$stderr" "ct-providers: $REG: no server offers service 'blastx'"
}

@test "show: every parameter, secrets hidden; an unknown server is 4" {
	printf '%s\n' '<server id="n" name="NCBI"><limits poll-interval="60"/><service name="blastp" weight="1"/>' \
		'<parameters><parameter name="classname" required="true">ncbi</parameter>' \
		'<parameter name="api-key" secret="true">s3cr3t-value</parameter>' \
		'<parameter name="tool">cputorrent</parameter></parameters></server>' |
		registry r
	run -0 ct-providers -c r.xml show n
	assert_line "wrapper           ncbi"
	assert_line "poll-interval     60 s"
	assert_line "breaker           50% of 10 attempts, 3 timeouts in a row; cool-down 300 s"
	refute_line --partial "window"
	assert_line "parameter         api-key = (secret)"
	assert_line "parameter         tool = cputorrent"
	assert_line "parameter         classname (required) = ncbi"
	refute_output --partial s3cr3t
	run -4 --separate-stderr ct-providers -c r.xml show nosuch
	assert_equal "$stderr" "ct-providers: r.xml: no server 'nosuch'"
}

@test "check: what a schema cannot say, each as FILE:LINE" {
	f=$BAD/semantics.xml
	run -78 --separate-stderr ct-providers -c "$f" check
	assert_equal "$output" ""
	assert_equal "$stderr" "ct-providers: $f:4: server 'a': unknown service 'blastz'
ct-providers: $f:5: server 'a': required parameter 'command' is empty
ct-providers: $f:2: server 'a' has no 'classname' parameter naming its wrapper
ct-providers: $f:7: server id 'a' is already used on line 2
ct-providers: $f:7: server 'a': classname '../../bin/sh' is not a wrapper name
ct-providers: $f: 5 problems"
}

@test "check: schema violations name the line" {
	printf '<registry version="1">\n<server id="a" name="x">\n<limits max-jobs="many"/>\n<service name="blastp" weight="1"/>\n<parameters><parameter name="classname">local</parameter></parameters>\n</server>\n</registry>\n' >s.xml
	run -78 --separate-stderr ct-providers -c s.xml check
	assert_equal "$stderr" "ct-providers: s.xml:3: Invalid attribute max-jobs for element limits
ct-providers: s.xml: 1 problem"
	for bad in 'weight="-1"' 'weight="1000001"' 'weight="x"'; do
		printf '<registry version="1"><server id="a" name="x"><service name="blastp" %s/><parameters><parameter name="classname">local</parameter></parameters></server></registry>\n' "$bad" >w.xml
		run -78 ct-providers -c w.xml check
	done
	printf '<registry version="2"/>\n' >v.xml
	run -78 ct-providers -c v.xml check
	printf '<registry version="1"><server id="../x" name="x"><service name="blastp" weight="1"/><parameters><parameter name="classname">local</parameter></parameters></server></registry>\n' >i.xml
	run -78 ct-providers -c i.xml check
}

@test "check: the spool's limits on <defaults>, within their ranges, in bytes or k, M, G" {
	stub_wrappers local
	good='<defaults max-input="512M" max-options="256" max-option-size="4096" min-free="0" user-jobs="0" user-bytes="10G"/>'
	server a blastp 1 | registry ok
	sed -i "2a $good" ok.xml
	run -0 ct-providers -c ok.xml check
	for bad in 'max-input="0"' 'max-input="513M"' 'max-input="1T"' \
	    'max-options="257"' 'max-options="-1"' 'max-option-size="0"' \
	    'max-option-size="4097"' 'min-free="1x"' 'user-jobs="many"' \
	    'user-bytes="9999999999999G"'; do
		server a blastp 1 | registry bad
		sed -i "2a <defaults $bad/>" bad.xml
		run -78 --separate-stderr ct-providers -c bad.xml check
		[[ $stderr == "ct-providers: bad.xml:3: "* ]] ||
			fail "$bad: $stderr"
	done
	printf '<registry version="1">\n<defaults max-input="0"/>\n</registry>\n' >z.xml
	run -78 --separate-stderr ct-providers -c z.xml check
	assert_equal "$stderr" "ct-providers: z.xml:2: max-input must be from 1 to 536870912 bytes
ct-providers: z.xml: 1 problem"
}

@test "check: malformed XML, truncated, empty, huge, not a file, missing" {
	printf '<registry version="1"><server id="a"' >t.xml
	run -78 --separate-stderr ct-providers -c t.xml check
	[[ "${stderr_lines[0]}" == "ct-providers: t.xml:1: "* ]] || fail "$stderr"
	: >empty.xml
	run -78 ct-providers -c empty.xml check
	head -c 2000000 /dev/zero | tr '\0' ' ' >huge.xml
	run -66 --separate-stderr ct-providers -c huge.xml check
	assert_equal "$stderr" "ct-providers: huge.xml: larger than 1048576 bytes: not a registry"
	run -66 --separate-stderr ct-providers -c . check
	assert_equal "$stderr" "ct-providers: .: not a regular file"
	run -66 --separate-stderr ct-providers -c nosuch.xml check
	assert_equal "$stderr" "ct-providers: cannot open registry nosuch.xml: No such file or directory"
}

# hostile NAME: check the file under strace; it must be refused, and no
# file but the registry itself, and no socket, may be opened.
hostile() {
	command -v strace >/dev/null || skip "strace is missing"
	no_leak_check
	run -78 --separate-stderr strace -f -qq -o trace -e trace=openat,connect,socket \
		ct-providers -c "$BAD/$1" check
	refute_output --partial root:
	run grep -E 'passwd|connect|socket|evil' trace
	assert_failure
}

@test "hostile: an external entity (XXE) is neither loaded nor shown" {
	hostile xxe.xml
}

@test "hostile: billion laughs is refused at once" {
	hostile laughs.xml
}

@test "hostile: an external parameter entity and an external DTD are not fetched" {
	hostile pe.xml
	hostile external-dtd.xml
}

@test "hostile: XInclude is not processed" {
	hostile xinclude.xml
}

@test "a DTD of any kind is refused, with its line" {
	printf '<?xml version="1.0"?>\n<!DOCTYPE registry>\n<registry version="1"/>\n' >d.xml
	run -78 --separate-stderr ct-providers -c d.xml check
	assert_equal "$stderr" "ct-providers: d.xml:2: a DTD is not allowed in the registry
ct-providers: d.xml: 1 problem"
}

@test "stats: per provider in flight, completed, failed, mean turnaround and run time" {
	printf 'x\n' >r
	local t=$(($(date +%s) - 1000))
	mkjob -s completed -p local -r r "$CT_SPOOL" c1
	mkjob -s completed -p local -r r "$CT_SPOOL" c2
	mkjob -s failed -p ncbi "$CT_SPOOL" f1
	mkjob -s processing -p ncbi "$CT_SPOOL" p1
	mkjob "$CT_SPOOL" n1
	# Waited 60 s for a server, 30 s on ncbi, which failed it, then 10 s
	# on ebi: a turnaround of 100 s, a run of 10 s.
	mkjob -s completed -p ebi -T ncbi -t $t -a $((t + 90)) -w $((t + 100)) \
		-r r "$CT_SPOOL" e1
	run -0 ct-providers -c /nonexistent stats
	assert_line --index 0 "$(printf 'PROVIDER\tIN-FLIGHT\tCOMPLETED\tFAILED\tMEAN-TURNAROUND\tMEAN-RUN\tSUCCESS\tRUN-P50\tRUN-P90\tFIRST-ANSWER\tTRANSIENT\tLAST-ANSWER\tBREAKER\tHEDGES')"
	assert_line "$(printf 'local\t0\t2\t0\t0.0s\t-\t-\t-\t-\t-\t-\t-\tclosed\t0')"
	assert_line "$(printf 'ncbi\t1\t0\t2\t-\t-\t-\t-\t-\t-\t-\t-\tclosed\t0')"
	assert_line "$(printf 'ebi\t0\t1\t0\t100.0s\t10.0s\t-\t-\t-\t-\t-\t-\tclosed\t0')"
	assert_line "$(printf '(none yet)\t1\t-\t0\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-')"
}

@test "stats: every server of the registry has its line, in its order; failures with no server in the last" {
	{ server a blastp 1; server b blastp 1; server c blastp 1; } | registry r
	mkjob -s failed -T c -T a -e 'no provider left' "$CT_SPOOL" f1
	mkjob -s failed -e 'no provider left: no server offers blastp' "$CT_SPOOL" f2
	mkjob -s processing -p gone "$CT_SPOOL" p1
	run -0 ct-providers -c r.xml stats
	assert_equal "${#lines[@]}" 6
	assert_line --index 1 "$(printf 'a\t0\t0\t1\t-\t-\t-\t-\t-\t-\t-\t-\tclosed\t0')"
	assert_line --index 2 "$(printf 'b\t0\t0\t0\t-\t-\t-\t-\t-\t-\t-\t-\tclosed\t0')"
	assert_line --index 3 "$(printf 'c\t0\t0\t1\t-\t-\t-\t-\t-\t-\t-\t-\tclosed\t0')"
	assert_line --index 4 "$(printf 'gone\t1\t0\t0\t-\t-\t-\t-\t-\t-\t-\t-\tclosed\t0')"
	assert_line --index 5 "$(printf '(none yet)\t0\t-\t1\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-')"
}

@test "stats on a spool that does not exist: 69, 'no spool at', and nothing made" {
	run -69 --separate-stderr ct-providers -S "$BATS_TEST_TMPDIR/none" stats
	assert_equal "$output" ""
	assert_equal "$stderr" "ct-providers: no spool at $BATS_TEST_TMPDIR/none: No such file or directory"
	[ ! -e "$BATS_TEST_TMPDIR/none" ]
}

@test "disable and enable: durable in the spool, shown by list and show, and idempotent" {
	{ server a blastn 3; server b blastn 1; } | registry r
	mkdir "$CT_SPOOL"
	run -0 --separate-stderr ct-providers -c r.xml disable a new disks, back at 14:00
	assert_equal "$output$stderr" ""
	run -0 cat "$CT_SPOOL/state/disabled.a"
	assert_output --regexp "^$(id -u) [0-9]+\.[0-9]{6} new disks, back at 14:00\$"
	run -0 ct-providers -c r.xml servers blastn
	assert_line --index 0 "$(printf 'blastn\ta\t3\t0.0%%\t10\t1800\t30\t0\tdisabled')"
	assert_line --index 1 "$(printf 'blastn\tb\t1\t100.0%%\t10\t1800\t30\t0\tenabled')"
	run -0 ct-providers -c r.xml show a
	assert_line --index 2 "state             disabled"
	assert_line --index 3 --regexp "^disabled          since [0-9-]+ [0-9:]+ by $(id -un): new disks, back at 14:00\$"
	# Again: the reason is replaced; none is fine too.
	run -0 ct-providers -c r.xml disable a
	run -0 ct-providers -c r.xml show a
	assert_line --index 3 --regexp "^disabled          since [0-9-]+ [0-9:]+ by $(id -un)\$"
	run -0 --separate-stderr ct-providers -c r.xml enable a
	assert_equal "$output$stderr" ""
	[ ! -e "$CT_SPOOL/state/disabled.a" ]
	run -0 ct-providers -c r.xml show a
	assert_line --index 2 "state             enabled"
	refute_line --partial "disabled "
	run -0 --separate-stderr ct-providers -c r.xml enable a
	assert_equal "$output$stderr" ""
}

@test "disable and enable refuse what they cannot do: unknown server 4, no spool 69, a reason of two lines 64, no right 77" {
	printf '<server id="off" name="off" enabled="false"><service name="blastn" weight="1"/><parameters><parameter name="classname">local</parameter></parameters></server>\n' |
		registry r
	run -69 --separate-stderr ct-providers -c r.xml disable off
	assert_equal "$stderr" "ct-providers: no spool at $CT_SPOOL: No such file or directory"
	[ ! -e "$CT_SPOOL" ]
	mkdir "$CT_SPOOL"
	run -4 --separate-stderr ct-providers -c r.xml disable nosuch
	assert_equal "$stderr" "ct-providers: r.xml: no server 'nosuch'"
	run -64 --separate-stderr ct-providers -c r.xml disable off "$(printf 'two\nlines')"
	assert_equal "${stderr_lines[0]}" "ct-providers: a reason is one line of at most 200 bytes"
	run -64 ct-providers -c r.xml disable off "$(printf '%0201d' 0)"
	run -64 ct-providers -c r.xml enable
	run -64 ct-providers -c r.xml enable off extra
	[ ! -e "$CT_SPOOL/state" ]
	# Enabled in the spool, but the registry still disables it: said.
	run -0 ct-providers -c r.xml disable off
	run -0 --separate-stderr ct-providers -c r.xml enable off
	assert_equal "$stderr" "ct-providers: off: still disabled by r.xml:3 (enabled=\"false\")"
	# Someone who may read the spool but not write its state/: 77.
	if [ "$(id -u)" = 0 ]; then
		open=$(mktemp -d /tmp/ct-1000.XXXXXX)
		cp r.xml "$open/"
		mkdir -p "$open/spool/state"
		chmod -R a+rX "$open"
		run -77 --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups \
			ct-providers -c "$open/r.xml" -S "$open/spool" disable off
		rm -rf "$open"
		assert_equal "$stderr" "ct-providers: cannot disable off: $open/spool/state/disabled.off: Permission denied"
	fi
}

@test "usage errors" {
	run -64 --separate-stderr ct-providers frobnicate
	assert_equal "${stderr_lines[0]}" "ct-providers: frobnicate: unknown command"
	run -64 ct-providers show
	run -64 ct-providers servers a b
	run -64 ct-providers check extra
	run -64 ct-providers disable
}

@test "ct-providers links libxml2 and not libcurl" {
	run ldd "$CT_BUILD/bin/ct-providers"
	assert_output --partial libxml2
	refute_output --partial libcurl
}

@test "the cluster example registries (Grid Engine, Slurm) check clean" {
	stub_wrappers sge slurm local
	run -0 ct-providers -c "$BATS_TEST_DIRNAME/../share/providers.sge.xml" check
	assert_output --partial "ok, 2 servers"
	run -0 ct-providers -c "$BATS_TEST_DIRNAME/../share/providers.slurm.xml" check
	assert_output --partial "ok, 2 servers"
}

# The finding of issue 17: a broken provider was invisible to check.
@test "check: each server's wrapper and its own check; every problem at its FILE:LINE, exit 78" {
	real_wrappers
	cat >r.xml <<EOF
<?xml version="1.0"?>
<registry version="1">
<server id="nowrapper" name="a classname with no wrapper">
  <service name="blastp" weight="1"/>
  <parameters><parameter name="classname">nosuch</parameter></parameters>
</server>
<server id="here" name="BLAST+ here">
  <service name="blastp" weight="1"/>
  <parameters>
    <parameter name="classname">local</parameter>
    <parameter name="command">blastpp -query {input}
      -db {database} -outfmt 5 -out {output}</parameter>
    <parameter name="database.sw-prot">$PWD/nosuch/swissprot</parameter>
  </parameters>
</server>
<server id="ncbi" name="NCBI">
  <service name="blastp" weight="1"/>
  <parameters>
    <parameter name="classname">ncbi</parameter>
    <parameter name="url">blast.ncbi.nlm.nih.gov/Blast.cgi</parameter>
    <parameter name="email">blast-admin@cputorrent.test</parameter>
    <parameter name="tool">cpu torrent</parameter>
  </parameters>
</server>
<server id="ebi" name="EBI">
  <service name="blastp" weight="1"/>
  <parameters>
    <parameter name="classname">ebi</parameter>
    <parameter name="url">https://www.ebi.ac.uk/Tools/services/rest/ncbiblast</parameter>
    <parameter name="email">blast-admin@example.org</parameter>
  </parameters>
</server>
</registry>
EOF
	run -78 --separate-stderr ct-providers -c r.xml check
	assert_output ""
	stderr_line --index 0 "ct-providers: r.xml:3: server 'nowrapper': no wrapper nosuch in $CT_WRAPPER_DIR"
	stderr_line --index 1 "ct-providers: r.xml:11: server 'here': local: parameter command: blastpp: no executable of that name in PATH (/usr/local/bin:/usr/bin:/bin)"
	stderr_line --index 2 "ct-providers: r.xml:13: server 'here': local: parameter database.sw-prot: $PWD/nosuch/swissprot: no BLAST database there (no $PWD/nosuch/swissprot.pal, .pin, .nal or .nin)"
	stderr_line --index 3 "ct-providers: r.xml:20: server 'ncbi': ncbi: parameter url: not an http:// or https:// URL"
	stderr_line --index 4 "ct-providers: r.xml:22: server 'ncbi': ncbi: parameter tool: 1 to 64 of A-Z a-z 0-9 . _ -"
	stderr_line --index 5 "ct-providers: r.xml:30: server 'ebi': ebi: parameter email: a placeholder (example.com and the like): put yours"
	stderr_line --index 6 "ct-providers: r.xml: 6 problems"
	assert_equal "${#stderr_lines[@]}" 7
	# The same servers, mended, check clean; nothing is left in /tmp.
	mkdir db
	touch db/swissprot.pin
	sed -i -e 's/blastpp/cat/' -e "s|$PWD/nosuch|$PWD/db|" \
		-e 's|>blast.ncbi|>https://blast.ncbi|' -e 's/cpu torrent/cputorrent/' \
		-e 's/example.org/cputorrent.test/' -e '/nowrapper/,/<\/server>/d' r.xml
	before=$(ls /tmp | grep -c '^ct-check\.' || true)
	run -0 --separate-stderr ct-providers -c r.xml check
	assert_output "r.xml: ok, 3 servers"
	assert_equal "$stderr" ""
	assert_equal "$(ls /tmp | grep -c '^ct-check\.' || true)" "$before"
}

@test "check: a wrapper without a check verb cannot be checked, and a disabled server's problems are told, neither failing the check" {
	real_wrappers
	{
		printf '<server id="old" name="old"><service name="blastp" weight="1"/><parameters><parameter name="classname">instant</parameter></parameters></server>\n'
		printf '<server id="off" name="off" enabled="false"><service name="blastp" weight="1"/><parameters><parameter name="classname">local</parameter><parameter name="command">/nonexistent/blastp</parameter></parameters></server>\n'
		printf '<server id="held" name="held"><service name="blastp" weight="1"/><parameters><parameter name="classname">nosuch</parameter></parameters></server>\n'
	} | registry r
	mkdir "$CT_SPOOL"
	ct-providers -c r.xml disable held new disks
	run -0 --separate-stderr ct-providers -c r.xml check
	assert_output "r.xml: ok, 3 servers"
	stderr_line --index 0 "ct-providers: r.xml:3: server 'old': wrapper instant cannot be checked: it knows no check verb"
	stderr_line --index 1 "ct-providers: r.xml:4: server 'off' (disabled): local: parameter command: /nonexistent/blastp: not an executable file"
	stderr_line --index 2 "ct-providers: r.xml:5: server 'held' (disabled): no wrapper nosuch in $CT_WRAPPER_DIR"
	assert_equal "${#stderr_lines[@]}" 3
	# Once it is back in service, its problem is the check's.
	ct-providers -c r.xml enable held
	run -78 --separate-stderr ct-providers -c r.xml check
	stderr_line "ct-providers: r.xml:5: server 'held': no wrapper nosuch in $CT_WRAPPER_DIR"
	stderr_line "ct-providers: r.xml: 1 problem"
}

@test "check: a wrapper that is not executable, or whose check fails, is a problem of its server" {
	stub_wrappers
	printf '#!/bin/sh\necho "broken: no config" >&2\nexit 1\n' >"$CT_WRAPPER_DIR/broken"
	chmod +x "$CT_WRAPPER_DIR/broken"
	printf '#!/bin/sh\nexit 0\n' >"$CT_WRAPPER_DIR/plain"
	printf '#!/bin/sh\nexit 78\n' >"$CT_WRAPPER_DIR/mute"
	chmod +x "$CT_WRAPPER_DIR/mute"
	mkdir "$CT_WRAPPER_DIR/dir"
	for w in broken plain mute dir; do
		printf '<server id="%s" name="%s"><service name="blastp" weight="1"/><parameters><parameter name="classname">%s</parameter></parameters></server>\n' "$w" "$w" "$w"
	done | registry r
	run -78 --separate-stderr ct-providers -c r.xml check
	stderr_line --index 0 "ct-providers: r.xml:3: server 'broken': broken check exit 1: broken: no config"
	stderr_line --index 1 "ct-providers: r.xml:4: server 'plain': wrapper $CT_WRAPPER_DIR/plain is not an executable file"
	stderr_line --index 2 "ct-providers: r.xml:5: server 'mute': mute check exit 78 without saying what is wrong"
	stderr_line --index 3 "ct-providers: r.xml:6: server 'dir': wrapper $CT_WRAPPER_DIR/dir is not an executable file"
	stderr_line --index 4 "ct-providers: r.xml: 4 problems"
	# A wrapper directory that is not there fails every server.
	CT_WRAPPER_DIR=$PWD/nowhere run -78 --separate-stderr ct-providers -c r.xml check
	stderr_line --index 0 "ct-providers: r.xml:3: server 'broken': wrapper directory $PWD/nowhere: No such file or directory"
	stderr_line --index 4 "ct-providers: r.xml: 4 problems"
}

@test "check: the example registry, with the real wrappers, is refused until its placeholders are replaced" {
	real_wrappers
	run -78 --separate-stderr ct-providers -c "$REG" check
	stderr_line --regexp "^ct-providers: $REG:29: server 'ncbi': ncbi: parameter email: a placeholder "
	stderr_line --regexp "^ct-providers: $REG:44: server 'ebi': ebi: parameter email: a placeholder "
}

@test "check: sge and slurm find their scheduler's tools in bin-dir, the command's program in the script's path, and each database" {
	real_wrappers
	mkdir shared bin db
	touch db/nt.nal
	for t in qsub qstat qacct qdel sbatch squeue scontrol; do
		printf '#!/bin/sh\nexit 0\n' >"bin/$t"
		chmod +x "bin/$t"
	done
	{
		server sge blastn 1 | sed "s|<parameter name=\"classname\" required=\"true\">local</parameter>|<parameter name=\"classname\">sge</parameter><parameter name=\"shared-dir\">$PWD/shared</parameter><parameter name=\"bin-dir\">$PWD/bin</parameter><parameter name=\"command\">blastn -db {database}</parameter><parameter name=\"database\">$PWD/db/nt</parameter>|"
		server slurm blastn 1 | sed "s|<parameter name=\"classname\" required=\"true\">local</parameter>|<parameter name=\"classname\">slurm</parameter><parameter name=\"shared-dir\">$PWD/nosuch</parameter><parameter name=\"bin-dir\">$PWD/bin</parameter><parameter name=\"path\">$PWD/bin</parameter><parameter name=\"command\">blastn -db {database}</parameter><parameter name=\"database.nt\">$PWD/db/nr</parameter>|"
	} | registry r
	run -78 --separate-stderr ct-providers -c r.xml check
	stderr_line --index 0 "ct-providers: r.xml:4: server 'slurm': slurm: parameter shared-dir: $PWD/nosuch is not a directory"
	stderr_line --index 1 "ct-providers: r.xml:4: server 'slurm': slurm: parameter bin-dir: $PWD/bin/scancel: No such file or directory"
	stderr_line --index 2 "ct-providers: r.xml:4: server 'slurm': slurm: parameter command: blastn: no executable of that name in PATH ($PWD/bin)"
	stderr_line --index 3 "ct-providers: r.xml:4: server 'slurm': slurm: parameter database.nt: $PWD/db/nr: no BLAST database there (no $PWD/db/nr.pal, .pin, .nal or .nin)"
	stderr_line --index 4 "ct-providers: r.xml: 4 problems"
}

@test "check warns of a secret in a registry every user may read, and says ok" {
	{
		printf '<server id="a" name="a"><service name="blastp" weight="1"/><parameters>'
		printf '<parameter name="classname">instant</parameter>'
		printf '<parameter name="api-key" secret="true">s3cr3t</parameter>'
		printf '</parameters></server>\n'
	} | registry r
	export CT_WRAPPER_DIR=$BATS_TEST_DIRNAME/wrappers
	chmod 0644 r.xml
	run -0 --separate-stderr ct-providers -c r.xml check
	assert_equal "${stderr_lines[-1]}" "ct-providers: r.xml:3: warning: parameter 'api-key' of server 'a' is secret, and every user may read the registry (mode 0644): chmod o-r it"
	assert_output "r.xml: ok, 1 server"
	chmod 0640 r.xml
	run -0 --separate-stderr ct-providers -c r.xml check
	[[ $stderr != *warning* ]]
}

@test "check as root runs each wrapper's check as the account a root dispatcher runs it as: a database only root can read is a problem" {
	[ "$(id -u)" -eq 0 ] || skip "the check runs as the caller when it is not root"
	real_wrappers
	mkdir -m 755 db
	touch db/swissprot.pin
	cat >r.xml <<EOF2
<?xml version="1.0"?>
<registry version="1">
<server id="here" name="BLAST+ here">
  <service name="blastp" weight="1"/>
  <parameters>
    <parameter name="classname">local</parameter>
    <parameter name="command">cat {input}</parameter>
    <parameter name="database.sw-prot">$PWD/db/swissprot</parameter>
  </parameters>
</server>
</registry>
EOF2
	run -0 ct-providers -c r.xml check
	assert_output "r.xml: ok, 1 server"
	# Root reads it still; the account cannot.
	chmod 700 db
	run -78 --separate-stderr ct-providers -c r.xml check
	assert_equal "${stderr_lines[0]}" "ct-providers: r.xml:8: server 'here': local: parameter database.sw-prot: $PWD/db/swissprot: the BLAST database cannot be read by this user"
	# An account that does not exist is the registry's problem.
	chmod 755 db
	sed -i 's|<registry version="1">|&<defaults run-as="ct-nosuch-'$$'"/>|' r.xml
	run -78 --separate-stderr ct-providers -c r.xml check
	assert_equal "${stderr_lines[0]}" "ct-providers: r.xml: running as root, wrappers run as ct-nosuch-$$: account ct-nosuch-$$: no such account (make install makes it; or name another with run-as on the registry's defaults)"
}
