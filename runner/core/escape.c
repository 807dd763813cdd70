/* escape.c - bytes shown as text, the one way. */
#include <string.h>

#include "core/escape.h"
#include "core/utf8.h"

/* A control byte below 0x80 that is shown escaped under flags. */
static int
esc_control(unsigned char c, int flags)
{
	if (c >= 0x20 && c != 0x7f)
		return 0;
	if ((flags & ESC_MULTILINE) && (c == '\n' || c == '\t'))
		return 0;
	return 1;
}

/* How many bytes at p[0..n) (n > 0) pass as they are: a printable ASCII
 * byte, or a well-formed UTF-8 sequence of text; 0 when p[0] is escaped. */
static size_t
shown_as_is(const unsigned char *p, size_t n, int flags)
{
	uint32_t	 cp;
	size_t		 len;

	if (p[0] < 0x80)
		return esc_control(p[0], flags) ? 0 : 1;
	if (flags & ESC_ASCII)
		return 0;
	if ((len = utf8_seq(p, n, &cp)) == 0)
		return 0;
	/* C1 controls act on terminals; U+FFFE and U+FFFF are not text (and
	 * XML refuses them). */
	if (utf8_is_c1(cp) || cp == 0xfffe || cp == 0xffff)
		return 0;
	return len;
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
	const unsigned char	*p = (const unsigned char *)s;
	char			 e[5];
	size_t			 i = 0, run = 0, len;

	while (i < n) {
		if ((len = shown_as_is(p + i, n - i, flags)) > 0) {
			i += len;
			continue;
		}
		/* One byte escaped; the scan goes on at the next one, so a
		 * broken sequence costs only its own bytes. */
		buf_append(out, s + run, i - run);
		buf_appendstr(out, escape_of(p[i], flags, e));
		run = ++i;
	}
	buf_append(out, s + run, n - run);
	return buf_ok(out);
}

int
esc_excerpt(struct buf *out, const char *s, size_t n, size_t max)
{
	esc_append(out, s, esc_fit(s, n, max), 0);	/* whole characters */
	if (n > max)
		buf_appendstr(out, ESC_CUT);
	return buf_ok(out);
}

int
esc_clean(const char *s, size_t n, int flags)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0, len;

	while (i < n) {
		if ((len = shown_as_is(p + i, n - i, flags)) == 0)
			return 0;
		i += len;
	}
	return 1;
}

size_t
esc_fit(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return n;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}
