/* linebuf_test.c - buffered input that hands out whole lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

#include "core/linebuf.h"

static void
assert_next(struct linebuf *lb, const char *want, enum lb_term term)
{
	struct lb_line	 l;

	assert_int_equal(lb_line(lb, &l), LB_LINE);
	assert_int_equal(l.len, strlen(want));
	assert_memory_equal(l.p, want, l.len);
	assert_int_equal(l.term, term);
}

static void
test_crlf_and_bare_lf_lines_are_told_apart(void **state)
{
	struct linebuf	 lb;
	struct lb_line	 l;

	(void)state;
	lb_init(&lb, 0);
	lb_push(&lb, "one\r\ntwo\nthree\r\r\nfour", 21);
	assert_next(&lb, "one", LB_CRLF);
	assert_next(&lb, "two", LB_LF);
	assert_next(&lb, "three\r", LB_CRLF);	/* a lone CR is content */
	assert_int_equal(lb_line(&lb, &l), LB_MORE);
	assert_int_equal(lb_pending(&lb), 4);
	assert_int_equal(lb_rest(&lb, &l), 1);
	assert_int_equal(l.len, 4);
	assert_int_equal(l.term, LB_NONE);
	assert_int_equal(lb_rest(&lb, &l), 0);
	lb_free(&lb);
}

static void
test_nul_bytes_travel_inside_lines(void **state)
{
	struct linebuf	 lb;
	struct lb_line	 l;

	(void)state;
	lb_init(&lb, 0);
	lb_push(&lb, "a\0b\r\n", 5);
	assert_int_equal(lb_line(&lb, &l), LB_LINE);
	assert_int_equal(l.len, 3);
	assert_memory_equal(l.p, "a\0b", 3);
	lb_free(&lb);
}

static void
test_partial_line_grows_until_the_cap(void **state)
{
	struct linebuf	 lb;
	struct lb_line	 l;
	char		 chunk[10];
	int		 i;

	(void)state;
	lb_init(&lb, 50);
	memset(chunk, 'x', sizeof(chunk));
	for (i = 0; i < 5; i++) {
		lb_push(&lb, chunk, sizeof(chunk));
		assert_int_equal(lb_line(&lb, &l), LB_MORE);
	}
	lb_push(&lb, "\r", 1);			/* 50 bytes + CR: still fine */
	assert_int_equal(lb_line(&lb, &l), LB_MORE);
	lb_push(&lb, "y", 1);			/* 52: past the cap */
	assert_int_equal(lb_line(&lb, &l), LB_TOOLONG);
	lb_free(&lb);
}

static void
test_many_lines_through_one_small_buffer(void **state)
{
	struct linebuf	 lb;
	struct lb_line	 l;
	char		*p, want[32];
	size_t		 avail;
	int		 i, got = 0;

	(void)state;
	lb_init(&lb, 0);
	for (i = 0; i < 20000; i++) {
		int n = snprintf(want, sizeof(want), "line %d\r\n", i);
		assert_int_equal(lb_space(&lb, &p, &avail), LB_MORE);
		assert_true(avail >= LB_CHUNK);
		memcpy(p, want, (size_t)n);
		lb_commit(&lb, (size_t)n);
		while (lb_line(&lb, &l) == LB_LINE) {
			snprintf(want, sizeof(want), "line %d", got++);
			assert_int_equal(l.len, strlen(want));
			assert_memory_equal(l.p, want, l.len);
		}
	}
	assert_int_equal(got, 20000);
	/* Consumed lines never pile up: the buffer stayed small. */
	assert_true(lb.cap <= 2 * LB_CHUNK);
	lb_free(&lb);
}

static void
test_drop_and_peek(void **state)
{
	struct linebuf	 lb;

	(void)state;
	lb_init(&lb, 0);
	lb_push(&lb, "abcdef", 6);
	assert_memory_equal(lb_peek(&lb), "abcdef", 6);
	lb_drop(&lb, 2);
	assert_int_equal(lb_pending(&lb), 4);
	assert_memory_equal(lb_peek(&lb), "cdef", 4);
	lb_drop(&lb, 100);
	assert_int_equal(lb_pending(&lb), 0);
	lb_free(&lb);
}

/* Issue 9, defect 8: before anything arrived the buffer is NULL, and the
 * first lb_line() did NULL + 0 (clang's UBSan: "applying zero offset to
 * null pointer"; the clang sanitizer build, build-clang, runs this). */
static void
test_reading_before_any_input(void **state)
{
	struct linebuf	 lb;
	struct lb_line	 l;

	(void)state;
	lb_init(&lb, 0);
	assert_int_equal(lb_line(&lb, &l), LB_MORE);
	assert_int_equal(lb_pending(&lb), 0);
	assert_non_null(lb_peek(&lb));
	lb_drop(&lb, 1);
	assert_int_equal(lb_rest(&lb, &l), 0);
	/* And again after everything was taken and the memory freed. */
	lb_push(&lb, "x\r\n", 3);
	assert_next(&lb, "x", LB_CRLF);
	assert_int_equal(lb_line(&lb, &l), LB_MORE);
	lb_free(&lb);
	assert_int_equal(lb_line(&lb, &l), LB_MORE);
	assert_non_null(lb_peek(&lb));
	lb_free(&lb);
}

UNIT_MAIN(
	cmocka_unit_test(test_crlf_and_bare_lf_lines_are_told_apart),
	cmocka_unit_test(test_nul_bytes_travel_inside_lines),
	cmocka_unit_test(test_partial_line_grows_until_the_cap),
	cmocka_unit_test(test_many_lines_through_one_small_buffer),
	cmocka_unit_test(test_drop_and_peek),
	cmocka_unit_test(test_reading_before_any_input)
)
