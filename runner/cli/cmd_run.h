/* cmd_run.h - "smtprun run": scenario files against a server. */
#ifndef SMTPRUN_CMD_RUN_H
#define SMTPRUN_CMD_RUN_H

/* argv[0] is the subcommand's name. Returns the exit code. */
int	cmd_run(int argc, char **argv);

#endif
