#!/usr/bin/env bats
# ct-report(8): the offload report, per service and server, and the CPU
# Torrent paper's figures (section 5), from spools made with known times.

load helper

B=1700000000	# 2023-11-14T22:13:20Z: the period is [B, B + 2h)

# A period of two hours with eight jobs submitted in it, and two outside.
# Turnarounds (mkjob ends a job 2 us after -w, which %.1f hides):
#   blastp ebi:  a1 100, a2 300, a3 200, a4 800 s, all completed; runs
#                90, 250, 200, 700 s. Mean 350; in order 100 200 300 800,
#                median at rank ceil(0.5*4) = 2: 200, p90 at rank
#                ceil(0.9*4) = 4: 800; mean run 1240/4 = 310. b1 passed on.
#   blastp ncbi: b1 1200 s (after ebi failed it), run 600; p1 in flight.
#                f1 passed on.
#   blastp -:    f1 failed with no provider after 60 s: run locally.
#   blastn -:    n1 waits.
period_spool() {
	mkjob -s completed -p ebi -t $B -a $((B + 10)) -w $((B + 100)) "$CT_SPOOL" a1
	mkjob -s completed -p ebi -t $((B + 600)) -a $((B + 650)) -w $((B + 900)) "$CT_SPOOL" a2
	mkjob -s completed -p ebi -t $((B + 1200)) -a $((B + 1200)) -w $((B + 1400)) "$CT_SPOOL" a3
	mkjob -s completed -p ebi -t $((B + 1800)) -a $((B + 1900)) -w $((B + 2600)) "$CT_SPOOL" a4
	mkjob -s completed -p ncbi -T ebi -t $((B + 2400)) -a $((B + 3000)) -w $((B + 3600)) "$CT_SPOOL" b1
	mkjob -s failed -T ncbi -t $((B + 3000)) -w $((B + 3060)) "$CT_SPOOL" f1
	mkjob -s processing -p ncbi -t $((B + 4000)) "$CT_SPOOL" p1
	mkjob -t $((B + 5000)) "$CT_SPOOL" n1
	sed -i 's/^service blastp$/service blastn/' "$CT_SPOOL/new/n1"
	mkjob -s completed -p ebi -t $((B - 100)) -w $((B + 100)) "$CT_SPOOL" o1
	mkjob -s completed -p ebi -t $((B + 7200)) -w $((B + 7300)) "$CT_SPOOL" o2
}

# figure NAME: the VALUE and SOURCE of the figure NAME, tab-separated.
figure() {
	awk -F '\t' -v n="$1" '$1 == n { print $2 "\t" $3 }' <<<"$output"
}

@test "per service and server: jobs, where they ended, turnaround mean, median, p90, run time" {
	period_spool
	run -0 ct-report -s @$B -u @$((B + 7200))
	assert_line --index 0 "$(printf 'SERVICE\tSERVER\tJOBS\tCOMPLETED\tFAILED\tPENDING\tPASSED-ON\tMEAN\tMEDIAN\tP90\tMEAN-RUN\tHEDGED')"
	assert_line --index 1 "$(printf 'blastn\t-\t1\t0\t0\t1\t0\t-\t-\t-\t-\t0')"
	assert_line --index 2 "$(printf 'blastp\t-\t1\t0\t1\t0\t0\t60.0\t60.0\t60.0\t-\t0')"
	assert_line --index 3 "$(printf 'blastp\tebi\t4\t4\t0\t0\t1\t350.0\t200.0\t800.0\t310.0\t0')"
	assert_line --index 4 "$(printf 'blastp\tncbi\t2\t1\t0\t1\t1\t1200.0\t1200.0\t1200.0\t600.0\t0')"
	# bats drops the blank line between the tables.
	assert_line --index 5 "$(printf 'FIGURE\tVALUE\tSOURCE\tUNIT')"
	assert_equal "$(figure since)" "$(printf '2023-11-14T22:13:20Z\tgiven')"
	assert_equal "$(figure until)" "$(printf '2023-11-15T00:13:20Z\tgiven')"
}

