/* dataread.c - fuzz the server role's DATA reader (core/dataread.c) fed by
 * the line reader. The first byte picks max, the second record_max.
 * Properties: the message is stored only while it fits in max, and then
 * grows by the line (less a leading dot at the start of a CRLF line) and its
 * ending; size counts every line, stored or not; the end is a lone "." that
 * CRLF ends and a CRLF (or the start) comes before; bare is set exactly when
 * a bare LF or CR went by; what is recorded is a prefix within record_max. */
#include <string.h>

#include "core/dataread.h"
#include "core/linebuf.h"
#include "lib/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct linebuf		 lb;
	struct lb_line		 l;
	struct data_reader	 d;
	enum dr_status		 st;
	size_t			 max = (size_t)fuzz_byte(&data, &size) * 16, before, skip;
	size_t			 record_max = (size_t)fuzz_byte(&data, &size) * 4, sz;
	size_t			 recorded = 0;
	int			 bol = 1, bare = 0, rec, stopped = 0;

	lb_init(&lb, 1000);
	lb_push(&lb, data, size);
	dr_init(&d, max, record_max);
	while (lb_line(&lb, &l) == LB_LINE) {
		before = d.msg.len;
		sz = d.size;
		st = dr_line(&d, l.p, l.len, l.term, &rec);
		FUZZ_CHECK(st != DR_NOMEM);
		if (st == DR_END) {
			FUZZ_CHECK(bol && l.term == LB_CRLF && l.len == 1 && l.p[0] == '.');
			FUZZ_CHECK(rec && d.msg.len == before && d.size == sz);
			FUZZ_CHECK(d.bare == bare);
			FUZZ_CHECK(d.size <= max ? !d.toobig && d.msg.len == d.size :
			    d.toobig && d.msg.len == 0);
			dr_free(&d);
			dr_init(&d, max, record_max);	/* the next message */
			bol = 1, bare = 0, recorded = 0, stopped = 0;
			continue;
		}
		skip = bol && l.len > 0 && l.p[0] == '.';
		FUZZ_CHECK(d.size == sz + l.len - skip + (l.term == LB_CRLF ? 2 : 1));
		if (d.size <= max) {
			FUZZ_CHECK(!d.toobig && d.msg.len == d.size);
			FUZZ_CHECK(memcmp(d.msg.p + before, l.p + skip, l.len - skip) == 0);
		} else
			FUZZ_CHECK(d.toobig && d.msg.len == 0);
		if (l.term != LB_CRLF || memchr(l.p, '\r', l.len) != NULL)
			bare = 1;
		FUZZ_CHECK(d.bare == bare);
		if (rec) {
			FUZZ_CHECK(!stopped);
			recorded += l.len + (l.term == LB_CRLF ? 2 : 1);
			FUZZ_CHECK(recorded <= record_max);
		} else
			stopped = 1;
		bol = l.term == LB_CRLF;
	}
	dr_free(&d);
	lb_free(&lb);
	return 0;
}
