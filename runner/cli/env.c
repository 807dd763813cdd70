/* env.c - what the environment tells the command line. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/env.h"

static int
has_module(const char *dir)
{
	char		 path[PATH_MAX];
	struct stat	 st;

	if (snprintf(path, sizeof(path), "%s/smtp.lua", dir) >= (int)sizeof(path))
		return 0;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* ../share/smtprun/lua next to the running binary, or NULL. */
static const char *
beside_binary(void)
{
	static char	 found[PATH_MAX];
	char		 exe[PATH_MAX], *slash;
	ssize_t		 n;

	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) <= 0)
		return NULL;
	exe[n] = '\0';
	if ((slash = strrchr(exe, '/')) == NULL)
		return NULL;
	*slash = '\0';
	if (snprintf(exe + strlen(exe), sizeof(exe) - strlen(exe),
	    "/../share/smtprun/lua") <= 0 || realpath(exe, found) == NULL ||
	    !has_module(found))
		return NULL;
	return found;
}

const char *
env_luadir(void)
{
	const char	*env = getenv("SMTPRUN_LUADIR"), *dir;

	if (env != NULL && *env)
		return has_module(env) ? env : NULL;
	if ((dir = beside_binary()) != NULL)
		return dir;
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
env_no_config(void)
{
	const char	*v = getenv("SMTPRUN_NO_CONFIG");

	return v != NULL && *v != '\0' && strcmp(v, "0") != 0;
}

int
env_color(int fd)
{
	const char	*nc = getenv("NO_COLOR");

	return isatty(fd) && (nc == NULL || *nc == '\0');
}
