/* cmd_serve.c - "smtprun serve": a server scenario, until it ends or a
 * signal stops it (SIGINT, SIGTERM: a clean stop, exit 0). */
#include <unistd.h>

#include "cli/cmd_serve.h"
#include "cli/command.h"

static const char usage[] =
"usage: smtprun serve [options] SCRIPT.lua\n"
"\n"
"Runs a server scenario until it ends, or until SIGINT or SIGTERM (a clean\n"
"stop: sessions closed, transcript complete). smtp.listen{} in the script\n"
"listens on 127.0.0.1 and the --port given; \"listening on HOST:PORT\" is\n"
"printed on standard output once it accepts connections.\n"
"\n"
"  -p, --port N              the default port of smtp.listen (default: any)\n"
"  -D, -t, -T, -v, --timestamps, --show-secrets, --no-config,\n"
"      --memory-limit, --sandbox\n"
"                            as for smtprun run\n"
"  -h, --help                this text\n";

int
cmd_serve(int argc, char **argv)
{
	struct opts	 o;
	int		 rc;

	if ((rc = command_start(&o, CMD_SERVE, argc, argv, usage)) != -1)
		return rc;
	if (optind != argc - 1)
		return command_usage(&o, "smtprun serve: give one script", usage);
	command_serving(&o);		/* until it ends, or a signal */
	return command_run(&o, argv + optind, 1);
}
