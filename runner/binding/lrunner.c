/* lrunner.c - what the Lua side asks of the runner. */
#include <stddef.h>
#include <string.h>

#include <lauxlib.h>

#include "binding/largs.h"
#include "binding/lctx.h"
#include "binding/lerror.h"
#include "binding/lrunner.h"
#include "core/fname.h"
#include "io/transcript.h"

/* core.script_error(message): the script's own error as an error table of
 * kind "script" (a failure), already recorded (with its traceback). */
static int
l_script_error(lua_State *L)
{
	lua_createtable(L, 0, 3);
	luaL_setmetatable(L, LERR_META);
	lerr_field(L, "kind", "script");
	lerr_field(L, "message", larg_checklstring(L, 1, NULL));
	lerr_field(L, "recorded", "transcript");
	return 1;
}

/* core.transcript_text(): what the current transcript recorded (kept in
 * memory when reports or golden files need it), or nil. */
static int
l_transcript_text(lua_State *L)
{
	struct smtp_ctx	*ctx = lctx_get(L);

	if (ctx->tr == NULL || !(ctx->tr->flags & TR_F_KEEP))
		return 0;
	lua_pushlstring(L, ctx->tr->all.p ? ctx->tr->all.p : "", ctx->tr->all.len);
	return 1;
}

/* core.file_name(path [, case]): "dir-a_b--x_y", the name (without
 * directory or extension) transcripts and golden files are saved under. */
static int
l_file_name(lua_State *L)
{
	struct buf	 b = BUF_INIT;

	return larg_pushbuf(L, &b, fname_stem(&b, larg_checklstring(L, 1, NULL),
	    larg_optlstring(L, 2, NULL, NULL)));
}

/* core.filtered_out(): --filter selects nothing in this file: no report. */
static int
l_filtered_out(lua_State *L)
{
	struct smtp_ctx	*ctx = lctx_get(L);

	if (ctx->filtered_out != NULL)
		ctx->filtered_out(ctx->owner);
	return 0;
}

/* core.case_begin(name): a test case starts; its transcript is the current. */
static int
l_case_begin(lua_State *L)
{
	struct smtp_ctx	*ctx = lctx_get(L);

	if (ctx->case_begin != NULL)
		ctx->case_begin(ctx->owner, larg_checklstring(L, 1, NULL));
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
	struct smtp_ctx		*ctx = lctx_get(L);
	struct case_info	 ci;

	if (!lua_istable(L, 1))
		return larg_typeerror(L, 1, "table");
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
	struct smtp_ctx	*ctx = lctx_get(L);
	const char	*host = larg_checklstring(L, 1, NULL);
	const char	*port = larg_checklstring(L, 2, NULL);

	/* Kept alive in the registry for as long as the state lives. */
	lua_pushvalue(L, 1);
	lua_setfield(L, LUA_REGISTRYINDEX, "smtprun.target_host");
	lua_pushvalue(L, 2);
	lua_setfield(L, LUA_REGISTRYINDEX, "smtprun.target_port");
	ctx->set.host = host;
	ctx->set.port = port;
	return 0;
}

/* smtp.config(): the run's settings, as the scripts may read them;
 * smtp.config(name): one of them (no table made: smtp.connect asks for
 * implicit_tls on every connection). */
static int
l_config(lua_State *L)
{
	static const struct {
		const char	*name;
		char		 type;	/* s string, n number, b boolean, i integer */
		size_t		 off;
	} fields[] = {
#define S(name, type)	{ #name, type, offsetof(struct smtp_settings, name) }
		S(host, 's'), S(port, 's'), S(timeout, 'n'), S(show_secrets, 'b'),
		S(listen_port, 'i'), S(implicit_tls, 'b'), S(golden, 's'),
		S(update_golden, 'b'), S(golden_rules, 's'), S(filter, 's'),
		S(case_timeout, 'n'), S(list, 'b'), S(require_tls_auth, 'b'), S(cafile, 's'),
		S(insecure, 'b'),
#undef S
	};
	const char	*set = (const char *)&lctx_get(L)->set, *one = NULL;
	size_t		 i;

	if (!lua_isnoneornil(L, 1))
		one = larg_checklstring(L, 1, NULL);
	else
		lua_createtable(L, 0, sizeof(fields) / sizeof(fields[0]));
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const void *v = set + fields[i].off;
		if (one != NULL && strcmp(one, fields[i].name) != 0)
			continue;
		switch (fields[i].type) {
		case 's': lua_pushstring(L, *(const char *const *)v); break;
		case 'n': lua_pushnumber(L, *(const double *)v); break;
		case 'b': lua_pushboolean(L, *(const int *)v); break;
		default: lua_pushinteger(L, *(const int *)v); break;
		}
		if (one != NULL)
			return 1;
		lua_setfield(L, -2, fields[i].name);
	}
	if (one != NULL)
		return larg_error(L, 1, "no such setting");
	return 1;
}

void
lrunner_register(lua_State *L)
{
	static const luaL_Reg funcs[] = {
		{ "config", l_config },
		{ "set_target", l_set_target },
		{ "case_begin", l_case_begin },
		{ "case_end", l_case_end },
		{ "filtered_out", l_filtered_out },
		{ "transcript_text", l_transcript_text },
		{ "script_error", l_script_error },
		{ "file_name", l_file_name },
		{ NULL, NULL }
	};

	luaL_setfuncs(L, funcs, 0);
}
