/* cmd_demo.c - "smtprun demo": the article's server, built in, and the
 * article's session replayed against it (--serve: the server alone). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cmd_demo.h"
#include "cli/command.h"

#define VAR_MAX		512	/* "user=..." */

static const char usage[] =
"usage: smtprun demo [--serve] [--port N] [--user U] [--password P] [options]\n"
"\n"
"Starts, in this process, a server that behaves like the one in the SMTP-AUTH\n"
"LOGIN article (relaying refused until AUTH LOGIN or PLAIN succeeds), then\n"
"replays the article's session against it and prints the transcript.\n"
"\n"
"      --serve               only run the server, until SIGINT or SIGTERM, for\n"
"                            typing the session by hand (telnet, nc)\n"
"  -p, --port N              the server's port (default: any free one)\n"
"      --user U              the demo account (default " DEMO_USER ")\n"
"      --password P          its password (default " DEMO_PASSWORD ")\n"
"  -D NAME=VALUE             a limit of the server role: max_sessions,\n"
"                            max_size, keep_messages, record_max,\n"
"                            command_timeout, data_timeout,\n"
"                            strict_line_endings, scram_iterations\n"
"  -t, -T, --timestamps, --show-secrets   as for smtprun run\n"
"  -h, --help                this text\n";

int
cmd_demo(int argc, char **argv)
{
	struct opts	 o;
	char		 script[PATH_MAX], path[PATH_MAX], uvar[VAR_MAX], pvar[VAR_MAX];
	char		*files[1];
	int		 rc;

	if ((rc = command_start(&o, CMD_DEMO, argc, argv, usage)) != -1)
		return rc;
	if (optind != argc)
		return command_usage(&o, "smtprun demo: no operands", usage);
	/* The scripts sit next to the modules: <prefix>/scripts, ../scripts. */
	snprintf(path, sizeof(path), "%s/../scripts/%s", o.r.so.luadir,
	    o.serve ? "article-server.lua" : "article-auth-login.lua");
	if (realpath(path, script) == NULL) {
		fprintf(stderr, "smtprun demo: cannot find %s: %s\n", path, strerror(errno));
		opts_free(&o);
		return EXIT_USAGE;
	}
	snprintf(uvar, sizeof(uvar), "user=%s", o.user);
	snprintf(pvar, sizeof(pvar), "password=%s", o.password);
	o.vars[o.nvars++] = uvar;
	o.vars[o.nvars++] = pvar;
	files[0] = script;
	o.r.so.set.announce = 1;
	if (o.serve) {
		o.r.interrupt_ok = 1;
		o.r.file_timeout = 0;
		o.r.so.set.case_timeout = 0;
	} else {
		o.r.so.live = 1;
		o.r.so.prelude = "smtp.demo";
	}
	return command_run(&o, files, 1);
}
