/* command.c - what the commands share. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/command.h"
#include "cli/config.h"
#include "cli/env.h"
#include "core/loadstats.h"

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
	    cmd != CMD_CHECK_CLIENT && cmd != CMD_REPORT && config_apply(o) == -1)
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

int
command_script(const struct opts *o, const char *name, const char *rel, char *out)
{
	char	 path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/../scripts/%s", o->r.so.luadir, rel);
	if (realpath(path, out) == NULL) {
		fprintf(stderr, "smtprun %s: cannot find %s: %s\n", name, path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

int
command_var(struct opts *o, const char *name, const char *value)
{
	char		 v[PATH_MAX + 64];
	const char	*own;

	if ((size_t)snprintf(v, sizeof(v), "%s=%s", name, value) >= sizeof(v) ||
	    (own = opts_own(o, v)) == NULL)
		return -1;
	o->vars[o->nvars++] = own;
	return 0;
}

struct threshold *
command_thresholds(const struct opts *o)
{
	struct threshold	*th;
	char			 err[256];
	int			 i;

	if ((th = calloc((size_t)o->nthresholds + 1, sizeof(*th))) == NULL)
		return NULL;
	for (i = 0; i < o->nthresholds; i++)
		th_parse(&th[i], o->thresholds[i], err, sizeof(err));
	return th;
}

void
command_serving(struct opts *o)
{
	o->r.so.set.announce = 1;
	o->r.interrupt_ok = 1;
	o->r.file_timeout = 0;
	o->r.so.set.case_timeout = 0;
}
