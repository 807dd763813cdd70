/*
 * lserver.c - the server role: smtp.listen, l:accept, and on a server
 * session reply, read_command, expect_command, read_data.
 *
 * A server session is the client's C object with the other metatable: the
 * same loop, deadlines and transcript. Its markers mirror the client's from
 * its own side: " -> " for the replies it sends, "<-  " for the commands it
 * reads, "<** " for a command that failed expect_command.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <lauxlib.h>

#include "buf.h"
#include "clock.h"
#include "conn.h"
#include "dotstuff.h"
#include "lerror.h"
#include "lsession.h"
#include "lsmtp.h"
#include "net.h"
#include "task.h"
#include "transcript.h"

#define LISTENER_META		"smtprun.listener"
#define DEFAULT_DATA_MAX	(64 * 1024 * 1024)

struct listener {
	struct loop_io	 io;		/* io.fd: the listening socket, or -1 */
	struct loop	*lp;
	struct smtp_ctx	*ctx;
	void		*waiter;	/* the task in accept, or NULL */
	int		 quiet;		/* its sessions record nothing */
	uint64_t	 busy;		/* serial of the task in accept, or 0 */
	size_t		 line_max;
	size_t		 data_max;
	char		 host[64];
	int		 port;
};

/* ---- the listener ---- */

static void
on_listen_io(void *arg, uint32_t events)
{
	struct listener	*l = arg;

	(void)events;
	task_wake(l->waiter);
}

static struct listener *
check_listener(lua_State *L, int idx)
{
	return lerr_checkudata(L, idx, LISTENER_META);
}

static void
listener_close(struct listener *l)
{
	if (l->io.fd < 0)
		return;
	loop_del(l->lp, &l->io);
	close(l->io.fd);
	l->io.fd = -1;
	task_wake(l->waiter);
}

/* smtp.listen{host=, port=, quiet=, backlog=, line_max=, data_max=} */
int
lserver_listen(lua_State *L)
{
	struct smtp_ctx		*ctx = lsmtp_ctx(L);
	struct listener		*l;
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t		 slen;
	const char		*host = "127.0.0.1";
	lua_Integer		 port = ctx->listen_port, backlog = 128;
	int			 opt, fd, one = 1, e, quiet = 0;

	lua_settop(L, 1);
	opt = lerr_checkopts(L, 1);
	if (opt && lua_getfield(L, 1, "host") != LUA_TNIL)
		host = lerr_checklstring(L, -1, NULL);
	if (opt && lua_getfield(L, 1, "port") != LUA_TNIL) {
		int isnum;
		port = lua_tointegerx(L, -1, &isnum);
		if (!isnum || port < 0 || port > 65535)
			return lerr_raise(L, "usage", "listen: port must be 0-65535 "
			    "(0 picks a free one)");
	}
	if (opt && lua_getfield(L, 1, "backlog") != LUA_TNIL)
		backlog = lua_tointeger(L, -1);
	if (opt && lua_getfield(L, 1, "quiet") != LUA_TNIL)
		quiet = lua_toboolean(L, -1);

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		slen = sizeof(*sin);
	} else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		slen = sizeof(*sin6);
	} else
		return lerr_raise(L, "usage", "listen: host must be an IPv4 or IPv6 "
		    "address, not \"%s\"", host);

	l = lua_newuserdatauv(L, sizeof(*l), 1);
	memset(l, 0, sizeof(*l));
	l->io.fd = -1;
	luaL_setmetatable(L, LISTENER_META);
	l->lp = sched_loop(ctx->sched);
	l->ctx = ctx;
	l->quiet = quiet;
	l->line_max = lsmtp_optsize(L, opt, "line_max", ctx->line_max);
	l->data_max = lsmtp_optsize(L, opt, "data_max", DEFAULT_DATA_MAX);
	snprintf(l->host, sizeof(l->host), "%s", host);
	if (opt) {				/* l:options() gives them back */
		lua_pushvalue(L, 1);
		lua_setiuservalue(L, -2, 1);
	}

	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    bind(fd, (struct sockaddr *)&ss, slen) == -1 ||
	    listen(fd, backlog > 0 ? (int)backlog : 128) == -1 ||
	    getsockname(fd, (struct sockaddr *)&ss, &slen) == -1) {
		e = errno;
		if (fd != -1)
			close(fd);
		tr_printf(ctx->tr, TR_ERROR, "cannot listen on %s port %d: %s", host,
		    (int)port, strerror(e));
		return lerr_raise(L, "setup", "cannot listen on %s port %d: %s", host,
		    (int)port, strerror(e));
	}
	l->port = ntohs(ss.ss_family == AF_INET6 ? sin6->sin6_port : sin->sin_port);
	l->io.fd = fd;
	l->io.fn = on_listen_io;
	l->io.arg = l;
	if (loop_add(l->lp, &l->io) == -1) {
		e = errno;
		close(fd);
		l->io.fd = -1;
		return lerr_raise(L, "setup", "epoll: %s", strerror(e));
	}
	if (!quiet)
		tr_printf(ctx->tr, TR_INFO, "Listening on %s port %d", host, l->port);
	if (ctx->announce) {
		/* For people and scripts waiting to connect: flushed at once. */
		printf(strchr(host, ':') ? "listening on [%s]:%d\n" : "listening on %s:%d\n",
		    host, l->port);
		fflush(stdout);
	}
	return 1;
}

