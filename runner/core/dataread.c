/* dataread.c - the server role's reading of DATA. */
#include "core/dataread.h"
#include "core/dotstuff.h"

enum dr_status
dr_line(struct buf *msg, size_t max, const char *line, size_t len, enum lb_term term)
{
	size_t	 skip;

	if (dot_is_end(line, len))
		return DR_END;
	skip = dot_unstuff_skip(line, len);
	buf_append(msg, line + skip, len - skip);
	buf_appendstr(msg, term == LB_CRLF ? "\r\n" : "\n");
	if (buf_ok(msg) == -1)
		return DR_NOMEM;
	if (msg->len > max)
		return DR_TOOBIG;
	return DR_MORE;
}
