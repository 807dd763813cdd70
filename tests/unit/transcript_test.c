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

/* Records the same lines on t: long ones (UTF-8 and controls across the
 * cut), a 334 prompt, a bare LF, no line end, a line cut short, our own. */
static void
record_sample(struct transcript *t)
{
	struct buf	 l = BUF_INIT;
	int		 i;

	for (i = 0; i < 119; i++)
		buf_appendstr(&l, "ab");
	buf_appendstr(&l, "\xe2\x82\xac\x01\x1b[31m tail");	/* across byte 240 */
	tr_line(t, TR_RECV, l.p, l.len, LB_CRLF);
	tr_line(t, TR_RECV, "334 VXNlcm5hbWU6", 16, LB_CRLF);
	tr_line(t, TR_SEND, "MAIL FROM:<a@b>", 15, LB_LF);
	tr_line(t, TR_TLS_RECV_BAD, "550 caf\xe9", 8, LB_NONE);
	tr_line_cut(t, TR_RECV_BAD, l.p, 100, 5000);
	tr_printf(t, TR_INFO, "tab\there %d", 42);
	for (i = 0; i < 40; i++)
		buf_appendstr(&l, "\xf0\x9f\x93\xa7");
	tr_line(t, TR_SEND, l.p + 200, l.len - 200, LB_CRLF);
	tr_chunk(t, TR_SEND, "a\r\nb\nc", 7);
	buf_free(&l);
}

/* With no sink that formats (no file, no -v, nothing kept), nothing is
 * formatted as it comes; the tail, formatted when asked, is the same. */
static void
test_raw_tail_is_the_formatted_tail(void **state)
{
	struct transcript	 fmt, raw;
	struct buf		 a = BUF_INIT, b = BUF_INIT;

	(void)state;
	tr_init(&fmt, -1, NULL, TR_F_KEEP);
	tr_init(&raw, -1, NULL, 0);
	record_sample(&fmt);
	record_sample(&raw);
	assert_int_equal(raw.line.cap, 0);	/* never formatted a line */
	assert_true(fmt.line.cap > 0);
	assert_int_equal(tr_tail(&fmt, TR_TAIL_LINES, "  ", &a), 0);
	assert_int_equal(tr_tail(&raw, TR_TAIL_LINES, "  ", &b), 0);
	assert_int_equal(fmt.tail_count, TR_TAIL_LINES);
	assert_string_equal(buf_cstr(&b), buf_cstr(&a));
	tr_close(&fmt);
	tr_close(&raw);
	buf_free(&a);
	buf_free(&b);
}

UNIT_MAIN(
	cmocka_unit_test(test_raw_tail_is_the_formatted_tail),
	cmocka_unit_test(test_file_sink_has_each_line_at_once),
	cmocka_unit_test(test_secrets_are_redacted_unless_asked),
	cmocka_unit_test(test_tail_keeps_the_last_lines),
	cmocka_unit_test(test_tail_truncates_long_lines),
	cmocka_unit_test(test_tail_cuts_between_characters)
)
