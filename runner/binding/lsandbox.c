/* lsandbox.c - what a scenario may do with the Lua standard library. */
#include <string.h>

#include <lauxlib.h>

#include "binding/lctx.h"
#include "binding/lerror.h"
#include "binding/lsandbox.h"

#define WHY	" is not allowed under --sandbox"

/* ---- always ---- */

static int
no_sethook(lua_State *L)
{
	return lerr_raise(L, "usage", "debug.sethook is not available to scenarios: "
	    "smtprun's time limits (--case-timeout, --file-timeout) and signals "
	    "rely on the hook");
}

static int
exit_scenario(lua_State *L)
{
	const char	*code = lua_isnoneornil(L, 1) ? "" : luaL_tolstring(L, 1, NULL);

	return lerr_raise(L, "script", "os.exit(%s) called: a scenario cannot end the "
	    "run, so it fails here instead (the other cases and files still run, and "
	    "the reports are written)", code);
}

/* t[name] = fn, t on top. */
static void
replace(lua_State *L, const char *name, lua_CFunction fn)
{
	lua_pushcfunction(L, fn);
	lua_setfield(L, -2, name);
}

void
lsandbox_always(lua_State *L)
{
	lua_getglobal(L, "debug");
	replace(L, "sethook", no_sethook);
	lua_pop(L, 1);
	lua_getglobal(L, "os");
	replace(L, "exit", exit_scenario);
	lua_pop(L, 1);
}

/* ---- --sandbox ---- */

/* Upvalue 1: the function's name. */
static int
refuse(lua_State *L)
{
	return lerr_raise(L, "usage", "%s" WHY, lua_tostring(L, lua_upvalueindex(1)));
}

/* t[name] = refuse("prefix.name"), t on top. */
static void
refuse_field(lua_State *L, const char *prefix, const char *name)
{
	lua_pushfstring(L, "%s.%s", prefix, name);
	lua_pushcclosure(L, refuse, 1);
	lua_setfield(L, -2, name);
}

/* The debug library's stand-in: every field refused. */
static int
debug_index(lua_State *L)
{
	const char	*k = lua_tostring(L, 2);

	return lerr_raise(L, "usage", "debug.%s" WHY " (the debug library is not "
	    "available)", k ? k : "?");
}

/* Under --update-golden, a golden transcript: GOLDEN/NAME, one level. */
int
lsandbox_may_write(const struct smtp_settings *set, const char *path)
{
	size_t		 n;
	const char	*rest;

	if (!set->update_golden || set->golden == NULL)
		return 0;
	n = strlen(set->golden);
	if (strncmp(path, set->golden, n) != 0 || path[n] != '/')
		return 0;
	rest = path + n + 1;
	return *rest != '\0' && strchr(rest, '/') == NULL && strcmp(rest, ".") != 0 &&
	    strcmp(rest, "..") != 0;
}

/* Calls upvalue 1 with the arguments; returns its results. */
static int
pass_on(lua_State *L)
{
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
	return lua_gettop(L);
}

/* io.open(path, mode): upvalue the original. Writing is refused even under
 * the golden directory: golden copies are written by smtprun's own
 * core.write_file, which refuses links (io/outfile.h); fopen follows them. */
static int
sandboxed_open(lua_State *L)
{
	const char	*mode = luaL_optstring(L, 2, "r");

	luaL_checkstring(L, 1);
	if (strpbrk(mode, "wa+") != NULL)
		return lerr_raise(L, "usage", "io.open for writing" WHY);
	return pass_on(L);
}

/* io.output(name) opens a file for writing; io.output(file) does not. */
static int
sandboxed_output(lua_State *L)
{
	if (lua_type(L, 1) == LUA_TSTRING)
		return lerr_raise(L, "usage", "io.output with a file name (it opens the "
		    "file for writing)" WHY);
	return pass_on(L);
}

/* After load or loadfile in mode "t": nil and a message saying a binary
 * chunk was refused becomes an error naming the function. */
static int
text_only_result(lua_State *L, const char *fn)
{
	const char	*msg;

	if (lua_isnil(L, 1) && (msg = lua_tostring(L, 2)) != NULL &&
	    strstr(msg, "attempt to load a binary chunk") != NULL)
		return lerr_raise(L, "usage", "%s of a binary chunk" WHY, fn);
	return lua_gettop(L);
}

/* The original (upvalue 1) with argument idx, the mode, set to "t". */
static int
text_mode(lua_State *L, int idx, const char *fn)
{
	if (lua_gettop(L) < idx)
		lua_settop(L, idx);
	lua_pushliteral(L, "t");
	lua_replace(L, idx);
	pass_on(L);
	return text_only_result(L, fn);
}

/* load(chunk, name, mode, env) */
static int
sandboxed_load(lua_State *L)
{
	return text_mode(L, 3, "load");
}

