/* trformat.c - one transcript line, formatted. */
#include <stdio.h>
#include <string.h>

#include "core/b64.h"
#include "core/escape.h"
#include "core/trformat.h"

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

/* For "334 <base64>": appends "   (decoded)" when it decodes to printable text. */
static int
annotate_334(struct buf *out, const char *text, size_t n)
{
	struct buf	 dec = BUF_INIT;
	const char	*why;

	if (n <= 4 || memcmp(text, "334 ", 4) != 0)
		return 0;
	if (b64_decode(text + 4, n - 4, &dec, &why) == B64_OK && dec.len > 0) {
		if (esc_clean(dec.p, dec.len, 0)) {
			buf_appendstr(out, "   (");
			buf_append(out, dec.p, dec.len);
			buf_appendstr(out, ")");
		}
	}
	buf_free(&dec);
	return buf_ok(out);
}

static int
format(struct buf *out, double elapsed, int timestamps, enum tr_kind kind,
    const char *text, size_t n, enum lb_term term, size_t more)
{
	char	 ts[48];
	int	 ours = kind == TR_INFO || kind == TR_ERROR;

	if (timestamps) {
		snprintf(ts, sizeof(ts), "[%8.3f] ", elapsed);
		buf_appendstr(out, ts);
	}
	buf_appendstr(out, markers[kind]);
	esc_append(out, text, n, ours ? ESC_TAB_SPACES : 0);
	/* Either side's 334 (a server session sends them). */
	if (!ours)
		annotate_334(out, text, n);
	if (more > 0) {
		snprintf(ts, sizeof(ts), " [\u2026 %zu more bytes]", more);
		buf_appendstr(out, ts);
	} else if (term == LB_LF)
		buf_appendstr(out, "   (bare LF)");
	else if (term == LB_NONE)
		buf_appendstr(out, "   (no line end)");
	buf_append(out, "\n", 1);
	return buf_ok(out);
}

int
tr_format(struct buf *out, double elapsed, int timestamps, enum tr_kind kind,
    const char *text, size_t n, enum lb_term term)
{
	return format(out, elapsed, timestamps, kind, text, n, term, 0);
}

int
tr_format_cut(struct buf *out, double elapsed, int timestamps, enum tr_kind kind,
    const char *text, size_t n, size_t more)
{
	return format(out, elapsed, timestamps, kind, text, n, LB_NONE, more);
}
