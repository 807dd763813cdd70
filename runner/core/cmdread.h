/*
 * cmdread.h - the server role's reading of one command line (RFC 5321
 * section 4.1.1): the verb, in upper case, and its argument.
 *
 * Pure: no I/O. Takes a line without its terminator (from a linebuf).
 * The verb is everything up to the first space or tab (the whole line when
 * there is none); the argument is everything after that one character.
 */
#ifndef SMTPRUN_CMDREAD_H
#define SMTPRUN_CMDREAD_H

#include <stddef.h>

#include "core/buf.h"

struct smtp_cmd {
	size_t		 vlen;		/* the verb: line[0..vlen) */
	const char	*arg;		/* after the first space or tab; "" when none */
	size_t		 alen;
	/* AUTH with an initial response ("AUTH PLAIN <secret>"): the length of
	 * the part that may be shown, "AUTH", the blanks, the mechanism ("AUTH
	 * PLAIN", "AUTH \t PLAIN"); 0 for any other line. Whatever follows the
	 * mechanism after any run of blanks (space, tab, CR, LF, VT, FF: what
	 * Lua's "%s" splits on) counts as the response, and so does anything
	 * after a NUL ("AUTH PLAIN\0x", "AUTH\0x": shown "AUTH"). Blanks alone
	 * after the mechanism: 0, nothing to hide. */
	size_t		 shown_len;
};

/* Splits line[0..len) into *c (pointers into line), and appends the line
 * with its verb in upper case to norm. Returns 0, or -1 out of memory. */
int	cmd_parse(const char *line, size_t len, struct smtp_cmd *c, struct buf *norm);

#endif
