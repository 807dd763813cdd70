/*
 * tls.h - TLS through OpenSSL: contexts, the nonblocking handshake, the
 * transport table that replaces plain TCP under a live connection, and what
 * the binding reports about a session (protocol, cipher, peer chain).
 *
 * Nothing here waits: tls_handshake() returns WANT_READ / WANT_WRITE and the
 * caller waits for that readiness on the event loop, then calls it again.
 * Errors are written into the caller's buffer and say exactly what failed:
 * which certificate, why, and what to do about it.
 */
#ifndef SMTPRUN_TLS_H
#define SMTPRUN_TLS_H

#include <stddef.h>

#include "buf.h"
#include "transport.h"

struct conn;

struct tls_opts {
	int		 server;	/* accept instead of connect */
	int		 verify;	/* verify the peer (client: default on) */
	const char	*cafile;	/* trust these instead of the system store */
	const char	*capath;
	const char	*sni;		/* server name sent; NULL: the host (unless an
					 * address), "" : none */
	const char	*verify_name;	/* name (or address) to verify against */
	const char	*cert;		/* certificate (chain) file, PEM */
	const char	*key;		/* its key file, PEM */
	const char	*cert_pem;	/* or both in memory (PEM text) */
	const char	*key_pem;
	const char	*min_version;	/* "TLSv1.2", "1.3", ... */
	const char	*max_version;
	const char	*ciphers;	/* TLS 1.2 and below */
	const char	*ciphersuites;	/* TLS 1.3 */
	int		 request_cert;	/* server: ask the client for one */
};

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
struct tls_cert_info {
	char	 subject[256];
	char	 issuer[256];
	char	 not_before[32];	/* "2026-11-28 17:59:26Z" */
	char	 not_after[32];
	char	 sans[512];		/* "DNS:a, IP:127.0.0.1" */
	char	 sha256[96];		/* "AB:CD:..." */
};

const char *tls_protocol(const struct conn *c);
const char *tls_cipher(const struct conn *c);
/* The verification result: 1 ok, 0 failed (why in reason), -1 not checked. */
int	tls_verified(const struct conn *c, const char **reason);
int	tls_verify_enabled(const struct conn *c);
/* The peer's chain, leaf first; returns how many were filled (<= max). */
int	tls_peer_chain(const struct conn *c, struct tls_cert_info *out, int max);

/* A self-signed certificate for cn (SANs: cn and 127.0.0.1) and its key, as
 * PEM text appended to cert and key. Returns 0, or -1 with err. */
int	tls_selfsigned(const char *cn, int days, struct buf *cert, struct buf *key,
	    char *err, size_t errlen);

#endif
