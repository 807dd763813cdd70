/*
 * lclient.c - the client role: smtp.connect, and replies read and asserted
 * (expect, reply).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>

#include "binding/largs.h"
#include "binding/lclient.h"
#include "binding/lctx.h"
#include "binding/lerror.h"
#include "binding/lsession.h"
#include "binding/ltls.h"
#include "binding/lwait.h"
#include "binding/task.h"
#include "core/escape.h"
#include "core/sasl.h"
#include "io/net.h"
#include "io/resolve.h"

#define LINE_EXCERPT	256	/* bytes of an overlong line recorded */
#define SO_FAR_LINES	5	/* reply lines quoted in "received so far" */

/* ---- helpers ---- */

/* SCRAM values are hidden in what is recorded and said of this reply. */
static int
hiding(const struct session *s)
{
	return s->hide_scram && !s->ctx->set.show_secrets;
}

/* Line text as messages quote it: excerpted, SCRAM values hidden. */
static void
quote_text(const struct session *s, struct buf *out, const char *p, size_t len)
{
	struct buf	 shown = BUF_INIT;
	int		 rc = hiding(s) ? scram_redact_line(p, len, &shown) : 0;

	if (rc == 1)
		esc_excerpt(out, shown.p, shown.len, EXCERPT);
	else if (rc == -1)
		buf_appendstr(out, "[SCRAM message redacted]");
	else
		esc_excerpt(out, p, len, EXCERPT);
	buf_free(&shown);
}

/* Records a received line; SCRAM values hidden (s:expect{redact="scram"}). */
static void
record_recv(struct session *s, enum tr_kind kind, const char *p, size_t len,
    enum lb_term term)
{
	struct buf	 shown = BUF_INIT;
	int		 rc = hiding(s) ? scram_redact_line(p, len, &shown) : 0;

	if (rc == 1)
		tr_line(s->c.tr, kind, shown.p, shown.len, term);
	else if (rc == -1)
		tr_printf(s->c.tr, kind, "[SCRAM message redacted]");
	else
		tr_line(s->c.tr, kind, p, len, term);
	buf_free(&shown);
}

/* "what had arrived so far": reply lines taken plus the partial line. */
static void
so_far(struct session *s, struct buf *out)
{
	const struct reply	*r = &s->rp.reply;
	const char		*p;
	size_t			 i, len;
	char			 code[8];

	if (hiding(s)) {
		buf_appendstr(out, "[SCRAM exchange redacted]");
		return;
	}
	if ((!s->rp.busy || r->nlines == 0) && lb_pending(&s->c.in) == 0) {
		buf_appendstr(out, "nothing");
		return;
	}
	buf_appendstr(out, "\"");
	for (i = 0; s->rp.busy && i < r->nlines && i < SO_FAR_LINES; i++) {
		snprintf(code, sizeof(code), "%d-", r->code);
		p = reply_text_line(r, i, &len);
		buf_appendstr(out, code);
		esc_excerpt(out, p, len, EXCERPT);
		buf_appendstr(out, "\\r\\n");
	}
	esc_excerpt(out, lb_peek(&s->c.in), lb_pending(&s->c.in), EXCERPT);
	buf_appendstr(out, "\"");
}

/* ---- reply specs: 250, "2xx", "25x", {250, 251} ---- */

/* Adds the spec item at idx; argn names the argument in messages. */
static void
spec_item(lua_State *L, struct spec *sp, int idx, int argn)
{
	enum spec_status	 st;
	const char		*str;
	size_t			 len;

	if (lua_type(L, idx) == LUA_TNUMBER) {
		st = lua_isinteger(L, idx) ? spec_add_code(sp, (long)lua_tointeger(L, idx)) :
		    SPEC_BAD;
		if (st == SPEC_BAD)
			larg_error(L, argn, "reply code must be 200..599");
	} else if (lua_type(L, idx) == LUA_TSTRING) {
		str = lua_tolstring(L, idx, &len);
		if ((st = spec_add_pattern(sp, str, len)) == SPEC_BAD)
			larg_error(L, argn, lua_pushfstring(L, "bad reply spec \"%s\" (want "
			    "e.g. 250, \"2xx\", \"25x\")", str));
	} else
		st = larg_error(L, argn, "reply spec must be a code, a class such as "
		    "\"2xx\", or a list of them");
	if (st == SPEC_FULL)
		larg_error(L, argn, "too many reply codes in one spec");
}

