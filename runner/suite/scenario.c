/* scenario.c - one scenario file: its own Lua state, transcript and task. */
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "binding/lcore.h"
#include "binding/lerror.h"
#include "binding/lsandbox.h"
#include "binding/task.h"
#include "core/clock.h"
#include "suite/scenario.h"

static void	case_end(void *owner, const struct case_info *ci);

static void
set_message(struct scenario *sc, enum outcome o, const char *msg)
{
	if (sc->in_case && o != OUT_PASS) {
		/* The file ends under a running case (a spawned task failed,
		 * the Lua state broke): the case says so, not nothing. */
		char		 why[512];
		struct case_info ci = { "error", why, "stopped", NULL, NULL, NULL, NULL };

		snprintf(why, sizeof(why), "the file stopped before the case ended: %s",
		    msg ? msg : "(no message)");
		case_end(sc, &ci);
	}
	sc->outcome = o;
	free(sc->message);
	sc->message = strdup(msg ? msg : "(no message)");
	sc->done = 1;
	sc->elapsed = mono_now() - sc->t0;
}

/* The fields of our error tables that a report shows besides the message
 * and kind (a case gets them through core.case_end; lua/smtp/testing.lua). */
static const char *const DETAILS[] = { "at", "expected", "got", "command" };
#define NDETAILS	(sizeof(DETAILS) / sizeof(DETAILS[0]))

/* Under lua_pcall, on the main thread: what the error value at 1 is.
 * Returns kind, recorded, the DETAILS (each a string or nil), message,
 * ours. tostring may run the value's __tostring, which may fail: hence
 * the protection. */
static int
describe(lua_State *L)
{
	int	 ours = lerr_is_ours(L, 1);
	size_t	 i;

	if (ours) {
		lua_getfield(L, 1, "kind");
		lua_getfield(L, 1, "recorded");
	} else {
		lua_pushnil(L);
		lua_pushnil(L);
	}
	for (i = 0; i < NDETAILS; i++) {
		if (!ours || lua_getfield(L, 1, DETAILS[i]) == LUA_TNIL)
			lua_pushnil(L);
		else
			luaL_tolstring(L, -1, NULL);
		if (ours)
			lua_remove(L, -2);
	}
	luaL_tolstring(L, 1, NULL);
	lua_pushboolean(L, ours);
	return 4 + (int)NDETAILS;
}

static char *
dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* Classifies the error value on top of co (taken off it) and records it,
 * with its details (describe). */
static void
judge_error(struct scenario *sc, lua_State *co)
{
	lua_State	*L = sc->L;
	char		 kind[32] = "", *msg, **detail[NDETAILS];
	int		 ours = 0, recorded = 0, n = 4 + (int)NDETAILS;
	size_t		 tblen, i;
	const char	*tb;

	detail[0] = &sc->at;
	detail[1] = &sc->expected;
	detail[2] = &sc->got;
	detail[3] = &sc->command;
	/* Not under a protected call: past a --memory-limit, the report of
	 * the error must not fail. */
	sc->ctx.mem_relax++;
	/* co's stack as it was at the error, without touching the value. */
	luaL_traceback(L, co, NULL, 0);
	lua_pushcfunction(L, describe);
	lua_xmove(co, L, 1);
	if (lua_pcall(L, 1, n, 0) == LUA_OK) {
		if (lua_isstring(L, -n))
			snprintf(kind, sizeof(kind), "%s", lua_tostring(L, -n));
		recorded = !lua_isnil(L, -n + 1);
		for (i = 0; i < NDETAILS; i++)
			*detail[i] = dup_or_null(lua_tostring(L, -n + 2 + (int)i));
		msg = strdup(lua_isstring(L, -2) ? lua_tostring(L, -2) : "(error)");
		ours = lua_toboolean(L, -1);
		lua_pop(L, n);
	} else {
		msg = strdup("(an error object that cannot be shown as text)");
		lua_pop(L, 1);
	}
	if (kind[0] != '\0')
		sc->kind = strdup(kind);
	tb = lua_tolstring(L, -1, &tblen);
	if (lctx_memory_hit(&sc->ctx, msg)) {
		char	 why[128];

		free(msg);
		msg = strdup(lctx_memory_message(&sc->ctx, why, sizeof(why)));
		tr_printf(sc->tr, TR_ERROR, "%s", msg ? msg : why);
	} else if (!ours) {
		/* The script's own error() or a bug in it: keep the traceback. */
		tr_printf(sc->tr, TR_ERROR, "%s", msg ? msg : "(error)");
		tr_text(sc->tr, TR_ERROR, tb, tblen);
	} else if (!recorded)
		tr_printf(sc->tr, TR_ERROR, "%s", msg ? msg : "(error)");
	lua_pop(L, 1);
	sc->ctx.mem_relax--;
	set_message(sc, lerr_is_setup(kind) ? OUT_ERROR : OUT_FAIL, msg);
	free(msg);
}

