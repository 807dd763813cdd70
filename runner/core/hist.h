/*
 * hist.h - latency histograms for load mode (issue 12): log-bucketed, with
 * bounded memory whatever the run length, in HdrHistogram's layout (so that
 * a later --hdr-log can write them as HdrHistogram interval logs, and
 * `report merge` can add runs bucket by bucket, exact to the bucket).
 *
 * Pure: no I/O. Values are whole units (load mode records microseconds)
 * from 1 to `highest`; each is kept with `sigfigs` significant decimal
 * digits: any value reported stands for a range of recorded values no wider
 * than 1 part in 10^sigfigs of them. Values past `highest` are clamped to it
 * and counted in `clamped`.
 */
#ifndef SMTPRUN_HIST_H
#define SMTPRUN_HIST_H

#include <stddef.h>
#include <stdint.h>

struct hist {
	int64_t		 highest;	/* the largest value tracked */
	int		 sigfigs;	/* 1 to 5 */
	int		 sub_bucket_half_count_magnitude;
	int64_t		 sub_bucket_half_count;
	int64_t		 sub_bucket_mask;
	int		 sub_bucket_count;
	int		 bucket_count;
	size_t		 counts_len;
	int64_t		*counts;
	int64_t		 total;		/* values recorded */
	int64_t		 min, max;	/* exact; 0 when empty */
	int64_t		 clamped;	/* values above highest, recorded as it */
	double		 sum;		/* for the mean */
};

/* Sets up h for 1..highest (>= 2) at sigfigs (1-5). Returns 0, or -1 (bad
 * arguments, or out of memory). */
int	hist_init(struct hist *h, int64_t highest, int sigfigs);
void	hist_free(struct hist *h);
void	hist_reset(struct hist *h);
/* Records value (values below 1 count as 1), n times. */
void	hist_record(struct hist *h, int64_t value, int64_t n);
/* Adds every count of src to dst; both made with the same highest and
 * sigfigs. Returns 0, or -1 when they differ. */
int	hist_add(struct hist *dst, const struct hist *src);
/* The value at percentile p (0-100): the highest value equivalent to the
 * recorded value below which p% of the values fall; 0 when empty. */
int64_t	hist_percentile(const struct hist *h, double p);
double	hist_mean(const struct hist *h);
/* The range of values that count as v: [lowest, highest]. */
int64_t	hist_lowest_equivalent(const struct hist *h, int64_t v);
int64_t	hist_highest_equivalent(const struct hist *h, int64_t v);
/* Bucket access for writers and mergers: counts[i] stands for the values
 * equivalent to hist_index_value(h, i). */
int64_t	hist_index_value(const struct hist *h, size_t i);

#endif
