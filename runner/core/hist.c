/* hist.c - log-bucketed histograms in HdrHistogram's layout. */
#include <stdlib.h>
#include <string.h>

#include "core/hist.h"

/* The number of bits needed to hold v (v > 0). */
static int
bits(int64_t v)
{
	return 64 - __builtin_clzll((unsigned long long)v);
}

int
hist_init(struct hist *h, int64_t highest, int sigfigs)
{
	int64_t	 single, smallest_untrackable;
	int	 sub_bucket_count_magnitude, buckets;

	memset(h, 0, sizeof(*h));
	if (highest < 2 || sigfigs < 1 || sigfigs > 5)
		return -1;
	h->sigfigs = sigfigs;
	/* Values up to `single` are kept exactly: 2 * 10^sigfigs. */
	for (single = 2; sigfigs-- > 0; )
		single *= 10;
	sub_bucket_count_magnitude = bits(single - 1);
	h->sub_bucket_half_count_magnitude = sub_bucket_count_magnitude - 1;
	h->sub_bucket_count = 1 << sub_bucket_count_magnitude;
	h->sub_bucket_half_count = h->sub_bucket_count / 2;
	h->sub_bucket_mask = (int64_t)h->sub_bucket_count - 1;
	/* Buckets double the range each, from sub_bucket_count up. */
	smallest_untrackable = h->sub_bucket_count;
	for (buckets = 1; smallest_untrackable <= highest; buckets++) {
		if (smallest_untrackable > INT64_MAX / 2) {
			buckets++;
			break;
		}
		smallest_untrackable <<= 1;
	}
	h->bucket_count = buckets;
	h->counts_len = (size_t)(buckets + 1) * (size_t)h->sub_bucket_half_count;
	h->highest = highest;
	h->counts = calloc(h->counts_len, sizeof(*h->counts));
	return h->counts ? 0 : -1;
}

void
hist_free(struct hist *h)
{
	free(h->counts);
	h->counts = NULL;
}

void
hist_reset(struct hist *h)
{
	if (h->counts != NULL)
		memset(h->counts, 0, h->counts_len * sizeof(*h->counts));
	h->total = h->min = h->max = h->clamped = 0;
	h->sum = 0;
}

static int
bucket_index(const struct hist *h, int64_t v)
{
	return bits(v | h->sub_bucket_mask) - (h->sub_bucket_half_count_magnitude + 1);
}

static size_t
counts_index(const struct hist *h, int64_t v)
{
	int	 bi = bucket_index(h, v);
	int64_t	 sbi = v >> bi;

	return (size_t)(((int64_t)(bi + 1) << h->sub_bucket_half_count_magnitude) +
	    (sbi - h->sub_bucket_half_count));
}

int64_t
hist_index_value(const struct hist *h, size_t i)
{
	int64_t	 bi = ((int64_t)i >> h->sub_bucket_half_count_magnitude) - 1;
	int64_t	 sbi = ((int64_t)i & (h->sub_bucket_half_count - 1)) + h->sub_bucket_half_count;

	if (bi < 0) {
		sbi -= h->sub_bucket_half_count;
		bi = 0;
	}
	return sbi << bi;
}

int64_t
hist_lowest_equivalent(const struct hist *h, int64_t v)
{
	int	 bi = bucket_index(h, v);

	return (v >> bi) << bi;
}

int64_t
hist_highest_equivalent(const struct hist *h, int64_t v)
{
	int	 bi = bucket_index(h, v);
	int64_t	 sbi = v >> bi;
	int	 adjusted = sbi >= h->sub_bucket_count ? bi + 1 : bi;

	return hist_lowest_equivalent(h, v) + ((int64_t)1 << adjusted) - 1;
}

void
hist_record(struct hist *h, int64_t value, int64_t n)
{
	if (n <= 0)
		return;
	if (value < 1)
		value = 1;
	if (value > h->highest) {
		value = h->highest;
		h->clamped += n;
	}
	h->counts[counts_index(h, value)] += n;
	if (h->total == 0 || value < h->min)
		h->min = value;
	if (value > h->max)
		h->max = value;
	h->total += n;
	h->sum += (double)value * (double)n;
}

int
hist_add(struct hist *dst, const struct hist *src)
{
	size_t	 i;

	if (dst->counts_len != src->counts_len || dst->highest != src->highest ||
	    dst->sub_bucket_count != src->sub_bucket_count)
		return -1;
	for (i = 0; i < src->counts_len; i++)
		dst->counts[i] += src->counts[i];
	if (src->total > 0) {
		if (dst->total == 0 || src->min < dst->min)
			dst->min = src->min;
		if (src->max > dst->max)
			dst->max = src->max;
	}
	dst->total += src->total;
	dst->clamped += src->clamped;
	dst->sum += src->sum;
	return 0;
}

int64_t
hist_percentile(const struct hist *h, double p)
{
	int64_t	 want, seen = 0, v;
	size_t	 i;

	if (h->total == 0)
		return 0;
	if (p < 0)
		p = 0;
	if (p > 100)
		p = 100;
	want = (int64_t)(p / 100 * (double)h->total + 0.5);
	if (want < 1)
		want = 1;
	for (i = 0; i < h->counts_len; i++) {
		seen += h->counts[i];
		if (seen >= want) {
			v = hist_highest_equivalent(h, hist_index_value(h, i));
			/* Never past what was recorded: the exact max is known. */
			return v > h->max ? h->max : v;
		}
	}
	return h->max;
}

double
hist_mean(const struct hist *h)
{
	return h->total ? h->sum / (double)h->total : 0;
}
