/* dataread_test.c - the server role's reading of DATA. */
#include <string.h>

#include "unit.h"

#include "core/dataread.h"
#include "core/dotstuff.h"

/* Feeds wire bytes through a linebuf into dr_line until the end or an
 * error; returns the last status. *used: the wire bytes taken (up to and
 * including the end-of-data line). */
static enum dr_status
feed(struct data_reader *d, const char *wire, size_t n, size_t *used)
{
	struct linebuf	 lb;
	struct lb_line	 l;
	enum dr_status	 st = DR_MORE;
	int		 rec;

	lb_init(&lb, 0);
	assert_int_equal(lb_push(&lb, wire, n), LB_MORE);
	while (st == DR_MORE && lb_line(&lb, &l) == LB_LINE)
		st = dr_line(d, l.p, l.len, l.term, &rec);
	if (used != NULL)
		*used = n - lb_pending(&lb);
	lb_free(&lb);
	return st;
}

static enum dr_status
read_data(const char *wire, size_t n, size_t max, struct data_reader *d)
{
	dr_init(d, max, 1000);
	return feed(d, wire, n, NULL);
}

static void
test_dots_undone_line_endings_kept(void **state)
{
	struct data_reader	 d;
	const char		*wire = "Subject: x\r\n\r\n..leading dot\r\nbare lf\nx\r\n"
				    ".\r\nafter\r\n";
	const char		*want = "Subject: x\r\n\r\n.leading dot\r\nbare lf\nx\r\n";

	(void)state;
	assert_int_equal(read_data(wire, strlen(wire), 1000, &d), DR_END);
	assert_int_equal(d.msg.len, strlen(want));
	assert_memory_equal(d.msg.p, want, d.msg.len);
	assert_int_equal(d.size, strlen(want));
	assert_int_equal(d.lines, 5);
	assert_true(d.bare);
	assert_false(d.toobig);
	dr_free(&d);
}

/* Only CRLF "." CRLF ends DATA (RFC 5321 section 4.1.1.4): each of the
 * end-of-data lookalikes of the 2023 SMTP smuggling disclosure is content,
 * kept byte for byte (but for the leading dot of a CRLF line, `dot`), and
 * flagged when it has a bare LF or CR. */
static void
test_smuggling_lookalikes_are_content(void **state)
{
	static const struct {
		const char	*seq;
		size_t		 len;
		int		 bare;
		int		 dot;	/* the sequence's byte 2 is an undone "." */
	} v[] = {
		{ "\n.\n", 3, 1, 0 }, { "\n.\r\n", 4, 1, 0 }, { "\r\n.\n", 4, 1, 1 },
		{ "\r.\r\n", 4, 1, 0 }, { "\r\n.\r", 4, 1, 1 }, { "\r.\n", 3, 1, 0 },
		{ "\n.\r", 3, 1, 0 }, { "\r.\r", 3, 1, 0 }, { "\r\n\0.\r\n", 6, 0, 0 },
		{ "\r\n .\r\n", 6, 0, 0 }, { "\r\n.\t\r\n", 6, 0, 1 },
	};
	const char	*smuggled = "MAIL FROM:<evil@x>\r\nRCPT TO:<v@example.test>\r\n"
			    "DATA\r\nsmuggled\r\n";
	char		 wire[256], want[256];
	size_t		 i, n, used, m;
	struct data_reader d;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		n = 0;
		memcpy(wire + n, "body", 4), n += 4;
		memcpy(wire + n, v[i].seq, v[i].len), n += v[i].len;
		memcpy(wire + n, smuggled, strlen(smuggled)), n += strlen(smuggled);
		m = n;
		memcpy(want, wire, m);
		if (v[i].dot) {		/* ".\rMAIL", ".\nMAIL", ".\t" start CRLF lines */
			memmove(want + 6, want + 7, m - 7);
			m--;
		}
		memcpy(wire + n, ".\r\nQUIT\r\n", 9), n += 9;
		dr_init(&d, 1000, 1000);
		assert_int_equal(feed(&d, wire, n, &used), DR_END);
		/* It ended at the real end, and nothing was lost or added. */
		assert_int_equal(used, n - 6);
		assert_int_equal(d.msg.len, m);
		assert_memory_equal(d.msg.p, want, m);
		assert_int_equal(d.bare, v[i].bare);
		dr_free(&d);
	}
}

/* lf_end (the old, vulnerable behaviour, for test servers): a "." line
 * ended by a bare LF, or after one, ends the message, so the bare-LF
 * lookalikes smuggle what follows; the bare-CR ones and NUL padding still do
 * not, and off (the default) none does. */
