/* loadstats_test.c - what a load run measured, and thresholds over it
 * (core/loadstats.c). */
#include <stdio.h>
#include <string.h>

#include "unit.h"

#include "core/loadstats.h"

static int
parses(const char *s, struct threshold *t)
{
	char	 err[256];

	err[0] = '\0';
	if (th_parse(t, s, err, sizeof(err)) == 0)
		return 1;
	assert_non_null(strstr(err, s));	/* the complaint names it */
	return 0;
}

static void
test_th_parse(void **state)
{
	struct threshold	 t;

	(void)state;
	assert_true(parses("dot.p99<50ms", &t));
	assert_int_equal(t.what, TH_PHASE);
	assert_string_equal(t.phase, "dot");
	assert_true(t.pct == 99);
	assert_int_equal(t.op, TH_LT);
	assert_true(t.limit == 50000);
	assert_string_equal(t.text, "dot.p99<50ms");

	assert_true(parses("session.p99.9 <= 2s", &t));
	assert_string_equal(t.phase, "session");
	assert_true(t.pct == 99.9);
	assert_int_equal(t.op, TH_LE);
	assert_true(t.limit == 2e6);
	assert_true(parses("session.p999>=1500us", &t));
	assert_true(t.pct == 99.9 && t.op == TH_GE && t.limit == 1500);
	assert_true(parses(" rcpt.max > 7 ", &t));
	assert_true(t.pct == -1 && t.op == TH_GT && t.limit == 7000);	/* ms by default */
	assert_true(parses("connect.min<1", &t) && t.pct == -2);
	assert_true(parses("connect.mean<1", &t) && t.pct == -3);
	assert_true(parses("dot.p99 < 50 ms", &t) && t.limit == 50000);

	assert_true(parses("errors<1", &t));
	assert_true(t.what == TH_ERRORS && t.limit == 1);
	assert_true(parses("error_rate<0.5%", &t));
	assert_true(t.what == TH_ERROR_RATE && t.limit == 0.5);
	assert_true(parses("sessions_per_s>100", &t));
	assert_true(t.what == TH_SESSIONS_PER_S && t.op == TH_GT && t.limit == 100);
	assert_true(parses("messages_per_s>=2.5", &t) && t.what == TH_MESSAGES_PER_S);

	assert_false(parses("dot<5", &t));		/* a phase needs a statistic */
	assert_false(parses("dot.p99<", &t));		/* no number */
	assert_false(parses("foo.p101<1", &t));		/* no such percentile */
	assert_false(parses("foo.p0<1", &t));
	assert_false(parses("dot.p99=5", &t));		/* no such comparison */
	assert_false(parses("dot.p99<5 minutes", &t));
	assert_false(parses("dot.p99<-5", &t));
	assert_false(parses("dot.p99<nan", &t));
	assert_false(parses("dot.median<5", &t));
	assert_false(parses("<5", &t));
	assert_false(parses("", &t));
	assert_false(parses("errors<1ms", &t));
	assert_false(parses(".p99<5", &t));		/* no phase name */
}

static void
test_th_check(void **state)
{
	struct load_stats	 st;
	struct threshold	 t;
	double			 v;
	char			 err[256];
	int			 i;

	(void)state;
	assert_int_equal(ls_init(&st), 0);
	for (i = 1; i <= 100; i++)		/* dot: 1..100 ms */
		ls_record(&st, LS_DOT, i * 1000);
	st.sessions = 200;
	st.failed = 3;
	st.messages = 400;
	st.started_at = 1000;
	st.ended_at = 1010;

	assert_int_equal(th_parse(&t, "dot.p99<100ms", err, sizeof(err)), 0);
	assert_int_equal(th_check(&t, &st, &v), 1);
	assert_true(v >= 99000 && v <= 99100);	/* within 0.1% */
	assert_int_equal(th_parse(&t, "dot.p99<98ms", err, sizeof(err)), 0);
	assert_int_equal(th_check(&t, &st, &v), 0);
	assert_int_equal(th_parse(&t, "dot.max<=100ms", err, sizeof(err)), 0);
	assert_int_equal(th_check(&t, &st, &v), 1);
	assert_true(v == 100000);
	assert_int_equal(th_parse(&t, "dot.min>1ms", err, sizeof(err)), 0);
	assert_int_equal(th_check(&t, &st, &v), 0);
	assert_true(v == 1000);
	assert_int_equal(th_parse(&t, "dot.mean<50.6ms", err, sizeof(err)), 0);
	assert_int_equal(th_check(&t, &st, &v), 1);
	assert_true(v > 50400 && v < 50600);
	/* A phase that never ran fails, as does one that does not exist. */
	assert_int_equal(th_parse(&t, "tls.p99<1s", err, sizeof(err)), 0);
	assert_int_equal(th_check(&t, &st, &v), -1);
	assert_int_equal(th_parse(&t, "nosuch.p99<1s", err, sizeof(err)), 0);
	assert_int_equal(th_check(&t, &st, &v), -1);

	assert_int_equal(th_parse(&t, "errors<3", err, sizeof(err)), 0);
	assert_int_equal(th_check(&t, &st, &v), 0);
	assert_true(v == 3);
	assert_int_equal(th_parse(&t, "errors<=3", err, sizeof(err)), 0);
	assert_int_equal(th_check(&t, &st, &v), 1);
	assert_int_equal(th_parse(&t, "error_rate<1.5%", err, sizeof(err)), 0);
	assert_int_equal(th_check(&t, &st, &v), 0);
	assert_true(v == 1.5);
	assert_int_equal(th_parse(&t, "sessions_per_s>=20", err, sizeof(err)), 0);
	assert_int_equal(th_check(&t, &st, &v), 1);
	assert_true(v == 20);
	assert_int_equal(th_parse(&t, "messages_per_s>40", err, sizeof(err)), 0);
	assert_int_equal(th_check(&t, &st, &v), 0);
	assert_true(v == 40);
	/* Not started: no rate. */
	st.started_at = 0;
	assert_int_equal(th_check(&t, &st, &v), 0);
	assert_true(v == 0);
	ls_free(&st);
}

