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
	char		 script[PATH_MAX];
	char		*files[1];
	int		 rc;

	if ((rc = command_start(&o, CMD_DEMO, argc, argv, usage)) != -1)
		return rc;
	if (optind != argc)
		return command_usage(&o, "smtprun demo: no operands", usage);
	if (command_script(&o, "demo", o.serve ? "article-server.lua" :
	    "article-auth-login.lua", script) == -1 || command_var(&o, "user", o.user) == -1 ||
	    command_var(&o, "password", o.password) == -1) {
		opts_free(&o);
		return EXIT_USAGE;
	}
	files[0] = script;
	o.r.so.set.announce = 1;
	if (o.serve)
		command_serving(&o);
	else {
		o.r.so.live = 1;
		o.r.so.prelude = "smtp.demo";
	}
	return command_run(&o, files, 1);
}
