/*
 * libexec.h: where the programs' helpers are (blastfmt for ct-fetch -f,
 * reportsplit for the batch wrappers): $CT_LIBEXEC_DIR, else the
 * directory the wrappers are installed in. Helpers hold what a program
 * that starts often must not load at every start (libxml2, jansson).
 *
 * Nothing here prints but libexec_answer(), on standard output.
 */
#ifndef CT_LIBEXEC_H
#define CT_LIBEXEC_H

/* The helper's path (malloc'd). */
char *libexec_path(const char *helper);

/*
 * For the helper itself, at its start: if its one argument is -h or
 * --help, usage and help are printed; if it is -V or --version, the
 * helper's name and version; then it exits 0. Else this returns.
 */
void libexec_answer(int argc, char **argv, const char *name,
    const char *usage, const char *help);

#endif