/* Stack: 1 listener, 2 opts, 3 deadline, 4 timeout. */
static int
accept_k(lua_State *L, int status, lua_KContext kctx)
{
	struct listener		*l = check_listener(L, 1);
	struct session		*s;
	struct sockaddr_storage	 ss;
	socklen_t		 slen = sizeof(ss);
	double			 deadline = lua_tonumber(L, 3);
	int			 fd, e, one = 1;

	(void)status;
	(void)kctx;
	if (l->io.fd < 0) {
		l->busy = 0;
		return lerr_raise(L, "closed", "listener closed while waiting for a connection");
	}
	fd = accept4(l->io.fd, (struct sockaddr *)&ss, &slen, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd == -1) {
		e = errno;
		if (e == EAGAIN || e == EWOULDBLOCK || e == EINTR || e == ECONNABORTED) {
			if (mono_now() < deadline)
				return task_wait(L, deadline, &l->waiter, 0, accept_k);
			l->busy = 0;
			if (!l->quiet)
				tr_printf(l->ctx->tr, TR_ERROR, "timed out after %g s waiting "
				    "for a connection on %s port %d", lua_tonumber(L, 4),
				    l->host, l->port);
			return lerr_raise(L, "timeout", "timed out after %g s waiting for a "
			    "connection on %s port %d", lua_tonumber(L, 4), l->host, l->port);
		}
		l->busy = 0;
		return lerr_raise(L, "io", "accept on %s port %d: %s", l->host, l->port,
		    strerror(e));
	}
	l->busy = 0;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	s = session_new(L, l->ctx, 1, l->line_max, 0);
	if (l->quiet)
		s->c.tr = NULL;
	s->data_max = l->data_max;
	net_addr_str((struct sockaddr *)&ss, s->addr, sizeof(s->addr));
	snprintf(s->host, sizeof(s->host), "%s", s->addr);
	snprintf(s->port, sizeof(s->port), "%d", ntohs(ss.ss_family == AF_INET6 ?
	    ((struct sockaddr_in6 *)&ss)->sin6_port : ((struct sockaddr_in *)&ss)->sin_port));
	if (conn_attach(&s->c, fd) == -1) {
		close(fd);
		return lerr_raise(L, "io", "%s", s->c.err);
	}
	s->state = S_OPEN;
	tr_printf(s->c.tr, TR_INFO, "Connection from %s port %s", s->addr, s->port);
	return 1;
}

/* l:accept{timeout=}: the next client, as a server session. */
static int
l_accept(lua_State *L)
{
	struct listener	*l = check_listener(L, 1);
	double		 timeout;

	if (l->io.fd < 0)
		return lerr_raise(L, "usage", "attempt to use a closed listener");
	if (lsmtp_busy(L, l->busy))
		return lerr_raise(L, "usage", "listener is busy: another task is in accept");
	timeout = lsmtp_timeout(L, lerr_checkopts(L, 2) ? 2 : 0, l->ctx->timeout);
	l->busy = lsmtp_claim(L);
	lua_settop(L, 2);
	lua_pushnumber(L, mono_now() + timeout);
	lua_pushnumber(L, timeout);
	return accept_k(L, LUA_OK, 0);
}

static int
l_listener_port(lua_State *L)
{
	lua_pushinteger(L, check_listener(L, 1)->port);
	return 1;
}

