/* cli.h - the exit codes every subcommand keeps to. */
#ifndef SMTPRUN_CLI_H
#define SMTPRUN_CLI_H

#define EXIT_PASS	0	/* every scenario passed */
#define EXIT_FAILED	1	/* a scenario failed */
#define EXIT_USAGE	2	/* a usage or setup error */
#define EXIT_SIGNAL	128	/* + the signal that stopped the run */

#endif
