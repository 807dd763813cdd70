/*
 * reply.h - SMTP replies (RFC 5321 section 4.2): the parser, and the
 * formatter a server uses.
 *
 * Pure: no I/O. Lines go in (from a linebuf), complete replies come out:
 *
 *	Reply-line = *( Reply-code "-" [ textstring ] CRLF )
 *	             Reply-code [ SP textstring ] CRLF
 *
 * Malformed input (a code that is not three digits, codes that change inside
 * one multi-line reply, no space or hyphen after the code, a bare LF, a NUL
 * byte while strict_text is on, a line or a whole reply past its cap) yields
 * REPLY_ERROR and a message in p->err. reply_max counts the bytes on the wire
 * (line terminators included); what is kept for a reply (its text and an
 * offset per line) stays within a small multiple of that (at most 3x, for
 * lines that hold no text at all).
 *
 * Text that is not valid UTF-8 (core/utf8.h) is no error: the reply is
 * marked (invalid_utf8, and the first such line), for the caller to note.
 */
#ifndef SMTPRUN_REPLY_H
#define SMTPRUN_REPLY_H

#include <stddef.h>

#include "core/buf.h"
#include "core/linebuf.h"

#define REPLY_DEFAULT_MAX	(1024 * 1024)
#define REPLY_EXCERPT		40	/* bytes of a bad line quoted in an error */
/* An error message: up to 128 bytes of text, and the excerpt escaped (at
 * most four bytes shown for each byte, and "..."). */
#define REPLY_ERR_SIZE		(128 + 4 * REPLY_EXCERPT + 8)

enum reply_status {
	REPLY_MORE = 0,		/* need more lines */
	REPLY_DONE,		/* p->reply is complete */
	REPLY_ERROR		/* p->err says why; call reply_reset() before reuse */
};

struct reply {
	int	 code;			/* 200..599 */
	char	 enhanced[12];		/* "2.7.0" (RFC 3463) or "" */
	size_t	 nlines;
	struct buf text;		/* the lines' text, each followed by '\n' */
	size_t	*offs;			/* offs[i]: start of line i in text */
	size_t	 offs_cap;
	int	 invalid_utf8;		/* some line is not valid UTF-8 */
	size_t	 invalid_line;		/* the first such line (1-based), or 0 */
};

/* Called for every line taken from the buffer, before it is judged. code is
 * the reply's code once known (0 if the line's own code is unreadable). */
typedef void reply_line_fn(void *arg, const char *line, size_t len,
    enum lb_term term, int code);

struct reply_parser {
	size_t		 reply_max;
	size_t		 used;		/* wire bytes of the reply in progress */
	int		 busy;		/* a reply is in progress */
	int		 strict_text;	/* a NUL byte is an error (reply_init: on) */
	int		 overlong;	/* the error: the next buffered line is past line_max */
	struct reply	 reply;
	char		 err[REPLY_ERR_SIZE];
};

/* reply_max 0: the default. strict_text starts on; set it to 0 to accept
 * NUL bytes (for scripts that probe such servers). */
void	reply_init(struct reply_parser *p, size_t reply_max);
void	reply_free(struct reply_parser *p);
/* Forgets any reply in progress or just completed. */
void	reply_reset(struct reply_parser *p);
/* Feeds one line (terminator stripped). */
enum reply_status reply_line(struct reply_parser *p, const char *line, size_t len,
	    enum lb_term term);
/* Takes lines from lb until a reply completes, more input is needed, or an
 * error. on_line (may be NULL) sees each line taken. */
enum reply_status reply_parse(struct reply_parser *p, struct linebuf *lb,
	    reply_line_fn *on_line, void *arg);
/* Line i of a complete reply, without its '\n'. */
const char *reply_text_line(const struct reply *r, size_t i, size_t *len);
/* The other way: appends one reply line, "250-text" (more follow) or
 * "250 text" (the last; "250" alone when the text is empty), and eol
 * ("\r\n", or "\n" for a server that misbehaves on purpose). */
int	reply_format(struct buf *out, int code, const char *text, size_t n, int last,
	    const char *eol);
/* Reads a three-digit code from the start of a line: 200..599, else 0. */
int	reply_code_of(const char *line, size_t len);
/* Recognises an RFC 3463 enhanced status code at the start of text; copies it
 * to out (>= 12 bytes) and returns its length, or 0. */
size_t	reply_enhanced_of(const char *text, size_t len, char *out);

#endif
