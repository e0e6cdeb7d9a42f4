#!/usr/bin/env bats
# Bash completion (share/completion.bash, made for each program from its
# own option table by share/gen-completion): sourced in bash, it offers
# the options, their values, and job IDs.

load helper

# complete_words PROG WORDS...: source PROG's completion and complete the
# last word of "PROG WORDS..." as bash would on TAB, the words split as
# bash splits them (--long=value is "--long" "=" "value"; a last word "="
# completes the empty text after it); COMPREPLY, sorted, one a line, in
# $output.
complete_words() {
	run -0 bash -c '
		source "$CT_BUILD/completion/$1" || exit 1
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		cur=${COMP_WORDS[COMP_CWORD]}
		[ "$cur" = = ] && cur=
		_ct_complete "$1" "$cur" "${COMP_WORDS[COMP_CWORD - 1]}" ||
			exit 1
		printf "%s\n" "${COMPREPLY[@]}" | sort' bash "$@"
}

@test "every program's completion is made and binds the program" {
	for p in ct-submit ct-status ct-fetch ct-wait ct-cancel ct-providers \
	    ct-dispatch ct-report; do
		run -0 bash -c "source '$CT_BUILD/completion/$p' && complete -p $p"
		assert_output "complete -F _ct_complete $p"
	done
}

@test "options, short and long, from the program's own table" {
	complete_words ct-status --s
	assert_output "$(printf -- '--since\n--spool\n--state')"
	complete_words ct-status -
	assert_line -- -j
	assert_line -- --json
	assert_line -- --usage
	refute_line -- --list-options
	complete_words ct-dispatch --dr
	assert_output -- --dry-run
	complete_words ct-submit --per
	assert_output -- --per-record
}

@test "option values: words, comma lists, files, directories" {
	complete_words ct-status -t Co
	assert_output Completed
	complete_words ct-status --state Fa
	assert_output Failed
	complete_words ct-status --format = id,pro
	assert_output id,provider
	complete_words ct-status --state =
	assert_output "$(printf 'Completed\nFailed\nNew\nProcessing')"
	complete_words ct-status -o run
	assert_output runtime
	complete_words ct-submit -s blastx
	assert_output blastx
	mkdir sub.d
	: >sub.file
	complete_words ct-submit -S sub
	assert_output sub.d
	complete_words ct-fetch --output = sub.f
	assert_output sub.file
	# An option without a value of its own kind offers nothing.
	complete_words ct-wait -t ''
	assert_output ""
}

@test "arguments: job IDs from the spool named, files, a verb first" {
	mkjob -s new "$CT_SPOOL" abc1
	mkjob -s failed "$CT_SPOOL" abd2
	other=$BATS_TEST_TMPDIR/other
	mkjob -s new "$other" xyz9
	complete_words ct-status ab
	assert_output "$(printf 'abc1\nabd2')"
	complete_words ct-wait -S "$other" ''
	assert_output xyz9
	complete_words ct-cancel --spool = "$other" x
	assert_output xyz9
	complete_words ct-providers -c /dev/null sh
	assert_output show
	complete_words ct-providers --config = /dev/null sh
	assert_output show
	complete_words ct-providers show s
	assert_output ""
	: >query.fa
	complete_words ct-submit -r que
	assert_output query.fa
}
