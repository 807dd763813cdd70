/* largs.c - arguments and options of smtprun's Lua functions, checked. */
#include <string.h>

#include <lauxlib.h>

#include "binding/largs.h"
#include "binding/lerror.h"

#define SIZE_MIN_BYTES	16
#define SIZE_MAX_BYTES	(1024 * 1024 * 1024)

int
larg_error(lua_State *L, int arg, const char *extramsg)
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
larg_typeerror(lua_State *L, int arg, const char *tname)
{
	const char	*got = luaL_typename(L, arg);

	return larg_error(L, arg, lua_pushfstring(L, "%s expected, got %s", tname, got));
}

void *
larg_checkudata(lua_State *L, int arg, const char *tname)
{
	void	*p = luaL_testudata(L, arg, tname);

	if (p == NULL)
		larg_typeerror(L, arg, tname);
	return p;
}

const char *
larg_checklstring(lua_State *L, int arg, size_t *len)
{
	const char	*s = lua_type(L, arg) == LUA_TSTRING || lua_type(L, arg) ==
			    LUA_TNUMBER ? lua_tolstring(L, arg, len) : NULL;

	if (s == NULL)
		larg_typeerror(L, arg, "string");
	return s;
}

const char *
larg_optlstring(lua_State *L, int arg, const char *def, size_t *len)
{
	if (lua_isnoneornil(L, arg)) {
		if (len != NULL)
			*len = def ? strlen(def) : 0;
		return def;
	}
	return larg_checklstring(L, arg, len);
}

lua_Number
larg_checknumber(lua_State *L, int arg)
{
	int		 ok;
	lua_Number	 n = lua_tonumberx(L, arg, &ok);

	if (!ok)
		larg_typeerror(L, arg, "number");
	return n;
}

int
larg_opts(lua_State *L, int arg)
{
	if (lua_isnoneornil(L, arg))
		return 0;
	if (!lua_istable(L, arg))
		larg_typeerror(L, arg, "table of options");
	return arg;
}

double
larg_timeout(lua_State *L, int opts, double dflt)
{
	double	 t;

	if (opts == 0 || !lua_istable(L, opts))
		return dflt;
	switch (lua_getfield(L, opts, "timeout")) {
	case LUA_TNIL:
		lua_pop(L, 1);
		return dflt;
	case LUA_TNUMBER:
		t = lua_tonumber(L, -1);
		lua_pop(L, 1);
		if (t > 0)
			return t;
		/* FALLTHROUGH */
	default:
		return lerr_raise(L, "usage", "timeout must be a positive number of seconds");
	}
}

size_t
larg_size_from(lua_State *L, int opts, const char *name, size_t dflt, size_t lo)
{
	lua_Integer	 v;
	int		 isnum;

	if (opts == 0)
		return dflt;
	if (lua_getfield(L, opts, name) == LUA_TNIL) {
		lua_pop(L, 1);
		return dflt;
	}
	v = lua_tointegerx(L, -1, &isnum);
	if (!isnum || v < (lua_Integer)lo || v > SIZE_MAX_BYTES)
		lerr_raise(L, "usage", "%s must be a number of bytes (%zu to 1 GiB)", name, lo);
	lua_pop(L, 1);
	return (size_t)v;
}

size_t
larg_size(lua_State *L, int opts, const char *name, size_t dflt)
{
	return larg_size_from(L, opts, name, dflt, SIZE_MIN_BYTES);
}

const char *
larg_string(lua_State *L, int opts, const char *name)
{
	if (opts == 0 || lua_getfield(L, opts, name) == LUA_TNIL)
		return NULL;
	if (lua_type(L, -1) != LUA_TSTRING)
		lerr_raise(L, "usage", "option %s must be a string", name);
	return lua_tostring(L, -1);
}

void
larg_class(lua_State *L, const char *meta, const luaL_Reg *metamethods,
    const luaL_Reg *const *methods)
{
	luaL_newmetatable(L, meta);
	if (metamethods != NULL)
		luaL_setfuncs(L, metamethods, 0);
	if (methods == NULL) {
		lua_pop(L, 1);
		return;
	}
	lua_newtable(L);
	for (; *methods != NULL; methods++)
		luaL_setfuncs(L, *methods, 0);
	lua_pushvalue(L, -1);
	lua_setfield(L, -3, "__index");
	lua_remove(L, -2);
}

int
larg_pushbuf(lua_State *L, struct buf *b, int rc)
{
	if (rc != 0 || buf_ok(b) == -1) {
		buf_free(b);
		return lerr_nomem(L);
	}
	lua_pushlstring(L, b->p ? b->p : "", b->len);
	buf_free(b);
	return 1;
}
