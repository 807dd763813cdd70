/*
 * report.h - what a run tells the world, case by case: the human lines on
 * stdout (or TAP version 14 there, with --tap), JUnit XML (--junit FILE) and
 * JSON Lines (--json FILE). Cases arrive as their scenario finishes; the
 * summary, the TAP plan and the JUnit document are written at the end.
 */
#ifndef SMTPRUN_REPORT_H
#define SMTPRUN_REPORT_H

#include <stdio.h>

#include "buf.h"
#include "scenario.h"

struct report {
	int		 color;		/* human lines in colour */
	int		 live;		/* transcripts went to stderr already */
	int		 tap;		/* TAP on stdout instead of human lines */
	const char	*junit_path;
	FILE		*json;		/* JSON Lines, or NULL */
	/* tallies */
	int		 n[6];		/* by enum outcome */
	int		 total;
	int		 files;
	struct buf	 junit;		/* <testsuite> elements so far */
	double		 t0;
};

void	report_init(struct report *rp);
/* Every case of a finished scenario (or the file itself, as one case). */
void	report_scenario(struct report *rp, const struct scenario *sc);
/* The summary (human or TAP plan) and the JUnit file. Returns 0, or -1 when
 * a report file could not be written (said on stderr). */
int	report_finish(struct report *rp, int interrupted);
void	report_free(struct report *rp);

#endif
