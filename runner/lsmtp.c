/* lsmtp.c - module "smtprun.core": what lua/smtp.lua builds on. */
#include <string.h>

#include <lauxlib.h>

#include "b64.h"
#include "clock.h"
#include "dotstuff.h"
#include "lerror.h"
#include "lsmtp.h"
#include "sasl.h"
#include "task.h"
#include "tls.h"
#include "transcript.h"

static const char CTX_KEY = 'c';

#define GUARD_META	"smtprun.guard"

struct smtp_ctx *
lsmtp_ctx(lua_State *L)
{
	struct smtp_ctx	*ctx;

	lua_rawgetp(L, LUA_REGISTRYINDEX, &CTX_KEY);
	ctx = lua_touserdata(L, -1);
	lua_pop(L, 1);
	if (ctx == NULL)
		luaL_error(L, "smtprun.core used outside smtprun");
	return ctx;
}

double
lsmtp_timeout(lua_State *L, int idx, double dflt)
{
	double	 t;

	if (idx == 0 || !lua_istable(L, idx))
		return dflt;
	switch (lua_getfield(L, idx, "timeout")) {
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

uint64_t
lsmtp_claim(lua_State *L)
{
	if (!task_can_wait(L))
		lerr_raise(L, "usage", "cannot wait here: network calls must run in the "
		    "scenario itself or in smtp.spawn, not in a coroutine the script made "
		    "or a callback of a C function (string.gsub, table.sort, a metamethod)");
	return task_serial(task_current(L));
}

int
lsmtp_busy(lua_State *L, uint64_t serial)
{
	return serial != 0 && sched_alive(lsmtp_ctx(L)->sched, serial);
}

size_t
lsmtp_optsize(lua_State *L, int idx, const char *name, size_t dflt)
{
	lua_Integer	 v;
	int		 isnum;

	if (!idx || lua_getfield(L, idx, name) == LUA_TNIL) {
		if (idx)
			lua_pop(L, 1);
		return dflt;
	}
	v = lua_tointegerx(L, -1, &isnum);
	if (!isnum || v < 16 || v > 1024 * 1024 * 1024)
		lerr_raise(L, "usage", "%s must be a number of bytes (16 to 1 GiB)", name);
	lua_pop(L, 1);
	return (size_t)v;
}

int
lsmtp_push_buf(lua_State *L, struct buf *b, int rc)
{
	if (rc != 0) {
		buf_free(b);
		return luaL_error(L, "out of memory");
	}
	lua_pushlstring(L, b->p ? b->p : "", b->len);
	buf_free(b);
	return 1;
}

static int
l_b64encode(lua_State *L)
{
	size_t		 n;
	const char	*s = lerr_checklstring(L, 1, &n);
	struct buf	 b = BUF_INIT;

	return lsmtp_push_buf(L, &b, b64_encode(s, n, &b));
}

/* Returns the decoded string, or nil and why (bad input is data, not misuse). */
static int
l_b64decode(lua_State *L)
{
	size_t		 n;
	const char	*s = lerr_checklstring(L, 1, &n), *why = NULL;
	struct buf	 b = BUF_INIT;
	int		 rc = b64_decode(s, n, &b, &why);

	if (rc == -1) {
		buf_free(&b);
		lua_pushnil(L);
		lua_pushfstring(L, "invalid base64: %s", why);
		return 2;
	}
	return lsmtp_push_buf(L, &b, rc);
}

/* sasl_plain(user, pass [, authzid]) -> the base64 AUTH PLAIN payload. */
static int
l_sasl_plain(lua_State *L)
{
	size_t		 ulen, plen, zlen = 0;
	const char	*u = lerr_checklstring(L, 1, &ulen);
	const char	*p = lerr_checklstring(L, 2, &plen);
	const char	*z = lerr_optlstring(L, 3, NULL, &zlen);
	struct buf	 b = BUF_INIT;
	int		 rc = sasl_plain(z, zlen, u, ulen, p, plen, &b);

	if (rc == -2) {
		buf_free(&b);
		return lerr_raise(L, "usage", "AUTH PLAIN: user, password and authzid "
		    "cannot contain NUL bytes");
	}
	return lsmtp_push_buf(L, &b, rc);
}

static int
l_dot_stuff(lua_State *L)
{
	size_t		 n;
	const char	*s = lerr_checklstring(L, 1, &n);
	struct buf	 b = BUF_INIT;

	return lsmtp_push_buf(L, &b, dot_stuff(s, n, &b));
}

static int
l_now(lua_State *L)
{
	lua_pushnumber(L, mono_now());
	return 1;
}

/* Stack: 1 deadline. */
static int
sleep_k(lua_State *L, int status, lua_KContext kctx)
{
	double	 deadline = lua_tonumber(L, 1);

	(void)status;
	(void)kctx;
	if (mono_now() >= deadline)
		return 0;
	return task_wait(L, deadline, NULL, 0, sleep_k);
}

static int
l_sleep(lua_State *L)
{
	double	 sec = lerr_checknumber(L, 1);

	lsmtp_claim(L);
	if (!(sec >= 0))
		lerr_argerror(L, 1, "must not be negative");
	lua_settop(L, 0);
	lua_pushnumber(L, mono_now() + sec);
	return sleep_k(L, LUA_OK, 0);
}

/* note(text [, "error"]): a "===" (or "***") line in the transcript. */
static int
l_note(lua_State *L)
{
	struct smtp_ctx	*ctx = lsmtp_ctx(L);
	size_t		 n;
	const char	*s = lerr_checklstring(L, 1, &n);
	const char	*kind = lerr_optlstring(L, 2, "info", NULL);

	tr_text(ctx->tr, strcmp(kind, "error") == 0 ? TR_ERROR : TR_INFO, s, n);
	return 0;
}

/* fail(message [, kind [, fields]]): raises a scenario error at the caller. */
static int
l_fail(lua_State *L)
{
	const char	*msg = lerr_checklstring(L, 1, NULL);
	const char	*kind = lerr_optlstring(L, 2, "expect", NULL);

	lerr_push(L, kind, msg);
	if (lua_istable(L, 3)) {
		lua_pushnil(L);
		while (lua_next(L, 3) != 0) {
			lua_pushvalue(L, -2);
			lua_insert(L, -2);
			lua_settable(L, -4);
		}
	}
	return lerr_throw(L);
}

/* tls_selfsigned(cn [, days]): a certificate and its key, PEM text. */
static int
l_tls_selfsigned(lua_State *L)
{
	const char	*cn = lerr_checklstring(L, 1, NULL);
	lua_Integer	 days = luaL_optinteger(L, 2, 30);
	struct buf	 cert = BUF_INIT, key = BUF_INIT;
	char		 err[256];

	if (tls_selfsigned(cn, (int)days, &cert, &key, err, sizeof(err)) == -1) {
		buf_free(&cert);
		buf_free(&key);
		return luaL_error(L, "%s", err);
	}
	lua_pushlstring(L, cert.p, cert.len);
	lua_pushlstring(L, key.p, key.len);
	buf_free(&cert);
	buf_free(&key);
	return 2;
}

/* ---- concurrency ---- */

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
	struct smtp_ctx	*ctx = lsmtp_ctx(L);
	int		 nargs = lua_gettop(L) - 1;

	if (lua_type(L, 1) != LUA_TFUNCTION)
		return lerr_typeerror(L, 1, "function");
	if (task_spawn(ctx->sched, L, nargs, ctx->owner, spawned_done, ctx) == NULL)
		return luaL_error(L, "out of memory");
	ctx->nspawned++;
	return 0;
}

/* Stack: 1 opts, 2 deadline, 3 timeout. */
static int
wait_all_k(lua_State *L, int status, lua_KContext kctx)
{
	struct smtp_ctx	*ctx = lsmtp_ctx(L);

	(void)status;
	(void)kctx;
	if (ctx->nspawned == 0)
		return 0;
	if (mono_now() >= lua_tonumber(L, 2)) {
		tr_printf(ctx->tr, TR_ERROR, "timed out after %g s waiting for %d spawned "
		    "task%s", lua_tonumber(L, 3), ctx->nspawned, ctx->nspawned == 1 ? "" : "s");
		lerr_push(L, "timeout", lua_pushfstring(L, "timed out after %f s waiting "
		    "for %d spawned task%s", lua_tonumber(L, 3), ctx->nspawned,
		    ctx->nspawned == 1 ? "" : "s"));
		lerr_field(L, "recorded", "transcript");
		return lerr_throw(L);
	}
	return task_wait(L, lua_tonumber(L, 2), &ctx->joiner, 0, wait_all_k);
}

/* smtp.wait_all([opts]): until every spawned task has finished. */
static int
l_wait_all(lua_State *L)
{
	struct smtp_ctx	*ctx = lsmtp_ctx(L);
	double		 timeout;

	lsmtp_claim(L);
	if (ctx->joiner != NULL)
		return lerr_raise(L, "usage", "wait_all: another task is already waiting");
	timeout = lsmtp_timeout(L, lerr_checkopts(L, 1) ? 1 : 0, ctx->timeout);
	lua_settop(L, 1);
	lua_pushnumber(L, mono_now() + timeout);
	lua_pushnumber(L, timeout);
	return wait_all_k(L, LUA_OK, 0);
}

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
	/* The script's own error: its traceback, while its stack is there. */
	if (status != LUA_OK && !lua_istable(co, -1)) {
		luaL_traceback(co, co, lua_tostring(co, -1), 0);
		tr_text(g->ctx->tr, TR_ERROR, lua_tostring(co, -1), lua_rawlen(co, -1));
		lua_pop(co, 1);
	}
	if (status != LUA_OK)
		g->errref = luaL_ref(co, LUA_REGISTRYINDEX);	/* pops the error */
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
	if (g->done && g->status != LUA_OK && g->errref != LUA_NOREF) {
		luaL_unref(L, LUA_REGISTRYINDEX, g->errref);
		g->errref = LUA_NOREF;
	}
	return 0;
}

