/*
 * escape.h - bytes shown as text, the one way.
 *
 * Wherever smtprun shows bytes that a peer or a script gave it (error
 * messages, transcripts, the terminal, reports, --list), what is not text
 * becomes escapes: \r \n \t \0, and \xNN (two lowercase hex digits, one
 * escape per byte) for the other C0 bytes, DEL, every byte that is not part
 * of well-formed UTF-8 (core/utf8.h: a stray or overlong byte, a surrogate,
 * a cut sequence), and the bytes of the C1 controls (U+0080..U+009F, which
 * terminals act on) and of U+FFFE/U+FFFF (which XML refuses). Printable
 * ASCII and well-formed UTF-8 text (e, EUR, emoji) pass as they are, so the
 * result is always valid UTF-8 without control codes. Pure: no I/O.
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
/* True when s[0..n) would be shown as it is (nothing escaped). */
int	esc_clean(const char *s, size_t n, int flags);
/* The length of the longest head of s[0..n), at most max bytes, that does
 * not end inside a UTF-8 sequence: where to cut text already escaped (or
 * otherwise valid UTF-8) so that it stays valid. */
size_t	esc_fit(const char *s, size_t n, size_t max);

#endif
