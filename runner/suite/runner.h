/*
 * runner.h - runs scenario files on one event loop and reports on them: the
 * engine behind "run", "serve" and "demo".
 *
 * The files (suite/files.h) run -j N at once, each in its own Lua state
 * (suite/scenario.h), all on the one loop. Every file has a wall-clock
 * limit, and so has every case inside it.
 *
 * SIGINT and SIGTERM arrive through the loop (io/signals.h): the scenarios
 * running are stopped, their sessions closed, and their transcripts (on disk
 * line by line already) end with a note. For "serve" that is the normal way
 * to stop; otherwise the run ends RUN_INTERRUPTED.
 *
 * A file stuck in a C call past its limit (or past a signal) cannot be
 * stopped: after a grace period the watchdog (suite/watchdog.h) ends the
 * run from its own thread, the reports written with the stuck case as a
 * timeout, and exits with r->exit_code.
 */
#ifndef SMTPRUN_RUNNER_H
#define SMTPRUN_RUNNER_H

#include "suite/scenario.h"

/* How a run ended; the command line makes an exit code of it. */
enum run_result {
	RUN_PASSED,		/* nothing failed (skips and known failures pass) */
	RUN_FAILED,		/* a case failed */
	RUN_SETUP_ERROR,	/* a case could not run, a file could not be
				 * read or a report written */
	RUN_INTERRUPTED		/* a signal stopped it (run.signo) */
};

struct run {
	struct scenario_opts	 so;
	const char		*transcript;	/* --transcript */
	const char		*junit;		/* --junit FILE */
	const char		*json;		/* --json FILE */
	int			 tap;		/* --tap: 13 or 14 (0: human lines) */
	int			 jobs;		/* -j N (>= 1) */
	int			 shard_k, shard_n;	/* --shard K/N (0: none) */
	int			 fail_fast;
	double			 file_timeout;	/* --file-timeout, seconds (0: none) */
	int			 interrupt_ok;	/* a signal ends it as a pass */
	int			 check;		/* smtprun check: verdict lines, and a
						 * VULNERABLE check outranks errors
						 * in the exit code */
	int			 quiet;		/* report only errors (stderr) */
	int			 color_out;	/* colour on stdout (the human report) */
	int			 color_err;	/* colour on stderr (-v) */
	int			 signo;		/* out: the signal, for RUN_INTERRUPTED */
	/* The exit code of a run: the watchdog's last resort exits with it. */
	int			(*exit_code)(enum run_result rr, int signo);
};

/* Runs the files (and the scenario files under the directories) given;
 * prints a line per case and a summary. */
enum run_result runner_run(struct run *r, char **paths, int npaths);

#endif