/* Stack: 1 fn, 2 timeout, 3 guard, 4 deadline. */
static int
run_case_k(lua_State *L, int status, lua_KContext kctx)
{
	struct guard	*g = lua_touserdata(L, 3);

	(void)status;
	(void)kctx;
	if (g->done) {
		lua_pushboolean(L, g->status == LUA_OK);
		if (g->status == LUA_OK)
			return 1;
		lua_rawgeti(L, LUA_REGISTRYINDEX, g->errref);
		luaL_unref(L, LUA_REGISTRYINDEX, g->errref);
		g->errref = LUA_NOREF;
		return 2;
	}
	if (mono_now() >= lua_tonumber(L, 4)) {
		task_kill(g->t);
		g->t = NULL;
		lua_pushboolean(L, 0);
		lua_pushliteral(L, "timeout");
		return 2;
	}
	return task_wait(L, lua_tonumber(L, 4), &g->waiter, 0, run_case_k);
}

static int
l_run_case(lua_State *L)
{
	struct smtp_ctx	*ctx = lsmtp_ctx(L);
	double		 timeout = lerr_checknumber(L, 2);
	struct guard	*g;

	if (lua_type(L, 1) != LUA_TFUNCTION)
		return lerr_typeerror(L, 1, "function");
	lsmtp_claim(L);
	lua_settop(L, 2);
	g = lua_newuserdatauv(L, sizeof(*g), 0);	/* 3: lives as long as we wait */
	memset(g, 0, sizeof(*g));
	g->ctx = ctx;
	luaL_setmetatable(L, GUARD_META);
	lua_pushnumber(L, mono_now() + timeout);	/* 4 */
	lua_pushvalue(L, 1);
	g->t = task_spawn(ctx->sched, L, 0, ctx->owner, guard_done, g);
	if (g->t == NULL)
		return luaL_error(L, "out of memory");
	task_set_handle(g->t, (void **)&g->t);
	return run_case_k(L, LUA_OK, 0);
}

