/* llistener.c - smtp.listen and the listener userdata. */
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

#include "binding/largs.h"
#include "binding/lctx.h"
#include "binding/lerror.h"
#include "binding/llistener.h"
#include "binding/lsession.h"
#include "binding/lwait.h"
#include "binding/task.h"
#include "core/clock.h"
#include "io/net.h"

#define LISTENER_META		"smtprun.listener"
#define LISTEN_BACKLOG		128
#define DEFAULT_DATA_MAX	(64 * 1024 * 1024)
#define BACKOFF_MIN		0.01	/* s: first pause after accept ran short */
#define BACKOFF_MAX		1.0
#define NOTE_EVERY		10.0	/* s: at most one "backing off" note per */

struct listener {
	struct loop_io	 io;		/* io.fd: the listening socket, or -1 */
	struct loop	*lp;
	struct smtp_ctx	*ctx;
	void		*waiter;	/* the task in accept, or NULL */
	int		 quiet;		/* its sessions record nothing */
	uint64_t	 busy;		/* the claim of the accept in progress */
	size_t		 line_max;
	size_t		 data_max;
	/* accept ran out of something (descriptors, memory): paused until
	 * retry_at, the pause doubling while it lasts. */
	struct loop_timer retry;
	double		 retry_at;
	double		 backoff;
	unsigned long	 failures;	/* in this episode */
	/* Under steady pressure episodes come and go with each connection: one
	 * is noted per NOTE_EVERY, the attempts of the others counted. */
	double		 next_note;
	int		 noted;		/* this episode was */
	unsigned long	 unnoted;	/* failed attempts in episodes not noted */
	char		 host[ADDR_SIZE];
	int		 port;
};

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
	return larg_checkudata(L, idx, LISTENER_META);
}

static void
on_retry(void *arg)
{
	struct listener	*l = arg;

	task_wake(l->waiter);
}

static void
listener_close(struct listener *l)
{
	if (l->io.fd < 0)
		return;
	loop_timer_stop(l->lp, &l->retry);
	loop_del(l->lp, &l->io);
	close(l->io.fd);
	l->io.fd = -1;
	task_wake(l->waiter);
}

/* The transcript a listener records into (none when quiet). */
static struct transcript *
listener_tr(const struct listener *l)
{
	return l->quiet ? NULL : l->ctx->tr;
}

/* host (an address) and port as a socket address; -1 when host is not one. */
static int
make_addr(const char *host, int port, struct sockaddr_storage *ss, socklen_t *slen)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		*slen = sizeof(*sin);
	} else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*slen = sizeof(*sin6);
	} else
		return -1;
	return 0;
}

static int
port_of(const struct sockaddr_storage *ss)
{
	return ntohs(ss->ss_family == AF_INET6 ?
	    ((const struct sockaddr_in6 *)ss)->sin6_port :
	    ((const struct sockaddr_in *)ss)->sin_port);
}

/* A listening socket on ss (its port filled in when 0); -1 and errno. */
static int
open_socket(struct sockaddr_storage *ss, socklen_t slen, int backlog)
{
	int	 fd, one = 1, e;

	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    bind(fd, (struct sockaddr *)ss, slen) == -1 || listen(fd, backlog) == -1 ||
	    getsockname(fd, (struct sockaddr *)ss, &slen) == -1) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* smtp.listen{host=, port=, quiet=, backlog=, line_max=, data_max=} */
