/* transcript_test.c - the formatter, the file sink, the tail, redaction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "transcript.h"

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

/* A transcript on a temporary file; returns the file's contents so far. */
static char *
contents(FILE *f)
{
	static char	 text[8192];
	size_t		 n;

	rewind(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	return text;
}

static void
test_file_sink_has_each_line_at_once(void **state)
{
	struct transcript	 tr;
	FILE			*f = tmpfile();

	(void)state;
	tr_init(&tr, dup(fileno(f)), "tmp", 0);
	tr_line(&tr, TR_SEND, "EHLO a", 6, LB_CRLF);
	/* No flush, no close: the bytes are in the file already. */
	assert_string_equal(contents(f), " -> EHLO a\n");
	tr_chunk(&tr, TR_SEND, "MAIL FROM:<a>\r\nRCPT TO:<b>\nDA", 29);
	assert_string_equal(contents(f), " -> EHLO a\n -> MAIL FROM:<a>\n"
	    " -> RCPT TO:<b>   (bare LF)\n -> DA   (no line end)\n");
	tr_printf(&tr, TR_ERROR, "two\nlines %d", 2);
	assert_non_null(strstr(contents(f), "*** two\n*** lines 2\n"));
	tr_close(&tr);
	fclose(f);
}

static void
test_secrets_are_redacted_unless_asked(void **state)
{
	struct transcript	 tr;
	FILE			*f = tmpfile();
	const char		*shown;

	(void)state;
	tr_init(&tr, dup(fileno(f)), NULL, 0);
	shown = tr_secret(&tr, TR_SEND, "V29uZGVyLWxhbmQtNDI=", 20, "[password redacted]");
	assert_string_equal(shown, "[password redacted]");
	assert_string_equal(contents(f), " -> [password redacted]\n");
	assert_null(strstr(contents(f), "V29uZGVy"));
	tr_close(&tr);
	fclose(f);

	f = tmpfile();
	tr_init(&tr, dup(fileno(f)), NULL, TR_F_SHOW_SECRETS);
	shown = tr_secret(&tr, TR_SEND, "V29uZGVyLWxhbmQtNDI=", 20, "[password redacted]");
	assert_null(shown);
	assert_string_equal(contents(f), " -> V29uZGVyLWxhbmQtNDI=\n");
	tr_close(&tr);
	fclose(f);
}

static void
test_tail_keeps_the_last_lines(void **state)
{
	struct transcript	 tr;
	struct buf		 b = BUF_INIT;
	char			 line[16];
	int			 i;

	(void)state;
	tr_init(&tr, -1, NULL, 0);
	for (i = 0; i < 20; i++) {
		snprintf(line, sizeof(line), "line %d", i);
		tr_line(&tr, TR_INFO, line, strlen(line), LB_CRLF);
	}
	assert_int_equal(tr_tail(&tr, 3, "  ", &b), 0);
	buf_append(&b, "", 1);
	assert_string_equal(b.p, "  === line 17\n  === line 18\n  === line 19\n");
	tr_close(&tr);
	buf_free(&b);
}

static void
test_tail_truncates_long_lines(void **state)
{
	struct transcript	 tr;
	struct buf		 b = BUF_INIT;
	char			 big[1000];

	(void)state;
	memset(big, 'z', sizeof(big));
	tr_init(&tr, -1, NULL, 0);
	tr_line(&tr, TR_RECV, big, sizeof(big), LB_CRLF);
	assert_int_equal(tr_tail(&tr, 1, "", &b), 0);
	assert_int_equal(b.len, TR_TAIL_WIDTH - 1 + 1);	/* text + "\n" */
	assert_memory_equal(b.p + TR_TAIL_WIDTH - 4, "...", 3);
	tr_close(&tr);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_swaks_markers),
		cmocka_unit_test(test_334_prompts_are_decoded),
		cmocka_unit_test(test_control_bytes_are_escaped_and_endings_shown),
		cmocka_unit_test(test_timestamps_prefix_elapsed_seconds),
		cmocka_unit_test(test_file_sink_has_each_line_at_once),
		cmocka_unit_test(test_secrets_are_redacted_unless_asked),
		cmocka_unit_test(test_tail_keeps_the_last_lines),
		cmocka_unit_test(test_tail_truncates_long_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
