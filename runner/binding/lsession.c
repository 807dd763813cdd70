/*
 * lsession.c - what client and server sessions share: sending, closing,
 * timeouts, errors, and the metatable of each role.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "binding/largs.h"
#include "binding/lctx.h"
#include "binding/lerror.h"
#include "binding/lsession.h"
#include "binding/lwait.h"
#include "binding/task.h"
#include "io/resolve.h"
#include "io/tcp.h"


static const char FIND_KEY = 'f';

/* ---- helpers ---- */

struct session *
session_check(lua_State *L, int idx)
{
	struct session	*s = luaL_testudata(L, idx, CLIENT_META);

	if (s == NULL && (s = luaL_testudata(L, idx, SERVER_META)) == NULL)
		larg_typeerror(L, idx, "smtp session");
	return s;
}

struct session *
session_check_open(lua_State *L, int idx)
{
	struct session	*s = session_check(L, idx);

	if (s->state == S_CLOSED && s->gone[0])
		lerr_raise(L, "closed", "the session was closed after %s", s->gone);
	if (s->state == S_CLOSED || !conn_is_open(&s->c))
		lerr_raise(L, "usage", "attempt to use a closed session");
	if (s->state != S_OPEN)
		lerr_raise(L, "usage", "session is not connected");
	if (lwait_busy(s->busy))
		lerr_raise(L, "usage", "session is busy with another call "
		    "(two tasks used it at once)");
	return s;
}

double
session_timeout(lua_State *L, struct session *s, int opts)
{
	return larg_timeout(L, opts, s->timeout > 0 ? s->timeout : s->ctx->set.timeout);
}

void
session_begin(lua_State *L, struct session *s, int opts)
{
	lwait_begin(L, &s->busy, session_timeout(L, s, opts));
	/* A session outlives the case that opened it: what it records goes to
	 * the transcript of the case running now, and a case that uses an
	 * unverified TLS session is marked like the one that began it. */
	if (s->c.tr != NULL && s->ctx->tr != NULL && s->trv.parent != s->ctx->tr)
		tr_view_attach(&s->trv, s->ctx->tr, s->id);
	if (s->unverified)
		s->ctx->insecure++;
}

const char *
session_last(struct session *s)
{
	struct buf	 ex = BUF_INIT;

	if (s->last_stale) {
		/* last_raw holds one byte past the excerpt when there was more:
		 * esc_excerpt cuts there and adds its mark, as on the whole. */
		esc_excerpt(&ex, s->last_raw, s->last_rawlen, EXCERPT);
		snprintf(s->last_cmd, sizeof(s->last_cmd), "'%s'", buf_cstr(&ex));
		buf_free(&ex);
		s->last_stale = 0;
	}
	return s->last_cmd;
}

const char *
session_answering(struct session *s)
{
	const char	*last = session_last(s);

	return last[0] ? last : s->server ? "the connection" : "the greeting";
}

void
session_set_last(struct session *s, const char *p, size_t n)
{
	s->last_rawlen = n < sizeof(s->last_raw) ? n : sizeof(s->last_raw);
	memcpy(s->last_raw, p, s->last_rawlen);
	s->last_stale = 1;
}

void
session_set_text(struct session *s, const char *text, int quoted)
{
	size_t	 n = strlen(text), max = sizeof(s->last_cmd) - 1 - (quoted ? 2 : 0);
	char	*o = s->last_cmd;

	if (n > max)
		n = max;
	if (quoted)
		*o++ = '\'';
	memcpy(o, text, n);
	o += n;
	if (quoted)
		*o++ = '\'';
	*o = '\0';
	s->last_stale = 0;
}

void
session_set_quiet(struct session *s)
{
	tr_view_detach(&s->trv);
	s->c.tr = NULL;
}

void
session_close(struct session *s, const char *why)
{
	if (s->owned_prev != NULL) {	/* off its virtual session's list */
		if ((*s->owned_prev = s->owned_next) != NULL)
			s->owned_next->owned_prev = s->owned_prev;
		s->owned_prev = NULL;
		s->owned_next = NULL;
	}
	if (s->state == S_CLOSED)
		return;
	if (conn_is_open(&s->c) && why != NULL)
		tr_printf(s->c.tr, TR_INFO, "%s", why);
	conn_close(&s->c);
	tr_view_detach(&s->trv);	/* no longer one of those open */
	reply_free(&s->rp);
	resolve_free(s->rq);
	s->rq = NULL;
	s->ai = NULL;
	buf_free(&s->connerr);
	dr_free(&s->data);
	buf_free(&s->held);
	s->state = S_CLOSED;
}

void
lsession_close_owned(struct lowner *o)
{
	struct session	*s;

	while ((s = o->sessions) != NULL) {
		session_close(s, "Closing the connection: the virtual session ended.");
		s->c.tr = NULL;
	}
}

