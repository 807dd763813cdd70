/*
 * report.h - what a run tells the world, case by case: the human lines on
 * stdout (or TAP there, with --tap), JUnit XML (--junit FILE) and JSON
 * Lines (--json FILE). Cases arrive as their scenario finishes; summaries,
 * the TAP plan and the JUnit document are written at the end. Each format
 * is a table of functions (suite/report_format.h).
 */
#ifndef SMTPRUN_REPORT_H
#define SMTPRUN_REPORT_H

#include "suite/report_format.h"
#include "suite/scenario.h"

#define REPORT_FORMATS	3	/* formats at once: stdout's, JUnit, JSON */

struct report {
	const struct report_format *fmt[REPORT_FORMATS];
	void			*st[REPORT_FORMATS];
	int			 nfmt;
	struct report_totals	 t;
	double			 t0;
};

/* Opens the formats asked for: first those that write a file (a path that
 * cannot be written fails before anything reaches stdout), then stdout's,
 * unless listing. Returns 0, or -1 (said on stderr; nothing opened). */
int	report_open(struct report *rp, const struct report_options *o);
/* Every case of a finished scenario (or the file itself, as one case). */
void	report_scenario(struct report *rp, const struct scenario *sc);
/* The summary, the TAP plan and the report files; frees the formats.
 * Returns 0, or -1 when a report file could not be written (said). */
int	report_close(struct report *rp, int interrupted);
/* Frees the formats, writing nothing (the run never began, or listed). */
void	report_abort(struct report *rp);

#endif
