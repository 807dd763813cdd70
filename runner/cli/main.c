/* main.c - smtprun: a scriptable SMTP conversation runner. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmd_b64.h"
#include "cli/cmd_check.h"
#include "cli/cmd_check_client.h"
#include "cli/cmd_demo.h"
#include "cli/cmd_load.h"
#include "cli/cmd_report.h"
#include "cli/cmd_run.h"
#include "cli/cmd_serve.h"

#ifndef SMTPRUN_VERSION
#define SMTPRUN_VERSION "0.0.0"
#endif

/* The subcommands: a new one is a cmd_*.c file and a line here. */
static const struct command {
	const char	*name;
	int		(*fn)(int argc, char **argv);
} COMMANDS[] = {
	{ "run", cmd_run },
	{ "serve", cmd_serve },
	{ "demo", cmd_demo },
	{ "check", cmd_check },
	{ "check-client", cmd_check_client },
	{ "load", cmd_load },
	{ "b64", cmd_b64 },
	{ "report", cmd_report },
};

static const char usage[] =
"usage: smtprun COMMAND [options] [ARGS]\n"
"\n"
"Commands:\n"
"  run SCENARIO.lua...      run scenarios against an SMTP server\n"
"  serve SCRIPT.lua         run a server scenario (test an SMTP client)\n"
"  demo [--serve]           the article's server, built in, and its session\n"
"  check [--server H:P]     security checks of a server, a verdict each\n"
"  check-client --listen HOST:PORT\n"
"                           judge the SMTP clients that connect (security)\n"
"  b64 encode|decode [TEXT] base64, as the SMTP AUTH LOGIN exchange needs it\n"
"  report merge A.json B.json...\n"
"                           the JSON reports of load runs (shards) as one\n"
"  help                     this text\n"
"\n"
"Options:\n"
"  -h, --help               this text ('smtprun COMMAND --help' for a command)\n"
"  -V, --version            the version\n"
"\n"
"See smtprun(1).\n";

int
main(int argc, char **argv)
{
	size_t	 i;

	/* Writes to a closed socket report EPIPE instead of killing us. */
	signal(SIGPIPE, SIG_IGN);

	if (argc < 2) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		fputs(usage, stdout);
		return EXIT_PASS;
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("smtprun %s\n", SMTPRUN_VERSION);
		return EXIT_PASS;
	}
	for (i = 0; i < sizeof(COMMANDS) / sizeof(COMMANDS[0]); i++)
		if (strcmp(argv[1], COMMANDS[i].name) == 0)
			return COMMANDS[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "smtprun: unknown command \"%s\"\n%s", argv[1], usage);
	return EXIT_USAGE;
}
