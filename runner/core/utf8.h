/*
 * utf8.h - well-formed UTF-8 (RFC 3629), the one check.
 *
 * Everywhere bytes from a peer or a script are shown (transcripts, reports,
 * the terminal) or judged (strict reply text), "valid" means this: no
 * overlong forms, no surrogates (U+D800..U+DFFF), nothing past U+10FFFF,
 * no truncated sequence. Pure: no I/O.
 */
#ifndef SMTPRUN_UTF8_H
#define SMTPRUN_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* The length (1..4) of the well-formed sequence that starts at p[0..n),
 * its code point in *cp (may be NULL); 0 when p does not start one (n == 0,
 * a stray continuation byte, an overlong form, a surrogate, > U+10FFFF, or
 * a sequence cut short by n). */
size_t	utf8_seq(const unsigned char *p, size_t n, uint32_t *cp);
/* The offset of the first byte that is not part of well-formed UTF-8;
 * n when all of p[0..n) is. */
size_t	utf8_invalid_at(const void *p, size_t n);
/* True for the C1 control code points (U+0080..U+009F): well-formed, but
 * terminals act on them, so they are shown escaped. */
static inline int
utf8_is_c1(uint32_t cp)
{
	return cp >= 0x80 && cp <= 0x9f;
}

#endif
