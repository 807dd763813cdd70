/*
 * lsession.h - the session userdata, shared by both roles.
 *
 * A client session (binding/lclient.c: smtp.connect, expect) and a server
 * session (binding/llistener.c accepts it, binding/lserver.c: read_command,
 * reply) are the same C object with a different metatable, so a method of
 * one role called on the other fails with a clear message. What both do
 * (send, send_raw, expect_close, close, timeouts, errors) lives in
 * lsession.c; TLS on a session in ltls.c.
 *
 * Each waiting method follows binding/lwait.h: it fixes its deadline when it
 * starts and runs its continuation, which tries the work without blocking
 * and yields until the socket is ready or the deadline passes.
 */
#ifndef SMTPRUN_LSESSION_H
#define SMTPRUN_LSESSION_H

#include <stddef.h>
#include <stdint.h>

#include <lua.h>
#include <lauxlib.h>

#include "core/buf.h"
#include "core/dataread.h"
#include "core/escape.h"
#include "core/reply.h"
#include "core/spec.h"
#include "binding/lerror.h"
#include "binding/lphase.h"
#include "io/conn.h"
#include "io/transcript.h"

#define CLIENT_META	"smtprun.session"
#define SERVER_META	"smtprun.server_session"

/* Bytes a peer sent, quoted in a message: the first EXCERPT of them,
 * escaped (at most four characters each). A command is quoted so:
 * "'RCPT TO:<x>'". */
#define EXCERPT		200
#define LAST_CMD_SIZE	(4 * EXCERPT + sizeof(ESC_CUT) + sizeof("''"))
#define HOST_SIZE	256
#define PORT_SIZE	16
#define ADDR_SIZE	64	/* INET6_ADDRSTRLEN and then some */

enum sstate { S_NEW, S_RESOLVING, S_CONNECTING, S_OPEN, S_CLOSED };

struct smtp_ctx;
struct resolve_req;

struct session {
	struct conn		 c;		/* c.tr: NULL for a quiet session */
	struct reply_parser	 rp;		/* client: replies */
	struct smtp_ctx		*ctx;
	enum sstate		 state;
	int			 server;	/* the server role */
	int			 id;
	uint64_t		 busy;		/* the claim of the call in progress */
	double			 timeout;	/* 0: the context's */
	size_t			 data_max;	/* server: DATA cap */
	char			 host[HOST_SIZE];
	char			 port[PORT_SIZE];
	char			 addr[ADDR_SIZE];	/* the peer's address */
	struct resolve_req	*rq;
	struct addrinfo		*ai;		/* next address to try */
	struct buf		 connerr;	/* why each address failed */
	int			 nattempts;
	char			 lasterr[256];
	struct spec		 spec;		/* of the expect in progress */
	int			 hide_scram;	/* its opts said redact = "scram" */
	int			 unverified;	/* TLS without certificate checks */
	char			 last_cmd[LAST_CMD_SIZE];	/* as recorded (redacted) */
	struct data_reader	 data;		/* server: DATA being read */
	/* Client: the lines of the reply in progress, recorded once it is
	 * judged (lclient.c), and those past what a reply may record. */
	struct buf		 held;
	size_t			 nlines;	/* lines of this reply so far */
	size_t			 skipped, skipped_bytes;
	/* Why we closed the session (its stream was out of step): later calls
	 * raise "closed" saying so. */
	char			 gone[LAST_CMD_SIZE + 64];
	struct phase		 ph;		/* load runs: the phase being timed */
	/* Load runs: the open sessions of one virtual session (lctx.h). */
	struct session		*owned_next, **owned_prev;
};

/* The transcript marker for this session: the TLS variant once TLS is on. */
#define KIND(s, k)	tr_in_tls((k), conn_secure(&(s)->c))

/* A new session userdata on top of the stack, closed, with its metatable,
 * a uservalue table, and a conn on the context's loop. */
struct session *session_new(lua_State *L, struct smtp_ctx *ctx, int server,
	    size_t line_max, size_t reply_max);
/* Either role; open and not in another call. */
struct session *session_check(lua_State *L, int idx);
struct session *session_check_open(lua_State *L, int idx);
/* opts.timeout at opts (0: none), else the session's, else the context's. */
double	session_timeout(lua_State *L, struct session *s, int opts);
/* Starts a waiting call on s (binding/lwait.h) with the timeout from opts. */
void	session_begin(lua_State *L, struct session *s, int opts);
/* What a reply answers: the last command, quoted, or "the greeting" (client)
 * / "the connection" (server). Valid until last_cmd changes. */
const char *session_answering(const struct session *s);
/* Sets last_cmd to the command as messages show it, quoted and escaped. */
void	session_set_last(struct session *s, const char *p, size_t n);
/* Records "*** message" in the session's transcript and raises it as an
 * error of this kind (binding/lerror.h). */
#define session_fail(L, s, kind, ...) \
	lerr_raise_recorded((L), (s)->c.tr, (kind), __VA_ARGS__)
/* Like session_fail, and the session closed after the "***" line: the
 * "===" line `note` says why, and later calls raise "closed ... after
 * `gone`". For a stream out of step (a malformed reply, one cut short). */
int	session_fail_closing(lua_State *L, struct session *s, const char *note,
	    const char *gone, const char *kind, const char *fmt, ...)
	    __attribute__((format(printf, 6, 7)));
/* Closes the connection (recording `why` when not NULL). Idempotent. */
void	session_close(struct session *s, const char *why);
/* Closes the sessions o's virtual session left open; from now on they
 * record nothing (its transcript goes with it). */
void	lsession_close_owned(struct lowner *o);
/* Queues p[0..n) (+ CRLF), records it (opts at optidx: redact=, label=,
 * timeout=), and flushes, waiting as needed. The session is at index 1; p
 * must stay valid until the bytes are queued (they are copied at once). */
int	session_send(lua_State *L, struct session *s, const char *p, size_t n, int crlf,
	    int optidx);
/* Matches text against the Lua pattern at pattern_idx with the original
 * string.find. Returns 1 or 0; a bad pattern is a usage error. */
int	session_find(lua_State *L, const char *text, size_t len, int pattern_idx);
/* The same, but a bad pattern returns -1 with the usage error's message
 * pushed, for a caller that has a reply to record before it raises. */
int	session_try_find(lua_State *L, const char *text, size_t len, int pattern_idx);
/* What both roles' metatables hold (binding/largs.h's larg_class makes
 * them): __gc, __close, __tostring; send, send_raw, expect_close, close,
 * settimeout, peer, is_open, last_command, data_table. */
extern const luaL_Reg session_metamethods[];
extern const luaL_Reg session_methods[];
/* Called once per state, before any role: what session_find needs. */
void	session_init(lua_State *L);

#endif
