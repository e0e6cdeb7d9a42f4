/*
 * contract.h: the dispatcher's side of ct-wrapper(7), as git's
 * transport-helper.c is git's side of gitremote-helpers(7).
 *
 * Every program that calls a wrapper goes through here, so the rules of
 * the contract are written once: how registry parameters are named in
 * the environment, the environment a call gets, the call itself, what
 * each exit status means, and how a handle and a poll line are read.
 */
#ifndef CT_CONTRACT_H
#define CT_CONTRACT_H

/*
 * The environment variable that carries registry parameter prefix+name:
 * "CT_PARAM_", then the name upper-cased with every byte outside [A-Z0-9]
 * made '_' ("database.nr" -> "CT_PARAM_DATABASE_NR"). Allocated. Wrappers
 * use it to read what ct-dispatch set.
 */
char *contract_param_var(const char *prefix, const char *name);

#endif
