/*
 * lclient.c - the client role: smtp.connect, and replies read and asserted
 * (expect, reply).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>

#include "buf.h"
#include "clock.h"
#include "conn.h"
#include "lerror.h"
#include "lsession.h"
#include "lsmtp.h"
#include "net.h"
#include "reply.h"
#include "resolve.h"
#include "task.h"
#include "transcript.h"

/* ---- helpers ---- */

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
		session_excerpt(out, p, len);
		buf_appendstr(out, "\\r\\n");
	}
	session_excerpt(out, lb_peek(&s->c.in), lb_pending(&s->c.in));
	buf_appendstr(out, "\"");
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
	tr_printf(s->c.tr, TR_ERROR, "%s: %s", addr, err);
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
		tr_printf(s->c.tr, TR_INFO, "Trying %s port %s...", a, s->port);
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
	tr_printf(s->c.tr, TR_ERROR, "%s", msg);
	session_close(s, NULL);
	lerr_push(L, "setup", msg);
	lerr_field(L, "recorded", "transcript");
	return lerr_throw(L);
}

/* Stack: 1 session, 2 deadline, 3 timeout (seconds). */
static int
connect_k(lua_State *L, int status, lua_KContext kctx)
{
	struct session	*s = session_check(L, 1);
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
		tr_printf(s->c.tr, TR_INFO, "Connected to %s port %s", s->addr, s->port);
	else
		tr_printf(s->c.tr, TR_INFO, "Connected to %s port %s (%s)", s->addr,
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

	uint64_t		 me = lsmtp_claim(L);

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
	line_max = lsmtp_optsize(L, opt, "line_max", ctx->line_max);
	reply_max = lsmtp_optsize(L, opt, "reply_max", ctx->reply_max);

	s = session_new(L, ctx, 0, line_max, reply_max);
	if (opt && lua_getfield(L, 1, "timeout") != LUA_TNIL)
		s->timeout = timeout;	/* the session's default from now on */
	if (opt)
		lua_pop(L, 1);

	/* "[::1]" is how people write IPv6 next to a port: accept it here too. */
	hlen = strlen(host);
	if (hlen > 2 && host[0] == '[' && host[hlen - 1] == ']')
		snprintf(s->host, sizeof(s->host), "%.*s", (int)(hlen - 2), host + 1);
	else
		snprintf(s->host, sizeof(s->host), "%s", host);
	l_connect_port(L, opt, ctx->port, s->port, sizeof(s->port));
	s->state = S_RESOLVING;
	s->busy = me;

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

/* ---- replies ---- */

static void
on_line(void *arg, const char *line, size_t len, enum lb_term term, int code)
{
	struct session	*s = arg;
	int		 good = code != 0 && spec_match(&s->spec, code);

	tr_line(s->c.tr, KIND(s, good ? TR_RECV : TR_RECV_BAD), line, len, term);
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
		session_excerpt(out, p, len);
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
	session_answering(s, what, sizeof(what));
	reply_reset(&s->rp);
	s->busy = 0;

	lua_pushfstring(L, "%s%sexpected %s, got %s (in reply to %s)", why ? why : "",
	    why ? ": " : "", exp.p, got.p, what);
	tr_printf(s->c.tr, TR_ERROR, "%s", lua_tostring(L, -1));
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
	struct session		*s = session_check(L, 1);
	double			 deadline = lua_tonumber(L, 5);
	const char		*pattern = lua_tostring(L, 3);
	enum reply_status	 rs;
	enum conn_status	 st;
	struct buf		 sf = BUF_INIT;
	struct lb_line		 rest;
	char			 what[600], err[sizeof(s->rp.err)];
	int			 matched;

	(void)status;
	(void)kctx;
	for (;;) {
		session_answering(s, what, sizeof(what));
		if (!conn_is_open(&s->c))
			return session_fail(L, s, "closed", "session closed while waiting for "
			    "a reply to %s", what);
		rs = reply_parse(&s->rp, &s->c.in, on_line, s);
		if (rs == REPLY_DONE)
			break;
		if (rs == REPLY_ERROR) {
			/* A line past the cap is still buffered: record its start. */
			if (lb_pending(&s->c.in) > s->c.in.line_max)
				tr_chunk(s->c.tr, KIND(s, TR_RECV_BAD), lb_peek(&s->c.in),
				    line_len(lb_peek(&s->c.in), lb_pending(&s->c.in), 256));
			memcpy(err, s->rp.err, sizeof(err));
			reply_reset(&s->rp);
			return session_fail(L, s, "protocol", "malformed reply to %s: %s", what, err);
		}
		st = conn_fill(&s->c);
		if (st == CONN_OK)
			continue;
		if (st == CONN_EOF) {
			so_far(s, &sf);
			buf_append(&sf, "", 1);
			if (lb_rest(&s->c.in, &rest))
				tr_line(s->c.tr, KIND(s, TR_RECV_BAD), rest.p, rest.len, LB_NONE);
			lua_pushfstring(L, "connection closed by server while waiting "
			    "for a reply to %s (received: %s)", what, sf.p);
			buf_free(&sf);
			return session_fail(L, s, "closed", "%s", lua_tostring(L, -1));
		}
		if (st == CONN_ERR)
			return session_fail(L, s, "closed", "connection lost while waiting for "
			    "a reply to %s (%s)", what, s->c.err);
		if (mono_now() >= deadline) {
			so_far(s, &sf);
			buf_append(&sf, "", 1);
			lua_pushfstring(L, "%s", sf.p);
			buf_free(&sf);
			return session_fail(L, s, "timeout", "timed out after %g s waiting for a "
			    "reply to %s (received so far: %s)", lua_tonumber(L, 6), what,
			    lua_tostring(L, -1));
		}
		return task_wait(L, deadline, &s->c.waiter, 0, expect_k);
	}

	push_reply(L, &s->rp.reply);		/* index 7 */
	matched = spec_match(&s->spec, s->rp.reply.code);
	/* The call ends here whatever the pattern does (a bad one raises). */
	s->busy = 0;
	if (matched && pattern != NULL &&
	    !session_find(L, s->rp.reply.text.p ? s->rp.reply.text.p : "",
	    s->rp.reply.text.len ? s->rp.reply.text.len - 1 : 0, 3))
		matched = 0;
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
	s->busy = lsmtp_claim(L);
	lua_settop(L, 4);
	lua_pushnumber(L, mono_now() + timeout);
	lua_pushnumber(L, timeout);
	return expect_k(L, LUA_OK, 0);
}

/* s:expect(spec [, pattern [, opts]]): one reply, asserted. */
static int
l_expect(lua_State *L)
{
	struct session	*s = session_check_open(L, 1);

	if (lua_isnoneornil(L, 2))
		return lerr_argerror(L, 2, "reply spec expected (e.g. 250, \"2xx\")");
	return start_expect(L, s);
}

/* s:reply([opts]): one reply, whatever its code. */
static int
l_reply(lua_State *L)
{
	struct session	*s = session_check_open(L, 1);

	lua_settop(L, 2);
	lua_pushnil(L);
	lua_pushnil(L);
	lua_rotate(L, 2, 2);		/* 1 s, 2 nil, 3 nil, 4 opts */
	return start_expect(L, s);
}


const luaL_Reg lclient_methods[] = {
	{ "expect", l_expect },
	{ "reply", l_reply },
	{ NULL, NULL }
};