static void
test_ls_fail(void **state)
{
	struct load_stats	 st;

	(void)state;
	assert_int_equal(ls_init(&st), 0);
	ls_fail(&st, "timeout", 0);
	ls_fail(&st, "timeout", 0);
	ls_fail(&st, "expect", 421);
	ls_fail(&st, "expect", 421);
	ls_fail(&st, "expect", 550);
	ls_fail(&st, NULL, 0);
	ls_fail(&st, "", 0);
	assert_int_equal(st.failed, 7);
	assert_int_equal(st.nkinds, 3);
	assert_int_equal(ls_counter_get(st.kinds, st.nkinds, "timeout"), 2);
	assert_int_equal(ls_counter_get(st.kinds, st.nkinds, "expect"), 3);
	assert_int_equal(ls_counter_get(st.kinds, st.nkinds, "error"), 2);
	assert_int_equal(st.ncodes, 2);
	assert_int_equal(ls_counter_get(st.codes, st.ncodes, "421"), 2);
	assert_int_equal(ls_counter_get(st.codes, st.ncodes, "550"), 1);
	assert_int_equal(ls_counter_get(st.codes, st.ncodes, "250"), 0);
	assert_int_equal(st.other_keys, 0);
	ls_reset(&st);
	assert_int_equal(st.failed, 0);
	assert_int_equal(st.nkinds, 0);
	assert_int_equal(st.nphases, LS_NFIXED);
	ls_free(&st);
}

static void
test_overflow_keys(void **state)
{
	struct load_stats	 st;
	char			 k[LS_NAME_MAX + 8];
	int			 i;

	(void)state;
	assert_int_equal(ls_init(&st), 0);
	for (i = 0; i < LS_MAX_KEYS + 5; i++) {
		snprintf(k, sizeof(k), "kind%d", i);
		ls_fail(&st, k, 0);
	}
	assert_int_equal(st.nkinds, LS_MAX_KEYS);
	assert_int_equal(st.other_keys, 5);
	assert_int_equal(st.failed, LS_MAX_KEYS + 5);
	/* A known key still counts as itself. */
	ls_fail(&st, "kind0", 0);
	assert_int_equal(ls_counter_get(st.kinds, st.nkinds, "kind0"), 2);
	assert_int_equal(st.other_keys, 5);
	/* A key too long for the table counts as other. */
	memset(k, 'x', LS_NAME_MAX);
	k[LS_NAME_MAX] = '\0';
	ls_fail(&st, "kind1", 0);
	ls_reset(&st);
	ls_fail(&st, k, 0);
	assert_int_equal(st.nkinds, 0);
	assert_int_equal(st.other_keys, 1);
	ls_free(&st);
}

static void
test_phases(void **state)
{
	struct load_stats	 st;
	char			 name[LS_NAME_MAX + 1];
	int			 i;

	(void)state;
	assert_int_equal(ls_init(&st), 0);
	assert_int_equal(st.nphases, LS_NFIXED);
	for (i = 0; i < LS_NFIXED; i++)
		assert_int_equal(ls_phase_index(&st, LS_PHASE_NAMES[i], 0), i);
	assert_int_equal(ls_phase_index(&st, "dot", 1), LS_DOT);
	assert_int_equal(ls_phase_index(&st, "custom", 0), -1);
	assert_int_equal(ls_phase_index(&st, "custom", 1), LS_NFIXED);
	assert_int_equal(ls_phase_index(&st, "", 1), -1);
	memset(name, 'a', LS_NAME_MAX);
	name[LS_NAME_MAX] = '\0';
	assert_int_equal(ls_phase_index(&st, name, 1), -1);
	name[LS_NAME_MAX - 1] = '\0';
	assert_int_equal(ls_phase_index(&st, name, 1), LS_NFIXED + 1);
	for (i = (int)st.nphases; i < LS_MAX_PHASES; i++) {
		snprintf(name, sizeof(name), "p%d", i);
		assert_int_equal(ls_phase_index(&st, name, 1), i);
	}
	assert_int_equal(ls_phase_index(&st, "one-too-many", 1), -1);
	/* Out of range records are dropped. */
	ls_record(&st, -1, 5);
	ls_record(&st, LS_MAX_PHASES, 5);
	ls_free(&st);
}

