/* escape.c - fuzz the escaper (core/escape.c). The first byte picks the
 * flags. Properties: the output never holds a raw control byte (C0 or DEL;
 * only "\n" and "\t" under ESC_MULTILINE), nor a byte >= 0x80 under
 * ESC_ASCII; the output is well-formed UTF-8 without C1 controls, and
 * esc_clean agrees (clean text comes out unchanged); an excerpt shows at
 * most `max` input bytes, then "...". */
#include <string.h>

#include "core/escape.h"
#include "core/utf8.h"
#include "lib/fuzz.h"

/* Well-formed UTF-8, and no C1 control in it. */
static void
utf8_text(const struct buf *b)
{
	uint32_t	 cp;
	size_t		 i = 0, len;

	while (i < b->len) {
		len = utf8_seq((const unsigned char *)b->p + i, b->len - i, &cp);
		FUZZ_CHECK(len > 0 && !utf8_is_c1(cp));
		i += len;
	}
}

static void
no_raw_controls(const struct buf *b, int flags)
{
	size_t		 i;
	unsigned char	 c;

	for (i = 0; i < b->len; i++) {
		c = (unsigned char)b->p[i];
		if ((flags & ESC_MULTILINE) && (c == '\n' || c == '\t'))
			continue;
		FUZZ_CHECK(c >= 0x20 && c != 0x7f);
		if (flags & ESC_ASCII)
			FUZZ_CHECK(c < 0x80);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf	 out = BUF_INIT;
	int		 flags = (int)(fuzz_byte(&data, &size) & 7);
	const char	*s = (const char *)data;
	size_t		 max = size / 2;

	FUZZ_CHECK(esc_append(&out, s, size, flags) == 0);
	FUZZ_CHECK(out.len >= size);		/* every byte shows as one or more */
	no_raw_controls(&out, flags);
	utf8_text(&out);
	if (esc_clean(s, size, flags))
		FUZZ_CHECK(out.len == size && (size == 0 || memcmp(out.p, s, size) == 0));
	out.len = 0;
	FUZZ_CHECK(esc_excerpt(&out, s, size, max) == 0);
	no_raw_controls(&out, 0);
	utf8_text(&out);
	if (size > max)
		FUZZ_CHECK(out.len >= 3 && memcmp(out.p + out.len - 3, ESC_CUT, 3) == 0);
	buf_free(&out);
	return 0;
}
