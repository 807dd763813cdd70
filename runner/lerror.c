/* lerror.c - the errors scenarios raise. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "lerror.h"

static const char LUADIR_KEY = 'd';

static int
err_tostring(lua_State *L)
{
	lua_getfield(L, 1, "at");
	lua_getfield(L, 1, "message");
	if (lua_isstring(L, -2))
		lua_pushfstring(L, "%s: %s", lua_tostring(L, -2),
		    lua_isstring(L, -1) ? lua_tostring(L, -1) : "?");
	else
		lua_pushstring(L, lua_isstring(L, -1) ? lua_tostring(L, -1) : "error");
	return 1;
}

void
lerr_setup(lua_State *L, const char *luadir)
{
	lua_pushfstring(L, "@%s/", luadir);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &LUADIR_KEY);
	if (luaL_newmetatable(L, LERR_META)) {
		lua_pushcfunction(L, err_tostring);
		lua_setfield(L, -2, "__tostring");
	}
	lua_pop(L, 1);
}

void
lerr_where(lua_State *L, char *out, size_t len)
{
	lua_Debug	 ar;
	const char	*dir;
	size_t		 dlen = 0;
	int		 level;

	lua_rawgetp(L, LUA_REGISTRYINDEX, &LUADIR_KEY);
	dir = lua_tolstring(L, -1, &dlen);
	for (level = 0; lua_getstack(L, level, &ar); level++) {
		lua_getinfo(L, "Sl", &ar);
		if (ar.currentline <= 0 || strcmp(ar.what, "C") == 0)
			continue;
		if (dir != NULL && strncmp(ar.source, dir, dlen) == 0)
			continue;
		snprintf(out, len, "%s:%d", ar.short_src, ar.currentline);
		lua_pop(L, 1);
		return;
	}
	lua_pop(L, 1);
	snprintf(out, len, "?");
}

void
lerr_push(lua_State *L, const char *kind, const char *message)
{
	char	 at[256];

	lerr_where(L, at, sizeof(at));
	lua_createtable(L, 0, 6);
	luaL_setmetatable(L, LERR_META);
	lerr_field(L, "kind", kind);
	lerr_field(L, "message", message);
	lerr_field(L, "at", at);
}

void
lerr_field(lua_State *L, const char *name, const char *v)
{
	if (v == NULL)
		return;
	lua_pushstring(L, v);
	lua_setfield(L, -2, name);
}

int
lerr_throw(lua_State *L)
{
	return lua_error(L);
}

int
lerr_raise(lua_State *L, const char *kind, const char *fmt, ...)
{
	char	 msg[2048];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	lerr_push(L, kind, msg);
	return lua_error(L);
}

int
lerr_is_setup(const char *kind)
{
	return kind != NULL && (strcmp(kind, "setup") == 0 || strcmp(kind, "usage") == 0);
}

int
lerr_argerror(lua_State *L, int arg, const char *extramsg)
{
	lua_Debug	 ar;

	if (!lua_getstack(L, 0, &ar))
		return lerr_raise(L, "usage", "bad argument #%d (%s)", arg, extramsg);
	lua_getinfo(L, "n", &ar);
	if (ar.namewhat != NULL && strcmp(ar.namewhat, "method") == 0 && --arg == 0)
		return lerr_raise(L, "usage", "calling '%s' on bad self (%s)",
		    ar.name ? ar.name : "?", extramsg);
	return lerr_raise(L, "usage", "bad argument #%d to '%s' (%s)", arg,
	    ar.name ? ar.name : "?", extramsg);
}

int
lerr_typeerror(lua_State *L, int arg, const char *tname)
{
	const char	*got = luaL_typename(L, arg);

	return lerr_argerror(L, arg, lua_pushfstring(L, "%s expected, got %s", tname, got));
}

void *
lerr_checkudata(lua_State *L, int arg, const char *tname)
{
	void	*p = luaL_testudata(L, arg, tname);

	if (p == NULL)
		lerr_typeerror(L, arg, tname);
	return p;
}

const char *
lerr_checklstring(lua_State *L, int arg, size_t *len)
{
	const char	*s = lua_type(L, arg) == LUA_TSTRING || lua_type(L, arg) ==
			    LUA_TNUMBER ? lua_tolstring(L, arg, len) : NULL;

	if (s == NULL)
		lerr_typeerror(L, arg, "string");
	return s;
}

const char *
lerr_optlstring(lua_State *L, int arg, const char *def, size_t *len)
{
	if (lua_isnoneornil(L, arg)) {
		if (len != NULL)
			*len = def ? strlen(def) : 0;
		return def;
	}
	return lerr_checklstring(L, arg, len);
}

lua_Number
lerr_checknumber(lua_State *L, int arg)
{
	int		 ok;
	lua_Number	 n = lua_tonumberx(L, arg, &ok);

	if (!ok)
		lerr_typeerror(L, arg, "number");
	return n;
}

int
lerr_checkopts(lua_State *L, int arg)
{
	if (lua_isnoneornil(L, arg))
		return 0;
	if (!lua_istable(L, arg))
		lerr_typeerror(L, arg, "table of options");
	return 1;
}
