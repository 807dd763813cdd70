/*
 * linebuf.h - buffered input that hands out whole lines.
 *
 * Pure: no I/O. The owner reads from its socket straight into the space
 * lb_space() offers, commits what arrived, then takes lines with lb_line().
 * A line that grows past line_max without a line feed is an error, so a peer
 * can never make the buffer grow without bound: the buffer holds at most one
 * partial line plus one read chunk beyond the lines not yet taken.
 */
#ifndef SMTPRUN_LINEBUF_H
#define SMTPRUN_LINEBUF_H

#include <stddef.h>

#define LB_DEFAULT_LINE_MAX	(64 * 1024)
#define LB_CHUNK		(16 * 1024)

enum lb_term {
	LB_CRLF,	/* "\r\n" */
	LB_LF,		/* a bare "\n" */
	LB_NONE		/* no terminator: only from lb_rest() */
};

enum lb_status {
	LB_MORE = 0,	/* no complete line buffered */
	LB_LINE,	/* *line filled in */
	LB_TOOLONG,	/* the buffered partial line exceeds line_max */
	LB_NOMEM
};

struct lb_line {
	const char	*p;	/* not NUL-terminated; valid until the next lb_ call */
	size_t		 len;	/* without the terminator */
	enum lb_term	 term;
};

struct linebuf {
	char	*buf;
	size_t	 cap;
	size_t	 off;		/* start of unconsumed data */
	size_t	 len;		/* end of data */
	size_t	 scan;		/* bytes from off already known to hold no '\n' */
	size_t	 line_max;
};

void	lb_init(struct linebuf *lb, size_t line_max);
void	lb_free(struct linebuf *lb);
/* Offers at least LB_CHUNK bytes of space at *p. Returns LB_NOMEM or LB_MORE. */
int	lb_space(struct linebuf *lb, char **p, size_t *avail);
void	lb_commit(struct linebuf *lb, size_t n);
/* Appends bytes (tests, fuzzers, and callers without a socket). */
int	lb_push(struct linebuf *lb, const void *data, size_t n);
/* Takes the next complete line. */
enum lb_status lb_line(struct linebuf *lb, struct lb_line *line);
/* Takes whatever partial line remains (term LB_NONE); 0 when nothing is buffered. */
int	lb_rest(struct linebuf *lb, struct lb_line *line);
/* Bytes buffered and not yet taken. */
size_t	lb_pending(const struct linebuf *lb);
/* Direct view of what is buffered and not yet taken, and dropping n bytes of it. */
const char *lb_peek(const struct linebuf *lb);
void	lb_drop(struct linebuf *lb, size_t n);

#endif