static void
spec_read(lua_State *L, int idx, struct spec *sp)
{
	lua_Integer	 i, n;

	spec_clear(sp);
	if (lua_isnoneornil(L, idx))
		return;
	if (!lua_istable(L, idx)) {
		spec_item(L, sp, idx, idx);
		return;
	}
	n = luaL_len(L, idx);
	if (n == 0)
		larg_error(L, idx, "empty list of reply codes");
	for (i = 1; i <= n; i++) {
		lua_geti(L, idx, i);
		spec_item(L, sp, lua_gettop(L), idx);
		lua_pop(L, 1);
	}
}

/* ---- connect ---- */

static void
on_resolved(void *arg)
{
	struct session	*s = arg;

	task_wake(s->c.waiter);
}

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
}

/* Starts connecting to the next address. Returns 1 when one is under way. */
static int
try_next(struct session *s)
{
	char		 err[256];
	int		 fd, inprog;
	struct addrinfo	*ai;

	while ((ai = s->ai) != NULL) {
		s->ai = ai->ai_next;
		net_addr_str(ai->ai_addr, s->addr, sizeof(s->addr));
		tr_printf(s->c.tr, TR_INFO, "Trying %s port %s...", s->addr, s->port);
		fd = net_connect_start(ai->ai_addr, ai->ai_addrlen, &inprog, err, sizeof(err));
		if (fd != -1 && conn_attach(&s->c, fd) == -1) {
			snprintf(err, sizeof(err), "%s", s->c.err);
			close(fd);
			fd = -1;
		}
		if (fd != -1)
			return 1;
		attempt_failed(s, s->addr, err);
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
	/* One attempt, at the very address given: the reason alone says it all. */
	if (s->nattempts == 1 && strcmp(s->addr, s->host) == 0 && s->lasterr[0])
		detail = s->lasterr;
	lua_pushfstring(L, "%s %s port %s: %s", what, s->host, s->port, detail);
	session_close(s, NULL);
	/* A setup error of a run (nothing to test); in a load run, a failed
	 * session of kind "connect" (during = "connect" says so). */
	lerr_push(L, "setup", lua_tostring(L, -1));
	lerr_field(L, "during", "connect");
	return lerr_throw(L, s->c.tr);
}

/* Stack: 1 session. */
static int
connect_k(lua_State *L, int status, lua_KContext kctx)
{
	struct session	*s = session_check(L, 1);
	const char	*err = NULL;
	char		 e[256];
	struct addrinfo	*list;
	int		 rc;

	(void)status;
	(void)kctx;
	if (s->state == S_RESOLVING) {
		if (!resolve_finished(s->rq)) {
			if (!lwait_expired(L))
				return lwait_yield(L, &s->c.waiter, 0, connect_k);
			snprintf(e, sizeof(e), "timed out after %g s", lwait_timeout(L));
			return connect_fail(L, s, "cannot resolve", e);
		}
		if ((list = resolve_result(s->rq, &err)) == NULL)
			return connect_fail(L, s, "cannot resolve", err);
		s->ai = list;
		s->state = S_CONNECTING;
		if (!try_next(s))
			return connect_fail(L, s, "cannot connect to", buf_cstr(&s->connerr));
	}
	for (;;) {
		rc = net_connect_finish(s->c.io.fd, e, sizeof(e));
		if (rc == 1)
			break;
		if (rc == 0 && !lwait_expired(L))
			return lwait_yield(L, &s->c.waiter, 0, connect_k);
		if (rc == 0)
			snprintf(e, sizeof(e), "timed out after %g s", lwait_timeout(L));
		drop_attempt(s, e);
		if (rc == 0 || !try_next(s))
			return connect_fail(L, s, "cannot connect to", buf_cstr(&s->connerr));
	}
	resolve_free(s->rq);		/* the address list goes with it */
	s->rq = NULL;
	s->ai = NULL;
	buf_free(&s->connerr);
	s->state = S_OPEN;
	PHASE(s, phase_connected);
	if (strcmp(s->addr, s->host) == 0)
		tr_printf(s->c.tr, TR_INFO, "Connected to %s port %s", s->addr, s->port);
	else
		tr_printf(s->c.tr, TR_INFO, "Connected to %s port %s (%s)", s->addr,
		    s->port, s->host);
	return lwait_done(L, 1);
}

/* opts.port, else dflt, else 25, into out as digits. */
static void
connect_port(lua_State *L, int opts, const char *dflt, char *out, size_t len)
{
	const char	*p = NULL;
	char		*end;
	long		 v;

	if (opts && lua_getfield(L, opts, "port") != LUA_TNIL) {
		if (lua_type(L, -1) == LUA_TNUMBER || lua_type(L, -1) == LUA_TSTRING)
			p = lua_tostring(L, -1);
		else
			lerr_raise(L, "usage", "port must be a number");
	}
	if (p == NULL)
		p = dflt ? dflt : "25";
	v = strtol(p, &end, 10);
	if (*p == '\0' || *end != '\0' || v < 1 || v > 65535)
		lerr_raise(L, "usage", "bad port \"%s\" (want 1-65535)", p);
	snprintf(out, len, "%ld", v);
	lua_pop(L, opts ? 1 : 0);
}

/* "[::1]" is how people write IPv6 next to a port: accepted here too. */
static void
set_host(struct session *s, const char *host)
{
	size_t	 hlen = strlen(host);

	if (hlen > 2 && host[0] == '[' && host[hlen - 1] == ']')
		snprintf(s->host, sizeof(s->host), "%.*s", (int)(hlen - 2), host + 1);
	else
		snprintf(s->host, sizeof(s->host), "%s", host);
}

/* smtp.connect{host=, port=, timeout=, line_max=, reply_max=, strict_text=}:
 * a new session, connected. */
static int
l_connect(lua_State *L)
{
	struct smtp_ctx		*ctx = lctx_get(L);
	struct session		*s;
	const char		*host = NULL;
	char			 err[256];
	double			 timeout;
	size_t			 line_max, reply_max;
	int			 done, opts;

	lua_settop(L, 1);		/* slot 1 becomes the session below */
	opts = larg_opts(L, 1);
	if (opts && lua_getfield(L, 1, "host") != LUA_TNIL)
		host = larg_checklstring(L, -1, NULL);	/* (stays on the stack) */
	if (host == NULL)
		host = ctx->set.host;
	if (host == NULL)
		return lerr_raise(L, "usage", "no server to connect to: pass host= to "
		    "smtp.connect, or --server on the command line");
	timeout = larg_timeout(L, opts, ctx->set.timeout);
	line_max = larg_size(L, opts, "line_max", ctx->line_max);
	reply_max = larg_size(L, opts, "reply_max", ctx->reply_max);

	s = session_new(L, ctx, 0, line_max, reply_max);
	if (opts && lua_getfield(L, 1, "timeout") != LUA_TNIL)
		s->timeout = timeout;	/* the session's default from now on */
	lua_pop(L, opts ? 1 : 0);
	/* strict_text = false: NUL bytes in replies pass, bad UTF-8 unnoted. */
	if (opts && lua_getfield(L, 1, "strict_text") != LUA_TNIL)
		s->rp.strict_text = lua_toboolean(L, -1);
	lua_pop(L, opts ? 1 : 0);
	set_host(s, host);
	connect_port(L, opts, ctx->set.port, s->port, sizeof(s->port));
	lwait_begin(L, &s->busy, timeout);
	PHASE(s, phase_connect_begin);
	s->state = S_RESOLVING;

	s->rq = resolve_start(s->host, s->port, on_resolved, s, &done, err, sizeof(err));
	if (s->rq == NULL)
		return connect_fail(L, s, "cannot resolve", err);
	if (!done)
		tr_printf(lctx_tr(L, ctx), TR_INFO, "Resolving %s...", s->host);
	lua_replace(L, 1);
	lua_settop(L, 1);
	return connect_k(L, LUA_OK, 0);
}

/* ---- replies ---- */

/*
 * A reply's lines are held until the reply is judged, so that every line of
 * one that failed (its expectation, its framing, or cut short by a timeout
 * or a close) is marked "<**". What is held stays small: past HELD_MAX
 * bytes the lines go out as they come (marked by their code), and past
 * REPLY_TR_LINES lines of one reply the rest is counted, not recorded (a
 * server streaming lines would fill the disk, not the reader's eyes).
 */
#define HELD_MAX	(16 * 1024)
#define REPLY_TR_LINES	1000

struct held {
	size_t		 len;
	enum lb_term	 term;
};

static void
held_flush(struct session *s, enum tr_kind kind)
{
	struct held	 h;
	size_t		 off = 0;

	while (off + sizeof(h) <= s->held.len) {
		memcpy(&h, s->held.p + off, sizeof(h));
		off += sizeof(h);
		record_recv(s, KIND(s, kind), s->held.p + off, h.len, h.term);
		off += h.len;
	}
	s->held.len = 0;
}

/* The reply in progress is judged, or given up: its lines recorded as kind. */
static void
reply_recorded(struct session *s, enum tr_kind kind)
{
	held_flush(s, kind);
	if (s->skipped > 0)
		tr_printf(s->c.tr, TR_INFO, "[\u2026 %zu more lines of this reply (%zu bytes) "
		    "not recorded]", s->skipped, s->skipped_bytes);
	s->nlines = s->skipped = s->skipped_bytes = 0;
}

static void
on_line(void *arg, const char *line, size_t len, enum lb_term term, int code)
{
	struct session	*s = arg;
	struct held	 h;
	size_t		 mark;
	enum tr_kind	 kind = code != 0 && spec_match(&s->spec, code) ? TR_RECV : TR_RECV_BAD;

	if (s->c.tr == NULL)		/* a quiet session */
		return;
	if (++s->nlines > REPLY_TR_LINES) {
		s->skipped++;
		s->skipped_bytes += len + (term == LB_CRLF ? 2 : 1);
		return;
	}
	memset(&h, 0, sizeof(h));
	h.len = len;
	h.term = term;
	mark = s->held.len;
	buf_append(&s->held, &h, sizeof(h));
	buf_append(&s->held, line, len);
	if (buf_ok(&s->held) == -1) {
		/* Out of memory: the lines held so far (whole: a header whose
		 * line did not fit is dropped) are recorded now, then this one
		 * as it is; nothing that was read is lost. */
		s->held.len = mark;
		held_flush(s, kind);
		buf_free(&s->held);
		record_recv(s, KIND(s, kind), line, len, term);
	} else if (s->held.len > HELD_MAX)
		held_flush(s, kind);
}

/* Pushes the reply just completed as a table: code, enhanced, lines, text
 * (and invalid_utf8 = true when some line is not UTF-8). */
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
	if (r->invalid_utf8) {
		lua_pushboolean(L, 1);
		lua_setfield(L, -2, "invalid_utf8");
	}
}

