/*
 * ct-providers: what the registry says, and how the providers are doing.
 *
 *	list		every service and the servers that offer it
 *	servers SERVICE	the servers of one service, with weights and limits
 *			(the paper's ServerFetch)
 *	show SERVER	one server's parameters (the paper's ParamsFetch)
 *	check		the registry checked; problems as FILE:LINE: what
 *	stats		per provider, from the spool: in flight, completed,
 *			failed, mean turnaround
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "err.h"
#include "exitcodes.h"
#include "privilege.h"
#include "registry.h"
#include "service.h"
#include "spool.h"

static const char usage[] =
    "usage: ct-providers [-c file] [-S spool] [list | check | stats]\n"
    "       ct-providers [-c file] servers service\n"
    "       ct-providers [-c file] show server\n";

static const char help[] =
    "Show and check the providers registry.\n"
    "  list             services and the servers offering them (default)\n"
    "  servers service  the servers of a service: weights and limits\n"
    "  show server      a server's parameters (secrets hidden)\n"
    "  check            check the registry; problems as FILE:LINE\n"
    "  stats            per provider: in flight, completed, failed,\n"
    "                   mean turnaround, from the spool\n"
    "  -c file          registry (default $CT_CONFIG, else "
    CT_CONFIG_DEFAULT ")\n"
    "  -S spool         spool directory, for stats (default $CT_SPOOL, else\n"
    "                   " CT_SPOOL_DEFAULT ")\n"
    "  -h, -V           help, version\n";

/* The servers' total weight for a service, for shares. */
static unsigned long long
total_weight(const struct registry *r, const char *service)
{
	unsigned long long sum = 0;
	size_t i;

	for (i = 0; i < r->nservers; i++)
		if (r->servers[i].enabled)
			sum += registry_weight(&r->servers[i], service);
	return sum;
}

static void
print_server_line(const struct registry *r, const struct registry_server *s,
    const char *service)
{
	unsigned w = registry_weight(s, service);
	unsigned long long total;

	total = total_weight(r, service);
	printf("%s\t%s\t%u\t%.1f%%\t%u\t%u\t%u\t%u\t%s\n", service, s->id, w,
	    s->enabled && total > 0 ? 100.0 * w / (double)total : 0.0,
	    s->max_jobs,
	    s->attempt_timeout, s->poll_interval, s->request_interval,
	    s->enabled ? "enabled" : "disabled");
}

static const char server_header[] =
    "SERVICE\tSERVER\tWEIGHT\tSHARE\tMAX-JOBS\tTIMEOUT\tPOLL\tINTERVAL"
    "\tSTATE\n";

static bool
offers(const struct registry_server *s, const char *service)
{
	size_t i;

	for (i = 0; i < s->nservices; i++)
		if (strcmp(s->services[i].name, service) == 0)
			return true;
	return false;
}

/* Every service some server offers, in the order of services[]. */
static int
cmd_list(const struct registry *r)
{
	const struct service *sv;
	size_t i;

	if (isatty(STDOUT_FILENO))
		fputs(server_header, stdout);
	for (sv = services; sv->name != NULL; sv++)
		for (i = 0; i < r->nservers; i++)
			if (offers(&r->servers[i], sv->name))
				print_server_line(r, &r->servers[i], sv->name);
	return 0;
}

static int
cmd_servers(const struct registry *r, const char *service)
{
	size_t i;
	int found = 0;

	if (isatty(STDOUT_FILENO))
		fputs(server_header, stdout);
	for (i = 0; i < r->nservers; i++)
		if (offers(&r->servers[i], service)) {
			print_server_line(r, &r->servers[i], service);
			found = 1;
		}
	if (!found) {
		ct_warn("%s: no server offers service '%s'", r->path, service);
		return CT_EXIT_NOTFOUND;
	}
	return 0;
}

static int
cmd_show(const struct registry *r, const char *id)
{
	const struct registry_server *s = registry_server(r, id);
	size_t i;

	if (s == NULL) {
		ct_warn("%s: no server '%s'", r->path, id);
		return CT_EXIT_NOTFOUND;
	}
	printf("server            %s\n", s->id);
	printf("name              %s\n", s->name);
	printf("state             %s\n", s->enabled ? "enabled" : "disabled");
	printf("wrapper           %s\n", s->wrapper);
	printf("max-jobs          %u\n", s->max_jobs);
	printf("attempt-timeout   %u s\n", s->attempt_timeout);
	printf("poll-interval     %u s\n", s->poll_interval);
	printf("request-interval  %u s\n", s->request_interval);
	printf("call-timeout      %u s\n", s->call_timeout);
	for (i = 0; i < s->nservices; i++)
		printf("service           %s weight %u\n", s->services[i].name,
		    s->services[i].weight);
	for (i = 0; i < s->nparams; i++) {
		const struct registry_param *p = &s->params[i];

		printf("parameter         %s%s = %s\n", p->name,
		    p->required ? " (required)" : "",
		    p->secret ? "(secret)" : p->value);
	}
	return 0;
}

struct provider_stats {
	char *provider;
	unsigned long in_flight, completed, failed;
	double turnaround_sum;
};

