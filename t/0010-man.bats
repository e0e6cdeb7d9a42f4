#!/usr/bin/env bats
# The manual: every page lints clean, and each program's SYNOPSIS, as
# mandoc renders it, is word for word the usage text the program prints.

load helper

MAN="$BATS_TEST_DIRNAME/../man"

# collapse: squeeze all white space, newlines included, into single blanks,
# and trim both ends.
collapse() {
	tr -s '[:space:]' ' ' | sed 's/^ //; s/ $//'
}

# synopsis_of PAGE: the SYNOPSIS section of PAGE as `mandoc -Tascii` renders
# it (the lines between the SYNOPSIS and DESCRIPTION headers, overstrike
# removed), collapsed.
synopsis_of() {
	mandoc -Tascii "$1" | sed 's/.\x08//g' |
		sed -n '/^SYNOPSIS$/,/^DESCRIPTION$/p' | sed '1d;$d' | collapse
}

# usage_of PROGRAM: the usage text of `PROGRAM --help`: its lines up to the
# first one that starts neither with "usage:" nor with white space, with
# "usage: " removed, collapsed.
usage_of() {
	"$1" --help | awk '/^usage:/ || /^[[:space:]]/ { print; next } { exit }' |
		sed 's/^usage: //' | collapse
}

# lint_clean PAGE: mandoc finds nothing at the level of warnings or above.
lint_clean() {
	run mandoc -Tlint -Wwarning "$1"
	assert_success
	assert_output ''
}

# synopsis_matches PROGRAM PAGE
synopsis_matches() {
	local usage synopsis
	usage=$(usage_of "$1")
	synopsis=$(synopsis_of "$2")
	[ -n "$usage" ] || { echo "$1 --help printed no usage line" >&2; return 1; }
	[ -n "$synopsis" ] || { echo "$2 has no SYNOPSIS" >&2; return 1; }
	assert_equal "$synopsis" "$usage"
}

# check_program NAME: its page lints clean and its SYNOPSIS is its usage.
check_program() {
	local page=$MAN/$1.1
	[ -f "$page" ] || fail "no man page $page"
	lint_clean "$page"
	run "$1" --help
	assert_success
	assert_line --index 0 --regexp "^usage: $1 "
	synopsis_matches "$1" "$page"
}

@test "ct-submit(1) lints clean, and its SYNOPSIS is its usage text" {
	check_program ct-submit
}

@test "ct-status(1) lints clean, and its SYNOPSIS is its usage text" {
	check_program ct-status
}

@test "ct-fetch(1) lints clean, and its SYNOPSIS is its usage text" {
	check_program ct-fetch
}

@test "ct-wait(1) lints clean, and its SYNOPSIS is its usage text" {
	check_program ct-wait
}

@test "ct-hold(1) lints clean, and its SYNOPSIS is its usage text" {
	check_program ct-hold
}

@test "ct-release(1) lints clean, and its SYNOPSIS is its usage text" {
	check_program ct-release
}

@test "ct-resubmit(1) lints clean, and its SYNOPSIS is its usage text" {
	check_program ct-resubmit
}

@test "cputorrent-blastfmt(8), ct-fetch -f's converter: its SYNOPSIS is its usage text" {
	lint_clean "$MAN/cputorrent-blastfmt.8"
	run -0 "$CT_BUILD/libexec/blastfmt" --help
	assert_line --index 0 "usage: blastfmt format"
	synopsis_matches "$CT_BUILD/libexec/blastfmt" "$MAN/cputorrent-blastfmt.8"
}

@test "cputorrent-spool(5) lints clean" {
	[ -f "$MAN/cputorrent-spool.5" ]
	lint_clean "$MAN/cputorrent-spool.5"
}

@test "cputorrent(7) lints clean" {
	[ -f "$MAN/cputorrent.7" ]
	lint_clean "$MAN/cputorrent.7"
}

@test "every page in man/ lints clean" {
	local n=0 page
	for page in "$MAN"/*.[1-9]; do
		lint_clean "$page"
		n=$((n + 1))
	done
	[ "$n" -ge 6 ]
}

@test "every page in man/ renders through groff without a warning, as lintian reads it" {
	# mandoc and groff differ: a word that is an mdoc macro's name (An,
	# Em, ...) opening a %T line is taken as that macro by groff alone.
	command -v man >/dev/null || skip "man-db is not installed"
	local page out
	for page in "$MAN"/*.[1-9]; do
		out=$(LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 \
			man --warnings -E UTF-8 -l -Tutf8 -Z "$page" 2>&1 >/dev/null)
		[ -z "$out" ] || fail "$(basename "$page"): $out"
	done
}

@test "every program built has a page whose SYNOPSIS is its usage text" {
	local n=0 prog name page
	for prog in "$CT_BUILD"/bin/ct-*; do
		name=${prog##*/}
		page=$(ls "$MAN/$name".[18] 2>/dev/null | head -n 1)
		[ -n "$page" ] || fail "$name has no man page in man/"
		synopsis_matches "$prog" "$page"
		n=$((n + 1))
	done
	[ "$n" -ge 4 ]
}

@test "a flag added to the page only, or to the program only, is caught" {
	# The unchanged pair agrees...
	run synopsis_matches ct-status "$MAN/ct-status.1"
	assert_success

	# ...a page with one more flag does not...
	sed 's/^\.Sh DESCRIPTION$/.Op Fl Z\n&/' "$MAN/ct-status.1" >page.1
	run synopsis_of page.1
	assert_output --partial '[id ...] [-Z]'
	run synopsis_matches ct-status page.1
	assert_failure

	# ...nor does a program whose usage has one more flag.
	mkdir bin
	cat >bin/ct-status <<-EOF
	#!/bin/sh
	"$CT_BUILD/bin/ct-status" --help | sed '1s/\$/ [-Z]/'
	EOF
	chmod +x bin/ct-status
	run usage_of bin/ct-status
	assert_output --partial '[-u user] [-Z]'
	run synopsis_matches bin/ct-status "$MAN/ct-status.1"
	assert_failure

	# Line breaks and indentation alone make no difference.
	run usage_of ct-submit
	assert_output 'ct-submit [-Hr] [-d database] [-m size] [-N name] [-o key=value]... [-S spool] [-s service] [-t deadline] [file ...]'
}