/* "554 5.7.1 <x>: Relay access denied" (+ how many more lines). */
static void
describe_reply(const struct session *s, const struct reply *r, struct buf *out)
{
	char		 tmp[64];
	const char	*p;
	size_t		 len;

	snprintf(tmp, sizeof(tmp), "%d", r->code);
	buf_appendstr(out, tmp);
	p = reply_text_line(r, 0, &len);
	if (len > 0) {
		buf_append(out, " ", 1);
		quote_text(s, out, p, len);
	}
	if (r->nlines > 1) {
		snprintf(tmp, sizeof(tmp), " (+%zu more lines)", r->nlines - 1);
		buf_appendstr(out, tmp);
	}
}

/* Raises the "expected X, got Y" failure, the reply (at reply_idx) with
 * it; opts (index 4) may carry kind= and why= so helpers can say e.g.
 * "authentication failed". */
static int
expect_mismatch(lua_State *L, struct session *s, const char *pattern, int reply_idx)
{
	struct buf	 exp = BUF_INIT, got = BUF_INIT;
	const char	*kind = "expect", *why = NULL, *cmd = session_answering(s);

	if (lua_istable(L, 4)) {
		if (lua_getfield(L, 4, "kind") == LUA_TSTRING)
			kind = lua_tostring(L, -1);
		if (lua_getfield(L, 4, "why") == LUA_TSTRING)
			why = lua_tostring(L, -1);
	}
	spec_describe(&s->spec, &exp);
	if (pattern) {
		buf_appendstr(&exp, " matching \"");
		buf_appendstr(&exp, pattern);
		buf_appendstr(&exp, "\"");
	}
	describe_reply(s, &s->rp.reply, &got);
	reply_reset(&s->rp);

	lua_pushfstring(L, "%s%sexpected %s, got %s (in reply to %s)", why ? why : "",
	    why ? ": " : "", buf_cstr(&exp), buf_cstr(&got), cmd);
	lerr_push(L, kind, lua_tostring(L, -1));
	lerr_field(L, "expected", buf_cstr(&exp));
	lerr_field(L, "got", buf_cstr(&got));
	lerr_field(L, "command", cmd);
	lua_pushvalue(L, reply_idx);
	lua_setfield(L, -2, "reply");
	buf_free(&exp);
	buf_free(&got);
	return lerr_throw(L, s->c.tr);
}

