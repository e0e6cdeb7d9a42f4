#!/usr/bin/env bats
# The command line every program shares (common/cli.c): each option has a
# long name beside its short one, --usage prints the usage line, and the
# hidden --list-options prints the table the bash completion is made from.

load helper

PROGRAMS="ct-submit ct-status ct-fetch ct-wait ct-cancel ct-providers ct-dispatch ct-report"

@test "--usage: the usage line of --help, and exit 0, for every program" {
	for p in $PROGRAMS; do
		run -0 --separate-stderr "$p" --usage
		assert_equal "$stderr" ""
		want=$("$p" --help | awk '/^usage:/ || /^[[:space:]]/ { print; next } { exit }')
		assert_equal "$output" "$want"
	done
}

@test "every option with a short name has a long one, and --help lists them" {
	for p in $PROGRAMS; do
		run -0 "$p" --list-options
		assert_line --index $((${#lines[@]} - 1)) --regexp '^args (ids|file|none|words .+)$'
		help=$("$p" --help)
		for l in "${lines[@]}"; do
			read -r short long _ <<<"$l"
			[ "$short" = args ] && continue
			[[ "$long" =~ ^--[a-z][a-z-]+$ ]] || fail "$p: '$l' has no long name"
			[ "$short" = - ] && continue
			[[ $help == *"$short $long"* ]] || fail "$p --help: no '$short $long'"
		done
	done
}

@test "long options work as the short ones do, with = or a separate argument" {
	fasta q "$PROTEIN"
	run -0 ct-submit --database=pdb --service blastp --option=evalue=1e-5 \
		--spool "$CT_SPOOL" q.fa
	id=$output
	run -3 ct-status --long --spool="$CT_SPOOL" "$id"
	assert_line --index 4 "database   pdb"
	assert_line "option     evalue=1e-5"
	run -3 --separate-stderr ct-wait --quiet --timeout=0 "$id"
	assert_equal "$output$stderr" ""
	run -66 --separate-stderr ct-dispatch --dry-run --config=/nonexistent
	[[ "$stderr" == *"/nonexistent"* ]] || fail "--config not taken: $stderr"
	run -64 --separate-stderr ct-status --lng
	assert_equal "${stderr_lines[0]}" "ct-status: --lng: unknown option"
	# popt's own help and usage are not there: ours are.
	run -0 ct-fetch --help
	assert_line --index 0 --regexp "^usage: ct-fetch \[-"
}
