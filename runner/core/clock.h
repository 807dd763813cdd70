/* clock.h - the one clock deadlines use: CLOCK_MONOTONIC, in seconds. */
#ifndef SMTPRUN_CLOCK_H
#define SMTPRUN_CLOCK_H

#include <time.h>

static inline double
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
