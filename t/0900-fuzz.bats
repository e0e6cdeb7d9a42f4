#!/usr/bin/env bats
# The fuzz harnesses (t/fuzz/README), replayed over every seed and every
# kept input, with the build under test (under SANITIZE=1, ASan and UBSan
# see each one): the findings of issue 18 stay fixed, and every crash a
# campaign (make fuzz) keeps in t/fuzz/regress/ becomes a test.

load helper

# replay NAME: the harness over its seeds and kept inputs, each must pass.
replay() {
	local bin=$CT_BUILD/fuzz/replay-$1 files=()
	[ -x "$bin" ] || fail "no harness $bin (make fuzz-replays)"
	files=("$T/fuzz/seeds/$1"/* "$T/fuzz/regress/$1"/*)
	run -0 "$bin" $(ls -d "${files[@]}" 2>/dev/null)
}

@test "every parser has a harness, with seeds; every harness is built" {
	local h n=0
	for h in "$T"/fuzz/*.c; do
		h=${h##*/}
		h=${h%.c}
		[ "$h" = replay ] && continue
		n=$((n + 1))
		[ -n "$(ls -A "$T/fuzz/seeds/$h")" ] || fail "$h: no seeds"
		[ -x "$CT_BUILD/fuzz/replay-$h" ] || fail "$h: not built"
	done
	[ "$n" -ge 10 ]
}

@test "fasta: the seeds and kept inputs replay cleanly" { replay fasta; }
@test "job record: the seeds and kept inputs replay cleanly, 20 digits of microseconds among them" { replay job; }
@test "registry: the seeds and kept inputs replay cleanly" { replay registry; }
@test "result: the seeds and kept inputs replay cleanly: entities, a byte-order mark, a blank line first" { replay result; }
@test "blastfmt: the seeds and kept inputs replay cleanly: blastp and blastn reports, entities" { replay blastfmt; }
@test "ncbi: the seeds and kept inputs replay cleanly, a submission time at the end of time among them" { replay ncbi; }
@test "ebi: the seeds and kept inputs replay cleanly" { replay ebi; }
@test "sge: the seeds and kept inputs replay cleanly" { replay sge; }
@test "slurm: the seeds and kept inputs replay cleanly" { replay slurm; }
@test "statefile: the seeds and kept inputs replay cleanly" { replay statefile; }
@test "policy: the seeds and kept inputs replay cleanly, the largest running sums among them" { replay policy; }
@test "reportsplit: the seeds and kept inputs replay cleanly: a batch's report, a query BLAST refused" { replay reportsplit; }
@test "batchmanifest: the seeds and kept inputs replay cleanly" { replay batchmanifest; }
@test "serve: the seeds and kept inputs replay cleanly: hostile URLs, duplicate keys, a result for another query" { replay serve; }
@test "manifest: the seeds and kept inputs replay cleanly: a real database's, a path, a name twice" { replay manifest; }
@test "blastcmp: the seeds and kept inputs replay cleanly: a report against itself, shifted scores, blanks around an e-value" { replay blastcmp; }
@test "ssearch: the seeds and kept inputs replay cleanly, every score the plain Gotoh scan's" { replay ssearch; }

@test "replay: input a parser refuses is no failure; a file it cannot read is one (66)" {
	printf 'not a job record' >bad
	run -0 "$CT_BUILD/fuzz/replay-job" bad
	run -66 --separate-stderr "$CT_BUILD/fuzz/replay-job" bad no-such-file
	assert_equal "$stderr" "no-such-file: No such file or directory"
}
