/* cmd_serve.c - "smtprun serve": a server scenario, until it ends or a
 * signal stops it (SIGINT, SIGTERM: a clean stop, exit 0). */
#include <stdio.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cmd_serve.h"
#include "cli/config.h"
#include "cli/env.h"
#include "cli/options.h"

static const char usage[] =
"usage: smtprun serve [options] SCRIPT.lua\n"
"\n"
"Runs a server scenario until it ends, or until SIGINT or SIGTERM (a clean\n"
"stop: sessions closed, transcript complete). smtp.listen{} in the script\n"
"listens on 127.0.0.1 and the --port given; \"listening on HOST:PORT\" is\n"
"printed on standard output once it accepts connections.\n"
"\n"
"  -p, --port N              the default port of smtp.listen (default: any)\n"
"  -D, -t, -T, -v, --timestamps, --show-secrets   as for smtprun run\n"
"  -h, --help                this text\n";

int
cmd_serve(int argc, char **argv)
{
	struct opts	 o;
	enum run_result	 rr;
	int		 rc = EXIT_USAGE;

	if (opts_init(&o, CMD_SERVE, argc) == -1)
		return EXIT_USAGE;
	if ((rc = opts_parse(&o, argc, argv, usage)) != -1)
		goto out;
	rc = EXIT_USAGE;
	if (config_apply(&o) == -1)
		goto out;
	if (optind != argc - 1) {
		fprintf(stderr, "smtprun serve: give one script\n%s", usage);
		goto out;
	}
	o.r.so.announce = 1;
	o.r.interrupt_ok = 1;
	o.r.file_timeout = 0;		/* until it ends, or a signal */
	o.r.color_out = env_color(STDOUT_FILENO);
	o.r.color_err = env_color(STDERR_FILENO);
	rr = runner_run(&o.r, argv + optind, 1);
	rc = cli_exit(rr, o.r.signo);
out:
	opts_free(&o);
	return rc;
}
