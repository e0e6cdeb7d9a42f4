/*
 * registry.c: loading and checking providers.xml (registry.h).
 *
 * Three stages, each reporting FILE:LINE for what it finds: libxml2 parses
 * the bytes (well-formedness), the compiled-in RELAX NG schema checks the
 * structure and the value types, and check_semantics() checks what a
 * schema cannot say (unique ids, known services, the wrapper named).
 */
#include <stdarg.h>
#include <fcntl.h>
#include <inttypes.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/xmlerror.h>

#include "config.h"
#include "err.h"
#include "exitcodes.h"
#include "jobid.h"
#include "registry.h"
#include "service.h"
#include "util.h"
#include "xmlsafe.h"

/* share/providers.rng, compiled in by the Makefile. */
extern const char providers_rng[];
extern const unsigned long providers_rng_len;

struct report {
	const char *path;
	int problems;
};

/* Every libxml2 complaint, as "FILE:LINE: message", counted. */
static void
report_xml_error(void *ctx, xmlErrorPtr e)
{
	struct report *rep = ctx;
	char msg[512];
	size_t n;

	if (e == NULL || e->level == XML_ERR_WARNING)
		return;
	snprintf(msg, sizeof msg, "%s", e->message ? e->message : "error");
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	ct_warn("%s:%d: %s", rep->path, e->line, msg);
	rep->problems++;
}

static void
problem(struct report *rep, long line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
problem(struct report *rep, long line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	ct_warn("%s:%ld: %s", rep->path, line, msg);
	rep->problems++;
}

const char *
registry_choose(const char *opt)
{
	return setting_choose(opt, "CT_CONFIG", CT_CONFIG_DEFAULT);
}

static int
read_registry_file(const char *path, struct buf *b)
{
	struct stat st;
	int fd, rc;

	fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		ct_warnerr("cannot open registry %s", path);
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		ct_warn("%s: not a regular file", path);
		close(fd);
		return -1;
	}
	rc = read_bounded(fd, b, REGISTRY_MAX_SIZE);
	if (rc < 0)
		ct_warnerr("cannot read registry %s", path);
	else if (rc > 0)
		ct_warn("%s: larger than %d bytes: not a registry", path,
		    REGISTRY_MAX_SIZE);
	close(fd);
	return rc == 0 ? 0 : -1;
}

static bool
is_element(xmlNodePtr n, const char *name)
{
	return n->type == XML_ELEMENT_NODE &&
	    strcmp((const char *)n->name, name) == 0;
}

/* An attribute's value, or NULL; the caller frees it. */
static char *
attr(xmlNodePtr n, const char *name)
{
	xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)name);
	char *copy;

	if (v == NULL)
		return NULL;
	copy = xstrdup((const char *)v);
	xmlFree(v);
	return copy;
}

/* A number attribute the schema has already checked; dflt if absent. */
static unsigned
attr_number(xmlNodePtr n, const char *name, unsigned dflt)
{
	char *v = attr(n, name);
	unsigned long x;

	if (v == NULL)
		return dflt;
	x = strtoul(v, NULL, 10);
	free(v);
	return (unsigned)x;
}

/* A size attribute the schema has already checked; dflt if absent. */
static uint64_t
attr_size(xmlNodePtr n, const char *name, uint64_t dflt)
{
	char *v = attr(n, name);
	size_t x;

	if (v == NULL)
		return dflt;
	if (parse_size(v, &x) != 0)
		x = SIZE_MAX;	/* too large: refused by check_limits */
	free(v);
	return x;
}

static bool
attr_true(xmlNodePtr n, const char *name, bool dflt)
{
	char *v = attr(n, name), *s, *e;
	bool t;

	if (v == NULL)
		return dflt;
	/* xsd:boolean allows blanks around the value; so must we. */
	for (s = v; *s == ' ' || *s == '\t' || *s == '\r' || *s == '\n'; s++)
		;
	for (e = s + strlen(s); e > s && (e[-1] == ' ' || e[-1] == '\t' ||
	    e[-1] == '\r' || e[-1] == '\n'); e--)
		;
	*e = '\0';
	t = strcmp(s, "true") == 0 || strcmp(s, "1") == 0;
	free(v);
	return t;
}

