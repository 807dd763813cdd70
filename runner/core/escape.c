/* escape.c - bytes shown as text, the one way. */
#include <string.h>

#include "core/escape.h"

int
esc_needed(unsigned char c, int flags)
{
	if (c >= 0x80)
		return (flags & ESC_ASCII) != 0;
	if (c >= 0x20 && c != 0x7f)
		return 0;
	if ((flags & ESC_MULTILINE) && (c == '\n' || c == '\t'))
		return 0;
	return 1;
}

/* The escape for one byte, into e (at least 5 bytes). */
static const char *
escape_of(unsigned char c, int flags, char *e)
{
	static const char hex[] = "0123456789abcdef";

	switch (c) {
	case '\r': return "\\r";
	case '\n': return "\\n";
	case '\t': return flags & ESC_TAB_SPACES ? "  " : "\\t";
	case '\0': return "\\0";
	default:
		e[0] = '\\';
		e[1] = 'x';
		e[2] = hex[c >> 4];
		e[3] = hex[c & 0xf];
		e[4] = '\0';
		return e;
	}
}

int
esc_append(struct buf *out, const char *s, size_t n, int flags)
{
	char	 e[5];
	size_t	 i, run = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!esc_needed(c, flags))
			continue;
		buf_append(out, s + run, i - run);
		buf_appendstr(out, escape_of(c, flags, e));
		run = i + 1;
	}
	buf_append(out, s + run, n - run);
	return buf_ok(out);
}

int
esc_excerpt(struct buf *out, const char *s, size_t n, size_t max)
{
	esc_append(out, s, n < max ? n : max, 0);
	if (n > max)
		buf_appendstr(out, ESC_CUT);
	return buf_ok(out);
}
