/*
 * largs.h - arguments and options of smtprun's Lua functions, checked.
 *
 * Like luaL_check* and luaL_argerror (the same messages), but misuse raises
 * a "usage" error (binding/lerror.h), so a scenario that calls the API
 * wrongly exits 2, not 1. Option readers take the index of an options table
 * (0: none given) and leave nothing on the stack unless they say so.
 */
#ifndef SMTPRUN_LARGS_H
#define SMTPRUN_LARGS_H

#include <stddef.h>

#include <lua.h>
#include <lauxlib.h>

#include "core/buf.h"

int	larg_error(lua_State *L, int arg, const char *extramsg);
int	larg_typeerror(lua_State *L, int arg, const char *tname);
void	*larg_checkudata(lua_State *L, int arg, const char *tname);
const char *larg_checklstring(lua_State *L, int arg, size_t *len);
const char *larg_optlstring(lua_State *L, int arg, const char *def, size_t *len);
lua_Number larg_checknumber(lua_State *L, int arg);
/* arg must be a table of options, or absent/nil. Returns arg for a table,
 * 0 otherwise: the index the option readers take. */
int	larg_opts(lua_State *L, int arg);

/* opts.timeout (positive seconds), or dflt. */
double	larg_timeout(lua_State *L, int opts, double dflt);
/* A size in bytes (16 B to 1 GiB), or dflt. */
size_t	larg_size(lua_State *L, int opts, const char *name, size_t dflt);
/* The same, with lo as the least value allowed (instead of 16). */
size_t	larg_size_from(lua_State *L, int opts, const char *name, size_t dflt, size_t lo);
/* A string option, or NULL. The value stays on the stack (the caller's
 * lua_settop clears it), so the pointer lives as long as the call. */
const char *larg_string(lua_State *L, int opts, const char *name);

/* Makes the metatable `meta` with these metamethods (may be NULL) and,
 * when methods is not NULL, a table of the methods of each list in it
 * (NULL-terminated) as its __index. Leaves that methods table on the
 * stack, or nothing when there are no methods. */
void	larg_class(lua_State *L, const char *meta, const luaL_Reg *metamethods,
	    const luaL_Reg *const *methods);

/* Pushes b's bytes as a string and frees b; a buffer whose building ran
 * out of memory (or rc != 0) raises instead. */
int	larg_pushbuf(lua_State *L, struct buf *b, int rc);

#endif
