/* cmdread.c - the server role's reading of one command line. */
#include <string.h>

#include "core/cmdread.h"

/* What ends the verb: SP (RFC 5321), or a tab, which servers take too. */
static int
verb_end(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* Around an AUTH mechanism, any blank a reader might split on (the C and
 * Lua "%s" set): a response after a bare CR or a form feed is still one. */
static int
blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == '\v' ||
	    ch == '\f';
}

/* The shown part of "AUTH<blanks>MECH<blanks>RESPONSE": the offset just
 * past MECH, or 0 when nothing but blanks follows it. The mechanism ends
 * at a blank or a NUL; anything past it but blanks (a NUL too) may be a
 * secret. With no mechanism ("AUTH \0secret") only "AUTH" is shown. */
static size_t
auth_shown(const char *line, size_t len)
{
	size_t	 i = 4, mech, mech_end;

	while (i < len && blank(line[i]))
		i++;
	for (mech = i; i < len && !blank(line[i]) && line[i] != '\0'; i++)
		;
	mech_end = i;
	while (i < len && blank(line[i]))
		i++;
	if (i == len)
		return 0;
	return mech_end > mech ? mech_end : 4;
}

int
cmd_parse(const char *line, size_t len, struct smtp_cmd *c, struct buf *norm)
{
	size_t		 start = norm->len, i;

	for (i = 0; i < len && !verb_end(line[i]); i++)
		;
	c->vlen = i;
	c->arg = i < len ? line + i + 1 : "";
	c->alen = i < len ? len - i - 1 : 0;
	c->shown_len = 0;
	if (buf_append(norm, line, len) == -1)
		return -1;
	for (i = start; i < start + c->vlen; i++)
		if (norm->p[i] >= 'a' && norm->p[i] <= 'z')
			norm->p[i] -= 'a' - 'A';
	/* AUTH with an initial response: the credentials stay out of the
	 * record. "AUTH\0..." and "AUTH\rPLAIN ..." too: no command, but
	 * what follows was still meant as one. */
	if (c->vlen >= 4 && memcmp(norm->p + start, "AUTH", 4) == 0 &&
	    (c->vlen == 4 || line[4] == '\0' || blank(line[4])))
		c->shown_len = auth_shown(line, len);
	return 0;
}
