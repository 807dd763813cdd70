/* ltasks.c - concurrency inside a scenario: sleep, spawn, wait_all, run_case. */
#include <math.h>
#include <string.h>

#include <lauxlib.h>

#include "binding/largs.h"
#include "binding/lctx.h"
#include "binding/lerror.h"
#include "binding/ltasks.h"
#include "binding/lwait.h"
#include "binding/task.h"

#define GUARD_META	"smtprun.guard"

/* ---- sleep ---- */

static int
sleep_k(lua_State *L, int status, lua_KContext kctx)
{
	(void)status;
	(void)kctx;
	if (lwait_expired(L))
		return lwait_done(L, 0);
	return lwait_yield(L, NULL, 0, sleep_k);
}

/* smtp.sleep(seconds) */
static int
l_sleep(lua_State *L)
{
	double	 sec = larg_checknumber(L, 1);

	if (!(sec >= 0))
		larg_error(L, 1, "must not be negative");
	lwait_begin(L, NULL, sec);
	lua_settop(L, 0);
	return sleep_k(L, LUA_OK, 0);
}

/* ---- spawn and wait_all ---- */

static void
spawned_done(struct task *t, int status, void *arg)
{
	struct smtp_ctx	*ctx = arg;

	if (status != LUA_OK && ctx->spawn_failed != NULL)
		ctx->spawn_failed(ctx->owner, task_thread(t));
	if (--ctx->nspawned == 0)
		task_wake(ctx->joiner);
}

/* smtp.spawn(fn, ...): runs fn(...) as a task of its own, next to this one.
 * An error in it fails the scenario, as an error here would. */
static int
l_spawn(lua_State *L)
{
	struct smtp_ctx	*ctx = lctx_get(L);
	int		 nargs = lua_gettop(L) - 1;

	if (lua_type(L, 1) != LUA_TFUNCTION)
		return larg_typeerror(L, 1, "function");
	if (task_spawn(ctx->sched, L, nargs, ctx->owner, spawned_done, ctx) == NULL)
		return lerr_nomem(L);
	ctx->nspawned++;
	return 0;
}

/* Stack: 1 opts. */
static int
wait_all_k(lua_State *L, int status, lua_KContext kctx)
{
	struct smtp_ctx	*ctx = lctx_get(L);

	(void)status;
	(void)kctx;
	if (ctx->nspawned == 0)
		return lwait_done(L, 0);
	if (lwait_expired(L))
		return lerr_raise_recorded(L, lctx_tr(L, ctx), "timeout", "timed out after %g s "
		    "waiting for %d spawned task%s", lwait_timeout(L), ctx->nspawned,
		    ctx->nspawned == 1 ? "" : "s");
	return lwait_yield(L, &ctx->joiner, 0, wait_all_k);
}

/* smtp.wait_all([opts]): until every spawned task has finished. */
static int
l_wait_all(lua_State *L)
{
	struct smtp_ctx	*ctx = lctx_get(L);

	if (ctx->joiner != NULL)
		return lerr_raise(L, "usage", "wait_all: another task is already waiting");
	lwait_begin(L, NULL, larg_timeout(L, larg_opts(L, 1), ctx->set.timeout));
	lua_settop(L, 1);
	return wait_all_k(L, LUA_OK, 0);
}

/* ---- run_case ---- */

/*
 * core.run_case(fn, timeout): runs fn() as a task of its own and waits for
 * it, at most timeout seconds. Returns true; or false and the error it
 * raised; or false and "timeout", the task abandoned. Unlike smtp.spawn, an
 * error here belongs to the caller (lua/smtp/testing.lua: one test case).
 */
struct guard {
	struct smtp_ctx	*ctx;
	struct task	*t;		/* NULL once finished or abandoned */
	int		 done;
	int		 status;
	int		 errref;	/* the error value, in the registry */
	void		*waiter;
};

