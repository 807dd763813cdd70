/* escape_test.c - bytes shown as text, the one way: control bytes and
 * whatever is not well-formed UTF-8 text escaped byte by byte, text as it
 * is, the same in every place that shows them. */
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

/* Issue 9: each byte that is not part of well-formed UTF-8 is one \xNN;
 * what follows a broken sequence is judged on its own. */
static void
test_invalid_utf8_is_escaped_per_byte(void **state)
{
	(void)state;
	ESC("\xff\xfe", 0, "\\xff\\xfe");			/* never UTF-8 */
	ESC("\xc3\x28", 0, "\\xc3(");			/* cut short by ASCII */
	ESC("\xed\xa0\x80", 0, "\\xed\\xa0\\x80");		/* a surrogate */
	ESC("\xc0\xaf", 0, "\\xc0\\xaf");			/* overlong "/" */
	ESC("\xf4\x90\x80\x80", 0, "\\xf4\\x90\\x80\\x80");	/* past U+10FFFF */
	ESC("caf\xe9!", 0, "caf\\xe9!");			/* Latin-1 */
	ESC("\xe2\x82", 0, "\\xe2\\x82");			/* cut at the end */
	ESC("\xe2\x82\xe2\x82\xac", 0, "\\xe2\\x82\xe2\x82\xac");
	ESC("\xe9\n", ESC_MULTILINE, "\\xe9\n");
}

/* C1 controls are well-formed UTF-8, but \xc2\x9b is CSI to a terminal. */
static void
test_c1_controls_are_escaped(void **state)
{
	(void)state;
	ESC("\xc2\x9b" "31m", 0, "\\xc2\\x9b" "31m");
	ESC("\xc2\x80\xc2\x85\xc2\x9f", 0, "\\xc2\\x80\\xc2\\x85\\xc2\\x9f");
	ESC("\xc2\xa0\xc2\xa9", 0, "\xc2\xa0\xc2\xa9");	/* U+00A0, U+00A9: text */
	ESC("\xef\xbf\xbe\xef\xbf\xbf", 0, "\\xef\\xbf\\xbe\\xef\\xbf\\xbf");
	ESC("\xef\xbf\xbd", 0, "\xef\xbf\xbd");		/* U+FFFD: text */
}

/* Valid UTF-8 of every length passes. */
static void
test_utf8_text_passes(void **state)
{
	(void)state;
	ESC("\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa7", 0, "\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa7");
	ESC("\xf4\x8f\xbf\xbf", 0, "\xf4\x8f\xbf\xbf");	/* U+10FFFF */
}

static void
test_clean_says_whether_anything_is_escaped(void **state)
{
	(void)state;
	assert_true(esc_clean("", 0, 0));
	assert_true(esc_clean("caf\xc3\xa9", 5, 0));
	assert_false(esc_clean("caf\xc3\xa9", 5, ESC_ASCII));
	assert_false(esc_clean("caf\xe9", 4, 0));
	assert_false(esc_clean("\xc2\x9b", 2, 0));
	assert_false(esc_clean("a\nb", 3, 0));
	assert_true(esc_clean("a\nb", 3, ESC_MULTILINE));
}

/* Text is cut between characters, never inside one. */
static void
test_fit_cuts_between_characters(void **state)
{
	const char	 s[] = "ab\xe2\x82\xac";	/* "ab" and the euro sign */

	(void)state;
	assert_int_equal(esc_fit(s, 5, 10), 5);
	assert_int_equal(esc_fit(s, 5, 5), 5);
	assert_int_equal(esc_fit(s, 5, 4), 2);
	assert_int_equal(esc_fit(s, 5, 3), 2);
	assert_int_equal(esc_fit(s, 5, 2), 2);
	assert_int_equal(esc_fit(s, 5, 0), 0);
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
	b.len = 0;	/* cut between characters, not inside one */
	assert_int_equal(esc_excerpt(&b, "a\xc3\xa9" "b", 4, 2), 0);
	assert_string_equal(buf_cstr(&b), "a" ESC_CUT);
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

/* A 334's decoded text is shown only when it is text: Latin-1 bytes from
 * the server once went into the transcript raw. */
static void
test_334_annotation_only_for_text(void **state)
{
	struct buf	 tr = BUF_INIT;

	(void)state;
	assert_int_equal(tr_format(&tr, 0, 0, TR_RECV, "334 6XTp", 8, LB_CRLF), 0);
	assert_string_equal(buf_cstr(&tr), "<-  334 6XTp\n");
	tr.len = 0;
	assert_int_equal(tr_format(&tr, 0, 0, TR_RECV, "334 w6l0w6k=", 12, LB_CRLF), 0);
	assert_string_equal(buf_cstr(&tr), "<-  334 w6l0w6k=   (\xc3\xa9t\xc3\xa9)\n");
	buf_free(&tr);
}

UNIT_MAIN(
	cmocka_unit_test(test_control_bytes_have_one_escape_each),
	cmocka_unit_test(test_printable_and_utf8_bytes_pass),
	cmocka_unit_test(test_invalid_utf8_is_escaped_per_byte),
	cmocka_unit_test(test_c1_controls_are_escaped),
	cmocka_unit_test(test_utf8_text_passes),
	cmocka_unit_test(test_clean_says_whether_anything_is_escaped),
	cmocka_unit_test(test_fit_cuts_between_characters),
	cmocka_unit_test(test_multiline_keeps_lines_and_tabs),
	cmocka_unit_test(test_ascii_shows_every_high_byte_too),
	cmocka_unit_test(test_excerpt_is_cut_after_max_bytes),
	cmocka_unit_test(test_parser_errors_and_transcript_agree),
	cmocka_unit_test(test_334_annotation_only_for_text)
)
