/* reply.c - the SMTP reply parser. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/escape.h"
#include "core/reply.h"
#include "core/utf8.h"

void
reply_init(struct reply_parser *p, size_t reply_max)
{
	memset(p, 0, sizeof(*p));
	p->reply_max = reply_max ? reply_max : REPLY_DEFAULT_MAX;
	p->strict_text = 1;
}

void
reply_free(struct reply_parser *p)
{
	buf_free(&p->reply.text);
	free(p->reply.offs);
	p->reply.offs = NULL;
	p->reply.offs_cap = 0;
}

void
reply_reset(struct reply_parser *p)
{
	p->reply.code = 0;
	p->reply.enhanced[0] = '\0';
	p->reply.nlines = 0;
	p->reply.text.len = 0;
	p->reply.invalid_utf8 = 0;
	p->reply.invalid_line = 0;
	p->used = 0;
	p->busy = 0;
	p->overlong = 0;
	p->err[0] = '\0';
}

int
reply_code_of(const char *line, size_t len)
{
	if (len < 3)
		return 0;
	if (line[0] < '2' || line[0] > '5' || line[1] < '0' || line[1] > '5' ||
	    !isdigit((unsigned char)line[2]))
		return 0;
	return (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
}

/* Counts 1..max digits at s; returns how many, or 0. */
static size_t
digits(const char *s, size_t len, size_t max)
{
	size_t	 n = 0;

	while (n < len && n < max + 1 && isdigit((unsigned char)s[n]))
		n++;
	return n >= 1 && n <= max ? n : 0;
}

size_t
reply_enhanced_of(const char *text, size_t len, char *out)
{
	size_t	 i, n;

	if (len < 5 || (text[0] != '2' && text[0] != '4' && text[0] != '5') ||
	    text[1] != '.')
		return 0;
	i = 2;
	if ((n = digits(text + i, len - i, 3)) == 0)
		return 0;
	i += n;
	if (i >= len || text[i] != '.')
		return 0;
	i++;
	if ((n = digits(text + i, len - i, 3)) == 0)
		return 0;
	i += n;
	if (i < len && text[i] != ' ')
		return 0;
	memcpy(out, text, i);
	out[i] = '\0';
	return i;
}

static enum reply_status
fail(struct reply_parser *p, const char *line, size_t len, const char *fmt, ...)
{
	struct buf	 ex = BUF_INIT;
	va_list		 ap;
	int		 n;

	esc_excerpt(&ex, line, len, REPLY_EXCERPT);
	va_start(ap, fmt);
	n = vsnprintf(p->err, sizeof(p->err), fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof(p->err))
		snprintf(p->err + n, sizeof(p->err) - (size_t)n, ": \"%s\"", buf_cstr(&ex));
	buf_free(&ex);
	return REPLY_ERROR;
}

enum reply_status
reply_line(struct reply_parser *p, const char *line, size_t len, enum lb_term term)
{
	struct reply	*r = &p->reply;
	int		 code, last;
	size_t		 lineno = r->nlines + 1, tlen;
	const char	*text;

	if (!p->busy)
		reply_reset(p);
	if (term == LB_LF)
		return fail(p, line, len,
		    "reply line %zu ends in a bare LF, not CRLF", lineno);
	if ((code = reply_code_of(line, len)) == 0)
		return fail(p, line, len,
		    "reply line %zu does not start with a reply code (three digits: 2-5, 0-5, 0-9)",
		    lineno);
	if (p->busy && code != r->code)
		return fail(p, line, len,
		    "reply line %zu has code %d, but the reply began with %d",
		    lineno, code, r->code);
	if (len == 3)
		last = 1;
	else if (line[3] == ' ')
		last = 1;
	else if (line[3] == '-')
		last = 0;
	else
		return fail(p, line, len,
		    "reply line %zu: code %d is followed by neither a space nor a hyphen",
		    lineno, code);

	if (p->strict_text && memchr(line, '\0', len) != NULL)
		return fail(p, line, len, "reply line %zu contains a NUL byte (reply text "
		    "is text; smtp.connect{strict_text = false} accepts it)", lineno);

	p->used += len + 2;		/* the line as it came: text and CRLF */
	if (p->used > p->reply_max) {
		snprintf(p->err, sizeof(p->err),
		    "reply exceeds %zu bytes after %zu lines (the server keeps sending lines)",
		    p->reply_max, lineno);
		return REPLY_ERROR;
	}
	if (!r->invalid_utf8 && utf8_invalid_at(line, len) < len) {
		r->invalid_utf8 = 1;
		r->invalid_line = lineno;
	}
	if (r->nlines == r->offs_cap) {
		size_t	 ncap = r->offs_cap ? r->offs_cap * 2 : 8;
		size_t	*no = realloc(r->offs, ncap * sizeof(*no));
		if (no == NULL)
			goto nomem;
		r->offs = no;
		r->offs_cap = ncap;
	}
	text = len > 4 ? line + 4 : "";
	tlen = len > 4 ? len - 4 : 0;
	r->offs[r->nlines] = r->text.len;
	if (buf_append(&r->text, text, tlen) == -1 || buf_append(&r->text, "\n", 1) == -1)
		goto nomem;
	if (r->nlines == 0) {
		r->code = code;
		/* RFC 3463: the class must be the reply's (2xx with 2.x.x, ...). */
		if (reply_enhanced_of(text, tlen, r->enhanced) > 0 &&
		    r->enhanced[0] != '0' + code / 100)
			r->enhanced[0] = '\0';
	}
	r->nlines++;
	p->busy = !last;
	return last ? REPLY_DONE : REPLY_MORE;
nomem:
	snprintf(p->err, sizeof(p->err), "out of memory reading a reply");
	return REPLY_ERROR;
}

enum reply_status
reply_parse(struct reply_parser *p, struct linebuf *lb, reply_line_fn *on_line, void *arg)
{
	struct lb_line		 l;
	enum lb_status		 ls;
	enum reply_status	 rs;
	int			 code;

	for (;;) {
		ls = lb_line(lb, &l);
		if (ls == LB_MORE)
			return REPLY_MORE;
		if (ls == LB_TOOLONG) {
			p->overlong = 1;
			snprintf(p->err, sizeof(p->err),
			    "reply line longer than %zu bytes", lb->line_max);
			return REPLY_ERROR;
		}
		if (ls == LB_NOMEM) {
			snprintf(p->err, sizeof(p->err), "out of memory reading a reply");
			return REPLY_ERROR;
		}
		if (on_line != NULL) {
			code = p->busy ? p->reply.code : reply_code_of(l.p, l.len);
			on_line(arg, l.p, l.len, l.term, code);
		}
		rs = reply_line(p, l.p, l.len, l.term);
		if (rs != REPLY_MORE)
			return rs;
	}
}

const char *
reply_text_line(const struct reply *r, size_t i, size_t *len)
{
	size_t	 start = r->offs[i];
	size_t	 end = i + 1 < r->nlines ? r->offs[i + 1] : r->text.len;

	*len = end - start - 1;
	return r->text.p + start;
}

int
reply_format(struct buf *out, int code, const char *text, size_t n, int last,
    const char *eol)
{
	char	 head[8];

	snprintf(head, sizeof(head), "%03d%s", code, !last ? "-" : n > 0 ? " " : "");
	buf_appendstr(out, head);
	buf_append(out, text, n);
	buf_appendstr(out, eol);
	return buf_ok(out);
}
