/* lcore.c - module "smtprun.core", and the small functions of its own. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>

#include "binding/largs.h"
#include "binding/lclient.h"
#include "binding/lcore.h"
#include "binding/lctx.h"
#include "binding/lerror.h"
#include "binding/ljson.h"
#include "binding/llistener.h"
#include "binding/lrunner.h"
#include "binding/lphase.h"
#include "binding/lsandbox.h"
#include "binding/lsasl.h"
#include "binding/lserver.h"
#include "binding/lsession.h"
#include "binding/ltasks.h"
#include "binding/lyaml.h"
#include "binding/task.h"
#include "core/b64.h"
#include "core/clock.h"
#include "core/dotstuff.h"
#include "core/escape.h"
#include "io/outfile.h"
#include "io/tls_cert.h"

/* The string argument through one of the pure cores, as a string. */
static int
transform(lua_State *L, int (*fn)(const char *, size_t, struct buf *))
{
	size_t		 n;
	const char	*s = larg_checklstring(L, 1, &n);
	struct buf	 b = BUF_INIT;

	return larg_pushbuf(L, &b, fn(s, n, &b));
}

static int
encode(const char *s, size_t n, struct buf *out)
{
	return b64_encode(s, n, out);
}

static int
l_b64encode(lua_State *L)
{
	return transform(L, encode);
}

/* Returns the decoded string, or nil and why (bad input is data, not misuse). */
static int
l_b64decode(lua_State *L)
{
	size_t			 n;
	const char		*s = larg_checklstring(L, 1, &n), *why = NULL;
	struct buf		 b = BUF_INIT;
	enum b64_status		 rc = b64_decode(s, n, &b, &why);

	if (rc == B64_INVALID) {
		buf_free(&b);
		lua_pushnil(L);
		lua_pushfstring(L, "invalid base64: %s", why);
		return 2;
	}
	return larg_pushbuf(L, &b, rc != B64_OK);
}

static int
l_dot_stuff(lua_State *L)
{
	return transform(L, dot_stuff);
}

/* core.escape(bytes [, multiline]): the bytes as smtprun shows them
 * everywhere (core/escape.h). */
static int
l_escape(lua_State *L)
{
	size_t		 n;
	const char	*s = larg_checklstring(L, 1, &n);
	struct buf	 b = BUF_INIT;

	return larg_pushbuf(L, &b, esc_append(&b, s, n, lua_toboolean(L, 2) ?
	    ESC_MULTILINE : 0));
}

static int
l_now(lua_State *L)
{
	lua_pushnumber(L, mono_now());
	return 1;
}

/* note(text [, "error"]): a "===" (or "***") line in the transcript. */
static int
l_note(lua_State *L)
{
	struct smtp_ctx	*ctx = lctx_get(L);
	size_t		 n;
	const char	*s = larg_checklstring(L, 1, &n);
	const char	*kind = larg_optlstring(L, 2, "info", NULL);

	tr_text(lctx_tr(L, ctx), strcmp(kind, "error") == 0 ? TR_ERROR : TR_INFO, s, n);
	return 0;
}

/* fail(message [, kind [, fields]]): raises a scenario error at the caller. */
static int
l_fail(lua_State *L)
{
	const char	*msg = larg_checklstring(L, 1, NULL);
	const char	*kind = larg_optlstring(L, 2, "expect", NULL);

	lerr_push(L, kind, msg);
	if (lua_istable(L, 3)) {
		lua_pushnil(L);
		while (lua_next(L, 3) != 0) {
			lua_pushvalue(L, -2);
			lua_insert(L, -2);
			lua_settable(L, -4);
		}
	}
	return lerr_throw(L, NULL);
}

/* is_setup_error(kind): true for the kinds that mean exit 2. */
static int
l_is_setup_error(lua_State *L)
{
	lua_pushboolean(L, lua_type(L, 1) == LUA_TSTRING && lerr_is_setup(lua_tostring(L, 1)));
	return 1;
}