/* The reply parser gave up: the reply's lines are recorded as failed, the
 * start of an overlong line with how much of it is not shown, and the
 * session is closed: whatever comes next would be out of step (the rest of
 * that line, or of that reply). */
static int
malformed(lua_State *L, struct session *s)
{
	char		 err[sizeof(s->rp.err)], gone[sizeof(s->gone)];
	const char	*p = lb_peek(&s->c.in), *nl;
	size_t		 pend = lb_pending(&s->c.in), len, shown;

	reply_recorded(s, TR_RECV_BAD);
	/* Only an overlong line is still in the buffer; after any other error
	 * what is buffered is what followed the bad line, never taken. */
	if (s->rp.overlong) {
		nl = memchr(p, '\n', pend);
		len = nl ? (size_t)(nl - p) : pend;
		if (nl != NULL && len > 0 && p[len - 1] == '\r')
			len--;
		shown = len < LINE_EXCERPT ? len : LINE_EXCERPT;
		if (hiding(s))		/* base64 of SCRAM values: not shown */
			tr_printf(s->c.tr, KIND(s, TR_RECV_BAD), "[SCRAM message redacted] "
			    "[\u2026 %zu bytes]", len);
		else
			tr_line_cut(s->c.tr, KIND(s, TR_RECV_BAD), p, shown, len - shown);
	}
	if (hiding(s))			/* nor in the parser's excerpt */
		snprintf(err, sizeof(err), "%s (the SCRAM text redacted)", s->rp.overlong ?
		    "a reply line too long" : "not a well-formed reply");
	else
		memcpy(err, s->rp.err, sizeof(err));
	reply_reset(&s->rp);
	snprintf(gone, sizeof(gone), "a malformed reply to %s", session_answering(s));
	return session_fail_closing(L, s, "Closing the connection: after a malformed "
	    "reply, whatever follows would be out of step.", gone, "protocol",
	    "malformed reply to %s: %s", session_answering(s), err);
}

