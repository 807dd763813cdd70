/*
 * lerror.h - the errors scenarios raise: tables with a kind, a message, and
 * "at" (the scenario's file:line), printed as "file:line: message".
 *
 * Kinds split in two, and the exit code follows:
 *   failures (exit 1)   expect, auth, tls, timeout, closed, protocol, io,
 *                       golden, script (the script's own error() or assert())
 *   setup errors (2)    setup (nothing to test against: connect failed, a
 *                       required variable missing), usage (the script misuses
 *                       the API)
 * lerr_is_setup() is that rule; Lua asks it through core.is_setup_error.
 *
 * "at" names the first stack frame outside smtprun's own Lua modules, so a
 * failure inside a helper such as s:auth_login() still points at the line of
 * the scenario that called it.
 *
 * Every error smtprun raises goes through lerr_throw: the one raise path. It
 * records the "***" line (when given a transcript), marks the error as
 * recorded, and ends the running task's call, releasing its claim on a
 * session or listener, before it raises.
 */
#ifndef SMTPRUN_LERROR_H
#define SMTPRUN_LERROR_H

#include <stddef.h>

#include <lua.h>

#include "io/transcript.h"

#define LERR_META	"smtprun.error"

/* Records the directory of the shipped modules (frames there are skipped). */
void	lerr_setup(lua_State *L, const char *luadir);
/* Writes "file:line" of the scenario frame running now ("?" if none). */
void	lerr_where(lua_State *L, char *out, size_t len);
/* Pushes a new error table. */
void	lerr_push(lua_State *L, const char *kind, const char *message);
/* Sets a string field of the error table on top of the stack (v may be NULL). */
void	lerr_field(lua_State *L, const char *name, const char *v);
/* Records the message of the error table on top of the stack as a "***"
 * line in tr and sets recorded = "transcript" (for a raise that must do
 * something between the two: lerr_throw(L, NULL) then raises it). */
void	lerr_record(lua_State *L, struct transcript *tr);
/* Raises the error table on top of the stack: first records its message as
 * a "***" line in tr and sets recorded = "transcript" (unless tr is NULL),
 * and ends the running task's call. Never returns. */
int	lerr_throw(lua_State *L, struct transcript *tr);
/* Builds the error with a formatted message and raises it through
 * lerr_throw (recorded in tr first, unless tr is NULL). */
int	lerr_raise_recorded(lua_State *L, struct transcript *tr, const char *kind,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The same, recorded nowhere. */
#define lerr_raise(L, kind, ...)	lerr_raise_recorded((L), NULL, (kind), __VA_ARGS__)
/* Out of memory inside the binding. */
int	lerr_nomem(lua_State *L);
/* True for kinds that mean "setup error" (exit 2). */
int	lerr_is_setup(const char *kind);
/* True when the value at idx is one of our error tables. */
int	lerr_is_ours(lua_State *L, int idx);

#endif
