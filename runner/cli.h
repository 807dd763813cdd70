/* cli.h - the subcommands, and what they share. */
#ifndef SMTPRUN_CLI_H
#define SMTPRUN_CLI_H

/* Exit codes: every scenario passed / one failed / usage or setup error. */
#define EXIT_PASS	0
#define EXIT_FAILED	1
#define EXIT_USAGE	2

int	cmd_run(int argc, char **argv);
int	cmd_serve(int argc, char **argv);
int	cmd_demo(int argc, char **argv);
int	cmd_b64(int argc, char **argv);

/* The directory holding smtprun's Lua modules (smtp.lua), or NULL. */
const char *cli_luadir(void);
/* True when colour may be used on this stream (a TTY, NO_COLOR unset). */
int	cli_color(int fd);

#endif