/* The connection ended (EOF) or the deadline passed before the reply. A
 * reply cut short closes the session (what follows would be out of step);
 * silence, when opts (index 4) has silence_ok, is an answer: nil. */
static int
no_reply(lua_State *L, struct session *s, int eof)
{
	struct buf	 sf = BUF_INIT;
	struct lb_line	 rest;
	char		 gone[sizeof(s->gone)];
	int		 midway = s->rp.busy || s->nlines > 0 || lb_pending(&s->c.in) > 0;
	const char	*ans = session_answering(s);
	const char	*truncated = s->c.truncated ? " without TLS close_notify (the TLS "
	    "stream was truncated)" : "";

	if (!eof && !midway && lua_istable(L, 4) &&
	    lua_getfield(L, 4, "silence_ok") != LUA_TNIL && lua_toboolean(L, -1)) {
		tr_printf(s->c.tr, TR_INFO, "No reply to %s within %g s (silence was "
		    "allowed).", ans, lwait_timeout(L));
		lua_pushnil(L);
		return lwait_done(L, 1);
	}
	so_far(s, &sf);
	lua_pushstring(L, buf_cstr(&sf));
	buf_free(&sf);
	reply_recorded(s, TR_RECV_BAD);
	if (lb_rest(&s->c.in, &rest))
		record_recv(s, KIND(s, TR_RECV_BAD), rest.p, rest.len, LB_NONE);
	if (!eof && !midway)
		return session_fail(L, s, "timeout", "timed out after %g s waiting for a "
		    "reply to %s (received so far: %s)", lwait_timeout(L), ans,
		    lua_tostring(L, -1));
	if (!eof) {
		snprintf(gone, sizeof(gone), "a timeout in the middle of the reply to %s", ans);
		return session_fail_closing(L, s, "Closing the connection: the reply was cut "
		    "short by the timeout, so whatever follows would be out of step.", gone,
		    "timeout", "timed out after %g s waiting for a reply to %s (received so "
		    "far: %s)", lwait_timeout(L), ans, lua_tostring(L, -1));
	}
	if (!midway)
		return session_fail(L, s, "closed", "connection closed by server%s while "
		    "waiting for a reply to %s (received: %s)", truncated, ans,
		    lua_tostring(L, -1));
	snprintf(gone, sizeof(gone), "the server closed the connection in the middle of "
	    "the reply to %s", ans);
	return session_fail_closing(L, s, "Connection closed by remote host.", gone,
	    "closed", "connection closed by server%s while waiting for a reply to %s "
	    "(received: %s)", truncated, ans, lua_tostring(L, -1));
}

