/* tls.c - TLS through OpenSSL, nonblocking, as a transport. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "io/conn.h"
#include "io/net.h"
#include "io/tcp.h"
#include "io/tls.h"

struct tls {
	SSL		*ssl;
	int		 verify;		/* verification was asked for */
	int		 trust;			/* a trust store was loaded */
	int		 quickack;		/* writes left to follow with one */
	int		 done;			/* handshake finished */
	char		 where[300];		/* "host:port", for messages */
	char		 name[256];		/* the name verified against */
	/* The first verification failure, as the callback saw it. */
	int		 fail_err;
	char		 fail_subject[256];
	char		 fail_issuer[256];
	char		 fail_sans[512];
};

static int
is_address(const char *s)
{
	unsigned char	 buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

/* Remembers the first failure, with the certificate it concerns. */
static int
verify_cb(int ok, X509_STORE_CTX *xs)
{
	SSL		*ssl = X509_STORE_CTX_get_ex_data(xs,
			    SSL_get_ex_data_X509_STORE_CTX_idx());
	struct tls	*t = SSL_get_app_data(ssl);
	X509		*x = X509_STORE_CTX_get_current_cert(xs);

	if (!ok && t != NULL && t->fail_err == 0) {
		t->fail_err = X509_STORE_CTX_get_error(xs);
		if (x != NULL) {
			tls_name_str(X509_get_subject_name(x), t->fail_subject,
			    sizeof(t->fail_subject));
			tls_name_str(X509_get_issuer_name(x), t->fail_issuer,
			    sizeof(t->fail_issuer));
			tls_sans_str(x, t->fail_sans, sizeof(t->fail_sans));
		}
	}
	return t != NULL && t->verify ? ok : 1;
}

/* ---- handshake ---- */

int
tls_start(struct conn *c, const struct tls_opts *o, const char *where, char *err,
    size_t errlen)
{
	struct tls	*t;
	SSL_CTX		*ctx;
	const char	*name = o->verify_name && *o->verify_name ? o->verify_name : NULL;
	const char	*sni = o->sni;

	ERR_clear_error();
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if ((ctx = tls_ctx_get(o, err, errlen)) == NULL) {
		free(t);
		return -1;
	}
	t->ssl = SSL_new(ctx);
	SSL_CTX_free(ctx);		/* the SSL holds its own reference */
	if (t->ssl == NULL || SSL_set_fd(t->ssl, c->io.fd) != 1) {
		snprintf(err, errlen, "cannot set up TLS: %s", tls_reason(ERR_get_error(), "?"));
		SSL_free(t->ssl);
		free(t);
		return -1;
	}
	SSL_set_app_data(t->ssl, t);
	/* verify_cb sees every failure; it lets them pass unless t->verify. */
	SSL_set_verify(t->ssl, o->server && !o->request_cert ? SSL_VERIFY_NONE :
	    SSL_VERIFY_PEER, verify_cb);
	t->verify = o->verify;
	t->trust = o->server || o->verify || o->cafile || o->capath;
	snprintf(t->where, sizeof(t->where), "%s", where);
	if (o->server) {
		SSL_set_accept_state(t->ssl);
	} else {
		SSL_set_connect_state(t->ssl);
		snprintf(t->name, sizeof(t->name), "%s", name ? name : "");
		/* The name checked: an address as an address, else a host name. */
		if (name && *name) {
			if (is_address(name))
				X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(t->ssl), name);
			else
				SSL_set1_host(t->ssl, name);
		}
		if (sni == NULL && name && !is_address(name))
			sni = name;
		if (sni && *sni)
			SSL_set_tlsext_host_name(t->ssl, sni);
	}
	c->tls = t;
	c->tls_free = tls_abort;
	return 0;
}

void
tls_abort(struct conn *c)
{
	struct tls	*t = c->tls;

	if (t == NULL)
		return;
	SSL_free(t->ssl);
	free(t);
	c->tls = NULL;
}

