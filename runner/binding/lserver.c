/* lserver.c - the server role: replies, commands and DATA. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <lauxlib.h>

#include "binding/largs.h"
#include "binding/lctx.h"
#include "binding/lerror.h"
#include "binding/lserver.h"
#include "binding/lsession.h"
#include "binding/ltls.h"
#include "binding/lwait.h"
#include "core/cmdread.h"
#include "core/dataread.h"

#define DATA_RECORD_MAX	(64 * 1024)	/* transcript bytes of a message */
#define LINE_EXCERPT	256		/* bytes of a line too long recorded */

/* ---- replies ---- */

/* Appends the reply `code` with the text at idx (nil: none; a string, one
 * line per "\n"; a list of lines) to out, each line ended by eol. */
static void
build_reply(lua_State *L, int code, int idx, const char *eol, struct buf *out)
{
	lua_Integer	 n, i;
	const char	*p, *nl;
	size_t		 len, k;

	if (lua_istable(L, idx)) {
		n = luaL_len(L, idx);
		for (i = 1; i <= n; i++) {
			lua_geti(L, idx, i);
			if (lua_type(L, -1) != LUA_TSTRING && lua_type(L, -1) != LUA_TNUMBER)
				larg_error(L, idx, "reply lines must be strings");
			p = lua_tolstring(L, -1, &len);
			if (memchr(p, '\n', len) || memchr(p, '\r', len))
				larg_error(L, idx, "a reply line contains CR or LF "
				    "(use send_raw for malformed replies)");
			reply_format(out, code, p, len, i == n, eol);
			lua_pop(L, 1);
		}
		if (n == 0)
			reply_format(out, code, "", 0, 1, eol);
		return;
	}
	if (lua_isnoneornil(L, idx)) {
		reply_format(out, code, "", 0, 1, eol);
		return;
	}
	p = larg_checklstring(L, idx, &len);
	if (len > 0 && p[len - 1] == '\n')	/* one trailing newline: no extra line */
		len--;
	for (;;) {
		nl = memchr(p, '\n', len);
		k = nl ? (size_t)(nl - p) : len;
		reply_format(out, code, p, k > 0 && p[k - 1] == '\r' ? k - 1 : k, nl == NULL,
		    eol);
		if (nl == NULL)
			break;
		p += k + 1;
		len -= k + 1;
	}
}

static int
check_code(lua_State *L, int idx)
{
	lua_Integer	 code;
	int		 isnum;

	code = lua_tointegerx(L, idx, &isnum);
	if (!isnum || code < 100 || code > 999)
		return larg_error(L, idx, "reply code must be a number 100-999");
	return (int)code;
}

/* core.format_reply(code [, text_or_lines [, eol]]): the reply as bytes,
 * "250-a\r\n250 b\r\n", as c:reply sends it (eol "\n" for a server that
 * misbehaves on purpose). */
static int
l_format_reply(lua_State *L)
{
	int		 code = check_code(L, 1);
	const char	*eol = larg_optlstring(L, 3, "\r\n", NULL);
	struct buf	 out = BUF_INIT;

	build_reply(L, code, 2, eol, &out);
	return larg_pushbuf(L, &out, 0);
}

/* c:reply(code [, text_or_lines [, opts]]): "250-a" ... "250 z", CRLF each.
 * The text is a string (lines split at "\n") or a list of lines. */
static int
l_reply(lua_State *L)
{
	struct session	*s = session_check_open(L, 1);
	struct buf	 out = BUF_INIT;
	int		 code;
	const char	*p;
	size_t		 len;

	lua_settop(L, 4);		/* 1 session, 2 code, 3 text, 4 opts */
	code = check_code(L, 2);
	larg_opts(L, 4);
	build_reply(L, code, 3, "\r\n", &out);
	if (buf_ok(&out) == -1) {
		buf_free(&out);
		return lerr_nomem(L);
	}
	lua_pushlstring(L, out.p, out.len);
	buf_free(&out);
	p = lua_tolstring(L, -1, &len);
	return session_send(L, s, p, len, 0, 4);
}

/* ---- commands and DATA ---- */

enum read_mode { RM_COMMAND, RM_EXPECT, RM_DATA };

static const char *
awaiting(enum read_mode mode)
{
	return mode == RM_DATA ? "the message data" : "a command";
}

/* What the transcript and messages show of a command line: an AUTH with an
 * initial response (pushed on the stack) or opts.redact, or NULL for the
 * line itself. */
static const char *
command_shown(lua_State *L, const struct lb_line *l, const struct smtp_cmd *c)
{
	const char	*shown = NULL;

	if (c->shown_len > 0) {
		lua_pushlstring(L, l->p, c->shown_len);
		shown = lua_pushfstring(L, "%s [initial response redacted]",
		    lua_tostring(L, -1));
	}
	if (lua_istable(L, 3) && lua_getfield(L, 3, "redact") == LUA_TSTRING)
		shown = lua_tostring(L, -1);
	return shown;
}