static int
l_listen(lua_State *L)
{
	struct smtp_ctx		*ctx = lctx_get(L);
	struct listener		*l;
	struct sockaddr_storage	 ss;
	socklen_t		 slen;
	const char		*host = "127.0.0.1";
	lua_Integer		 port = ctx->set.listen_port, backlog = LISTEN_BACKLOG;
	int			 opts, fd, e, isnum, quiet = 0;

	lua_settop(L, 1);
	opts = larg_opts(L, 1);
	if (opts && lua_getfield(L, 1, "host") != LUA_TNIL)
		host = larg_checklstring(L, -1, NULL);
	if (opts && lua_getfield(L, 1, "port") != LUA_TNIL) {
		port = lua_tointegerx(L, -1, &isnum);
		if (!isnum || port < 0 || port > 65535)
			return lerr_raise(L, "usage", "listen: port must be 0-65535 "
			    "(0 picks a free one)");
	}
	if (opts && lua_getfield(L, 1, "backlog") != LUA_TNIL)
		backlog = lua_tointeger(L, -1);
	if (opts && lua_getfield(L, 1, "quiet") != LUA_TNIL)
		quiet = lua_toboolean(L, -1);
	if (make_addr(host, (int)port, &ss, &slen) == -1)
		return lerr_raise(L, "usage", "listen: host must be an IPv4 or IPv6 "
		    "address, not \"%s\"", host);

	/* The listener is born closed, and stays on top of the stack. */
	l = lua_newuserdatauv(L, sizeof(*l), 1);
	memset(l, 0, sizeof(*l));
	l->io.fd = -1;
	luaL_setmetatable(L, LISTENER_META);
	if (opts) {				/* l:options() gives them back */
		lua_pushvalue(L, 1);
		lua_setiuservalue(L, -2, 1);
	}
	l->lp = sched_loop(ctx->sched);
	l->ctx = ctx;
	l->quiet = quiet;
	l->line_max = larg_size(L, opts, "line_max", ctx->line_max);
	l->data_max = larg_size(L, opts, "data_max", DEFAULT_DATA_MAX);
	snprintf(l->host, sizeof(l->host), "%s", host);

	if ((fd = open_socket(&ss, slen, backlog > 0 ? (int)backlog : LISTEN_BACKLOG)) == -1) {
		e = errno;
		return lerr_raise_recorded(L, ctx->tr, "setup", "cannot listen on %s "
		    "port %d: %s", host, (int)port, strerror(e));
	}
	l->port = port_of(&ss);
	l->io.fd = fd;
	l->io.fn = on_listen_io;
	l->io.arg = l;
	if (loop_add(l->lp, &l->io) == -1) {
		e = errno;
		close(fd);
		l->io.fd = -1;
		return lerr_raise(L, "setup", "epoll: %s", strerror(e));
	}
	tr_printf(listener_tr(l), TR_INFO, "Listening on %s port %d", host, l->port);
	if (ctx->set.announce) {
		/* For people and scripts waiting to connect: flushed at once. */
		printf(strchr(host, ':') ? "listening on [%s]:%d\n" : "listening on %s:%d\n",
		    host, l->port);
		fflush(stdout);
	}
	return 1;
}

/* A new server session for the accepted socket fd, on top of the stack;
 * -1 (errno set, fd closed) when the loop cannot watch it. */
static int
accepted(lua_State *L, struct listener *l, int fd, const struct sockaddr_storage *ss)
{
	struct session	*s;
	int		 one = 1, e;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	s = session_new(L, l->ctx, 1, l->line_max, 0);
	if (l->quiet)
		session_set_quiet(s);
	s->data_max = l->data_max;
	net_addr_str((const struct sockaddr *)ss, s->addr, sizeof(s->addr));
	snprintf(s->host, sizeof(s->host), "%s", s->addr);
	snprintf(s->port, sizeof(s->port), "%d", port_of(ss));
	if (conn_attach(&s->c, fd) == -1) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	s->state = S_OPEN;
	tr_printf(s->c.tr, TR_INFO, "Connection from %s port %s", s->addr, s->port);
	return 0;
}

/* Errors of accept that say "not now" rather than "never": out of
 * descriptors or memory (a flood of clients can cause them; the server waits
 * and goes on), or a client gone before it was taken (try the next). */
static int
accept_short(int e)
{
	return e == EMFILE || e == ENFILE || e == ENOMEM || e == ENOBUFS || e == EPERM;
}

static int
accept_retry_now(int e)
{
	return e == EAGAIN || e == EWOULDBLOCK || e == EINTR || e == ECONNABORTED ||
	    e == EPROTO;
}

/* accept ran short: pause (noted once per episode), doubling the pause. */
static void
accept_backoff(struct listener *l, int e)
{
	if (l->failures++ == 0) {
		l->backoff = BACKOFF_MIN;
		if ((l->noted = mono_now() >= l->next_note)) {
			tr_printf(listener_tr(l), TR_INFO, "accept on %s port %d: %s; "
			    "backing off", l->host, l->port, strerror(e));
			l->next_note = mono_now() + NOTE_EVERY;
		}
	} else if ((l->backoff *= 2) > BACKOFF_MAX)
		l->backoff = BACKOFF_MAX;
	l->retry_at = mono_now() + l->backoff;
	loop_timer_start(l->lp, &l->retry, l->retry_at, on_retry, l);
}

