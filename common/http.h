/*
 * http.h: one HTTP request to a remote provider, on libcurl, hardened:
 * http and https only (redirects too, and never from https down to
 * http; a POST, which carries a job's query and the contact address, is
 * redirected only within the scheme, host and port it was sent to), TLS
 * peers verified (against a CA file if one is named), connect
 * and total timeouts, abort on a transfer that stalls, the body capped
 * as it arrives, no signals, a User-Agent naming cputorrent.
 *
 * Failures are classified for the wrapper contract (ct-wrapper(7)):
 * transient ones (no connection, a timeout, a dropped transfer, HTTP 429
 * or 5xx) may work if tried again later; permanent ones (a bad URL, an
 * unsupported scheme, a certificate that does not verify, any other
 * HTTP 4xx or an unfollowed 3xx, a body over the cap) will not.
 *
 * Only the wrappers that talk to remote services use this; programs that
 * do not call it do not link libcurl.
 *
 * Nothing here prints: a failed request says why in its response's
 * error, for the wrapper to print with its own words. Only a libcurl
 * that cannot start at all exits, EX_OSERR, after a message.
 */
#ifndef CT_HTTP_H
#define CT_HTTP_H

#include <stddef.h>

#include "util.h"

/* How a request went. */
enum http_outcome {
	HTTP_OK,		/* a 2xx answer, body whole */
	HTTP_TRANSIENT,		/* try again later */
	HTTP_PERMANENT,		/* will not work by trying again */
};

/* The limits of one request; zero fields take the defaults below. */
struct http_limits {
	const char *cafile;	/* CA bundle to verify peers; NULL: system */
	long connect_ms;	/* to set up the connection (15 s) */
	long total_ms;		/* the whole request, redirects included (45 s) */
	long low_speed_secs;	/* abort after this long below... (30 s) */
	long low_speed_bytes;	/* ...this many bytes per second (16) */
	size_t max_body;	/* the largest body accepted (16 MiB) */
};

#define HTTP_DEFAULT_CONNECT_MS 15000L
#define HTTP_DEFAULT_TOTAL_MS 45000L
#define HTTP_DEFAULT_LOW_SPEED_SECS 30L
#define HTTP_DEFAULT_LOW_SPEED_BYTES 16L
#define HTTP_DEFAULT_MAX_BODY (16UL * 1024 * 1024)

/*
 * The answer. body holds what was received, NUL-terminated (it may hold
 * NULs of its own: use body.len), also for an error status, so that an
 * error page can be quoted. error is a one-line reason when outcome is
 * not HTTP_OK, naming the method, scheme, host and path (never the query
 * string) and what failed.
 */
struct http_response {
	enum http_outcome outcome;
	long status;		/* the HTTP status; 0 if none was received */
	struct buf body;
	int body_over_cap;	/* the body grew past max_body */
	long retry_after;	/* 429 or 503: Retry-After, in seconds; 0 none */
	char error[1024];
};

/*
 * Form fields, application/x-www-form-urlencoded: "k=v&k=v", each key
 * and value escaped (letters, digits and "-._~" kept, a space as '+',
 * every other byte as %XX), so a value may hold anything, FASTA
 * newlines included.
 */
struct http_form {
	struct buf enc;
};

void http_form_add(struct http_form *f, const char *key, const char *value);
void http_form_free(struct http_form *f);

/*
 * GET url, with the form appended as its query string (after '?', or
 * '&' if url has one already) unless form is NULL or empty. Sets *r
 * (free it with http_response_free) and returns r->outcome.
 */
enum http_outcome http_get(const char *url, const struct http_form *form,
    const struct http_limits *lim, struct http_response *r);

/* POST the form to url as application/x-www-form-urlencoded; as http_get. */
enum http_outcome http_post(const char *url, const struct http_form *form,
    const struct http_limits *lim, struct http_response *r);

/*
 * A call of any method, with a body of any type and a bearer credential,
 * to a server of our own (ct-serve, cputorrent-volunteer(7)): redirects
 * are not followed, so neither the method nor the credential goes to
 * another server. form is ignored (it is http_get's and http_post's).
 */
struct http_call {
	const char *method;		/* "GET", "HEAD", "PUT", "POST", ... */
	const char *content_type;	/* of body; NULL: no such header */
	const void *body;		/* NULL: none */
	size_t body_len;
	const char *bearer;		/* "Authorization: Bearer" this */
	const struct http_form *form;
	/*
	 * If set, a 2xx answer's body goes to to, a piece at a time, instead
	 * of into the response (within max_body all the same): a large file
	 * is never held in memory. to returns 0, or -1 to abort the transfer
	 * (a permanent failure). Other answers' bodies are kept as ever.
	 */
	int (*to)(const void *data, size_t n, void *ctx);
	void *to_ctx;
};

/* Make the call to url; as http_get. */
enum http_outcome http_call(const char *url, const struct http_call *call,
    const struct http_limits *lim, struct http_response *r);

void http_response_free(struct http_response *r);

/*
 * Whether url is one http_get and http_post would try: http:// or
 * https:// and a host. Returns 0, or -1 with the reason in why.
 */
int http_url_ok(const char *url, char *why, size_t whylen);

#endif