static void
load_parameters(struct registry_server *s, xmlNodePtr params)
{
	xmlNodePtr p;

	for (p = params->children; p != NULL; p = p->next) {
		struct registry_param *rp;
		xmlChar *text;

		if (!is_element(p, "parameter"))
			continue;
		s->params = xrealloc(s->params,
		    (s->nparams + 1) * sizeof *s->params);
		rp = &s->params[s->nparams++];
		rp->name = attr(p, "name");
		text = xmlNodeGetContent(p);
		rp->value = xstrdup(text ? (const char *)text : "");
		xmlFree(text);
		rp->required = attr_true(p, "required", false);
		rp->secret = attr_true(p, "secret", false);
		rp->line = xmlGetLineNo(p);
	}
}

/*
 * The circuit breaker (breaker.h) and the time window of <limits> c, which
 * the schema has checked: window "FROM-TO" in hours, window-days day
 * names.
 */
static void
load_adaptive(struct registry_server *s, xmlNodePtr c)
{
	static const char *const days[] = { "sun", "mon", "tue", "wed", "thu",
	    "fri", "sat" };
	char *v, *w, *save;
	size_t k;

	s->breaker_failures = attr_number(c, "breaker-failures",
	    s->breaker_failures);
	s->breaker_attempts = attr_number(c, "breaker-attempts",
	    s->breaker_attempts);
	s->breaker_black_hole = attr_number(c, "breaker-black-hole",
	    s->breaker_black_hole);
	s->breaker_cool_down = attr_number(c, "breaker-cool-down",
	    s->breaker_cool_down);
	s->window_max = attr_number(c, "window-max", s->window_max);
	if ((v = attr(c, "window")) != NULL &&
	    sscanf(v, "%d-%d", &s->window_from, &s->window_to) != 2)
		s->window_from = s->window_to = -1;
	free(v);
	if ((v = attr(c, "window-days")) != NULL)
		for (w = strtok_r(v, " \t\r\n", &save); w != NULL;
		    w = strtok_r(NULL, " \t\r\n", &save))
			for (k = 0; k < 7; k++)
				if (strcmp(w, days[k]) == 0)
					s->window_days |= 1u << k;
	free(v);
}

static void
load_server(struct registry *r, xmlNodePtr n)
{
	struct registry_server *s;
	xmlNodePtr c;
	char *run_as;

	r->servers = xrealloc(r->servers,
	    (r->nservers + 1) * sizeof *r->servers);
	s = &r->servers[r->nservers++];
	memset(s, 0, sizeof *s);
	s->id = attr(n, "id");
	s->name = attr(n, "name");
	s->enabled = attr_true(n, "enabled", true);
	run_as = attr(n, "run-as");
	s->run_as_owner = run_as != NULL && strcmp(run_as, "owner") == 0;
	free(run_as);
	s->line = xmlGetLineNo(n);
	s->max_jobs = REGISTRY_DEFAULT_MAX_JOBS;
	s->attempt_timeout = REGISTRY_DEFAULT_ATTEMPT_TIMEOUT;
	s->poll_interval = REGISTRY_DEFAULT_POLL_INTERVAL;
	s->request_interval = REGISTRY_DEFAULT_REQUEST_INTERVAL;
	s->call_timeout = REGISTRY_DEFAULT_CALL_TIMEOUT;
	s->breaker_failures = REGISTRY_DEFAULT_BREAKER_FAILURES;
	s->breaker_attempts = REGISTRY_DEFAULT_BREAKER_ATTEMPTS;
	s->breaker_black_hole = REGISTRY_DEFAULT_BREAKER_BLACK_HOLE;
	s->breaker_cool_down = REGISTRY_DEFAULT_BREAKER_COOL_DOWN;
	s->window_from = s->window_to = -1;
	for (c = n->children; c != NULL; c = c->next) {
		if (is_element(c, "limits")) {
			s->max_jobs = attr_number(c, "max-jobs", s->max_jobs);
			s->attempt_timeout = attr_number(c, "attempt-timeout",
			    s->attempt_timeout);
			s->poll_interval = attr_number(c, "poll-interval",
			    s->poll_interval);
			s->request_interval = attr_number(c,
			    "request-interval", s->request_interval);
			s->call_timeout = attr_number(c, "call-timeout",
			    s->call_timeout);
			s->daily_max = attr_number(c, "daily-max",
			    s->daily_max);
			load_adaptive(s, c);
		} else if (is_element(c, "batch")) {
			s->batch_queries = attr_number(c, "max-queries",
			    REGISTRY_DEFAULT_BATCH_QUERIES);
			s->batch_residues = attr_number(c, "max-residues",
			    REGISTRY_DEFAULT_BATCH_RESIDUES);
			s->batch_wait = attr_number(c, "wait",
			    REGISTRY_DEFAULT_BATCH_WAIT);
		} else if (is_element(c, "service")) {
			struct registry_service *sv;

			s->services = xrealloc(s->services,
			    (s->nservices + 1) * sizeof *s->services);
			sv = &s->services[s->nservices++];
			sv->name = attr(c, "name");
			sv->weight = attr_number(c, "weight", 0);
			sv->line = xmlGetLineNo(c);
		} else if (is_element(c, "parameters"))
			load_parameters(s, c);
	}
	s->wrapper = registry_param(s, "classname");
}

