/* xmltext.c: text as XML (xmltext.h). */
#include "xmltext.h"

void
xml_text_append(struct buf *out, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		switch (s[i]) {
		case '&': buf_append(out, "&amp;", 5); break;
		case '<': buf_append(out, "&lt;", 4); break;
		case '>': buf_append(out, "&gt;", 4); break;
		case '"': buf_append(out, "&quot;", 6); break;
		default:
			if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
				buf_append(out, "?", 1);
			else
				buf_append(out, s + i, 1);
		}
	}
}
