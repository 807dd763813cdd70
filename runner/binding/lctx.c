/* lctx.c - what the runner and the binding tell each other about a state. */
#include <lauxlib.h>

#include "binding/lctx.h"

static const char CTX_KEY = 'c';

void
lctx_set(lua_State *L, struct smtp_ctx *ctx)
{
	lua_pushlightuserdata(L, ctx);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &CTX_KEY);
}

struct smtp_ctx *
lctx_get(lua_State *L)
{
	struct smtp_ctx	*ctx;

	lua_rawgetp(L, LUA_REGISTRYINDEX, &CTX_KEY);
	ctx = lua_touserdata(L, -1);
	lua_pop(L, 1);
	if (ctx == NULL)
		luaL_error(L, "smtprun.core used outside smtprun");
	return ctx;
}