static void
test_lf_end_is_the_vulnerable_option(void **state)
{
	static const struct {
		const char	*seq;
		size_t		 len;
		int		 ends;	/* with lf_end, the message ends there */
	} v[] = {
		{ "\n.\n", 3, 1 }, { "\n.\r\n", 4, 1 }, { "\r\n.\n", 4, 1 },
		{ "\r.\r", 3, 0 }, { "\r.\r\n", 4, 0 }, { "\r\n.\r", 4, 0 },
		{ "\r\n\0.\r\n", 6, 0 }, { "\r\n.\0\r\n", 6, 0 },
	};
	char		 wire[64];
	size_t		 i, n, used;
	int		 on;
	struct data_reader d;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		for (on = 0; on <= 1; on++) {
			n = 0;
			memcpy(wire + n, "body", 4), n += 4;
			memcpy(wire + n, v[i].seq, v[i].len), n += v[i].len;
			memcpy(wire + n, "MAIL\r\n.\r\n", 9), n += 9;
			dr_init(&d, 1000, 1000);
			d.lf_end = on;
			assert_int_equal(feed(&d, wire, n, &used), DR_END);
			if (on && v[i].ends) {
				/* Ended at the lookalike: "body" and its
				 * line end alone. */
				assert_int_equal(used, 4 + v[i].len);
				assert_true(d.msg.len == 5 || d.msg.len == 6);
				assert_memory_equal(d.msg.p, "body", 4);
			} else
				assert_int_equal(used, n);
			dr_free(&d);
		}
	}
}

/* The leading dot is undone only at the start of a CRLF line: after a bare
 * LF the "line" is the same RFC line going on. */
static void
test_dot_rule_only_at_crlf_line_start(void **state)
{
	struct data_reader	 d;
	const char		*wire = "a\n..b\r\n..c\r\n.\r\n";

	(void)state;
	assert_int_equal(read_data(wire, strlen(wire), 1000, &d), DR_END);
	assert_int_equal(d.msg.len, strlen("a\n..b\r\n.c\r\n"));
	assert_memory_equal(d.msg.p, "a\n..b\r\n.c\r\n", d.msg.len);
	dr_free(&d);
}

/* Past max the message is counted, not kept, up to its end. */
static void
test_too_big_is_drained_not_stored(void **state)
{
	struct data_reader	 d;

	(void)state;
	assert_int_equal(read_data("a\r\n.. \r\n", 8, 1000, &d), DR_MORE);
	assert_memory_equal(d.msg.p, "a\r\n. \r\n", d.msg.len);
	dr_free(&d);
	assert_int_equal(read_data("0123456789\r\nmore\r\n.\r\nQUIT\r\n", 27, 11, &d),
	    DR_END);
	assert_true(d.toobig);
	assert_int_equal(d.msg.len, 0);
	assert_int_equal(d.size, 18);
	assert_int_equal(d.lines, 2);
	dr_free(&d);
	assert_int_equal(read_data("012345678\r\n.\r\n", 14, 11, &d), DR_END);
	assert_false(d.toobig);
	assert_int_equal(d.msg.len, 11);
	dr_free(&d);
}

/* The transcript takes lines while they fit in record_max; after the first
 * that does not, none (so what is recorded is a prefix); the end line is
 * always recorded. */
static void
test_record_cap(void **state)
{
	struct data_reader	 d;
	int			 rec;

	(void)state;
	dr_init(&d, 1000, 10);
	assert_int_equal(dr_line(&d, "abcd", 4, LB_CRLF, &rec), DR_MORE);
	assert_true(rec);
	assert_int_equal(dr_line(&d, "abcdefg", 7, LB_CRLF, &rec), DR_MORE);
	assert_false(rec);
	assert_int_equal(dr_line(&d, "", 0, LB_CRLF, &rec), DR_MORE);
	assert_false(rec);
	assert_int_equal(d.unrecorded, 2);
	assert_int_equal(dr_line(&d, ".", 1, LB_CRLF, &rec), DR_END);
	assert_true(rec);
	assert_int_equal(d.lines, 3);
	dr_free(&d);
}

static void
test_round_trip_with_dot_stuff(void **state)
{
	struct buf		 wire = BUF_INIT;
	struct data_reader	 d;
	const char		*m = ".\r\n..\r\n.x\r\n\r\nend\r\n";

	(void)state;
	assert_int_equal(dot_stuff(m, strlen(m), &wire), 0);
	assert_int_equal(read_data(wire.p, wire.len, 1000, &d), DR_END);
	assert_int_equal(d.msg.len, strlen(m));
	assert_memory_equal(d.msg.p, m, d.msg.len);
	assert_false(d.bare);
	buf_free(&wire);
	dr_free(&d);
}

UNIT_MAIN(
	cmocka_unit_test(test_dots_undone_line_endings_kept),
	cmocka_unit_test(test_smuggling_lookalikes_are_content),
	cmocka_unit_test(test_lf_end_is_the_vulnerable_option),
	cmocka_unit_test(test_dot_rule_only_at_crlf_line_start),
	cmocka_unit_test(test_too_big_is_drained_not_stored),
	cmocka_unit_test(test_record_cap),
	cmocka_unit_test(test_round_trip_with_dot_stuff)
)
