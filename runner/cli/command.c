/* command.c - what run, serve and demo share. */
#include <stdio.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/command.h"
#include "cli/config.h"
#include "cli/env.h"

int
command_start(struct opts *o, enum cmd cmd, int argc, char **argv, const char *usage)
{
	int	 rc;

	if (opts_init(o, cmd, argc) == -1) {
		fprintf(stderr, "smtprun: out of memory\n");
		opts_free(o);
		return EXIT_USAGE;
	}
	if ((rc = opts_parse(o, argc, argv, usage)) == -1 && cmd != CMD_DEMO &&
	    cmd != CMD_CHECK_CLIENT && config_apply(o) == -1)
		rc = EXIT_USAGE;
	if (rc != -1)
		opts_free(o);
	return rc;
}

/* The exit code of a run. */
static int
exit_code(enum run_result rr, int signo)
{
	switch (rr) {
	case RUN_PASSED:
		return EXIT_PASS;
	case RUN_FAILED:
		return EXIT_FAILED;
	case RUN_INTERRUPTED:
		return EXIT_SIGNAL + signo;
	default:
		return EXIT_USAGE;
	}
}

int
command_run(struct opts *o, char **files, int nfiles)
{
	enum run_result	 rr;
	int		 signo;

	o->r.color_out = env_color(STDOUT_FILENO);
	o->r.color_err = env_color(STDERR_FILENO);
	o->r.exit_code = exit_code;
	rr = runner_run(&o->r, files, nfiles);
	signo = o->r.signo;
	opts_free(o);
	return exit_code(rr, signo);
}

int
command_usage(struct opts *o, const char *why, const char *usage)
{
	fprintf(stderr, "%s\n%s", why, usage);
	opts_free(o);
	return EXIT_USAGE;
}
