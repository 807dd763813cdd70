/* fname.c - the file name a scenario and its cases are saved under. */
#include <string.h>

#include "core/fname.h"

/* Appends s[0..n) as a file name part. */
static void
part(struct buf *b, const char *s, size_t n)
{
	for (; n > 0; s++, n--) {
		char c = *s == '/' ? '-' : (*s >= 'a' && *s <= 'z') ||
		    (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		    *s == '.' || *s == '-' || *s == '_' ? *s : '_';
		buf_append(b, &c, 1);
	}
}

int
fname_stem(struct buf *out, const char *path, const char *name)
{
	const char	*p = path, *dot;
	size_t		 n;

	while (p[0] == '.' && p[1] == '/')
		p += 2;
	while (*p == '/')
		p++;
	dot = strrchr(p, '.');
	n = dot && dot > p && !strchr(dot, '/') ? (size_t)(dot - p) : strlen(p);
	part(out, p, n);
	if (name != NULL) {
		buf_appendstr(out, "--");
		part(out, name, strlen(name));
	}
	return buf_ok(out);
}