@test "the paper's figures: li by eq. 9, W by eq. 4, ti by eq. 5, beside the realised ti" {
	period_spool
	run -0 ct-report -s @$B -u @$((B + 7200)) -m 4 -t 30m -a 0.5
	# lambda: 8 jobs submitted in 2 h, 4 per hour; so x = tp*lambda =
	# 0.5 h * 4/h = 2, and m - x = 2.
	assert_equal "$(figure m)" "$(printf '4\tgiven')"
	assert_equal "$(figure lambda)" "$(printf '4.000\tmeasured')"
	assert_equal "$(figure tp)" "$(printf '1800.0\tgiven')"
	assert_equal "$(figure alpha)" "$(printf '0.500\tgiven')"
	# beta: 1 of the 6 finished jobs (f1) ran locally.
	assert_equal "$(figure beta)" "$(printf '0.167\tmeasured')"
	# li = 0.5 * (1 - 1/6) * 100 = 41.667
	assert_equal "$(figure li)" "$(printf '41.667\teq.9')"
	# W = lambda * tp^2 / (m (m - x)) = (4/3600) * 1800^2 / (4 * 2) = 450 s
	assert_equal "$(figure W)" "$(printf '450.0\teq.4')"
	# ti = 0.5 * 4 * 2 / (2 * (1 - 4) + 16) * 100 = 4 / 10 * 100 = 40
	assert_equal "$(figure ti)" "$(printf '40.000\teq.5')"
	# Realised: max(W, T) over a1..a4, b1, f1 = 450 450 450 800 1200 450,
	# 3800 in all; with tp for each of the 6 and less alpha*tp for the 5
	# delivered: 3800 + 6*1800 - 5*900 = 10100, a mean of 1683.333 against
	# W + tp = 2250 without: (2250 - 1683.333) / 2250 * 100 = 25.185.
	assert_equal "$(figure ti-realised)" "$(printf '25.185\trealised')"
}

@test "the realised ti is eq. 5's when every provider answers within W" {
	period_spool
	# a1, a2, a3 in the first half hour, each back within W = 450 s (the
	# rate given keeps lambda at 4/h): t = W + tp - alpha*tp for each, so
	# realised = 900 / 2250 * 100 = 40, as eq. 5 says.
	run -0 ct-report -s @$B -u @$((B + 1800)) -m 4 -t 30m -a 0.5 -r 4
	assert_equal "$(figure lambda)" "$(printf '4.000\tgiven')"
	assert_equal "$(figure ti)" "$(printf '40.000\teq.5')"
	assert_equal "$(figure ti-realised)" "$(printf '40.000\trealised')"
	assert_equal "$(figure beta)" "$(printf '0.000\tmeasured')"
	assert_equal "$(figure li)" "$(printf '50.000\teq.9')"
}

@test "defaults: m 46, tp 1 h, alpha 0.5; an unstable queue has no ti" {
	period_spool
	run -0 ct-report -s @$B -u @$((B + 7200))
	assert_equal "$(figure m)" "$(printf '46\tdefault')"
	assert_equal "$(figure tp)" "$(printf '3600.0\tdefault')"
	assert_equal "$(figure alpha)" "$(printf '0.500\tdefault')"
	# x = 1 h * 4/h = 4 < 46: ti = 0.5*46*42 / (4*(-45) + 2116) * 100 =
	# 966 / 1936 * 100 = 49.897
	assert_equal "$(figure ti)" "$(printf '49.897\teq.5')"
	# x = 2 h * 4/h = 8 >= m = 8: the local queue grows without end.
	run -0 ct-report -s @$B -u @$((B + 7200)) -m 8 -t 2h
	assert_equal "$(figure ti)" "$(printf -- '-\teq.5')"
	assert_equal "$(figure W)" "$(printf -- '-\teq.4')"
	assert_equal "$(figure ti-realised)" "$(printf -- '-\trealised')"
	assert_equal "$(figure li)" "$(printf '41.667\teq.9')"
}

@test "the period: since and until filter by submission; by default, from the first job until now" {
	period_spool
	# [B + 600, B + 2400): a2, a3, a4 only.
	run -0 ct-report -s @$((B + 600)) -u @$((B + 2400))
	assert_line --index 1 "$(printf 'blastp\tebi\t3\t3\t0\t0\t0\t433.3\t300.0\t800.0\t383.3\t0')"
	# a header, 1 row, the figures' header, since, until, 9 figures
	assert_equal "${#lines[@]}" 14
	# No period given: every job, o1 and o2 too, from o1's submission.
	run -0 ct-report
	assert_line --index 3 --regexp "$(printf '^blastp\tebi\t6\t6\t')"
	assert_equal "$(figure since)" "$(printf '2023-11-14T22:11:40Z\tfirst-job')"
	assert_equal "$(figure until | cut -f 2)" now
}

