/* dotstuff.c - fuzz the dot-stuffer (core/dotstuff.c) against the DATA
 * reader (core/dataread.c) that undoes it. Property, the round trip: the
 * message stuffed and read back is the message with each line ending
 * (CRLF, a lone CR, a bare LF) made CRLF and the last line terminated; the
 * reader ends exactly at the final "." and the wire is CRLF only. */
#include <string.h>

#include "core/dataread.h"
#include "core/dotstuff.h"
#include "core/linebuf.h"
#include "lib/fuzz.h"

/* What the message becomes: every line ended by CRLF. */
static void
normalise(const char *m, size_t n, struct buf *out)
{
	size_t	 i = 0, start;

	while (i < n) {
		start = i;
		while (i < n && m[i] != '\r' && m[i] != '\n')
			i++;
		buf_append(out, m + start, i - start);
		buf_append(out, "\r\n", 2);
		if (i < n && m[i] == '\r' && i + 1 < n && m[i + 1] == '\n')
			i += 2;
		else if (i < n)
			i++;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*msg = (const char *)data;
	struct buf	 wire = BUF_INIT, want = BUF_INIT;
	struct data_reader back;
	struct linebuf	 lb;
	struct lb_line	 l;
	enum dr_status	 st = DR_MORE;
	size_t		 i;
	int		 rec;

	FUZZ_CHECK(dot_stuff(msg, size, &wire) == 0);
	for (i = 0; i < wire.len; i++)		/* no bare CR or LF on the wire */
		if (wire.p[i] == '\n' || wire.p[i] == '\r')
			FUZZ_CHECK(wire.p[i] == '\r' ? i + 1 < wire.len &&
			    wire.p[i + 1] == '\n' : i > 0 && wire.p[i - 1] == '\r');
	lb_init(&lb, wire.len + 1);
	lb_push(&lb, wire.p, wire.len);
	dr_init(&back, (size_t)-1, 0);
	while (st == DR_MORE && lb_line(&lb, &l) == LB_LINE) {
		FUZZ_CHECK(l.term == LB_CRLF);
		st = dr_line(&back, l.p, l.len, l.term, &rec);
	}
	FUZZ_CHECK(st == DR_END);
	FUZZ_CHECK(lb_pending(&lb) == 0);	/* the "." was the last line */
	normalise(msg, size, &want);
	FUZZ_CHECK(!back.bare && back.msg.len == want.len);
	FUZZ_CHECK(want.len == 0 || memcmp(back.msg.p, want.p, want.len) == 0);
	lb_free(&lb);
	buf_free(&wire);
	dr_free(&back);
	buf_free(&want);
	return 0;
}
