/*
 * batchcall.h: several New jobs in one wrapper call, the batch call of
 * ct-wrapper(7) ("submit-batch"), the dispatcher's side. Not to be
 * confused with batch.h, the verbs of the wrappers of batch schedulers,
 * nor with ct-submit's batch IDs (jobid.h): a batch call is only how
 * jobs reach a provider; each job keeps its own attempt, work directory,
 * handle, lock and result.
 *
 * Jobs go together when one search could serve them all: the same
 * server, service, database and options, each one query, within the
 * server's <batch> bounds (providers.xml(5)). The call's standard input
 * is a manifest, each job's line then its input; its answer, a handle a
 * line for each job the wrapper started. A job the answer does not name,
 * or every job of a call that failed, is submitted alone, under the same
 * attempt, which the contract makes idempotent: so nothing a batch did
 * is lost, and nothing is done twice.
 *
 * Nothing here prints; a failed call's reason is in the caller's why.
 */
#ifndef CT_BATCHCALL_H
#define CT_BATCHCALL_H

#include <stdbool.h>
#include <stddef.h>

#include "contract.h"

struct account;
struct job;
struct registry_server;

/* The first line of a manifest: its format, version 1. */
#define BATCHCALL_MAGIC "ct-batch 1"

/*
 * May j go in a batch call of server s: s has <batch> with room for two
 * jobs or more, and j's input holds one query.
 */
bool batchcall_eligible(const struct registry_server *s, const struct job *j);

/*
 * Could one call serve a and b: service, database and options alike, and,
 * where the server runs its wrapper as each job's owner (run-as="owner"),
 * the same owner.
 */
bool batchcall_alike(const struct registry_server *s, const struct job *a,
    const struct job *b);

/* The letters of j's query: its input without header lines or blanks. */
size_t batchcall_residues(const struct job *j);

/* One batch call, of jobs whose locks the caller holds. */
struct batchcall {
	const char *wrapper_dir;	/* absolute */
	const struct registry_server *server;
	struct job *const *jobs;	/* n of them, with their inputs */
	char *const *workdirs;		/* each job's attempt's, made already */
	const int *locks;		/* each job's lock */
	const struct account *as;	/* whom the call runs as (contract.h) */
	size_t n;
	/* As in struct contract_call. */
	void (*meanwhile)(void *arg);
	void *meanwhile_arg;
	int meanwhile_ms;
};

/*
 * Make the call: submit-batch, with jobs[0]'s environment and options
 * (which every job shares) and the manifest on standard input, fenced to
 * every job's lock at once, so that no job of it is called for by anyone
 * else until nothing of the call is left, its caller dead or not
 * (contract.h, run.h). On CONTRACT_OK, handles[k] is the handle the
 * wrapper gave jobs[k] (allocated), or NULL if it named none, or an
 * invalid one; the caller frees them. Otherwise every handles[k] is
 * NULL, and why says why.
 */
enum contract_outcome batchcall_submit(const struct batchcall *b,
    char **handles, char *why, size_t whylen);

/*
 * The manifest of the jobs of b (exposed for the tests' and the fuzzer's
 * sake): BATCHCALL_MAGIC, then for each job a line "job ID ATTEMPT
 * DEADLINE LENGTH WORKDIR" and LENGTH bytes of its input.
 */
void batchcall_manifest(const struct batchcall *b, struct buf *out);

#endif
