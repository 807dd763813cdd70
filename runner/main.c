/* main.c - smtprun: a scriptable SMTP conversation runner. */
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

#ifndef SMTPRUN_VERSION
#define SMTPRUN_VERSION "0.0.0"
#endif

static const char usage[] =
"usage: smtprun COMMAND [options] [ARGS]\n"
"\n"
"Commands:\n"
"  run SCENARIO.lua...      run scenarios against an SMTP server\n"
"  serve SCRIPT.lua         run a server scenario (test an SMTP client)\n"
"  demo [--serve]           the article's server, built in, and its session\n"
"  b64 encode|decode [TEXT] base64, as the SMTP AUTH LOGIN exchange needs it\n"
"  help                     this text\n"
"\n"
"Options:\n"
"  -h, --help               this text ('smtprun COMMAND --help' for a command)\n"
"  -V, --version            the version\n"
"\n"
"See smtprun(1).\n";

static int
has_module(const char *dir)
{
	char		 path[PATH_MAX];
	struct stat	 st;

	if (snprintf(path, sizeof(path), "%s/smtp.lua", dir) >= (int)sizeof(path))
		return 0;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* $SMTPRUN_LUADIR; next to an installed binary (../share/smtprun/lua); the
 * install directory configured at build time; the source tree's lua/. */
const char *
cli_luadir(void)
{
	static char	 found[PATH_MAX];
	char		 exe[PATH_MAX], *slash;
	const char	*env = getenv("SMTPRUN_LUADIR");
	ssize_t		 n;

	if (env != NULL && *env)
		return has_module(env) ? env : NULL;
	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) > 0) {
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL) {
			*slash = '\0';
			if (snprintf(exe + strlen(exe), sizeof(exe) - strlen(exe),
			    "/../share/smtprun/lua") > 0 && realpath(exe, found) != NULL &&
			    has_module(found))
				return found;
		}
	}
#ifdef SMTPRUN_INSTALL_LUADIR
	if (has_module(SMTPRUN_INSTALL_LUADIR))
		return SMTPRUN_INSTALL_LUADIR;
#endif
#ifdef SMTPRUN_SOURCE_LUADIR
	if (has_module(SMTPRUN_SOURCE_LUADIR))
		return SMTPRUN_SOURCE_LUADIR;
#endif
	return NULL;
}

int
cli_color(int fd)
{
	const char	*nc = getenv("NO_COLOR");

	return isatty(fd) && (nc == NULL || *nc == '\0');
}

int
main(int argc, char **argv)
{
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
	if (strcmp(argv[1], "run") == 0)
		return cmd_run(argc - 1, argv + 1);
	if (strcmp(argv[1], "serve") == 0)
		return cmd_serve(argc - 1, argv + 1);
	if (strcmp(argv[1], "demo") == 0)
		return cmd_demo(argc - 1, argv + 1);
	if (strcmp(argv[1], "b64") == 0)
		return cmd_b64(argc - 1, argv + 1);
	fprintf(stderr, "smtprun: unknown command \"%s\"\n%s", argv[1], usage);
	return EXIT_USAGE;
}