int
session_fail_closing(lua_State *L, struct session *s, const char *note,
    const char *gone, const char *kind, const char *fmt, ...)
{
	char	 msg[1024];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	lerr_push(L, kind, msg);
	lerr_record(L, s->c.tr);
	session_close(s, note);
	snprintf(s->gone, sizeof(s->gone), "%s", gone);
	return lerr_throw(L, NULL);
}

/* ---- creation ---- */

struct session *
session_new(lua_State *L, struct smtp_ctx *ctx, int server, size_t line_max,
    size_t reply_max)
{
	struct session	*s = lua_newuserdatauv(L, sizeof(*s), 1);
	struct lowner	*own;
	struct transcript *tr;

	memset(s, 0, sizeof(*s));
	s->state = S_CLOSED;		/* consistent before anything can fail */
	PHASE_INIT(&s->ph);		/* no phase timed */
	s->server = server;
	s->ctx = ctx;
	s->id = ++ctx->nsessions;
	conn_init(&s->c, sched_loop(ctx->sched), &tp_tcp, NULL, line_max);
	if ((tr = lctx_tr(L, ctx)) != NULL) {
		tr_view_attach(&s->trv, tr, s->id);
		s->c.tr = &s->trv;
	}
	s->c.wake = task_wake;
	reply_init(&s->rp, reply_max);
	luaL_setmetatable(L, server ? SERVER_META : CLIENT_META);
	lua_newtable(L);
	lua_setiuservalue(L, -2, 1);
	if ((own = lctx_owner(L, ctx)) != NULL) {
		if ((s->owned_next = own->sessions) != NULL)
			own->sessions->owned_prev = &s->owned_next;
		own->sessions = s;
		s->owned_prev = &own->sessions;
	}
	return s;
}

int
session_try_find(lua_State *L, const char *text, size_t len, int pattern_idx)
{
	int	 found;

	lua_rawgetp(L, LUA_REGISTRYINDEX, &FIND_KEY);
	lua_pushlstring(L, text, len);
	lua_pushvalue(L, pattern_idx);
	if (lua_pcall(L, 2, 1, 0) != LUA_OK) {
		lua_pushfstring(L, "bad pattern \"%s\": %s", lua_tostring(L, pattern_idx),
		    lua_tostring(L, -1));
		lua_remove(L, -2);
		return -1;
	}
	found = !lua_isnil(L, -1);
	lua_pop(L, 1);
	return found;
}

int
session_find(lua_State *L, const char *text, size_t len, int pattern_idx)
{
	int	 found = session_try_find(L, text, len, pattern_idx);

	if (found == -1)
		return lerr_raise(L, "usage", "%s", lua_tostring(L, -1));
	return found;
}

/* ---- sending ---- */

/* Stack: 1 session. */
static int
send_k(lua_State *L, int status, lua_KContext kctx)
{
	struct session		*s = session_check(L, 1);
	const char		*pre = s->server ? "the reply to " : "";
	enum conn_status	 st;

	(void)status;
	(void)kctx;
	if (!conn_is_open(&s->c))
		return session_fail(L, s, "closed", "session closed while sending %s%s", pre,
		    session_answering(s));
	/* The phase's clock starts as the bytes go to the kernel: on loopback
	 * the peer may answer before the write returns. */
	PHASE(s, phase_sent);
	st = conn_flush(&s->c);
	if (st == CONN_OK)
		return lwait_done(L, 0);
	if (st == CONN_ERR)
		return session_fail(L, s, "closed", "connection lost while sending %s%s (%s)",
		    pre, session_answering(s), s->c.err);
	if (lwait_expired(L))
		return session_fail(L, s, "timeout", "timed out after %g s sending %s%s "
		    "(the %s is not reading)", lwait_timeout(L), pre, session_answering(s),
		    s->server ? "client" : "server");
	return lwait_yield(L, &s->c.waiter, 0, send_k);
}

int
session_send(lua_State *L, struct session *s, const char *p, size_t n, int crlf,
    int optidx)
{
	const char	*shown = NULL, *label = NULL;
	int		 opts = larg_opts(L, optidx);

	/* The strings stay on the stack while they are used. */
	if (opts) {
		if (lua_getfield(L, opts, "redact") == LUA_TSTRING)
			shown = lua_tostring(L, -1);
		if (lua_getfield(L, opts, "label") == LUA_TSTRING)
			label = lua_tostring(L, -1);
	}
	session_begin(L, s, opts);
	if (conn_queue(&s->c, p, n) == -1 || (crlf && conn_queue(&s->c, "\r\n", 2) == -1))
		return lerr_nomem(L);
	PHASE(s, phase_sent_queued, p, n, crlf);
	if (shown != NULL && s->ctx->set.show_secrets)
		shown = NULL;		/* recorded as any other line */
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
		session_set_text(s, shown ? shown : label, shown != NULL);
	else
		session_set_last(s, p, n >= 2 && p[n - 2] == '\r' && p[n - 1] == '\n' ?
		    n - 2 : n);
	lua_settop(L, 1);
	return send_k(L, LUA_OK, 0);
}