/* ls_add: phases by name (bucket by bucket), counters by key, the span. */
static void
test_ls_add(void **state)
{
	struct load_stats	 a, b, all;
	int			 i, pa, pb;

	(void)state;
	assert_int_equal(ls_init(&a), 0);
	assert_int_equal(ls_init(&b), 0);
	assert_int_equal(ls_init(&all), 0);
	/* Custom phases in another order on each side. */
	pa = ls_phase_index(&a, "x", 1);
	assert_int_equal(ls_phase_index(&a, "y", 1), LS_NFIXED + 1);
	pb = ls_phase_index(&b, "y", 1);
	assert_int_equal(ls_phase_index(&b, "x", 1), LS_NFIXED + 1);
	assert_int_equal(ls_phase_index(&b, "z", 1), LS_NFIXED + 2);	/* never runs */
	for (i = 1; i <= 1000; i++) {
		ls_record(&a, LS_DOT, i * 37);
		ls_record(&b, LS_DOT, i * 1013);
		ls_record(&a, pa, i);
		ls_record(&b, pb, i * 3);
	}
	a.sessions = 10, a.failed = 2, a.messages = 20, a.bytes = 300;
	b.sessions = 5, b.failed = 1, b.messages = 7, b.bytes = 11;
	a.started_at = 100, a.ended_at = 150;
	b.started_at = 90, b.ended_at = 140;
	ls_fail(&a, "timeout", 0);
	ls_fail(&a, "expect", 421);
	ls_fail(&b, "expect", 421);
	a.failed = 2;
	b.failed = 1;
	assert_int_equal(ls_add(&all, &a), 0);
	assert_int_equal(ls_add(&all, &b), 0);
	assert_int_equal(all.sessions, 15);
	assert_int_equal(all.failed, 3);
	assert_int_equal(all.messages, 27);
	assert_int_equal(all.bytes, 311);
	assert_true(all.started_at == 90 && all.ended_at == 150);
	assert_true(ls_duration(&all) == 60);
	assert_int_equal(ls_counter_get(all.kinds, all.nkinds, "expect"), 2);
	assert_int_equal(ls_counter_get(all.kinds, all.nkinds, "timeout"), 1);
	assert_int_equal(ls_counter_get(all.codes, all.ncodes, "421"), 2);
	/* Custom phases by name; "z" never ran and is not added. */
	assert_int_equal(ls_phase_index(&all, "x", 0), LS_NFIXED);
	assert_int_equal(ls_phase_index(&all, "y", 0), LS_NFIXED + 1);
	assert_int_equal(ls_phase_index(&all, "z", 0), -1);
	assert_int_equal(all.phases[LS_NFIXED].h.total, 1000);
	assert_int_equal(all.phases[LS_NFIXED].h.max, 1000);
	assert_int_equal(all.phases[LS_NFIXED + 1].h.max, 3000);
	assert_int_equal(all.phases[LS_DOT].h.total, 2000);
	assert_int_equal(all.phases[LS_DOT].h.min, 37);
	assert_int_equal(all.phases[LS_DOT].h.max, 1013000);
	for (i = 0; i < (int)all.phases[LS_DOT].h.counts_len; i++)
		assert_int_equal(all.phases[LS_DOT].h.counts[i],
		    a.phases[LS_DOT].h.counts[i] + b.phases[LS_DOT].h.counts[i]);
	/* Into an empty one: the same stats. */
	ls_reset(&all);
	assert_int_equal(ls_add(&all, &a), 0);
	assert_true(all.started_at == 100 && all.ended_at == 150);
	assert_int_equal(all.phases[LS_DOT].h.total, 1000);
	ls_free(&a);
	ls_free(&b);
	ls_free(&all);
}

UNIT_MAIN(
	cmocka_unit_test(test_th_parse),
	cmocka_unit_test(test_th_check),
	cmocka_unit_test(test_ls_fail),
	cmocka_unit_test(test_overflow_keys),
	cmocka_unit_test(test_phases),
	cmocka_unit_test(test_ls_add)
)
