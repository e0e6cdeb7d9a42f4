/*
 * wrapper-http.c: what every wrapper on http.h does the same way
 * (wrapper.h): its parameters url, cafile, timeout and max-result, and
 * what it says, and exits with, when a request fails.
 */
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "exitcodes.h"
#include "http.h"
#include "util.h"
#include "wrapper.h"

/* The default and the largest result accepted (parameter max-result). */
#define DEFAULT_MAX_RESULT (64UL * 1024 * 1024)
#define LARGEST_MAX_RESULT (512UL * 1024 * 1024)
/* The default time one request may take (parameter timeout), seconds. */
#define DEFAULT_TIMEOUT 30.0

int
wrapper_http_params(struct http_limits *lim, size_t *max_result,
    double connect_cap)
{
	const char *v;
	double secs = DEFAULT_TIMEOUT;
	int rc = 0;
	size_t n;

	memset(lim, 0, sizeof *lim);
	lim->cafile = wrapper_param("cafile");
	if (lim->cafile != NULL && access(lim->cafile, R_OK) != 0) {
		ct_warnerr("parameter cafile: %s", lim->cafile);
		rc = EX_CONFIG;
	}
	if ((v = wrapper_param("timeout")) != NULL &&
	    (parse_seconds(v, &secs) != 0 || secs < 1 || secs > 3600)) {
		ct_warn("parameter timeout: not a number of seconds from 1 to "
		    "3600");
		secs = DEFAULT_TIMEOUT;
		rc = EX_CONFIG;
	}
	lim->total_ms = (long)(secs * 1000);
	lim->connect_ms = (long)((secs < connect_cap ? secs : connect_cap) *
	    1000);
	*max_result = DEFAULT_MAX_RESULT;
	if ((v = wrapper_param("max-result")) != NULL) {
		if (parse_size(v, &n) != 0 || n < 1024 ||
		    n > LARGEST_MAX_RESULT) {
			ct_warn("parameter max-result: not a size from 1k to "
			    "512M");
			rc = EX_CONFIG;
		} else
			*max_result = n;
	}
	return rc;
}

int
wrapper_url_param(const char **url, const char *hint)
{
	char reason[256];

	if ((*url = wrapper_param("url")) == NULL) {
		ct_warn("the server has no url parameter (%s)", hint);
		return EX_CONFIG;
	}
	if (http_url_ok(*url, reason, sizeof reason) != 0) {
		ct_warn("parameter url: %s", reason);
		return EX_CONFIG;
	}
	if (strchr(*url, '?') != NULL || strchr(*url, '#') != NULL) {
		ct_warn("parameter url: a base URL has no query or fragment");
		return EX_CONFIG;
	}
	return 0;
}

int
wrapper_http_failure(const char *what, const struct http_response *r,
    const char *detail, unsigned how)
{
	if (detail != NULL && detail[0] != '\0')
		ct_warn("%s: %s: %s", what, r->error, detail);
	else
		ct_warn("%s: %s", what, r->error[0] != '\0' ? r->error :
		    "no answer");
	if (r->outcome == HTTP_TRANSIENT) {
		wrapper_retry_after(r->retry_after);
		return EX_TEMPFAIL;
	}
	if ((how & WRAPPER_HTTP_AUTH_IS_CONFIG) &&
	    (r->status == 401 || r->status == 403))
		return EX_CONFIG;	/* the key is wrong: the registry's */
	if ((how & WRAPPER_HTTP_400_IS_INPUT) && r->status == 400)
		return EX_DATAERR;	/* the service refused the job's fields */
	return EX_UNAVAILABLE;
}