/* s:send(line [, {redact=, timeout=}]): the line and CRLF. */
static int
l_send(lua_State *L)
{
	struct session	*s = session_check_open(L, 1);
	size_t		 n;
	const char	*p = larg_checklstring(L, 2, &n);

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
	const char	*p = larg_checklstring(L, 2, &n);

	return session_send(L, s, p, n, 0, 3);
}

/* ---- the peer closing ---- */

/* The peer sent bytes where it should have closed: they are recorded, and
 * the failure says what they were. */
static int
not_closed(lua_State *L, struct session *s)
{
	struct buf	 got = BUF_INIT;
	struct lb_line	 l;

	esc_excerpt(&got, lb_peek(&s->c.in), lb_pending(&s->c.in), EXCERPT);
	while (lb_line(&s->c.in, &l) == LB_LINE)
		tr_line(s->c.tr, KIND(s, TR_RECV_BAD), l.p, l.len, l.term);
	if (lb_rest(&s->c.in, &l))
		tr_line(s->c.tr, KIND(s, TR_RECV_BAD), l.p, l.len, LB_NONE);
	lua_pushfstring(L, "expected the %s to close the connection after %s, but it "
	    "sent \"%s\"", s->server ? "client" : "server", session_answering(s),
	    buf_cstr(&got));
	buf_free(&got);
	return session_fail(L, s, "expect", "%s", lua_tostring(L, -1));
}

/* Stack: 1 session, 2 opts. */
static int
close_k(lua_State *L, int status, lua_KContext kctx)
{
	struct session		*s = session_check(L, 1);
	enum conn_status	 st;

	(void)status;
	(void)kctx;
	for (;;) {
		if (!conn_is_open(&s->c))
			return session_fail(L, s, "closed", "session closed while waiting for "
			    "the %s to close it", s->server ? "client" : "server");
		if (lb_pending(&s->c.in) > 0)
			return not_closed(L, s);
		st = lwait_fill(L, &s->c);
		if (st == CONN_OK)
			continue;
		if (st == CONN_EOF || st == CONN_ERR) {
			session_close(s, st == CONN_ERR ? "Connection reset by remote host." :
			    s->c.truncated ? "Connection closed by remote host (without TLS "
			    "close_notify)." : "Connection closed by remote host.");
			lua_pushboolean(L, 1);
			return lwait_done(L, 1);
		}
		if (lwait_expired(L))
			return session_fail(L, s, "timeout", "expected the %s to close the "
			    "connection after %s, but it stayed open for %g s",
			    s->server ? "client" : "server", session_answering(s),
			    lwait_timeout(L));
		return lwait_yield(L, &s->c.waiter, 0, close_k);
	}
}

/* s:expect_close([opts]): the peer must close, sending nothing more. */
static int
l_expect_close(lua_State *L)
{
	struct session	*s = session_check_open(L, 1);

	session_begin(L, s, larg_opts(L, 2));
	lua_settop(L, 2);
	return close_k(L, LUA_OK, 0);
}

/* ---- the rest ---- */

static int
l_close(lua_State *L)
{
	struct session	*s = session_check(L, 1);

	if (lwait_busy(s->busy))
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
	double		 t = larg_checknumber(L, 2);

	if (!(t > 0))
		larg_error(L, 2, "timeout must be positive");
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

	lua_pushstring(L, session_last(s));
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

const luaL_Reg session_methods[] = {
	{ "send", l_send },
	{ "send_raw", l_send_raw },
	{ "expect_close", l_expect_close },
	{ "close", l_close },
	{ "settimeout", l_settimeout },
	{ "peer", l_peer },
	{ "is_open", l_is_open },
	{ "last_command", l_last_command },
	{ "data_table", l_data },
	{ NULL, NULL }
};

const luaL_Reg session_metamethods[] = {
	{ "__gc", l_gc },
	{ "__close", l_gc },
	{ "__tostring", l_tostring },
	{ NULL, NULL }
};

void
session_init(lua_State *L)
{
	/* string.find as loaded, so a script cannot swap what patterns use. */
	luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
	lua_getfield(L, -1, LUA_STRLIBNAME);
	lua_getfield(L, -1, "find");
	lua_rawsetp(L, LUA_REGISTRYINDEX, &FIND_KEY);
	lua_pop(L, 2);
}
