/*
 * ssearch-stats.c: Karlin-Altschul statistics of BLOSUM62 with affine
 * gaps (ssearch-int.h), with BLAST's own parameters (blast_stat.c's
 * blosum62_values), and e^x computed here with + - * / alone: a libm's
 * exp may differ in its last bit from another's, and the native and
 * WebAssembly builds must print the same E-values.
 */
#include "ssearch-int.h"

/* gap open, extend, lambda, K, H, ln K (ln K from K, to 17 digits). */
static const struct ss_stats table[] = {
	{ 11, 2, 0.297, 0.082, 0.27, -2.5010360317178839 },
	{ 10, 2, 0.291, 0.075, 0.23, -2.5902671654458267 },
	{ 9, 2, 0.279, 0.058, 0.19, -2.8473122684357177 },
	{ 8, 2, 0.264, 0.045, 0.15, -3.1010927892118172 },
	{ 7, 2, 0.239, 0.027, 0.10, -3.6119184129778081 },
	{ 6, 2, 0.201, 0.012, 0.061, -4.4228486291941369 },
	{ 13, 1, 0.292, 0.071, 0.23, -2.6450754019408218 },
	{ 12, 1, 0.283, 0.059, 0.19, -2.8302178350764176 },
	{ 11, 1, 0.267, 0.041, 0.14, -3.1941832122778293 },
	{ 10, 1, 0.243, 0.024, 0.10, -3.7297014486341915 },
	{ 9, 1, 0.206, 0.010, 0.052, -4.6051701859880909 },
};

#define LN2 0.69314718055994531

const struct ss_stats *
ss_stats_find(int gapopen, int gapextend)
{
	size_t i;

	for (i = 0; i < sizeof table / sizeof table[0]; i++)
		if (table[i].gapopen == gapopen &&
		    table[i].gapextend == gapextend)
			return &table[i];
	return NULL;
}

double
ss_bits(const struct ss_stats *st, int score)
{
	return (st->lambda * score - st->lnk) / LN2;
}

/*
 * e^x for x <= 0: x = k ln 2 + r with |r| <= ln 2 / 2, e^r by its Taylor
 * series (22 terms: below an ulp), times 2^k by exact halvings. Below
 * e^-690 (E-values under 1e-290 whatever the search space) it is 0.
 */
static double
exp_neg(double x)
{
	double r, sum = 1, term = 1;
	long k;
	int n;

	if (x < -690)
		return 0;
	k = (long)(x / LN2 - 0.5);
	r = x - (double)k * LN2;
	for (n = 1; n <= 22; n++) {
		term = term * r / n;
		sum += term;
	}
	for (; k < 0; k++)
		sum *= 0.5;
	return sum;
}

double
ss_evalue(const struct ss_stats *st, int score, double space)
{
	double x = st->lnk - st->lambda * score;

	/* A score of 0 or less would be e^x with x > 0: no local hit. */
	return x > 0 ? space : space * exp_neg(x);
}
