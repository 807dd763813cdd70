/* cmdread_test.c - the server role's reading of one command line. */
#include <string.h>

#include "unit.h"

#include "core/cmdread.h"

static void
parse(const char *line, struct smtp_cmd *c, struct buf *norm)
{
	norm->len = 0;
	assert_int_equal(cmd_parse(line, strlen(line), c, norm), 0);
	assert_int_equal(norm->len, strlen(line));
}

static void
test_verb_in_upper_case_argument_as_sent(void **state)
{
	struct buf	 norm = BUF_INIT;
	struct smtp_cmd	 c;
	const char	*line = "mail From:<a@b.example> SIZE=10";

	(void)state;
	parse(line, &c, &norm);
	assert_int_equal(c.vlen, 4);
	assert_memory_equal(norm.p, "MAIL From:<a@b.example> SIZE=10", norm.len);
	assert_ptr_equal(c.arg, line + 5);
	assert_int_equal(c.alen, strlen(line) - 5);
	assert_int_equal(c.shown_len, 0);
	buf_free(&norm);
}

static void
test_no_space_no_argument(void **state)
{
	struct buf	 norm = BUF_INIT;
	struct smtp_cmd	 c;

	(void)state;
	parse("quit", &c, &norm);
	assert_int_equal(c.vlen, 4);
	assert_string_equal(c.arg, "");
	assert_int_equal(c.alen, 0);
	parse("", &c, &norm);
	assert_int_equal(c.vlen, 0);
	assert_int_equal(c.alen, 0);
	parse("RSET ", &c, &norm);		/* a trailing space: an empty argument */
	assert_int_equal(c.vlen, 4);
	assert_int_equal(c.alen, 0);
	buf_free(&norm);
}

static void
test_auth_initial_response_is_not_shown(void **state)
{
	struct buf	 norm = BUF_INIT;
	struct smtp_cmd	 c;

	(void)state;
	parse("auth PLAIN AGFsaWNlAHNlY3JldA==", &c, &norm);
	assert_int_equal(c.shown_len, strlen("auth PLAIN"));
	parse("AUTH LOGIN", &c, &norm);		/* no initial response */
	assert_int_equal(c.shown_len, 0);
	parse("AUTHX PLAIN secret", &c, &norm);	/* not AUTH */
	assert_int_equal(c.shown_len, 0);
	parse("AUTH  x", &c, &norm);		/* an empty mechanism, then a response */
	assert_int_equal(c.shown_len, 5);
	buf_free(&norm);
}

UNIT_MAIN(
	cmocka_unit_test(test_verb_in_upper_case_argument_as_sent),
	cmocka_unit_test(test_no_space_no_argument),
	cmocka_unit_test(test_auth_initial_response_is_not_shown)
)
