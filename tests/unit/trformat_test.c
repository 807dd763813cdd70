/* trformat_test.c - one transcript line, formatted: markers, escapes,
 * line endings, 334 prompts, timestamps. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"

#include "core/trformat.h"

static void
check_format(enum tr_kind kind, const char *text, size_t n, enum lb_term term,
    const char *want)
{
	struct buf	 b = BUF_INIT;

	assert_int_equal(tr_format(&b, 0, 0, kind, text, n, term), 0);
	assert_int_equal(b.len, strlen(want));
	assert_memory_equal(b.p, want, b.len);
	buf_free(&b);
}

#define FMT(kind, text, term, want) check_format(kind, text, sizeof(text) - 1, term, want)

static void
test_swaks_markers(void **state)
{
	(void)state;
	FMT(TR_INFO, "Connected", LB_CRLF, "=== Connected\n");
	FMT(TR_SEND, "EHLO x", LB_CRLF, " -> EHLO x\n");
	FMT(TR_RECV, "250 ok", LB_CRLF, "<-  250 ok\n");
	FMT(TR_RECV_BAD, "554 no", LB_CRLF, "<** 554 no\n");
	FMT(TR_ERROR, "timed out", LB_CRLF, "*** timed out\n");
	FMT(TR_TLS_SEND, "EHLO x", LB_CRLF, " ~> EHLO x\n");
	FMT(TR_TLS_RECV, "250 ok", LB_CRLF, "<~  250 ok\n");
}

/* Issue 9: a line cut short says how many of its bytes are not shown. */
static void
test_a_cut_line_says_how_much_is_missing(void **state)
{
	struct buf	 b = BUF_INIT;

	(void)state;
	assert_int_equal(tr_format_cut(&b, 0, 0, TR_RECV_BAD, "250 xxxx", 8, 69744), 0);
	buf_append(&b, "", 1);
	assert_string_equal(b.p, "<** 250 xxxx [\xe2\x80\xa6 69744 more bytes]\n");
	buf_free(&b);
}

static void
test_334_prompts_are_decoded(void **state)
{
	(void)state;
	FMT(TR_RECV, "334 VXNlcm5hbWU6", LB_CRLF, "<-  334 VXNlcm5hbWU6   (Username:)\n");
	FMT(TR_RECV, "334 UGFzc3dvcmQ6", LB_CRLF, "<-  334 UGFzc3dvcmQ6   (Password:)\n");
	/* Not base64, or not printable once decoded: left alone. */
	FMT(TR_RECV, "334 go ahead", LB_CRLF, "<-  334 go ahead\n");
	FMT(TR_RECV, "334 AAEC", LB_CRLF, "<-  334 AAEC\n");
	/* A server session sends them: annotated the same way. */
	FMT(TR_SEND, "334 VXNlcm5hbWU6", LB_CRLF, " -> 334 VXNlcm5hbWU6   (Username:)\n");
	FMT(TR_INFO, "334 VXNlcm5hbWU6", LB_CRLF, "=== 334 VXNlcm5hbWU6\n");
}

static void
test_control_bytes_are_escaped_and_endings_shown(void **state)
{
	(void)state;
	FMT(TR_SEND, "A\0B\tC\x1b", LB_CRLF, " -> A\\0B\\tC\\x1b\n");
	FMT(TR_SEND, "MAIL FROM:<a>", LB_LF, " -> MAIL FROM:<a>   (bare LF)\n");
	FMT(TR_SEND, "MAIL FR", LB_NONE, " -> MAIL FR   (no line end)\n");
	FMT(TR_RECV, "250 x\r", LB_CRLF, "<-  250 x\\r\n");
	FMT(TR_RECV, "250 \xc3\xa9t\xc3\xa9", LB_CRLF, "<-  250 \xc3\xa9t\xc3\xa9\n");
}

static void
test_timestamps_prefix_elapsed_seconds(void **state)
{
	struct buf	 b = BUF_INIT;

	(void)state;
	assert_int_equal(tr_format(&b, 1.5, 1, TR_SEND, "QUIT", 4, LB_CRLF), 0);
	assert_int_equal(b.len, strlen("[   1.500]  -> QUIT\n"));
	assert_memory_equal(b.p, "[   1.500]  -> QUIT\n", b.len);
	buf_free(&b);
}

UNIT_MAIN(
	cmocka_unit_test(test_swaks_markers),
	cmocka_unit_test(test_a_cut_line_says_how_much_is_missing),
	cmocka_unit_test(test_334_prompts_are_decoded),
	cmocka_unit_test(test_control_bytes_are_escaped_and_endings_shown),
	cmocka_unit_test(test_timestamps_prefix_elapsed_seconds)
)
