/*
 * conn.h - one connected socket on the event loop: transport, buffered input
 * (a linebuf), queued output, and the transcript it records into.
 *
 * Only non-waiting primitives live here: fill the input once, flush what is
 * queued as far as the socket takes it. The Lua binding decides when to wait
 * and for how long; readiness wakes whoever is in `waiter` through `wake`.
 */
#ifndef SMTPRUN_CONN_H
#define SMTPRUN_CONN_H

#include <stddef.h>

#include "core/buf.h"
#include "core/linebuf.h"
#include "io/loop.h"
#include "io/transcript.h"
#include "io/transport.h"

enum conn_status {
	CONN_OK = 0,		/* progress: bytes read, or everything flushed */
	CONN_AGAIN,		/* wait for c->want, then call again */
	CONN_EOF,		/* the peer closed its side */
	CONN_ERR		/* c->err says why */
};

struct conn {
	struct loop_io		 io;		/* io.fd: the socket, or -1 */
	struct loop		*lp;
	const struct transport	*tp;
	void			*tls;		/* TLS state (tls.c), or NULL */
	void			(*tls_free)(struct conn *c);	/* drops it */
	struct linebuf		 in;
	struct buf		 out;
	size_t			 out_off;	/* bytes of out already written */
	struct transcript	*tr;
	int			 want;		/* TP_WANT_READ / TP_WANT_WRITE */
	int			 eof;		/* the peer closed */
	int			 truncated;	/* ... a TLS stream, without close_notify */
	void			*waiter;	/* the task waiting on us, or NULL */
	void			(*wake)(void *waiter);
	char			 err[256];
};

/* A closed conn on lp that will move bytes with tp (io/tcp.h's tp_tcp). */
void	conn_init(struct conn *c, struct loop *lp, const struct transport *tp,
	    struct transcript *tr, size_t line_max);
/* Takes ownership of a connected (or connecting) nonblocking socket. */
int	conn_attach(struct conn *c, int fd);
/* Reads once into c->in. CONN_OK (bytes arrived), CONN_AGAIN, CONN_EOF, CONN_ERR. */
enum conn_status conn_fill(struct conn *c);
/* Queues bytes for conn_flush. Returns 0, or -1 out of memory. */
int	conn_queue(struct conn *c, const void *p, size_t n);
/* Writes queued bytes: CONN_OK when all are out, CONN_AGAIN, CONN_ERR. */
enum conn_status conn_flush(struct conn *c);
/* Closes the socket and frees buffers; wakes a waiter. Idempotent. */
void	conn_close(struct conn *c);
int	conn_is_open(const struct conn *c);

/* True once the transport is TLS. */
static inline int
conn_secure(const struct conn *c)
{
	return c->tp->secure;
}

#endif
