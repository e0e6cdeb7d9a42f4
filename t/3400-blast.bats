#!/usr/bin/env bats
# A real BLAST end to end: ct-submit, ct-dispatch, the local wrapper,
# BLAST+ on a database of 45 real globins, ct-wait, ct-fetch.

load helper
load blast

local_setup() {
	command -v blastp >/dev/null || skip "BLAST+ is missing (ncbi-blast+)"
	export CT_WRAPPER_DIR="$CT_BUILD/providers"
	export CT_CONFIG="$BATS_TEST_TMPDIR/providers.xml"
	cat >"$CT_CONFIG" <<XML
<?xml version="1.0"?>
<registry version="1">
  <defaults deadline="300"/>
  <server id="here" name="BLAST+ on this host">
    <limits max-jobs="2" attempt-timeout="120" poll-interval="0"/>
    <service name="blastp" weight="1"/>
    <parameters>
      <parameter name="classname">local</parameter>
      <parameter name="command">blastp -query {input} -db {database} -outfmt 5 -out {output}</parameter>
      <parameter name="database.globins45">$BATS_FILE_TMPDIR/globins45</parameter>
      <parameter name="options">evalue</parameter>
    </parameters>
  </server>
</registry>
XML
}

@test "two real queries: dispatched to BLAST+, completed, BLAST XML for each" {
	run -0 ct-submit -r -d globins45 -o evalue=1e-10 \
		"$BATS_TEST_DIRNAME/../share/demo/queries.fa"
	ids=("${lines[@]}")
	assert_equal "${#ids[@]}" 2
	dispatch_until_done "${ids[@]}"
	run -0 ct-wait -t 0 "${ids[@]}"

	ct-fetch -o hbb.xml "${ids[0]}"
	ct-fetch -o hba.xml "${ids[1]}"
	run -0 xmllint --xpath 'string(//BlastOutput_query-def)' hbb.xml
	assert_output "HBB_HUMAN Human beta hemoglobin"
	run -0 xmllint --xpath 'normalize-space((//Hit_def)[1])' hbb.xml
	assert_output HBB_CALAR
	run -0 xmllint --xpath 'normalize-space((//Hit_def)[1])' hba.xml
	assert_output HBA_MACFA
	# evalue=1e-10 reached blastp: every hit is at least that good.
	run -0 xmllint --xpath 'string(//Parameters_expect)' hbb.xml
	assert_output 1e-10

	run -0 ct-status -l "${ids[0]}"
	assert_line --regexp '^  .*  Processing  sent to here \(handle [0-9a-f]{32}\)$'
	assert_line --regexp '^  .*  Completed   completed by here in [0-9]+ s \([0-9]+ s after submission\)$'
	# Nothing left behind: no lock, no work directory.
	run find "$CT_SPOOL/locks" "$CT_SPOOL/work" -mindepth 1
	assert_output ""
}

@test "a database the server does not offer: the job fails, and says why" {
	fasta q "$PROTEIN"
	id=$(ct-submit -d swissprot q.fa)
	dispatch_until_done "$id"
	run -1 --separate-stderr ct-fetch "$id"
	# The cause, not only the verdict: what the server said.
	[[ $stderr =~ ^"ct-fetch: $id: job failed: no provider left: here cannot run it: local submit exit 69: ".*swissprot.*"; run it locally"$ ]] ||
		fail "stderr: $stderr"
	run -1 ct-status -l "$id"
	assert_line --regexp "here cannot run it: local submit exit 69: .*swissprot"
}
