/* cmdread.c - the server role's reading of one command line. */
#include <string.h>

#include "core/cmdread.h"

int
cmd_parse(const char *line, size_t len, struct smtp_cmd *c, struct buf *norm)
{
	const char	*sp = len > 0 ? memchr(line, ' ', len) : NULL, *sp2;
	size_t		 start = norm->len, i;

	c->vlen = sp ? (size_t)(sp - line) : len;
	c->arg = sp ? sp + 1 : "";
	c->alen = sp ? len - c->vlen - 1 : 0;
	c->shown_len = 0;
	if (buf_append(norm, line, len) == -1)
		return -1;
	for (i = start; i < start + c->vlen; i++)
		if (norm->p[i] >= 'a' && norm->p[i] <= 'z')
			norm->p[i] -= 'a' - 'A';
	/* AUTH with an initial response: the credentials stay out of the record. */
	if (c->vlen == 4 && memcmp(norm->p + start, "AUTH", 4) == 0 && sp != NULL &&
	    (sp2 = memchr(c->arg, ' ', c->alen)) != NULL)
		c->shown_len = (size_t)(sp2 - line);
	return 0;
}
