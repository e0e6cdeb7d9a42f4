/*
 * http.c: one hardened HTTP request on libcurl's easy interface (http.h).
 *
 * Every limit is set on the handle explicitly, even where libcurl's
 * default is already the safe one, so that a reader sees the whole policy
 * here. The body cap is enforced in the write callback: CURLOPT_MAXFILESIZE
 * only looks at a Content-Length, and a chunked or compressed body has
 * none that tells the size received.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "config.h"
#include "err.h"
#include "exitcodes.h"
#include "http.h"

#define USER_AGENT "cputorrent/" CT_VERSION
/* Enough for NCBI's and EBI's redirects between their own hosts. */
#define MAX_REDIRECTS 5L

/* What the write callback needs. */
struct sink {
	struct buf *body;
	size_t max;
	int over;
	const struct http_call *call;	/* its to, if any, takes a 2xx body */
	size_t sent;			/* bytes given to call->to */
	CURL *h;
};

static const char form_keep[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "abcdefghijklmnopqrstuvwxyz0123456789-._~";

static void
form_escape(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char pct[3];
	size_t n;

	while (*s != '\0') {
		n = strspn(s, form_keep);
		if (n > 0) {
			buf_append(b, s, n);
			s += n;
			continue;
		}
		if (*s == ' ') {
			buf_append(b, "+", 1);
		} else {
			pct[0] = '%';
			pct[1] = hex[(unsigned char)*s >> 4];
			pct[2] = hex[(unsigned char)*s & 0xf];
			buf_append(b, pct, 3);
		}
		s++;
	}
}

void
http_form_add(struct http_form *f, const char *key, const char *value)
{
	if (f->enc.len > 0)
		buf_append(&f->enc, "&", 1);
	form_escape(&f->enc, key);
	buf_append(&f->enc, "=", 1);
	form_escape(&f->enc, value);
}

void
http_form_free(struct http_form *f)
{
	buf_free(&f->enc);
}

void
http_response_free(struct http_response *r)
{
	buf_free(&r->body);
}

/* The scheme's length if url starts with http:// or https://, else 0. */
static size_t
scheme_len(const char *url)
{
	if (strncasecmp(url, "http://", 7) == 0)
		return 7;
	if (strncasecmp(url, "https://", 8) == 0)
		return 8;
	return 0;
}

int
http_url_ok(const char *url, char *why, size_t whylen)
{
	size_t s = scheme_len(url), i;

	if (s == 0) {
		snprintf(why, whylen, "not an http:// or https:// URL");
		return -1;
	}
	if (url[s] == '\0' || url[s] == '/' || url[s] == '?' ||
	    url[s] == ':') {
		snprintf(why, whylen, "no host in the URL");
		return -1;
	}
	for (i = 0; url[i] != '\0'; i++)
		if ((unsigned char)url[i] <= 0x20 || url[i] == 0x7f) {
			snprintf(why, whylen, "a blank or a control "
			    "character in the URL");
			return -1;
		}
	return 0;
}

/*
 * url fit for a message: scheme, host and path, without any user
 * information (which may be a password) or the query string (which may
 * carry a job's data).
 */
static void
url_for_message(const char *url, char *out, size_t n)
{
	size_t s = scheme_len(url), auth_end, at, cut;

	auth_end = s + strcspn(url + s, "/?#");
	for (at = auth_end; at > s && url[at - 1] != '@'; at--)
		;
	cut = auth_end + strcspn(url + auth_end, "?#");
	snprintf(out, n, "%.*s%.*s%s", (int)s, url,
	    (int)(cut - (at > s ? at : s)), url + (at > s ? at : s),
	    url[cut] != '\0' ? "?..." : "");
}

/*
 * The origin of url, "scheme://host:port" with the scheme's port made
 * explicit, into out; -1 if libcurl cannot parse it. Two URLs of one
 * origin reach one server: the only place a POST may be redirected.
 */
static int
url_origin(const char *url, char *out, size_t n)
{
	char *scheme = NULL, *host = NULL, *port = NULL;
	CURLU *u = curl_url();
	int rc = -1;

	if (u != NULL && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) ==
	    CURLUE_OK) {
		snprintf(out, n, "%s://%s:%s", scheme, host, port);
		rc = 0;
	}
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return rc;
}

