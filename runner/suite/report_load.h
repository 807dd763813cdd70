/* report_load.h - the report of a load run: for people, and as JSON. */
#ifndef SMTPRUN_REPORT_LOAD_H
#define SMTPRUN_REPORT_LOAD_H

#include <stdio.h>

#include "core/loadstats.h"

struct load_report {
	const char		*scenario;	/* path, or "merged" */
	const char		*target;	/* "host:port" or NULL */
	int			 shard_k, shard_n;	/* 0: none */
	const struct threshold	*th;
	size_t			 nth;
	int			 color;
};

/* The human report; returns how many thresholds failed. */
int	load_report_print(FILE *f, const struct load_stats *st, const struct load_report *r);
int	load_report_write_json(const char *path, const struct load_stats *st,
	    const struct load_report *r, char *err, size_t errlen);
int	load_report_read_json(const char *path, struct load_stats *st, char *scenario,
	    size_t scenlen, char *err, size_t errlen);

#endif
