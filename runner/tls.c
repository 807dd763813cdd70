/* tls.c - TLS through OpenSSL, nonblocking, as a transport. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "conn.h"
#include "tls.h"

struct tls {
	SSL		*ssl;
	int		 verify;		/* verification was asked for */
	int		 done;			/* handshake finished */
	char		 where[300];		/* "host:port", for messages */
	char		 name[256];		/* the name verified against */
	/* The first verification failure, as the callback saw it. */
	int		 fail_err;
	char		 fail_subject[256];
	char		 fail_issuer[256];
	char		 fail_sans[512];
};

/* ---- small helpers ---- */

static void
name_str(const X509_NAME *nm, char *out, size_t len)
{
	BIO	*b = BIO_new(BIO_s_mem());
	char	*p;
	long	 n;

	out[0] = '\0';
	if (b == NULL)
		return;
	X509_NAME_print_ex(b, nm, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
	n = BIO_get_mem_data(b, &p);
	snprintf(out, len, "%.*s", (int)n, p);
	BIO_free(b);
}

static void
time_str(const ASN1_TIME *t, char *out, size_t len)
{
	struct tm	 tm;

	if (t == NULL || !ASN1_TIME_to_tm(t, &tm)) {
		snprintf(out, len, "?");
		return;
	}
	strftime(out, len, "%Y-%m-%d %H:%M:%SZ", &tm);
}

static void
sans_str(X509 *x, char *out, size_t len)
{
	GENERAL_NAMES	*gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	size_t		 o = 0;
	int		 i;
	char		 ip[INET6_ADDRSTRLEN];

	out[0] = '\0';
	for (i = 0; gens != NULL && i < sk_GENERAL_NAME_num(gens) && o < len; i++) {
		const GENERAL_NAME	*g = sk_GENERAL_NAME_value(gens, i);
		const char		*sep = o ? ", " : "";
		int			 n = 0;

		if (g->type == GEN_DNS)
			n = snprintf(out + o, len - o, "%sDNS:%.*s", sep,
			    ASN1_STRING_length(g->d.dNSName),
			    (const char *)ASN1_STRING_get0_data(g->d.dNSName));
		else if (g->type == GEN_IPADD) {
			int alen = ASN1_STRING_length(g->d.iPAddress);
			/* The peer wrote this: only 4 or 16 bytes are an address. */
			if ((alen != 4 && alen != 16) || inet_ntop(alen == 16 ? AF_INET6 :
			    AF_INET, ASN1_STRING_get0_data(g->d.iPAddress), ip,
			    sizeof(ip)) == NULL)
				snprintf(ip, sizeof(ip), "<invalid>");
			n = snprintf(out + o, len - o, "%sIP:%s", sep, ip);
		} else if (g->type == GEN_EMAIL)
			n = snprintf(out + o, len - o, "%semail:%.*s", sep,
			    ASN1_STRING_length(g->d.rfc822Name),
			    (const char *)ASN1_STRING_get0_data(g->d.rfc822Name));
		if (n > 0)
			o += (size_t)n;
	}
	GENERAL_NAMES_free(gens);
}

/* The reason of the newest OpenSSL error, or a fallback. */
static const char *
ssl_reason(unsigned long e, const char *fallback)
{
	const char	*r = e ? ERR_reason_error_string(e) : NULL;

	return r ? r : fallback;
}

static int
is_address(const char *s)
{
	unsigned char	 buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

static int
version_of(const char *v)
{
	if (v == NULL)
		return 0;
	if (strncmp(v, "TLSv", 4) == 0)
		v += 4;
	if (strcmp(v, "1") == 0 || strcmp(v, "1.0") == 0)
		return TLS1_VERSION;
	if (strcmp(v, "1.1") == 0)
		return TLS1_1_VERSION;
	if (strcmp(v, "1.2") == 0)
		return TLS1_2_VERSION;
	if (strcmp(v, "1.3") == 0)
		return TLS1_3_VERSION;
	return -1;
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
			name_str(X509_get_subject_name(x), t->fail_subject,
			    sizeof(t->fail_subject));
			name_str(X509_get_issuer_name(x), t->fail_issuer,
			    sizeof(t->fail_issuer));
			sans_str(x, t->fail_sans, sizeof(t->fail_sans));
		}
	}
	return t != NULL && t->verify ? ok : 1;
}

/* ---- contexts ---- */

