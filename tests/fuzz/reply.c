/* reply.c - fuzz the reply parser (core/reply.c) fed by the line reader.
 *
 * The first byte picks the caps (small ones reach the limits); the rest is
 * the server's bytes, pushed in two pieces. Properties: a complete reply has
 * a code 200..599 and its lines; an error has a message; memory stays
 * within reply_max. */
#include <string.h>

#include "core/linebuf.h"
#include "core/reply.h"
#include "lib/fuzz.h"

static void
check_reply(const struct reply_parser *p)
{
	const struct reply	*r = &p->reply;
	const char		*t;
	size_t			 i, len, total = 0;

	FUZZ_CHECK(r->code >= 200 && r->code <= 599);
	FUZZ_CHECK(r->nlines >= 1);
	for (i = 0; i < r->nlines; i++) {
		t = reply_text_line(r, i, &len);
		FUZZ_CHECK(t != NULL);
		FUZZ_CHECK(memchr(t, '\n', len) == NULL);
		total += len + 1;
	}
	FUZZ_CHECK(total == r->text.len);
	FUZZ_CHECK(r->text.len <= p->reply_max);
	FUZZ_CHECK(strlen(r->enhanced) < sizeof(r->enhanced));
}

/* The line reader refuses the next line (it stays buffered: drop it, as a
 * session closes, or the parser would report it forever). */
static int
first_line_too_long(const struct linebuf *lb)
{
	const char	*p = lb_peek(lb), *nl = memchr(p, '\n', lb_pending(lb));
	size_t		 n = nl ? (size_t)(nl - p) : lb_pending(lb);

	return n > lb->line_max;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct linebuf		 lb;
	struct reply_parser	 p;
	enum reply_status	 st;
	unsigned		 caps = fuzz_byte(&data, &size);
	size_t			 half = size / 2, replies = 0;

	lb_init(&lb, caps & 1 ? 64 : 0);
	reply_init(&p, caps & 2 ? 512 : 0);
	lb_push(&lb, data, half);
	for (int pass = 0; pass < 2; pass++) {
		for (;;) {
			st = reply_parse(&p, &lb, NULL, NULL);
			if (st == REPLY_MORE)
				break;
			if (st == REPLY_DONE) {
				check_reply(&p);
				replies++;
			} else {
				FUZZ_CHECK(p.err[0] != '\0');
				FUZZ_CHECK(memchr(p.err, '\0', sizeof(p.err)) != NULL);
				reply_reset(&p);
				if (first_line_too_long(&lb))
					lb_drop(&lb, lb_pending(&lb));
			}
		}
		if (pass == 0)
			lb_push(&lb, data + half, size - half);
	}
	FUZZ_CHECK(replies <= size);
	reply_free(&p);
	lb_free(&lb);
	return 0;
}