static void
guard_done(struct task *t, int status, void *arg)
{
	struct guard	*g = arg;
	lua_State	*co = task_thread(t);

	g->t = NULL;
	g->done = 1;
	g->status = status;
	/* Not under a protected call here: past a --memory-limit, the
	 * traceback must not fail. */
	g->ctx->mem_relax++;
	/* The script's own error: its traceback, while its stack is there. */
	if (status != LUA_OK && !lua_istable(co, -1) &&
	    !lctx_memory_hit(g->ctx, lua_tostring(co, -1))) {
		luaL_traceback(co, co, lua_tostring(co, -1), 0);
		tr_text(g->ctx->tr, TR_ERROR, lua_tostring(co, -1), lua_rawlen(co, -1));
		lua_pop(co, 1);
	}
	if (status != LUA_OK)
		g->errref = luaL_ref(co, LUA_REGISTRYINDEX);	/* pops the error */
	g->ctx->mem_relax--;
	task_wake(g->waiter);
}

/* The waiter's stack went away (it was abandoned): so does the case task,
 * which would otherwise report to this freed guard. */
static int
guard_gc(lua_State *L)
{
	struct guard	*g = lua_touserdata(L, 1);

	task_kill(g->t);
	g->t = NULL;
	g->ctx->case_deadline = 0;
	if (g->done && g->status != LUA_OK && g->errref != LUA_NOREF) {
		luaL_unref(L, LUA_REGISTRYINDEX, g->errref);
		g->errref = LUA_NOREF;
	}
	return 0;
}

/* Stack: 1 fn, 2 timeout, 3 guard. */
static int
run_case_k(lua_State *L, int status, lua_KContext kctx)
{
	struct guard	*g = lua_touserdata(L, 3);

	(void)status;
	(void)kctx;
	if (g->done) {
		g->ctx->case_deadline = 0;
		lua_pushboolean(L, g->status == LUA_OK);
		if (g->status == LUA_OK)
			return lwait_done(L, 1);
		lua_rawgeti(L, LUA_REGISTRYINDEX, g->errref);
		luaL_unref(L, LUA_REGISTRYINDEX, g->errref);
		g->errref = LUA_NOREF;
		if (lua_type(L, -1) == LUA_TSTRING &&
		    lctx_memory_hit(g->ctx, lua_tostring(L, -1))) {
			char	 msg[128];

			/* The case's data is garbage now: there is room again. */
			g->ctx->mem_hit = 0;
			lua_pop(L, 1);
			lerr_push(L, "memory", lctx_memory_message(g->ctx, msg, sizeof(msg)));
			lua_pushnil(L);		/* no line to blame: "at" would say "?" */
			lua_setfield(L, -2, "at");
		}
		return lwait_done(L, 2);
	}
	if (lwait_expired(L)) {
		g->ctx->case_deadline = 0;
		task_kill(g->t);
		g->t = NULL;
		lua_pushboolean(L, 0);
		lua_pushliteral(L, "timeout");
		return lwait_done(L, 2);
	}
	return lwait_yield(L, &g->waiter, 0, run_case_k);
}

static int
l_run_case(lua_State *L)
{
	struct smtp_ctx	*ctx = lctx_get(L);
	double		 timeout = larg_checknumber(L, 2);
	struct guard	*g;

	if (lua_type(L, 1) != LUA_TFUNCTION)
		return larg_typeerror(L, 1, "function");
	lwait_begin(L, NULL, timeout);
	/* For the count hook and the watchdog: a case that never yields. */
	ctx->case_deadline = isfinite(timeout) ? task_call_deadline(task_current(L)) : 0;
	lua_settop(L, 2);
	g = lua_newuserdatauv(L, sizeof(*g), 0);	/* 3: lives as long as we wait */
	memset(g, 0, sizeof(*g));
	g->ctx = ctx;
	luaL_setmetatable(L, GUARD_META);
	lua_pushvalue(L, 1);
	g->t = task_spawn(ctx->sched, L, 0, ctx->owner, guard_done, g);
	if (g->t == NULL)
		return lerr_nomem(L);
	task_set_handle(g->t, (void **)&g->t);
	return run_case_k(L, LUA_OK, 0);
}

void
ltasks_register(lua_State *L)
{
	static const luaL_Reg funcs[] = {
		{ "sleep", l_sleep },
		{ "spawn", l_spawn },
		{ "wait_all", l_wait_all },
		{ "run_case", l_run_case },
		{ NULL, NULL }
	};

	static const luaL_Reg meta[] = { { "__gc", guard_gc }, { NULL, NULL } };

	luaL_setfuncs(L, funcs, 0);
	larg_class(L, GUARD_META, meta, NULL);
}
