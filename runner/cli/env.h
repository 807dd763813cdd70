/* env.h - what the environment tells the command line: where smtprun's Lua
 * modules are, whether to read ./smtprun.yaml, and whether a stream may
 * have colour. */
#ifndef SMTPRUN_ENV_H
#define SMTPRUN_ENV_H

/* The directory holding smtprun's Lua modules (smtp.lua), or NULL:
 * $SMTPRUN_LUADIR; next to an installed binary (../share/smtprun/lua); the
 * install directory configured at build time; the source tree's lua/. */
const char *env_luadir(void);
/* True when $SMTPRUN_NO_CONFIG says not to read ./smtprun.yaml (set, and
 * neither empty nor "0"). */
int	env_no_config(void);
/* True when colour may be used on this stream (a TTY, NO_COLOR unset). */
int	env_color(int fd);

#endif