static int
load_pem(SSL_CTX *ctx, const char *cert_pem, const char *key_pem, char *err, size_t errlen)
{
	BIO		*b = BIO_new_mem_buf(cert_pem, -1);
	X509		*x;
	EVP_PKEY	*k;
	int		 first = 1;

	while (b != NULL && (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
		if (first ? SSL_CTX_use_certificate(ctx, x) != 1 :
		    SSL_CTX_add0_chain_cert(ctx, x) != 1) {
			X509_free(x);
			goto bad;
		}
		if (first)
			X509_free(x);
		first = 0;
	}
	BIO_free(b);
	ERR_clear_error();		/* the end of the PEM stream */
	if (first) {
		snprintf(err, errlen, "no certificate in cert_pem");
		return -1;
	}
	b = BIO_new_mem_buf(key_pem, -1);
	k = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
	BIO_free(b);
	if (k == NULL || SSL_CTX_use_PrivateKey(ctx, k) != 1) {
		EVP_PKEY_free(k);
		snprintf(err, errlen, "cannot load key_pem: %s",
		    ssl_reason(ERR_peek_last_error(), "not a private key"));
		return -1;
	}
	EVP_PKEY_free(k);
	return 0;
bad:
	BIO_free(b);
	snprintf(err, errlen, "cannot load cert_pem: %s",
	    ssl_reason(ERR_peek_last_error(), "not a certificate"));
	return -1;
}

static SSL_CTX *
make_ctx(const struct tls_opts *o, char *err, size_t errlen)
{
	SSL_CTX	*ctx = SSL_CTX_new(o->server ? TLS_server_method() : TLS_client_method());
	int	 vmin = version_of(o->min_version), vmax = version_of(o->max_version);

	if (ctx == NULL) {
		snprintf(err, errlen, "cannot create a TLS context: %s",
		    ssl_reason(ERR_get_error(), "out of memory"));
		return NULL;
	}
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	/* Servers that just close without close_notify are common in SMTP. */
	SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
	if (vmin < 0 || vmax < 0) {
		snprintf(err, errlen, "unknown TLS version \"%s\" (want TLSv1, TLSv1.1, "
		    "TLSv1.2 or TLSv1.3)", vmin < 0 ? o->min_version : o->max_version);
		goto fail;
	}
	if ((vmin && !SSL_CTX_set_min_proto_version(ctx, vmin)) ||
	    (vmax && !SSL_CTX_set_max_proto_version(ctx, vmax))) {
		snprintf(err, errlen, "cannot limit TLS versions: %s",
		    ssl_reason(ERR_get_error(), "?"));
		goto fail;
	}
	if (o->ciphers && SSL_CTX_set_cipher_list(ctx, o->ciphers) != 1) {
		snprintf(err, errlen, "no usable cipher in \"%s\"", o->ciphers);
		goto fail;
	}
	if (o->ciphersuites && SSL_CTX_set_ciphersuites(ctx, o->ciphersuites) != 1) {
		snprintf(err, errlen, "no usable TLS 1.3 ciphersuite in \"%s\"",
		    o->ciphersuites);
		goto fail;
	}
	if (o->cafile || o->capath) {
		if (SSL_CTX_load_verify_locations(ctx, o->cafile, o->capath) != 1) {
			snprintf(err, errlen, "cannot load CA certificates from %s: %s",
			    o->cafile ? o->cafile : o->capath,
			    ssl_reason(ERR_get_error(), "unreadable"));
			goto fail;
		}
	} else if (!o->server && SSL_CTX_set_default_verify_paths(ctx) != 1) {
		snprintf(err, errlen, "cannot load the system's CA certificates: %s",
		    ssl_reason(ERR_get_error(), "?"));
		goto fail;
	}
	if (o->cert_pem || o->key_pem) {
		if (!o->cert_pem || !o->key_pem) {
			snprintf(err, errlen, "cert_pem and key_pem go together");
			goto fail;
		}
		if (load_pem(ctx, o->cert_pem, o->key_pem, err, errlen) == -1)
			goto fail;
	} else if (o->cert || o->key) {
		if (SSL_CTX_use_certificate_chain_file(ctx, o->cert ? o->cert : o->key) != 1) {
			snprintf(err, errlen, "cannot load certificate %s: %s",
			    o->cert ? o->cert : o->key, ssl_reason(ERR_get_error(), "?"));
			goto fail;
		}
		if (SSL_CTX_use_PrivateKey_file(ctx, o->key ? o->key : o->cert,
		    SSL_FILETYPE_PEM) != 1) {
			snprintf(err, errlen, "cannot load key %s: %s",
			    o->key ? o->key : o->cert, ssl_reason(ERR_get_error(), "?"));
			goto fail;
		}
	} else if (o->server) {
		snprintf(err, errlen, "a TLS server needs cert= and key= (or cert_pem= "
		    "and key_pem=)");
		goto fail;
	}
	if ((o->cert || o->cert_pem) && SSL_CTX_check_private_key(ctx) != 1) {
		snprintf(err, errlen, "the key does not match the certificate");
		goto fail;
	}
	if (o->server)
		SSL_CTX_set_verify(ctx, o->request_cert ? SSL_VERIFY_PEER : SSL_VERIFY_NONE,
		    verify_cb);
	else
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, verify_cb);
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
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
	if ((ctx = make_ctx(o, err, errlen)) == NULL) {
		free(t);
		return -1;
	}
	t->ssl = SSL_new(ctx);
	SSL_CTX_free(ctx);		/* the SSL holds its own reference */
	if (t->ssl == NULL || SSL_set_fd(t->ssl, c->io.fd) != 1) {
		snprintf(err, errlen, "cannot set up TLS: %s", ssl_reason(ERR_get_error(), "?"));
		SSL_free(t->ssl);
		free(t);
		return -1;
	}
	SSL_set_app_data(t->ssl, t);
	t->verify = o->verify;
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
	else
		snprintf(err, errlen, "TLS handshake with %s failed: %s", t->where,
		    ssl_reason(e, "unknown error"));
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
	case SSL_ERROR_ZERO_RETURN:
		return TP_EOF;
	case SSL_ERROR_SYSCALL:
		if (errno == 0)
			return TP_EOF;
		snprintf(c->err, sizeof(c->err), "TLS read: %s", strerror(errno));
		return TP_ERROR;
	default:
		snprintf(c->err, sizeof(c->err), "TLS read: %s",
		    ssl_reason(ERR_get_error(), "error"));
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
	if (rc == 1)
		return TP_OK;
	se = SSL_get_error(t->ssl, rc);
	if (se == SSL_ERROR_WANT_READ)
		return TP_WANT_READ;
	if (se == SSL_ERROR_WANT_WRITE)
		return TP_WANT_WRITE;
	snprintf(c->err, sizeof(c->err), "TLS write: %s", se == SSL_ERROR_SYSCALL ?
	    strerror(errno) : ssl_reason(ERR_get_error(), "error"));
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
	c->tp = &tp_plain;
}