static size_t
write_body(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct sink *k = userdata;
	size_t n = size * nmemb;
	long status = 0;

	if (k->call->to != NULL) {
		(void)curl_easy_getinfo(k->h, CURLINFO_RESPONSE_CODE, &status);
		if (status >= 200 && status <= 299) {
			if (n > k->max - k->sent) {
				k->over = 1;
				return 0;
			}
			k->sent += n;
			return k->call->to(data, n, k->call->to_ctx) == 0 ? n :
			    0;
		}
	}
	if (n > k->max - k->body->len) {
		k->over = 1;
		return 0;	/* anything short of n aborts the transfer */
	}
	buf_append(k->body, data, n);
	return n;
}

/* Whether a libcurl failure may go away by itself. */
static int
curl_code_transient(CURLcode c)
{
	switch (c) {
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_HTTP3:
	case CURLE_AGAIN:
		return 1;
	default:
		return 0;
	}
}

static void
global_init_once(void)
{
	static int done;

	if (done)
		return;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		ct_die(EX_OSERR, "cannot initialise libcurl");
	atexit(curl_global_cleanup);
	done = 1;
}

/* Set the options of the policy; 0, or the first option refused. */
static CURLcode
harden(CURL *h, const char *url, const struct http_limits *lim,
    struct sink *sink, char *errbuf, struct curl_slist *headers)
{
	const char *redir = strncasecmp(url, "https://", 8) == 0 ?
	    "https" : "http,https";
	long connect_ms = lim && lim->connect_ms > 0 ? lim->connect_ms :
	    HTTP_DEFAULT_CONNECT_MS;
	long total_ms = lim && lim->total_ms > 0 ? lim->total_ms :
	    HTTP_DEFAULT_TOTAL_MS;
	long ls_secs = lim && lim->low_speed_secs > 0 ? lim->low_speed_secs :
	    HTTP_DEFAULT_LOW_SPEED_SECS;
	long ls_bytes = lim && lim->low_speed_bytes > 0 ?
	    lim->low_speed_bytes : HTTP_DEFAULT_LOW_SPEED_BYTES;
	CURLcode c;

#define SET(opt, val) \
	if ((c = curl_easy_setopt(h, opt, val)) != CURLE_OK) \
		return c
	SET(CURLOPT_ERRORBUFFER, errbuf);
	SET(CURLOPT_URL, url);
	/* Not file://, not gopher://, and no redirect to them either. */
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	/* A redirect from https never goes back to plain http. */
	SET(CURLOPT_REDIR_PROTOCOLS_STR, redir);
	SET(CURLOPT_FOLLOWLOCATION, 1L);
	SET(CURLOPT_MAXREDIRS, MAX_REDIRECTS);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	if (lim != NULL && lim->cafile != NULL)
		SET(CURLOPT_CAINFO, lim->cafile);
	SET(CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
	SET(CURLOPT_TIMEOUT_MS, total_ms);
	SET(CURLOPT_LOW_SPEED_TIME, ls_secs);
	SET(CURLOPT_LOW_SPEED_LIMIT, ls_bytes);
	/* Timeouts without SIGALRM: the wrappers' signals stay theirs. */
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_USERAGENT, USER_AGENT);
	/* Compressed bodies are counted against the cap once inflated. */
	SET(CURLOPT_ACCEPT_ENCODING, "");
	SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)sink->max);
	SET(CURLOPT_WRITEFUNCTION, write_body);
	SET(CURLOPT_WRITEDATA, sink);
	SET(CURLOPT_HTTPHEADER, headers);
	SET(CURLOPT_NETRC, (long)CURL_NETRC_IGNORED);
#undef SET
	return CURLE_OK;
}

static void
classify_status(struct http_response *r, const char *method,
    const char *where)
{
	if (r->status >= 200 && r->status <= 299) {
		r->outcome = HTTP_OK;
		return;
	}
	r->outcome = r->status == 429 || (r->status >= 500 &&
	    r->status <= 599) ? HTTP_TRANSIENT : HTTP_PERMANENT;
	snprintf(r->error, sizeof r->error, "%s %s: HTTP %ld%s", method,
	    where, r->status, r->status == 429 ? " (too many requests)" :
	    r->status >= 300 && r->status <= 399 ?
	    " (a redirect not followed)" : "");
}