/* Sets t.pipelined (t on top of the stack) when more of the client's input
 * is buffered already: sent before the reply to what was just read. */
static void
push_pipelined(lua_State *L, struct session *s)
{
	if (lb_pending(&s->c.in) == 0)
		return;
	lua_pushboolean(L, 1);
	lua_setfield(L, -2, "pipelined");
}

/* The client's line, as a command table; with mode RM_EXPECT, asserted
 * against the pattern at index 2 (matched with the verb in upper case). */
static int
finish_command(lua_State *L, struct session *s, const struct lb_line *l,
    enum read_mode mode)
{
	struct buf	 norm = BUF_INIT;
	struct smtp_cmd	 c;
	const char	*shown, *verb;
	int		 ok = 1;

	if (cmd_parse(l->p, l->len, &c, &norm) == -1) {
		buf_free(&norm);
		return lerr_nomem(L);
	}
	/* The line with its verb in upper case, kept on the stack. */
	verb = lua_pushlstring(L, norm.p ? norm.p : "", norm.len);
	buf_free(&norm);
	if (mode == RM_EXPECT)
		ok = session_find(L, verb, l->len, 2);

	shown = command_shown(L, l, &c);
	if (shown != NULL && s->ctx->set.show_secrets)
		shown = NULL;
	if (shown != NULL) {
		tr_line(s->c.tr, KIND(s, ok ? TR_RECV : TR_RECV_BAD), shown, strlen(shown),
		    LB_CRLF);
		session_set_text(s, shown, 1);
	} else {
		tr_line(s->c.tr, KIND(s, ok ? TR_RECV : TR_RECV_BAD), l->p, l->len, l->term);
		session_set_last(s, l->p, l->len);
	}
	if (!ok) {
		lua_pushfstring(L, "expected a command matching \"%s\", got %s",
		    lua_tostring(L, 2), session_last(s));
		lerr_push(L, "expect", lua_tostring(L, -1));
		lerr_field(L, "expected", lua_tostring(L, 2));
		lerr_field(L, "got", session_last(s));
		return lerr_throw(L, s->c.tr);
	}
	lua_createtable(L, 0, 4);
	lua_pushlstring(L, verb, c.vlen);
	lua_setfield(L, -2, "verb");
	lua_pushlstring(L, c.arg, c.alen);
	lua_setfield(L, -2, "arg");
	lua_pushlstring(L, l->p, l->len);
	lua_setfield(L, -2, "line");
	if (l->term == LB_LF || memchr(l->p, '\r', l->len) != NULL) {
		lua_pushboolean(L, 1);
		lua_setfield(L, -2, "bare_lf");
	}
	push_pipelined(L, s);
	return lwait_done(L, 1);
}

/* What read_data returns besides the message: {size=, lines=, bare_lf=,
 * too_big=} (and pipelined=, set by the caller). */
static void
push_data_info(lua_State *L, const struct data_reader *d)
{
	lua_createtable(L, 0, 4);
	lua_pushinteger(L, (lua_Integer)d->size);
	lua_setfield(L, -2, "size");
	lua_pushinteger(L, (lua_Integer)d->lines);
	lua_setfield(L, -2, "lines");
	lua_pushboolean(L, d->bare);
	lua_setfield(L, -2, "bare_lf");
	lua_pushboolean(L, d->toobig);
	lua_setfield(L, -2, "too_big");
}

/* One line of DATA. Returns 1 (the message, or nil when it went past
 * max_size, and its info are on the stack) at the end of data, 0 to go on. */
static int
data_line(lua_State *L, struct session *s, const struct lb_line *l)
{
	struct data_reader	*d = &s->data;
	int			 rec;

	switch (dr_line(d, l->p, l->len, l->term, &rec)) {
	case DR_END:
		if (d->unrecorded > 0)
			tr_printf(s->c.tr, TR_INFO, "[message: %zu lines, %zu bytes]",
			    d->lines, d->size);
		tr_line(s->c.tr, KIND(s, TR_RECV), l->p, l->len, l->term);
		if (d->toobig)
			lua_pushnil(L);
		else
			lua_pushlstring(L, d->msg.p ? d->msg.p : "", d->msg.len);
		push_data_info(L, d);
		push_pipelined(L, s);
		dr_free(d);
		session_set_text(s, "the message data", 0);
		return 1;
	case DR_NOMEM:
		dr_free(d);
		return lerr_nomem(L);
	case DR_MORE:
		break;
	}
	if (rec)
		tr_line(s->c.tr, KIND(s, TR_RECV), l->p, l->len, l->term);
	return 0;
}

