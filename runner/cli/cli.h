/* cli.h - the exit codes every subcommand keeps to. */
#ifndef SMTPRUN_CLI_H
#define SMTPRUN_CLI_H

#include "suite/runner.h"

#define EXIT_PASS	0	/* every scenario passed */
#define EXIT_FAILED	1	/* a scenario failed */
#define EXIT_USAGE	2	/* a usage or setup error */
#define EXIT_SIGNAL	128	/* + the signal that stopped the run */

/* The exit code of a run. */
static inline int
cli_exit(enum run_result rr, int signo)
{
	switch (rr) {
	case RUN_PASSED:
		return EXIT_PASS;
	case RUN_FAILED:
		return EXIT_FAILED;
	case RUN_INTERRUPTED:
		return EXIT_SIGNAL + signo;
	default:
		return EXIT_USAGE;
	}
}

#endif
