/*
 * report_format.h - what a report format is. A format is a table of
 * functions (report_human.c, report_tap.c, report_junit.c, report_json.c);
 * suite/report.c drives whichever the command line asked for. To add one:
 * a file that defines its table, and a line in report.c.
 *
 * Text that came from a peer or a script is shown through core/escape.h,
 * the same way in every format, before the format's own quoting.
 */
#ifndef SMTPRUN_REPORT_FORMAT_H
#define SMTPRUN_REPORT_FORMAT_H

#include <stddef.h>

#include "io/transcript.h"
#include "suite/outcome.h"

/* One case of a finished file (or the file itself, name NULL). */
struct report_case {
	const char		*path;
	const char		*name;
	enum outcome		 outcome;
	const char		*message, *kind, *at, *expected, *got, *command;
	double			 elapsed;
	int			 insecure;	/* a TLS session without verification
						 * (-k, verify=false) */
	const struct transcript	*tr;
};

/* What the command line asked for. */
struct report_options {
	int		 color;		/* human lines in colour */
	int		 live;		/* transcripts went to stderr already */
	int		 tap;		/* TAP version (13 or 14) instead of human lines */
	const char	*junit_path;
	const char	*json_path;
	int		 list;		/* --list: the files are opened, nothing is reported */
	int		 check;		/* smtprun check: verdict lines (report_check) */
	int		 quiet;		/* human lines only for errors, on stderr (the
					 * script prints its own results) */
};

/* The tallies, at the end. */
struct report_totals {
	int		 n[OUT_COUNT];	/* cases by outcome */
	int		 cases;
	int		 insecure;	/* cases with TLS not verified */
	int		 files;
	double		 elapsed;	/* seconds since the run began */
	int		 interrupted;	/* a signal stopped the run */
	int		 aborted;	/* the run never began (or only listed): write
					 * nothing, just let go */
};

struct report_format {
	const char	*name;
	size_t		 size;		/* of its state: report.c allocates it zeroed */
	/* Sets up its state for these options; 0, or -1 and why in err. */
	int		 (*open)(void *st, const struct report_options *o, char *err,
			    size_t errlen);
	/* Each case, numbered from 1 in the run, as its file finishes. */
	void		 (*one)(void *st, const struct report_case *c, int seq);
	/* All cases of one file, after one() saw each (may be NULL). */
	void		 (*file)(void *st, const struct report_case *c, size_t n);
	/* Writes the end and lets go of what the state holds (report.c frees
	 * the state itself). Returns 0, or -1 when a file could not be written
	 * (said on stderr). */
	int		 (*close)(void *st, const struct report_totals *t);
};

#endif
