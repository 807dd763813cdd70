/* cmd_load.h - "smtprun load". */
#ifndef SMTPRUN_CMD_LOAD_H
#define SMTPRUN_CMD_LOAD_H

int	cmd_load(int argc, char **argv);

#endif
