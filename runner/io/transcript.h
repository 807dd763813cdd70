/*
 * transcript.h - the record of everything that crossed the wire: where the
 * formatted lines (core/trformat.h) go.
 *
 * Three sinks: a file written line by line with write(2) as things happen,
 * so a crash or a kill loses nothing already recorded; the live echo on
 * stderr (-v); and a ring of the last lines for error messages. With
 * TR_F_KEEP the whole text is also kept in memory (reports, golden files).
 * When only the ring is there, lines are not formatted as they come: the
 * ring keeps the raw events, formatted by tr_tail when an error needs them.
 *
 * The recording functions accept a NULL transcript and record nothing (a
 * quiet session).
 *
 * Redaction is decided where the secret is known: the caller marks a line as
 * secret (tr_secret) and passes the text to show instead; nothing here
 * pattern-matches output after the fact.
 */
#ifndef SMTPRUN_TRANSCRIPT_H
#define SMTPRUN_TRANSCRIPT_H

#include <stddef.h>

#include "core/buf.h"
#include "core/linebuf.h"
#include "core/trformat.h"

#define TR_TAIL_LINES	8	/* lines kept for error messages */
#define TR_TAIL_WIDTH	240	/* bytes kept of each of them */

/* tr_init flags */
#define TR_F_LIVE		0x1	/* echo to stderr */
#define TR_F_COLOR		0x2	/* ... with colour */
#define TR_F_TIMESTAMPS		0x4	/* prefix seconds since the start */
#define TR_F_SHOW_SECRETS	0x8	/* tr_secret records the real text */
#define TR_F_KEEP		0x10	/* keep the text in memory (reports) */

#define TR_KEEP_MAX	(4 * 1024 * 1024)	/* beyond this, kept text is cut */

/* One line of the tail: formatted, or, when no sink formats lines (no
 * file, no -v, nothing kept), the raw event, formatted only if an error
 * message asks for the tail (tr_tail). Of a raw text the first
 * TR_TAIL_WIDTH bytes are enough: the tail shows less than that of it. */
struct tr_event {
	char		 text[TR_TAIL_WIDTH];	/* "\0"-ended when formatted */
	unsigned short	 n;			/* raw: bytes in text */
	unsigned char	 raw, kind, term;
	int		 tag;			/* raw: the session's, or 0 */
	size_t		 more;			/* raw: tr_line_cut's */
	double		 elapsed;		/* raw, with timestamps */
};

struct transcript {
	int	 fd;		/* file sink, or -1 */
	char	*path;		/* its name, for messages */
	int	 flags;
	double	 t0;		/* CLOCK_MONOTONIC at creation */
	int	 failed;	/* a file write failed (reported once) */
	int	*errors;	/* counts write and close failures, or NULL */
	struct tr_event *tail;	/* TR_TAIL_LINES of them (NULL in a view) */
	size_t	 tail_next, tail_count;
	struct buf line;	/* scratch for formatting */
	struct buf all;		/* with TR_F_KEEP: every line so far */
	int	 cut;		/* the kept text reached TR_KEEP_MAX */
	/* A session's view (tr_view_attach): its lines go to parent, tagged
	 * "[tag] " once parent has had two sessions open at once. */
	struct transcript *parent;
	int	 tag;
	int	 counted;	/* a view: counted in parent's nviews */
	int	 nviews;	/* sessions open on this transcript now */
	int	 tagged;	/* there were two at once: lines carry tags */
};

/* fd < 0: no file (else the transcript owns and closes it). path is copied
 * (may be NULL). flags: TR_F_*. */
void	tr_init(struct transcript *tr, int fd, const char *path, int flags);
/*
 * Sessions record through a view of the transcript (their own small struct
 * transcript, no sinks of its own): once a second session is open on the
 * transcript at the same time, every line a session records from then on
 * starts with its tag, "[2] " (sessions running concurrently, told apart);
 * a transcript that never had two open at once is exactly as without
 * views. Attach (again) moves a view to another transcript (a session
 * going on in the next case); detach says the session closed (its later
 * lines, if any, still go to the parent).
 */
void	tr_view_attach(struct transcript *view, struct transcript *parent, int tag);
void	tr_view_detach(struct transcript *view);
void	tr_close(struct transcript *tr);
/* Closes the file sink only: kept text and tail stay (a finished case).
 * A failed write or close is said on stderr, naming the file, and counted
 * in *tr->errors (the run ends with a setup error). */
void	tr_close_file(struct transcript *tr);
void	tr_line(struct transcript *tr, enum tr_kind kind, const char *text, size_t n,
	    enum lb_term term);
/* Records the start of a line cut short, saying how many bytes of it are
 * not shown (core/trformat.h's tr_format_cut). */
void	tr_line_cut(struct transcript *tr, enum tr_kind kind, const char *text,
	    size_t n, size_t more);
void	tr_printf(struct transcript *tr, enum tr_kind kind, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* Records a line that carries a secret: `shown` stands in for it unless the
 * transcript was opened with TR_F_SHOW_SECRETS. Returns what was recorded. */
const char *tr_secret(struct transcript *tr, enum tr_kind kind, const char *text,
	    size_t n, const char *shown);
/* Records a message; each of its lines is a transcript line. */
void	tr_text(struct transcript *tr, enum tr_kind kind, const char *text, size_t n);
/* Records a chunk of sent bytes as lines, each with its own terminator. */
void	tr_chunk(struct transcript *tr, enum tr_kind kind, const char *bytes, size_t n);
/* Appends the last `max` recorded lines, each indented, to out. */
int	tr_tail(const struct transcript *tr, size_t max, const char *indent, struct buf *out);

#endif
