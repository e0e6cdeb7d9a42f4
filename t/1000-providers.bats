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

# server ID SERVICE WEIGHT [EXTRA-XML]: one server element.
server() {
	printf '<server id="%s" name="server %s">%s<service name="%s" weight="%s"/>' \
		"$1" "$1" "${4:-}" "$2" "$3"
	printf '<parameters><parameter name="classname" required="true">local</parameter></parameters></server>\n'
}

@test "the example registry checks clean, and lists the paper's 30/50/20" {
	run -0 ct-providers -c "$REG" check
	assert_output "$REG: ok, 3 servers"
	run -0 ct-providers -c "$REG"
	assert_equal "${#lines[@]}" 3
	assert_line --index 0 "$(printf 'blastp\tlocal\t30\t30.0%%\t2\t1800\t5\t0\tenabled')"
	assert_line --index 1 "$(printf 'blastp\tncbi\t50\t50.0%%\t20\t3600\t60\t10\tenabled')"
	assert_line --index 2 "$(printf 'blastp\tebi\t20\t20.0%%\t30\t3600\t30\t0\tenabled')"
}

@test "CT_CONFIG names the registry; -c wins over it" {
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
	assert_line --index 0 "$(printf 'PROVIDER\tIN-FLIGHT\tCOMPLETED\tFAILED\tMEAN-TURNAROUND\tMEAN-RUN')"
	assert_line "$(printf 'local\t0\t2\t0\t0.0s\t-')"
	assert_line "$(printf 'ncbi\t1\t0\t2\t-\t-')"
	assert_line "$(printf 'ebi\t0\t1\t0\t100.0s\t10.0s')"
	assert_line "$(printf '(none yet)\t1\t-\t0\t-\t-')"
}

@test "stats: every server of the registry has its line, in its order; failures with no server in the last" {
	{ server a blastp 1; server b blastp 1; server c blastp 1; } | registry r
	mkjob -s failed -T c -T a -e 'no provider left' "$CT_SPOOL" f1
	mkjob -s failed -e 'no provider left: no server offers blastp' "$CT_SPOOL" f2
	mkjob -s processing -p gone "$CT_SPOOL" p1
	run -0 ct-providers -c r.xml stats
	assert_equal "${#lines[@]}" 6
	assert_line --index 1 "$(printf 'a\t0\t0\t1\t-\t-')"
	assert_line --index 2 "$(printf 'b\t0\t0\t0\t-\t-')"
	assert_line --index 3 "$(printf 'c\t0\t0\t1\t-\t-')"
	assert_line --index 4 "$(printf 'gone\t1\t0\t0\t-\t-')"
	assert_line --index 5 "$(printf '(none yet)\t0\t-\t1\t-\t-')"
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
	run -0 ct-providers -c "$BATS_TEST_DIRNAME/../share/providers.sge.xml" check
	assert_output --partial "ok, 2 servers"
	run -0 ct-providers -c "$BATS_TEST_DIRNAME/../share/providers.slurm.xml" check
	assert_output --partial "ok, 2 servers"
}