/* core.script_error(message): the script's own error as an error table of
 * kind "script" (a failure), already recorded (with its traceback). */
static int
l_script_error(lua_State *L)
{
	lua_createtable(L, 0, 3);
	luaL_setmetatable(L, LERR_META);
	lerr_field(L, "kind", "script");
	lerr_field(L, "message", lerr_checklstring(L, 1, NULL));
	lerr_field(L, "recorded", "transcript");
	return 1;
}

/* core.transcript_text(): what the current transcript recorded (kept in
 * memory when reports or golden files need it), or nil. */
static int
l_transcript_text(lua_State *L)
{
	struct smtp_ctx	*ctx = lsmtp_ctx(L);

	if (ctx->tr == NULL || !(ctx->tr->flags & TR_F_KEEP))
		return 0;
	lua_pushlstring(L, ctx->tr->all.p ? ctx->tr->all.p : "", ctx->tr->all.len);
	return 1;
}

/* core.filtered_out(): --filter selects nothing in this file: no report. */
static int
l_filtered_out(lua_State *L)
{
	struct smtp_ctx	*ctx = lsmtp_ctx(L);

	if (ctx->filtered_out != NULL)
		ctx->filtered_out(ctx->owner);
	return 0;
}

/* core.case_begin(name): a test case starts; its transcript is the current. */
static int
l_case_begin(lua_State *L)
{
	struct smtp_ctx	*ctx = lsmtp_ctx(L);

	if (ctx->case_begin != NULL)
		ctx->case_begin(ctx->owner, lerr_checklstring(L, 1, NULL));
	return 0;
}

/* A field of the table at 1 as a string (left on the stack), or NULL. */
static const char *
field(lua_State *L, const char *name)
{
	if (lua_getfield(L, 1, name) == LUA_TNIL)
		return NULL;
	return luaL_tolstring(L, -1, NULL);
}

