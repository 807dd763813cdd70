/*
 * lsession.c - what client and server sessions share: sending, closing,
 * timeouts, errors, and the two metatables.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "buf.h"
#include "clock.h"
#include "conn.h"
#include "lerror.h"
#include "lsession.h"
#include "lsmtp.h"
#include "resolve.h"
#include "task.h"
#include "tls.h"
#include "transcript.h"

static const char FIND_KEY = 'f';

/* ---- helpers ---- */

struct session *
session_check(lua_State *L, int idx)
{
	struct session	*s = luaL_testudata(L, idx, CLIENT_META);

	if (s == NULL && (s = luaL_testudata(L, idx, SERVER_META)) == NULL)
		lerr_typeerror(L, idx, "smtp session");
	return s;
}

struct session *
session_check_open(lua_State *L, int idx)
{
	struct session	*s = session_check(L, idx);

	if (s->state == S_CLOSED || !conn_is_open(&s->c))
		lerr_raise(L, "usage", "attempt to use a closed session");
	if (s->state != S_OPEN)
		lerr_raise(L, "usage", "session is not connected");
	/* Busy means: a task still there is in a call on it. A task that was
	 * abandoned mid-call (a case over its time limit) leaves no claim. */
	if (lsmtp_busy(L, s->busy))
		lerr_raise(L, "usage", "session is busy with another call "
		    "(two tasks used it at once)");
	s->busy = 0;
	return s;
}

double
session_timeout(lua_State *L, struct session *s, int optidx)
{
	return lsmtp_timeout(L, optidx, s->timeout > 0 ? s->timeout : s->ctx->timeout);
}

const char *
session_answering(struct session *s, char *out, size_t len)
{
	snprintf(out, len, "%s", s->last_cmd[0] ? s->last_cmd :
	    s->server ? "the connection" : "the greeting");
	return out;
}

/* Up to 200 bytes of raw input, control bytes escaped, for messages. */
void
session_excerpt(struct buf *out, const char *p, size_t n)
{
	size_t	 i;
	char	 hex[8];

	for (i = 0; i < n && i < 200; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c == '\r')
			buf_appendstr(out, "\\r");
		else if (c == '\n')
			buf_appendstr(out, "\\n");
		else if (c < 0x20 || c == 0x7f) {
			snprintf(hex, sizeof(hex), "\\x%02x", c);
			buf_appendstr(out, hex);
		} else
			buf_append(out, p + i, 1);
	}
	if (n > 200)
		buf_appendstr(out, "...");
}

int
session_fail(lua_State *L, struct session *s, const char *kind, const char *fmt, ...)
{
	char	 msg[2048];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	s->busy = 0;
	tr_printf(s->c.tr, TR_ERROR, "%s", msg);
	lerr_push(L, kind, msg);
	lerr_field(L, "recorded", "transcript");
	return lerr_throw(L);
}

void
session_close(struct session *s, const char *why)
{
	if (s->state == S_CLOSED)
		return;
	if (conn_is_open(&s->c) && why != NULL)
		tr_printf(s->c.tr, TR_INFO, "%s", why);
	conn_close(&s->c);
	reply_free(&s->rp);
	resolve_free(s->rq);
	s->rq = NULL;
	s->ai = NULL;
	buf_free(&s->connerr);
	buf_free(&s->data);
	s->state = S_CLOSED;
}

/* ---- creation ---- */

struct session *
session_new(lua_State *L, struct smtp_ctx *ctx, int server, size_t line_max,
    size_t reply_max)
{
	struct session	*s = lua_newuserdatauv(L, sizeof(*s), 1);

	memset(s, 0, sizeof(*s));
	s->state = S_CLOSED;		/* consistent before anything can fail */
	s->server = server;
	s->ctx = ctx;
	conn_init(&s->c, sched_loop(ctx->sched), ctx->tr, line_max);
	s->c.wake = task_wake;
	reply_init(&s->rp, reply_max);
	luaL_setmetatable(L, server ? SERVER_META : CLIENT_META);
	lua_newtable(L);
	lua_setiuservalue(L, -2, 1);
	s->id = ++ctx->nsessions;
	return s;
}

