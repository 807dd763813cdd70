/* lctx.c - what the runner and the binding tell each other about a state. */
#include <stdio.h>
#include <string.h>

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

const char *
lctx_memory_message(const struct smtp_ctx *ctx, char *buf, size_t len)
{
	snprintf(buf, len, "memory limit of %g MB reached (--memory-limit)",
	    ctx->set.memory_limit);
	return buf;
}

int
lctx_memory_hit(const struct smtp_ctx *ctx, const char *msg)
{
	return ctx->mem_hit && msg != NULL && strcmp(msg, "not enough memory") == 0;
}