@test "a user sees only their own jobs; the superuser every one" {
	[ "$(id -u)" = 0 ] || skip "needs root"
	period_spool
	mkjob -s completed -p ebi -u 4242 -t $((B + 60)) -w $((B + 160)) "$CT_SPOOL" u1
	run -0 ct-report -s @$B -u @$((B + 7200))
	assert_line --index 3 --regexp "$(printf '^blastp\tebi\t5\t5\t')"
	# bats's own directory is not open to all: a copy of the spool that is.
	open=$(mktemp -d /tmp/ct-report-u.XXXXXX)
	chmod 755 "$open"
	cp -a "$CT_SPOOL" "$open/spool"
	chmod -R a+rX "$open/spool"
	run -0 setpriv --reuid=4242 --regid=4242 --clear-groups \
		"$CT_BUILD/bin/ct-report" -S "$open/spool" -s @$B -u @$((B + 7200))
	rm -rf "$open"
	assert_line --index 1 "$(printf 'blastp\tebi\t1\t1\t0\t0\t0\t100.0\t100.0\t100.0\t-\t0')"
	assert_equal "$(figure lambda)" "$(printf '0.500\tmeasured')"
}

@test "--json: the same figures, null where there is none" {
	period_spool
	run -0 --separate-stderr ct-report -j -s @$B -u @$((B + 7200)) -m 4 -t 30m -a 0.5
	run -0 python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert d["since"] == "2023-11-14T22:13:20Z", d["since"]
assert d["submitted"] == 8 and d["sampled"] is False
rows = {(r["service"], r["server"]): r for r in d["rows"]}
assert len(rows) == 4, rows
e = rows[("blastp", "ebi")]
assert (e["jobs"], e["completed"], e["failed"], e["pending"], e["passed_on"]) == (4, 4, 0, 0, 1)
t = e["turnaround"]
assert (round(t["mean"], 3), round(t["median"], 3), round(t["p90"], 3)) == (350, 200, 800), t
assert round(e["run_mean"], 3) == 310
n = rows[("blastn", None)]
assert n["pending"] == 1 and n["turnaround"]["mean"] is None and n["run_mean"] is None
f = d["figures"]
assert f["m"] == {"value": 4, "source": "given", "unit": "nodes"}, f["m"]
assert f["lambda"]["value"] == 4 and f["lambda"]["source"] == "measured"
assert round(f["li"]["value"], 3) == 41.667 and f["li"]["source"] == "eq.9"
assert round(f["ti"]["value"], 3) == 40 and round(f["W"]["value"], 3) == 450
assert round(f["ti-realised"]["value"], 3) == 25.185
print("ok")' "$output"
	assert_output ok
	# An unstable queue: null, still valid JSON.
	run -0 ct-report -j -s @$B -u @$((B + 7200)) -m 8 -t 2h
	run -0 python3 -c 'import json, sys; f = json.loads(sys.argv[1])["figures"]; print(f["ti"]["value"], f["ti-realised"]["value"])' "$output"
	assert_output "None None"
}

@test "--svg: a well-formed plot, one series per server, written whole" {
	period_spool
	run -0 ct-report -s @$B -u @$((B + 7200)) -g plot.svg
	run -0 xmllint --noout plot.svg
	# ebi, ncbi and the jobs no provider delivered: three series, the one
	# server of two services drawn once; ebi's 4 finished jobs, 4 dots.
	run -0 xmllint --xpath 'count(//*[local-name()="g"][@class="series"])' plot.svg
	assert_output 3
	run -0 xmllint --xpath 'string(//*[local-name()="g"][@class="series"][1]/*[local-name()="title"])' plot.svg
	assert_output "(no provider)"
	run -0 xmllint --xpath 'count(//*[local-name()="g"][@class="series"][*[local-name()="title"]="ebi"]/*[local-name()="circle"])' plot.svg
	assert_output 4
	run -0 xmllint --xpath 'count(//*[local-name()="text"][.="turnaround (s)"])' plot.svg
	assert_output 1
	# A plot that cannot be written: 73, and no file left behind.
	run -73 --separate-stderr ct-report -g nodir/plot.svg
	assert_equal "${stderr_lines[0]%%:*}" "ct-report"
	assert_equal "$(ls -A . | grep -c plot)" 1
}

@test "usage errors exit 64; a spool that does not exist, 69" {
	period_spool
	for bad in "-a 2" "-a x" "-m 0" "-t 0" "-t soon" "-r -1" "-s yesterday" \
	    "-u nope" "--bogus" "extra"; do
		run -64 --separate-stderr ct-report $bad
		assert_equal "${stderr_lines[-1]}" \
			"                 [-S spool] [-s time] [-t time] [-u time]"
	done
	run -64 --separate-stderr ct-report -s @$((B + 10)) -u @$B
	assert_equal "${stderr_lines[0]}" "ct-report: the period ends before it begins"
	run -69 --separate-stderr ct-report -S "$BATS_TEST_TMPDIR/none"
	assert_equal "$output" ""
	assert_regex "${stderr_lines[0]}" "^ct-report: no spool at $BATS_TEST_TMPDIR/none"
}

