/* lerror.c - the errors scenarios raise, and the one path that raises them. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "binding/lerror.h"
#include "binding/task.h"

#define LERR_MSG_MAX	2048	/* a formatted message */

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

void
lerr_record(lua_State *L, struct transcript *tr)
{
	size_t		 n;
	const char	*msg;

	if (tr != NULL && lua_istable(L, -1)) {
		lua_getfield(L, -1, "message");
		msg = lua_tolstring(L, -1, &n);
		tr_text(tr, TR_ERROR, msg ? msg : "(error)", msg ? n : 7);
		lua_pop(L, 1);
		lerr_field(L, "recorded", "transcript");
	}
}

int
lerr_throw(lua_State *L, struct transcript *tr)
{
	lerr_record(L, tr);
	task_call_end(task_current(L));
	return lua_error(L);
}

int
lerr_raise_recorded(lua_State *L, struct transcript *tr, const char *kind,
    const char *fmt, ...)
{
	char	 msg[LERR_MSG_MAX];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	lerr_push(L, kind, msg);
	return lerr_throw(L, tr);
}

int
lerr_nomem(lua_State *L)
{
	task_call_end(task_current(L));
	return luaL_error(L, "out of memory");
}

int
lerr_is_setup(const char *kind)
{
	return kind != NULL && (strcmp(kind, "setup") == 0 || strcmp(kind, "usage") == 0);
}

int
lerr_is_ours(lua_State *L, int idx)
{
	int	 ours = 0;

	if (lua_istable(L, idx) && lua_getmetatable(L, idx)) {
		luaL_getmetatable(L, LERR_META);
		ours = lua_rawequal(L, -1, -2);
		lua_pop(L, 2);
	}
	return ours;
}
