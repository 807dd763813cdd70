/*
 * lerror.h - the errors scenarios raise: tables with a kind, a message, and
 * "at" (the scenario's file:line), printed as "file:line: message".
 *
 * Kinds split in two, and the exit code follows:
 *   failures (exit 1)   expect, auth, timeout, closed, protocol, io
 *   setup errors (2)    setup (nothing to test against: connect failed, a
 *                       required variable missing), usage (the script misuses
 *                       the API)
 * An error the script raises itself (error(), assert()) counts as a failure.
 *
 * "at" names the first stack frame outside smtprun's own Lua modules, so a
 * failure inside a helper such as s:auth_login() still points at the line of
 * the scenario that called it.
 */
#ifndef SMTPRUN_LERROR_H
#define SMTPRUN_LERROR_H

#include <stddef.h>

#include <lua.h>

#define LERR_META	"smtprun.error"

/* Records the directory of the shipped modules (frames there are skipped). */
void	lerr_setup(lua_State *L, const char *luadir);
/* Writes "file:line" of the scenario frame running now ("?" if none). */
void	lerr_where(lua_State *L, char *out, size_t len);
/* Pushes a new error table. */
void	lerr_push(lua_State *L, const char *kind, const char *message);
/* Sets a string field of the error table on top of the stack (v may be NULL). */
void	lerr_field(lua_State *L, const char *name, const char *v);
/* Raises the error table on top of the stack. */
int	lerr_throw(lua_State *L);
/* Builds and raises in one go. */
int	lerr_raise(lua_State *L, const char *kind, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/*
 * Argument checks for smtprun's own functions: like luaL_check* and
 * luaL_argerror (same messages), but misuse raises a "usage" error, so a
 * scenario that calls the API wrongly exits 2, not 1.
 */
int	lerr_argerror(lua_State *L, int arg, const char *extramsg);
int	lerr_typeerror(lua_State *L, int arg, const char *tname);
void	*lerr_checkudata(lua_State *L, int arg, const char *tname);
const char *lerr_checklstring(lua_State *L, int arg, size_t *len);
const char *lerr_optlstring(lua_State *L, int arg, const char *def, size_t *len);
lua_Number lerr_checknumber(lua_State *L, int arg);
/* arg must be a table of options, or absent/nil. Returns 1 for a table. */
int	lerr_checkopts(lua_State *L, int arg);
/* True for kinds that mean "setup error" (exit 2). */
int	lerr_is_setup(const char *kind);

#endif
