/*
 * lsession.c - the client session userdata: connect, send, expect.
 *
 * Each waiting method is a lua_CFunction that sets up its deadline in a stack
 * slot and runs its continuation; the continuation tries the work without
 * blocking and, when the socket is not ready, ends in task_wait(). The loop
 * wakes the task on readiness or at the deadline, and the continuation runs
 * again from the top. The deadline is total: it is fixed when the call starts.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lualib.h>

#include "buf.h"
#include "clock.h"
#include "conn.h"
#include "lerror.h"
#include "lsmtp.h"
#include "net.h"
#include "reply.h"
#include "resolve.h"
#include "task.h"
#include "transcript.h"

#define SPEC_MAX	16

/* Acceptable reply codes: three characters each, a digit or 'x' (any). */
struct spec {
	int	 n;
	char	 pat[SPEC_MAX][4];
};

enum sstate { S_NEW, S_RESOLVING, S_CONNECTING, S_OPEN, S_CLOSED };

struct session {
	struct conn		 c;
	struct reply_parser	 rp;
	struct smtp_ctx		*ctx;
	enum sstate		 state;
	int			 id;
	int			 busy;		/* a waiting call is in progress */
	double			 timeout;	/* 0: the context's */
	char			 host[256];
	char			 port[16];
	char			 addr[64];	/* address connected to */
	struct resolve_req	*rq;
	struct addrinfo		*ai;		/* next address to try */
	struct buf		 connerr;	/* why each address failed */
	int			 nattempts;
	char			 lasterr[256];
	struct spec		 spec;		/* of the expect in progress */
	char			 last_cmd[512];	/* "'RCPT TO:<x>'" as recorded (redacted) */
};

static const char FIND_KEY = 'f';

/* ---- helpers ---- */

static struct session *
check_session(lua_State *L, int idx)
{
	return lerr_checkudata(L, idx, SESSION_META);
}

static struct session *
check_open(lua_State *L, int idx)
{
	struct session	*s = check_session(L, idx);

	if (s->state == S_CLOSED || !conn_is_open(&s->c))
		lerr_raise(L, "usage", "attempt to use a closed session");
	if (s->state != S_OPEN)
		lerr_raise(L, "usage", "session is not connected");
	if (s->busy)
		lerr_raise(L, "usage", "session is busy with another call "
		    "(two tasks used it at once)");
	return s;
}

static double
session_timeout(lua_State *L, struct session *s, int optidx)
{
	return lsmtp_timeout(L, optidx, s->timeout > 0 ? s->timeout : s->ctx->timeout);
}

static const char *
answering(struct session *s, char *out, size_t len)
{
	snprintf(out, len, "%s", s->last_cmd[0] ? s->last_cmd : "the greeting");
	return out;
}

/* Up to 200 bytes of raw input, control bytes escaped, for messages. */
static void
excerpt(struct buf *out, const char *p, size_t n)
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

/* The length of the first line of p[0..n) with its LF, at most max. */
static size_t
line_len(const char *p, size_t n, size_t max)
{
	const char	*nl = memchr(p, '\n', n < max ? n : max);

	return nl ? (size_t)(nl - p) + 1 : n < max ? n : max;
}

/* "what had arrived so far": reply lines taken plus the partial line. */
static void
so_far(struct session *s, struct buf *out)
{
	const struct reply	*r = &s->rp.reply;
	const char		*p;
	size_t			 i, len;

	if ((!s->rp.busy || r->nlines == 0) && lb_pending(&s->c.in) == 0) {
		buf_appendstr(out, "nothing");
		return;
	}
	buf_appendstr(out, "\"");
	for (i = 0; s->rp.busy && i < r->nlines && i < 5; i++) {
		char	 code[8];

		snprintf(code, sizeof(code), "%d-", r->code);
		p = reply_text_line(r, i, &len);
		buf_appendstr(out, code);
		excerpt(out, p, len);
		buf_appendstr(out, "\\r\\n");
	}
	excerpt(out, lb_peek(&s->c.in), lb_pending(&s->c.in));
	buf_appendstr(out, "\"");
}