/* A reply sent without waiting, before the session is given up (a line too
 * long, a timeout): queued, recorded, and flushed as far as the socket takes
 * it now. The opts field `name` (at index 3) gives it: a string, false for
 * none, or nil for `dflt`. */
static void
parting_reply(lua_State *L, struct session *s, const char *name, const char *dflt)
{
	const char	*text = dflt;
	size_t		 n;

	if (lua_istable(L, 3)) {
		lua_getfield(L, 3, name);
		if (lua_type(L, -1) == LUA_TSTRING)
			text = lua_tostring(L, -1);
		else if (lua_type(L, -1) == LUA_TBOOLEAN && !lua_toboolean(L, -1))
			text = NULL;
		lua_pop(L, 1);		/* still referenced by the opts table */
	}
	if (text == NULL || !conn_is_open(&s->c))
		return;
	n = strlen(text);
	if (conn_queue(&s->c, text, n) == -1 || conn_queue(&s->c, "\r\n", 2) == -1)
		return;
	tr_line(s->c.tr, KIND(s, TR_SEND), text, n, LB_CRLF);
	(void)conn_flush(&s->c);
}

/* What the client left of a line when the read ends before its end (the
 * client gone, a timeout, a line too long), for the record, cut at
 * LINE_EXCERPT bytes: a line that may hold a secret (an AUTH command, or
 * any line read with opts.redact) only as its length; a line of a message
 * only within record_max (else counted), and then the message so far. */
static void
record_rest(lua_State *L, struct session *s, enum read_mode mode)
{
	struct data_reader	*d = &s->data;
	const char		*p = lb_peek(&s->c.in);
	size_t			 n = lb_pending(&s->c.in);
	size_t			 shown = n < LINE_EXCERPT ? n : LINE_EXCERPT;
	int			 secret = 0;

	if (mode != RM_DATA) {
		secret = n >= 4 && strncasecmp(p, "AUTH", 4) == 0;
		if (lua_istable(L, 3)) {
			secret |= lua_getfield(L, 3, "redact") != LUA_TNIL;
			lua_pop(L, 1);
		}
		secret &= !s->ctx->set.show_secrets;
	} else if (n > 0 && (d->unrecorded > 0 || d->recorded + shown > d->record_max)) {
		d->unrecorded++;
		n = 0;			/* counted below, not recorded */
	}
	if (n == 0)
		;
	else if (secret)
		tr_printf(s->c.tr, KIND(s, TR_RECV_BAD), "[line redacted] [\u2026 %zu bytes, "
		    "no line end]", n);
	else if (n == shown)
		tr_line(s->c.tr, KIND(s, TR_RECV_BAD), p, n, LB_NONE);
	else
		tr_line_cut(s->c.tr, KIND(s, TR_RECV_BAD), p, shown, n - shown);
	if (mode == RM_DATA && d->unrecorded > 0)
		tr_printf(s->c.tr, TR_INFO, "[message so far: %zu lines, %zu bytes, then %zu "
		    "bytes of a line]", d->lines, d->size, lb_pending(&s->c.in));
	dr_free(d);
}

/* The client went away (EOF or an error on the socket). */
static int
client_gone(lua_State *L, struct session *s, enum read_mode mode, enum conn_status st)
{
	/* Between commands, a client hanging up is the normal end. */
	if (mode == RM_COMMAND && lb_pending(&s->c.in) == 0) {
		session_close(s, st == CONN_EOF ? "Connection closed by remote host." :
		    "Connection reset by remote host.");
		lua_pushnil(L);
		lua_pushstring(L, "closed");
		return lwait_done(L, 2);
	}
	record_rest(L, s, mode);
	return session_fail(L, s, "closed", "connection closed by client while waiting "
	    "for %s (after %s)", awaiting(mode), session_answering(s));
}

/* The wait ran out: with opts.timeout_reply, that reply is sent and the
 * session closed; without, it stays open (a scenario may go on). */
static int
read_timeout(lua_State *L, struct session *s, enum read_mode mode)
{
	const char	*fmt = "timed out after %g s waiting for %s (after %s)";

	if (!lua_istable(L, 3) || lua_getfield(L, 3, "timeout_reply") == LUA_TNIL) {
		lua_settop(L, 3);
		dr_free(&s->data);	/* out of step: no read_data goes on from here */
		return session_fail(L, s, "timeout", fmt, lwait_timeout(L), awaiting(mode),
		    session_answering(s));
	}
	lua_pop(L, 1);
	record_rest(L, s, mode);
	parting_reply(L, s, "timeout_reply", NULL);
	return session_fail_closing(L, s, "Closed: the client took too long.",
	    "a timeout", "timeout", fmt, lwait_timeout(L), awaiting(mode),
	    session_answering(s));
}