/*
 * A POST carries the job's query and the contact address: libcurl would
 * send it again wherever a 307 or 308 points, so its redirects are
 * followed here, and only within the origin it was sent to (a 301, 302
 * or 303 becomes a GET there, as libcurl does). A redirect elsewhere is
 * refused with its reason in r->error, and CURLE_OK returned. The body
 * kept is the last answer's.
 */
static CURLcode
post_within_origin(CURL *h, const char *url, const char *method,
    const char *where, struct sink *sink, struct http_response *r)
{
	char origin[512], target[512];
	long hops, status;
	char *next;
	CURLcode c;

	if ((c = curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L)) != CURLE_OK)
		return c;
	if (url_origin(url, origin, sizeof origin) != 0)
		origin[0] = '\0';
	for (hops = 0;; hops++) {
		sink->body->len = 0;	/* each answer's body, not all */
		sink->body->data[0] = '\0';
		if ((c = curl_easy_perform(h)) != CURLE_OK)
			return c;
		next = NULL;
		(void)curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
		(void)curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &next);
		if (status < 300 || status > 399 || next == NULL)
			return CURLE_OK;
		if (hops == MAX_REDIRECTS)
			return CURLE_TOO_MANY_REDIRECTS;
		if (http_url_ok(next, target, sizeof target) != 0) {
			snprintf(r->error, sizeof r->error, "%s %s: "
			    "redirected to a URL that is not http or https, "
			    "not followed", method, where);
			return CURLE_OK;
		}
		if (origin[0] == '\0' ||
		    url_origin(next, target, sizeof target) != 0 ||
		    strcmp(origin, target) != 0) {
			url_for_message(next, target, sizeof target);
			target[scheme_len(target) + strcspn(target +
			    scheme_len(target), "/?")] = '\0';
			snprintf(r->error, sizeof r->error, "%s %s: "
			    "redirected to another server (%s), not followed",
			    method, where, target);
			return CURLE_OK;
		}
		if ((c = curl_easy_setopt(h, CURLOPT_URL, next)) != CURLE_OK)
			return c;
		if (status != 307 && status != 308 &&
		    (c = curl_easy_setopt(h, CURLOPT_HTTPGET, 1L)) != CURLE_OK)
			return c;
	}
}

