#!/usr/bin/env bats
# make deb: a Debian package built from share/debian, clean under lintian,
# and, installed for real with dpkg, its postinst making the account and
# the modes of a shared spool; purged, it leaves the spool and account.

load helper

TOP="$BATS_TEST_DIRNAME/.."

setup_file() {
	make -C "$TOP" -s deb >"$BATS_FILE_TMPDIR/make.log" 2>&1 ||
		{ cat "$BATS_FILE_TMPDIR/make.log" >&2; return 1; }
	DEB=$(ls "$TOP"/build-deb/cputorrent_*.deb)
	export DEB
}

@test "make deb: lintian finds no error and no warning" {
	run lintian --fail-on error,warning "$DEB"
	assert_success
	refute_output --regexp '^[EW]: '
}

@test "the package: programs, wrappers, pages, conffiles where Debian has them; its libraries as dependencies" {
	run -0 dpkg-deb -c "$DEB"
	for f in usr/bin/ct-submit usr/bin/ct-dispatch usr/libexec/cputorrent/local \
		usr/share/man/man1/ct-submit.1.gz usr/share/man/man8/ct-dispatch.8.gz \
		etc/cputorrent/providers.xml etc/cron.d/cputorrent \
		lib/systemd/system/ct-dispatch.service usr/share/doc/cputorrent/copyright \
		usr/share/bash-completion/completions/ct-submit; do
		assert_line --regexp " \\./$f\$"
	done
	refute_output --partial /usr/local
	run -0 dpkg-deb -f "$DEB" Depends
	assert_output --regexp 'libpopt0.*libxml2.*adduser'
	run -0 dpkg-deb --ctrl-tarfile "$DEB"
	run -0 sh -c "dpkg-deb --info '$DEB' conffiles"
	assert_output "/etc/cputorrent/providers.xml
/etc/cron.d/cputorrent"
	# The cron file and the units run what the package installs.
	dpkg-deb -x "$DEB" x
	grep -q ' exec /usr/bin/ct-dispatch -s$' x/etc/cron.d/cputorrent
	grep -qx 'ExecStart=/usr/bin/ct-dispatch -f -s' x/lib/systemd/system/ct-dispatch.service
}

@test "installed with dpkg: the account, set-group-ID job commands, a shared spool, a registry for the dispatcher's group; purged, the spool and account stay" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to install a package"
	dpkg -s cputorrent >/dev/null 2>&1 && skip "cputorrent is installed on this host already"
	had_account=$(getent passwd cputorrent || true)
	had_group=$(getent group cputorrent || true)
	run dpkg -i "$DEB"
	installed=$status
	facts=$(stat -c '%a %U %G %n' /usr/bin/ct-submit /usr/bin/ct-dispatch \
		/var/spool/cputorrent /var/spool/cputorrent/new \
		/var/spool/cputorrent/work /etc/cputorrent/providers.xml 2>&1)
	account=$(getent passwd cputorrent | cut -d: -f6,7)
	# A job in the spool: a purge must not take it.
	printf '>q\nMKV\n' >q.fa
	job=$(env -u CT_SPOOL /usr/bin/ct-submit q.fa 2>&1 || true)
	dpkg --purge cputorrent >/dev/null 2>&1 || true
	after="$(test -d /var/spool/cputorrent && echo spool || true) $(test -e /usr/bin/ct-submit && echo programs || true)"
	overrides=$(dpkg-statoverride --list /usr/bin/ct-submit || true)
	[ -n "$had_account" ] || userdel cputorrent 2>/dev/null || true
	[ -n "$had_group" ] || groupdel cputorrent 2>/dev/null || true
	[ -n "$had_account" ] || rm -rf /var/spool/cputorrent
	[ "$installed" -eq 0 ] || fail "dpkg -i: $output"
	assert_equal "$facts" "2755 root cputorrent /usr/bin/ct-submit
755 root root /usr/bin/ct-dispatch
2770 root cputorrent /var/spool/cputorrent
2770 root cputorrent /var/spool/cputorrent/new
700 cputorrent cputorrent /var/spool/cputorrent/work
640 root cputorrent /etc/cputorrent/providers.xml"
	assert_equal "$account" "/var/spool/cputorrent:/usr/sbin/nologin"
	[[ $job =~ ^[0-9]{8}- ]] || fail "ct-submit as installed: $job"
	assert_equal "$after" "spool "
	assert_equal "$overrides" ""
}
