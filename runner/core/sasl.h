/*
 * sasl.h - SASL mechanisms (RFC 4422) for SMTP AUTH (RFC 4954), both sides.
 *
 * Pure: no I/O. The crypto is OpenSSL's (HMAC, digests, PBKDF2, RAND). The
 * client functions build what a client sends; the SCRAM server side checks
 * a client's proof and signs the exchange, so the client and server roles
 * test each other. Payloads that SMTP sends base64'd are returned base64'd
 * where noted; SCRAM messages are raw (the caller base64s them).
 */
#ifndef SMTPRUN_SASL_H
#define SMTPRUN_SASL_H

#include <stddef.h>

#include "core/buf.h"

/* What every function here returns. */
enum sasl_status {
	SASL_OK = 0,
	SASL_INTERNAL,		/* out of memory, or OpenSSL failed */
	SASL_NUL,		/* a field given holds a NUL byte */
	SASL_MALFORMED,		/* the peer's message does not fit: why in err */
	SASL_REJECTED,		/* a wrong proof or signature: why in err */
	SASL_USAGE		/* the caller's nonce or count is out of range */
};

/* PLAIN (RFC 4616): base64(authzid NUL authcid NUL password). authzid may be
 * NULL or "". OK, INTERNAL, or NUL. */
enum sasl_status sasl_plain(const char *authzid, size_t zlen, const char *user,
	    size_t ulen, const char *pass, size_t plen, struct buf *out);

/* CRAM-MD5 (RFC 2195): base64(user " " hex(HMAC-MD5(password, challenge))),
 * challenge already decoded. */
enum sasl_status sasl_cram_md5(const char *user, const char *pass, size_t plen,
	    const char *challenge, size_t clen, struct buf *out);

/* XOAUTH2 (Google/Microsoft): base64("user=" U ^A "auth=Bearer " T ^A ^A). */
enum sasl_status sasl_xoauth2(const char *user, const char *token, struct buf *out);

/* OAUTHBEARER (RFC 7628): base64 of the GS2 header "n,a=user," and the
 * host, port (when given) and auth key-value pairs. */
enum sasl_status sasl_oauthbearer(const char *user, const char *host, const char *port,
	    const char *token, struct buf *out);

/* SCRAM (RFC 5802, RFC 7677), SHA-1 or SHA-256, without channel binding.
 *
 * A nonce part (the client's, or the one the server adds) is 1 to
 * SCRAM_NONCE_MAX printable ASCII bytes other than ','. Clients send a few
 * dozen; a longer client nonce is malformed (not a reason to grow a
 * buffer), so the whole nonce always fits s->nonce.
 * Iteration counts: a server's i= is taken up to SCRAM_MAX_ITER (a hostile
 * server cannot make the client spin for long); the server role offers at
 * most SCRAM_SERVER_MAX_ITER, as PBKDF2 runs on the event loop and stalls
 * every session meanwhile (a million rounds took 0.48 s in issue 10; RFC
 * 7677 asks for at least 4096). */
#define SCRAM_NONCE_MAX		256
#define SCRAM_MAX_ITER		1000000
#define SCRAM_SERVER_MAX_ITER	100000
struct scram {
	const void	*md;			/* EVP_MD */
	int		 mdlen;
	char		 nonce[2 * SCRAM_NONCE_MAX + 1]; /* the client's, then the whole */
	size_t		 cnonce_len;
	struct buf	 gs2_header;		/* server: what c= must carry */
	struct buf	 client_first_bare;
	struct buf	 auth_message;
	unsigned char	 server_sig[64];	/* client: what the server must send */
	unsigned char	 stored_key[64];	/* server: to check the proof */
	unsigned char	 server_key[64];
	char		 user[256];		/* server: who the client says it is */
};

/* 1 when p[0..n) may be a nonce part (above), else 0. */
int	scram_nonce_ok(const char *p, size_t n);
/* "SCRAM-SHA-1" / "SCRAM-SHA-256" -> 0, else -1. */
int	scram_init(struct scram *s, const char *mech);
void	scram_free(struct scram *s);

/* Client. cnonce NULL: a random one; else USAGE unless scram_nonce_ok.
 * Writes client-first-message. */
enum sasl_status scram_client_first(struct scram *s, const char *user,
	    const char *cnonce, struct buf *out);
/* From server-first-message, writes client-final-message (with the proof).
 * MALFORMED (why in err) for a malformed or hostile server message. */
enum sasl_status scram_client_final(struct scram *s, const char *server_first,
	    size_t n, const char *pass, size_t plen, struct buf *out, char *err,
	    size_t errlen);
/* Checks server-final-message: OK when the server proved it knows the
 * password; REJECTED for a wrong signature or an "e=" error; MALFORMED. */
enum sasl_status scram_client_verify(struct scram *s, const char *server_final,
	    size_t n, char *err, size_t errlen);

/* Server. Reads client-first-message (RFC 5802 section 7): a GS2 header
 * "n," or "y," (no channel binding; "p=" is refused) with an optional
 * authzid, no "m=" extension, n= a saslname (UTF-8, escapes right, under
 * 256 bytes decoded) into s->user, r= a nonce (scram_nonce_ok), then
 * optional "x=value" extensions (ignored). Anything else is MALFORMED,
 * with why in err (no byte of the message is quoted). */
enum sasl_status scram_server_start(struct scram *s, const char *client_first,
	    size_t n, char *err, size_t errlen);
/* Writes server-first-message for this password, salt and iteration count
 * (1 to SCRAM_SERVER_MAX_ITER) and nonce part (snonce NULL: random; else
 * scram_nonce_ok). USAGE for a count or snonce out of range; INTERNAL only
 * out of memory or when OpenSSL fails: never for a client nonce that
 * scram_server_start took. */
enum sasl_status scram_server_first(struct scram *s, const char *pass, size_t plen,
	    const unsigned char *salt, size_t saltlen, int iter, const char *snonce,
	    struct buf *out);
/* Checks client-final-message: c= the base64 GS2 header of the first
 * message, r= the whole nonce, optional extensions, p= the proof (base64 of
 * the digest's size), last. OK: the proof is right, and out gets
 * server-final-message ("v=..."); REJECTED: a wrong proof (out gets
 * "e=invalid-proof"); MALFORMED (why in err). */
enum sasl_status scram_server_final(struct scram *s, const char *client_final,
	    size_t n, struct buf *out, char *err, size_t errlen);

/* What a record shows of a SCRAM message: the values an offline password
 * guess needs (r= nonces, s= salt, p= client proof, v= server signature)
 * become "[redacted]"; the rest (i= iteration count, e= errors, c=, n=)
 * stays. scram_redact works on the message itself; scram_redact_line on a
 * reply line "334 <base64>" (or any "NNN <base64>", or a bare base64 line):
 * "334 [base64 redacted]   (r=[redacted],s=[redacted],i=4096)", the
 * decoded part only when it is printable. Returns 1 when out got the
 * redacted line, 0 when the line carries no base64 (nothing to hide), -1
 * out of memory. */
int	scram_redact(const char *msg, size_t n, struct buf *out);
int	scram_redact_line(const char *line, size_t n, struct buf *out);

#endif
