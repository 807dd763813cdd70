/* cmd_b64.h - "smtprun b64": base64, as AUTH LOGIN needs it. */
#ifndef SMTPRUN_CMD_B64_H
#define SMTPRUN_CMD_B64_H

/* argv[0] is the subcommand's name. Returns the exit code. */
int	cmd_b64(int argc, char **argv);

#endif
