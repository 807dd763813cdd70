/*
 * buf.h - a growable byte buffer.
 *
 * Out of memory is sticky: a failed append sets `failed`, and every later
 * append to that buffer does nothing and fails too. A builder that appends
 * many pieces checks once, at the end (buf_ok), instead of after each call;
 * what it built is then incomplete and must not be used. buf_free clears
 * the flag along with the bytes.
 */
#ifndef SMTPRUN_BUF_H
#define SMTPRUN_BUF_H

#include <stddef.h>

struct buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
	int	 failed;	/* an allocation failed: the contents are incomplete */
};

#define BUF_INIT { NULL, 0, 0, 0 }

/* Makes room for at least `more` further bytes. Returns 0, or -1 (and sets
 * failed) when out of memory. */
int	buf_reserve(struct buf *b, size_t more);
/* Appends n bytes. Returns 0, or -1 when out of memory now or before. */
int	buf_append(struct buf *b, const void *data, size_t n);
int	buf_appendstr(struct buf *b, const char *s);
/* 0 when every append so far succeeded, else -1. */
static inline int
buf_ok(const struct buf *b)
{
	return b->failed ? -1 : 0;
}
/* The contents as a C string (a NUL kept after them, not counted in len);
 * "" when empty or when an allocation failed. */
const char *buf_cstr(struct buf *b);
void	buf_free(struct buf *b);

#endif