static void
accept_recovered(struct listener *l)
{
	if (l->failures == 0)
		return;
	if (l->noted) {
		tr_printf(listener_tr(l), TR_INFO, "accept on %s port %d: accepting again "
		    "(failed attempts: %lu)", l->host, l->port, l->failures + l->unnoted);
		l->unnoted = 0;
	} else
		l->unnoted += l->failures;
	l->failures = 0;
}

/* Stack: 1 listener, 2 opts. */
static int
accept_k(lua_State *L, int status, lua_KContext kctx)
{
	struct listener		*l = check_listener(L, 1);
	struct sockaddr_storage	 ss;
	socklen_t		 slen;
	int			 fd, e;

	(void)status;
	(void)kctx;
	for (;;) {
		if (l->io.fd < 0)
			return lerr_raise(L, "closed", "listener closed while waiting for "
			    "a connection");
		if (l->failures > 0 && mono_now() < l->retry_at)
			e = EAGAIN;	/* pausing: the retry timer wakes us */
		else if ((slen = sizeof(ss)) > 0 && (fd = accept4(l->io.fd, (struct sockaddr *)&ss, &slen,
		    SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
			if (accepted(L, l, fd, &ss) == 0) {
				accept_recovered(l);
				return lwait_done(L, 1);
			}
			e = errno;
			lua_pop(L, 1);		/* the session, closed */
			accept_backoff(l, e);
			continue;
		} else
			e = errno;
		if (accept_short(e)) {
			accept_backoff(l, e);
			continue;
		}
		if (e != EAGAIN && e != EWOULDBLOCK && accept_retry_now(e))
			continue;
		if (!accept_retry_now(e))
			return lerr_raise(L, "io", "accept on %s port %d: %s", l->host,
			    l->port, strerror(e));
		if (!lwait_expired(L))
			return lwait_yield(L, &l->waiter, 0, accept_k);
		return lerr_raise_recorded(L, listener_tr(l), "timeout", "timed out after "
		    "%g s waiting for a connection on %s port %d", lwait_timeout(L), l->host,
		    l->port);
	}
}

/* l:accept{timeout=}: the next client, as a server session. */
static int
l_accept(lua_State *L)
{
	struct listener	*l = check_listener(L, 1);

	if (l->io.fd < 0)
		return lerr_raise(L, "usage", "attempt to use a closed listener");
	if (lwait_busy(l->busy))
		return lerr_raise(L, "usage", "listener is busy: another task is in accept");
	lwait_begin(L, &l->busy, larg_timeout(L, larg_opts(L, 2), l->ctx->set.timeout));
	lua_settop(L, 2);
	return accept_k(L, LUA_OK, 0);
}

static int
l_port(lua_State *L)
{
	lua_pushinteger(L, check_listener(L, 1)->port);
	return 1;
}

static int
l_address(lua_State *L)
{
	struct listener	*l = check_listener(L, 1);

	lua_pushstring(L, l->host);
	lua_pushinteger(L, l->port);
	return 2;
}

/* The options smtp.listen was given (lua/smtp.lua reads tls= from them). */
static int
l_options(lua_State *L)
{
	check_listener(L, 1);
	lua_getiuservalue(L, 1, 1);
	return 1;
}

static int
l_close(lua_State *L)
{
	struct listener	*l = check_listener(L, 1);

	if (l->io.fd >= 0)
		tr_printf(listener_tr(l), TR_INFO, "Stopped listening on %s port %d", l->host,
		    l->port);
	listener_close(l);
	return 0;
}

static int
l_gc(lua_State *L)
{
	listener_close(check_listener(L, 1));
	return 0;
}

static int
l_tostring(lua_State *L)
{
	struct listener	*l = check_listener(L, 1);

	lua_pushfstring(L, "smtp listener (%s port %d, %s)", l->host, l->port,
	    l->io.fd >= 0 ? "open" : "closed");
	return 1;
}

void
llistener_register(lua_State *L)
{
	static const luaL_Reg meta[] = {
		{ "__gc", l_gc },
		{ "__close", l_gc },
		{ "__tostring", l_tostring },
		{ NULL, NULL }
	};
	static const luaL_Reg methods[] = {
		{ "accept", l_accept },
		{ "port", l_port },
		{ "address", l_address },
		{ "options", l_options },
		{ "close", l_close },
		{ NULL, NULL }
	};

	static const luaL_Reg *const lists[] = { methods, NULL };

	larg_class(L, LISTENER_META, meta, lists);
	lua_setfield(L, -2, "listener");	/* core.listener: for lua/smtp.lua */
	lua_pushcfunction(L, l_listen);
	lua_setfield(L, -2, "listen");
}
