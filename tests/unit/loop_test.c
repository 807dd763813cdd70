/* loop_test.c - the event loop: the timer heap fires in deadline order
 * whatever the order timers were armed, stopped and re-armed in; file
 * events run their callbacks; nothing to wait for is said. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"

#include "core/clock.h"
#include "io/loop.h"

#define NTIMERS	200

struct fired {
	int	 order[NTIMERS];
	int	 n;
};

struct tagged {
	struct loop_timer	 t;
	struct fired		*log;
	int			 id;
};

static void
on_fire(void *arg)
{
	struct tagged	*tt = arg;

	tt->log->order[tt->log->n++] = tt->id;
}

/* A deadline in the past, earlier for a smaller rank: all are due at once,
 * and the heap alone decides the order. */
static double
past(int rank)
{
	return mono_now() - 1000.0 + rank * 0.001;
}

static void
test_timers_fire_in_deadline_order(void **state)
{
	struct loop	*lp = loop_new();
	struct tagged	 tt[NTIMERS];
	struct fired	 log = { { 0 }, 0 };
	int		 i, rank;

	(void)state;
	memset(tt, 0, sizeof(tt));
	for (i = 0; i < NTIMERS; i++) {
		/* ids are ranks, armed in a shuffled order */
		rank = (i * 37) % NTIMERS;
		tt[i].id = rank;
		tt[i].log = &log;
		assert_int_equal(loop_timer_start(lp, &tt[i].t, past(rank), on_fire, &tt[i]), 0);
	}
	assert_int_equal(loop_pending(lp), NTIMERS);
	assert_int_equal(loop_once(lp, 0), NTIMERS);
	assert_int_equal(log.n, NTIMERS);
	for (i = 0; i < NTIMERS; i++)
		assert_int_equal(log.order[i], i);
	assert_int_equal(loop_pending(lp), 0);
	loop_free(lp);
}

static void
test_stopped_and_rearmed_timers_keep_the_heap_in_order(void **state)
{
	struct loop	*lp = loop_new();
	struct tagged	 tt[NTIMERS];
	struct fired	 log = { { 0 }, 0 };
	int		 i, last = -1, armed[NTIMERS], expect = 0;

	(void)state;
	memset(tt, 0, sizeof(tt));
	for (i = 0; i < NTIMERS; i++) {
		tt[i].id = i;
		tt[i].log = &log;
		loop_timer_start(lp, &tt[i].t, past(i), on_fire, &tt[i]);
		armed[i] = 1;
	}
	/* Stop every third; move every fifth to the end (re-armed, a later id). */
	for (i = 0; i < NTIMERS; i += 3) {
		loop_timer_stop(lp, &tt[i].t);
		armed[i] = 0;
	}
	for (i = 1; i < NTIMERS; i += 5) {
		tt[i].id = NTIMERS + i;
		loop_timer_start(lp, &tt[i].t, past(NTIMERS + i), on_fire, &tt[i]);
		armed[i] = 1;
	}
	loop_timer_stop(lp, &tt[0].t);		/* stopping twice is harmless */
	for (i = 0; i < NTIMERS; i++)
		expect += armed[i];
	assert_int_equal(loop_pending(lp), (size_t)expect);
	loop_once(lp, 0);
	assert_int_equal(log.n, expect);
	for (i = 0; i < log.n; i++) {
		assert_true(log.order[i] > last);	/* ascending deadlines */
		assert_true(armed[log.order[i] % NTIMERS]);
		last = log.order[i];
	}
	loop_free(lp);
}

static void
test_a_timer_not_due_waits(void **state)
{
	struct loop	*lp = loop_new();
	struct tagged	 tt;
	struct fired	 log = { { 0 }, 0 };
	double		 t0 = mono_now();

	(void)state;
	memset(&tt, 0, sizeof(tt));
	tt.log = &log;
	loop_timer_start(lp, &tt.t, t0 + 0.05, on_fire, &tt);
	assert_int_equal(loop_once(lp, 0), 0);		/* not blocking: not yet */
	assert_int_equal(log.n, 0);
	while (log.n == 0)
		assert_true(loop_once(lp, 1) >= 0);	/* blocks until it is due */
	assert_true(mono_now() - t0 >= 0.05);
	loop_free(lp);
}

struct io_seen {
	struct loop_io	 io;
	int		 calls;
};

static void
on_io(void *arg, uint32_t events)
{
	(void)events;
	((struct io_seen *)arg)->calls++;
}

static void
test_a_readable_descriptor_runs_its_callback(void **state)
{
	struct loop	*lp = loop_new();
	struct io_seen	 s;
	int		 p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	memset(&s, 0, sizeof(s));
	s.io.fd = p[0];
	s.io.fn = on_io;
	s.io.arg = &s;
	assert_int_equal(loop_add(lp, &s.io), 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_true(loop_once(lp, 1) >= 1);
	assert_true(s.calls >= 1);
	loop_del(lp, &s.io);
	assert_int_equal(loop_pending(lp), 0);
	/* Nothing left that could ever wake it: said, not a hang. */
	assert_int_equal(loop_once(lp, 1), -1);
	close(p[0]);
	close(p[1]);
	loop_free(lp);
}

UNIT_MAIN(
	cmocka_unit_test(test_timers_fire_in_deadline_order),
	cmocka_unit_test(test_stopped_and_rearmed_timers_keep_the_heap_in_order),
	cmocka_unit_test(test_a_timer_not_due_waits),
	cmocka_unit_test(test_a_readable_descriptor_runs_its_callback)
)
