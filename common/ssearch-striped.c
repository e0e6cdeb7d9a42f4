/*
 * ssearch-striped.c: the scan of ssearch-align.c eight query positions at
 * a time, Farrar's striped Smith-Waterman (Bioinformatics 23:156, 2007),
 * on SSE2 natively and on WebAssembly's SIMD128 in the browser: the same
 * 16-bit lanes, the same operations (add, subtract, max; no saturation),
 * so the same scores as the scalar scan, exactly, in every build.
 *
 * Exact, not approximate: E, F >= -(open + extend) since H >= 0, so
 * nothing can wrap downwards; upwards, a column whose best H comes near
 * the top of 16 bits gives the pair back to the scalar scan (-1). E is
 * also raised where the lazy F loop raises H, as Gotoh's recurrence has
 * it (a gap in one sequence right after one in the other).
 *
 * Errors: none; memory from util.h.
 */
#include <stdlib.h>
#include <string.h>

#include "ssearch-int.h"

#if SS_STRIPED

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
typedef v128_t vec;
#define V_ADD(a, b) wasm_i16x8_add((a), (b))
#define V_SUB(a, b) wasm_i16x8_sub((a), (b))
#define V_MAX(a, b) wasm_i16x8_max((a), (b))
#define V_SPLAT(x) wasm_i16x8_splat((int16_t)(x))
#define V_ANY_GT(a, b) wasm_v128_any_true(wasm_i16x8_gt((a), (b)))
/* Lanes moved up by one, lane 0 from fill's lane 0. */
#define V_SHIFT(a, fill) wasm_i16x8_shuffle((fill), (a), 0, 8, 9, 10, 11, \
	12, 13, 14)
#else
#include <emmintrin.h>
typedef __m128i vec;
#define V_ADD(a, b) _mm_add_epi16((a), (b))
#define V_SUB(a, b) _mm_sub_epi16((a), (b))
#define V_MAX(a, b) _mm_max_epi16((a), (b))
#define V_SPLAT(x) _mm_set1_epi16((int16_t)(x))
#define V_ANY_GT(a, b) (_mm_movemask_epi8(_mm_cmpgt_epi16((a), (b))) != 0)
#define V_SHIFT(a, fill) _mm_or_si128(_mm_slli_si128((a), 2), \
	_mm_srli_si128(_mm_slli_si128((fill), 14), 14))
#endif

#define LANES 8
/*
 * Above this a pair goes back to the scalar scan: H grows by at most 11
 * (BLOSUM62's best) a column, and the lazy F loop takes F down by at most
 * its highest value plus open + extend, so no lane wraps either way.
 */
#define H_LIMIT 16000
/* A padding position's score: below 0, so no H there beats a real one. */
#define PAD_SCORE (-4)

/* n bytes aligned for vectors, within the block at *raw (to free). */
static vec *
vec_alloc(size_t n, void **raw)
{
	uintptr_t p;

	*raw = xmalloc(n * sizeof(vec) + sizeof(vec));
	p = ((uintptr_t)*raw + sizeof(vec) - 1) & ~(uintptr_t)(sizeof(vec) - 1);
	return (vec *)p;
}

void
ss_striped_make(struct ss_profile *p, const uint8_t *q, size_t qlen)
{
	size_t seg = (qlen + LANES - 1) / LANES, c, s, l;
	vec *v;

	p->seg = seg;
	p->vprof = v = vec_alloc(SS_ALPHA * seg + 3 * seg, &p->vraw);
	for (c = 0; c < SS_ALPHA; c++)
		for (s = 0; s < seg; s++) {
			int16_t w[LANES];

			for (l = 0; l < LANES; l++) {
				size_t i = l * seg + s;

				w[l] = (int16_t)(i < qlen ?
				    ss_blosum62[c][q[i]] : PAD_SCORE);
			}
			memcpy(v++, w, sizeof w);
		}
}

void
ss_striped_free(struct ss_profile *p)
{
	free(p->vraw);
	p->vraw = p->vprof = NULL;
}

int
ss_score_striped(struct ss_profile *p, const uint8_t *d, size_t n,
    int gapopen, int gapextend)
{
	const size_t seg = p->seg;
	const vec *prof = p->vprof;
	vec *hstore = (vec *)p->vprof + SS_ALPHA * seg, *hload = hstore + seg;
	vec *e = hload + seg, *t;
	const vec zero = V_SPLAT(0), vopen = V_SPLAT(gapopen + gapextend);
	const vec vext = V_SPLAT(gapextend), floor = V_SPLAT(-(gapopen +
	    gapextend)), limit = V_SPLAT(H_LIMIT);
	vec vmax = zero;
	int16_t lanes[LANES];
	size_t i, j, k;
	int best = 0;

	if (gapopen + gapextend > 1000)
		return -1;
	for (k = 0; k < seg; k++) {
		hstore[k] = zero;
		e[k] = floor;
	}
	for (j = 0; j < n; j++) {
		const vec *vp = prof + (size_t)d[j] * seg;
		vec vf = floor, vh = V_SHIFT(hstore[seg - 1], zero);

		t = hload;
		hload = hstore;
		hstore = t;
		for (k = 0; k < seg; k++) {
			vec ve = e[k], vhgap;

			vh = V_ADD(vh, vp[k]);
			vh = V_MAX(vh, ve);
			vh = V_MAX(vh, vf);
			vh = V_MAX(vh, zero);
			vmax = V_MAX(vmax, vh);
			hstore[k] = vh;
			vhgap = V_SUB(vh, vopen);
			e[k] = V_MAX(V_SUB(ve, vext), vhgap);
			vf = V_MAX(V_SUB(vf, vext), vhgap);
			vh = hload[k];
		}
		/* F across the lanes: until it can change no H. */
		vf = V_SHIFT(vf, floor);
		for (k = 0;;) {
			vec vhgap = V_SUB(hstore[k], vopen);

			if (!V_ANY_GT(vf, vhgap))
				break;
			vh = V_MAX(hstore[k], vf);
			hstore[k] = vh;
			vmax = V_MAX(vmax, vh);
			vhgap = V_SUB(vh, vopen);
			e[k] = V_MAX(e[k], vhgap);
			vf = V_SUB(vf, vext);
			if (++k == seg) {
				k = 0;
				vf = V_SHIFT(vf, floor);
			}
		}
		if (V_ANY_GT(vmax, limit))
			return -1;
	}
	memcpy(lanes, &vmax, sizeof lanes);
	for (i = 0; i < LANES; i++)
		if (lanes[i] > best)
			best = lanes[i];
	return best;
}

#endif
