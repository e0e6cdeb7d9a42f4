/*
 * ssearch-kernel.h: the body of Farrar's striped scan, included by
 * ssearch-striped.c once for each width of lanes, with these defined:
 *
 *	KERNEL		the function's name
 *	KVEC		the vector type; KLANES lanes of KELEM
 *	K_ADD_SCORE(h, p)  H + a profile score (8 bits: biased, saturating)
 *	K_SUB(a, b)	a - b (8 bits: saturating at 0)
 *	K_MAX(a, b), K_ANY_GT(a, b), K_SPLAT(x), K_SHIFT(a, fill)
 *	K_FLOOR		E and F before any gap: -(open + extend), or 0
 *	K_LIMIT		above this a column's best H gives the pair back
 *
 * Errors: none; it returns the best score, or -1 past K_LIMIT.
 */

static int
KERNEL(const KVEC *prof, KVEC *hstore, KVEC *hload, KVEC *e, size_t seg,
    const uint8_t *d, size_t n, int gapopen, int gapextend)
{
	const KVEC zero = K_SPLAT(0), vopen = K_SPLAT(gapopen + gapextend);
	const KVEC vext = K_SPLAT(gapextend), floor = K_SPLAT(K_FLOOR);
	const KVEC limit = K_SPLAT(K_LIMIT);
	KVEC vmax = zero, *t;
	KELEM lanes[KLANES];
	size_t i, j, k;
	int best = 0;

	for (k = 0; k < seg; k++) {
		hstore[k] = zero;
		e[k] = floor;
	}
	for (j = 0; j < n; j++) {
		const KVEC *vp = prof + (size_t)d[j] * seg;
		KVEC vf = floor, vh = K_SHIFT(hstore[seg - 1], zero);

		t = hload;
		hload = hstore;
		hstore = t;
		for (k = 0; k < seg; k++) {
			KVEC ve = e[k], vhgap;

			vh = K_ADD_SCORE(vh, vp[k]);
			vh = K_MAX(vh, ve);
			vh = K_MAX(vh, vf);
			vh = K_MAX(vh, zero);
			vmax = K_MAX(vmax, vh);
			hstore[k] = vh;
			vhgap = K_SUB(vh, vopen);
			e[k] = K_MAX(K_SUB(ve, vext), vhgap);
			vf = K_MAX(K_SUB(vf, vext), vhgap);
			vh = hload[k];
		}
		/* F across the lanes: until it can change no H. */
		vf = K_SHIFT(vf, floor);
		for (k = 0;;) {
			KVEC vhgap = K_SUB(hstore[k], vopen);

			if (!K_ANY_GT(vf, vhgap))
				break;
			vh = K_MAX(hstore[k], vf);
			hstore[k] = vh;
			vmax = K_MAX(vmax, vh);
			vhgap = K_SUB(vh, vopen);
			e[k] = K_MAX(e[k], vhgap);
			vf = K_SUB(vf, vext);
			if (++k == seg) {
				k = 0;
				vf = K_SHIFT(vf, floor);
			}
		}
		if (K_ANY_GT(vmax, limit))
			return -1;
	}
	memcpy(lanes, &vmax, sizeof lanes);
	for (i = 0; i < KLANES; i++)
		if ((int)lanes[i] > best)
			best = lanes[i];
	return best;
}
