/*
 * ssearch-striped.c: the scan of ssearch-align.c many query positions at
 * a time, Farrar's striped Smith-Waterman (Bioinformatics 23:156, 2007),
 * on SSE2 natively and on WebAssembly's SIMD128 in the browser: first in
 * sixteen 8-bit lanes, then, for the pairs that score too high for 8
 * bits, in eight 16-bit lanes, and past that in ints (the scalar scan).
 * The same lanes and operations in every build, so the same scores as
 * the scalar scan, exactly.
 *
 * Exact, not approximate. In 16 bits: add, subtract, max, no saturation;
 * E, F >= -(open + extend) since H >= 0, so nothing wraps downwards, and
 * a column whose best H nears the top gives the pair back (-1). In 8
 * bits (SSW's form): scores biased by 4 to be unsigned, E and F held at
 * 0 where they would go below it (which changes no H, as H >= 0), and a
 * column whose best H nears 255 gives the pair to the 16-bit scan. Both:
 * E is also raised where the lazy F loop raises H, as Gotoh's recurrence
 * has it (a gap in one sequence right after one in the other).
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
#define SPLAT16(x) wasm_i16x8_splat((int16_t)(x))
#define ADD16(a, b) wasm_i16x8_add((a), (b))
#define SUB16(a, b) wasm_i16x8_sub((a), (b))
#define MAX16(a, b) wasm_i16x8_max((a), (b))
#define ANY_GT16(a, b) wasm_v128_any_true(wasm_i16x8_gt((a), (b)))
/* Lanes moved up by one, lane 0 from fill's lane 0. */
#define SHIFT16(a, fill) wasm_i16x8_shuffle((fill), (a), 0, 8, 9, 10, 11, \
	12, 13, 14)
#define SPLAT8(x) wasm_u8x16_splat((uint8_t)(x))
#define ADDS8(a, b) wasm_u8x16_add_sat((a), (b))
#define SUBS8(a, b) wasm_u8x16_sub_sat((a), (b))
#define MAX8(a, b) wasm_u8x16_max((a), (b))
#define ANY_GT8(a, b) wasm_v128_any_true(wasm_u8x16_gt((a), (b)))
#define SHIFT8(a, fill) wasm_i8x16_shuffle((fill), (a), 0, 16, 17, 18, 19, \
	20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30)
#else
#include <emmintrin.h>
typedef __m128i vec;
#define SPLAT16(x) _mm_set1_epi16((int16_t)(x))
#define ADD16(a, b) _mm_add_epi16((a), (b))
#define SUB16(a, b) _mm_sub_epi16((a), (b))
#define MAX16(a, b) _mm_max_epi16((a), (b))
#define ANY_GT16(a, b) (_mm_movemask_epi8(_mm_cmpgt_epi16((a), (b))) != 0)
#define SHIFT16(a, fill) _mm_or_si128(_mm_slli_si128((a), 2), \
	_mm_srli_si128(_mm_slli_si128((fill), 14), 14))
#define SPLAT8(x) _mm_set1_epi8((char)(uint8_t)(x))
#define ADDS8(a, b) _mm_adds_epu8((a), (b))
#define SUBS8(a, b) _mm_subs_epu8((a), (b))
#define MAX8(a, b) _mm_max_epu8((a), (b))
/* a > b unsigned: a - b, held at 0, is not 0. */
#define ANY_GT8(a, b) (_mm_movemask_epi8(_mm_cmpeq_epi8(SUBS8((a), (b)), \
	_mm_setzero_si128())) != 0xffff)
#define SHIFT8(a, fill) _mm_or_si128(_mm_slli_si128((a), 1), \
	_mm_srli_si128(_mm_slli_si128((fill), 15), 15))
#endif

/* The 8-bit profile's scores are BLOSUM62's + BIAS, BLOSUM62's least -4. */
#define BIAS 4
/* A padding position's score: below 0, so no H there beats a real one. */
#define PAD_SCORE (-4)

/*
 * 16 bits: H grows by at most 11 (BLOSUM62's best) a column, and the lazy
 * F loop takes F down by at most its highest value plus open + extend.
 */
