/*
 * lsession.h - the session userdata shared by both roles.
 *
 * A client session (lclient.c: smtp.connect, expect) and a server session
 * (lserver.c: accepted from a listener, read_command, reply) are the same C
 * object with a different metatable, so a method of one role called on the
 * other fails with a clear message. What both do (send, send_raw,
 * expect_close, close, timeouts, errors) lives in lsession.c.
 *
 * Each waiting method is a lua_CFunction that fixes its deadline in a stack
 * slot and runs its continuation; the continuation tries the work without
 * blocking and, when the socket is not ready, ends in task_wait(). The loop
 * wakes the task on readiness or at the deadline, and the continuation runs
 * again from the top. The deadline is total: it is fixed when the call starts.
 */
#ifndef SMTPRUN_LSESSION_H
#define SMTPRUN_LSESSION_H

#include <stddef.h>
#include <stdint.h>

#include <lua.h>
#include <lauxlib.h>

#include "buf.h"
#include "conn.h"
#include "reply.h"
#include "transcript.h"

#define CLIENT_META	"smtprun.session"
#define SERVER_META	"smtprun.server_session"
#define SPEC_MAX	16

/* Acceptable reply codes: three characters each, a digit or 'x' (any). */
struct spec {
	int	 n;
	char	 pat[SPEC_MAX][4];
};

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
	uint64_t		 busy;		/* serial of the task in a call, or 0 */
	double			 timeout;	/* 0: the context's */
	size_t			 data_max;	/* server: DATA cap */
	char			 host[256];
	char			 port[16];
	char			 addr[64];	/* the peer's address */
	struct resolve_req	*rq;
	struct addrinfo		*ai;		/* next address to try */
	struct buf		 connerr;	/* why each address failed */
	int			 nattempts;
	char			 lasterr[256];
	struct spec		 spec;		/* of the expect in progress */
	char			 last_cmd[512];	/* "'RCPT TO:<x>'" as recorded (redacted) */
	struct buf		 data;		/* server: DATA being read */
};

/* The transcript marker for this session: the TLS variant once TLS is on. */
#define KIND(s, k)	tr_in_tls((k), conn_secure(&(s)->c))

/* A new session userdata on top of the stack, closed, with its metatable,
 * a uservalue table, and a conn on the context's loop. */
struct session *session_new(lua_State *L, struct smtp_ctx *ctx, int server,
	    size_t line_max, size_t reply_max);
/* Either role / the role's metatable; open and idle. */
struct session *session_check(lua_State *L, int idx);
struct session *session_check_open(lua_State *L, int idx);
/* opts.timeout at optidx (0: none), else the session's, else the context's. */
double	session_timeout(lua_State *L, struct session *s, int optidx);
/* The last command, quoted, or "the greeting" (client) / "the connection". */
const char *session_answering(struct session *s, char *out, size_t len);
/* Appends up to 200 bytes of p, control bytes escaped. */
void	session_excerpt(struct buf *out, const char *p, size_t n);
/* Records "*** message" and raises it as an error of this kind. */
int	session_fail(lua_State *L, struct session *s, const char *kind,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Closes the connection (recording `why` when not NULL). Idempotent. */
void	session_close(struct session *s, const char *why);
/* Queues p[0..n) (+ CRLF), records it (opts at optidx: redact=, label=,
 * timeout=), and flushes, waiting as needed. The session is at index 1; p
 * must stay valid until the bytes are queued (they are copied at once). */
int	session_send(lua_State *L, struct session *s, const char *p, size_t n, int crlf,
	    int optidx);
/* Matches text against the Lua pattern at pattern_idx with the original
 * string.find. Returns 1 or 0; a bad pattern is a usage error. */
int	session_find(lua_State *L, const char *text, size_t len, int pattern_idx);

/* Method tables of each role (the shared methods are added to both). */
extern const luaL_Reg lclient_methods[];
extern const luaL_Reg lserver_methods[];

#endif
