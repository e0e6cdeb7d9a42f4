/*
 * pool-load: the volunteer side of ct-serve's hand-out benchmark. Each of
 * PROCS processes registers (with the pool's key), then for SECONDS asks
 * for work and posts RESULT for each task it gets, over one kept-alive
 * connection, alternating between the URLs given. Prints the round trips
 * (work + result) done, in all, and how many asks found no work.
 *
 *	pool-load KEYFILE RESULT SECONDS PROCS URL...
 *
 * Against t/bench/mhd-floor the same requests, answered by the floor.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

struct body {
	char *p;
	size_t n;
};

static size_t
sink(char *d, size_t s, size_t m, void *u)
{
	struct body *b = u;
	size_t n = s * m;

	b->p = realloc(b->p, b->n + n + 1);
	memcpy(b->p + b->n, d, n);
	b->n += n;
	b->p[b->n] = '\0';
	return n;
}

/* POST data to url with the bearer; the answer in b; the status. */
static long
post(CURL *h, const char *url, const char *bearer, const char *data,
    size_t len, struct body *b)
{
	struct curl_slist *hd = NULL;
	char auth[256];
	long st = 0;

	b->n = 0;
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", bearer);
	hd = curl_slist_append(hd, auth);
	hd = curl_slist_append(hd, "Expect:");
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, data);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)len);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, b);
	if (curl_easy_perform(h) == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &st);
	curl_slist_free_all(hd);
	return st;
}

/* The string value of "key" in a flat JSON object, into out. */
static int
field(const char *json, const char *key, char *out, size_t n)
{
	char pat[64];
	const char *p, *e;

	snprintf(pat, sizeof pat, "\"%s\":\"", key);
	if (json == NULL || (p = strstr(json, pat)) == NULL)
		return -1;
	p += strlen(pat);
	if ((e = strchr(p, '"')) == NULL || (size_t)(e - p) >= n)
		return -1;
	memcpy(out, p, (size_t)(e - p));
	out[e - p] = '\0';
	return 0;
}

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static void
client(const char *key, const char *result, size_t rlen, double secs,
    int nurl, char **urls, int fd)
{
	CURL *h = curl_easy_init();
	struct body b = { NULL, 0 };
	char url[1024], token[128], task[256], lease[64];
	long done = 0, empty = 0, k = 0;
	double end;

	snprintf(url, sizeof url, "%s/v1/volunteers", urls[0]);
	if (post(h, url, key, "{}", 2, &b) != 201 ||
	    field(b.p, "token", token, sizeof token) != 0) {
		fprintf(stderr, "pool-load: cannot register\n");
		exit(1);
	}
	end = now() + secs;
	while (now() < end) {
		const char *u = urls[k++ % nurl];
		static const char offer[] =
		    "{\"services\":[\"blastp\"],\"databases\":[\"globins45\"]}";

		snprintf(url, sizeof url, "%s/v1/work", u);
		if (post(h, url, token, offer, sizeof offer - 1, &b) != 200 ||
		    field(b.p, "task", task, sizeof task) != 0 ||
		    field(b.p, "lease", lease, sizeof lease) != 0) {
			empty++;
			continue;
		}
		snprintf(url, sizeof url, "%s/v1/tasks/%s/result?lease=%s", u,
		    task, lease);
		if (post(h, url, token, result, rlen, &b) == 200)
			done++;
	}
	dprintf(fd, "%ld %ld\n", done, empty);
	curl_easy_cleanup(h);
	exit(0);
}

int
main(int argc, char **argv)
{
	char key[256], *result;
	FILE *f;
	long rlen, done = 0, empty = 0, d, e;
	int procs, i, p[2];
	double secs;

	if (argc < 6) {
		fprintf(stderr, "usage: pool-load KEYFILE RESULT SECONDS PROCS "
		    "URL...\n");
		return 64;
	}
	if ((f = fopen(argv[1], "r")) == NULL || !fgets(key, sizeof key, f))
		return 66;
	fclose(f);
	key[strcspn(key, "\r\n")] = '\0';
	if ((f = fopen(argv[2], "r")) == NULL)
		return 66;
	fseek(f, 0, SEEK_END);
	rlen = ftell(f);
	rewind(f);
	result = malloc((size_t)rlen + 1);
	if (fread(result, 1, (size_t)rlen, f) != (size_t)rlen)
		return 66;
	fclose(f);
	secs = atof(argv[3]);
	procs = atoi(argv[4]);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (pipe(p) != 0)
		return 71;
	for (i = 0; i < procs; i++)
		if (fork() == 0)
			client(key, result, (size_t)rlen, secs, argc - 5,
			    argv + 5, p[1]);
	close(p[1]);
	f = fdopen(p[0], "r");
	while (fscanf(f, "%ld %ld", &d, &e) == 2) {
		done += d;
		empty += e;
	}
	while (wait(NULL) > 0)
		;
	printf("%ld %ld\n", done, empty);
	return 0;
}
