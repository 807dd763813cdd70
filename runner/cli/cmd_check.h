/* cmd_check.h - "smtprun check": the security checks against a server. */
#ifndef SMTPRUN_CMD_CHECK_H
#define SMTPRUN_CMD_CHECK_H

/* argv[0] is the subcommand's name. Returns the exit code. */
int	cmd_check(int argc, char **argv);

#endif
