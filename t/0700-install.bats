#!/usr/bin/env bats
# make install: where things go, and the modes that make a shared spool
# safe (cputorrent-spool(5), INSTALL MODES).

load helper

TOP="$BATS_TEST_DIRNAME/.."

# Accounts a test made on the host go, whatever became of the test.
local_teardown() {
	[ -z "${TEARDOWN:-}" ] || eval "$TEARDOWN" 2>/dev/null || true
}

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
	# Where bash-completion looks, below the prefix (XDG_DATA_DIRS).
	for p in $(cd "$root/opt/ct/bin" && echo ct-*); do
		[ -f "$root/opt/ct/share/bash-completion/completions/$p" ] ||
			fail "no completion for $p"
		grep -q "^complete -F _ct_complete $p\$" \
			"$root/opt/ct/share/bash-completion/completions/$p"
	done
	[ -f "$root/opt/ct/share/man/man5/cputorrent-spool.5" ]
	[ -x "$root/opt/ct/bin/ct-report" ]
	[ -f "$root/opt/ct/share/man/man8/ct-report.8" ]
	[ -f "$root/opt/ct/share/cputorrent/demo/globins45.fa" ]
	# ct-fetch -f's converter, where ct-fetch looks for it.
	[ -x "$root/opt/ct/libexec/cputorrent/blastfmt" ]
	[ -f "$root/opt/ct/share/man/man8/cputorrent-blastfmt.8" ]
	strings "$root/opt/ct/bin/ct-fetch" | grep -qx /opt/ct/libexec/cputorrent
	for d in "" /tmp /new /processing /completed /failed /results \
	    /state/users; do
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
		"$root/var/spool/cputorrent" "$root/var/spool/cputorrent/new" \
		"$root/var/spool/cputorrent/state/users")
	groupdel "$g"
	[ "$status_install" -eq 0 ]
	assert_equal "$modes" "2755 root $g
2770 root $g
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

# verify_units ROOT PREFIX: systemd-analyze verify every installed unit
# as the host would see it once installed, in a mount namespace of its
# own where the installed bindir is laid over the host's (nothing of the
# host changes).
verify_units() {
	local root=$1 prefix=$2
	unshare -m sh -eu -c '
		root=$1 prefix=$2
		if [ -d "$prefix/bin" ]; then
			mount -t overlay overlay \
				-o "lowerdir=$root$prefix/bin:$prefix/bin" "$prefix/bin"
		else
			mount -t tmpfs tmpfs /opt
			mkdir -p "$prefix"
			mount --bind "$root$prefix" "$prefix"
		fi
		for u in "$root$prefix"/share/cputorrent/systemd/*; do
			systemd-analyze verify --man=no "$u"
		done' sh "$root" "$prefix"
}

@test "install under PREFIX=/usr and PREFIX=/opt/ct: cron, units and pages name the paths installed, and the units verify" {
	[ "$(id -u)" -eq 0 ] || skip "needs root for a mount namespace"
	command -v systemd-analyze >/dev/null || skip "systemd-analyze is missing"
	root=$BATS_TEST_TMPDIR/root
	for prefix in /usr /opt/ct; do
		rm -rf "$root"
		run install_into PREFIX=$prefix SPOOL_GROUP= sysconfdir=/etc/ct \
			localstatedir=/srv
		assert_success
		share=$root$prefix/share/cputorrent
		run grep -rl -e /usr/local -e /etc/cputorrent -e /var/spool/cputorrent \
			"$share/cron.d" "$share/systemd" "$root$prefix/share/man"
		assert_output ""
		run grep -h '^ExecStart=' "$share"/systemd/ct-dispatch*.service
		assert_output "ExecStart=$prefix/bin/ct-dispatch -s
ExecStart=$prefix/bin/ct-dispatch -f -s"
		run grep -h '^ExecStart=' "$share"/systemd/ct-serve.service
		assert_output --partial "ExecStart=$prefix/bin/ct-serve "
		run grep -h 'ReadWritePaths=' "$share"/systemd/ct-dispatch*.service
		assert_output "ReadWritePaths=/srv/spool/cputorrent
ReadWritePaths=/srv/spool/cputorrent"
		run grep -c "exec $prefix/bin/ct-dispatch -s\$" "$share/cron.d/cputorrent"
		assert_output 1
		grep -q "^\.Pa /etc/ct/cputorrent/providers.xml" \
			"$root$prefix/share/man/man8/ct-dispatch.8"
		grep -q "^\.Pa $prefix/libexec/cputorrent" \
			"$root$prefix/share/man/man8/ct-dispatch.8"
		run verify_units "$root" "$prefix"
		assert_success
		assert_output ""
	done
}

@test "the dispatcher's and ct-serve's units are confined: systemd-analyze security rates them OK" {
	command -v systemd-analyze >/dev/null || skip "systemd-analyze is missing"
	for u in "$TOP"/share/systemd/*.service; do
		run systemd-analyze security --offline=true "$u"
		assert_line --regexp "^→ Overall exposure level for ${u##*/}: [0-9.]+ OK"
	done
}

@test "install onto the host makes the group, the account and the registry, once; under DESTDIR nothing of the host" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to make an account"
	g=ctg$$ u=ctu$$ top=$BATS_TEST_TMPDIR/host
	# Under DESTDIR: no group made here, and the install says what it left.
	run make -C "$TOP" -s install DESTDIR="$BATS_TEST_TMPDIR/root" \
		BUILD="$BATS_TEST_TMPDIR/build" SPOOL_GROUP=$g DISPATCH_USER=$u
	assert_success
	assert_output --partial "install: no group $g on this host"
	run getent group $g
	assert_failure
	[ ! -e "$BATS_TEST_TMPDIR/root/etc/cputorrent/providers.xml" ]

	# Onto the host (into a private tree, with names of its own).
	inst() {
		make -C "$TOP" -s install BUILD="$BATS_TEST_TMPDIR/build" \
			PREFIX="$top/usr" sysconfdir="$top/etc" \
			localstatedir="$top/var" SPOOL_GROUP=$g DISPATCH_USER=$u
	}
	TEARDOWN="userdel $u; groupdel $g"
	run inst
	assert_success
	assert_line "install: group $g: made"
	assert_line "install: account $u (group $g, home $top/var/spool/cputorrent): made"
	assert_line --partial "install: $top/etc/cputorrent/providers.xml: the example registry"
	assert_equal "$(getent passwd $u | cut -d: -f6,7)" \
		"$top/var/spool/cputorrent:/usr/sbin/nologin"
	assert_equal "$(id -gn $u)" "$g"
	assert_equal "$(stat -c '%a %G' "$top/etc/cputorrent/providers.xml")" "640 $g"
	grep -q "^User=$u\$" "$top/usr/share/cputorrent/systemd/ct-dispatch.service"
	grep -q "^Group=$g\$" "$top/usr/share/cputorrent/systemd/ct-dispatch.service"
	grep -q "  $u  umask 007" "$top/usr/share/cputorrent/cron.d/cputorrent"
	# A registry there already is kept.
	echo edited >"$top/etc/cputorrent/providers.xml"
	run inst
	assert_success
	assert_line "install: group $g: there already"
	assert_line "install: account $u: there already"
	assert_line "install: $top/etc/cputorrent/providers.xml: there already, left as it is"
	assert_equal "$(cat "$top/etc/cputorrent/providers.xml")" edited
}
