/* transcript_test.c - the transcript's sinks: the file written line by
 * line, the tail kept for messages, redaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"

#include "core/utf8.h"
#include "io/transcript.h"

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

/* A long line of UTF-8 text is cut between characters: the tail, which
 * error messages and reports quote, stays valid UTF-8. */
static void
test_tail_cuts_between_characters(void **state)
{
	struct transcript	 tr;
	struct buf		 b = BUF_INIT, line = BUF_INIT;
	int			 i;

	(void)state;
	buf_appendstr(&line, "x");		/* the cut falls inside a character */
	for (i = 0; i < 300; i++)
		buf_appendstr(&line, "\xc3\xa9");
	tr_init(&tr, -1, NULL, 0);
	tr_line(&tr, TR_RECV, line.p, line.len, LB_CRLF);
	assert_int_equal(tr_tail(&tr, 1, "", &b), 0);
	assert_true(b.len < TR_TAIL_WIDTH + 1);
	assert_memory_equal(b.p + b.len - 4, "...\n", 4);
	assert_int_equal(utf8_invalid_at(b.p, b.len), b.len);
	tr_close(&tr);
	buf_free(&b);
	buf_free(&line);
}

UNIT_MAIN(
	cmocka_unit_test(test_file_sink_has_each_line_at_once),
	cmocka_unit_test(test_secrets_are_redacted_unless_asked),
	cmocka_unit_test(test_tail_keeps_the_last_lines),
	cmocka_unit_test(test_tail_truncates_long_lines),
	cmocka_unit_test(test_tail_cuts_between_characters)
)