/*
 * The limits on <defaults> (spoollimits.h) into l, with the ranges a schema
 * cannot say: those of what ct-submit accepts from state/limits, since
 * a value it would not read would leave the built-in one in force.
 */
static void
load_limits(struct limits *l, xmlNodePtr n, struct report *rep)
{
	long line = xmlGetLineNo(n);

	l->max_input = attr_size(n, "max-input", l->max_input);
	l->max_options = attr_number(n, "max-options", l->max_options);
	l->max_option_size = attr_size(n, "max-option-size",
	    l->max_option_size);
	l->min_free = attr_size(n, "min-free", l->min_free);
	l->user_jobs = attr_number(n, "user-jobs", l->user_jobs);
	l->user_bytes = attr_size(n, "user-bytes", l->user_bytes);
	if (l->max_input == 0 || l->max_input > LIMITS_MAX_INPUT_MAX)
		problem(rep, line, "max-input must be from 1 to %" PRIu64
		    " bytes", LIMITS_MAX_INPUT_MAX);
	if (l->max_option_size == 0 ||
	    l->max_option_size > LIMITS_MAX_OPTION_SIZE_MAX)
		problem(rep, line, "max-option-size must be from 1 to %d "
		    "bytes", LIMITS_MAX_OPTION_SIZE_MAX);
	if (l->min_free > INT64_MAX || l->user_bytes > INT64_MAX)
		problem(rep, line, "min-free and user-bytes must be below "
		    "8E bytes");
}

static void
check_semantics(struct registry *r, struct report *rep)
{
	size_t i, k, m;

	for (i = 0; i < r->nservers; i++) {
		struct registry_server *s = &r->servers[i];

		for (k = 0; k < i; k++)
			if (strcmp(r->servers[k].id, s->id) == 0)
				problem(rep, s->line, "server id '%s' is "
				    "already used on line %ld", s->id,
				    r->servers[k].line);
		for (k = 0; k < s->nservices; k++) {
			struct registry_service *sv = &s->services[k];

			if (service_find(sv->name) == NULL)
				problem(rep, sv->line, "server '%s': unknown "
				    "service '%s'", s->id, sv->name);
			for (m = 0; m < k; m++)
				if (strcmp(s->services[m].name, sv->name) == 0)
					problem(rep, sv->line, "server '%s': "
					    "service '%s' listed twice",
					    s->id, sv->name);
		}
		for (k = 0; k < s->nparams; k++) {
			struct registry_param *p = &s->params[k];

			for (m = 0; m < k; m++)
				if (strcmp(s->params[m].name, p->name) == 0)
					problem(rep, p->line, "server '%s': "
					    "parameter '%s' given twice",
					    s->id, p->name);
			if (p->required && p->value[0] == '\0')
				problem(rep, p->line, "server '%s': required "
				    "parameter '%s' is empty", s->id,
				    p->name);
		}
		if (s->wrapper == NULL)
			problem(rep, s->line, "server '%s' has no 'classname' "
			    "parameter naming its wrapper", s->id);
		else if (!registry_name_valid(s->wrapper))
			problem(rep, s->line, "server '%s': classname '%s' is "
			    "not a wrapper name", s->id, s->wrapper);
		if (s->call_timeout == 0)
			problem(rep, s->line, "server '%s': call-timeout must "
			    "be at least 1 second", s->id);
		if (s->max_jobs == 0 && s->enabled)
			problem(rep, s->line, "server '%s': max-jobs is 0; "
			    "disable it with enabled=\"false\" instead", s->id);
	}
}

static int
validate(xmlDocPtr doc, struct report *rep)
{
	xmlRelaxNGParserCtxtPtr pctxt;
	xmlRelaxNGValidCtxtPtr vctxt;
	xmlRelaxNGPtr schema;
	int rc;

	pctxt = xmlRelaxNGNewMemParserCtxt(providers_rng,
	    (int)providers_rng_len);
	schema = pctxt ? xmlRelaxNGParse(pctxt) : NULL;
	xmlRelaxNGFreeParserCtxt(pctxt);
	if (schema == NULL)
		ct_die(EX_SOFTWARE, "the compiled-in registry schema is "
		    "broken");
	vctxt = xmlRelaxNGNewValidCtxt(schema);
	xmlRelaxNGSetValidStructuredErrors(vctxt, report_xml_error, rep);
	rc = xmlRelaxNGValidateDoc(vctxt, doc);
	xmlRelaxNGFreeValidCtxt(vctxt);
	xmlRelaxNGFree(schema);
	if (rc != 0 && rep->problems == 0)
		problem(rep, 1, "does not follow the registry schema");
	return rc;
}

