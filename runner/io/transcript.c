/* transcript.c - the record of everything that crossed the wire. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/escape.h"
#include "io/transcript.h"

void
tr_init(struct transcript *tr, int fd, const char *path, int flags)
{
	memset(tr, 0, sizeof(*tr));
	tr->fd = fd;
	tr->path = path ? strdup(path) : NULL;
	tr->flags = flags;
	tr->t0 = mono_now();
	tr->tail = calloc(TR_TAIL_LINES, sizeof(*tr->tail));	/* NULL: no tail */
}

void
tr_view_detach(struct transcript *view)
{
	if (view->parent != NULL && view->counted)
		view->parent->nviews--;
	view->counted = 0;
}

void
tr_view_attach(struct transcript *view, struct transcript *parent, int tag)
{
	tr_view_detach(view);
	if (view->parent == NULL) {		/* a new view */
		memset(view, 0, sizeof(*view));
		view->fd = -1;
	}
	view->parent = parent;
	view->tag = tag;
	view->counted = 1;
	parent->nviews++;
}

/* Where a line recorded on tr goes, and the tag it carries there (0: none). */
static struct transcript *
target(struct transcript *tr, int *tag)
{
	*tag = 0;
	if (tr == NULL || tr->parent == NULL)
		return tr;
	if (tr->parent->nviews > 1)	/* from the first line with two open */
		tr->parent->tagged = 1;
	if (tr->parent->tagged)
		*tag = tr->tag;
	return tr->parent;
}

/* "[3] " before a line of session 3 (tag 0: nothing). */
static void
put_tag(struct buf *out, int tag)
{
	char	 t[24];

	if (tag != 0) {
		snprintf(t, sizeof(t), "[%d] ", tag);
		buf_appendstr(out, t);
	}
}

/* A write or close of the file failed: said once, and counted. */
static void
file_failed(struct transcript *tr, const char *what)
{
	if (!tr->failed)
		fprintf(stderr, "smtprun: %s transcript %s: %s\n", what,
		    tr->path ? tr->path : "(file)", strerror(errno));
	tr->failed = 1;
	if (tr->errors != NULL)
		(*tr->errors)++;
}

void
tr_close_file(struct transcript *tr)
{
	if (tr != NULL && tr->fd >= 0) {
		if (close(tr->fd) == -1 && errno != EINTR)
			file_failed(tr, "closing");
		tr->fd = -1;
	}
}

