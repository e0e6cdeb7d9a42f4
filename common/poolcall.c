/*
 * poolcall.c: a call of the volunteer pool's protocol (poolcall.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "poolcall.h"
#include "util.h"

enum http_outcome
pool_call_raw(const char *base, const char *method, const char *path,
    const void *body, size_t len, const char *type, const char *bearer,
    const struct http_limits *lim, struct http_response *r)
{
	struct buf url = { NULL, 0, 0 };
	size_t n = strlen(base);

	/* "http://host:port/" and "http://host:port" are the same base. */
	while (n > 0 && base[n - 1] == '/')
		n--;
	buf_appendf(&url, "%.*s%s", (int)n, base, path);
	http_call(url.data, &(struct http_call){ .method = method,
	    .content_type = body != NULL ? type : NULL, .body = body,
	    .body_len = body != NULL ? len : 0, .bearer = bearer }, lim, r);
	buf_free(&url);
	return r->outcome;
}

enum http_outcome
pool_call(const char *base, const char *method, const char *path,
    json_t *body, const char *bearer, const struct http_limits *lim,
    struct http_response *r, json_t **answer)
{
	char *text = NULL;

	if (answer != NULL)
		*answer = NULL;
	if (body != NULL) {
		text = json_dumps(body, JSON_COMPACT);
		json_decref(body);
		if (text == NULL) {
			memset(r, 0, sizeof *r);
			buf_append(&r->body, "", 0);
			r->outcome = HTTP_PERMANENT;
			snprintf(r->error, sizeof r->error, "%s %s: cannot "
			    "make the JSON body", method, path);
			return r->outcome;
		}
	}
	pool_call_raw(base, method, path, text, text != NULL ? strlen(text) :
	    0, "application/json", bearer, lim, r);
	if (answer != NULL && r->body.len > 0) {
		*answer = json_loadb(r->body.data, r->body.len, 0, NULL);
		if (*answer != NULL && !json_is_object(*answer)) {
			json_decref(*answer);
			*answer = NULL;
		}
	}
	free(text);
	return r->outcome;
}

void
pool_reason(const struct http_response *r, char *out, size_t n)
{
	json_t *a = r->body.len > 0 ? json_loadb(r->body.data, r->body.len,
	    0, NULL) : NULL;
	const char *e = NULL;
	size_t i;

	if (a != NULL)
		(void)json_unpack(a, "{s:s}", "error", &e);
	snprintf(out, n, "%s%s%s", r->error[0] != '\0' ? r->error :
	    "no answer", e != NULL ? ": " : "", e != NULL ? e : "");
	/* ct-serve's words are its own; a control byte is not. */
	for (i = 0; out[i] != '\0'; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			out[i] = '?';
	json_decref(a);
}
