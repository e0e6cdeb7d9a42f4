/*
 * contract-param.c: the one rule that names a registry parameter in a
 * wrapper's environment (contract.h). A file of its own so that a wrapper
 * that reads its parameters links this and nothing of the calling side.
 */
#include <string.h>

#include "contract.h"
#include "util.h"

char *
contract_param_var(const char *prefix, const char *name)
{
	size_t plen = strlen(prefix), nlen = strlen(name);
	char *v = xmalloc(sizeof "CT_PARAM_" - 1 + plen + nlen + 1);
	char *p = v;

	memcpy(p, "CT_PARAM_", sizeof "CT_PARAM_" - 1);
	p += sizeof "CT_PARAM_" - 1;
	memcpy(p, prefix, plen);
	memcpy(p + plen, name, nlen + 1);
	for (; *p != '\0'; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
		else if (!(*p >= 'A' && *p <= 'Z') && !(*p >= '0' && *p <= '9'))
			*p = '_';
	return v;
}
