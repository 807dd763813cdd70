/* buf.c - a growable byte buffer. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"

int
buf_reserve(struct buf *b, size_t more)
{
	size_t	 want, ncap;
	char	*np;

	if (more > (size_t)-1 / 2 - b->len)
		return -1;
	want = b->len + more;
	if (want <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 256;
	while (ncap < want)
		ncap *= 2;
	if ((np = realloc(b->p, ncap)) == NULL)
		return -1;
	b->p = np;
	b->cap = ncap;
	return 0;
}

int
buf_append(struct buf *b, const void *data, size_t n)
{
	if (n == 0)
		return 0;
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

void
buf_consume(struct buf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
		return;
	}
	memmove(b->p, b->p + n, b->len - n);
	b->len -= n;
}

void
buf_free(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}
