/*
 * runner.h - runs scenario files on one event loop and reports on them: the
 * engine behind "run", "serve" and "demo".
 *
 * Directories are searched for *.lua, *.yaml, *.yml and *.smtp, in name
 * order; --shard K/N keeps every Nth file from the Kth; -j N runs N files at
 * once, each in its own Lua state, all on the one loop. Every file has a
 * wall-clock limit, and so has every case inside it.
 *
 * SIGINT and SIGTERM arrive through a signalfd on the loop: the scenarios
 * running are stopped, their sessions closed, and their transcripts (on disk
 * line by line already) end with a note. For "serve" that is the normal way
 * to stop; for "run" the exit code is 128 + the signal number.
 */
#ifndef SMTPRUN_RUNNER_H
#define SMTPRUN_RUNNER_H

#include "scenario.h"

struct run {
	struct scenario_opts	 so;
	const char		*transcript;	/* --transcript */
	const char		*junit;		/* --junit FILE */
	const char		*json;		/* --json FILE */
	int			 tap;		/* --tap */
	int			 jobs;		/* -j N (>= 1) */
	int			 shard_k, shard_n;	/* --shard K/N (0: none) */
	int			 fail_fast;
	double			 file_timeout;	/* --file-timeout, seconds */
	int			 keep_text;	/* transcripts kept in memory */
	int			 interrupt_ok;	/* a signal ends it as a pass */
	/* private */
	int			 tr_dir;
	int			 tr_fd;
};

/* Runs the files (and the scenario files under the directories) given;
 * prints a line per case and a summary. Returns the exit code. */
int	runner_run(struct run *r, char **paths, int npaths);

#endif
