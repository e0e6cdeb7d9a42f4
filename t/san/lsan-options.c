/*
 * lsan-options.c: linked into the SANITIZE=1 builds only.
 *
 * LeakSanitizer cannot work in a set-group-ID process (it is not
 * dumpable, so the leak checker cannot read its own memory maps), and such
 * a process cannot be told so through the environment either: the options
 * are read from /proc/self/environ, which it may not open. So the default
 * is chosen here, in the program: no leak check while running setgid.
 * Leaks on those paths are still checked, in builds run without setgid.
 */
#include <unistd.h>

const char *__lsan_default_options(void);

const char *
__lsan_default_options(void)
{
	return getegid() != getgid() ? "detect_leaks=0" : "";
}
