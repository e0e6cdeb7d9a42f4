#!/usr/bin/env bats
# ct-hold and ct-release: a New job held back in held/ and let go again,
# by ID, name or batch; what cannot be held; ct-submit -H; a held job as
# ct-status and ct-cancel see it. (The dispatcher's side: t/3000.)

load helper

@test "ct-hold moves a New job to held/, ct-release back to new/; each twice is once" {
	fasta q "$PROTEIN"
	id=$(ct-submit q.fa)
	run -0 --separate-stderr ct-hold "$id"
	assert_equal "$output$stderr" ""
	assert_equal "$(ls "$CT_SPOOL/held")" "$id"
	assert_equal "$(jobs_in new)" 0
	run -3 ct-status "$id"
	[[ $output == "$id"$'\t''New (held)'$'\t'* ]] || fail "$output"
	run -3 ct-status -n "$id"
	[[ $output == "$id"$'\t0\t'* ]] || fail "$output"
	run -3 ct-status -l "$id"
	assert_line --index 1 "state      New (0), held"
	run -0 ct-hold "$id"
	assert_equal "$(jobs_in held)" 1
	run -0 --separate-stderr ct-release "$id"
	assert_equal "$output$stderr" ""
	assert_equal "$(ls "$CT_SPOOL/new")" "$id"
	assert_equal "$(jobs_in held)" 0
	run -3 ct-status -l "$id"
	assert_line --index 1 "state      New (0)"
	run -0 ct-release "$id"
	assert_equal "$(jobs_in new)" 1
}

@test "ct-submit -H submits held; a held job's record is the job's, byte for byte" {
	fasta q "$PROTEIN"
	id=$(ct-submit -H q.fa)
	assert_equal "$(ls "$CT_SPOOL/held")" "$id"
	assert_equal "$(jobs_in new)" 0
	cp "$CT_SPOOL/held/$id" before
	run -0 ct-release "$id"
	cmp before "$CT_SPOOL/new/$id"
}

@test "a job no longer New: 5, with why, and nothing moves" {
	mkjob -s processing -p sge "$CT_SPOOL" p1
	mkjob -s completed "$CT_SPOOL" c1
	mkjob -s failed "$CT_SPOOL" f1
	run -5 --separate-stderr ct-hold p1
	assert_equal "$stderr" "ct-hold: p1: cannot hold: the job is processing: a dispatcher has claimed it"
	run -5 --separate-stderr ct-hold c1
	assert_equal "$stderr" "ct-hold: c1: cannot hold: the job has completed"
	run -5 --separate-stderr ct-release f1
	assert_equal "$stderr" "ct-release: f1: cannot release: the job has failed"
	assert_equal "$(jobs_in held)" 0
	assert_equal "$(jobs_in processing)$(jobs_in completed)$(jobs_in failed)" 111
}

@test "not found: 4; a bad ID: 64 before the spool is touched; none: 64" {
	mkjob -s new "$CT_SPOOL" n1
	run -4 --separate-stderr ct-hold nosuch
	assert_equal "$stderr" "ct-hold: nosuch: job not found"
	run -4 --separate-stderr ct-release n1 nosuch
	assert_equal "$stderr" "ct-release: nosuch: job not found"
	run -64 --separate-stderr ct-hold '../n1'
	[[ $stderr == "ct-hold: invalid job ID '../n1'"* ]] || fail "$stderr"
	run -64 --separate-stderr ct-release
	assert_equal "${stderr_lines[0]}" "ct-release: expected at least one job ID"
	assert_equal "$(jobs_in new)" 1
}

@test "by name and by batch: every job of the name, every job of the batch" {
	printf '>r1\nMKV\n>r2\nMKL\n' >two.fa
	fasta o "$PROTEIN"
	mapfile -t ids < <(ct-submit -r -N grp two.fa)
	other=$(ct-submit -N other o.fa)
	run -0 ct-hold "${ids[0]%-*}"
	assert_equal "$(ls "$CT_SPOOL/held" | sort)" "$(printf '%s\n' "${ids[@]}" | sort)"
	run -0 ct-release grp/r2
	assert_equal "$(ls "$CT_SPOOL/held")" "${ids[0]}"
	run -0 ct-hold other
	assert_equal "$(jobs_in held)" 2
	assert_equal "$(ls "$CT_SPOOL/new")" "${ids[1]}"
	[ -f "$CT_SPOOL/held/$other" ]
}

@test "ct-cancel fails a held job at once" {
	fasta q "$PROTEIN"
	id=$(ct-submit -H -N h q.fa)
	run -0 ct-cancel h
	run -1 ct-status -q "$id"
	assert_equal "$(jobs_in held)" 0
	assert_equal "$(sed -n 's/^event [0-9.]* 3 //p' "$CT_SPOOL/failed/$id")" \
		"cancelled by its owner"
	[ ! -e "$CT_SPOOL/cancel/$id" ]
}

@test "usage and help agree with the man page's SYNOPSIS" {
	run -0 ct-hold --help
	assert_line --index 0 "usage: ct-hold [-S spool] id ..."
	run -0 ct-release --help
	assert_line --index 0 "usage: ct-release [-S spool] id ..."
}
