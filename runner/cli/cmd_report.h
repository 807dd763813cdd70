/* cmd_report.h - "smtprun report merge": the JSON reports of load runs
 * (shards) added into one. */
#ifndef SMTPRUN_CMD_REPORT_H
#define SMTPRUN_CMD_REPORT_H

/* argv[0] is the subcommand's name. Returns the exit code. */
int	cmd_report(int argc, char **argv);

#endif
