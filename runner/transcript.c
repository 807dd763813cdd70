/* transcript.c - the record of everything that crossed the wire. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "b64.h"
#include "clock.h"
#include "transcript.h"

static const char *const markers[] = {
	[TR_INFO] = "=== ",
	[TR_SEND] = " -> ",
	[TR_RECV] = "<-  ",
	[TR_RECV_BAD] = "<** ",
	[TR_ERROR] = "*** ",
	[TR_TLS_SEND] = " ~> ",
	[TR_TLS_RECV] = "<~  ",
	[TR_TLS_RECV_BAD] = "<~* ",
};

const char *
tr_marker(enum tr_kind kind)
{
	return markers[kind];
}

/* Appends text with control bytes escaped (bytes >= 0x80 pass: UTF-8). Our
 * own messages (tabs_ok) keep their tabs, as two spaces. */
static int
escape(struct buf *out, const char *s, size_t n, int tabs_ok)
{
	char	 hex[5];
	size_t	 i, run = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != 0x7f)
			continue;
		if (buf_append(out, s + run, i - run) == -1)
			return -1;
		run = i + 1;
		switch (c) {
		case '\r': memcpy(hex, "\\r", 3); break;
		case '\n': memcpy(hex, "\\n", 3); break;
		case '\t': memcpy(hex, tabs_ok ? "  " : "\\t", 3); break;
		case '\0': memcpy(hex, "\\0", 3); break;
		default: snprintf(hex, sizeof(hex), "\\x%02x", c); break;
		}
		if (buf_appendstr(out, hex) == -1)
			return -1;
	}
	return buf_append(out, s + run, n - run);
}

/* For "334 <base64>": appends "   (decoded)" when it decodes to printable text. */
static int
annotate_334(struct buf *out, const char *text, size_t n)
{
	struct buf	 dec = BUF_INIT;
	const char	*why;
	size_t		 i;
	int		 rc = 0, printable = 1;

	if (n <= 4 || memcmp(text, "334 ", 4) != 0)
		return 0;
	if (b64_decode(text + 4, n - 4, &dec, &why) == 0 && dec.len > 0) {
		for (i = 0; i < dec.len; i++)
			if ((unsigned char)dec.p[i] < 0x20 || dec.p[i] == 0x7f)
				printable = 0;
		if (printable && (buf_appendstr(out, "   (") == -1 ||
		    buf_append(out, dec.p, dec.len) == -1 || buf_appendstr(out, ")") == -1))
			rc = -1;
	}
	buf_free(&dec);
	return rc;
}

int
tr_format(struct buf *out, double elapsed, int timestamps, enum tr_kind kind,
    const char *text, size_t n, enum lb_term term)
{
	char	 ts[32];

	if (timestamps) {
		snprintf(ts, sizeof(ts), "[%8.3f] ", elapsed);
		if (buf_appendstr(out, ts) == -1)
			return -1;
	}
	if (buf_appendstr(out, markers[kind]) == -1 ||
	    escape(out, text, n, kind == TR_INFO || kind == TR_ERROR) == -1)
		return -1;
	/* Either side's 334 (a server session sends them). */
	if (kind != TR_INFO && kind != TR_ERROR && annotate_334(out, text, n) == -1)
		return -1;
	if (term == LB_LF && buf_appendstr(out, "   (bare LF)") == -1)
		return -1;
	if (term == LB_NONE && buf_appendstr(out, "   (no line end)") == -1)
		return -1;
	return buf_append(out, "\n", 1);
}

void
tr_init(struct transcript *tr, int fd, const char *path, int flags)
{
	memset(tr, 0, sizeof(*tr));
	tr->fd = fd;
	tr->path = path ? strdup(path) : NULL;
	tr->flags = flags;
	tr->t0 = mono_now();
}

void
tr_close_file(struct transcript *tr)
{
	if (tr != NULL && tr->fd >= 0) {
		close(tr->fd);
		tr->fd = -1;
	}
}

void
tr_close(struct transcript *tr)
{
	if (tr->fd >= 0)
		close(tr->fd);
	tr->fd = -1;
	free(tr->path);
	tr->path = NULL;
	buf_free(&tr->line);
	buf_free(&tr->all);
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

static void
keep_tail(struct transcript *tr, const char *line, size_t n)
{
	char	*slot = tr->tail[tr->tail_next];

	if (n > 0 && line[n - 1] == '\n')
		n--;
	if (n >= TR_TAIL_WIDTH) {
		memcpy(slot, line, TR_TAIL_WIDTH - 4);
		memcpy(slot + TR_TAIL_WIDTH - 4, "...", 4);
	} else {
		memcpy(slot, line, n);
		slot[n] = '\0';
	}
	tr->tail_next = (tr->tail_next + 1) % TR_TAIL_LINES;
	if (tr->tail_count < TR_TAIL_LINES)
		tr->tail_count++;
}

void
tr_line(struct transcript *tr, enum tr_kind kind, const char *text, size_t n,
    enum lb_term term)
{
	const char	*col;
	int		 saved = errno;

	if (tr == NULL)			/* a quiet session */
		return;
	tr->line.len = 0;
	if (tr_format(&tr->line, mono_now() - tr->t0, tr->flags & TR_F_TIMESTAMPS, kind,
	    text, n, term) == -1)
		return;
	if (tr->fd >= 0 && !tr->failed &&
	    write_all(tr->fd, tr->line.p, tr->line.len) == -1) {
		tr->failed = 1;
		fprintf(stderr, "smtprun: writing transcript %s: %s\n",
		    tr->path ? tr->path : "(file)", strerror(errno));
	}
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
	if (tr != NULL && (tr->flags & TR_F_SHOW_SECRETS)) {
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
	size_t	 n = tr->tail_count < max ? tr->tail_count : max, i, k;

	for (i = 0; i < n; i++) {
		k = (tr->tail_next + TR_TAIL_LINES - n + i) % TR_TAIL_LINES;
		if (buf_appendstr(out, indent) == -1 ||
		    buf_appendstr(out, tr->tail[k]) == -1 || buf_append(out, "\n", 1) == -1)
			return -1;
	}
	return 0;
}