/* A task the scenario spawned failed: so did the scenario. */
static void
on_spawn_failed(void *owner, lua_State *co)
{
	struct scenario	*sc = owner;

	if (!sc->done)
		judge_error(sc, co);
}

static void
on_done(struct task *t, int status, void *arg)
{
	struct scenario	*sc = arg;
	lua_State	*co = task_thread(t);

	if (sc->done)		/* a spawned task failed first */
		return;
	if (status == LUA_OK) {
		if (sc->ctx.nspawned > 0)
			tr_printf(sc->tr, TR_INFO, "%d spawned task%s still running: "
			    "stopped with the scenario", sc->ctx.nspawned,
			    sc->ctx.nspawned == 1 ? "" : "s");
		set_message(sc, OUT_PASS, "");
		return;
	}
	if (status == LUA_ERRMEM) {
		char	 why[128];

		if (sc->ctx.mem_hit) {
			lctx_memory_message(&sc->ctx, why, sizeof(why));
			tr_printf(sc->tr, TR_ERROR, "%s", why);
			set_message(sc, OUT_FAIL, why);
		} else
			set_message(sc, OUT_ERROR, "out of memory");
		return;
	}
	judge_error(sc, co);
}

/* ---- cases ---- */

static void
case_begin(void *owner, const char *name)
{
	struct scenario		*sc = owner;
	struct case_result	*c, *nc;

	nc = realloc(sc->cases, (sc->ncases + 1) * sizeof(*sc->cases));
	if (nc == NULL)
		return;
	sc->cases = nc;
	c = &sc->cases[sc->ncases++];
	memset(c, 0, sizeof(*c));
	c->name = strdup(name);
	c->outcome = OUT_ERROR;		/* until case_end says otherwise */
	c->tr = sc->o->new_tr ? sc->o->new_tr(sc->o->new_tr_arg, sc->path, name) : NULL;
	tr_printf(c->tr, TR_INFO, "case %s: %s", sc->path, name);
	sc->ctx.tr = c->tr;
	sc->in_case = 1;
	sc->case_t0 = mono_now();
	sc->case_insecure0 = sc->ctx.insecure;
}

static void
filtered_out(void *owner)
{
	((struct scenario *)owner)->unreported = 1;
}

static void
case_end(void *owner, const struct case_info *ci)
{
	struct scenario		*sc = owner;
	struct case_result	*c;

	if (!sc->in_case || sc->ncases == 0)
		return;
	c = &sc->cases[sc->ncases - 1];
	c->outcome = outcome_of(ci->status);
	c->message = dup_or_null(ci->message);
	c->kind = dup_or_null(ci->kind);
	c->at = dup_or_null(ci->at);
	c->expected = dup_or_null(ci->expected);
	c->got = dup_or_null(ci->got);
	c->command = dup_or_null(ci->command);
	c->elapsed = mono_now() - sc->case_t0;
	c->insecure = sc->ctx.insecure > sc->case_insecure0;
	tr_close_file(c->tr);		/* keep fds few: the text stays */
	sc->ctx.tr = sc->tr;
	sc->ctx.case_deadline = 0;
	sc->in_case = 0;
}

/* Every million VM instructions: a script that computes without waiting
 * still stops for a signal, its file's time limit or its case's. Past its
 * case's (or past a first raise the script caught), a task yields to the
 * loop, which then stops it the usual way (a pcall in the script cannot
 * catch a yield); where it cannot yield (a coroutine the
 * script made, a callback of a C function) the hook raises. Scripts cannot
 * remove the hook (debug.sethook is refused: binding/lsandbox.h); what the
 * hook cannot reach, a long C call, the watchdog ends (suite/runner.c). */
static void
count_hook(lua_State *L, lua_Debug *ar)
{
	struct smtp_ctx		*ctx = lctx_get(L);
	struct scenario		*sc = ctx->owner;
	const char		*why = NULL;
	double			 cd = ctx->case_deadline;

	(void)ar;
	if (sc->o->should_stop != NULL)
		why = sc->o->should_stop(sc->o->should_stop_arg, sc);
	if (why == NULL && !(cd > 0 && mono_now() >= cd))
		return;
	/* A signal or the file's limit: raised once, naming the script's line;
	 * if the script catches that, the yield below it cannot catch. */
	if (why != NULL && !sc->hook_raised) {
		sc->hook_raised = 1;
		lerr_raise(L, "timeout", "%s", why);
	}
	if (task_current(L) != NULL && lua_isyieldable(L)) {
		lua_yield(L, 0);
		return;
	}
	if (why != NULL)
		lerr_raise(L, "timeout", "%s", why);
	lerr_raise(L, "timeout", "the case did not finish within its time limit of %g s",
	    sc->o->set.case_timeout);
}