static enum http_outcome
perform(const char *url, const struct http_call *call, int post,
    const struct http_limits *lim, struct http_response *r)
{
	const char *method = call->method;
	const struct http_form *form = call->form;
	char errbuf[CURL_ERROR_SIZE], where[256], why[128];
	struct curl_slist *headers;
	struct buf full = { NULL, 0, 0 }, hdr = { NULL, 0, 0 };
	struct sink sink;
	CURLcode c;
	CURL *h;

	memset(r, 0, sizeof *r);
	buf_append(&r->body, "", 0);	/* a body, even empty, is a string */
	url_for_message(url, where, sizeof where);
	r->outcome = HTTP_PERMANENT;
	if (http_url_ok(url, why, sizeof why) != 0) {
		snprintf(r->error, sizeof r->error, "%s %s: %s", method,
		    where, why);
		return r->outcome;
	}
	buf_append(&full, url, strlen(url));
	if (!post && form != NULL && form->enc.len > 0) {
		buf_append(&full, strchr(url, '?') ? "&" : "?", 1);
		buf_append(&full, form->enc.data, form->enc.len);
	}
	global_init_once();
	sink.body = &r->body;
	sink.max = lim && lim->max_body > 0 ? lim->max_body :
	    HTTP_DEFAULT_MAX_BODY;
	sink.over = 0;
	sink.call = call;
	sink.sent = 0;
	errbuf[0] = '\0';
	/* No "Expect: 100-continue" wait before a large form. */
	headers = curl_slist_append(NULL, "Expect:");
	if (headers != NULL && call->content_type != NULL) {
		buf_appendf(&hdr, "Content-Type: %s", call->content_type);
		headers = curl_slist_append(headers, hdr.data);
	}
	if (headers != NULL && call->bearer != NULL) {
		hdr.len = 0;
		buf_appendf(&hdr, "Authorization: Bearer %s", call->bearer);
		headers = curl_slist_append(headers, hdr.data);
	}
	h = curl_easy_init();
	sink.h = h;
	if (h == NULL || headers == NULL) {
		snprintf(r->error, sizeof r->error, "%s %s: cannot set up "
		    "libcurl", method, where);
		r->outcome = HTTP_TRANSIENT;
		goto out;
	}
	c = harden(h, full.data, lim, &sink, errbuf, headers);
	if (c == CURLE_OK && call->form == NULL) {
		/*
		 * A call of the pool's protocol: to one server that never
		 * redirects, so that neither the method nor the credential
		 * can follow a redirect anywhere else.
		 */
		if ((c = curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L)) ==
		    CURLE_OK && strcmp(method, "GET") != 0 &&
		    strcmp(method, "POST") != 0)
			c = curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
		/* A HEAD's answer has no body, whatever its length says. */
		if (c == CURLE_OK && strcmp(method, "HEAD") == 0)
			c = curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
		if (c == CURLE_OK && call->body != NULL &&
		    (c = curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)call->body_len)) == CURLE_OK)
			c = curl_easy_setopt(h, CURLOPT_POSTFIELDS, call->body);
	} else if (c == CURLE_OK && post) {
		if ((c = curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)(form ? form->enc.len : 0))) == CURLE_OK)
			c = curl_easy_setopt(h, CURLOPT_POSTFIELDS,
			    form && form->enc.data ? form->enc.data : "");
	}
	if (c != CURLE_OK) {
		snprintf(r->error, sizeof r->error, "%s %s: libcurl refused "
		    "an option: %s", method, where, curl_easy_strerror(c));
		goto out;
	}
	c = post ? post_within_origin(h, full.data, method, where, &sink, r) :
	    curl_easy_perform(h);
	if (c == CURLE_OK && r->error[0] != '\0') {
		/* A redirect refused, and said: permanent. */
		(void)curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
		goto out;
	}
	(void)curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
	if (sink.over || c == CURLE_FILESIZE_EXCEEDED) {
		r->body_over_cap = 1;
		r->outcome = HTTP_PERMANENT;
		snprintf(r->error, sizeof r->error, "%s %s: the answer is "
		    "larger than %zu bytes", method, where, sink.max);
	} else if (c != CURLE_OK) {
		r->outcome = curl_code_transient(c) ? HTTP_TRANSIENT :
		    HTTP_PERMANENT;
		snprintf(r->error, sizeof r->error, "%s %s: %s", method,
		    where, errbuf[0] ? errbuf : curl_easy_strerror(c));
	} else {
		classify_status(r, method, where);
		if (r->status == 429 || r->status == 503) {
			curl_off_t ra = 0;

			/* Seconds, or an HTTP date made seconds from now. */
			if (curl_easy_getinfo(h, CURLINFO_RETRY_AFTER, &ra) ==
			    CURLE_OK && ra > 0)
				r->retry_after = ra > 86400 ? 86400 : (long)ra;
		}
	}
out:
	if (h != NULL)
		curl_easy_cleanup(h);
	curl_slist_free_all(headers);
	buf_free(&full);
	buf_free(&hdr);
	return r->outcome;
}

enum http_outcome
http_get(const char *url, const struct http_form *form,
    const struct http_limits *lim, struct http_response *r)
{
	static const struct http_form none;

	return perform(url, &(struct http_call){ .method = "GET",
	    .form = form != NULL ? form : &none }, 0, lim, r);
}

enum http_outcome
http_post(const char *url, const struct http_form *form,
    const struct http_limits *lim, struct http_response *r)
{
	static const struct http_form none;

	return perform(url, &(struct http_call){ .method = "POST",
	    .form = form != NULL ? form : &none }, 1, lim, r);
}

enum http_outcome
http_call(const char *url, const struct http_call *call,
    const struct http_limits *lim, struct http_response *r)
{
	struct http_call c = *call;

	c.form = NULL;
	return perform(url, &c, 0, lim, r);
}
