/* cmd_check_client.h - "smtprun check-client": a server judging clients. */
#ifndef SMTPRUN_CMD_CHECK_CLIENT_H
#define SMTPRUN_CMD_CHECK_CLIENT_H

/* argv[0] is the subcommand's name. Returns the exit code. */
int	cmd_check_client(int argc, char **argv);

#endif
