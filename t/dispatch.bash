# dispatch.bash: what the dispatch tests (t/3*.bats) share: writing a
# registry and reading a job's history and the spool's state. Loaded after
# helper.bash.

# registry [DEFAULTS]: write $CT_CONFIG with the server elements on stdin,
# after the <defaults> element DEFAULTS if one is given.
registry() {
	{
		printf '<?xml version="1.0"?>\n<registry version="1">\n%s\n' "${1:-}"
		cat
		printf '</registry>\n'
	} >"$CT_CONFIG"
}

# history ID: the job's history as ct-status -l shows it, one event a line
# as "STATE: TEXT", the seconds of "completed by ... in N s" as N.
history() {
	ct-status -l "$1" | sed -n '/^history$/,$p' | sed -E '1d
		s/^  [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}  ([A-Za-z]+) +/\1: /
		s/^(Completed: completed by .*) in [0-9]+ s$/\1 in N s/'
}

# snapshot: every file and directory of the spool with its type, mode,
# size, mtime and, for files, its content's digest.
snapshot() {
	(cd "$CT_SPOOL" && find . -printf '%p %y %m %s %T@\n' | LC_ALL=C sort &&
		find . -type f -exec md5sum {} + | LC_ALL=C sort)
}