int
session_find(lua_State *L, const char *text, size_t len, int pattern_idx)
{
	int	 found;

	lua_rawgetp(L, LUA_REGISTRYINDEX, &FIND_KEY);
	lua_pushlstring(L, text, len);
	lua_pushvalue(L, pattern_idx);
	if (lua_pcall(L, 2, 1, 0) != LUA_OK)
		return lerr_raise(L, "usage", "bad pattern \"%s\": %s",
		    lua_tostring(L, pattern_idx), lua_tostring(L, -1));
	found = !lua_isnil(L, -1);
	lua_pop(L, 1);
	return found;
}

/* ---- sending ---- */

/* Stack: 1 session, 2 deadline, 3 timeout. */
static int
send_k(lua_State *L, int status, lua_KContext kctx)
{
	struct session		*s = session_check(L, 1);
	double			 deadline = lua_tonumber(L, 2);
	enum conn_status	 st;
	char			 what[600];

	(void)status;
	(void)kctx;
	if (s->server) {
		char	 cmd[520];

		snprintf(what, sizeof(what), "the reply to %s",
		    session_answering(s, cmd, sizeof(cmd)));
	} else
		session_answering(s, what, sizeof(what));
	if (!conn_is_open(&s->c))
		return session_fail(L, s, "closed", "session closed while sending %s", what);
	st = conn_flush(&s->c);
	if (st == CONN_OK) {
		s->busy = 0;
		return 0;
	}
	if (st == CONN_ERR)
		return session_fail(L, s, "closed", "connection lost while sending %s (%s)",
		    what, s->c.err);
	if (mono_now() >= deadline)
		return session_fail(L, s, "timeout", "timed out after %g s sending %s "
		    "(the %s is not reading)", lua_tonumber(L, 3), what,
		    s->server ? "client" : "server");
	return task_wait(L, deadline, &s->c.waiter, 0, send_k);
}

int
session_send(lua_State *L, struct session *s, const char *p, size_t n, int crlf,
    int optidx)
{
	const char	*shown = NULL, *label = NULL;
	double		 timeout;
	struct buf	 ex = BUF_INIT;
	uint64_t	 me = lsmtp_claim(L);

	/* The strings stay on the stack while they are used. */
	if (lerr_checkopts(L, optidx)) {
		if (lua_getfield(L, optidx, "redact") == LUA_TSTRING)
			shown = lua_tostring(L, -1);
		if (lua_getfield(L, optidx, "label") == LUA_TSTRING)
			label = lua_tostring(L, -1);
	}
	timeout = session_timeout(L, s, lua_istable(L, optidx) ? optidx : 0);

	if (conn_queue(&s->c, p, n) == -1 || (crlf && conn_queue(&s->c, "\r\n", 2) == -1))
		return luaL_error(L, "out of memory");
	if (shown != NULL)
		shown = tr_secret(s->c.tr, KIND(s, TR_SEND), p, n, shown);
	else if (crlf)
		tr_line(s->c.tr, KIND(s, TR_SEND), p, n, LB_CRLF);
	else
		tr_chunk(s->c.tr, KIND(s, TR_SEND), p, n);
	/* What "in reply to" will say: never the secret itself. A server's
	 * last_cmd is the last command it received. */
	if (s->server)
		;
	else if (shown != NULL || label != NULL)
		snprintf(s->last_cmd, sizeof(s->last_cmd), shown ? "'%s'" : "%s",
		    shown ? shown : label);
	else {
		session_excerpt(&ex, p, n >= 2 && p[n - 2] == '\r' && p[n - 1] == '\n' ? n - 2 : n);
		snprintf(s->last_cmd, sizeof(s->last_cmd), "'%.*s'",
		    (int)(ex.len < 500 ? ex.len : 500), ex.p ? ex.p : "");
		buf_free(&ex);
	}
	s->busy = me;
	lua_settop(L, 1);
	lua_pushnumber(L, mono_now() + timeout);
	lua_pushnumber(L, timeout);
	return send_k(L, LUA_OK, 0);
}

