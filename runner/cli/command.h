/*
 * command.h - what run, serve and demo share: from the command line to a
 * run, and from the run's result to the exit code.
 */
#ifndef SMTPRUN_COMMAND_H
#define SMTPRUN_COMMAND_H

#include "cli/options.h"

/* Defaults, the command line, and (for run and serve) the configuration
 * file. Returns -1 to go on, with the operands from optind; else the exit
 * code, o already freed. */
int	command_start(struct opts *o, enum cmd cmd, int argc, char **argv,
	    const char *usage);
/* Runs the files, frees o, and returns the exit code. */
int	command_run(struct opts *o, char **files, int nfiles);
/* Says why the operands are wrong, frees o, and returns EXIT_USAGE. */
int	command_usage(struct opts *o, const char *why, const char *usage);
/* The real path of rel among the scripts shipped next to the modules
 * (<luadir>/../scripts: ../scripts in the tree, <prefix>/share/smtprun/scripts
 * installed) in out (PATH_MAX bytes); -1, said as name's error, when it is
 * not there. */
int	command_script(const struct opts *o, const char *name, const char *rel, char *out);
/* Adds vars.NAME = value for the scripts (kept until opts_free); -1 when
 * out of memory or too long. */
int	command_var(struct opts *o, const char *name, const char *value);
/* The --threshold options as parsed thresholds (opts_parse checked them),
 * o->nthresholds of them, to free; NULL when out of memory. */
struct threshold *command_thresholds(const struct opts *o);
/* A server that runs until SIGINT or SIGTERM stop it cleanly (exit 0):
 * no file or case time limit, "listening on" announced. */
void	command_serving(struct opts *o);

#endif
