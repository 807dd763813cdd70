/* dataread_test.c - the server role's reading of DATA. */
#include <string.h>

#include "unit.h"

#include "core/dataread.h"
#include "core/dotstuff.h"

/* Feeds wire bytes through a linebuf into dr_line until the end or an
 * error; returns the last status. */
static enum dr_status
read_data(const char *wire, size_t n, size_t max, struct buf *msg)
{
	struct linebuf	 lb;
	struct lb_line	 l;
	enum dr_status	 st = DR_MORE;

	lb_init(&lb, 0);
	assert_int_equal(lb_push(&lb, wire, n), LB_MORE);
	while (st == DR_MORE && lb_line(&lb, &l) == LB_LINE)
		st = dr_line(msg, max, l.p, l.len, l.term);
	lb_free(&lb);
	return st;
}

static void
test_dots_undone_line_endings_kept(void **state)
{
	struct buf	 msg = BUF_INIT;
	const char	*wire = "Subject: x\r\n\r\n..leading dot\nbare lf\r\n.\r\nafter\r\n";

	(void)state;
	assert_int_equal(read_data(wire, strlen(wire), 1000, &msg), DR_END);
	assert_int_equal(msg.len, strlen("Subject: x\r\n\r\n.leading dot\nbare lf\r\n"));
	assert_memory_equal(msg.p, "Subject: x\r\n\r\n.leading dot\nbare lf\r\n", msg.len);
	buf_free(&msg);
}

static void
test_a_bare_lf_dot_ends_too(void **state)
{
	struct buf	 msg = BUF_INIT;

	/* Today's rule (issue 10 changes it): "." alone, whatever the ending. */
	(void)state;
	assert_int_equal(read_data("a\r\n.\nb\r\n", 8, 1000, &msg), DR_END);
	assert_int_equal(msg.len, 3);
	buf_free(&msg);
}

static void
test_no_end_and_too_big(void **state)
{
	struct buf	 msg = BUF_INIT;

	(void)state;
	assert_int_equal(read_data("a\r\n.. \r\n", 8, 1000, &msg), DR_MORE);
	assert_memory_equal(msg.p, "a\r\n. \r\n", msg.len);
	buf_free(&msg);
	assert_int_equal(read_data("0123456789\r\n", 12, 11, &msg), DR_TOOBIG);
	buf_free(&msg);
	assert_int_equal(read_data("012345678\r\n.\r\n", 14, 11, &msg), DR_END);
	buf_free(&msg);
}

static void
test_round_trip_with_dot_stuff(void **state)
{
	struct buf	 wire = BUF_INIT, msg = BUF_INIT;
	const char	*m = ".\r\n..\r\n.x\r\n\r\nend\r\n";

	(void)state;
	assert_int_equal(dot_stuff(m, strlen(m), &wire), 0);
	assert_int_equal(read_data(wire.p, wire.len, 1000, &msg), DR_END);
	assert_int_equal(msg.len, strlen(m));
	assert_memory_equal(msg.p, m, msg.len);
	buf_free(&wire);
	buf_free(&msg);
}

UNIT_MAIN(
	cmocka_unit_test(test_dots_undone_line_endings_kept),
	cmocka_unit_test(test_a_bare_lf_dot_ends_too),
	cmocka_unit_test(test_no_end_and_too_big),
	cmocka_unit_test(test_round_trip_with_dot_stuff)
)
