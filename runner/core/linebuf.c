/* linebuf.c - buffered input that hands out whole lines. */
#include <stdlib.h>
#include <string.h>

#include "core/linebuf.h"

void
lb_init(struct linebuf *lb, size_t line_max)
{
	memset(lb, 0, sizeof(*lb));
	lb->line_max = line_max ? line_max : LB_DEFAULT_LINE_MAX;
}

void
lb_free(struct linebuf *lb)
{
	free(lb->buf);
	lb->buf = NULL;
	lb->cap = lb->off = lb->len = lb->scan = 0;
}

int
lb_space(struct linebuf *lb, char **p, size_t *avail)
{
	size_t	 ncap;
	char	*nb;

	/* Slide unconsumed bytes to the front before growing. */
	if (lb->off > 0 && lb->cap - lb->len < LB_CHUNK) {
		memmove(lb->buf, lb->buf + lb->off, lb->len - lb->off);
		lb->len -= lb->off;
		lb->off = 0;
	}
	if (lb->cap - lb->len < LB_CHUNK) {
		ncap = lb->cap ? lb->cap : LB_CHUNK;
		while (ncap - lb->len < LB_CHUNK)
			ncap *= 2;
		if ((nb = realloc(lb->buf, ncap)) == NULL)
			return LB_NOMEM;
		lb->buf = nb;
		lb->cap = ncap;
	}
	*p = lb->buf + lb->len;
	*avail = lb->cap - lb->len;
	return LB_MORE;
}

void
lb_commit(struct linebuf *lb, size_t n)
{
	lb->len += n;
}

int
lb_push(struct linebuf *lb, const void *data, size_t n)
{
	const char	*s = data;
	char		*p;
	size_t		 avail, k;

	while (n > 0) {
		if (lb_space(lb, &p, &avail) == LB_NOMEM)
			return LB_NOMEM;
		k = n < avail ? n : avail;
		memcpy(p, s, k);
		lb_commit(lb, k);
		s += k;
		n -= k;
	}
	return LB_MORE;
}

enum lb_status
lb_line(struct linebuf *lb, struct lb_line *line)
{
	const char	*start, *nl;
	size_t		 avail = lb->len - lb->off, n;

	/* Nothing buffered (buf may still be NULL: no arithmetic on it). */
	if (avail == 0) {
		lb->scan = 0;
		return LB_MORE;
	}
	start = lb->buf + lb->off;
	nl = avail > lb->scan ? memchr(start + lb->scan, '\n', avail - lb->scan) : NULL;
	if (nl == NULL) {
		lb->scan = avail;
		/* line_max counts the line without its terminator; allow for "\r". */
		if (avail > lb->line_max + 1)
			return LB_TOOLONG;
		return LB_MORE;
	}
	n = (size_t)(nl - start);
	line->p = start;
	if (n > 0 && start[n - 1] == '\r') {
		line->len = n - 1;
		line->term = LB_CRLF;
	} else {
		line->len = n;
		line->term = LB_LF;
	}
	if (line->len > lb->line_max)
		return LB_TOOLONG;
	lb->off += n + 1;
	lb->scan = 0;
	if (lb->off == lb->len)
		lb->off = lb->len = 0;
	return LB_LINE;
}

int
lb_rest(struct linebuf *lb, struct lb_line *line)
{
	size_t	 avail = lb->len - lb->off;

	if (avail == 0)
		return 0;
	line->p = lb->buf + lb->off;
	line->len = avail;
	line->term = LB_NONE;
	lb->off = lb->len = lb->scan = 0;
	return 1;
}

size_t
lb_pending(const struct linebuf *lb)
{
	return lb->len - lb->off;
}

const char *
lb_peek(const struct linebuf *lb)
{
	/* Before the first read buf is NULL, and NULL + 0 is undefined. */
	return lb->buf != NULL ? lb->buf + lb->off : "";
}

void
lb_drop(struct linebuf *lb, size_t n)
{
	size_t	 avail = lb->len - lb->off;

	if (n > avail)
		n = avail;
	lb->off += n;
	lb->scan = 0;
	if (lb->off == lb->len)
		lb->off = lb->len = 0;
}
