/* lctx.c - what the runner and the binding tell each other about a state. */
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "binding/lctx.h"
#include "binding/task.h"

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

struct lowner *
lctx_owner(lua_State *L, const struct smtp_ctx *ctx)
{
	struct task	*t;

	if (ctx->owner_of == NULL || (t = task_current(L)) == NULL)
		return NULL;
	return ctx->owner_of(task_owner(t));
}

struct transcript *
lctx_tr(lua_State *L, const struct smtp_ctx *ctx)
{
	struct lowner	*o = lctx_owner(L, ctx);

	return o != NULL ? o->tr : ctx->tr;
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
