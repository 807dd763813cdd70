/* utf8.c - well-formed UTF-8 (RFC 3629, table 3-7 of Unicode). */
#include "core/utf8.h"

size_t
utf8_seq(const unsigned char *p, size_t n, uint32_t *cp)
{
	uint32_t	 c;
	size_t		 len, i;
	unsigned char	 lo = 0x80, hi = 0xbf;	/* bounds of the 2nd byte */

	if (n == 0)
		return 0;
	c = p[0];
	if (c < 0x80) {
		len = 1;
	} else if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		c &= 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		if (c == 0xe0)
			lo = 0xa0;		/* overlong below U+0800 */
		else if (c == 0xed)
			hi = 0x9f;		/* surrogates */
		c &= 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		if (c == 0xf0)
			lo = 0x90;		/* overlong below U+10000 */
		else if (c == 0xf4)
			hi = 0x8f;		/* past U+10FFFF */
		c &= 0x07;
	} else {
		return 0;	/* continuation byte, 0xc0, 0xc1, 0xf5..0xff */
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		unsigned char b = p[i];
		if (b < (i == 1 ? lo : 0x80) || b > (i == 1 ? hi : 0xbf))
			return 0;
		c = (c << 6) | (b & 0x3f);
	}
	if (cp)
		*cp = c;
	return len;
}

size_t
utf8_invalid_at(const void *v, size_t n)
{
	const unsigned char	*p = v;
	size_t			 i = 0, len;

	while (i < n) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if ((len = utf8_seq(p + i, n - i, NULL)) == 0)
			return i;
		i += len;
	}
	return n;
}