/* lua_Alloc counting the state's bytes, refusing past --memory-limit. */
static void *
capped_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	struct smtp_ctx	*ctx = ud;
	size_t		 old = ptr != NULL ? osize : 0;
	void		*p;

	if (nsize == 0) {
		free(ptr);
		ctx->mem_used -= old;
		return NULL;
	}
	if (nsize > old && ctx->mem_limit > 0 && ctx->mem_relax == 0 &&
	    ctx->mem_used - old + nsize > ctx->mem_limit) {
		ctx->mem_hit = 1;
		return NULL;
	}
	if ((p = realloc(ptr, nsize)) == NULL)
		return NULL;
	ctx->mem_used = ctx->mem_used - old + nsize;
	return p;
}

lua_State *
scenario_new_state(struct smtp_ctx *ctx)
{
	lua_State	*L;

	if ((L = luaL_newstate()) == NULL)
		return NULL;
	/* luaL_newstate's panic and warning functions, our allocator (the same
	 * malloc underneath), counting from what the state holds already. */
	ctx->mem_used = (size_t)lua_gc(L, LUA_GCCOUNT, 0) * 1024 +
	    (size_t)lua_gc(L, LUA_GCCOUNTB, 0);
	ctx->mem_limit = (size_t)(ctx->set.memory_limit * 1024 * 1024);
	lua_setallocf(L, capped_alloc, ctx);
	return L;
}

/* Runs under lua_pcall: libraries, the smtp module, vars, package.path. */
static int
prepare(lua_State *L)
{
	const struct scenario_prep	*p = lua_touserdata(L, 1);
	const struct scenario_opts	*o = p->o;
	const char			*slash, **v, *eq;

	luaL_openlibs(L);
	lerr_setup(L, o->luadir);
	if (p->count_hook)
		lua_sethook(L, count_hook, LUA_MASKCOUNT, 1000000);	/* tasks inherit it */
	lcore_open(L, p->ctx);

	/* Modules: smtprun's own first, then the scenario's directory. */
	slash = strrchr(p->path, '/');
	lua_getglobal(L, "package");
	lua_pushfstring(L, "%s/?.lua;", o->luadir);
	if (slash != NULL)
		lua_pushlstring(L, p->path, (size_t)(slash - p->path) + 1);
	else
		lua_pushstring(L, "./");
	lua_pushstring(L, "?.lua;");
	lua_getfield(L, -4, "path");
	lua_concat(L, 4);
	lua_setfield(L, -2, "path");
	lua_pop(L, 1);

	lua_newtable(L);
	for (v = o->vars; v && *v; v++) {
		eq = strchr(*v, '=');
		lua_pushlstring(L, *v, (size_t)(eq - *v));
		lua_pushstring(L, eq + 1);
		lua_settable(L, -3);
	}
	lua_setglobal(L, "vars");

	/* Before any module: smtprun's own keep debug.traceback (they capture
	 * what they need as they load). */
	lsandbox_always(L);
	lua_getglobal(L, "require");
	lua_pushstring(L, "smtp");
	lua_call(L, 1, 1);
	lua_setglobal(L, "smtp");

	lua_getglobal(L, "require");
	lua_pushstring(L, "smtp.testing");
	lua_call(L, 1, 1);
	lua_getfield(L, -1, "main");
	lua_setfield(L, LUA_REGISTRYINDEX, "smtprun.main");
	lua_pop(L, 1);

	/* A module that sets the stage first (smtprun demo: the server). */
	if (o->prelude != NULL) {
		lua_getglobal(L, "require");
		lua_pushstring(L, o->prelude);
		lua_call(L, 1, 1);
		lua_getglobal(L, "vars");
		lua_call(L, 1, 0);
	}
	if (o->set.sandbox)
		lsandbox_open(L);
	return 0;
}

int
scenario_prepare(lua_State *L, const struct scenario_prep *p)
{
	lua_pushcfunction(L, prepare);
	lua_pushlightuserdata(L, (void *)p);
	if (lua_pcall(L, 1, 0, 0) == LUA_OK)
		return 0;
	lua_pushfstring(L, "cannot set up smtprun's Lua modules (%s): %s",
	    p->o->luadir, luaL_tolstring(L, -1, NULL));
	return -1;
}

