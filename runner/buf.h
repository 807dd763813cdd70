/* buf.h - a growable byte buffer with an optional size cap. */
#ifndef SMTPRUN_BUF_H
#define SMTPRUN_BUF_H

#include <stddef.h>

struct buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
};

#define BUF_INIT { NULL, 0, 0 }

/* Makes room for at least `more` further bytes. Returns 0, or -1 when out of memory. */
int	buf_reserve(struct buf *b, size_t more);
/* Appends n bytes. Returns 0, or -1 when out of memory (b unchanged). */
int	buf_append(struct buf *b, const void *data, size_t n);
int	buf_appendstr(struct buf *b, const char *s);
/* Removes the first n bytes (n <= len). */
void	buf_consume(struct buf *b, size_t n);
void	buf_free(struct buf *b);

#endif
