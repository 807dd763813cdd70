/* linebuf.c - fuzz the line reader (core/linebuf.c).
 *
 * The first byte picks line_max and how the input arrives (whole, or in
 * pieces through lb_space/lb_commit as a socket would). Properties: the
 * lines and the rest add up to exactly the bytes pushed; no line holds a
 * "\n" or exceeds line_max; a CRLF line does not end in the CR. */
#include <string.h>

#include "core/linebuf.h"
#include "lib/fuzz.h"

static size_t
take_lines(struct linebuf *lb, size_t *seen)
{
	struct lb_line	 l;
	enum lb_status	 st;
	size_t		 n = 0;

	while ((st = lb_line(lb, &l)) == LB_LINE) {
		FUZZ_CHECK(l.len <= lb->line_max);
		FUZZ_CHECK(memchr(l.p, '\n', l.len) == NULL);
		FUZZ_CHECK(l.term == LB_CRLF || l.term == LB_LF);
		*seen += l.len + (l.term == LB_CRLF ? 2 : 1);
		n++;
	}
	if (st == LB_TOOLONG) {
		FUZZ_CHECK(lb_pending(lb) > lb->line_max);
		*seen += lb_pending(lb);
		lb_drop(lb, lb_pending(lb));
	}
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct linebuf	 lb;
	struct lb_line	 l;
	unsigned	 how = fuzz_byte(&data, &size);
	size_t		 seen = 0, off = 0, piece = (how >> 2) + 1, k, avail;
	char		*p;

	lb_init(&lb, how & 1 ? 16 : how & 2 ? 200 : 0);
	take_lines(&lb, &seen);			/* nothing yet: defect 8 */
	FUZZ_CHECK(lb_pending(&lb) == 0 && lb_peek(&lb) != NULL);
	while (off < size) {
		k = size - off < piece ? size - off : piece;
		if (how & 0x80) {
			FUZZ_CHECK(lb_push(&lb, data + off, k) == LB_MORE);
		} else {
			FUZZ_CHECK(lb_space(&lb, &p, &avail) == LB_MORE);
			FUZZ_CHECK(avail >= LB_CHUNK);
			memcpy(p, data + off, k);
			lb_commit(&lb, k);
		}
		off += k;
		take_lines(&lb, &seen);
	}
	if (lb_rest(&lb, &l)) {
		FUZZ_CHECK(l.term == LB_NONE);
		FUZZ_CHECK(memchr(l.p, '\n', l.len) == NULL);
		seen += l.len;
	}
	FUZZ_CHECK(lb_pending(&lb) == 0);
	FUZZ_CHECK(seen == size);
	lb_free(&lb);
	return 0;
}
