/*
 * poolcall.h: one call of the volunteer pool's protocol
 * (cputorrent-volunteer(7)) to a ct-serve, on http.h: the URL built from
 * the server's base URL, the JSON body sent and the JSON answer parsed
 * (jansson), and ct-serve's own words when it refuses. The volunteer
 * wrapper and ct-volunteer share it.
 *
 * Nothing here prints: the caller says what failed, with pool_reason.
 */
#ifndef CT_POOLCALL_H
#define CT_POOLCALL_H

#include <stdbool.h>
#include <string.h>

#include <jansson.h>

#include "http.h"

/*
 * Whether the protocol's list a (of strings: services, databases,
 * options) holds s. Inline: ct-serve, which makes no call, uses it too.
 */
static inline bool
pool_list_has(json_t *a, const char *s)
{
	size_t i;
	json_t *v;

	json_array_foreach(a, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
			return true;
	return false;
}

/*
 * method base + path, with body (NULL: none; it is sent as JSON and
 * json_decref'd) and the bearer credential. Sets *r (free it with
 * http_response_free) and, if the answer is a JSON object and answer is
 * not NULL, *answer (json_decref it; NULL otherwise). Returns r->outcome.
 */
enum http_outcome pool_call(const char *base, const char *method,
    const char *path, json_t *body, const char *bearer,
    const struct http_limits *lim, struct http_response *r, json_t **answer);

/*
 * As pool_call, with a body of any type (NULL: none): a blob's bytes,
 * say. No answer is parsed.
 */
enum http_outcome pool_call_raw(const char *base, const char *method,
    const char *path, const void *body, size_t len, const char *type,
    const char *bearer, const struct http_limits *lim,
    struct http_response *r);

/*
 * Why a call failed, one line into out: the transport's reason, and the
 * "error" ct-serve gave, if any.
 */
void pool_reason(const struct http_response *r, char *out, size_t n);

#endif