/* Raises a failure of kind `kind`; the message is also recorded as "***". */
static int
fail(lua_State *L, struct session *s, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
fail(lua_State *L, struct session *s, const char *kind, const char *fmt, ...)
{
	char	 msg[2048];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	s->busy = 0;
	tr_printf(s->ctx->tr, TR_ERROR, "%s", msg);
	lerr_push(L, kind, msg);
	lerr_field(L, "recorded", "transcript");
	return lerr_throw(L);
}

static void
close_session(struct session *s, const char *why)
{
	if (s->state == S_CLOSED)
		return;
	if (conn_is_open(&s->c) && why != NULL)
		tr_printf(s->ctx->tr, TR_INFO, "%s", why);
	conn_close(&s->c);
	reply_free(&s->rp);
	resolve_free(s->rq);
	s->rq = NULL;
	s->ai = NULL;
	buf_free(&s->connerr);
	s->state = S_CLOSED;
}

/* ---- reply specs: 250, "2xx", "25x", {250, 251} ---- */

static int
spec_add(lua_State *L, struct spec *sp, int idx, int argn)
{
	char		 tmp[16];
	const char	*str;
	size_t		 len, i;

	if (sp->n == SPEC_MAX)
		return lerr_argerror(L, argn, "too many reply codes in one spec");
	if (lua_type(L, idx) == LUA_TNUMBER) {
		lua_Integer c = lua_tointeger(L, idx);
		if (!lua_isinteger(L, idx) || c < 200 || c > 599)
			return lerr_argerror(L, argn, "reply code must be 200..599");
		snprintf(tmp, sizeof(tmp), "%d", (int)c);
		str = tmp;
		len = 3;
	} else if (lua_type(L, idx) == LUA_TSTRING) {
		str = lua_tolstring(L, idx, &len);
	} else
		return lerr_argerror(L, argn, "reply spec must be a code, a class "
		    "such as \"2xx\", or a list of them");
	if (len != 3 || str[0] < '2' || str[0] > '5')
		return lerr_argerror(L, argn, lua_pushfstring(L,
		    "bad reply spec \"%s\" (want e.g. 250, \"2xx\", \"25x\")", str));
	for (i = 0; i < 3; i++) {
		char ch = str[i];
		if (ch == 'X')
			ch = 'x';
		if (ch != 'x' && (ch < '0' || ch > '9'))
			return lerr_argerror(L, argn, lua_pushfstring(L,
			    "bad reply spec \"%s\" (want e.g. 250, \"2xx\", \"25x\")", str));
		sp->pat[sp->n][i] = ch;
	}
	sp->pat[sp->n][3] = '\0';
	sp->n++;
	return 0;
}

static void
spec_parse(lua_State *L, int idx, struct spec *sp)
{
	lua_Integer	 i, n;

	sp->n = 0;
	if (lua_isnoneornil(L, idx))
		return;
	if (!lua_istable(L, idx)) {
		spec_add(L, sp, idx, idx);
		return;
	}
	n = luaL_len(L, idx);
	if (n == 0)
		lerr_argerror(L, idx, "empty list of reply codes");
	for (i = 1; i <= n; i++) {
		lua_geti(L, idx, i);
		spec_add(L, sp, lua_gettop(L), idx);
		lua_pop(L, 1);
	}
}

static int
spec_match(const struct spec *sp, int code)
{
	char	 c[4];
	int	 i, k;

	if (sp->n == 0)
		return 1;
	snprintf(c, sizeof(c), "%03d", code);
	for (i = 0; i < sp->n; i++) {
		for (k = 0; k < 3; k++)
			if (sp->pat[i][k] != 'x' && sp->pat[i][k] != c[k])
				break;
		if (k == 3)
			return 1;
	}
	return 0;
}

static void
spec_describe(const struct spec *sp, struct buf *out)
{
	int	 i;

	if (sp->n > 1)
		buf_appendstr(out, "one of ");
	for (i = 0; i < sp->n; i++) {
		if (i > 0)
			buf_appendstr(out, ", ");
		buf_appendstr(out, sp->pat[i]);
	}
}

/* ---- connect ---- */

static void on_resolved(void *arg)
{
	struct session	*s = arg;

	task_wake(s->c.waiter);
}

static int connect_k(lua_State *L, int status, lua_KContext ctx);

static void
attempt_failed(struct session *s, const char *addr, const char *err)
{
	tr_printf(s->ctx->tr, TR_ERROR, "%s: %s", addr, err);
	s->nattempts++;
	snprintf(s->lasterr, sizeof(s->lasterr), "%s", err);
	if (s->connerr.len)
		buf_appendstr(&s->connerr, "; ");
	buf_appendstr(&s->connerr, addr);
	buf_appendstr(&s->connerr, ": ");
	buf_appendstr(&s->connerr, err);
	if (buf_reserve(&s->connerr, 1) == 0)
		s->connerr.p[s->connerr.len] = '\0';
}

/* Starts connecting to the next address. Returns 1 when one is under way. */
static int
try_next(struct session *s)
{
	char		 err[256], a[64];
	int		 fd, inprog;
	struct addrinfo	*ai;

	while ((ai = s->ai) != NULL) {
		s->ai = ai->ai_next;
		net_addr_str(ai->ai_addr, a, sizeof(a));
		tr_printf(s->ctx->tr, TR_INFO, "Trying %s port %s...", a, s->port);
		fd = net_connect_start(ai->ai_addr, ai->ai_addrlen, &inprog, err, sizeof(err));
		if (fd != -1 && conn_attach(&s->c, fd) == -1) {
			snprintf(err, sizeof(err), "%s", s->c.err);
			close(fd);
			fd = -1;
		}
		if (fd == -1) {
			snprintf(s->addr, sizeof(s->addr), "%s", a);
			attempt_failed(s, a, err);
			continue;
		}
		snprintf(s->addr, sizeof(s->addr), "%s", a);
		return 1;
	}
	if (s->connerr.len == 0)
		attempt_failed(s, s->host, "no usable address");
	return 0;
}

/* The current attempt failed: forget its socket, keep the conn. */
static void
drop_attempt(struct session *s, const char *err)
{
	attempt_failed(s, s->addr, err);
	loop_del(s->c.lp, &s->c.io);
	close(s->c.io.fd);
	s->c.io.fd = -1;
}

static int
connect_fail(lua_State *L, struct session *s, const char *what, const char *detail)
{
	char	 msg[1024];

	/* One attempt, at the very address given: the reason alone says it all. */
	if (s->nattempts == 1 && strcmp(s->addr, s->host) == 0 && s->lasterr[0])
		detail = s->lasterr;
	snprintf(msg, sizeof(msg), "%s %s port %s: %s", what, s->host, s->port, detail);
	s->busy = 0;
	tr_printf(s->ctx->tr, TR_ERROR, "%s", msg);
	close_session(s, NULL);
	lerr_push(L, "setup", msg);
	lerr_field(L, "recorded", "transcript");
	return lerr_throw(L);
}

/* Stack: 1 session, 2 deadline, 3 timeout (seconds). */
static int
connect_k(lua_State *L, int status, lua_KContext kctx)
{
	struct session	*s = check_session(L, 1);
	double		 deadline = lua_tonumber(L, 2);
	const char	*err = NULL;
	char		 e[256];
	struct addrinfo	*list;
	int		 rc;

	(void)status;
	(void)kctx;
	if (s->state == S_RESOLVING) {
		if (!resolve_finished(s->rq)) {
			if (mono_now() < deadline)
				return task_wait(L, deadline, &s->c.waiter, 0, connect_k);
			snprintf(e, sizeof(e), "timed out after %g s", lua_tonumber(L, 3));
			return connect_fail(L, s, "cannot resolve", e);
		}
		if ((list = resolve_result(s->rq, &err)) == NULL)
			return connect_fail(L, s, "cannot resolve", err);
		s->ai = list;
		s->state = S_CONNECTING;
		if (!try_next(s))
			return connect_fail(L, s, "cannot connect to", s->connerr.p);
	}
	for (;;) {
		rc = net_connect_finish(s->c.io.fd, e, sizeof(e));
		if (rc == 1)
			break;
		if (rc == 0 && mono_now() < deadline)
			return task_wait(L, deadline, &s->c.waiter, 0, connect_k);
		if (rc == 0)
			snprintf(e, sizeof(e), "timed out after %g s", lua_tonumber(L, 3));
		drop_attempt(s, e);
		if (rc == 0 || !try_next(s))
			return connect_fail(L, s, "cannot connect to", s->connerr.p);
	}
	resolve_free(s->rq);		/* the address list goes with it */
	s->rq = NULL;
	s->ai = NULL;
	buf_free(&s->connerr);
	s->state = S_OPEN;
	s->busy = 0;
	if (strcmp(s->addr, s->host) == 0)
		tr_printf(s->ctx->tr, TR_INFO, "Connected to %s port %s", s->addr, s->port);
	else
		tr_printf(s->ctx->tr, TR_INFO, "Connected to %s port %s (%s)", s->addr,
		    s->port, s->host);
	lua_settop(L, 1);
	return 1;
}

static int
l_connect_port(lua_State *L, int optidx, const char *dflt, char *out, size_t len)
{
	const char	*p = NULL;
	char		*end;
	long		 v;

	if (optidx && lua_getfield(L, optidx, "port") != LUA_TNIL) {
		if (lua_type(L, -1) == LUA_TNUMBER || lua_type(L, -1) == LUA_TSTRING)
			p = lua_tostring(L, -1);
		else
			return lerr_raise(L, "usage", "port must be a number");
	}
	if (p == NULL)
		p = dflt ? dflt : "25";
	v = strtol(p, &end, 10);
	if (*p == '\0' || *end != '\0' || v < 1 || v > 65535)
		return lerr_raise(L, "usage", "bad port \"%s\" (want 1-65535)", p);
	snprintf(out, len, "%ld", v);
	lua_pop(L, optidx ? 1 : 0);
	return 0;
}

/* A positive integer option (a size in bytes), or dflt. */
static size_t
opt_size(lua_State *L, int optidx, const char *name, size_t dflt)
{
	lua_Integer	 v;
	int		 isnum;

	if (!optidx || lua_getfield(L, optidx, name) == LUA_TNIL) {
		if (optidx)
			lua_pop(L, 1);
		return dflt;
	}
	v = lua_tointegerx(L, -1, &isnum);
	if (!isnum || v < 16 || v > 1024 * 1024 * 1024)
		lerr_raise(L, "usage", "%s must be a number of bytes (16 to 1 GiB)", name);
	lua_pop(L, 1);
	return (size_t)v;
}

/* smtp.connect{host=, port=, timeout=, line_max=, reply_max=}: a new
 * session, connected. */
int
lsession_connect(lua_State *L)
{
	struct smtp_ctx		*ctx = lsmtp_ctx(L);
	struct session		*s;
	const char		*host = NULL;
	char			 err[256];
	double			 timeout;
	size_t			 hlen, line_max, reply_max;
	int			 done, opt = 0;

	lua_settop(L, 1);		/* slot 1 becomes the session below */
	opt = lerr_checkopts(L, 1);
	if (opt && lua_getfield(L, 1, "host") != LUA_TNIL)
		host = lerr_checklstring(L, -1, NULL);
	else if (opt)
		lua_pop(L, 1);
	if (host == NULL)
		host = ctx->host;
	if (host == NULL)
		return lerr_raise(L, "usage", "no server to connect to: pass host= to "
		    "smtp.connect, or --server on the command line");
	timeout = lsmtp_timeout(L, opt, ctx->timeout);
	line_max = opt_size(L, opt, "line_max", ctx->line_max);
	reply_max = opt_size(L, opt, "reply_max", ctx->reply_max);

	s = lua_newuserdatauv(L, sizeof(*s), 1);
	memset(s, 0, sizeof(*s));
	s->state = S_CLOSED;		/* consistent before anything can fail */
	conn_init(&s->c, sched_loop(ctx->sched), ctx->tr, line_max);
	s->c.wake = task_wake;
	reply_init(&s->rp, reply_max);
	s->ctx = ctx;
	luaL_setmetatable(L, SESSION_META);
	lua_newtable(L);
	lua_setiuservalue(L, -2, 1);

	/* "[::1]" is how people write IPv6 next to a port: accept it here too. */
	hlen = strlen(host);
	if (hlen > 2 && host[0] == '[' && host[hlen - 1] == ']')
		snprintf(s->host, sizeof(s->host), "%.*s", (int)(hlen - 2), host + 1);
	else
		snprintf(s->host, sizeof(s->host), "%s", host);
	l_connect_port(L, opt, ctx->port, s->port, sizeof(s->port));
	s->id = ++ctx->nsessions;
	s->state = S_RESOLVING;
	s->busy = 1;

	s->rq = resolve_start(s->host, s->port, on_resolved, s, &done, err, sizeof(err));
	if (s->rq == NULL)
		return connect_fail(L, s, "cannot resolve", err);
	if (!done)
		tr_printf(ctx->tr, TR_INFO, "Resolving %s...", s->host);
	lua_replace(L, 1);
	lua_settop(L, 1);
	lua_pushnumber(L, mono_now() + timeout);
	lua_pushnumber(L, timeout);
	return connect_k(L, LUA_OK, 0);
}

/* ---- sending ---- */

/* Stack: 1 session, 2 deadline, 3 timeout. */
static int
send_k(lua_State *L, int status, lua_KContext kctx)
{
	struct session		*s = check_session(L, 1);
	double			 deadline = lua_tonumber(L, 2);
	enum conn_status	 st;
	char			 what[600];

	(void)status;
	(void)kctx;
	answering(s, what, sizeof(what));
	if (!conn_is_open(&s->c))
		return fail(L, s, "closed", "session closed while sending %s", what);
	st = conn_flush(&s->c);
	if (st == CONN_OK) {
		s->busy = 0;
		return 0;
	}
	if (st == CONN_ERR)
		return fail(L, s, "closed", "connection lost while sending %s (%s)",
		    what, s->c.err);
	if (mono_now() >= deadline)
		return fail(L, s, "timeout", "timed out after %g s sending %s "
		    "(the server is not reading)", lua_tonumber(L, 3), what);
	return task_wait(L, deadline, &s->c.waiter, 0, send_k);
}

/* Queues bytes, records them (or what stands in for a secret), flushes. */
static int
do_send(lua_State *L, struct session *s, const char *p, size_t n, int crlf)
{
	const char	*shown = NULL, *label = NULL;
	double		 timeout;
	struct buf	 ex = BUF_INIT;

	if (lerr_checkopts(L, 3)) {
		if (lua_getfield(L, 3, "redact") == LUA_TSTRING)
			shown = lua_tostring(L, -1);
		if (lua_getfield(L, 3, "label") == LUA_TSTRING)
			label = lua_tostring(L, -1);
		lua_pop(L, 2);
	}
	timeout = session_timeout(L, s, lua_istable(L, 3) ? 3 : 0);

	if (conn_queue(&s->c, p, n) == -1 || (crlf && conn_queue(&s->c, "\r\n", 2) == -1))
		return luaL_error(L, "out of memory");
	if (shown != NULL)
		shown = tr_secret(s->ctx->tr, TR_SEND, p, n, shown);
	else if (crlf)
		tr_line(s->ctx->tr, TR_SEND, p, n, LB_CRLF);
	else
		tr_chunk(s->ctx->tr, TR_SEND, p, n);
	/* What "in reply to" will say: never the secret itself. */
	if (shown != NULL || label != NULL)
		snprintf(s->last_cmd, sizeof(s->last_cmd), shown ? "'%s'" : "%s",
		    shown ? shown : label);
	else {
		excerpt(&ex, p, n >= 2 && p[n - 2] == '\r' && p[n - 1] == '\n' ? n - 2 : n);
		snprintf(s->last_cmd, sizeof(s->last_cmd), "'%.*s'",
		    (int)(ex.len < 500 ? ex.len : 500), ex.p ? ex.p : "");
		buf_free(&ex);
	}
	s->busy = 1;
	lua_settop(L, 1);
	lua_pushnumber(L, mono_now() + timeout);
	lua_pushnumber(L, timeout);
	return send_k(L, LUA_OK, 0);
}

/* s:send(line [, {redact=, timeout=}]): the line and CRLF. */
static int
l_send(lua_State *L)
{
	struct session	*s = check_open(L, 1);
	size_t		 n;
	const char	*p = lerr_checklstring(L, 2, &n);

	if (memchr(p, '\r', n) || memchr(p, '\n', n))
		return lerr_raise(L, "usage", "send: the line contains CR or LF "
		    "(send adds CRLF itself; use send_raw for exact bytes)");
	return do_send(L, s, p, n, 1);
}

/* s:send_raw(bytes [, {redact=, label=, timeout=}]): exactly these bytes. */
static int
l_send_raw(lua_State *L)
{
	struct session	*s = check_open(L, 1);
	size_t		 n;
	const char	*p = lerr_checklstring(L, 2, &n);

	return do_send(L, s, p, n, 0);
}

/* ---- replies ---- */

static void
on_line(void *arg, const char *line, size_t len, enum lb_term term, int code)
{
	struct session	*s = arg;
	int		 good = code != 0 && spec_match(&s->spec, code);

	tr_line(s->ctx->tr, good ? TR_RECV : TR_RECV_BAD, line, len, term);
}

/* Pushes the reply just completed as a table: code, enhanced, lines, text. */
static void
push_reply(lua_State *L, const struct reply *r)
{
	const char	*p;
	size_t		 i, len;

	lua_createtable(L, 0, 4);
	lua_pushinteger(L, r->code);
	lua_setfield(L, -2, "code");
	if (r->enhanced[0]) {
		lua_pushstring(L, r->enhanced);
		lua_setfield(L, -2, "enhanced");
	}
	lua_createtable(L, (int)r->nlines, 0);
	for (i = 0; i < r->nlines; i++) {
		p = reply_text_line(r, i, &len);
		lua_pushlstring(L, p, len);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	lua_setfield(L, -2, "lines");
	lua_pushlstring(L, r->text.p ? r->text.p : "", r->text.len ? r->text.len - 1 : 0);
	lua_setfield(L, -2, "text");
}

/* "554 5.7.1 <x>: Relay access denied" (+ how many more lines). */
static void
describe_reply(const struct reply *r, struct buf *out)
{
	char		 tmp[64];
	const char	*p;
	size_t		 len;

	snprintf(tmp, sizeof(tmp), "%d", r->code);
	buf_appendstr(out, tmp);
	p = reply_text_line(r, 0, &len);
	if (len > 0) {
		buf_append(out, " ", 1);
		excerpt(out, p, len);
	}
	if (r->nlines > 1) {
		snprintf(tmp, sizeof(tmp), " (+%zu more lines)", r->nlines - 1);
		buf_appendstr(out, tmp);
	}
}

/* Raises the "expected X, got Y" failure; opts (index 4) may carry kind= and
 * why= so helpers can say e.g. "authentication failed". */
static int
expect_mismatch(lua_State *L, struct session *s, const char *pattern, int reply_idx)
{
	struct buf	 exp = BUF_INIT, got = BUF_INIT;
	const char	*kind = "expect", *why = NULL;
	char		 what[600];

	if (lua_istable(L, 4)) {
		if (lua_getfield(L, 4, "kind") == LUA_TSTRING)
			kind = lua_tostring(L, -1);
		if (lua_getfield(L, 4, "why") == LUA_TSTRING)
			why = lua_tostring(L, -1);
	}
	if (s->spec.n)
		spec_describe(&s->spec, &exp);
	else
		buf_appendstr(&exp, "any reply");
	if (pattern) {
		buf_appendstr(&exp, " matching \"");
		buf_appendstr(&exp, pattern);
		buf_appendstr(&exp, "\"");
	}
	buf_append(&exp, "", 1);
	describe_reply(&s->rp.reply, &got);
	buf_append(&got, "", 1);
	answering(s, what, sizeof(what));
	reply_reset(&s->rp);
	s->busy = 0;

	lua_pushfstring(L, "%s%sexpected %s, got %s (in reply to %s)", why ? why : "",
	    why ? ": " : "", exp.p, got.p, what);
	tr_printf(s->ctx->tr, TR_ERROR, "%s", lua_tostring(L, -1));
	lerr_push(L, kind, lua_tostring(L, -1));
	lerr_field(L, "recorded", "transcript");
	lerr_field(L, "expected", exp.p);
	lerr_field(L, "got", got.p);
	lerr_field(L, "command", what);
	lua_pushvalue(L, reply_idx);
	lua_setfield(L, -2, "reply");
	buf_free(&exp);
	buf_free(&got);
	return lerr_throw(L);
}

/* Stack: 1 session, 2 spec, 3 pattern, 4 opts, 5 deadline, 6 timeout. */
static int
expect_k(lua_State *L, int status, lua_KContext kctx)
{
	struct session		*s = check_session(L, 1);
	double			 deadline = lua_tonumber(L, 5);
	const char		*pattern = lua_tostring(L, 3);
	enum reply_status	 rs;
	enum conn_status	 st;
	struct buf		 sf = BUF_INIT;
	struct lb_line		 rest;
	char			 what[600], err[sizeof(s->rp.err)];
	int			 matched, found;

	(void)status;
	(void)kctx;
	for (;;) {
		answering(s, what, sizeof(what));
		if (!conn_is_open(&s->c))
			return fail(L, s, "closed", "session closed while waiting for "
			    "a reply to %s", what);
		rs = reply_parse(&s->rp, &s->c.in, on_line, s);
		if (rs == REPLY_DONE)
			break;
		if (rs == REPLY_ERROR) {
			/* A line past the cap is still buffered: record its start. */
			if (lb_pending(&s->c.in) > s->c.in.line_max)
				tr_chunk(s->ctx->tr, TR_RECV_BAD, lb_peek(&s->c.in),
				    line_len(lb_peek(&s->c.in), lb_pending(&s->c.in), 256));
			memcpy(err, s->rp.err, sizeof(err));
			reply_reset(&s->rp);
			return fail(L, s, "protocol", "malformed reply to %s: %s", what, err);
		}
		st = conn_fill(&s->c);
		if (st == CONN_OK)
			continue;
		if (st == CONN_EOF) {
			so_far(s, &sf);
			buf_append(&sf, "", 1);
			if (lb_rest(&s->c.in, &rest))
				tr_line(s->ctx->tr, TR_RECV_BAD, rest.p, rest.len, LB_NONE);
			lua_pushfstring(L, "connection closed by server while waiting "
			    "for a reply to %s (received: %s)", what, sf.p);
			buf_free(&sf);
			return fail(L, s, "closed", "%s", lua_tostring(L, -1));
		}
		if (st == CONN_ERR)
			return fail(L, s, "closed", "connection lost while waiting for "
			    "a reply to %s (%s)", what, s->c.err);
		if (mono_now() >= deadline) {
			so_far(s, &sf);
			buf_append(&sf, "", 1);
			lua_pushfstring(L, "%s", sf.p);
			buf_free(&sf);
			return fail(L, s, "timeout", "timed out after %g s waiting for a "
			    "reply to %s (received so far: %s)", lua_tonumber(L, 6), what,
			    lua_tostring(L, -1));
		}
		return task_wait(L, deadline, &s->c.waiter, 0, expect_k);
	}

	push_reply(L, &s->rp.reply);		/* index 7 */
	matched = spec_match(&s->spec, s->rp.reply.code);
	if (matched && pattern != NULL) {
		lua_rawgetp(L, LUA_REGISTRYINDEX, &FIND_KEY);
		lua_getfield(L, 7, "text");
		lua_pushvalue(L, 3);
		if (lua_pcall(L, 2, 1, 0) != LUA_OK) {
			reply_reset(&s->rp);
			s->busy = 0;
			return lerr_raise(L, "usage", "bad pattern \"%s\": %s", pattern,
			    lua_tostring(L, -1));
		}
		found = !lua_isnil(L, -1);
		lua_pop(L, 1);
		if (!found)
			matched = 0;
	}
	if (!matched)
		return expect_mismatch(L, s, pattern, 7);
	reply_reset(&s->rp);
	s->busy = 0;
	return 1;
}

static int
start_expect(lua_State *L, struct session *s)
{
	double	 timeout;

	if (!lua_isnoneornil(L, 3) && lua_type(L, 3) != LUA_TSTRING)
		lerr_typeerror(L, 3, "string (a pattern)");
	lerr_checkopts(L, 4);
	spec_parse(L, 2, &s->spec);
	timeout = session_timeout(L, s, lua_istable(L, 4) ? 4 : 0);
	lua_settop(L, 4);
	lua_pushnumber(L, mono_now() + timeout);
	lua_pushnumber(L, timeout);
	s->busy = 1;
	return expect_k(L, LUA_OK, 0);
}

/* s:expect(spec [, pattern [, opts]]): one reply, asserted. */
static int
l_expect(lua_State *L)
{
	struct session	*s = check_open(L, 1);

	if (lua_isnoneornil(L, 2))
		return lerr_argerror(L, 2, "reply spec expected (e.g. 250, \"2xx\")");
	return start_expect(L, s);
}

/* s:reply([opts]): one reply, whatever its code. */
static int
l_reply(lua_State *L)
{
	struct session	*s = check_open(L, 1);

	lua_settop(L, 2);
	lua_pushnil(L);
	lua_pushnil(L);
	lua_rotate(L, 2, 2);		/* 1 s, 2 nil, 3 nil, 4 opts */
	return start_expect(L, s);
}

/* Stack: 1 session, 2 opts, 3 deadline, 4 timeout. */
static int
close_k(lua_State *L, int status, lua_KContext kctx)
{
	struct session		*s = check_session(L, 1);
	double			 deadline = lua_tonumber(L, 3);
	enum conn_status	 st;
	struct lb_line		 l;
	struct buf		 got = BUF_INIT;
	char			 what[600];

	(void)status;
	(void)kctx;
	answering(s, what, sizeof(what));
	for (;;) {
		if (!conn_is_open(&s->c))
			return fail(L, s, "closed", "session closed while waiting for "
			    "the server to close it");
		if (lb_pending(&s->c.in) > 0) {
			excerpt(&got, lb_peek(&s->c.in), lb_pending(&s->c.in));
			buf_append(&got, "", 1);
			while (lb_line(&s->c.in, &l) == LB_LINE)
				tr_line(s->ctx->tr, TR_RECV_BAD, l.p, l.len, l.term);
			if (lb_rest(&s->c.in, &l))
				tr_line(s->ctx->tr, TR_RECV_BAD, l.p, l.len, LB_NONE);
			lua_pushfstring(L, "expected the server to close the connection "
			    "after %s, but it sent \"%s\"", what, got.p);
			buf_free(&got);
			return fail(L, s, "expect", "%s", lua_tostring(L, -1));
		}
		st = conn_fill(&s->c);
		if (st == CONN_OK)
			continue;
		if (st == CONN_EOF || st == CONN_ERR) {
			close_session(s, st == CONN_EOF ? "Connection closed by remote host." :
			    "Connection reset by remote host.");
			s->busy = 0;
			lua_pushboolean(L, 1);
			return 1;
		}
		if (mono_now() >= deadline)
			return fail(L, s, "timeout", "expected the server to close the "
			    "connection after %s, but it stayed open for %g s", what,
			    lua_tonumber(L, 4));
		return task_wait(L, deadline, &s->c.waiter, 0, close_k);
	}
}

/* s:expect_close([opts]): the server must close, sending nothing more. */
static int
l_expect_close(lua_State *L)
{
	struct session	*s = check_open(L, 1);
	double		 timeout;

	lerr_checkopts(L, 2);
	timeout = session_timeout(L, s, lua_istable(L, 2) ? 2 : 0);
	lua_settop(L, 2);
	lua_pushnumber(L, mono_now() + timeout);
	lua_pushnumber(L, timeout);
	s->busy = 1;
	return close_k(L, LUA_OK, 0);
}

/* ---- the rest ---- */

static int
l_close(lua_State *L)
{
	struct session	*s = check_session(L, 1);

	if (s->busy)
		return lerr_raise(L, "usage", "close: session is busy in another task");
	close_session(s, "Connection closed with remote host.");
	return 0;
}

static int
l_gc(lua_State *L)
{
	struct session	*s = check_session(L, 1);

	close_session(s, NULL);
	return 0;
}

static int
l_settimeout(lua_State *L)
{
	struct session	*s = check_session(L, 1);
	double		 t = lerr_checknumber(L, 2);

	if (!(t > 0))
		lerr_argerror(L, 2, "timeout must be positive");
	s->timeout = t;
	return 0;
}

static int
l_peer(lua_State *L)
{
	struct session	*s = check_session(L, 1);

	lua_pushstring(L, s->host);
	lua_pushinteger(L, strtol(s->port, NULL, 10));
	lua_pushstring(L, s->addr);
	return 3;
}

static int
l_is_open(lua_State *L)
{
	struct session	*s = check_session(L, 1);

	lua_pushboolean(L, s->state == S_OPEN && conn_is_open(&s->c));
	return 1;
}

static int
l_last_command(lua_State *L)
{
	struct session	*s = check_session(L, 1);

	lua_pushstring(L, s->last_cmd);
	return 1;
}

/* The table scripts may keep per-session data in (lua/smtp.lua: caps). */
static int
l_data(lua_State *L)
{
	check_session(L, 1);
	lua_getiuservalue(L, 1, 1);
	return 1;
}

static int
l_tostring(lua_State *L)
{
	struct session	*s = check_session(L, 1);

	lua_pushfstring(L, "smtp session %d (%s port %s, %s)", s->id, s->host, s->port,
	    s->state == S_OPEN ? "open" : s->state == S_CLOSED ? "closed" : "connecting");
	return 1;
}

void
lsession_register(lua_State *L)
{
	static const luaL_Reg meta[] = {
		{ "__gc", l_gc },
		{ "__close", l_gc },
		{ "__tostring", l_tostring },
		{ NULL, NULL }
	};
	static const luaL_Reg methods[] = {
		{ "send", l_send },
		{ "send_raw", l_send_raw },
		{ "expect", l_expect },
		{ "reply", l_reply },
		{ "expect_close", l_expect_close },
		{ "close", l_close },
		{ "settimeout", l_settimeout },
		{ "peer", l_peer },
		{ "is_open", l_is_open },
		{ "last_command", l_last_command },
		{ "data_table", l_data },
		{ NULL, NULL }
	};

	/* string.find as loaded, so a script cannot swap what expect uses. */
	luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
	lua_getfield(L, -1, LUA_STRLIBNAME);
	lua_getfield(L, -1, "find");
	lua_rawsetp(L, LUA_REGISTRYINDEX, &FIND_KEY);
	lua_pop(L, 2);

	luaL_newmetatable(L, SESSION_META);
	luaL_setfuncs(L, meta, 0);
	luaL_newlib(L, methods);
	lua_pushvalue(L, -1);
	lua_setfield(L, -3, "__index");
	lua_remove(L, -2);		/* leaves the methods table */
}