/* core.case_end{status=, message=, kind=, at=, expected=, got=, command=} */
static int
l_case_end(lua_State *L)
{
	struct smtp_ctx		*ctx = lsmtp_ctx(L);
	struct case_info	 ci;

	luaL_checktype(L, 1, LUA_TTABLE);
	ci.status = field(L, "status");
	ci.message = field(L, "message");
	ci.kind = field(L, "kind");
	ci.at = field(L, "at");
	ci.expected = field(L, "expected");
	ci.got = field(L, "got");
	ci.command = field(L, "command");
	if (ctx->case_end != NULL)
		ctx->case_end(ctx->owner, &ci);
	return 0;
}

/* smtp.set_target(host, port): the default of smtp.connect from now on. */
static int
l_set_target(lua_State *L)
{
	struct smtp_ctx	*ctx = lsmtp_ctx(L);
	const char	*host = lerr_checklstring(L, 1, NULL);
	const char	*port = lerr_checklstring(L, 2, NULL);

	/* Kept alive in the registry for as long as the state lives. */
	lua_pushvalue(L, 1);
	lua_setfield(L, LUA_REGISTRYINDEX, "smtprun.target_host");
	lua_pushvalue(L, 2);
	lua_setfield(L, LUA_REGISTRYINDEX, "smtprun.target_port");
	ctx->host = host;
	ctx->port = port;
	return 0;
}

static int
l_config(lua_State *L)
{
	struct smtp_ctx	*ctx = lsmtp_ctx(L);

	lua_createtable(L, 0, 4);
	lua_pushstring(L, ctx->host);
	lua_setfield(L, -2, "host");
	lua_pushstring(L, ctx->port);
	lua_setfield(L, -2, "port");
	lua_pushnumber(L, ctx->timeout);
	lua_setfield(L, -2, "timeout");
	lua_pushboolean(L, ctx->show_secrets);
	lua_setfield(L, -2, "show_secrets");
	lua_pushinteger(L, ctx->listen_port);
	lua_setfield(L, -2, "listen_port");
	lua_pushboolean(L, ctx->implicit_tls);
	lua_setfield(L, -2, "implicit_tls");
	lua_pushstring(L, ctx->golden);
	lua_setfield(L, -2, "golden");
	lua_pushboolean(L, ctx->update_golden);
	lua_setfield(L, -2, "update_golden");
	lua_pushstring(L, ctx->golden_rules);
	lua_setfield(L, -2, "golden_rules");
	lua_pushstring(L, ctx->filter);
	lua_setfield(L, -2, "filter");
	lua_pushnumber(L, ctx->case_timeout);
	lua_setfield(L, -2, "case_timeout");
	lua_pushboolean(L, ctx->list);
	lua_setfield(L, -2, "list");
	return 1;
}

static int
luaopen_core(lua_State *L)
{
	static const luaL_Reg funcs[] = {
		{ "connect", lsession_connect },
		{ "listen", lserver_listen },
		{ "b64encode", l_b64encode },
		{ "b64decode", l_b64decode },
		{ "sasl_plain", l_sasl_plain },
		{ "dot_stuff", l_dot_stuff },
		{ "now", l_now },
		{ "sleep", l_sleep },
		{ "note", l_note },
		{ "fail", l_fail },
		{ "config", l_config },
		{ "spawn", l_spawn },
		{ "wait_all", l_wait_all },
		{ "run_case", l_run_case },
		{ "case_begin", l_case_begin },
		{ "filtered_out", l_filtered_out },
		{ "transcript_text", l_transcript_text },
		{ "script_error", l_script_error },
		{ "case_end", l_case_end },
		{ "set_target", l_set_target },
		{ "tls_selfsigned", l_tls_selfsigned },
		{ NULL, NULL }
	};

	luaL_newlib(L, funcs);
	luaL_newmetatable(L, GUARD_META);
	lua_pushcfunction(L, guard_gc);
	lua_setfield(L, -2, "__gc");
	lua_pop(L, 1);
	lsession_register(L);
	lserver_register(L);
	lsasl_register(L);
	lyaml_register(L);
	return 1;
}

void
lsmtp_open(lua_State *L, struct smtp_ctx *ctx)
{
	/* Lua leaves the extra space uninitialised, and every coroutine the
	 * script makes copies the main thread's: none of them is a task. */
	*(void **)lua_getextraspace(L) = NULL;
	lua_pushlightuserdata(L, ctx);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &CTX_KEY);
	luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
	lua_pushcfunction(L, luaopen_core);
	lua_setfield(L, -2, "smtprun.core");
	lua_pop(L, 1);
}
