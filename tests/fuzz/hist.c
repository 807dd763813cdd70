/* hist.c - fuzz the latency histograms (core/hist.c). The first byte picks
 * sigfigs (1-3) and highest; then every 4 bytes are a value. Properties: each
 * value lies in its own equivalent range, a range is a single value below
 * sub_bucket_count and otherwise no wider than 1/sub_bucket_half_count of
 * its lowest value; the totals, min and max are exact; percentiles never
 * fall as p grows and end at the max; two halves added equal the whole. */
#include <string.h>

#include "core/hist.h"
#include "lib/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hist	 all, odd, even;
	uint8_t		 b = fuzz_byte(&data, &size);
	int		 sigfigs = 1 + b % 3;	/* 4 and 5: megabytes per input */
	int64_t		 highest = (int64_t)1 << (8 + (b >> 3) % 32), v, lo, hi, prev, p;
	int64_t		 min = 0, max = 0, n = 0;
	uint32_t	 raw;
	size_t		 i;
	double		 q;

	FUZZ_CHECK(hist_init(&all, highest, sigfigs) == 0);
	FUZZ_CHECK(hist_init(&odd, highest, sigfigs) == 0);
	FUZZ_CHECK(hist_init(&even, highest, sigfigs) == 0);
	for (; size >= 4; data += 4, size -= 4, n++) {
		memcpy(&raw, data, 4);
		v = 1 + (int64_t)raw % highest;
		lo = hist_lowest_equivalent(&all, v);
		hi = hist_highest_equivalent(&all, v);
		FUZZ_CHECK(lo <= v && v <= hi);
		FUZZ_CHECK(lo < all.sub_bucket_count ? lo == hi :
		    (hi - lo + 1) * all.sub_bucket_half_count <= lo);
		hist_record(&all, v, 1);
		hist_record(n % 2 ? &odd : &even, v, 1);
		min = n == 0 || v < min ? v : min;
		max = v > max ? v : max;
	}
	FUZZ_CHECK(all.total == n && all.min == min && all.max == max);
	for (prev = 0, q = 0; q <= 100; q += 12.5) {
		p = hist_percentile(&all, q);
		FUZZ_CHECK(p >= prev && p <= max);
		prev = p;
	}
	FUZZ_CHECK(hist_percentile(&all, 100) == max);
	FUZZ_CHECK(hist_add(&odd, &even) == 0);
	FUZZ_CHECK(odd.total == all.total && odd.min == all.min && odd.max == all.max);
	for (i = 0; i < all.counts_len; i++)
		FUZZ_CHECK(odd.counts[i] == all.counts[i]);
	hist_free(&all);
	hist_free(&odd);
	hist_free(&even);
	return 0;
}