/* The line on which needle first occurs in data (1 if it does not). */
static long
line_of(const char *data, size_t len, const char *needle)
{
	const char *hit = memmem(data, len, needle, strlen(needle)), *p;
	long line = 1;

	for (p = data; hit != NULL && p < hit; p++)
		if (*p == '\n')
			line++;
	return line;
}

int
registry_load(struct registry *r, const char *path)
{
	struct report rep = { path, 0 };
	struct buf b = { 0 };
	xmlDocPtr doc = NULL;
	xmlNodePtr root, n;
	char *v;
	long dtd_line;

	memset(r, 0, sizeof *r);
	if (read_registry_file(path, &b) != 0) {
		buf_free(&b);
		return -1;
	}
	doc = xmlsafe_parse(b.data, b.len, path, report_xml_error, &rep);
	dtd_line = line_of(b.data, b.len, "<!DOCTYPE");
	buf_free(&b);
	if (doc == NULL) {
		if (rep.problems == 0)
			problem(&rep, 1, "not well-formed XML");
		goto out;
	}
	if (doc->intSubset != NULL || doc->extSubset != NULL) {
		problem(&rep, dtd_line, "a DTD is not allowed in the registry");
		goto out;
	}
	if (validate(doc, &rep) != 0)
		goto out;
	r->path = xstrdup(path);
	r->deadline = REGISTRY_DEFAULT_DEADLINE;
	r->retention = REGISTRY_DEFAULT_RETENTION;
	limits_builtin(&r->limits);
	root = xmlDocGetRootElement(doc);
	for (n = root->children; n != NULL; n = n->next) {
		if (is_element(n, "defaults")) {
			r->deadline = attr_number(n, "deadline", r->deadline);
			r->retention = attr_number(n, "retention",
			    r->retention);
			free(r->run_as);
			r->run_as = attr(n, "run-as");
			v = attr(n, "routing");
			r->soonest = v != NULL && strcmp(v, "soonest") == 0;
			free(v);
			r->hedge = attr_number(n, "hedge", 0);
			load_limits(&r->limits, n, &rep);
		} else if (is_element(n, "server"))
			load_server(r, n);
	}
	if (r->deadline == 0)
		problem(&rep, 1, "the default deadline must be at least 1 "
		    "second: every job would fail at once");
	check_semantics(r, &rep);
out:
	xmlFreeDoc(doc);
	xmlSetStructuredErrorFunc(NULL, NULL);
	xmlCleanupParser();
	if (rep.problems > 0)
		registry_free(r);
	return rep.problems;
}

void
registry_free(struct registry *r)
{
	size_t i, k;

	for (i = 0; i < r->nservers; i++) {
		struct registry_server *s = &r->servers[i];

		free(s->id);
		free(s->name);
		for (k = 0; k < s->nservices; k++)
			free(s->services[k].name);
		free(s->services);
		for (k = 0; k < s->nparams; k++) {
			free(s->params[k].name);
			free(s->params[k].value);
		}
		free(s->params);
	}
	free(r->servers);
	free(r->path);
	free(r->run_as);
	memset(r, 0, sizeof *r);
}

static int
server_has_id(const void *id, const void *server)
{
	return strcmp(id, ((const struct registry_server *)server)->id);
}

const struct registry_server *
registry_server(const struct registry *r, const char *id)
{
	size_t n = r->nservers;

	return lfind(id, r->servers, &n, sizeof *r->servers, server_has_id);
}

const char *
registry_param(const struct registry_server *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nparams; i++)
		if (strcmp(s->params[i].name, name) == 0)
			return s->params[i].value;
	return NULL;
}

unsigned
registry_weight(const struct registry_server *s, const char *service)
{
	size_t i;

	for (i = 0; i < s->nservices; i++)
		if (strcmp(s->services[i].name, service) == 0)
			return s->services[i].weight;
	return 0;
}

bool
registry_name_valid(const char *s)
{
	/* The same rule as job IDs: letters, digits, '.', '_', '-'. */
	return jobid_valid(s);
}
