/*
 * service.c: the BLAST programs and their query types, as BLAST+ defines
 * them (blastx and tblastx translate a nucleotide query; tblastn searches
 * a protein query against translated nucleotides), and ssearch, the
 * Smith-Waterman search of ct-ssearch(1).
 */
#include <stdio.h>
#include <string.h>

#include "service.h"

const struct service services[] = {
	{ "blastp", SEQ_PROTEIN },
	{ "blastn", SEQ_NUCLEOTIDE },
	{ "blastx", SEQ_NUCLEOTIDE },
	{ "tblastn", SEQ_PROTEIN },
	{ "tblastx", SEQ_NUCLEOTIDE },
	{ "psiblast", SEQ_PROTEIN },
	{ "deltablast", SEQ_PROTEIN },
	{ "rpsblast", SEQ_PROTEIN },
	{ "rpstblastn", SEQ_NUCLEOTIDE },
	/* A Smith-Waterman search, run by the pool's browser volunteers. */
	{ "ssearch", SEQ_PROTEIN },
	{ NULL, SEQ_PROTEIN },
};

const struct service *
service_find(const char *name)
{
	const struct service *s;

	for (s = services; s->name != NULL; s++)
		if (strcmp(s->name, name) == 0)
			return s;
	return NULL;
}

const char *
service_names(void)
{
	static char names[256];
	const struct service *s;

	if (names[0] == '\0')
		for (s = services; s->name != NULL; s++)
			snprintf(names + strlen(names), sizeof names -
			    strlen(names), "%s%s", s == services ? "" : " ",
			    s->name);
	return names;
}

const char *
seq_type_name(enum seq_type t)
{
	return t == SEQ_PROTEIN ? "protein" : "nucleotide";
}