/* Stack: 1 session, 2 pattern or nil, 3 opts. */
static int
read_k(lua_State *L, int status, lua_KContext kctx)
{
	struct session		*s = session_check(L, 1);
	enum read_mode		 mode = (enum read_mode)kctx;
	struct lb_line		 l;
	enum lb_status		 ls;
	enum conn_status	 st;

	(void)status;
	for (;;) {
		if (!conn_is_open(&s->c))
			return session_fail(L, s, "closed", "session closed while waiting "
			    "for %s", awaiting(mode));
		ls = lb_line(&s->c.in, &l);
		if (ls == LB_LINE && mode != RM_DATA)
			return finish_command(L, s, &l, mode);
		if (ls == LB_LINE) {
			if (data_line(L, s, &l))
				return lwait_done(L, 2);
			continue;
		}
		if (ls == LB_TOOLONG) {
			record_rest(L, s, mode);
			parting_reply(L, s, "too_long_reply", "500 5.5.2 Line too long");
			return session_fail_closing(L, s, "Closed: a line too long.",
			    "a line too long", "protocol", "line longer than %zu bytes "
			    "while waiting for %s", s->c.in.line_max, awaiting(mode));
		}
		if (ls == LB_NOMEM)
			return lerr_nomem(L);
		st = lwait_fill(L, &s->c);
		if (st == CONN_OK)
			continue;
		if (st == CONN_EOF || st == CONN_ERR)
			return client_gone(L, s, mode, st);
		if (lwait_expired(L))
			return read_timeout(L, s, mode);
		return lwait_yield(L, &s->c.waiter, kctx, read_k);
	}
}

/* Stack: 1 session, 2 pattern or nil, 3 opts. */
static int
start_read(lua_State *L, enum read_mode mode)
{
	struct session	*s = session_check_open(L, 1);
	int		 opts;

	if (mode == RM_EXPECT && lua_type(L, 2) != LUA_TSTRING)
		return larg_typeerror(L, 2, "string (a pattern)");
	opts = larg_opts(L, 3);
	session_begin(L, s, opts);
	if (mode == RM_DATA) {
		dr_free(&s->data);	/* nothing left from an earlier attempt */
		dr_init(&s->data, larg_size_from(L, opts, "max_size", s->data_max, 0),
		    larg_size_from(L, opts, "record_max", DATA_RECORD_MAX, 0));
		/* The old, vulnerable end of data, for test servers only. */
		if (opts != 0 && lua_getfield(L, opts, "bare_lf_end") != LUA_TNIL)
			s->data.lf_end = lua_toboolean(L, -1);
	}
	lua_settop(L, 3);
	return read_k(L, LUA_OK, (lua_KContext)mode);
}

/* c:read_command([opts]): {verb=, arg=, line=, bare_lf=, pipelined=}, or
 * nil, "closed" when the client hangs up between commands. pipelined: more
 * input was buffered already (sent before this command's reply). */
static int
l_read_command(lua_State *L)
{
	lua_settop(L, 2);
	lua_pushnil(L);
	lua_insert(L, 2);		/* 1 s, 2 nil, 3 opts */
	return start_read(L, RM_COMMAND);
}

/* c:expect_command(pattern [, opts]): the next command, which must match. */
static int
l_expect_command(lua_State *L)
{
	return start_read(L, RM_EXPECT);
}

/* c:read_data([opts]): the message up to CRLF "." CRLF, dot-stuffing undone,
 * line endings as the client sent them, and {size=, lines=, bare_lf=,
 * too_big=, pipelined=}. Past opts.max_size (default: the listener's data_max) the rest
 * is read and dropped, and the message is nil. opts.record_max: bytes of it
 * recorded in the transcript (then a "[message: N lines, M bytes]" note).
 * opts.bare_lf_end = true: a bare-LF "." line ends the message too (the
 * behaviour SMTP smuggling exploits; for test servers that show it). */
static int
l_read_data(lua_State *L)
{
	lua_settop(L, 2);
	lua_pushnil(L);
	lua_insert(L, 2);
	return start_read(L, RM_DATA);
}

static const luaL_Reg server_methods[] = {
	{ "reply", l_reply },
	{ "read_command", l_read_command },
	{ "expect_command", l_expect_command },
	{ "read_data", l_read_data },
	{ NULL, NULL }
};

void
lserver_register(lua_State *L)
{
	static const luaL_Reg *const lists[] = { session_methods, server_methods,
		ltls_methods, NULL };

	larg_class(L, SERVER_META, session_metamethods, lists);
	lua_setfield(L, -2, "server_session");
	lua_pushcfunction(L, l_format_reply);
	lua_setfield(L, -2, "format_reply");
}