static int
l_listener_address(lua_State *L)
{
	struct listener	*l = check_listener(L, 1);

	lua_pushstring(L, l->host);
	lua_pushinteger(L, l->port);
	return 2;
}

/* The options smtp.listen was given (lua/smtp.lua reads tls= from them). */
static int
l_listener_options(lua_State *L)
{
	check_listener(L, 1);
	lua_getiuservalue(L, 1, 1);
	return 1;
}

static int
l_listener_close(lua_State *L)
{
	struct listener	*l = check_listener(L, 1);

	if (l->io.fd >= 0 && !l->quiet)
		tr_printf(l->ctx->tr, TR_INFO, "Stopped listening on %s port %d", l->host,
		    l->port);
	listener_close(l);
	return 0;
}

static int
l_listener_gc(lua_State *L)
{
	listener_close(check_listener(L, 1));
	return 0;
}

static int
l_listener_tostring(lua_State *L)
{
	struct listener	*l = check_listener(L, 1);

	lua_pushfstring(L, "smtp listener (%s port %d, %s)", l->host, l->port,
	    l->io.fd >= 0 ? "open" : "closed");
	return 1;
}

/* ---- server sessions: replies ---- */

static void
add_reply_line(struct buf *out, int code, const char *p, size_t len, int last)
{
	char	 head[8];

	snprintf(head, sizeof(head), "%03d%s", code, !last ? "-" : len > 0 ? " " : "");
	buf_appendstr(out, head);
	buf_append(out, p, len);
	buf_append(out, "\r\n", 2);
}

/* c:reply(code [, text_or_lines [, opts]]): "250-a" ... "250 z", CRLF each.
 * The text is a string (lines split at "\n") or a list of lines. */
static int
l_reply(lua_State *L)
{
	struct session	*s = session_check_open(L, 1);
	struct buf	 out = BUF_INIT;
	lua_Integer	 code, n, i;
	const char	*p, *nl;
	size_t		 len, k;
	int		 isnum;

	lua_settop(L, 4);		/* 1 session, 2 code, 3 text, 4 opts */
	code = lua_tointegerx(L, 2, &isnum);
	if (!isnum || code < 100 || code > 999)
		return lerr_argerror(L, 2, "reply code must be a number 100-999");
	lerr_checkopts(L, 4);
	if (lua_istable(L, 3)) {
		n = luaL_len(L, 3);
		for (i = 1; i <= n; i++) {
			lua_geti(L, 3, i);
			if (lua_type(L, -1) != LUA_TSTRING && lua_type(L, -1) != LUA_TNUMBER)
				return lerr_argerror(L, 3, "reply lines must be strings");
			p = lua_tolstring(L, -1, &len);
			if (memchr(p, '\n', len) || memchr(p, '\r', len))
				return lerr_argerror(L, 3, "a reply line contains CR or LF "
				    "(use send_raw for malformed replies)");
			add_reply_line(&out, (int)code, p, len, i == n);
			lua_pop(L, 1);
		}
		if (n == 0)
			add_reply_line(&out, (int)code, "", 0, 1);
	} else if (lua_isnoneornil(L, 3)) {
		add_reply_line(&out, (int)code, "", 0, 1);
	} else {
		p = lerr_checklstring(L, 3, &len);
		if (len > 0 && p[len - 1] == '\n')	/* one trailing newline: no extra line */
			len--;
		do {
			nl = memchr(p, '\n', len);
			k = nl ? (size_t)(nl - p) : len;
			add_reply_line(&out, (int)code, p, k > 0 && p[k - 1] == '\r' ? k - 1 : k,
			    nl == NULL);
			if (nl == NULL)
				break;
			p += k + 1;
			len -= k + 1;
		} while (1);
	}
	lua_pushlstring(L, out.p, out.len);
	buf_free(&out);
	p = lua_tolstring(L, -1, &len);
	return session_send(L, s, p, len, 0, 4);
}

/* ---- server sessions: commands and DATA ---- */

enum read_mode { RM_COMMAND, RM_EXPECT, RM_DATA };

static const char *
awaiting(enum read_mode mode)
{
	return mode == RM_DATA ? "the message data" : "a command";
}

/* The client's line, as a command table; with mode RM_EXPECT, asserted
 * against the pattern at index 2 (matched with the verb in upper case). */