@test "an empty spool: no rows, figures unknown but the given ones" {
	mkdir -p "$CT_SPOOL"
	run -0 ct-report -m 10
	assert_equal "${#lines[@]}" 13
	assert_equal "$(figure m)" "$(printf '10\tgiven')"
	assert_equal "$(figure lambda)" "$(printf -- '-\tmeasured')"
	assert_equal "$(figure li)" "$(printf -- '-\teq.9')"
}

# many_jobs SPOOL N: N jobs completed on ebi, one a second from B, each
# back 100 s after its submission, written as mkjob writes them (mkjob
# itself would take minutes).
many_jobs() {
	mkdir -p "$1/completed" "$1/new" "$1/processing" "$1/failed" "$1/tmp"
	awk -v dir="$1/completed" -v n="$2" -v b=$B -v uid="$(id -u)" 'BEGIN {
		for (i = 0; i < n; i++) {
			f = dir "/m" i; t = b + i
			printf "cputorrent-job 1\nid m%d\nowner %d\nservice blastp\n", i, uid >f
			printf "submitted %d.000000\nprovider ebi\nattempt %d.000000\n", t, t + 40 >f
			printf "event %d.000000 0 submitted\nevent %d.000001 1 sent to ebi\n", t, t >f
			printf "event %d.000000 2 result fetched and checked\n", t + 100 >f
			printf "input 5\n>q\nA\nend\n" >f
			close(f)
		}
	}'
}

@test "beyond 10000 jobs a line: percentiles and the realised ti from a sample, said so; counts and means exact" {
	many_jobs "$CT_SPOOL" 10050
	run -0 ct-report -s @$B -u @$((B + 10050)) -m 4 -t 30m -a 0.5 -g plot.svg
	assert_line --index 1 "$(printf 'blastp\tebi\t10050\t10050\t0\t0\t0\t100.0\t100.0\t100.0\t60.0\t0')"
	assert_line "(percentiles and ti-realised from a sample of 10000 jobs per row)"
	# The plot has the sample's dots, and a line through the means of at
	# most 60 spans of time, not through 10000 dots.
	run -0 xmllint --xpath 'count(//*[local-name()="circle"])' plot.svg
	assert_output 10000
	run -0 xmllint --xpath 'string(//*[local-name()="polyline"]/@points)' plot.svg
	n=$(wc -w <<<"$output")
	[ "$n" -gt 50 ] && [ "$n" -le 60 ] || fail "$n points in the line"
	run -0 ct-report -s @$B -u @$((B + 10050)) -m 4 -t 30m -a 0.5
	# 10050 jobs in 10050 s: lambda = 3600/h, x = 0.5 h * 3600/h = 1800 >=
	# m: no ti; beta 0, li 50.
	assert_equal "$(figure lambda)" "$(printf '3600.000\tmeasured')"
	assert_equal "$(figure li)" "$(printf '50.000\teq.9')"
	# With lambda given as 4/h, W = 450 > 100: every job within W, so the
	# realised ti is eq. 5's 40 %, the sample scaled to every job.
	run -0 ct-report -j -s @$B -u @$((B + 10050)) -m 4 -t 30m -a 0.5 -r 4
	run -0 python3 -c 'import json, sys
d = json.loads(sys.argv[1])
f = d["figures"]
print(d["sampled"], "%.6f %.6f" % (f["ti"]["value"], f["ti-realised"]["value"]))' "$output"
	assert_output "True 40.000000 40.000000"
}

@test "under valgrind: no error and no leak, with the plot and with JSON" {
	command -v valgrind >/dev/null || skip "valgrind is not installed"
	[[ "$CT_BUILD" != *san* ]] || skip "sanitizer build: ASan checks it"
	period_spool
	run -0 valgrind -q --leak-check=full --show-leak-kinds=all \
		--errors-for-leak-kinds=all --error-exitcode=99 \
		ct-report -s @$B -u @$((B + 7200)) -g plot.svg
	run -0 valgrind -q --leak-check=full --show-leak-kinds=all \
		--errors-for-leak-kinds=all --error-exitcode=99 ct-report -j
}
