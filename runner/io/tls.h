/*
 * tls.h - TLS through OpenSSL on a live connection: the nonblocking
 * handshake, the transport table that replaces plain TCP once it is done,
 * and what the binding reports about a session (protocol, cipher, peer
 * chain).
 *
 * Nothing here waits: tls_handshake() returns WANT_READ / WANT_WRITE and the
 * caller waits for that readiness on the event loop, then calls it again.
 * Errors are written into the caller's buffer and say exactly what failed:
 * which certificate, why, and what to do about it.
 */
#ifndef SMTPRUN_TLS_H
#define SMTPRUN_TLS_H

#include <stddef.h>

#include "io/tls_ctx.h"
#include "io/tls_text.h"
#include "io/transport.h"

#define TLS_CHAIN_MAX	8	/* certificates of a peer's chain reported */

struct conn;

enum tls_status {
	TLS_DONE = 0,
	TLS_WANT_READ,
	TLS_WANT_WRITE,
	TLS_FAIL		/* the message is in the caller's buffer */
};

/*
 * Starts TLS on c's socket: makes the context and the SSL object; the conn
 * keeps the plain transport until the handshake is done. where ("host:port")
 * names the peer in messages. Returns 0 or -1 with err filled in.
 */
int	tls_start(struct conn *c, const struct tls_opts *o, const char *where,
	    char *err, size_t errlen);
/* Drives the handshake; on TLS_DONE the conn's transport is TLS. */
enum tls_status tls_handshake(struct conn *c, char *err, size_t errlen);
/* Drops a TLS object that never finished its handshake. */
void	tls_abort(struct conn *c);

extern const struct transport tp_tls;

/* About an established session. */
const char *tls_protocol(const struct conn *c);
const char *tls_cipher(const struct conn *c);
/* The verification result: 1 ok, 0 failed (why in reason), -1 not checked. */
int	tls_verified(const struct conn *c, const char **reason);
int	tls_verify_enabled(const struct conn *c);
/* Whether a trust store was loaded (a client with verify off loads none
 * unless given cafile/capath: then verification could not succeed). */
int	tls_trust_loaded(const struct conn *c);
/* The peer's chain, leaf first; returns how many were filled (<= max). */
int	tls_peer_chain(const struct conn *c, struct tls_cert_info *out, int max);

#endif
