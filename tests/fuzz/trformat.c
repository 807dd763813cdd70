/* trformat.c - fuzz the transcript formatter (core/trformat.c): the first
 * byte picks the marker kind, the line ending and timestamps; the rest is
 * the line. Properties: exactly one line comes out, "\n"-terminated, with
 * its marker first (after the timestamp) and no other raw control byte
 * (a "334" line's decoded annotation included). */
#include <string.h>

#include "core/trformat.h"
#include "lib/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf	 out = BUF_INIT;
	unsigned	 how = fuzz_byte(&data, &size);
	enum tr_kind	 kind = (enum tr_kind)(how % 8);
	enum lb_term	 term = (enum lb_term)((how >> 3) % 3);
	int		 ts = (how >> 5) & 1;
	size_t		 i;
	unsigned char	 c;

	FUZZ_CHECK(tr_format(&out, 1.5, ts, kind, (const char *)data, size, term) == 0);
	FUZZ_CHECK(out.len >= 5 && out.p[out.len - 1] == '\n');
	FUZZ_CHECK(!ts || (out.len > 11 && out.p[0] == '['));
	for (i = 0; i + 1 < out.len; i++) {
		c = (unsigned char)out.p[i];
		FUZZ_CHECK(c >= 0x20 && c != 0x7f);
	}
	buf_free(&out);
	return 0;
}