static int
finish_command(lua_State *L, struct session *s, const struct lb_line *l,
    enum read_mode mode)
{
	struct buf	 norm = BUF_INIT, ex = BUF_INIT;
	const char	*sp = memchr(l->p, ' ', l->len), *shown = NULL;
	size_t		 vlen = sp ? (size_t)(sp - l->p) : l->len, i;
	int		 ok = 1;

	buf_append(&norm, l->p, l->len);
	for (i = 0; i < vlen; i++)
		if (norm.p[i] >= 'a' && norm.p[i] <= 'z')
			norm.p[i] -= 'a' - 'A';
	s->busy = 0;		/* the call ends here whatever the pattern does */
	if (mode == RM_EXPECT)
		ok = session_find(L, norm.p ? norm.p : "", norm.len, 2);

	/* AUTH with an initial response: the credentials stay out of the record. */
	if (vlen == 4 && memcmp(norm.p, "AUTH", 4) == 0 && sp != NULL &&
	    memchr(sp + 1, ' ', l->len - vlen - 1) != NULL) {
		lua_pushfstring(L, "%s [initial response redacted]",
		    lua_pushlstring(L, l->p, (size_t)((const char *)memchr(sp + 1, ' ',
		    l->len - vlen - 1) - l->p)));
		shown = lua_tostring(L, -1);
	}
	if (lua_istable(L, 3) && lua_getfield(L, 3, "redact") == LUA_TSTRING)
		shown = lua_tostring(L, -1);
	if (shown != NULL && !(s->ctx->show_secrets))
		tr_line(s->c.tr, KIND(s, ok ? TR_RECV : TR_RECV_BAD), shown, strlen(shown), LB_CRLF);
	else
		tr_line(s->c.tr, KIND(s, ok ? TR_RECV : TR_RECV_BAD), l->p, l->len, l->term);
	if (shown != NULL && !(s->ctx->show_secrets))
		snprintf(s->last_cmd, sizeof(s->last_cmd), "'%s'", shown);
	else {
		session_excerpt(&ex, l->p, l->len);
		snprintf(s->last_cmd, sizeof(s->last_cmd), "'%.*s'",
		    (int)(ex.len < 500 ? ex.len : 500), ex.p ? ex.p : "");
		buf_free(&ex);
	}
	if (!ok) {
		buf_free(&norm);
		s->busy = 0;
		lua_pushfstring(L, "expected a command matching \"%s\", got %s",
		    lua_tostring(L, 2), s->last_cmd);
		tr_printf(s->c.tr, TR_ERROR, "%s", lua_tostring(L, -1));
		lerr_push(L, "expect", lua_tostring(L, -1));
		lerr_field(L, "recorded", "transcript");
		lerr_field(L, "expected", lua_tostring(L, 2));
		lerr_field(L, "got", s->last_cmd);
		return lerr_throw(L);
	}
	s->busy = 0;
	lua_createtable(L, 0, 4);
	lua_pushlstring(L, norm.p ? norm.p : "", vlen);
	lua_setfield(L, -2, "verb");
	lua_pushlstring(L, sp ? sp + 1 : "", sp ? l->len - vlen - 1 : 0);
	lua_setfield(L, -2, "arg");
	lua_pushlstring(L, l->p, l->len);
	lua_setfield(L, -2, "line");
	if (l->term == LB_LF) {
		lua_pushboolean(L, 1);
		lua_setfield(L, -2, "bare_lf");
	}
	buf_free(&norm);
	return 1;
}