/* s:send(line [, {redact=, timeout=}]): the line and CRLF. */
static int
l_send(lua_State *L)
{
	struct session	*s = session_check_open(L, 1);
	size_t		 n;
	const char	*p = lerr_checklstring(L, 2, &n);

	if (memchr(p, '\r', n) || memchr(p, '\n', n))
		return lerr_raise(L, "usage", "send: the line contains CR or LF "
		    "(send adds CRLF itself; use send_raw for exact bytes)");
	return session_send(L, s, p, n, 1, 3);
}

/* s:send_raw(bytes [, {redact=, label=, timeout=}]): exactly these bytes. */
static int
l_send_raw(lua_State *L)
{
	struct session	*s = session_check_open(L, 1);
	size_t		 n;
	const char	*p = lerr_checklstring(L, 2, &n);

	return session_send(L, s, p, n, 0, 3);
}

/* Stack: 1 session, 2 opts, 3 deadline, 4 timeout. */
static int
close_k(lua_State *L, int status, lua_KContext kctx)
{
	struct session		*s = session_check(L, 1);
	double			 deadline = lua_tonumber(L, 3);
	enum conn_status	 st;
	struct lb_line		 l;
	struct buf		 got = BUF_INIT;
	char			 what[600];

	(void)status;
	(void)kctx;
	session_answering(s, what, sizeof(what));
	for (;;) {
		if (!conn_is_open(&s->c))
			return session_fail(L, s, "closed", "session closed while waiting for "
			    "the %s to close it", s->server ? "client" : "server");
		if (lb_pending(&s->c.in) > 0) {
			session_excerpt(&got, lb_peek(&s->c.in), lb_pending(&s->c.in));
			buf_append(&got, "", 1);
			while (lb_line(&s->c.in, &l) == LB_LINE)
				tr_line(s->c.tr, KIND(s, TR_RECV_BAD), l.p, l.len, l.term);
			if (lb_rest(&s->c.in, &l))
				tr_line(s->c.tr, KIND(s, TR_RECV_BAD), l.p, l.len, LB_NONE);
			lua_pushfstring(L, "expected the %s to close the connection "
			    "after %s, but it sent \"%s\"", s->server ? "client" : "server", what, got.p);
			buf_free(&got);
			return session_fail(L, s, "expect", "%s", lua_tostring(L, -1));
		}
		st = conn_fill(&s->c);
		if (st == CONN_OK)
			continue;
		if (st == CONN_EOF || st == CONN_ERR) {
			session_close(s, st == CONN_EOF ? "Connection closed by remote host." :
			    "Connection reset by remote host.");
			s->busy = 0;
			lua_pushboolean(L, 1);
			return 1;
		}
		if (mono_now() >= deadline)
			return session_fail(L, s, "timeout", "expected the %s to close the "
			    "connection after %s, but it stayed open for %g s",
			    s->server ? "client" : "server", what, lua_tonumber(L, 4));
		return task_wait(L, deadline, &s->c.waiter, 0, close_k);
	}
}

/* s:expect_close([opts]): the server must close, sending nothing more. */
static int
l_expect_close(lua_State *L)
{
	struct session	*s = session_check_open(L, 1);
	double		 timeout;

	lerr_checkopts(L, 2);
	timeout = session_timeout(L, s, lua_istable(L, 2) ? 2 : 0);
	s->busy = lsmtp_claim(L);
	lua_settop(L, 2);
	lua_pushnumber(L, mono_now() + timeout);
	lua_pushnumber(L, timeout);
	return close_k(L, LUA_OK, 0);
}

/* ---- the rest ---- */

static int
l_close(lua_State *L)
{
	struct session	*s = session_check(L, 1);

	if (lsmtp_busy(L, s->busy))
		return lerr_raise(L, "usage", "close: session is busy in another task");
	session_close(s, "Connection closed with remote host.");
	return 0;
}

static int
l_gc(lua_State *L)
{
	struct session	*s = session_check(L, 1);

	session_close(s, NULL);
	return 0;
}

