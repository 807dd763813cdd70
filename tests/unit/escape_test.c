/* escape_test.c - bytes shown as text, the one way: control bytes escaped,
 * everything else as it is, the same in every place that shows them. */
#include <string.h>

#include "unit.h"

#include "core/escape.h"
#include "core/linebuf.h"
#include "core/reply.h"
#include "core/trformat.h"

static void
check(const char *in, size_t n, int flags, const char *want)
{
	struct buf	 b = BUF_INIT;

	assert_int_equal(esc_append(&b, in, n, flags), 0);
	assert_string_equal(buf_cstr(&b), want);
	buf_free(&b);
}

#define ESC(in, flags, want)	check(in, sizeof(in) - 1, flags, want)

static void
test_control_bytes_have_one_escape_each(void **state)
{
	(void)state;
	ESC("a\rb", 0, "a\\rb");
	ESC("a\nb", 0, "a\\nb");
	ESC("a\tb", 0, "a\\tb");
	ESC("a\0b", 0, "a\\0b");
	ESC("\x1b[31m", 0, "\\x1b[31m");
	ESC("\x01\x7f", 0, "\\x01\\x7f");
	ESC("", 0, "");
}

static void
test_printable_and_utf8_bytes_pass(void **state)
{
	(void)state;
	ESC("MAIL FROM:<a@example.test> SIZE=10", 0, "MAIL FROM:<a@example.test> SIZE=10");
	ESC("\xc3\xa9t\xc3\xa9", 0, "\xc3\xa9t\xc3\xa9");
	ESC("back\\slash \"quoted\"", 0, "back\\slash \"quoted\"");
}

static void
test_multiline_keeps_lines_and_tabs(void **state)
{
	(void)state;
	ESC("one\ntwo\tthree\r\n", ESC_MULTILINE, "one\ntwo\tthree\\r\n");
	ESC("a\tb", ESC_TAB_SPACES, "a  b");
}

static void
test_ascii_shows_every_high_byte_too(void **state)
{
	(void)state;
	ESC("caf\xc3\xa9\r", ESC_ASCII, "caf\\xc3\\xa9\\r");
	ESC("a\xe9\nb", ESC_ASCII | ESC_MULTILINE, "a\\xe9\nb");
}

static void
test_excerpt_is_cut_after_max_bytes(void **state)
{
	struct buf	 b = BUF_INIT;

	(void)state;
	assert_int_equal(esc_excerpt(&b, "abcdef", 6, 4), 0);
	assert_string_equal(buf_cstr(&b), "abcd" ESC_CUT);
	b.len = 0;
	assert_int_equal(esc_excerpt(&b, "ab\r", 3, 4), 0);
	assert_string_equal(buf_cstr(&b), "ab\\r");
	buf_free(&b);
}

/* The reply parser's errors and the transcript show the same bytes the
 * same way (they once had three escapers between them). */
static void
test_parser_errors_and_transcript_agree(void **state)
{
	struct linebuf		 lb;
	struct reply_parser	 rp;
	struct buf		 tr = BUF_INIT;
	const char		 line[] = "2x0 \x1b\r\0!";

	(void)state;
	lb_init(&lb, 0);
	reply_init(&rp, 0);
	lb_push(&lb, line, sizeof(line) - 1);
	lb_push(&lb, "\r\n", 2);
	assert_int_equal(reply_parse(&rp, &lb, NULL, NULL), REPLY_ERROR);
	assert_non_null(strstr(rp.err, "\"2x0 \\x1b\\r\\0!\""));
	assert_int_equal(tr_format(&tr, 0, 0, TR_RECV, line, sizeof(line) - 1, LB_CRLF), 0);
	assert_string_equal(buf_cstr(&tr), "<-  2x0 \\x1b\\r\\0!\n");
	buf_free(&tr);
	reply_free(&rp);
	lb_free(&lb);
}

UNIT_MAIN(
	cmocka_unit_test(test_control_bytes_have_one_escape_each),
	cmocka_unit_test(test_printable_and_utf8_bytes_pass),
	cmocka_unit_test(test_multiline_keeps_lines_and_tabs),
	cmocka_unit_test(test_ascii_shows_every_high_byte_too),
	cmocka_unit_test(test_excerpt_is_cut_after_max_bytes),
	cmocka_unit_test(test_parser_errors_and_transcript_agree)
)
