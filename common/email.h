/*
 * email.h: whether an email address is one a public service (the NCBI,
 * EBI) could write to, the contact both ask for with every job. Nothing
 * here prints.
 */
#ifndef CT_EMAIL_H
#define CT_EMAIL_H

#include <stdbool.h>

/*
 * Whether e is local@domain: a plain local part, a domain of two or more
 * labels, and not one of the names kept for examples (RFC 2606:
 * example.com, .org, .net, .example, .invalid, .localhost), which a
 * copied sample registry would still hold. If not, *why says what is
 * wrong with it.
 */
bool email_ok(const char *e, const char **why);

#endif