static int
l_settimeout(lua_State *L)
{
	struct session	*s = session_check(L, 1);
	double		 t = lerr_checknumber(L, 2);

	if (!(t > 0))
		lerr_argerror(L, 2, "timeout must be positive");
	s->timeout = t;
	return 0;
}

static int
l_peer(lua_State *L)
{
	struct session	*s = session_check(L, 1);

	lua_pushstring(L, s->host);
	lua_pushinteger(L, strtol(s->port, NULL, 10));
	lua_pushstring(L, s->addr);
	return 3;
}

static int
l_is_open(lua_State *L)
{
	struct session	*s = session_check(L, 1);

	lua_pushboolean(L, s->state == S_OPEN && conn_is_open(&s->c));
	return 1;
}

static int
l_last_command(lua_State *L)
{
	struct session	*s = session_check(L, 1);

	lua_pushstring(L, s->last_cmd);
	return 1;
}

/* The table scripts may keep per-session data in (lua/smtp.lua: caps). */
static int
l_data(lua_State *L)
{
	session_check(L, 1);
	lua_getiuservalue(L, 1, 1);
	return 1;
}

static int
l_tostring(lua_State *L)
{
	struct session	*s = session_check(L, 1);

	lua_pushfstring(L, "smtp %s session %d (%s port %s, %s)",
	    s->server ? "server" : "client", s->id, s->host, s->port,
	    s->state == S_OPEN ? "open" : s->state == S_CLOSED ? "closed" : "connecting");
	return 1;
}

/* ---- TLS ---- */

/* Pushes what the session's TLS is: protocol, cipher, verification, chain. */
static void
push_tls_info(lua_State *L, struct session *s)
{
	struct tls_cert_info	 chain[8];
	const char		*why;
	int			 n, i, v;

	lua_createtable(L, 0, 6);
	lua_pushstring(L, tls_protocol(&s->c));
	lua_setfield(L, -2, "protocol");
	lua_pushstring(L, tls_cipher(&s->c));
	lua_setfield(L, -2, "cipher");
	if ((v = tls_verified(&s->c, &why)) >= 0) {
		lua_pushboolean(L, v);
		lua_setfield(L, -2, "verified");
		lua_pushstring(L, why);
		lua_setfield(L, -2, "verify_error");
	}
	n = tls_peer_chain(&s->c, chain, 8);
	lua_createtable(L, n, 0);
	for (i = 0; i < n; i++) {
		lua_createtable(L, 0, 6);
		lua_pushstring(L, chain[i].subject);
		lua_setfield(L, -2, "subject");
		lua_pushstring(L, chain[i].issuer);
		lua_setfield(L, -2, "issuer");
		lua_pushstring(L, chain[i].not_before);
		lua_setfield(L, -2, "not_before");
		lua_pushstring(L, chain[i].not_after);
		lua_setfield(L, -2, "not_after");
		lua_pushstring(L, chain[i].sans);
		lua_setfield(L, -2, "sans");
		lua_pushstring(L, chain[i].sha256);
		lua_setfield(L, -2, "sha256");
		lua_rawseti(L, -2, i + 1);
	}
	lua_setfield(L, -2, "chain");
}

/* The "===" lines that say what TLS was agreed and whom it is with. */
static void
record_tls(struct session *s)
{
	struct tls_cert_info	 chain[1];
	const char		*why;
	int			 v = tls_verified(&s->c, &why);

	tr_printf(s->c.tr, TR_INFO, "TLS started: %s, %s", tls_protocol(&s->c),
	    tls_cipher(&s->c));
	if (tls_peer_chain(&s->c, chain, 1) == 1) {
		tr_printf(s->c.tr, TR_INFO, "peer certificate: subject %s, issuer %s",
		    chain[0].subject, chain[0].issuer);
		tr_printf(s->c.tr, TR_INFO, "  valid %s to %s; %s", chain[0].not_before,
		    chain[0].not_after, chain[0].sans[0] ? chain[0].sans : "no SANs");
	}
	if (v == 1)
		tr_printf(s->c.tr, TR_INFO, "certificate verified");
	else if (v == 0 && !tls_verify_enabled(&s->c))
		tr_printf(s->c.tr, TR_INFO, "certificate NOT verified (verify=false): "
		    "it would have failed: %s", why);
	else if (v == 0)
		tr_printf(s->c.tr, TR_INFO, "certificate NOT verified: %s", why);
}

