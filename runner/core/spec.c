/* spec.c - which reply codes an expectation accepts. */
#include <string.h>

#include "core/spec.h"

void
spec_clear(struct spec *sp)
{
	sp->n = 0;
}

enum spec_status
spec_add_code(struct spec *sp, long code)
{
	char	*p;

	if (code < 200 || code > 599)
		return SPEC_BAD;
	if (sp->n == SPEC_MAX)
		return SPEC_FULL;
	sp->lo[sp->n] = sp->hi[sp->n] = (short)code;
	sp->digits[sp->n] = 0;
	p = sp->pat[sp->n++];
	p[0] = (char)('0' + code / 100);
	p[1] = (char)('0' + code / 10 % 10);
	p[2] = (char)('0' + code % 10);
	p[3] = '\0';
	return SPEC_OK;
}

enum spec_status
spec_add_pattern(struct spec *sp, const char *s, size_t len)
{
	char	 pat[4];
	size_t	 i;
	int	 lo = 0, hi = 0, any = 0, digits = 0;

	if (len != 3 || s[0] < '2' || s[0] > '5')
		return SPEC_BAD;
	for (i = 0; i < 3; i++) {
		pat[i] = s[i] == 'X' ? 'x' : s[i];
		if (pat[i] != 'x' && (pat[i] < '0' || pat[i] > '9'))
			return SPEC_BAD;
		if (pat[i] == 'x') {
			any = 1;
			lo = lo * 10;
			hi = hi * 10 + 9;
		} else {
			digits |= any;	/* a digit after an x */
			lo = lo * 10 + (pat[i] - '0');
			hi = hi * 10 + (pat[i] - '0');
		}
	}
	if (sp->n == SPEC_MAX)
		return SPEC_FULL;
	pat[3] = '\0';
	sp->lo[sp->n] = (short)lo;
	sp->hi[sp->n] = (short)hi;
	sp->digits[sp->n] = (char)digits;
	memcpy(sp->pat[sp->n++], pat, sizeof(pat));
	return SPEC_OK;
}

/* The digit-by-digit check of a pattern with an x before a digit. */
static int
digits_match(const char *pat, int code)
{
	char	 c[3];
	int	 k;

	c[0] = (char)('0' + code / 100);
	c[1] = (char)('0' + code / 10 % 10);
	c[2] = (char)('0' + code % 10);
	for (k = 0; k < 3; k++)
		if (pat[k] != 'x' && pat[k] != c[k])
			return 0;
	return 1;
}

int
spec_match(const struct spec *sp, int code)
{
	int	 i;

	if (sp->n == 0)
		return 1;
	for (i = 0; i < sp->n; i++)
		if (code >= sp->lo[i] && code <= sp->hi[i] &&
		    (!sp->digits[i] || digits_match(sp->pat[i], code)))
			return 1;
	return 0;
}

int
spec_describe(const struct spec *sp, struct buf *out)
{
	int	 i;

	if (sp->n == 0)
		return buf_appendstr(out, "any reply");
	if (sp->n > 1)
		buf_appendstr(out, "one of ");
	for (i = 0; i < sp->n; i++) {
		if (i > 0)
			buf_appendstr(out, ", ");
		buf_appendstr(out, sp->pat[i]);
	}
	return buf_ok(out);
}
