/* dotstuff.c - message transparency for DATA. */
#include <string.h>

#include "core/dotstuff.h"

int
dot_stuff(const char *msg, size_t n, struct buf *out)
{
	size_t	 i = 0, start;

	/* A first guess at the size; buf_append grows further when needed. */
	if (buf_reserve(out, n + n / 8 + 8) == -1)
		return -1;
	while (i < n) {
		start = i;
		while (i < n && msg[i] != '\r' && msg[i] != '\n')
			i++;
		if (msg[start] == '.' && buf_append(out, ".", 1) == -1)
			return -1;
		if (buf_append(out, msg + start, i - start) == -1 ||
		    buf_append(out, "\r\n", 2) == -1)
			return -1;
		if (i < n && msg[i] == '\r') {		/* CRLF, or a lone CR */
			if (++i < n && msg[i] == '\n')
				i++;
		} else if (i < n)			/* a bare LF */
			i++;
	}
	return buf_append(out, ".\r\n", 3);
}

size_t
dot_unstuff_skip(const char *line, size_t len)
{
	return len > 0 && line[0] == '.' ? 1 : 0;
}

int
dot_is_end(const char *line, size_t len)
{
	return len == 1 && line[0] == '.';
}