/* Stack: 1 session, 2 opts, 3 deadline, 4 timeout. */
static int
tls_k(lua_State *L, int status, lua_KContext kctx)
{
	struct session	*s = session_check(L, 1);
	char		 err[1024];

	(void)status;
	(void)kctx;
	if (!conn_is_open(&s->c))
		return session_fail(L, s, "closed", "session closed during the TLS handshake");
	switch (tls_handshake(&s->c, err, sizeof(err))) {
	case TLS_DONE:
		s->busy = 0;
		record_tls(s);
		push_tls_info(L, s);
		return 1;
	case TLS_FAIL:
		/* The stream is in an unknown state: nothing more can be said on it. */
		tr_printf(s->c.tr, TR_ERROR, "%s", err);
		session_close(s, NULL);
		s->busy = 0;
		lerr_push(L, "tls", err);
		lerr_field(L, "recorded", "transcript");
		return lerr_throw(L);
	default:
		if (mono_now() >= lua_tonumber(L, 3)) {
			/* Half a handshake: the connection cannot be used any more. */
			snprintf(err, sizeof(err), "timed out after %g s in the TLS handshake "
			    "with %s port %s", lua_tonumber(L, 4), s->host, s->port);
			tr_printf(s->c.tr, TR_ERROR, "%s", err);
			session_close(s, NULL);
			s->busy = 0;
			lerr_push(L, "timeout", err);
			lerr_field(L, "recorded", "transcript");
			return lerr_throw(L);
		}
		return task_wait(L, lua_tonumber(L, 3), &s->c.waiter, 0, tls_k);
	}
}

/* A string option; the value stays on the stack (the caller's settop
 * clears it), so the pointer lives as long as the call. */
static const char *
opt_str(lua_State *L, int idx, const char *name)
{
	if (lua_getfield(L, idx, name) == LUA_TNIL)
		return NULL;
	if (lua_type(L, -1) != LUA_TSTRING)
		lerr_raise(L, "usage", "tls option %s must be a string", name);
	return lua_tostring(L, -1);
}

/*
 * s:tls_handshake([opts]): TLS on the live connection (after STARTTLS's 220,
 * or at once for implicit TLS). Bytes that arrived before the handshake are
 * never taken as TLS data: they are discarded and reported (CVE-2011-0411).
 */