/* loadfile(name, mode, env) */
static int
sandboxed_loadfile(lua_State *L)
{
	return text_mode(L, 2, "loadfile");
}

static int
dofile_k(lua_State *L, int status, lua_KContext ctx)
{
	(void)status;
	(void)ctx;
	return lua_gettop(L) - 1;
}

/* dofile(name), text only (may yield, as the original). */
static int
sandboxed_dofile(lua_State *L)
{
	const char	*name = luaL_optstring(L, 1, NULL);

	lua_settop(L, 1);
	if (luaL_loadfilex(L, name, "t") != LUA_OK) {
		if (strstr(lua_tostring(L, -1), "attempt to load a binary chunk") != NULL)
			return lerr_raise(L, "usage", "dofile of a binary chunk" WHY);
		return lua_error(L);
	}
	lua_callk(L, 0, LUA_MULTRET, 0, dofile_k);
	return dofile_k(L, LUA_OK, 0);
}

/* require's searcher for Lua files, text only: upvalue 1 package. */
static int
text_searcher(lua_State *L)
{
	const char	*name = luaL_checkstring(L, 1), *file;

	lua_getfield(L, lua_upvalueindex(1), "searchpath");
	lua_pushstring(L, name);
	lua_getfield(L, lua_upvalueindex(1), "path");
	lua_call(L, 2, 2);
	if (lua_isnil(L, -2))
		return 1;		/* the places it looked */
	lua_pop(L, 1);
	file = lua_tostring(L, -1);
	if (luaL_loadfilex(L, file, "t") != LUA_OK) {
		if (strstr(lua_tostring(L, -1), "attempt to load a binary chunk") != NULL)
			return lerr_raise(L, "usage", "require of a binary chunk (module "
			    "'%s')" WHY, name);
		return luaL_error(L, "error loading module '%s' from file '%s':\n\t%s",
		    name, file, lua_tostring(L, -1));
	}
	lua_pushstring(L, file);
	return 2;
}

/* Replaces t[name] (t on top) with fn, the original as upvalue 1 and
 * extra (may be NULL) as upvalue 2. */
static void
wrap(lua_State *L, const char *name, lua_CFunction fn, void *extra)
{
	lua_getfield(L, -1, name);
	lua_pushlightuserdata(L, extra);
	lua_pushcclosure(L, fn, 2);
	lua_setfield(L, -2, name);
}

static void
sandbox_package(lua_State *L)
{
	lua_getglobal(L, "package");
	refuse_field(L, "package", "loadlib");
	lua_pushliteral(L, "");
	lua_setfield(L, -2, "cpath");
	/* The preload searcher, then Lua files as text; no C searchers. */
	lua_createtable(L, 2, 0);
	lua_getfield(L, -2, "searchers");
	lua_rawgeti(L, -1, 1);
	lua_rawseti(L, -3, 1);
	lua_pop(L, 1);
	lua_pushvalue(L, -2);
	lua_pushcclosure(L, text_searcher, 1);
	lua_rawseti(L, -2, 2);
	lua_setfield(L, -2, "searchers");
	/* require "debug" gives the stand-in too. */
	lua_getfield(L, -1, "loaded");
	lua_getglobal(L, "debug");
	lua_setfield(L, -2, "debug");
	lua_pop(L, 2);
}

void
lsandbox_open(lua_State *L)
{
	static const char *const os_refused[] = { "execute", "exit", "remove", "rename",
	    "tmpname", NULL };
	static const char *const io_refused[] = { "popen", "tmpfile", NULL };
	const char *const *p;

	lua_getglobal(L, "os");
	for (p = os_refused; *p; p++)
		refuse_field(L, "os", *p);
	lua_pop(L, 1);

	lua_getglobal(L, "io");
	for (p = io_refused; *p; p++)
		refuse_field(L, "io", *p);
	wrap(L, "open", sandboxed_open, NULL);
	wrap(L, "output", sandboxed_output, NULL);
	lua_pop(L, 1);

	lua_pushglobaltable(L);
	wrap(L, "load", sandboxed_load, NULL);
	wrap(L, "loadfile", sandboxed_loadfile, NULL);
	lua_pushcfunction(L, sandboxed_dofile);
	lua_setfield(L, -2, "dofile");
	/* The debug library: a table that refuses every field. */
	lua_newtable(L);
	lua_createtable(L, 0, 2);
	lua_pushcfunction(L, debug_index);
	lua_setfield(L, -2, "__index");
	lua_pushcfunction(L, debug_index);
	lua_setfield(L, -2, "__newindex");
	lua_pushliteral(L, "the debug library is not available under --sandbox");
	lua_setfield(L, -2, "__metatable");
	lua_setmetatable(L, -2);
	lua_setfield(L, -2, "debug");
	lua_pop(L, 1);

	sandbox_package(L);
}
