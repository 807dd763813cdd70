/* reply_test.c - the SMTP reply parser, fed through a linebuf. */
#include <stdlib.h>
#include <string.h>

#include "unit.h"

#include "core/linebuf.h"
#include "core/reply.h"

struct fixture {
	struct linebuf		 lb;
	struct reply_parser	 rp;
};

static int
setup(void **state)
{
	struct fixture	*f = calloc(1, sizeof(*f));

	lb_init(&f->lb, 0);
	reply_init(&f->rp, 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;

	lb_free(&f->lb);
	reply_free(&f->rp);
	free(f);
	return 0;
}

/* Pushes bytes and parses whatever is complete. */
static enum reply_status
feed(struct fixture *f, const char *s, size_t n)
{
	assert_int_equal(lb_push(&f->lb, s, n), LB_MORE);
	return reply_parse(&f->rp, &f->lb, NULL, NULL);
}

static enum reply_status
feeds(struct fixture *f, const char *s)
{
	return feed(f, s, strlen(s));
}

static void
assert_line(const struct reply *r, size_t i, const char *want)
{
	size_t		 len;
	const char	*p = reply_text_line(r, i, &len);

	assert_int_equal(len, strlen(want));
	assert_memory_equal(p, want, len);
}

static void
test_single_line_reply(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(feeds(f, "220 mail.example.test ESMTP Postfix\r\n"), REPLY_DONE);
	assert_int_equal(f->rp.reply.code, 220);
	assert_int_equal(f->rp.reply.nlines, 1);
	assert_line(&f->rp.reply, 0, "mail.example.test ESMTP Postfix");
	assert_string_equal(f->rp.reply.enhanced, "");
}

static void
test_multiline_reply_joins_lines(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(feeds(f, "250-mail.example.test\r\n250-PIPELINING\r\n"
	    "250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n"), REPLY_DONE);
	assert_int_equal(f->rp.reply.code, 250);
	assert_int_equal(f->rp.reply.nlines, 4);
	assert_line(&f->rp.reply, 0, "mail.example.test");
	assert_line(&f->rp.reply, 2, "AUTH PLAIN LOGIN");
	assert_line(&f->rp.reply, 3, "8BITMIME");
}

static void
test_enhanced_status_code_is_parsed(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(feeds(f, "235 2.7.0 Authentication successful\r\n"), REPLY_DONE);
	assert_string_equal(f->rp.reply.enhanced, "2.7.0");
	reply_reset(&f->rp);
	assert_int_equal(feeds(f, "554 5.7.1 <x@example.net>: Relay access denied\r\n"),
	    REPLY_DONE);
	assert_string_equal(f->rp.reply.enhanced, "5.7.1");
	reply_reset(&f->rp);
	assert_int_equal(feeds(f, "250 2.1.0\r\n"), REPLY_DONE);
	assert_string_equal(f->rp.reply.enhanced, "2.1.0");
}

static void
test_text_that_only_looks_enhanced_is_not(void **state)
{
	struct fixture	*f = *state;
	char		 out[12];

	/* An enhanced code of another class than the reply's is not one. */
	assert_int_equal(feeds(f, "250 4.0.0 odd\r\n"), REPLY_DONE);
	assert_string_equal(f->rp.reply.enhanced, "");
	reply_reset(&f->rp);

	assert_int_equal(feeds(f, "250 2.7 is not a status code\r\n"), REPLY_DONE);
	assert_string_equal(f->rp.reply.enhanced, "");
	assert_int_equal(reply_enhanced_of("2.1.1234 x", 10, out), 0);
	assert_int_equal(reply_enhanced_of("3.1.1 x", 7, out), 0);
	assert_int_equal(reply_enhanced_of("5.1.1x", 6, out), 0);
	assert_int_equal(reply_enhanced_of("4.123.456", 9, out), 9);
	assert_string_equal(out, "4.123.456");
}

static void
test_code_alone_and_empty_continuations_are_valid(void **state)
{
	struct fixture	*f = *state;

	/* RFC 5321 4.2: the text after the code is optional. */
	assert_int_equal(feeds(f, "250-\r\n250\r\n"), REPLY_DONE);
	assert_int_equal(f->rp.reply.nlines, 2);
	assert_line(&f->rp.reply, 0, "");
	assert_line(&f->rp.reply, 1, "");
}

static void
test_multiline_reply_split_at_every_byte(void **state)
{
	struct fixture	*f = *state;
	const char	*wire = "250-mail.example.test\r\n250-SIZE 10240000\r\n"
			    "250 2.0.0 DSN\r\n";
	size_t		 n = strlen(wire), cut, i;
	enum reply_status rs;

	for (cut = 0; cut <= n; cut++) {
		reply_reset(&f->rp);
		rs = feed(f, wire, cut);
		assert_int_equal(rs, cut == n ? REPLY_DONE : REPLY_MORE);
		if (cut < n)
			assert_int_equal(feed(f, wire + cut, n - cut), REPLY_DONE);
		assert_int_equal(f->rp.reply.code, 250);
		assert_int_equal(f->rp.reply.nlines, 3);
		assert_line(&f->rp.reply, 1, "SIZE 10240000");
		assert_int_equal(lb_pending(&f->lb), 0);
	}
	/* And one byte at a time. */
	reply_reset(&f->rp);
	for (i = 0; i < n; i++)
		assert_int_equal(feed(f, wire + i, 1), i + 1 == n ? REPLY_DONE : REPLY_MORE);
	assert_string_equal(f->rp.reply.enhanced, "");
	assert_line(&f->rp.reply, 2, "2.0.0 DSN");
}

static void
test_pipelined_replies_come_out_one_at_a_time(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(feeds(f, "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 go"), REPLY_DONE);
	assert_line(&f->rp.reply, 0, "2.1.0 Ok");
	reply_reset(&f->rp);
	assert_int_equal(reply_parse(&f->rp, &f->lb, NULL, NULL), REPLY_DONE);
	assert_line(&f->rp.reply, 0, "2.1.5 Ok");
	reply_reset(&f->rp);
	assert_int_equal(reply_parse(&f->rp, &f->lb, NULL, NULL), REPLY_MORE);
	assert_int_equal(feeds(f, " ahead\r\n"), REPLY_DONE);
	assert_int_equal(f->rp.reply.code, 354);
}

static void
test_non_digit_code_is_an_error(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(feeds(f, "2x0 hello\r\n"), REPLY_ERROR);
	assert_non_null(strstr(f->rp.err, "does not start with a reply code"));
	assert_non_null(strstr(f->rp.err, "2x0 hello"));
}

static void
test_garbage_and_out_of_range_codes_are_errors(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(feeds(f, "HTTP/1.1 400 Bad Request\r\n"), REPLY_ERROR);
	reply_reset(&f->rp);
	assert_int_equal(feeds(f, "199 too low\r\n"), REPLY_ERROR);
	reply_reset(&f->rp);
	assert_int_equal(feeds(f, "270 second digit too high\r\n"), REPLY_ERROR);
	reply_reset(&f->rp);
	assert_int_equal(feeds(f, "25\r\n"), REPLY_ERROR);
}

static void
test_different_codes_in_one_reply_is_an_error(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(feeds(f, "250-first\r\n251 second\r\n"), REPLY_ERROR);
	assert_non_null(strstr(f->rp.err, "line 2 has code 251"));
	assert_non_null(strstr(f->rp.err, "began with 250"));
}

static void
test_missing_space_or_hyphen_is_an_error(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(feeds(f, "250Ok\r\n"), REPLY_ERROR);
	assert_non_null(strstr(f->rp.err, "neither a space nor a hyphen"));
}

static void
test_bare_lf_is_an_error(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(feeds(f, "250 Ok\n"), REPLY_ERROR);
	assert_non_null(strstr(f->rp.err, "bare LF"));
}

static void
test_line_over_the_limit_is_an_error(void **state)
{
	struct fixture	*f = *state;
	char		*big = malloc(200);

	lb_free(&f->lb);
	lb_init(&f->lb, 100);
	memset(big, 'a', 200);
	memcpy(big, "250 ", 4);
	/* No line feed yet: the error comes as soon as the cap is passed. */
	assert_int_equal(feed(f, big, 150), REPLY_ERROR);
	assert_non_null(strstr(f->rp.err, "longer than 100 bytes"));
	free(big);
}

static void
test_line_at_the_limit_is_fine(void **state)
{
	struct fixture	*f = *state;
	char		 line[103];

	lb_free(&f->lb);
	lb_init(&f->lb, 100);
	memset(line, 'a', sizeof(line));
	memcpy(line, "250 ", 4);
	memcpy(line + 100, "\r\n", 2);
	assert_int_equal(feed(f, line, 102), REPLY_DONE);
	assert_int_equal(f->rp.reply.code, 250);
}

static void
test_endless_continuation_lines_hit_the_reply_cap(void **state)
{
	struct fixture	*f = *state;
	const char	*cont = "250-this server never stops talking\r\n";
	enum reply_status rs = REPLY_MORE;
	size_t		 sent = 0;

	reply_free(&f->rp);
	reply_init(&f->rp, 64 * 1024);
	while (rs == REPLY_MORE && sent < 10 * 1024 * 1024) {
		rs = feeds(f, cont);
		sent += strlen(cont);
	}
	assert_int_equal(rs, REPLY_ERROR);
	assert_non_null(strstr(f->rp.err, "reply exceeds 65536 bytes"));
	/* Memory stayed near the cap: the text holds less than the cap. */
	assert_true(f->rp.reply.text.len <= 64 * 1024);
	assert_true(sent < 128 * 1024);
}

/* Issue 9: the cap counts the bytes on the wire, not bookkeeping: fifty
 * 14-byte lines fill a 700-byte cap exactly, the 51st is past it (with 16
 * bytes charged per line the error came after 26 lines, 364 bytes). */
static void
test_reply_cap_counts_wire_bytes(void **state)
{
	struct fixture	*f = *state;
	const char	*cont = "250-abcdefghij\r\n";	/* 16 bytes */
	int		 i;

	reply_free(&f->rp);
	reply_init(&f->rp, 800);
	for (i = 0; i < 50; i++)
		assert_int_equal(feeds(f, cont), REPLY_MORE);
	assert_int_equal(feeds(f, cont), REPLY_ERROR);
	assert_string_equal(f->rp.err, "reply exceeds 800 bytes after 51 lines "
	    "(the server keeps sending lines)");
	reply_reset(&f->rp);
	lb_free(&f->lb);
	/* The last line fits to the byte. */
	for (i = 0; i < 49; i++)
		assert_int_equal(feeds(f, cont), REPLY_MORE);
	assert_int_equal(feeds(f, "250 abcdefghij\r\n"), REPLY_DONE);
	assert_int_equal(f->rp.reply.nlines, 50);
}

/* Issue 9: a NUL in a reply is an error by default (the text would hide
 * what follows it: "PIPELINING\0\0\0" is no PIPELINING); strict_text = 0
 * takes it as it is. */
static void
test_nul_byte_is_an_error_unless_relaxed(void **state)
{
	struct fixture	*f = *state;
	static const char r[] = "250-mx.example.test\0hidden\r\n250-PIPELINING\0\0\0\r\n"
	    "250 SIZE 1000\r\n";

	assert_int_equal(feed(f, r, sizeof(r) - 1), REPLY_ERROR);
	assert_non_null(strstr(f->rp.err, "reply line 1 contains a NUL byte"));
	assert_non_null(strstr(f->rp.err, "\"250-mx.example.test\\"));
	reply_reset(&f->rp);
	lb_free(&f->lb);
	f->rp.strict_text = 0;
	assert_int_equal(feed(f, r, sizeof(r) - 1), REPLY_DONE);
	assert_int_equal(f->rp.reply.nlines, 3);
	assert_memory_equal(f->rp.reply.text.p, "mx.example.test\0hidden\n", 23);
}

/* Issue 9: invalid UTF-8 is no framing error, but the reply is marked with
 * the first line that has it; a new reply starts unmarked. */
static void
test_invalid_utf8_marks_the_reply(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(feeds(f, "250-caf\xc3\xa9 ok\r\n250-bad \xc3\x28\r\n"
	    "250 \xff\xfe\r\n"), REPLY_DONE);
	assert_true(f->rp.reply.invalid_utf8);
	assert_int_equal(f->rp.reply.invalid_line, 2);
	assert_int_equal(feeds(f, "250 caf\xc3\xa9 \xc2\x9b is UTF-8\r\n"), REPLY_DONE);
	assert_false(f->rp.reply.invalid_utf8);
	assert_int_equal(f->rp.reply.invalid_line, 0);
}

static void
test_default_limits(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(f->lb.line_max, 64 * 1024);
	assert_int_equal(f->rp.reply_max, 1024 * 1024);
}

struct seen {
	int	 n;
	int	 codes[8];
	int	 terms[8];
};

static void
record(void *arg, const char *line, size_t len, enum lb_term term, int code)
{
	struct seen	*s = arg;

	(void)line;
	(void)len;
	s->codes[s->n] = code;
	s->terms[s->n] = term;
	s->n++;
}

static void
test_every_line_is_shown_to_the_callback_with_its_code(void **state)
{
	struct fixture	*f = *state;
	struct seen	 seen = { 0, { 0 }, { 0 } };

	lb_push(&f->lb, "334 VXNlcm5hbWU6\r\nxyz\r\n", 23);
	assert_int_equal(reply_parse(&f->rp, &f->lb, record, &seen), REPLY_DONE);
	reply_reset(&f->rp);
	assert_int_equal(reply_parse(&f->rp, &f->lb, record, &seen), REPLY_ERROR);
	assert_int_equal(seen.n, 2);
	assert_int_equal(seen.codes[0], 334);
	assert_int_equal(seen.codes[1], 0);	/* unreadable code */
	assert_int_equal(seen.terms[0], LB_CRLF);
}

UNIT_MAIN(
	cmocka_unit_test_setup_teardown(test_single_line_reply, setup, teardown),
	cmocka_unit_test_setup_teardown(test_multiline_reply_joins_lines, setup, teardown),
	cmocka_unit_test_setup_teardown(test_enhanced_status_code_is_parsed, setup, teardown),
	cmocka_unit_test_setup_teardown(test_text_that_only_looks_enhanced_is_not, setup, teardown),
	cmocka_unit_test_setup_teardown(test_code_alone_and_empty_continuations_are_valid, setup, teardown),
	cmocka_unit_test_setup_teardown(test_multiline_reply_split_at_every_byte, setup, teardown),
	cmocka_unit_test_setup_teardown(test_pipelined_replies_come_out_one_at_a_time, setup, teardown),
	cmocka_unit_test_setup_teardown(test_non_digit_code_is_an_error, setup, teardown),
	cmocka_unit_test_setup_teardown(test_garbage_and_out_of_range_codes_are_errors, setup, teardown),
	cmocka_unit_test_setup_teardown(test_different_codes_in_one_reply_is_an_error, setup, teardown),
	cmocka_unit_test_setup_teardown(test_missing_space_or_hyphen_is_an_error, setup, teardown),
	cmocka_unit_test_setup_teardown(test_bare_lf_is_an_error, setup, teardown),
	cmocka_unit_test_setup_teardown(test_reply_cap_counts_wire_bytes, setup, teardown),
	cmocka_unit_test_setup_teardown(test_nul_byte_is_an_error_unless_relaxed, setup, teardown),
	cmocka_unit_test_setup_teardown(test_invalid_utf8_marks_the_reply, setup, teardown),
	cmocka_unit_test_setup_teardown(test_line_over_the_limit_is_an_error, setup, teardown),
	cmocka_unit_test_setup_teardown(test_line_at_the_limit_is_fine, setup, teardown),
	cmocka_unit_test_setup_teardown(test_endless_continuation_lines_hit_the_reply_cap, setup, teardown),
	cmocka_unit_test_setup_teardown(test_default_limits, setup, teardown),
	cmocka_unit_test_setup_teardown(test_every_line_is_shown_to_the_callback_with_its_code, setup, teardown)
)
