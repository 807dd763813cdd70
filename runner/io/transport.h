/*
 * transport.h - how bytes move on a connected socket: a small table of
 * functions (the wrk way). Plain TCP is one table (io/tcp.h), TLS another
 * (io/tls.h); STARTTLS swaps the table under the live socket.
 *
 * Calls never block. WANT_READ / WANT_WRITE mean "wait for that readiness and
 * call again" (plain TCP only ever wants the direction it was asked; TLS may
 * want the other one).
 */
#ifndef SMTPRUN_TRANSPORT_H
#define SMTPRUN_TRANSPORT_H

#include <stddef.h>

struct conn;

enum tp_status {
	TP_OK = 0,
	TP_EOF,			/* the peer closed (reads only) */
	TP_WANT_READ,
	TP_WANT_WRITE,
	TP_ERROR		/* conn->err says why */
};

struct transport {
	const char	*name;
	int		 secure;	/* bytes are encrypted on the wire */
	enum tp_status	(*read)(struct conn *c, char *buf, size_t n, size_t *got);
	enum tp_status	(*write)(struct conn *c, const char *buf, size_t n, size_t *put);
	/* Frees the transport's own state; the socket is the connection's. */
	void		(*close)(struct conn *c);
};

#endif
