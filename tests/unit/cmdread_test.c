/* cmdread_test.c - the server role's reading of one command line. */
#include <string.h>

#include "unit.h"

#include "core/cmdread.h"

static void
parse_n(const char *line, size_t len, struct smtp_cmd *c, struct buf *norm)
{
	norm->len = 0;
	assert_int_equal(cmd_parse(line, len, c, norm), 0);
	assert_int_equal(norm->len, len);
}

static void
parse(const char *line, struct smtp_cmd *c, struct buf *norm)
{
	parse_n(line, strlen(line), c, norm);
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
	parse("AUTH  x", &c, &norm);		/* two spaces, then the mechanism */
	assert_int_equal(c.shown_len, 0);
	buf_free(&norm);
}

/* Issue 10, defect 4: "AUTH PLAIN<TAB><blob>" was recorded as sent. */
static void
test_auth_response_after_any_blanks_is_not_shown(void **state)
{
	struct buf	 norm = BUF_INIT;
	struct smtp_cmd	 c;
	static const struct {
		const char	*line;
		const char	*shown;
	} cases[] = {
		{ "AUTH PLAIN\tAGFsaWNlAHNlY3JldA==", "AUTH PLAIN" },
		{ "AUTH PLAIN   AGFsaWNlAHNlY3JldA==", "AUTH PLAIN" },
		{ "AUTH PLAIN \t AGFsaWNlAHNlY3JldA==", "AUTH PLAIN" },
		{ "AUTH\tPLAIN AGFsaWNlAHNlY3JldA==", "AUTH\tPLAIN" },
		{ "auth  \t PLAIN\tAGFsaWNlAHNlY3JldA==", "auth  \t PLAIN" },
		{ "AUTH PLAIN\rAGFsaWNlAHNlY3JldA==", "AUTH PLAIN" },	/* a bare CR */
		{ "AUTH PLAIN\vAGFsaWNlAHNlY3JldA==", "AUTH PLAIN" },
		{ "AUTH PLAIN\fAGFsaWNlAHNlY3JldA==", "AUTH PLAIN" },
		{ "AUTH PLAIN AGFsaWNlAHNlY3JldA== ", "AUTH PLAIN" },
		{ "AUTH PLAIN a b", "AUTH PLAIN" },
	};
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		parse(cases[i].line, &c, &norm);
		assert_int_equal(c.vlen, 4);
		assert_int_equal(c.shown_len, strlen(cases[i].shown));
		assert_memory_equal(cases[i].line, cases[i].shown, c.shown_len);
	}
	/* A blank that does not end the verb still ends "AUTH" (review). */
	parse("AUTH\rPLAIN AGFsaWNlAHNlY3JldA==", &c, &norm);
	assert_int_equal(c.shown_len, strlen("AUTH\rPLAIN"));
	parse("AUTH\vPLAIN AGFsaWNlAHNlY3JldA==", &c, &norm);
	assert_int_equal(c.shown_len, strlen("AUTH\vPLAIN"));
	buf_free(&norm);
}

static void
test_auth_blanks_alone_hide_nothing(void **state)
{
	struct buf	 norm = BUF_INIT;
	struct smtp_cmd	 c;
	static const char *const lines[] = {
		"AUTH PLAIN ", "AUTH PLAIN\t", "AUTH PLAIN \t", "AUTH\tPLAIN\t \t",
		"AUTH", "AUTH ", "AUTH \t ", "AUTH\t\tLOGIN",
	};
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		parse(lines[i], &c, &norm);
		assert_int_equal(c.vlen, 4);
		assert_int_equal(c.shown_len, 0);
	}
	buf_free(&norm);
}

/* A NUL ends the mechanism: what follows it may be the secret (the server
 * refuses the line, but the record must not show it). */
static void
test_auth_nul_hides_the_rest(void **state)
{
	struct buf	 norm = BUF_INIT;
	struct smtp_cmd	 c;

	(void)state;
	parse_n("AUTH PLAIN\0AGFsaWNl", 19, &c, &norm);
	assert_int_equal(c.shown_len, strlen("AUTH PLAIN"));
	parse_n("AUTH PLAIN \0", 12, &c, &norm);
	assert_int_equal(c.shown_len, strlen("AUTH PLAIN"));
	parse_n("AUTH \0AGFsaWNl", 14, &c, &norm);	/* no mechanism: "AUTH" */
	assert_int_equal(c.shown_len, 4);
	parse_n("auth\0PLAIN AGFsaWNl", 19, &c, &norm);	/* not a verb, still AUTH */
	assert_int_equal(c.vlen, 10);
	assert_int_equal(c.shown_len, 4);
	parse_n("MAIL\0FROM:<a>", 13, &c, &norm);	/* no AUTH: nothing to hide */
	assert_int_equal(c.shown_len, 0);
	buf_free(&norm);
}

/* The verb ends at a tab too, the argument after it. */
static void
test_tab_ends_the_verb(void **state)
{
	struct buf	 norm = BUF_INIT;
	struct smtp_cmd	 c;
	const char	*line = "mail\tFROM:<a@b.example>";

	(void)state;
	parse(line, &c, &norm);
	assert_int_equal(c.vlen, 4);
	assert_memory_equal(norm.p, "MAIL\tFROM:<a@b.example>", norm.len);
	assert_ptr_equal(c.arg, line + 5);
	assert_int_equal(c.alen, strlen(line) - 5);
	parse("NOOP\t", &c, &norm);
	assert_int_equal(c.vlen, 4);
	assert_int_equal(c.alen, 0);
	buf_free(&norm);
}

UNIT_MAIN(
	cmocka_unit_test(test_verb_in_upper_case_argument_as_sent),
	cmocka_unit_test(test_no_space_no_argument),
	cmocka_unit_test(test_auth_initial_response_is_not_shown),
	cmocka_unit_test(test_auth_response_after_any_blanks_is_not_shown),
	cmocka_unit_test(test_auth_blanks_alone_hide_nothing),
	cmocka_unit_test(test_auth_nul_hides_the_rest),
	cmocka_unit_test(test_tab_ends_the_verb)
)
