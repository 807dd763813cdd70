/* fname.c - the file name a scenario and its cases are saved under. */
#include <string.h>

#include "core/fname.h"

static int
alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Appends s[0..n) as a file name part. */
static void
part(struct buf *b, const char *s, size_t n)
{
	if (n >= 2 && s[0] == '.' && s[1] == '/')
		s += 2, n -= 2;
	while (n > 0 && *s == '/')
		s++, n--;
	for (; n > 0; s++, n--) {
		char c = *s == '/' ? '-' : alnum(*s) || *s == '.' || *s == '-' ||
		    *s == '_' ? *s : '_';
		buf_append(b, &c, 1);
	}
}

/* The length of path without its extension (".lua", ".yaml", ...). */
static size_t
without_extension(const char *path)
{
	const char	*dot = strrchr(path, '.'), *p;

	if (dot == NULL || dot[1] == '\0')
		return strlen(path);
	for (p = dot + 1; *p; p++)
		if (!alnum(*p))
			return strlen(path);
	return (size_t)(dot - path);
}

int
fname_stem(struct buf *out, const char *path, const char *name)
{
	part(out, path, without_extension(path));
	if (name != NULL) {
		buf_appendstr(out, "--");
		part(out, name, strlen(name));
	}
	return buf_ok(out);
}