/* A reply whose text is not UTF-8 is noted (unless strict_text is off). */
static void
note_invalid_utf8(struct session *s)
{
	const struct reply	*r = &s->rp.reply;

	if (r->invalid_utf8 && s->rp.strict_text)
		tr_printf(s->c.tr, TR_ERROR, "the reply to %s is not valid UTF-8 (line %zu; "
		    "marked invalid_utf8 on the reply)", session_answering(s), r->invalid_line);
}

/* The expect in progress was abandoned (its case ran out of time): what
 * it had read of a reply is recorded, as a failed reply, in the transcript
 * of the case that read it, and the session is closed, since the rest of
 * that reply would be taken for the answer to the next command. */
static void
expect_abandoned(void *arg)
{
	struct session	*s = arg;
	struct lb_line	 rest;
	char		 gone[sizeof(s->gone)];

	if (s->state == S_CLOSED ||
	    (!s->rp.busy && s->nlines == 0 && lb_pending(&s->c.in) == 0))
		return;		/* nothing of a reply read: still in step */
	reply_recorded(s, TR_RECV_BAD);
	if (lb_rest(&s->c.in, &rest))
		record_recv(s, KIND(s, TR_RECV_BAD), rest.p, rest.len, LB_NONE);
	snprintf(gone, sizeof(gone), "a wait abandoned in the middle of the reply to %s",
	    session_answering(s));
	session_close(s, "Closing the connection: the wait for the reply was abandoned "
	    "in the middle of it, so whatever follows would be out of step.");
	snprintf(s->gone, sizeof(s->gone), "%s", gone);
}

