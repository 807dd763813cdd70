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

/*
 * Reads the configuration (lua/smtp/config.lua, in a Lua state of its own)
 * and applies it where the command line said nothing: target, TLS,
 * timeouts, and variables (which -D overrides). Returns -1 on an error,
 * already printed with file:line:column.
 */
int
config_apply(struct opts *o)
{
	struct smtp_ctx	 ctx;
	lua_State	*L;
	const char	*path = o->config, *v, **nv;
	int		 rc = -1, n = 0, i;

	if (path == NULL && access("smtprun.yaml", R_OK) == 0)
		path = "smtprun.yaml";
	if (path == NULL) {
		if (o->target != NULL) {
			fprintf(stderr, "smtprun: --target %s: no --config file (and no "
			    "./smtprun.yaml)\n", o->target);
			return -1;
		}
		return 0;
	}
	if ((L = luaL_newstate()) == NULL)
		return -1;
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
	if (lua_pcall(L, 1, 1, 0) != LUA_OK)
		goto bad;
	lua_getfield(L, -1, "load");
	lua_pushstring(L, path);
	lua_pushstring(L, o->target);
	if (lua_pcall(L, 2, 1, 0) != LUA_OK)
		goto bad;
	if (!opts_given(o, "server") && (v = cfg_str(L, o, "host")) != NULL) {
		o->r.so.host = v;
		o->r.so.port = cfg_str(L, o, "port");
	}
	if ((v = cfg_str(L, o, "tls")) != NULL && strcmp(v, "implicit") == 0)
		o->r.so.implicit_tls = 1;
	if (lua_getfield(L, -1, "verify") == LUA_TBOOLEAN && !lua_toboolean(L, -1))
		o->r.so.insecure = 1;
	lua_pop(L, 1);
	if (o->r.so.cafile == NULL)
		o->r.so.cafile = cfg_str(L, o, "cafile");
	if (!opts_given(o, "timeout"))
		o->r.so.timeout = cfg_num(L, "wait_timeout", o->r.so.timeout);
	o->r.so.case_timeout = cfg_num(L, "case_timeout", o->r.so.case_timeout);
	o->r.file_timeout = cfg_num(L, "file_timeout", o->r.file_timeout);
	/* Variables: the config's first, so that -D (later) wins. */
	lua_getfield(L, -1, "vars");
	lua_pushnil(L);
	while (lua_next(L, -2) != 0)
		n++, lua_pop(L, 1);
	if ((nv = calloc((size_t)(n + o->nvars + 3), sizeof(*nv))) == NULL)
		goto out;
	n = 0;
	lua_pushnil(L);
	while (lua_next(L, -2) != 0) {
		lua_pushfstring(L, "%s=%s", lua_tostring(L, -2), lua_tostring(L, -1));
		nv[n++] = opts_own(o, lua_tostring(L, -1));
		lua_pop(L, 2);
	}
	for (i = 0; i < o->nvars; i++)
		nv[n++] = o->vars[i];
	free(o->vars);
	o->vars = nv;
	o->nvars = n;
	o->r.so.vars = o->vars;
	rc = 0;
	goto out;
bad:
	fprintf(stderr, "smtprun: %s\n", luaL_tolstring(L, -1, NULL));
out:
	lua_close(L);
	return rc;
}

