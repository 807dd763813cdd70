/* hist_test.c - the latency histograms of load mode (core/hist.c). */
#include <stdlib.h>

#include "unit.h"

#include "core/hist.h"

#define HOUR_US	(3600LL * 1000 * 1000)

/* HdrHistogram's layout at 3 significant figures: 2048 sub-buckets (values
 * below 2048 exact), then buckets doubling the range. */
static void
test_layout(void **state)
{
	struct hist	 h;

	(void)state;
	assert_int_equal(hist_init(&h, HOUR_US, 3), 0);
	assert_int_equal(h.sub_bucket_count, 2048);
	assert_int_equal(h.bucket_count, 22);
	assert_int_equal(h.counts_len, 23 * 1024);
	/* Exact below 2048; then ranges of 2, 4, ... */
	assert_int_equal(hist_lowest_equivalent(&h, 2047), 2047);
	assert_int_equal(hist_highest_equivalent(&h, 2047), 2047);
	assert_int_equal(hist_lowest_equivalent(&h, 2049), 2048);
	assert_int_equal(hist_highest_equivalent(&h, 2049), 2049);
	assert_int_equal(hist_lowest_equivalent(&h, 10007), 10000);
	assert_int_equal(hist_highest_equivalent(&h, 10007), 10007);
	hist_free(&h);
	assert_int_equal(hist_init(&h, 1, 3), -1);
	assert_int_equal(hist_init(&h, 1000, 0), -1);
	assert_int_equal(hist_init(&h, 1000, 6), -1);
}

/* Every index maps back to a value whose index it is, in order. */
static void
test_index_round_trip(void **state)
{
	struct hist	 h;
	size_t		 i;
	int64_t		 v, last = -1;

	(void)state;
	assert_int_equal(hist_init(&h, HOUR_US, 2), 0);
	for (i = 1; i < h.counts_len; i++) {
		v = hist_index_value(&h, i);
		if (v > h.highest)
			break;
		assert_true(v > last);
		assert_int_equal(hist_lowest_equivalent(&h, v), v);
		hist_record(&h, v, 1);
		assert_int_equal(h.counts[i], 1);
		last = v;
	}
	hist_free(&h);
}

/* Whatever is recorded, a percentile is within 1 part in 10^sigfigs of the
 * exact one (nearest-rank), and never below it. */
static void
test_percentiles_within_resolution(void **state)
{
	static const double	 ps[] = { 0, 10, 50, 90, 99, 99.9, 100 };
	struct hist		 h;
	int64_t			*v, exact, got;
	size_t			 i, k, n = 20000, rank;

	(void)state;
	assert_non_null(v = malloc(n * sizeof(*v)));
	assert_int_equal(hist_init(&h, HOUR_US, 3), 0);
	srand(7);
	for (i = 0; i < n; i++) {	/* sorted: a skewed spread, 1 us to ~17 s */
		v[i] = 1 + (int64_t)((double)i * i * i / ((double)n * n * n) * 17e6) +
		    rand() % 3;
		if (i > 0 && v[i] < v[i - 1])
			v[i] = v[i - 1];
		hist_record(&h, v[i], 1);
	}
	assert_int_equal(h.total, (int64_t)n);
	assert_int_equal(h.min, v[0]);
	assert_int_equal(h.max, v[n - 1]);
	for (k = 0; k < sizeof(ps) / sizeof(ps[0]); k++) {
		rank = (size_t)(ps[k] / 100 * (double)n + 0.5);
		exact = v[rank > 0 ? rank - 1 : 0];
		got = hist_percentile(&h, ps[k]);
		assert_true(got >= exact);
		assert_true((double)(got - exact) <= (double)exact / 1000 + 1);
	}
	hist_free(&h);
	free(v);
}

/* Shards added bucket by bucket give the one run's histogram exactly. */
static void
test_add_is_exact(void **state)
{
	struct hist	 one, a, b, c;
	int64_t		 x;
	size_t		 i;

	(void)state;
	assert_int_equal(hist_init(&one, HOUR_US, 3), 0);
	assert_int_equal(hist_init(&a, HOUR_US, 3), 0);
	assert_int_equal(hist_init(&b, HOUR_US, 3), 0);
	assert_int_equal(hist_init(&c, 1000, 3), 0);
	for (x = 1; x < 3000000; x = x * 13 / 10 + 1) {
		hist_record(&one, x, 2);
		hist_record(x % 2 ? &a : &b, x, 2);
	}
	assert_int_equal(hist_add(&a, &b), 0);
	assert_int_equal(a.total, one.total);
	assert_int_equal(a.min, one.min);
	assert_int_equal(a.max, one.max);
	for (i = 0; i < one.counts_len; i++)
		assert_int_equal(a.counts[i], one.counts[i]);
	assert_int_equal(hist_percentile(&a, 99), hist_percentile(&one, 99));
	assert_true(hist_mean(&a) == hist_mean(&one));
	assert_int_equal(hist_add(&a, &c), -1);		/* another layout */
	hist_free(&one);
	hist_free(&a);
	hist_free(&b);
	hist_free(&c);
}

/* Past highest: clamped and counted; below 1: 1; empty: zeros. */
static void
test_edges(void **state)
{
	struct hist	 h;

	(void)state;
	assert_int_equal(hist_init(&h, 1000000, 3), 0);
	assert_int_equal(hist_percentile(&h, 50), 0);
	assert_true(hist_mean(&h) == 0);
	hist_record(&h, 5000000, 1);
	hist_record(&h, -3, 1);
	hist_record(&h, 7, 0);
	assert_int_equal(h.total, 2);
	assert_int_equal(h.clamped, 1);
	assert_int_equal(h.max, 1000000);
	assert_int_equal(h.min, 1);
	assert_int_equal(hist_percentile(&h, 100), 1000000);
	assert_int_equal(hist_percentile(&h, 50), 1);
	hist_reset(&h);
	/* Nearest rank, rounded: of 1..10, 55% is the 6th (5.5 rounds up). */
	for (int64_t x = 1; x <= 10; x++)
		hist_record(&h, x, 1);
	assert_int_equal(hist_percentile(&h, 50), 5);
	assert_int_equal(hist_percentile(&h, 55), 6);
	assert_int_equal(hist_percentile(&h, 0), 1);
	hist_reset(&h);
	assert_int_equal(h.total, 0);
	assert_int_equal(hist_percentile(&h, 99), 0);
	hist_free(&h);
}

UNIT_MAIN(
	cmocka_unit_test(test_layout),
	cmocka_unit_test(test_index_round_trip),
	cmocka_unit_test(test_percentiles_within_resolution),
	cmocka_unit_test(test_add_is_exact),
	cmocka_unit_test(test_edges)
)
