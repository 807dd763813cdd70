/* dotstuff_test.c - DATA transparency (RFC 5321 section 4.5.2). */
#include <string.h>

#include "unit.h"

#include "core/dotstuff.h"

static void
check(const char *in, size_t n, const char *want, size_t wn)
{
	struct buf	 b = BUF_INIT;

	assert_int_equal(dot_stuff(in, n, &b), 0);
	assert_int_equal(b.len, wn);
	assert_memory_equal(b.p, want, b.len);
	buf_free(&b);
}

/* Literal lengths, so NUL bytes inside count. */
#define CHECK(in, want)	check(in, sizeof(in) - 1, want, sizeof(want) - 1)

static void
test_crlf_message_gets_the_terminator(void **state)
{
	(void)state;
	CHECK("Subject: hi\r\n\r\nbody\r\n", "Subject: hi\r\n\r\nbody\r\n.\r\n");
}

static void
test_bare_lf_and_lone_cr_become_crlf(void **state)
{
	(void)state;
	CHECK("a\nb\rc\r\nd", "a\r\nb\r\nc\r\nd\r\n.\r\n");
	CHECK("\n\n", "\r\n\r\n.\r\n");
}

static void
test_leading_dots_are_doubled(void **state)
{
	(void)state;
	CHECK(".\n..\n.x\nx.\n", "..\r\n...\r\n..x\r\nx.\r\n.\r\n");
	CHECK(".", "..\r\n.\r\n");
}

static void
test_a_lone_dot_line_cannot_end_data_early(void **state)
{
	(void)state;
	CHECK("before\r\n.\r\nafter", "before\r\n..\r\nafter\r\n.\r\n");
}

static void
test_empty_message(void **state)
{
	(void)state;
	CHECK("", ".\r\n");
}

static void
test_nul_and_8bit_pass_through(void **state)
{
	(void)state;
	CHECK("\xc3\xa9t\xc3\xa9\0x\n", "\xc3\xa9t\xc3\xa9\0x\r\n.\r\n");
}

static void
test_unstuff_helpers(void **state)
{
	(void)state;
	assert_int_equal(dot_unstuff_skip("..x", 3), 1);
	assert_int_equal(dot_unstuff_skip("x.", 2), 0);
	assert_int_equal(dot_unstuff_skip("", 0), 0);
	assert_true(dot_is_end(".", 1));
	assert_false(dot_is_end("..", 2));
	assert_false(dot_is_end("", 0));
}

UNIT_MAIN(
	cmocka_unit_test(test_crlf_message_gets_the_terminator),
	cmocka_unit_test(test_bare_lf_and_lone_cr_become_crlf),
	cmocka_unit_test(test_leading_dots_are_doubled),
	cmocka_unit_test(test_a_lone_dot_line_cannot_end_data_early),
	cmocka_unit_test(test_empty_message),
	cmocka_unit_test(test_nul_and_8bit_pass_through),
	cmocka_unit_test(test_unstuff_helpers)
)
