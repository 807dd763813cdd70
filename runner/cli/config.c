/* config.c - the configuration file, applied to the command line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lualib.h>

#include "binding/lcore.h"
#include "binding/lctx.h"
#include "binding/lerror.h"
#include "cli/config.h"
#include "cli/env.h"
#include "core/escape.h"

/* The string field of the table on top of L, or NULL. */
static const char *
cfg_str(lua_State *L, struct opts *o, const char *name)
{
	const char	*v = NULL;

	if (lua_getfield(L, -1, name) == LUA_TSTRING)
		v = opts_own(o, lua_tostring(L, -1));
	lua_pop(L, 1);
	return v;
}

static double
cfg_num(lua_State *L, const char *name, double dflt)
{
	double	 v = dflt;

	if (lua_getfield(L, -1, name) == LUA_TNUMBER)
		v = lua_tonumber(L, -1);
	lua_pop(L, 1);
	return v;
}

/* Reads the file through lua/smtp/config.lua in a Lua state of its own:
 * the state, the settings table on top; NULL after printing the error
 * (file:line:column). */
static lua_State *
load(struct opts *o, const char *path)
{
	struct smtp_ctx	 ctx;		/* the config reads no network: no loop */
	lua_State	*L;

	if ((L = luaL_newstate()) == NULL) {
		fprintf(stderr, "smtprun: out of memory\n");
		return NULL;
	}
	memset(&ctx, 0, sizeof(ctx));
	luaL_openlibs(L);
	lerr_setup(L, o->r.so.luadir);
	lcore_open(L, &ctx);
	lua_getglobal(L, "package");
	lua_pushfstring(L, "%s/?.lua", o->r.so.luadir);
	lua_setfield(L, -2, "path");
	lua_pop(L, 1);
	lua_getglobal(L, "require");
	lua_pushliteral(L, "smtp.config");
	if (lua_pcall(L, 1, 1, 0) == LUA_OK) {
		lua_getfield(L, -1, "load");
		lua_pushstring(L, path);
		lua_pushstring(L, o->target);
		if (lua_pcall(L, 2, 1, 0) == LUA_OK)
			return L;
	}
	{
		/* the message may quote the file: shown as text (core/escape.h) */
		struct buf	 msg = BUF_INIT;
		size_t		 n;
		const char	*m = luaL_tolstring(L, -1, &n);

		esc_append(&msg, m, n, ESC_MULTILINE);
		fprintf(stderr, "smtprun: %s\n", buf_cstr(&msg));
		buf_free(&msg);
	}
	lua_close(L);
	return NULL;
}

/* The target and its TLS, where the command line said nothing. */
static void
apply_target(lua_State *L, struct opts *o)
{
	struct smtp_settings	*set = &o->r.so.set;
	const char		*v;

	if (!opts_given(o, "server") && (v = cfg_str(L, o, "host")) != NULL) {
		set->host = v;
		set->port = cfg_str(L, o, "port");
	}
	if ((v = cfg_str(L, o, "tls")) != NULL && strcmp(v, "implicit") == 0)
		set->implicit_tls = 1;
	if (lua_getfield(L, -1, "verify") == LUA_TBOOLEAN && !lua_toboolean(L, -1))
		set->insecure = 1;
	lua_pop(L, 1);
	if (set->cafile == NULL)
		set->cafile = cfg_str(L, o, "cafile");
}

/* The limits: the wait's unless --timeout was given; the case's and the
 * file's as the file says (they replace --case-timeout / --file-timeout). */
static void
apply_timeouts(lua_State *L, struct opts *o)
{
	struct smtp_settings	*set = &o->r.so.set;

	if (!opts_given(o, "timeout"))
		set->timeout = cfg_num(L, "wait_timeout", set->timeout);
	set->case_timeout = cfg_num(L, "case_timeout", set->case_timeout);
	o->r.file_timeout = cfg_num(L, "file_timeout", o->r.file_timeout);
}

/* The file's variables first, so that -D (after them) wins. */
static int
apply_vars(lua_State *L, struct opts *o)
{
	const char	**nv;
	int		 n = 0, i;

	lua_getfield(L, -1, "vars");
	lua_pushnil(L);
	while (lua_next(L, -2) != 0)
		n++, lua_pop(L, 1);
	if ((nv = calloc((size_t)(n + o->nvars + 3), sizeof(*nv))) == NULL) {
		fprintf(stderr, "smtprun: out of memory\n");
		return -1;
	}
	n = 0;
	lua_pushnil(L);
	while (lua_next(L, -2) != 0) {
		lua_pushfstring(L, "%s=%s", lua_tostring(L, -2), lua_tostring(L, -1));
		nv[n++] = opts_own(o, lua_tostring(L, -1));
		lua_pop(L, 2);
	}
	lua_pop(L, 1);
	for (i = 0; i < o->nvars; i++)
		nv[n++] = o->vars[i];
	free(o->vars);
	o->vars = nv;
	o->nvars = n;
	o->r.so.vars = o->vars;
	return 0;
}

int
config_apply(struct opts *o)
{
	lua_State	*L;
	const char	*path = o->config;
	int		 rc, skip = o->no_config || env_no_config();

	if (path != NULL && o->no_config) {
		fprintf(stderr, "smtprun: --config and --no-config contradict each "
		    "other\n");
		return -1;
	}
	if (path == NULL && !skip && access("smtprun.yaml", R_OK) == 0)
		path = "smtprun.yaml";
	if (path == NULL) {
		if (o->target == NULL)
			return 0;
		fprintf(stderr, "smtprun: --target %s: no --config file (and %s)\n",
		    o->target, skip ? (o->no_config ? "--no-config skips "
		    "./smtprun.yaml" : "SMTPRUN_NO_CONFIG skips ./smtprun.yaml") :
		    "no ./smtprun.yaml");
		return -1;
	}
	if ((L = load(o, path)) == NULL)
		return -1;
	apply_target(L, o);
	apply_timeouts(L, o);
	rc = apply_vars(L, o);
	lua_close(L);
	return rc;
}