void
scenario_start(struct scenario *sc, struct sched *s, const char *path,
    const struct scenario_opts *o)
{
	lua_State		*L;
	const char		*dot = strrchr(path, '.');
	struct scenario_prep	 prep;

	memset(sc, 0, sizeof(*sc));
	sc->path = path;
	sc->o = o;
	sc->t0 = mono_now();
	sc->tr = o->new_tr ? o->new_tr(o->new_tr_arg, path, NULL) : NULL;
	sc->ctx.set = o->set;
	sc->ctx.sched = s;
	sc->ctx.tr = sc->tr;
	sc->ctx.owner = sc;
	sc->ctx.spawn_failed = on_spawn_failed;
	sc->ctx.case_begin = case_begin;
	sc->ctx.case_end = case_end;
	sc->ctx.filtered_out = filtered_out;
	/* The code outside test() cases is limited as one case (the cases set
	 * their own limits: binding/ltasks.c, run_case). */
	if (o->set.case_timeout > 0 && isfinite(o->set.case_timeout))
		sc->ctx.case_deadline = sc->t0 + o->set.case_timeout;

	if ((sc->L = L = scenario_new_state(&sc->ctx)) == NULL) {
		set_message(sc, OUT_ERROR, "cannot create a Lua state (out of memory)");
		return;
	}
	tr_printf(sc->tr, TR_INFO, "scenario %s", path);
	prep.ctx = &sc->ctx;
	prep.o = o;
	prep.path = path;
	prep.count_hook = 1;
	if (scenario_prepare(L, &prep) == -1) {
		set_message(sc, OUT_ERROR, lua_tostring(L, -1));
		tr_printf(sc->tr, TR_ERROR, "%s", sc->message);
		return;
	}
	/* testing.main(chunk, path): Lua files are compiled here, so a syntax
	 * error is a load error; YAML and smtpscript files are compiled by Lua. */
	lua_getfield(L, LUA_REGISTRYINDEX, "smtprun.main");
	if (dot == NULL || strcmp(dot, ".lua") == 0) {
		if (luaL_loadfilex(L, path, "t") != LUA_OK) {
			set_message(sc, OUT_ERROR, lua_tostring(L, -1));
			tr_printf(sc->tr, TR_ERROR, "%s", sc->message);
			/* Under --filter, a broken file counts only if its name matches. */
			if (o->set.filter != NULL) {
				lua_getglobal(L, "string");
				lua_getfield(L, -1, "find");
				lua_pushstring(L, path);
				lua_pushstring(L, o->set.filter);
				sc->unreported = lua_pcall(L, 2, 1, 0) == LUA_OK && lua_isnil(L, -1);
			}
			return;
		}
	} else
		lua_pushnil(L);
	lua_pushstring(L, path);
	if (task_spawn(s, L, 2, sc, on_done, sc) == NULL)
		set_message(sc, OUT_ERROR, "out of memory");
}

void
scenario_stop(struct scenario *sc, enum outcome o, const char *why)
{
	if (sc->done)
		return;
	tr_printf(sc->ctx.tr, o == OUT_PASS ? TR_INFO : TR_ERROR, "%s", why);
	if (sc->in_case) {
		struct case_info ci = { "error", why, "timeout", NULL, NULL, NULL, NULL };
		case_end(sc, &ci);
		sc->stopped_in_case = 1;	/* reported once, as that case */
	}
	set_message(sc, o, why);
}

void
scenario_free(struct scenario *sc, struct sched *s)
{
	size_t	 i;

	sched_kill_owner(s, sc);
	if (sc->L != NULL)
		lua_close(sc->L);
	sc->L = NULL;
	for (i = 0; i < sc->ncases; i++) {
		struct case_result *c = &sc->cases[i];
		free(c->name);
		free(c->message);
		free(c->kind);
		free(c->at);
		free(c->expected);
		free(c->got);
		free(c->command);
		if (c->tr != NULL) {
			tr_close(c->tr);
			free(c->tr);
		}
	}
	free(sc->cases);
	sc->cases = NULL;
	sc->ncases = 0;
	if (sc->tr != NULL) {
		tr_close(sc->tr);
		free(sc->tr);
		sc->tr = NULL;
	}
	free(sc->message);
	free(sc->kind);
	free(sc->at);
	free(sc->expected);
	free(sc->got);
	free(sc->command);
	sc->message = sc->kind = sc->at = sc->expected = sc->got = sc->command = NULL;
}