struct stats {
	struct provider_stats *p;
	size_t n;
	unsigned long unassigned;
};

static int
count_job(struct job *j, enum job_state s, void *ctx)
{
	struct stats *st = ctx;
	struct provider_stats *ps = NULL;
	size_t i;

	if (j->provider == NULL) {
		st->unassigned++;
		return 0;
	}
	for (i = 0; i < st->n && ps == NULL; i++)
		if (strcmp(st->p[i].provider, j->provider) == 0)
			ps = &st->p[i];
	if (ps == NULL) {
		st->p = xrealloc(st->p, (st->n + 1) * sizeof *st->p);
		ps = &st->p[st->n++];
		memset(ps, 0, sizeof *ps);
		ps->provider = xstrdup(j->provider);
	}
	if (s == JOB_PROCESSING)
		ps->in_flight++;
	else if (s == JOB_FAILED)
		ps->failed++;
	else if (s == JOB_COMPLETED) {
		ps->completed++;
		if (j->nevents > 0)
			ps->turnaround_sum += (double)(j->events[j->nevents -
			    1].usec - j->submitted_usec) / 1e6;
	}
	return 0;
}

/* Memory grows with the number of providers, never with jobs. */
static int
cmd_stats(const char *spool_path)
{
	struct stats st = { 0 };
	struct spool sp;
	size_t i;
	int rc;

	if ((rc = spool_open(&sp, spool_path, false)) != 0)
		return rc;
	sp.see_all = true;	/* figures for the administrator: all jobs */
	if (spool_foreach(&sp, count_job, &st) != 0)
		rc = EX_IOERR;
	spool_close(&sp);
	printf("PROVIDER\tIN-FLIGHT\tCOMPLETED\tFAILED\tMEAN-TURNAROUND\n");
	for (i = 0; i < st.n; i++) {
		struct provider_stats *ps = &st.p[i];

		if (ps->completed > 0)
			printf("%s\t%lu\t%lu\t%lu\t%.1fs\n", ps->provider,
			    ps->in_flight, ps->completed, ps->failed,
			    ps->turnaround_sum / (double)ps->completed);
		else
			printf("%s\t%lu\t%lu\t%lu\t-\n", ps->provider,
			    ps->in_flight, ps->completed, ps->failed);
		free(ps->provider);
	}
	printf("(none yet)\t%lu\t-\t-\t-\n", st.unassigned);
	free(st.p);
	return rc;
}

/* The verb and its arguments, checked; "list" if none is given. */
static const char *
parse_verb(struct cli *c, const char *const *args)
{
	size_t nargs;
	const char *verb;

	for (nargs = 0; args[nargs] != NULL; nargs++)
		;
	verb = nargs > 0 ? args[0] : "list";
	if ((strcmp(verb, "servers") == 0 || strcmp(verb, "show") == 0) ?
	    nargs != 2 : nargs > 1)
		cli_usage_error(c, "%s: wrong number of arguments", verb);
	if (strcmp(verb, "list") != 0 && strcmp(verb, "servers") != 0 &&
	    strcmp(verb, "show") != 0 && strcmp(verb, "check") != 0 &&
	    strcmp(verb, "stats") != 0)
		cli_usage_error(c, "%s: unknown command", verb);
	return verb;
}

/* A verb about the registry at path: its exit status. */
static int
registry_verb(const char *path, const char *verb, const char *arg)
{
	struct registry r;
	int status, problems;

	/* The registry is configuration, read with the caller's rights. */
	privilege_drop();
	problems = registry_load(&r, path);
	if (problems != 0) {
		if (problems > 0)
			ct_warn("%s: %d problem%s", path, problems,
			    problems == 1 ? "" : "s");
		return problems < 0 ? EX_NOINPUT : EX_CONFIG;
	}
	if (strcmp(verb, "check") == 0) {
		printf("%s: ok, %zu server%s\n", path, r.nservers,
		    r.nservers == 1 ? "" : "s");
		status = 0;
	} else if (strcmp(verb, "servers") == 0)
		status = cmd_servers(&r, arg);
	else if (strcmp(verb, "show") == 0)
		status = cmd_show(&r, arg);
	else
		status = cmd_list(&r);
	registry_free(&r);
	return status;
}

int
main(int argc, char **argv)
{
	struct cli c = { .usage = usage, .help = help };
	char *config = NULL;
	struct poptOption table[] = {
		CLI_STRING('c', &config, 0),
		CLI_COMMON_OPTIONS
	};
	const char *const *args, *verb;
	int status;

	privilege_init();
	ct_setprogname(argv[0]);
	cli_start(&c, argc, argv, table);
	while (cli_next(&c) != -1)
		;
	args = cli_args(&c);
	verb = parse_verb(&c, args);
	if (strcmp(verb, "stats") == 0)
		status = cmd_stats(spool_choose(c.spool));
	else
		status = registry_verb(registry_choose(config), verb,
		    args[0] != NULL ? args[1] : NULL);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		ct_warnerr("cannot write standard output");
		status = EX_IOERR;
	}
	free(config);
	cli_end(&c);
	return status;
}
