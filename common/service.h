/*
 * service.h: the services cputorrent knows and the sequences they take.
 *
 * Errors: nothing here prints or fails.
 *
 * ct-submit checks a query against its service's alphabet before the job
 * exists, so a protein sent to blastn is refused at once rather than
 * failing at a provider an hour later.
 */
#ifndef CT_SERVICE_H
#define CT_SERVICE_H

enum seq_type { SEQ_PROTEIN, SEQ_NUCLEOTIDE };

struct service {
	const char *name;
	enum seq_type query;
};

/* The service called name, or NULL if there is none. */
const struct service *service_find(const char *name);

/* All services, NULL-terminated by name, for messages and --help. */
extern const struct service services[];

/* Every service's name, separated by blanks, for the completion. */
const char *service_names(void);

/* "protein" or "nucleotide". */
const char *seq_type_name(enum seq_type t);

#define SERVICE_DEFAULT "blastp"

#endif