/* realpath(path): the path with symlinks, "." and ".." resolved (realpath(3)),
 * or nil and why. */
static int
l_realpath(lua_State *L)
{
	const char	*path = larg_checklstring(L, 1, NULL);
	char		 res[PATH_MAX];

	if (realpath(path, res) == NULL) {
		lua_pushnil(L);
		lua_pushstring(L, strerror(errno));
		return 2;
	}
	lua_pushstring(L, res);
	return 1;
}

/* tls_selfsigned(cn [, days]): a certificate and its key, PEM text. */
static int
l_tls_selfsigned(lua_State *L)
{
	const char	*cn = larg_checklstring(L, 1, NULL);
	lua_Integer	 days = luaL_optinteger(L, 2, 30);
	struct buf	 cert = BUF_INIT, key = BUF_INIT;
	char		 err[256];

	if (tls_selfsigned(cn, (int)days, &cert, &key, err, sizeof(err)) == -1) {
		buf_free(&cert);
		buf_free(&key);
		return lerr_raise(L, "setup", "%s", err);
	}
	lua_pushlstring(L, cert.p, cert.len);
	lua_pushlstring(L, key.p, key.len);
	buf_free(&cert);
	buf_free(&key);
	return 2;
}

/* core.write_file(path, text): the whole file, as transcripts and reports
 * are written (io/outfile.h: never through a link). Returns true, or nil
 * and why. Under --sandbox only a golden transcript: a script can require
 * "smtprun.core" (or call its preload loader) as smtprun's modules do. */
static int
l_write_file(lua_State *L)
{
	const char	*path = larg_checklstring(L, 1, NULL), *p;
	size_t		 n;
	ssize_t		 w;
	char		 err[512];
	int		 fd;

	p = larg_checklstring(L, 2, &n);
	if (lctx_get(L)->set.sandbox && !lsandbox_may_write(&lctx_get(L)->set, path))
		return lerr_raise(L, "usage", "core.write_file is not allowed under "
		    "--sandbox (only golden transcripts, with --update-golden)");
	if ((fd = out_open(path, 0, err, sizeof(err))) == -1)
		goto fail;
	while (n > 0) {
		if ((w = write(fd, p, n)) == -1 && errno == EINTR)
			continue;
		if (w == -1) {
			snprintf(err, sizeof(err), "writing %s: %s", path, strerror(errno));
			close(fd);
			goto fail;
		}
		p += w;
		n -= (size_t)w;
	}
	if (close(fd) == -1 && errno != EINTR) {
		snprintf(err, sizeof(err), "writing %s: %s", path, strerror(errno));
		goto fail;
	}
	lua_pushboolean(L, 1);
	return 1;
fail:
	lua_pushnil(L);
	lua_pushstring(L, err);
	return 2;
}

static int
luaopen_core(lua_State *L)
{
	static const luaL_Reg funcs[] = {
		{ "b64encode", l_b64encode },
		{ "b64decode", l_b64decode },
		{ "dot_stuff", l_dot_stuff },
		{ "escape", l_escape },
		{ "now", l_now },
		{ "phase_record", lphase_record },
		{ "load_active", lphase_active },
		{ "note", l_note },
		{ "fail", l_fail },
		{ "is_setup_error", l_is_setup_error },
		{ "realpath", l_realpath },
		{ "tls_selfsigned", l_tls_selfsigned },
		{ "write_file", l_write_file },
		{ NULL, NULL }
	};

	luaL_newlib(L, funcs);
	session_init(L);
	lclient_register(L);
	lserver_register(L);
	llistener_register(L);
	ltasks_register(L);
	lrunner_register(L);
	lsasl_register(L);
	lyaml_register(L);
	ljson_register(L);
	return 1;
}

void
lcore_open(lua_State *L, struct smtp_ctx *ctx)
{
	task_state_init(L);
	lctx_set(L, ctx);
	luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
	lua_pushcfunction(L, luaopen_core);
	lua_setfield(L, -2, "smtprun.core");
	lua_pop(L, 1);
}