/* Stack: 1 session, 2 pattern or nil, 3 opts, 4 deadline, 5 timeout. */
static int
read_k(lua_State *L, int status, lua_KContext kctx)
{
	struct session		*s = session_check(L, 1);
	enum read_mode		 mode = (enum read_mode)kctx;
	double			 deadline = lua_tonumber(L, 4);
	struct lb_line		 l;
	enum lb_status		 ls;
	enum conn_status	 st;
	char			 after[560];
	size_t			 skip;

	(void)status;
	for (;;) {
		session_answering(s, after, sizeof(after));
		if (!conn_is_open(&s->c))
			return session_fail(L, s, "closed", "session closed while waiting "
			    "for %s", awaiting(mode));
		ls = lb_line(&s->c.in, &l);
		if (ls == LB_LINE && mode != RM_DATA)
			return finish_command(L, s, &l, mode);
		if (ls == LB_LINE) {
			tr_line(s->c.tr, KIND(s, TR_RECV), l.p, l.len, l.term);
			if (dot_is_end(l.p, l.len)) {
				s->busy = 0;
				lua_pushlstring(L, s->data.p ? s->data.p : "", s->data.len);
				buf_free(&s->data);
				snprintf(s->last_cmd, sizeof(s->last_cmd), "the message data");
				return 1;
			}
			skip = dot_unstuff_skip(l.p, l.len);
			buf_append(&s->data, l.p + skip, l.len - skip);
			buf_appendstr(&s->data, l.term == LB_CRLF ? "\r\n" : "\n");
			if (s->data.len > s->data_max) {
				buf_free(&s->data);
				return session_fail(L, s, "protocol", "the message exceeds "
				    "%zu bytes (data_max)", s->data_max);
			}
			continue;
		}
		if (ls == LB_TOOLONG)
			return session_fail(L, s, "protocol", "line longer than %zu bytes "
			    "while waiting for %s", s->c.in.line_max, awaiting(mode));
		if (ls == LB_NOMEM)
			return luaL_error(L, "out of memory");
		st = conn_fill(&s->c);
		if (st == CONN_OK)
			continue;
		if (st == CONN_EOF || st == CONN_ERR) {
			/* Between commands, a client hanging up is the normal end. */
			if (mode == RM_COMMAND && lb_pending(&s->c.in) == 0) {
				session_close(s, st == CONN_EOF ?
				    "Connection closed by remote host." :
				    "Connection reset by remote host.");
				s->busy = 0;
				lua_pushnil(L);
				lua_pushstring(L, "closed");
				return 2;
			}
			if (lb_rest(&s->c.in, &l))
				tr_line(s->c.tr, KIND(s, TR_RECV_BAD), l.p, l.len, LB_NONE);
			buf_free(&s->data);
			return session_fail(L, s, "closed", "connection closed by client "
			    "while waiting for %s (after %s)", awaiting(mode), after);
		}
		if (mono_now() >= deadline)
			return session_fail(L, s, "timeout", "timed out after %g s waiting "
			    "for %s (after %s)", lua_tonumber(L, 5), awaiting(mode), after);
		return task_wait(L, deadline, &s->c.waiter, kctx, read_k);
	}
}

static int
start_read(lua_State *L, enum read_mode mode)
{
	struct session	*s = session_check_open(L, 1);
	double		 timeout;

	if (mode == RM_EXPECT && lua_type(L, 2) != LUA_TSTRING)
		return lerr_typeerror(L, 2, "string (a pattern)");
	timeout = session_timeout(L, s, lerr_checkopts(L, 3) ? 3 : 0);
	s->busy = lsmtp_claim(L);
	if (mode == RM_DATA)
		buf_free(&s->data);	/* nothing left from an earlier attempt */
	lua_settop(L, 3);
	lua_pushnumber(L, mono_now() + timeout);
	lua_pushnumber(L, timeout);
	return read_k(L, LUA_OK, (lua_KContext)mode);
}

/* c:read_command([opts]): {verb=, arg=, line=, bare_lf=}, or nil, "closed"
 * when the client hangs up between commands. */
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

/* c:read_data([opts]): the message up to the lone ".", dot-stuffing undone,
 * line endings as the client sent them. */
static int
l_read_data(lua_State *L)
{
	lua_settop(L, 2);
	lua_pushnil(L);
	lua_insert(L, 2);
	return start_read(L, RM_DATA);
}

const luaL_Reg lserver_methods[] = {
	{ "reply", l_reply },
	{ "read_command", l_read_command },
	{ "expect_command", l_expect_command },
	{ "read_data", l_read_data },
	{ NULL, NULL }
};

void
lserver_register(lua_State *L)
{
	static const luaL_Reg meta[] = {
		{ "__gc", l_listener_gc },
		{ "__close", l_listener_gc },
		{ "__tostring", l_listener_tostring },
		{ NULL, NULL }
	};
	static const luaL_Reg methods[] = {
		{ "accept", l_accept },
		{ "port", l_listener_port },
		{ "address", l_listener_address },
		{ "options", l_listener_options },
		{ "close", l_listener_close },
		{ NULL, NULL }
	};

	luaL_newmetatable(L, LISTENER_META);
	luaL_setfuncs(L, meta, 0);
	luaL_newlib(L, methods);
	lua_pushvalue(L, -1);
	lua_setfield(L, -3, "__index");
	lua_setfield(L, -3, "listener");	/* core.listener: for lua/smtp.lua */
	lua_pop(L, 1);
}
