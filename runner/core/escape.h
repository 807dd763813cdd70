/*
 * escape.h - bytes shown as text, the one way.
 *
 * Wherever smtprun shows bytes that a peer or a script gave it (error
 * messages, transcripts, reports, --list), control bytes become escapes:
 * \r \n \t \0, and \xNN (two lowercase hex digits) for the other C0 bytes
 * and DEL. Every other byte passes as it is. Pure: no I/O.
 */
#ifndef SMTPRUN_ESCAPE_H
#define SMTPRUN_ESCAPE_H

#include <stddef.h>

#include "core/buf.h"

#define ESC_MULTILINE	0x1	/* "\n" and "\t" stay: text of several lines */
#define ESC_TAB_SPACES	0x2	/* "\t" becomes two spaces (our own messages) */
#define ESC_ASCII	0x4	/* bytes >= 0x80 as \xNN too: plain ASCII out */

#define ESC_CUT		"..."	/* follows an excerpt that was cut short */

/* Appends s[0..n) to out, escaped. Returns 0, or -1 out of memory. */
int	esc_append(struct buf *out, const char *s, size_t n, int flags);
/* The same for the first `max` bytes only, followed by ESC_CUT when s is
 * longer: an excerpt for a one-line message. */
int	esc_excerpt(struct buf *out, const char *s, size_t n, size_t max);
/* True when the byte would be escaped (flags as above). */
int	esc_needed(unsigned char c, int flags);

#endif
