/*
 * runner.h - runs scenario files on one event loop and reports on them: the
 * engine behind "run", "serve" and "demo".
 *
 * SIGINT and SIGTERM arrive through a signalfd on the loop: the scenario
 * running is stopped, its sessions closed and its transcript (already on
 * disk, line by line) ends with a note. For "serve" that is the normal way
 * to stop; for "run" the exit code is 128 + the signal number.
 */
#ifndef SMTPRUN_RUNNER_H
#define SMTPRUN_RUNNER_H

#include "scenario.h"

struct run {
	struct scenario_opts	 so;
	const char		*transcript;	/* --transcript */
	int			 interrupt_ok;	/* a signal ends it as a pass */
	/* private */
	int			 tr_dir;
	int			 tr_fd;
};

/* Runs the files in turn; prints a line per scenario and a summary.
 * Returns the exit code. */
int	runner_run(struct run *r, char **files, int nfiles);

#endif