/* Stack: 1 session, 2 spec, 3 pattern, 4 opts. */
static int
expect_k(lua_State *L, int status, lua_KContext kctx)
{
	struct session		*s = session_check(L, 1);
	const char		*pattern = lua_tostring(L, 3);
	enum reply_status	 rs;
	enum conn_status	 st;
	int			 matched, found;

	(void)status;
	(void)kctx;
	for (;;) {
		if (!conn_is_open(&s->c)) {
			reply_recorded(s, TR_RECV_BAD);
			return session_fail(L, s, "closed", "session closed while waiting for "
			    "a reply to %s", session_answering(s));
		}
		rs = reply_parse(&s->rp, &s->c.in, on_line, s);
		if (rs == REPLY_DONE) {
			PHASE(s, phase_reply, s->rp.reply.code);
			break;
		}
		if (rs == REPLY_ERROR)
			return malformed(L, s);
		st = lwait_fill(L, &s->c);
		if (st == CONN_OK)
			continue;
		if (st == CONN_EOF)
			return no_reply(L, s, 1);
		if (st == CONN_ERR) {
			reply_recorded(s, TR_RECV_BAD);
			return session_fail(L, s, "closed", "connection lost while waiting for "
			    "a reply to %s (%s)", session_answering(s), s->c.err);
		}
		if (lwait_expired(L))
			return no_reply(L, s, 0);
		return lwait_yield(L, &s->c.waiter, 0, expect_k);
	}

	push_reply(L, &s->rp.reply);		/* index 5 */
	matched = spec_match(&s->spec, s->rp.reply.code);
	if (matched && pattern != NULL) {
		found = session_try_find(L, s->rp.reply.text.p ? s->rp.reply.text.p : "",
		    s->rp.reply.text.len ? s->rp.reply.text.len - 1 : 0, 3);
		if (found == -1) {	/* the reply is recorded, and taken, first */
			reply_recorded(s, TR_RECV_BAD);
			reply_reset(&s->rp);
			return lerr_raise(L, "usage", "%s", lua_tostring(L, -1));
		}
		matched = found;
	}
	reply_recorded(s, matched ? TR_RECV : TR_RECV_BAD);
	note_invalid_utf8(s);
	if (!matched)
		return expect_mismatch(L, s, pattern, 5);
	reply_reset(&s->rp);
	return lwait_done(L, 1);
}

/* Stack: 1 session, 2 spec, 3 pattern, 4 opts. opts.redact = "scram":
 * the reply carries a SCRAM message; its secrets stay out of the record. */
static int
start_expect(lua_State *L, struct session *s)
{
	if (!lua_isnoneornil(L, 3) && lua_type(L, 3) != LUA_TSTRING)
		larg_typeerror(L, 3, "string (a pattern)");
	s->hide_scram = 0;
	if (larg_opts(L, 4) && lua_getfield(L, 4, "redact") != LUA_TNIL) {
		if (lua_type(L, -1) != LUA_TSTRING || strcmp(lua_tostring(L, -1), "scram") != 0)
			larg_error(L, 4, "redact= of a reply must be \"scram\"");
		s->hide_scram = 1;
	}
	spec_read(L, 2, &s->spec);
	session_begin(L, s, lua_istable(L, 4) ? 4 : 0);
	task_call_on_abandon(task_current(L), expect_abandoned, s);
	lua_settop(L, 4);
	return expect_k(L, LUA_OK, 0);
}