static int
l_tls_handshake(lua_State *L)
{
	struct session	*s = session_check_open(L, 1);
	struct tls_opts	 o;
	const char	*ca;
	char		 where[300], err[1024];
	double		 timeout;
	int		 opt = lerr_checkopts(L, 2), keep = 0;
	size_t		 pending;

	uint64_t	 me = lsmtp_claim(L);

	if (s->c.tls != NULL)
		return lerr_raise(L, "usage", "TLS is already active on this session");
	if (!opt) {
		lua_settop(L, 1);
		lua_newtable(L);
	}
	memset(&o, 0, sizeof(o));
	o.server = s->server;
	o.verify = !s->server && !s->ctx->insecure;
	o.cafile = s->server ? NULL : s->ctx->cafile;
	if (lua_getfield(L, 2, "verify") != LUA_TNIL)
		o.verify = lua_toboolean(L, -1);
	if (lua_getfield(L, 2, "sni") == LUA_TBOOLEAN && !lua_toboolean(L, -1))
		o.sni = "";
	else if (lua_type(L, -1) == LUA_TSTRING)
		o.sni = lua_tostring(L, -1);
	if (lua_getfield(L, 2, "request_cert") != LUA_TNIL)
		o.request_cert = o.verify = lua_toboolean(L, -1);
	if (lua_getfield(L, 2, "keep_plaintext") != LUA_TNIL)
		keep = lua_toboolean(L, -1);
	/* (values stay on the stack until lua_settop below) */
	if ((ca = opt_str(L, 2, "cafile")) != NULL)
		o.cafile = ca;
	o.capath = opt_str(L, 2, "capath");
	o.verify_name = opt_str(L, 2, "verify_name");
	o.cert = opt_str(L, 2, "cert");
	o.key = opt_str(L, 2, "key");
	o.cert_pem = opt_str(L, 2, "cert_pem");
	o.key_pem = opt_str(L, 2, "key_pem");
	o.min_version = opt_str(L, 2, "min_version");
	o.max_version = opt_str(L, 2, "max_version");
	o.ciphers = opt_str(L, 2, "ciphers");
	o.ciphersuites = opt_str(L, 2, "ciphersuites");
	if (!s->server && (o.verify_name == NULL || *o.verify_name == '\0'))
		o.verify_name = s->host;
	timeout = session_timeout(L, s, 2);

	/* Plaintext that came before the handshake is not part of TLS. */
	if ((pending = lb_pending(&s->c.in)) > 0 && !keep) {
		tr_printf(s->c.tr, TR_ERROR, "discarded %zu byte%s the %s sent after %s "
		    "and before TLS (STARTTLS command injection, CVE-2011-0411)", pending,
		    pending == 1 ? "" : "s", s->server ? "client" : "server",
		    s->server ? "STARTTLS" : "its 220 to STARTTLS");
		lb_drop(&s->c.in, pending);
	}
	if (!s->server && !o.verify)
		tr_printf(s->c.tr, TR_INFO, "certificate verification off (%s)",
		    s->ctx->insecure ? "--insecure" : "verify=false");
	snprintf(where, sizeof(where), strchr(s->host, ':') ? "[%s]:%s" : "%s:%s",
	    s->host, s->port);
	if (tls_start(&s->c, &o, where, err, sizeof(err)) == -1) {
		tr_printf(s->c.tr, TR_ERROR, "%s", err);
		return lerr_raise(L, "setup", "%s", err);
	}
	lua_settop(L, 2);
	lua_pushnumber(L, mono_now() + timeout);
	lua_pushnumber(L, timeout);
	s->busy = me;
	return tls_k(L, LUA_OK, 0);
}

/* s:tls_info(): nil before TLS. */
static int
l_tls_info(lua_State *L)
{
	struct session	*s = session_check(L, 1);

	if (!conn_secure(&s->c))
		return 0;
	push_tls_info(L, s);
	return 1;
}

static const luaL_Reg shared_methods[] = {
	{ "send", l_send },
	{ "send_raw", l_send_raw },
	{ "expect_close", l_expect_close },
	{ "close", l_close },
	{ "settimeout", l_settimeout },
	{ "peer", l_peer },
	{ "is_open", l_is_open },
	{ "last_command", l_last_command },
	{ "data_table", l_data },
	{ "tls_handshake", l_tls_handshake },
	{ "tls_info", l_tls_info },
	{ NULL, NULL }
};

/* One metatable per role; leaves the role's methods table on the stack. */
static void
new_role(lua_State *L, const char *meta, const luaL_Reg *own)
{
	static const luaL_Reg metamethods[] = {
		{ "__gc", l_gc },
		{ "__close", l_gc },
		{ "__tostring", l_tostring },
		{ NULL, NULL }
	};

	luaL_newmetatable(L, meta);
	luaL_setfuncs(L, metamethods, 0);
	lua_newtable(L);
	luaL_setfuncs(L, shared_methods, 0);
	luaL_setfuncs(L, own, 0);
	lua_pushvalue(L, -1);
	lua_setfield(L, -3, "__index");
	lua_remove(L, -2);
}

void
lsession_register(lua_State *L)
{
	/* string.find as loaded, so a script cannot swap what patterns use. */
	luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
	lua_getfield(L, -1, LUA_STRLIBNAME);
	lua_getfield(L, -1, "find");
	lua_rawsetp(L, LUA_REGISTRYINDEX, &FIND_KEY);
	lua_pop(L, 2);

	new_role(L, CLIENT_META, lclient_methods);
	lua_setfield(L, -2, "session");
	new_role(L, SERVER_META, lserver_methods);
	lua_setfield(L, -2, "server_session");
}
