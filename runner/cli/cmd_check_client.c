/* cmd_check_client.c - "smtprun check-client": a server, built in, that
 * judges the SMTP clients connecting to it (scripts/check-client.lua). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cmd_check_client.h"
#include "cli/command.h"

static const char usage[] =
"usage: smtprun check-client --listen HOST:PORT [--once] [--bad-cert]\n"
"                            [--fail 421|451] [--json FILE] [options]\n"
"\n"
"A server that judges the SMTP clients connecting to it. For each client:\n"
"one line per check, VERDICT  check  evidence (SAFE, VULNERABLE or\n"
"INCONCLUSIVE), then a summary line. The checks: starttls-used,\n"
"cert-verified, cleartext-auth, pipelining, line-endings, retry-behaviour.\n"
"\"listening on HOST:PORT\" is printed first.\n"
"\n"
"      --listen HOST:PORT    where to listen (port 0: any free one)\n"
"      --once                exit after the first client: 0 when nothing was\n"
"                            VULNERABLE, 1 when something was (2: a setup\n"
"                            error); without it, serve until SIGINT or\n"
"                            SIGTERM (exit 0)\n"
"      --bad-cert            STARTTLS with a self-signed certificate for\n"
"                            another name (cert-verified)\n"
"      --fail 421|451        fail every MAIL FROM with this code, and count\n"
"                            the client's retries (retry-behaviour)\n"
"      --json FILE           JSON Lines: one object per check per client\n"
"  -D retry_window=SECONDS   how long retries are counted (default 5)\n"
"  -D retry_limit=N          retries allowed in that window (default 3)\n"
"  -D NAME=VALUE             hostname, or a limit of the server role\n"
"                            (max_size, command_timeout, ...)\n"
"  -t, -T, -v, --timestamps, --show-secrets   as for smtprun run\n"
"  -h, --help                this text\n";

int
cmd_check_client(int argc, char **argv)
{
	struct opts	 o;
	char		 script[PATH_MAX];
	char		*files[1], *end;
	long		 port = 0;
	int		 rc;

	if ((rc = command_start(&o, CMD_CHECK_CLIENT, argc, argv, usage)) != -1)
		return rc;
	if (optind != argc)
		return command_usage(&o, "smtprun check-client: no operands", usage);
	if (o.host == NULL)
		return command_usage(&o, "smtprun check-client: give --listen HOST:PORT", usage);
	if (o.port != NULL) {
		errno = 0;
		port = strtol(o.port, &end, 10);
		if (errno || end == o.port || *end != '\0' || port < 0 || port > 65535) {
			fprintf(stderr, "smtprun: bad --listen port \"%s\" (want 0-65535)\n",
			    o.port);
			opts_free(&o);
			return EXIT_USAGE;
		}
	}
	if (o.fail != NULL && strcmp(o.fail, "421") != 0 && strcmp(o.fail, "451") != 0)
		return command_usage(&o, "smtprun check-client: --fail wants 421 or 451",
		    usage);
	if (command_script(&o, "check-client", "check-client.lua", script) == -1) {
		opts_free(&o);
		return EXIT_USAGE;
	}
	/* Given to the script as variables; the JSON is its own, not the
	 * runner's report. */
	if (command_var(&o, "listen_host", o.host) == -1 ||
	    (o.once && command_var(&o, "once", "1") == -1) ||
	    (o.bad_cert && command_var(&o, "bad_cert", "1") == -1) ||
	    (o.fail && command_var(&o, "fail", o.fail) == -1) ||
	    (o.r.json && command_var(&o, "json", o.r.json) == -1)) {
		fprintf(stderr, "smtprun check-client: out of memory (or a path too long)\n");
		opts_free(&o);
		return EXIT_USAGE;
	}
	o.r.json = NULL;
	o.r.so.set.host = NULL;		/* --listen is no target to connect to */
	o.r.so.set.port = NULL;
	o.r.so.set.listen_port = (int)port;
	o.r.quiet = 1;
	command_serving(&o);		/* --once: until a client came */
	files[0] = script;
	return command_run(&o, files, 1);
}