const struct transport tp_tls = { "tls", tls_read, tls_write, tls_close };

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

static void
cert_info(X509 *x, struct tls_cert_info *ci)
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0, i;
	size_t		 o = 0;

	name_str(X509_get_subject_name(x), ci->subject, sizeof(ci->subject));
	name_str(X509_get_issuer_name(x), ci->issuer, sizeof(ci->issuer));
	time_str(X509_get0_notBefore(x), ci->not_before, sizeof(ci->not_before));
	time_str(X509_get0_notAfter(x), ci->not_after, sizeof(ci->not_after));
	sans_str(x, ci->sans, sizeof(ci->sans));
	ci->sha256[0] = '\0';
	X509_digest(x, EVP_sha256(), md, &mdlen);
	for (i = 0; i < mdlen && o + 3 < sizeof(ci->sha256); i++)
		o += (size_t)snprintf(ci->sha256 + o, sizeof(ci->sha256) - o, "%s%02X",
		    i ? ":" : "", md[i]);
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
	cert_info(leaf, &out[n++]);
	/* A client's chain includes the leaf, a server's does not. */
	chain = SSL_get_peer_cert_chain(t->ssl);
	for (i = 0; chain != NULL && i < sk_X509_num(chain) && n < max; i++) {
		X509 *x = sk_X509_value(chain, i);
		if (X509_cmp(x, leaf) != 0)
			cert_info(x, &out[n++]);
	}
	return n;
}

/* ---- a certificate made on the spot (the demo server's) ---- */

static int
pem_out(struct buf *out, int (*w)(BIO *, void *), void *obj)
{
	BIO	*b = BIO_new(BIO_s_mem());
	char	*p;
	long	 n;
	int	 rc = -1;

	if (b != NULL && w(b, obj) == 1) {
		n = BIO_get_mem_data(b, &p);
		rc = buf_append(out, p, (size_t)n);
	}
	BIO_free(b);
	return rc;
}

static int
write_x509(BIO *b, void *x)
{
	return PEM_write_bio_X509(b, x);
}

static int
write_key(BIO *b, void *k)
{
	return PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL);
}

int
tls_selfsigned(const char *cn, int days, struct buf *cert, struct buf *key, char *err,
    size_t errlen)
{
	EVP_PKEY	*k = EVP_EC_gen("P-256");
	X509		*x = X509_new();
	X509_NAME	*nm;
	X509_EXTENSION	*ext;
	X509V3_CTX	 v3;
	char		 san[300];
	int		 rc = -1;

	if (k == NULL || x == NULL)
		goto out;
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), (long)time(NULL));
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), (long)days * 86400);
	X509_set_pubkey(x, k);
	nm = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1,
	    -1, 0);
	X509_set_issuer_name(x, nm);
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	snprintf(san, sizeof(san), "DNS:%s,IP:127.0.0.1", cn);
	if ((ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, san)) == NULL)
		goto out;
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	if (X509_sign(x, k, EVP_sha256()) == 0)
		goto out;
	if (pem_out(cert, write_x509, x) == 0 && pem_out(key, write_key, k) == 0)
		rc = 0;
out:
	if (rc == -1)
		snprintf(err, errlen, "cannot make a certificate: %s",
		    ssl_reason(ERR_get_error(), "out of memory"));
	X509_free(x);
	EVP_PKEY_free(k);
	return rc;
}
