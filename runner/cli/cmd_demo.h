/* cmd_demo.h - "smtprun demo": the article's server and session. */
#ifndef SMTPRUN_CMD_DEMO_H
#define SMTPRUN_CMD_DEMO_H

/* argv[0] is the subcommand's name. Returns the exit code. */
int	cmd_demo(int argc, char **argv);

#endif
