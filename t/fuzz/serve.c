/*
 * serve.c: what ct-serve reads from the network before it trusts any of
 * it: the request line's method and URL (route_of), a submit's JSON body
 * (task_record), a record against a volunteer's offer (match_offer), and
 * a posted result against a task (check_result). The program's source is
 * included, its main renamed, so that these are its own static functions.
 *
 * The input: "METHOD URL\n" then the body.
 */
int serve_main(int argc, char **argv);
#define main serve_main
#include "../../cmd/ct-serve.c"
#undef main

#include "harness.h"

static const char record[] = "{\"task\":\"t.1\",\"service\":\"blastp\","
    "\"database\":\"globins45\",\"options\":[\"evalue=1e-5\"],"
    "\"query\":\">HBB_HUMAN q\\nMVHLTPEEKSAVTALWGKV\\n\",\"deadline\":0,"
    "\"created\":0}";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = harness_text(data, size), *nl, *sp, *rec, id[TASK_ID_MAX +
	    1], why[512], comp[SHA256_HEX_LEN + 1];
	const char *body = text;
	size_t blen = size;
	struct offer o;
	bool bad;

	if ((nl = memchr(text, '\n', size)) != NULL) {
		*nl = '\0';
		body = nl + 1;
		blen = size - (size_t)(body - text);
		if ((sp = strchr(text, ' ')) != NULL) {
			*sp = '\0';
			(void)route_of(text, sp + 1, id, &bad);
		}
	}
	rec = task_record("t.1", body, blen, comp, why, sizeof why);
	memset(&o, 0, sizeof o);
	o.services = json_pack("[s]", "blastp");
	o.databases = json_pack("[s]", "globins45");
	o.options = json_pack("[s]", "evalue");
	if (rec != NULL)
		(void)match_offer(rec, strlen(rec), &o);
	(void)match_offer(body, blen, &o);
	(void)check_result(record, sizeof record - 1, body, blen, why,
	    sizeof why);
	json_decref(o.services);
	json_decref(o.databases);
	json_decref(o.options);
	free(rec);
	free(text);
	return 0;
}
