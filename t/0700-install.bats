#!/usr/bin/env bats
# make install: where things go, and the modes that make a shared spool
# safe (cputorrent-spool(5), INSTALL MODES).

load helper

TOP="$BATS_TEST_DIRNAME/.."

# A build of its own: install rebuilds with the paths it is given, and the
# build under test must keep its own.
install_into() {
	make -C "$TOP" -s install DESTDIR="$BATS_TEST_TMPDIR/root" \
		BUILD="$BATS_TEST_TMPDIR/build" "$@" >/dev/null
}

@test "install honours DESTDIR, PREFIX and localstatedir, private mode" {
	run install_into PREFIX=/opt/ct localstatedir=/srv SPOOL_GROUP=
	assert_success
	root=$BATS_TEST_TMPDIR/root
	for p in ct-submit ct-status ct-fetch ct-wait; do
		[ -x "$root/opt/ct/bin/$p" ]
		[ "$(stat -c %a "$root/opt/ct/bin/$p")" = 755 ]
		[ -f "$root/opt/ct/share/man/man1/$p.1" ]
	done
	[ -f "$root/opt/ct/share/man/man5/cputorrent-spool.5" ]
	[ -f "$root/opt/ct/share/cputorrent/demo/globins45.fa" ]
	# ct-fetch -f's converter, where ct-fetch looks for it.
	[ -x "$root/opt/ct/libexec/cputorrent/blastfmt" ]
	[ -f "$root/opt/ct/share/man/man8/cputorrent-blastfmt.8" ]
	strings "$root/opt/ct/bin/ct-fetch" | grep -qx /opt/ct/libexec/cputorrent
	for d in "" /tmp /new /processing /completed /failed /results; do
		[ "$(stat -c %a "$root/srv/spool/cputorrent$d")" = 700 ]
	done
}

@test "install with a group: setgid programs and a spool closed to others" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to create a group and chown"
	command -v groupadd >/dev/null || skip "groupadd is missing"
	g=ctinst$$
	groupadd -r "$g"
	run install_into PREFIX=/usr SPOOL_GROUP="$g"
	status_install=$status
	root=$BATS_TEST_TMPDIR/root
	modes=$(stat -c '%a %U %G' "$root/usr/bin/ct-submit" \
		"$root/var/spool/cputorrent" "$root/var/spool/cputorrent/new")
	groupdel "$g"
	[ "$status_install" -eq 0 ]
	assert_equal "$modes" "2755 root $g
2770 root $g
2770 root $g"
}

@test "the spool made by install works, and jobs land in it" {
	run install_into PREFIX=/usr SPOOL_GROUP=
	assert_success
	fasta q "$PROTEIN"
	run "$BATS_TEST_TMPDIR/root/usr/bin/ct-submit" \
		-S "$BATS_TEST_TMPDIR/root/var/spool/cputorrent" q.fa
	assert_success
	[ -f "$BATS_TEST_TMPDIR/root/var/spool/cputorrent/new/$output" ]
}
