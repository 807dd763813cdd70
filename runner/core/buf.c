/* buf.c - a growable byte buffer. */
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

int
buf_reserve(struct buf *b, size_t more)
{
	size_t	 want, ncap;
	char	*np;

	if (b->failed)
		return -1;
	if (more > (size_t)-1 / 2 - b->len)
		goto nomem;
	want = b->len + more;
	if (want <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 256;
	while (ncap < want)
		ncap *= 2;
	if ((np = realloc(b->p, ncap)) == NULL)
		goto nomem;
	b->p = np;
	b->cap = ncap;
	return 0;
nomem:
	b->failed = 1;
	return -1;
}

int
buf_append(struct buf *b, const void *data, size_t n)
{
	if (n == 0)
		return buf_ok(b);
	if (buf_reserve(b, n) == -1)
		return -1;
	memcpy(b->p + b->len, data, n);
	b->len += n;
	return 0;
}

int
buf_appendstr(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

const char *
buf_cstr(struct buf *b)
{
	if (b->len == 0 || buf_reserve(b, 1) == -1)
		return "";
	b->p[b->len] = '\0';
	return b->p;
}

void
buf_free(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
	b->failed = 0;
}
