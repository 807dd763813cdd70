/* cmd_serve.h - "smtprun serve": a server scenario until it ends or a signal. */
#ifndef SMTPRUN_CMD_SERVE_H
#define SMTPRUN_CMD_SERVE_H

/* argv[0] is the subcommand's name. Returns the exit code. */
int	cmd_serve(int argc, char **argv);

#endif