#define KERNEL scan16
#define KVEC vec
#define KELEM int16_t
#define KLANES 8
#define K_ADD_SCORE(h, p) ADD16((h), (p))
#define K_SUB(a, b) SUB16((a), (b))
#define K_MAX(a, b) MAX16((a), (b))
#define K_ANY_GT(a, b) ANY_GT16((a), (b))
#define K_SPLAT(x) SPLAT16(x)
#define K_SHIFT(a, fill) SHIFT16((a), (fill))
#define K_FLOOR (-(gapopen + gapextend))
#define K_LIMIT 16000
#include "ssearch-kernel.h"
#undef KERNEL
#undef KVEC
#undef KELEM
#undef KLANES
#undef K_ADD_SCORE
#undef K_SUB
#undef K_MAX
#undef K_ANY_GT
#undef K_SPLAT
#undef K_SHIFT
#undef K_FLOOR
#undef K_LIMIT

/* 8 bits: H + a biased score saturates past 255 - BIAS - 11. */
#define KERNEL scan8
#define KVEC vec
#define KELEM uint8_t
#define KLANES 16
#define K_ADD_SCORE(h, p) SUBS8(ADDS8((h), (p)), SPLAT8(BIAS))
#define K_SUB(a, b) SUBS8((a), (b))
#define K_MAX(a, b) MAX8((a), (b))
#define K_ANY_GT(a, b) ANY_GT8((a), (b))
#define K_SPLAT(x) SPLAT8(x)
#define K_SHIFT(a, fill) SHIFT8((a), (fill))
#define K_FLOOR 0
#define K_LIMIT (255 - BIAS - 16)
#include "ssearch-kernel.h"

/* n vectors aligned, within the block at *raw (to free). */
static vec *
vec_alloc(size_t n, void **raw)
{
	uintptr_t p;

	*raw = xmalloc(n * sizeof(vec) + sizeof(vec));
	p = ((uintptr_t)*raw + sizeof(vec) - 1) & ~(uintptr_t)(sizeof(vec) - 1);
	return (vec *)p;
}

/*
 * A profile of lanes lanes, each width bytes, the scores plus bias,
 * followed by room for the H and E rows: seg vectors a residue code.
 */
static vec *
profile(const uint8_t *q, size_t qlen, size_t lanes, size_t width, int bias,
    size_t *seg, void **raw)
{
	size_t c, s, l;
	vec *v, *first;

	*seg = (qlen + lanes - 1) / lanes;
	first = v = vec_alloc(SS_ALPHA * *seg + 3 * *seg, raw);
	for (c = 0; c < SS_ALPHA; c++)
		for (s = 0; s < *seg; s++) {
			unsigned char w[sizeof(vec)];

			for (l = 0; l < lanes; l++) {
				size_t i = l * *seg + s;
				int x = (i < qlen ? ss_blosum62[c][q[i]] :
				    PAD_SCORE) + bias;

				if (width == 1)
					w[l] = (unsigned char)x;
				else {
					int16_t y = (int16_t)x;

					memcpy(w + 2 * l, &y, 2);
				}
			}
			memcpy(v++, w, sizeof w);
		}
	return first;
}

void
ss_striped_make(struct ss_profile *p, const uint8_t *q, size_t qlen)
{
	p->vprof = profile(q, qlen, 8, 2, 0, &p->seg, &p->vraw);
	p->vprof8 = profile(q, qlen, 16, 1, BIAS, &p->seg8, &p->vraw8);
}

void
ss_striped_free(struct ss_profile *p)
{
	free(p->vraw);
	free(p->vraw8);
	p->vraw = p->vprof = p->vraw8 = p->vprof8 = NULL;
}

int
ss_score_striped(struct ss_profile *p, const uint8_t *d, size_t n,
    int gapopen, int gapextend)
{
	vec *v8 = p->vprof8, *v16 = p->vprof;
	size_t s8 = p->seg8, s16 = p->seg;
	int s;

	if (gapopen + gapextend > 200)
		return -1;
	s = scan8(v8, v8 + SS_ALPHA * s8, v8 + SS_ALPHA * s8 + s8,
	    v8 + SS_ALPHA * s8 + 2 * s8, s8, d, n, gapopen, gapextend);
	if (s >= 0)
		return s;
	return scan16(v16, v16 + SS_ALPHA * s16, v16 + SS_ALPHA * s16 + s16,
	    v16 + SS_ALPHA * s16 + 2 * s16, s16, d, n, gapopen, gapextend);
}

#endif