static void
verify_message(struct tls *t, char *err, size_t errlen)
{
	const char	*why = X509_verify_cert_error_string(t->fail_err);

	if (t->fail_err == X509_V_ERR_HOSTNAME_MISMATCH ||
	    t->fail_err == X509_V_ERR_IP_ADDRESS_MISMATCH)
		snprintf(err, errlen, "certificate name mismatch for %s: the certificate "
		    "is for %s (subject %s), not %s; pass verify_name= or verify=false",
		    t->where, t->fail_sans[0] ? t->fail_sans : "no alternative names",
		    t->fail_subject, t->name);
	else
		snprintf(err, errlen, "certificate verify failed for %s: %s (subject %s, "
		    "issuer %s); pass cafile= or verify=false", t->where, why,
		    t->fail_subject, t->fail_issuer);
}

enum tls_status
tls_handshake(struct conn *c, char *err, size_t errlen)
{
	struct tls	*t = c->tls;
	unsigned long	 e;
	int		 rc, se, saved;

	ERR_clear_error();
	errno = 0;
	rc = SSL_do_handshake(t->ssl);
	if (rc == 1) {
		t->done = 1;
		c->tp = &tp_tls;
		/* A TLS 1.3 server sends its session tickets once it has our
		 * Finished, in more than one segment; with Nagle on its side and
		 * our ACK delayed, its next reply waits ~40 ms. Linux delays ACKs
		 * again once we send soon after receiving (our first command does
		 * just that), so quick ACKs are asked for now and again after that
		 * first write. */
		if (!SSL_is_server(t->ssl)) {
			net_quickack(c->io.fd);
			t->quickack = 1;
		}
		return TLS_DONE;
	}
	se = SSL_get_error(t->ssl, rc);
	saved = errno;
	if (se == SSL_ERROR_WANT_READ)
		return TLS_WANT_READ;
	if (se == SSL_ERROR_WANT_WRITE)
		return TLS_WANT_WRITE;
	e = ERR_peek_last_error();
	if (t->fail_err != 0 && t->verify)
		verify_message(t, err, errlen);
	else if (se == SSL_ERROR_ZERO_RETURN || (se == SSL_ERROR_SYSCALL && saved == 0) ||
	    ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
		snprintf(err, errlen, "%s closed the connection during the TLS handshake "
		    "(%s)", SSL_is_server(t->ssl) ? "the client" : "the server", t->where);
	else if (se == SSL_ERROR_SYSCALL)
		snprintf(err, errlen, "TLS handshake with %s failed: %s", t->where,
		    strerror(saved));
	else if (ERR_GET_REASON(e) == SSL_R_TLSV1_ALERT_PROTOCOL_VERSION ||
	    ERR_GET_REASON(e) == SSL_R_UNSUPPORTED_PROTOCOL)
		snprintf(err, errlen, "TLS handshake with %s failed: %s: no TLS version "
		    "both sides accept (TLS 1.2 or later unless min_version= says "
		    "otherwise, e.g. min_version = \"TLSv1\" for a legacy %s)", t->where,
		    tls_reason(e, "unknown error"), SSL_is_server(t->ssl) ? "client" : "server");
	else
		snprintf(err, errlen, "TLS handshake with %s failed: %s", t->where,
		    tls_reason(e, "unknown error"));
	return TLS_FAIL;
}

/* ---- the transport ---- */

static enum tp_status
tls_read(struct conn *c, char *buf, size_t n, size_t *got)
{
	struct tls	*t = c->tls;
	int		 rc, se;

	ERR_clear_error();
	*got = 0;
	rc = SSL_read_ex(t->ssl, buf, n, got);
	if (rc == 1)
		return TP_OK;
	se = SSL_get_error(t->ssl, rc);
	switch (se) {
	case SSL_ERROR_WANT_READ:
		return TP_WANT_READ;
	case SSL_ERROR_WANT_WRITE:
		return TP_WANT_WRITE;
	case SSL_ERROR_ZERO_RETURN:		/* close_notify: a clean end */
		return TP_EOF;
	case SSL_ERROR_SYSCALL:
		if (errno == 0) {
			c->truncated = 1;
			return TP_EOF;
		}
		snprintf(c->err, sizeof(c->err), "TLS read: %s", strerror(errno));
		return TP_ERROR;
	default:
		/* The socket closed without close_notify: an end like any other
		 * between replies, a truncation in the middle of one (the
		 * caller says which). */
		if (ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
			c->truncated = 1;
			return TP_EOF;
		}
		snprintf(c->err, sizeof(c->err), "TLS read: %s",
		    tls_reason(ERR_get_error(), "error"));
		return TP_ERROR;
	}
}

static enum tp_status
tls_write(struct conn *c, const char *buf, size_t n, size_t *put)
{
	struct tls	*t = c->tls;
	int		 rc, se;

	ERR_clear_error();
	*put = 0;
	rc = SSL_write_ex(t->ssl, buf, n, put);
	if (rc == 1 && t->quickack > 0) {
		t->quickack--;
		net_quickack(c->io.fd);
	}
	if (rc == 1)
		return TP_OK;
	se = SSL_get_error(t->ssl, rc);
	if (se == SSL_ERROR_WANT_READ)
		return TP_WANT_READ;
	if (se == SSL_ERROR_WANT_WRITE)
		return TP_WANT_WRITE;
	snprintf(c->err, sizeof(c->err), "TLS write: %s", se == SSL_ERROR_SYSCALL ?
	    strerror(errno) : tls_reason(ERR_get_error(), "error"));
	return TP_ERROR;
}

static void
tls_close(struct conn *c)
{
	struct tls	*t = c->tls;

	if (t == NULL)
		return;
	if (t->done) {
		ERR_clear_error();
		SSL_shutdown(t->ssl);	/* one close_notify, no waiting */
	}
	tls_abort(c);
	c->tp = &tp_tcp;
}

const struct transport tp_tls = { "tls", 1, tls_read, tls_write, tls_close };

/* ---- what an established session is ---- */

const char *
tls_protocol(const struct conn *c)
{
	return c->tls ? SSL_get_version(((struct tls *)c->tls)->ssl) : NULL;
}

const char *
tls_cipher(const struct conn *c)
{
	return c->tls ? SSL_get_cipher_name(((struct tls *)c->tls)->ssl) : NULL;
}

int
tls_verify_enabled(const struct conn *c)
{
	return c->tls ? ((struct tls *)c->tls)->verify : 0;
}

int
tls_verified(const struct conn *c, const char **reason)
{
	struct tls	*t = c->tls;
	long		 r;

	*reason = NULL;
	if (t == NULL || SSL_is_server(t->ssl))
		return -1;
	r = SSL_get_verify_result(t->ssl);
	if (r == X509_V_OK && t->fail_err == 0)
		return 1;
	*reason = X509_verify_cert_error_string(t->fail_err ? t->fail_err : r);
	return 0;
}

int
tls_trust_loaded(const struct conn *c)
{
	return c->tls != NULL && ((struct tls *)c->tls)->trust;
}

int
tls_peer_chain(const struct conn *c, struct tls_cert_info *out, int max)
{
	struct tls	*t = c->tls;
	STACK_OF(X509)	*chain;
	X509		*leaf;
	int		 n = 0, i;

	if (t == NULL || max <= 0)
		return 0;
	if ((leaf = SSL_get0_peer_certificate(t->ssl)) == NULL)
		return 0;
	tls_cert_info(leaf, &out[n++]);
	/* A client's chain includes the leaf, a server's does not. */
	chain = SSL_get_peer_cert_chain(t->ssl);
	for (i = 0; chain != NULL && i < sk_X509_num(chain) && n < max; i++) {
		X509 *x = sk_X509_value(chain, i);
		if (X509_cmp(x, leaf) != 0)
			tls_cert_info(x, &out[n++]);
	}
	return n;
}