void
tr_close(struct transcript *tr)
{
	tr_close_file(tr);
	free(tr->path);
	tr->path = NULL;
	buf_free(&tr->line);
	buf_free(&tr->all);
	free(tr->tail);
	tr->tail = NULL;
}

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t	 w;

	while (n > 0) {
		if ((w = write(fd, p, n)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static const char *
color_of(enum tr_kind kind)
{
	switch (kind) {
	case TR_RECV_BAD:
	case TR_TLS_RECV_BAD:
	case TR_ERROR:
		return "\033[31m";
	case TR_INFO:
		return "\033[36m";
	default:
		return NULL;
	}
}

/* A formatted line as the tail shows it, at most TR_TAIL_WIDTH bytes with
 * its "\0": without its "\n", cut between characters. */
static void
tail_cut(char *slot, const char *line, size_t n)
{
	if (n > 0 && line[n - 1] == '\n')
		n--;
	if (n >= TR_TAIL_WIDTH) {
		/* Cut between characters: the line is text, and stays so. */
		n = esc_fit(line, n, TR_TAIL_WIDTH - 4);
		memcpy(slot, line, n);
		memcpy(slot + n, "...", 4);
	} else {
		memcpy(slot, line, n);
		slot[n] = '\0';
	}
}

static struct tr_event *
tail_slot(struct transcript *tr)
{
	struct tr_event	*ev;

	if (tr->tail == NULL)		/* a view, or no memory: no tail */
		return NULL;
	ev = &tr->tail[tr->tail_next];
	tr->tail_next = (tr->tail_next + 1) % TR_TAIL_LINES;
	if (tr->tail_count < TR_TAIL_LINES)
		tr->tail_count++;
	return ev;
}

static void
keep_tail(struct transcript *tr, const char *line, size_t n)
{
	struct tr_event	*ev = tail_slot(tr);

	if (ev == NULL)
		return;
	ev->raw = 0;
	tail_cut(ev->text, line, n);
}

/* No sink formats lines: only the ring has them, raw. */
static int
raw_only(const struct transcript *tr)
{
	return tr->fd < 0 && !(tr->flags & (TR_F_LIVE | TR_F_KEEP));
}

static void
keep_raw(struct transcript *tr, int tag, enum tr_kind kind, const char *text, size_t n,
    enum lb_term term, size_t more)
{
	struct tr_event	*ev = tail_slot(tr);

	if (ev == NULL)
		return;
	ev->raw = 1;
	ev->tag = tag;
	ev->kind = (unsigned char)kind;
	ev->term = (unsigned char)term;
	ev->more = more;
	ev->n = (unsigned short)(n < TR_TAIL_WIDTH ? n : TR_TAIL_WIDTH);
	memcpy(ev->text, text, ev->n);
	ev->elapsed = tr->flags & TR_F_TIMESTAMPS ? mono_now() - tr->t0 : 0;
}

/* Writes the line formatted in tr->line to every sink. */
static void
record(struct transcript *tr, enum tr_kind kind)
{
	const char	*col;
	int		 saved = errno;

	if (tr->fd >= 0 && !tr->failed &&
	    write_all(tr->fd, tr->line.p, tr->line.len) == -1)
		file_failed(tr, "writing");
	if (tr->flags & TR_F_LIVE) {
		col = tr->flags & TR_F_COLOR ? color_of(kind) : NULL;
		if (col != NULL)
			write_all(STDERR_FILENO, col, strlen(col));
		write_all(STDERR_FILENO, tr->line.p, tr->line.len - (col ? 1 : 0));
		if (col != NULL)
			write_all(STDERR_FILENO, "\033[0m\n", 5);
	}
	keep_tail(tr, tr->line.p, tr->line.len);
	if ((tr->flags & TR_F_KEEP) && !tr->cut) {
		if (tr->all.len + tr->line.len > TR_KEEP_MAX) {
			buf_appendstr(&tr->all, "*** (the rest of this transcript was not kept: "
			    "over 4 MiB)\n");
			tr->cut = 1;
		} else
			buf_append(&tr->all, tr->line.p, tr->line.len);
	}
	errno = saved;
}

void
tr_line(struct transcript *tr, enum tr_kind kind, const char *text, size_t n,
    enum lb_term term)
{
	int	 tag;

	if ((tr = target(tr, &tag)) == NULL)	/* a quiet session */
		return;
	if (raw_only(tr)) {
		keep_raw(tr, tag, kind, text, n, term, 0);
		return;
	}
	tr->line.len = 0;
	put_tag(&tr->line, tag);
	if (tr_format(&tr->line, mono_now() - tr->t0, tr->flags & TR_F_TIMESTAMPS, kind,
	    text, n, term) == 0)
		record(tr, kind);
}

void
tr_line_cut(struct transcript *tr, enum tr_kind kind, const char *text, size_t n,
    size_t more)
{
	int	 tag;

	if ((tr = target(tr, &tag)) == NULL)
		return;
	if (raw_only(tr)) {
		keep_raw(tr, tag, kind, text, n, LB_NONE, more);
		return;
	}
	tr->line.len = 0;
	put_tag(&tr->line, tag);
	if (tr_format_cut(&tr->line, mono_now() - tr->t0, tr->flags & TR_F_TIMESTAMPS,
	    kind, text, n, more) == 0)
		record(tr, kind);
}

void
tr_printf(struct transcript *tr, enum tr_kind kind, const char *fmt, ...)
{
	char	 msg[1024];
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	tr_text(tr, kind, msg, (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1);
}

const char *
tr_secret(struct transcript *tr, enum tr_kind kind, const char *text, size_t n,
    const char *shown)
{
	int	 tag;
	const struct transcript *to = target(tr, &tag);

	if (to != NULL && (to->flags & TR_F_SHOW_SECRETS)) {
		tr_line(tr, kind, text, n, LB_CRLF);
		return NULL;
	}
	tr_line(tr, kind, shown, strlen(shown), LB_CRLF);
	return shown;
}

void
tr_text(struct transcript *tr, enum tr_kind kind, const char *text, size_t n)
{
	const char	*nl;

	while ((nl = memchr(text, '\n', n)) != NULL) {
		tr_line(tr, kind, text, (size_t)(nl - text), LB_CRLF);
		n -= (size_t)(nl - text) + 1;
		text = nl + 1;
	}
	tr_line(tr, kind, text, n, LB_CRLF);
}

void
tr_chunk(struct transcript *tr, enum tr_kind kind, const char *bytes, size_t n)
{
	const char	*nl;
	size_t		 len;

	while (n > 0) {
		if ((nl = memchr(bytes, '\n', n)) == NULL) {
			tr_line(tr, kind, bytes, n, LB_NONE);
			return;
		}
		len = (size_t)(nl - bytes);
		if (len > 0 && bytes[len - 1] == '\r')
			tr_line(tr, kind, bytes, len - 1, LB_CRLF);
		else
			tr_line(tr, kind, bytes, len, LB_LF);
		bytes += len + 1;
		n -= len + 1;
	}
}

int
tr_tail(const struct transcript *tr, size_t max, const char *indent, struct buf *out)
{
	size_t			 n = tr->tail_count < max ? tr->tail_count : max, i, k;
	const struct tr_event	*ev;
	const char		*line;
	char			 cut[TR_TAIL_WIDTH];
	struct buf		 f = BUF_INIT;
	int			 ts = tr->flags & TR_F_TIMESTAMPS, rc = 0;

	if (tr->tail == NULL)
		n = 0;

	for (i = 0; i < n && rc == 0; i++) {
		k = (tr->tail_next + TR_TAIL_LINES - n + i) % TR_TAIL_LINES;
		ev = &tr->tail[k];
		line = ev->text;
		if (ev->raw) {		/* formatted now, as it would have been */
			f.len = 0;
			put_tag(&f, ev->tag);
			if ((ev->more > 0 ? tr_format_cut(&f, ev->elapsed, ts, ev->kind,
			    ev->text, ev->n, ev->more) : tr_format(&f, ev->elapsed, ts,
			    ev->kind, ev->text, ev->n, ev->term)) == -1) {
				rc = -1;
				break;
			}
			tail_cut(cut, f.p, f.len);
			line = cut;
		}
		if (buf_appendstr(out, indent) == -1 ||
		    buf_appendstr(out, line) == -1 || buf_append(out, "\n", 1) == -1)
			rc = -1;
	}
	buf_free(&f);
	return rc;
}
