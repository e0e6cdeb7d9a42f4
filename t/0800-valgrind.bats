#!/usr/bin/env bats
# Memory: the main paths of every program run clean under valgrind, with
# no leak of any kind. (SANITIZE=1 builds are checked by ASan instead.)

load helper

local_setup() {
	command -v valgrind >/dev/null || skip "valgrind is not installed"
	[[ "$CT_BUILD" != *san* ]] || skip "sanitizer build: ASan checks it"
}

vg() {
	valgrind -q --suppressions="$BATS_TEST_DIRNAME/valgrind.supp" \
		--leak-check=full --show-leak-kinds=all \
		--errors-for-leak-kinds=all --error-exitcode=99 "$@"
}

@test "ct-submit: a batch, per-record, options, and a refused file" {
	fasta a "$PROTEIN"
	cat a.fa a.fa >two.fa
	run vg ct-submit -r -d pdb -o evalue=1e-5 -o matrix=BLOSUM62 a.fa two.fa
	assert_success
	assert_equal "${#lines[@]}" 3
	printf '>x\nAC1\n' >bad.fa
	run vg ct-submit a.fa bad.fa
	assert_equal "$status" 65
	run vg ct-submit -x
	assert_equal "$status" 64
}

@test "ct-status, ct-wait, ct-fetch on every state" {
	fasta a "$PROTEIN"
	new=$(ct-submit -o k=v a.fa)
	printf 'result\n' >r
	mkjob -s completed -r r "$CT_SPOOL" done1
	mkjob -s failed -e "no provider left" "$CT_SPOOL" fail1
	mkjob -s processing -p local "$CT_SPOOL" proc1
	run vg ct-status
	assert_success
	run vg ct-status -l "$new" done1 fail1 proc1 missing1
	assert_equal "$status" 4
	# Every field, as text and JSON, the filters, and the help.
	run vg ct-status -o "$(ct-status --list-options |
		sed -n 's/^-o --format words //p' | tr ' ' ,)" -t 0,1,2,3 \
		--since 1d -u "$(id -un)"
	assert_success
	assert_equal "${#lines[@]}" 4
	run vg ct-status -jl -t new -t failed
	assert_success
	assert_equal "${#lines[@]}" 2
	run vg ct-status --help
	assert_success
	run vg ct-wait -t 0.2 "$new" done1 fail1
	assert_equal "$status" 3
	run vg ct-fetch done1
	assert_success
	assert_output result
	run vg ct-fetch -o out done1
	assert_success
	run vg ct-fetch fail1
	assert_equal "$status" 1
}

@test "names, batches, hold, release, resubmit" {
	printf '>r1\nMKV\n>r2\nMKL\n' >two.fa
	mapfile -t ids < <(ct-submit -r -N g -t 1h two.fa)
	run vg ct-submit -H -N g -t 2h two.fa
	assert_success
	ct-submit -N g two.fa
	run vg ct-status -l g "${ids[0]%-0}" g/r1 nosuch
	assert_equal "$status" 4
	run vg ct-fetch -o out g
	assert_equal "$status" 64
	run vg ct-hold "${ids[0]%-0}"
	assert_success
	run vg ct-release g
	assert_success
	run vg ct-resubmit g/r2
	assert_success
	run vg ct-wait -t 0.1 g/r1
	assert_equal "$status" 3
	run vg ct-cancel g
	assert_success
}

@test "ct-fetch -f and its converter: every format, a report refused in its middle, a bad format" {
	fasta a "$PROTEIN"
	blastxml a one >r.xml
	mkjob -s completed -r r.xml "$CT_SPOOL" done1
	blastxml a | sed 's|<Hsp_evalue>[^<]*<|<Hsp_evalue>x<|' >bad.xml
	mkjob -s completed -r bad.xml "$CT_SPOOL" bad1
	for f in tabular "tabular std qseq sseq btop stitle frames qcovhsp" json; do
		run vg --trace-children=yes ct-fetch -f "$f" done1
		assert_success
		run vg --trace-children=yes ct-fetch -f "$f" -o out bad1
		assert_equal "$status" 65
	done
	run vg ct-fetch -f "tabular nosuch" done1
	assert_equal "$status" 64
}

@test "ct-providers: list, show, check of good, broken and hostile registries" {
	reg=$BATS_TEST_DIRNAME/../share/providers.xml
	run vg ct-providers -c "$reg"
	assert_success
	run vg ct-providers -c "$reg" show ncbi
	assert_success
	# Each server's wrapper checked: its problems, and no leak.
	CT_WRAPPER_DIR=$CT_BUILD/providers run vg ct-providers -c "$reg" check
	assert_equal "$status" 78
	assert_line --partial "server 'ncbi': ncbi: parameter email: a placeholder"
	for f in semantics xxe laughs; do
		run vg ct-providers -c "$BATS_TEST_DIRNAME/data/registry/$f.xml" check
		assert_equal "$status" 78
	done
	mkjob -s failed -p ncbi "$CT_SPOOL" f1
	run vg ct-providers stats
	assert_success
}

@test "ct-ssearch: a search, refused input, a usage error" {
	db=$BATS_TEST_DIRNAME/../share/demo/globins45.fa
	q=$BATS_TEST_DIRNAME/../share/demo/queries.fa
	run vg ct-ssearch -d "$db" -q "$q" -evalue 1e-5 -o max_target_seqs=3
	assert_success
	assert_output --partial '</BlastOutput>'
	printf '>q\nMK1\n' >bad.fa
	run vg ct-ssearch -d "$db" -q bad.fa
	assert_equal "$status" 65
	run vg ct-ssearch -d nosuch.fa -q "$q"
	assert_equal "$status" 66
	run vg ct-ssearch -d "$db" -q "$q" -o gapopen=5
	assert_equal "$status" 64
}
