/* dataread.c - fuzz the server role's DATA reader (core/dataread.c) fed by
 * the line reader. The first byte picks data_max. Properties: the message
 * only grows, by the line (less a leading dot) and its ending; it never
 * passes data_max while reading goes on; the end is the lone ".". */
#include <string.h>

#include "core/dataread.h"
#include "core/linebuf.h"
#include "lib/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct linebuf	 lb;
	struct lb_line	 l;
	struct buf	 msg = BUF_INIT;
	enum dr_status	 st = DR_MORE;
	size_t		 max = (size_t)fuzz_byte(&data, &size) * 16, before, skip;

	lb_init(&lb, 1000);
	lb_push(&lb, data, size);
	while (lb_line(&lb, &l) == LB_LINE) {
		before = msg.len;
		st = dr_line(&msg, max, l.p, l.len, l.term);
		if (st == DR_END) {
			FUZZ_CHECK(l.len == 1 && l.p[0] == '.');
			FUZZ_CHECK(msg.len == before);
			msg.len = 0;		/* the next message */
			continue;
		}
		skip = l.len > 0 && l.p[0] == '.';
		FUZZ_CHECK(msg.len == before + l.len - skip + (l.term == LB_CRLF ? 2 : 1));
		FUZZ_CHECK(memcmp(msg.p + before, l.p + skip, l.len - skip) == 0);
		if (st == DR_TOOBIG) {
			FUZZ_CHECK(msg.len > max);
			msg.len = 0;
		} else
			FUZZ_CHECK(st == DR_MORE && msg.len <= max);
	}
	buf_free(&msg);
	lb_free(&lb);
	return 0;
}
