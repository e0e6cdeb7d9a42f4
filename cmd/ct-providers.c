/*
 * ct-providers: what the registry says, and how the providers are doing.
 *
 *	list		every service and the servers that offer it
 *	servers SERVICE	the servers of one service, with weights and limits
 *			(the paper's ServerFetch)
 *	show SERVER	one server's parameters (the paper's ParamsFetch)
 *	check		the registry checked, and each server's wrapper
 *			with its own check (ct-wrapper(7)); problems as
 *			FILE:LINE: what
 *	stats		per provider, from the spool: in flight, completed,
 *			failed, mean turnaround and run time; and the live
 *			figures every dispatcher keeps (figures.h): recent
 *			success rate, runs, first answer, transient errors,
 *			last answer, circuit breaker; -j: as JSON
 *	disable SERVER [REASON]
 *	enable SERVER	take a server out of service, for every dispatcher
 *			of the spool, and put it back (disabled.h)
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "account.h"
#include "cli.h"
#include "contract.h"
#include "disabled.h"
#include "err.h"
#include "exitcodes.h"
#include "figures.h"
#include "json.h"
#include "privilege.h"
#include "registry.h"
#include "service.h"
#include "spool.h"
#include "timefmt.h"

static const char usage[] =
    "usage: ct-providers [-c file] [-S spool] [list | check | stats]\n"
    "       ct-providers -j [-c file] [-S spool] stats\n"
    "       ct-providers [-c file] [-S spool] servers service\n"
    "       ct-providers [-c file] [-S spool] show server\n"
    "       ct-providers [-c file] [-S spool] disable server [reason ...]\n"
    "       ct-providers [-c file] [-S spool] enable server\n";

static const char help[] =
    "Show and check the providers registry.\n"
    "  list             services and the servers offering them (default)\n"
    "  servers service  the servers of a service: weights and limits\n"
    "  show server      a server's parameters (secrets hidden)\n"
    "  check            check the registry, then each server's wrapper\n"
    "                   with its own check; problems as FILE:LINE\n"
    "  stats            per provider: in flight, completed, failed,\n"
    "                   mean turnaround and run time, from the spool;\n"
    "                   recent success, runs, answers, breaker\n"
    "  disable server   take it out of service, for every dispatcher of\n"
    "                   the spool, until enabled again: it takes no new\n"
    "                   job, and follows those it has to their end\n"
    "  enable server    put it back in service\n"
    "  -j, --json       stats as one JSON document\n"
    "  -c file          registry (default $CT_CONFIG, else "
    CT_CONFIG_DEFAULT ")\n"
    "  -S spool         spool directory (default $CT_SPOOL, else\n"
    "                   " CT_SPOOL_DEFAULT ")\n"
    "  -h, -V           help, version\n";

/*
 * Is s out of service: disabled by the registry, or by ct-providers
 * disable in the spool sp (NULL: none to look in)? A file that cannot be
 * looked at counts as there, as ct-dispatch counts it.
 */
static bool
out_of_service(struct spool *sp, const struct registry_server *s)
{
	return !s->enabled || (sp != NULL && disabled_get(sp, s->id, NULL) != 0);
}

/* The servers' total weight for a service, for shares. */
static unsigned long long
total_weight(struct spool *sp, const struct registry *r, const char *service)
{
	unsigned long long sum = 0;
	size_t i;

	for (i = 0; i < r->nservers; i++)
		if (!out_of_service(sp, &r->servers[i]))
			sum += registry_weight(&r->servers[i], service);
	return sum;
}

