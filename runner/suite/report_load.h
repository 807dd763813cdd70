/*
 * report_load.h - the reports of a load run (issue 12): the human one
 * printed at the end, and the JSON one (--json FILE of `smtprun load`, what
 * `smtprun report merge` reads and writes; docs/cli.md has the format).
 *
 * The JSON keeps every histogram bucket by bucket ("buckets": [[INDEX,
 * COUNT], ...], HdrHistogram's counts index), with the exact min, max and
 * sum, so reading it back rebuilds the stats exactly and reports of shards
 * add up to the run's, exact to the bucket.
 */
#ifndef SMTPRUN_REPORT_LOAD_H
#define SMTPRUN_REPORT_LOAD_H

#include <stddef.h>
#include <stdio.h>

#include "core/loadstats.h"

struct load_report {
	const char		*scenario;	/* path, or "merged" */
	const char		*target;	/* "host:port" or NULL */
	int			 shard_k, shard_n;	/* 0: none */
	const struct threshold	*th;		/* core/loadstats.h */
	size_t			 nth;
	int			 color;		/* ANSI colour on (NO_COLOR decided
						 * by the caller) */
};

/* The human report (stdout at the end of a run): totals (sessions, failed,
 * duration, sessions/s, messages, messages/s, bytes/s), a table of phases
 * with count > 0 (count, p50 p90 p99 p99.9 max in ms), errors by kind and by
 * code, each threshold with ok/FAILED and the measured value. Returns how
 * many thresholds failed (th_check != 1). */
int	load_report_print(FILE *f, const struct load_stats *st,
	    const struct load_report *r);
/* Writes the JSON report to path (io/outfile.h, mode 0600). 0, or -1 with
 * why in err. */
int	load_report_write_json(const char *path, const struct load_stats *st,
	    const struct load_report *r, char *err, size_t errlen);
/* Reads a JSON report and ADDS its stats to st (made with ls_init by the
 * caller; ls_add semantics, so merging is a loop). scenario gets the
 * file's "scenario" ("" when null). 0, or -1 with why in err ("FILE: ...");
 * st is untouched then. */
int	load_report_read_json(const char *path, struct load_stats *st,
	    char *scenario, size_t scenlen, char *err, size_t errlen);
/* The same from text (len bytes, not NUL-terminated); name is what err
 * calls it. */
int	load_report_parse(const char *text, size_t len, const char *name,
	    struct load_stats *st, char *scenario, size_t scenlen, char *err,
	    size_t errlen);

#endif