/* s:expect(spec [, pattern [, opts]]): one reply, asserted. */
static int
l_expect(lua_State *L)
{
	struct session	*s = session_check_open(L, 1);

	if (lua_isnoneornil(L, 2))
		return larg_error(L, 2, "reply spec expected (e.g. 250, \"2xx\")");
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

/* ---- bytes no command asked for ---- */

#define PENDING_WAIT	1.0		/* s:pending's default wait, seconds */
#define PENDING_MAX	(64 * 1024)	/* bytes one s:pending returns at most */

/* Takes what is buffered (at most PENDING_MAX bytes), records it as lines
 * received that no command asked for, and returns it. */
static int
pending_take(lua_State *L, struct session *s)
{
	size_t	 n = lb_pending(&s->c.in);

	if (n > PENDING_MAX)
		n = PENDING_MAX;
	lua_pushlstring(L, lb_peek(&s->c.in), n);
	tr_printf(s->c.tr, TR_INFO, "unsolicited: %zu byte%s the server sent that no "
	    "command asked for (s:pending):", n, n == 1 ? "" : "s");
	tr_chunk(s->c.tr, KIND(s, TR_RECV), lb_peek(&s->c.in), n);
	lb_drop(&s->c.in, n);
	return lwait_done(L, 1);
}

/* Stack: 1 session, 2 opts. Returns once what is buffered ends a line (and
 * what else had arrived by then is read), or at the deadline. */
static int
pending_k(lua_State *L, int status, lua_KContext kctx)
{
	struct session		*s = session_check(L, 1);
	enum conn_status	 st;
	size_t			 n;

	(void)status;
	(void)kctx;
	for (;;) {
		if (!conn_is_open(&s->c))
			return session_fail(L, s, "closed", "session closed while waiting "
			    "for bytes no command asked for");
		if ((n = lb_pending(&s->c.in)) >= PENDING_MAX)
			return pending_take(L, s);
		st = lwait_fill(L, &s->c);
		if (st == CONN_OK)
			continue;
		if (st == CONN_ERR)
			return session_fail(L, s, "closed", "connection lost while waiting for "
			    "bytes no command asked for (%s)", s->c.err);
		if (n > 0 && (st == CONN_EOF || lb_peek(&s->c.in)[n - 1] == '\n' ||
		    lwait_expired(L)))
			return pending_take(L, s);
		if (st == CONN_EOF) {
			session_close(s, s->c.truncated ? "Connection closed by remote host "
			    "(without TLS close_notify)." : "Connection closed by remote host.");
			lua_pushnil(L);
			lua_pushliteral(L, "closed");
			return lwait_done(L, 2);
		}
		if (lwait_expired(L)) {
			tr_printf(s->c.tr, TR_INFO, "Nothing unsolicited from the server within "
			    "%g s (s:pending).", lwait_timeout(L));
			lua_pushnil(L);
			lua_pushliteral(L, "timeout");
			return lwait_done(L, 2);
		}
		return lwait_yield(L, &s->c.waiter, 0, pending_k);
	}
}

/* s:pending([timeout]): bytes the server sent that no command asked for,
 * taken from the session; nil and "timeout" after `timeout` seconds of
 * silence, nil and "closed" when the server closed without sending any. */
static int
l_pending(lua_State *L)
{
	struct session	*s = session_check_open(L, 1);
	lua_Number	 t = PENDING_WAIT;

	if (!lua_isnoneornil(L, 2))
		t = larg_checknumber(L, 2);
	if (!(t > 0))
		return larg_error(L, 2, "timeout must be a positive number of seconds");
	lua_settop(L, 1);
	lua_createtable(L, 0, 1);
	lua_pushnumber(L, t);
	lua_setfield(L, 2, "timeout");
	session_begin(L, s, 2);
	return pending_k(L, LUA_OK, 0);
}

static const luaL_Reg client_methods[] = {
	{ "expect", l_expect },
	{ "reply", l_reply },
	{ "pending", l_pending },
	{ NULL, NULL }
};

void
lclient_register(lua_State *L)
{
	static const luaL_Reg *const lists[] = { session_methods, client_methods,
		ltls_methods, NULL };

	larg_class(L, CLIENT_META, session_metamethods, lists);
	lua_setfield(L, -2, "session");
	lua_pushcfunction(L, l_connect);
	lua_setfield(L, -2, "connect");
}