static void
print_server_line(struct spool *sp, const struct registry *r,
    const struct registry_server *s, const char *service)
{
	unsigned w = registry_weight(s, service);
	bool out = out_of_service(sp, s);
	unsigned long long total;

	total = total_weight(sp, r, service);
	printf("%s\t%s\t%u\t%.1f%%\t%u\t%u\t%u\t%u\t%s\n", service, s->id, w,
	    !out && total > 0 ? 100.0 * w / (double)total : 0.0,
	    s->max_jobs,
	    s->attempt_timeout, s->poll_interval, s->request_interval,
	    out ? "disabled" : "enabled");
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
cmd_list(struct spool *sp, const struct registry *r)
{
	const struct service *sv;
	size_t i;

	if (isatty(STDOUT_FILENO))
		fputs(server_header, stdout);
	for (sv = services; sv->name != NULL; sv++)
		for (i = 0; i < r->nservers; i++)
			if (offers(&r->servers[i], sv->name))
				print_server_line(sp, r, &r->servers[i],
				    sv->name);
	return 0;
}

static int
cmd_servers(struct spool *sp, const struct registry *r, const char *service)
{
	size_t i;
	int found = 0;

	if (isatty(STDOUT_FILENO))
		fputs(server_header, stdout);
	for (i = 0; i < r->nservers; i++)
		if (offers(&r->servers[i], service)) {
			print_server_line(sp, r, &r->servers[i], service);
			found = 1;
		}
	if (!found) {
		ct_warn("%s: no server offers service '%s'", r->path, service);
		return CT_EXIT_NOTFOUND;
	}
	return 0;
}

/* Who disabled a server, when and why, as ct-providers show says it. */
static void
print_disabling(const struct disabling *why)
{
	const struct passwd *pw;
	char when[64];

	if (why->usec == 0) {
		printf("disabled          in the spool\n");
		return;
	}
	format_timestamp(when, sizeof when, why->usec);
	pw = getpwuid(why->uid);
	if (pw != NULL)
		printf("disabled          since %s by %s", when, pw->pw_name);
	else
		printf("disabled          since %s by uid %lu", when,
		    (unsigned long)why->uid);
	printf("%s%s\n", why->reason[0] != '\0' ? ": " : "", why->reason);
}

/* A server's breaker and time window (providers.xml(5)), for show. */
static void
print_adaptive(const struct registry_server *s)
{
	static const char *const days[] = { "sun", "mon", "tue", "wed", "thu",
	    "fri", "sat" };
	size_t k;

	printf("breaker           %u%% of %u attempts, %u timeouts in a row; "
	    "cool-down %u s\n", s->breaker_failures, s->breaker_attempts,
	    s->breaker_black_hole, s->breaker_cool_down);
	if (s->window_from < 0 && s->window_days == 0)
		return;
	printf("window           ");
	if (s->window_from >= 0)
		printf(" %d-%d", s->window_from, s->window_to);
	for (k = 1; k <= 7; k++)	/* Monday first, as people list them */
		if (s->window_days & (1u << (k % 7)))
			printf(" %s", days[k % 7]);
	printf("; outside it %u a day\n", s->window_max);
}

static int
cmd_show(struct spool *sp, const struct registry *r, const char *id)
{
	const struct registry_server *s = registry_server(r, id);
	struct disabling why;
	size_t i;
	int held;

	if (s == NULL) {
		ct_warn("%s: no server '%s'", r->path, id);
		return CT_EXIT_NOTFOUND;
	}
	held = sp != NULL ? disabled_get(sp, s->id, &why) : 0;
	printf("server            %s\n", s->id);
	printf("name              %s\n", s->name);
	printf("state             %s\n", !s->enabled || held != 0 ?
	    "disabled" : "enabled");
	if (!s->enabled)
		printf("disabled          in the registry (enabled=\"false\")\n");
	if (held > 0)
		print_disabling(&why);
	else if (held < 0)
		printf("disabled          perhaps: %s/state/disabled.%s: %s\n",
		    sp->path, s->id, strerror(errno));
	printf("wrapper           %s\n", s->wrapper);
	printf("max-jobs          %u\n", s->max_jobs);
	printf("attempt-timeout   %u s\n", s->attempt_timeout);
	printf("poll-interval     %u s\n", s->poll_interval);
	printf("request-interval  %u s\n", s->request_interval);
	printf("call-timeout      %u s\n", s->call_timeout);
	if (s->batch_queries >= 2)
		printf("batch             up to %u jobs, %u residues; wait %u s\n",
		    s->batch_queries, s->batch_residues, s->batch_wait);
	print_adaptive(s);
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
	unsigned long in_flight, completed, failed, timed;
	double turnaround_sum, run_sum;
	struct figures_summary fig;	/* recent, from state/figures */
	struct breaker breaker;
};

struct stats {
	struct provider_stats *p;
	size_t n;
	unsigned long waiting;	/* New, or between servers */
	unsigned long unserved;	/* Failed before any server took it */
};

/* The row of provider, made (at the end) if it has none yet. */
static struct provider_stats *
row(struct stats *st, const char *provider)
{
	struct provider_stats *ps;
	size_t i;

	for (i = 0; i < st->n; i++)
		if (strcmp(st->p[i].provider, provider) == 0)
			return &st->p[i];
	st->p = xrealloc(st->p, (st->n + 1) * sizeof *st->p);
	ps = &st->p[st->n++];
	memset(ps, 0, sizeof *ps);
	ps->provider = xstrdup(provider);
	return ps;
}

/*
 * A job counts against every server that failed it for good, whatever
 * became of it after, and where it is: in flight there, completed there
 * (with its turnaround, and the time its last attempt took there), or
 * failed there (its deadline passed, or it was withdrawn, while that
 * server had it). A job no server has now waits for one, or failed with
 * none: those are the last line's.
 */
static int
count_job(struct job *j, enum job_state s, void *ctx)
{
	struct stats *st = ctx;
	struct provider_stats *ps;
	int64_t end;
	size_t i;

	for (i = 0; i < j->ntried; i++)
		row(st, j->tried[i])->failed++;
	if (j->provider == NULL) {
		if (s == JOB_NEW || s == JOB_PROCESSING)
			st->waiting++;
		else if (s == JOB_FAILED && j->ntried == 0)
			st->unserved++;
		return 0;
	}
	ps = row(st, j->provider);
	if (s == JOB_PROCESSING)
		ps->in_flight++;
	else if (s == JOB_FAILED)
		ps->failed++;
	else if (s == JOB_COMPLETED && j->nevents > 0) {
		end = j->events[j->nevents - 1].usec;
		ps->completed++;
		ps->turnaround_sum += (double)(end - j->submitted_usec) / 1e6;
		if (j->attempt_usec > 0 && j->attempt_usec <= end) {
			ps->timed++;
			ps->run_sum += (double)(end - j->attempt_usec) / 1e6;
		}
	}
	return 0;
}

/* A mean in seconds with one decimal, or "-" for none. */
static void
print_mean(double sum, unsigned long n, const char *sep)
{
	if (n > 0)
		printf("%s%.1fs", sep, sum / (double)n);
	else
		printf("%s-", sep);
}

/*
 * The servers of the registry at path come first, in its order, so that
 * one no job has reached has its row of zeros; unless it cannot be read
 * as the caller (then only what the spool names).
 */
static void
registry_rows(struct stats *st, const char *path)
{
	struct registry r;
	size_t i;

	if (access(path, R_OK) != 0 || registry_load(&r, path) != 0)
		return;
	for (i = 0; i < r.nservers; i++)
		(void)row(st, r.servers[i].id);
	registry_free(&r);
}

/* Each row's live figures (figures.h); a row without any has none. */
static void
read_figures(struct stats *st, struct spool *sp)
{
	struct figures f;
	size_t i;

	for (i = 0; i < st->n; i++) {
		if (figures_read(sp, st->p[i].provider, &f) != 0)
			ct_warnerr("cannot read %s/state/figures.%s", sp->path,
			    st->p[i].provider);
		figures_sum(&f, &st->p[i].fig);
		st->p[i].breaker = f.b;
		figures_free(&f);
	}
}

/* A share as a whole percentage, or "-". */
static void
print_share(double x)
{
	if (x >= 0)
		printf("\t%.0f%%", 100 * x);
	else
		printf("\t-");
}

/* Seconds with one decimal, or "-". */
static void
print_secs(double x)
{
	if (x >= 0)
		printf("\t%.1fs", x);
	else
		printf("\t-");
}

/* An age before now, or "-" for none. */
static void
print_age(int64_t usec, int64_t now)
{
	char age[32];

	if (usec == 0) {
		printf("\t-");
		return;
	}
	format_age(age, sizeof age, now > usec ? now - usec : 0);
	printf("\t%s", age);
}

static void
print_stats(const struct stats *st)
{
	int64_t now = now_usec();
	char age[32];
	size_t i;

	printf("PROVIDER\tIN-FLIGHT\tCOMPLETED\tFAILED\tMEAN-TURNAROUND"
	    "\tMEAN-RUN\tSUCCESS\tRUN-P50\tRUN-P90\tFIRST-ANSWER"
	    "\tTRANSIENT\tLAST-ANSWER\tBREAKER\tHEDGES\n");
	for (i = 0; i < st->n; i++) {
		const struct provider_stats *ps = &st->p[i];

		printf("%s\t%lu\t%lu\t%lu", ps->provider, ps->in_flight,
		    ps->completed, ps->failed);
		print_mean(ps->turnaround_sum, ps->completed, "\t");
		print_mean(ps->run_sum, ps->timed, "\t");
		print_share(ps->fig.success);
		print_secs(ps->fig.p50);
		print_secs(ps->fig.p90);
		print_secs(ps->fig.first_answer);
		print_share(ps->fig.transient_rate);
		print_age(ps->fig.last_answer_usec, now);
		printf("\t%s", breaker_state_name(ps->breaker.state));
		if (ps->breaker.since_usec != 0) {
			format_age(age, sizeof age, now > ps->breaker.since_usec ?
			    now - ps->breaker.since_usec : 0);
			printf(" %s", age);
		}
		printf("\t%u\n", ps->fig.hedges);
	}
	printf("(none yet)\t%lu\t-\t%lu\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\n",
	    st->waiting, st->unserved);
}

/* A number for JSON: null if x < 0 (none). */
static void
json_number(const char *name, double x)
{
	if (x >= 0)
		printf(",\"%s\":%.3f", name, x);
	else
		printf(",\"%s\":null", name);
}

/* The same figures as one JSON document. */
static void
print_stats_json(const struct stats *st)
{
	char when[32];
	size_t i;

	printf("{\"providers\":[");
	for (i = 0; i < st->n; i++) {
		const struct provider_stats *ps = &st->p[i];
		const struct figures_summary *f = &ps->fig;

		printf("%s\n{\"provider\":", i > 0 ? "," : "");
		jsonw_string(stdout, ps->provider);
		printf(",\"in_flight\":%lu,\"completed\":%lu,\"failed\":%lu",
		    ps->in_flight, ps->completed, ps->failed);
		json_number("mean_turnaround", ps->completed > 0 ?
		    ps->turnaround_sum / (double)ps->completed : -1);
		json_number("mean_run", ps->timed > 0 ?
		    ps->run_sum / (double)ps->timed : -1);
		printf(",\"recent\":{\"attempts\":%u,\"done\":%u,"
		    "\"failed\":%u,\"timeouts\":%u,\"transients\":%u,"
		    "\"answers\":%u,\"hedges\":%u", f->outcomes, f->done,
		    f->failed, f->timeouts, f->transients, f->answers,
		    f->hedges);
		json_number("success_rate", f->success);
		json_number("run_p50", f->p50);
		json_number("run_p90", f->p90);
		json_number("first_answer", f->first_answer);
		json_number("transient_rate", f->transient_rate);
		if (f->last_answer_usec != 0) {
			format_utc(when, sizeof when, f->last_answer_usec);
			printf(",\"last_answer\":\"%s\"}", when);
		} else
			printf(",\"last_answer\":null}");
		printf(",\"breaker\":{\"state\":\"%s\"",
		    breaker_state_name(ps->breaker.state));
		if (ps->breaker.since_usec != 0) {
			format_utc(when, sizeof when, ps->breaker.since_usec);
			printf(",\"since\":\"%s\",\"reason\":", when);
			jsonw_string(stdout, ps->breaker.reason);
		}
		if (ps->breaker.probe[0] != '\0') {
			printf(",\"probe\":");
			jsonw_string(stdout, ps->breaker.probe);
		}
		printf("}}");
	}
	printf("\n],\"waiting\":%lu,\"unserved\":%lu}\n", st->waiting,
	    st->unserved);
}

/* Memory grows with the number of providers, never with jobs. */
static int
cmd_stats(const char *spool_path, const char *config, bool json)
{
	struct stats st = { 0 };
	struct spool sp;
	size_t i;
	int rc;

	if ((rc = spool_open(&sp, spool_path, false)) != 0)
		return rc;
	sp.see_all = true;	/* figures for the administrator: all jobs */
	registry_rows(&st, config);
	if (spool_foreach(&sp, count_job, &st) != 0)
		rc = EX_IOERR;
	read_figures(&st, &sp);
	spool_close(&sp);
	if (json)
		print_stats_json(&st);
	else
		print_stats(&st);
	for (i = 0; i < st.n; i++)
		free(st.p[i].provider);
	free(st.p);
	return rc;
}

/*
 * The parameter of server s that a problem its wrapper's check reported
 * begins by naming ("parameter NAME: ..." or "parameter NAME is ..."),
 * matched by its CT_PARAM_ form, which is all a wrapper sees of the
 * name; *rest is then what follows NAME. NULL if there is none.
 */
static const struct registry_param *
problem_param(const struct registry_server *s, const char *problem,
    const char **rest)
{
	const struct registry_param *found = NULL;
	const char *name = problem + sizeof "parameter " - 1;
	char *given, *var, *v;
	size_t i, n;

	if (strncmp(problem, "parameter ", sizeof "parameter " - 1) != 0)
		return NULL;
	n = strcspn(name, ": ");
	*rest = name + n;
	given = xstrndup(name, n);
	var = contract_param_var("", given);
	for (i = 0; i < s->nparams && found == NULL; i++) {
		v = contract_param_var("", s->params[i].name);
		if (strcmp(v, var) == 0)
			found = &s->params[i];
		free(v);
	}
	free(var);
	free(given);
	return found;
}

/*
 * One problem of server s, as FILE:LINE: the line of the parameter it is
 * about, named as the registry names it, or else the server's.
 */
static void
say_problem(const struct registry *r, const struct registry_server *s,
    const char *tag, const char *problem)
{
	const struct registry_param *p;
	const char *rest;

	if ((p = problem_param(s, problem, &rest)) != NULL)
		ct_warn("%s:%ld: server '%s'%s: %s: parameter %s%.500s",
		    r->path, p->line, s->id, tag, s->wrapper, p->name, rest);
	else
		ct_warn("%s:%ld: server '%s'%s: %s: %.500s", r->path, s->line,
		    s->id, tag, s->wrapper, problem);
}

/*
 * What the check of server s found, each problem as FILE:LINE (a
 * problem of a server out of service said so, and not counted: no job
 * goes there). Returns the number of problems counted.
 */
static unsigned
check_server(struct spool *sp, const struct registry *r,
    const struct registry_server *s, const char *wrapper_dir,
    const struct account *as)
{
	const char *tag = out_of_service(sp, s) ? " (disabled)" : "";
	struct buf out = { 0 };
	char why[1024], *line, *next, *p;
	unsigned problems = 0;

	if (wrapper_dir == NULL) {
		ct_warnerr("%s:%ld: server '%s'%s: wrapper directory %s",
		    r->path, s->line, s->id, tag, contract_wrapper_dir());
		problems++;
	} else switch (contract_check(wrapper_dir, s, as, &out, why,
	    sizeof why)) {
	case CONTRACT_CHECK_OK:
		break;
	case CONTRACT_CHECK_UNKNOWN:
		ct_warn("%s:%ld: server '%s'%s: wrapper %s cannot be checked: "
		    "it knows no check verb", r->path, s->line, s->id, tag,
		    s->wrapper);
		break;
	case CONTRACT_CHECK_FAILED:
		ct_warn("%s:%ld: server '%s'%s: %s", r->path, s->line, s->id,
		    tag, why);
		problems++;
		break;
	case CONTRACT_CHECK_PROBLEMS:
		buf_append(&out, "", 1);
		for (p = out.data; *p != '\0'; p++)
			if ((unsigned char)*p < 0x20 && *p != '\n')
				*p = '?';
		for (line = out.data; *line != '\0'; line = next) {
			next = line + strcspn(line, "\n");
			if (*next == '\n')
				*next++ = '\0';
			if (*line == '\0')
				continue;
			say_problem(r, s, tag, line);
			problems++;
		}
		if (problems == 0) {
			ct_warn("%s:%ld: server '%s'%s: %s check exit %d "
			    "without saying what is wrong", r->path, s->line,
			    s->id, tag, s->wrapper, EX_CONFIG);
			problems++;
		}
		break;
	}
	buf_free(&out);
	return tag[0] != '\0' ? 0 : problems;
}

/*
 * check, once the registry has passed registry_load(): every server's
 * wrapper found and executable, and its own check (ct-wrapper(7)).
 */
/*
 * A registry that holds secrets (API keys, passwords) should be readable
 * by root and the dispatcher's account only: a warning, for a registry
 * every user may read, naming the first secret.
 */
static void
warn_readable_secrets(const struct registry *r)
{
	struct stat st;
	size_t i, k;

	if (stat(r->path, &st) != 0 || (st.st_mode & S_IROTH) == 0)
		return;
	for (i = 0; i < r->nservers; i++)
		for (k = 0; k < r->servers[i].nparams; k++)
			if (r->servers[i].params[k].secret) {
				ct_warn("%s:%ld: warning: parameter '%s' of "
				    "server '%s' is secret, and every user "
				    "may read the registry (mode %04o): "
				    "chmod o-r it", r->path,
				    r->servers[i].params[k].line,
				    r->servers[i].params[k].name,
				    r->servers[i].id,
				    (unsigned)(st.st_mode & 07777));
				return;
			}
}

static int
cmd_check(struct spool *sp, const struct registry *r)
{
	const struct account *as;
	struct account account;
	unsigned problems = 0;
	char why[1024], *dir;
	size_t i;

	/* Each check runs as the dispatcher's calls would, so it sees what
	   they will: a database the account cannot read, say. */
	if (contract_dispatcher_account(r, &account, &as, why,
	    sizeof why) != 0) {
		ct_warn("%s: %s", r->path, why);
		return EX_CONFIG;
	}
	dir = realpath(contract_wrapper_dir(), NULL);
	for (i = 0; i < r->nservers; i++)
		problems += check_server(sp, r, &r->servers[i], dir, as);
	free(dir);
	warn_readable_secrets(r);
	if (problems > 0) {
		ct_warn("%s: %u problem%s", r->path, problems,
		    problems == 1 ? "" : "s");
		return EX_CONFIG;
	}
	printf("%s: ok, %zu server%s\n", r->path, r->nservers,
	    r->nservers == 1 ? "" : "s");
	return 0;
}

/* The verb and its arguments, checked; "list" if none is given. */
static const char *
parse_verb(struct cli *c, const char *const *args)
{
	size_t nargs;
	const char *verb;
	bool ok;

	for (nargs = 0; args[nargs] != NULL; nargs++)
		;
	verb = nargs > 0 ? args[0] : "list";
	if (strcmp(verb, "servers") == 0 || strcmp(verb, "show") == 0 ||
	    strcmp(verb, "enable") == 0)
		ok = nargs == 2;
	else if (strcmp(verb, "disable") == 0)
		ok = nargs >= 2;
	else if (strcmp(verb, "list") == 0 || strcmp(verb, "check") == 0 ||
	    strcmp(verb, "stats") == 0)
		ok = nargs <= 1;
	else
		cli_usage_error(c, "%s: unknown command", verb);
	if (!ok)
		cli_usage_error(c, "%s: wrong number of arguments", verb);
	return verb;
}

/* The words of a reason, joined by spaces; a usage error if not one. */
static char *
join_reason(struct cli *c, const char *const *words)
{
	struct buf b = { 0 };
	size_t i;

	for (i = 0; words[i] != NULL; i++)
		buf_appendf(&b, "%s%s", i > 0 ? " " : "", words[i]);
	buf_append(&b, "", 1);
	if (!disabled_reason_ok(b.data)) {
		buf_free(&b);
		cli_usage_error(c, "a reason is one line of at most %d bytes",
		    DISABLED_REASON_MAX);
	}
	return b.data;
}

/* disable or enable server s in the spool at path: the exit status. */
static int
cmd_disable(const char *path, const struct registry *r, const char *id,
    const char *reason)
{
	const struct registry_server *s = registry_server(r, id);
	struct spool sp;
	int rc;

	if (s == NULL) {
		ct_warn("%s: no server '%s'", r->path, id);
		return CT_EXIT_NOTFOUND;
	}
	if ((rc = spool_open(&sp, path, false)) != 0)
		return rc;
	sp.create = true;	/* state/, if no dispatcher has made it yet */
	rc = reason != NULL ? disabled_set(&sp, s->id, reason) :
	    disabled_clear(&sp, s->id);
	if (rc < 0) {
		ct_warnerr("cannot %s %s: %s/state/disabled.%s",
		    reason != NULL ? "disable" : "enable", s->id, path, s->id);
		rc = errno == EACCES || errno == EPERM || errno == EROFS ?
		    EX_NOPERM : EX_IOERR;
	} else {
		if (reason == NULL && !s->enabled)
			ct_warn("%s: still disabled by %s:%ld (enabled=\"false\")",
			    s->id, r->path, s->line);
		rc = 0;
	}
	spool_close(&sp);
	return rc;
}

/*
 * The spool at path, for what the listings say of disabled servers, if
 * there is one there the caller may read; NULL, quietly, if not (a user
 * of a shared spool reaches it only through the job commands).
 */
static struct spool *
spool_if_any(struct spool *sp, const char *path)
{
	if (access(path, R_OK | X_OK) != 0)
		return NULL;
	return spool_open(sp, path, false) == 0 ? sp : NULL;
}

/* A verb about the registry at path: its exit status. */
static int
registry_verb(struct cli *c, const char *path, const char *verb,
    const char *const *args)
{
	const char *spool_path = spool_choose(c->spool);
	struct spool spool, *sp = NULL;
	struct registry r;
	char *reason;
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
		sp = spool_if_any(&spool, spool_path);
		status = cmd_check(sp, &r);
		if (sp != NULL)
			spool_close(sp);
	} else if (strcmp(verb, "disable") == 0) {
		reason = join_reason(c, args + 2);
		status = cmd_disable(spool_path, &r, args[1], reason);
		free(reason);
	} else if (strcmp(verb, "enable") == 0)
		status = cmd_disable(spool_path, &r, args[1], NULL);
	else {
		sp = spool_if_any(&spool, spool_path);
		if (strcmp(verb, "servers") == 0)
			status = cmd_servers(sp, &r, args[1]);
		else if (strcmp(verb, "show") == 0)
			status = cmd_show(sp, &r, args[1]);
		else
			status = cmd_list(sp, &r);
		if (sp != NULL)
			spool_close(sp);
	}
	registry_free(&r);
	return status;
}

int
main(int argc, char **argv)
{
	struct cli c = { .usage = usage, .help = help,
	    .args = "words list servers show check stats disable enable" };
	char *config = NULL;
	int json = 0;
	struct poptOption table[] = {
		CLI_STRING_OF('c', "config", &config, 0, "file"),
		CLI_FLAG('j', "json", &json),
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
	if (json && strcmp(verb, "stats") != 0)
		cli_usage_error(&c, "-j is for stats");
	if (strcmp(verb, "stats") == 0)
		status = cmd_stats(spool_choose(c.spool),
		    registry_choose(config), json != 0);
	else
		status = registry_verb(&c, registry_choose(config), verb,
		    args);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		ct_warnerr("cannot write standard output");
		status = EX_IOERR;
	}
	free(config);
	cli_end(&c);
	return status;
}
