# Bash completion for the cputorrent programs.
#
# The options are not written here: each program's file is this function
# followed by the program's own table, as `PROG --list-options` prints it
# at build time (share/gen-completion), so the completion never drifts
# from the options. A table line is "-s --long [what [words...]]" (- for
# no short name), what being file, dir, user, words or arg; the last line,
# "args KIND [words...]", says what the arguments are: ids, file, words
# (the first one of them), or none.

# _ct_value WHAT CUR WORDS...: the completions of an option's argument.
_ct_value()
{
	local what=$1 cur=$2 head=
	shift 2
	case $what in
	file) mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
	dir) mapfile -t COMPREPLY < <(compgen -d -- "$cur") ;;
	user) mapfile -t COMPREPLY < <(compgen -u -- "$cur") ;;
	words)
		# A comma list: complete its last word, keep the rest.
		if [[ $cur == *,* ]]; then
			head=${cur%,*},
			cur=${cur##*,}
		fi
		mapfile -t COMPREPLY < <(compgen -P "$head" -W "$*" -- "$cur")
		[[ $head ]] && compopt -o nospace 2>/dev/null
		;;
	*) COMPREPLY=() ;;
	esac
}

# _ct_ids PROG: the caller's job IDs, from ct-status in the spool that the
# command line names with -S or --spool, if it does.
_ct_ids()
{
	local i spool=()

	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-S) spool=(-S "${COMP_WORDS[i + 1]}") ;;
		--spool)
			# bash splits --spool=DIR at the =, into three words.
			[[ ${COMP_WORDS[i + 1]} == = ]] && i=$((i + 1))
			spool=(-S "${COMP_WORDS[i + 1]}")
			;;
		esac
	done
	ct-status "${spool[@]}" -o id 2>/dev/null
}

# _ct_complete PROG CUR PREV: complete's -F function. CUR is the text
# bash replaces; bash splits --long=value at the =, so the option whose
# value is being completed may be one or two words back.
_ct_complete()
{
	local prog=${1##*/} cur=$2 prev=${COMP_WORDS[COMP_CWORD - 1]}
	local var table
	local short long what rest args=none argwords= i nargs=0
	local -a opts=()
	local -A takes=()

	var=_ct_options_${prog//-/_}
	table=${!var}
	COMPREPLY=()
	if [[ ${COMP_WORDS[COMP_CWORD]} == = ]]; then
		prev=${COMP_WORDS[COMP_CWORD - 1]}
	elif [[ $prev == = ]] && ((COMP_CWORD > 1)); then
		prev=${COMP_WORDS[COMP_CWORD - 2]}
	fi
	while read -r short long what rest; do
		if [[ $short == args ]]; then
			args=$long argwords="$what $rest"
			continue
		fi
		[[ $short != - ]] && opts+=("$short")
		opts+=("$long")
		[[ $what ]] || continue
		takes[$short]=1 takes[$long]=1
		if [[ $prev == "$short" || $prev == "$long" ]]; then
			_ct_value "$what" "$cur" $rest
			return 0
		fi
	done <<<"$table"
	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "${opts[*]}" -- "$cur")
		return 0
	fi
	case $args in
	ids) mapfile -t COMPREPLY < <(compgen -W "$(_ct_ids)" -- "$cur") ;;
	file) mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
	words)
		# Only the first argument is a verb: count those before,
		# leaving out options and their values.
		for ((i = 1; i < COMP_CWORD; i++)); do
			if [[ ${COMP_WORDS[i]} == -* ]]; then
				[[ ${takes[${COMP_WORDS[i]}]:-} ]] && i=$((i + 1))
				[[ ${COMP_WORDS[i]} == = ]] && i=$((i + 1))
				continue
			fi
			nargs=$((nargs + 1))
		done
		((nargs == 0)) &&
			mapfile -t COMPREPLY < <(compgen -W "$argwords" -- "$cur")
		;;
	esac
	return 0
}
