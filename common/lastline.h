/*
 * lastline.h: the last non-empty line of a file (a command's standard
 * error), for the "failed REASON" line of a wrapper's poll.
 *
 * Nothing here prints: a file that cannot be read has no last line.
 */
#ifndef CT_LASTLINE_H
#define CT_LASTLINE_H

/* The most of the line that is kept, in bytes. */
#define LAST_LINE_MAX 200

/*
 * The last non-empty line among the last 8 KiB of path, without control
 * bytes (a tab becomes a space), trimmed, cut at LAST_LINE_MAX bytes but
 * never inside a UTF-8 sequence; "" if there is none or no such file.
 */
void last_line_of(const char *path, char out[LAST_LINE_MAX + 1]);

#endif
