/*
 * dotstuff.h - message transparency for DATA (RFC 5321 section 4.5.2).
 *
 * Pure: no I/O. dot_stuff() turns a message into what goes on the wire after
 * the 354: every line ending becomes CRLF (a bare LF or a lone CR included),
 * a line that starts with "." gets another one in front, the last line is
 * terminated, and the lone "." that ends DATA follows.
 */
#ifndef SMTPRUN_DOTSTUFF_H
#define SMTPRUN_DOTSTUFF_H

#include <stddef.h>

#include "core/buf.h"

/* Appends the wire form of msg[0..n) to out. Returns 0, or -1 out of memory. */
int	dot_stuff(const char *msg, size_t n, struct buf *out);
/* Undoes the leading-dot rule for one received line (terminator stripped):
 * returns how many bytes to skip at its start (0 or 1). */
size_t	dot_unstuff_skip(const char *line, size_t len);
/* True when the line (terminator stripped) is the lone "." that ends DATA. */
int	dot_is_end(const char *line, size_t len);

#endif
