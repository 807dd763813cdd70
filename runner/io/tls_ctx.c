/* tls_ctx.c - OpenSSL contexts made from smtprun's TLS options. */
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "core/buf.h"
#include "io/tls_ctx.h"
#include "io/tls_text.h"

/* "TLSv1.2", "1.2", ... as OpenSSL's constant; 0 for NULL, -1 unknown. */
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

/* Protocol versions and ciphers. */
static int
set_protocol(SSL_CTX *ctx, const struct tls_opts *o, char *err, size_t errlen)
{
	int	 vmin = version_of(o->min_version), vmax = version_of(o->max_version);

	/* TLS 1.2 at least, unless min_version asks for less (legacy servers):
	 * the security level alone would let TLS 1.0 through where it is 0. */
	if (o->min_version == NULL)
		vmin = TLS1_2_VERSION;

	if (vmin < 0 || vmax < 0) {
		snprintf(err, errlen, "unknown TLS version \"%s\" (want TLSv1, TLSv1.1, "
		    "TLSv1.2 or TLSv1.3)", vmin < 0 ? o->min_version : o->max_version);
		return -1;
	}
	if ((vmin && !SSL_CTX_set_min_proto_version(ctx, vmin)) ||
	    (vmax && !SSL_CTX_set_max_proto_version(ctx, vmax))) {
		snprintf(err, errlen, "cannot limit TLS versions: %s",
		    tls_reason(ERR_get_error(), "?"));
		return -1;
	}
	if (o->ciphers && SSL_CTX_set_cipher_list(ctx, o->ciphers) != 1) {
		snprintf(err, errlen, "no usable cipher in \"%s\"", o->ciphers);
		return -1;
	}
	if (o->ciphersuites && SSL_CTX_set_ciphersuites(ctx, o->ciphersuites) != 1) {
		snprintf(err, errlen, "no usable TLS 1.3 ciphersuite in \"%s\"",
		    o->ciphersuites);
		return -1;
	}
	return 0;
}

/* Whom to trust: cafile/capath, else (a client that verifies) the system's
 * store. */
static int
set_trust(SSL_CTX *ctx, const struct tls_opts *o, char *err, size_t errlen)
{
	if (o->cafile || o->capath) {
		if (SSL_CTX_load_verify_locations(ctx, o->cafile, o->capath) != 1) {
			snprintf(err, errlen, "cannot load CA certificates from %s: %s",
			    o->cafile ? o->cafile : o->capath,
			    tls_reason(ERR_get_error(), "unreadable"));
			return -1;
		}
	} else if (!o->server && o->verify && SSL_CTX_set_default_verify_paths(ctx) != 1) {
		snprintf(err, errlen, "cannot load the system's CA certificates: %s",
		    tls_reason(ERR_get_error(), "?"));
		return -1;
	}
	return 0;
}

/* A certificate chain and its key given as PEM text. */
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
			BIO_free(b);
			snprintf(err, errlen, "cannot load cert_pem: %s",
			    tls_reason(ERR_peek_last_error(), "not a certificate"));
			return -1;
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
		    tls_reason(ERR_peek_last_error(), "not a private key"));
		return -1;
	}
	EVP_PKEY_free(k);
	return 0;
}

/* A certificate chain and its key from files (either may hold both). */
static int
load_files(SSL_CTX *ctx, const char *cert, const char *key, char *err, size_t errlen)
{
	if (SSL_CTX_use_certificate_chain_file(ctx, cert ? cert : key) != 1) {
		snprintf(err, errlen, "cannot load certificate %s: %s", cert ? cert : key,
		    tls_reason(ERR_get_error(), "?"));
		return -1;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key ? key : cert, SSL_FILETYPE_PEM) != 1) {
		snprintf(err, errlen, "cannot load key %s: %s", key ? key : cert,
		    tls_reason(ERR_get_error(), "?"));
		return -1;
	}
	return 0;
}

/* Who we are: a certificate and key (a server must have them). */
static int
set_identity(SSL_CTX *ctx, const struct tls_opts *o, char *err, size_t errlen)
{
	if (o->cert_pem || o->key_pem) {
		if (!o->cert_pem || !o->key_pem) {
			snprintf(err, errlen, "cert_pem and key_pem go together");
			return -1;
		}
		if (load_pem(ctx, o->cert_pem, o->key_pem, err, errlen) == -1)
			return -1;
	} else if (o->cert || o->key) {
		if (load_files(ctx, o->cert, o->key, err, errlen) == -1)
			return -1;
	} else if (o->server) {
		snprintf(err, errlen, "a TLS server needs cert= and key= (or cert_pem= "
		    "and key_pem=)");
		return -1;
	}
	if ((o->cert || o->cert_pem) && SSL_CTX_check_private_key(ctx) != 1) {
		snprintf(err, errlen, "the key does not match the certificate");
		return -1;
	}
	return 0;
}

SSL_CTX *
tls_ctx_new(const struct tls_opts *o, char *err, size_t errlen)
{
	SSL_CTX	*ctx = SSL_CTX_new(o->server ? TLS_server_method() : TLS_client_method());

	if (ctx == NULL) {
		snprintf(err, errlen, "cannot create a TLS context: %s",
		    tls_reason(ERR_get_error(), "out of memory"));
		return NULL;
	}
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	/* No renegotiation (a server-initiated one is refused). An EOF without
	 * close_notify is not ignored: tls.c tells it from a clean close, so a
	 * stream cut mid-reply is reported as truncated, while a server that
	 * just closes after its 221 (common in SMTP) is no error. */
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
	SSL_CTX_clear_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
	if (set_protocol(ctx, o, err, errlen) == -1 || set_trust(ctx, o, err, errlen) == -1 ||
	    set_identity(ctx, o, err, errlen) == -1) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/* ---- the cache ---- */

struct ctx_entry {
	struct buf	 key;
	SSL_CTX		*ctx;
};

static _Thread_local struct ctx_entry cache[TLS_CTX_CACHE_MAX];
static _Thread_local size_t ncached, oldest;
static _Thread_local unsigned long made;

static void
key_str(struct buf *k, const char *s)
{
	size_t	 n = s ? strlen(s) + 1 : 0;	/* NULL and "" differ */

	buf_append(k, &n, sizeof(n));
	if (s != NULL)
		buf_append(k, s, n);
}

/* What a context is made from, as bytes to compare. */
static int
ctx_key(const struct tls_opts *o, struct buf *k)
{
	int	 flags[2] = { o->server, !o->server && o->verify && !o->cafile && !o->capath };

	buf_append(k, flags, sizeof(flags));
	key_str(k, o->cafile);
	key_str(k, o->capath);
	key_str(k, o->cert);
	key_str(k, o->key);
	key_str(k, o->cert_pem);
	key_str(k, o->key_pem);
	key_str(k, o->min_version);
	key_str(k, o->max_version);
	key_str(k, o->ciphers);
	key_str(k, o->ciphersuites);
	return buf_ok(k);
}

SSL_CTX *
tls_ctx_get(const struct tls_opts *o, char *err, size_t errlen)
{
	struct buf		 k = BUF_INIT;
	struct ctx_entry	*e;
	SSL_CTX			*ctx;
	size_t			 i;

	if (ctx_key(o, &k) == -1) {
		buf_free(&k);
		return tls_ctx_new(o, err, errlen);	/* no memory to cache it */
	}
	for (i = 0; i < ncached; i++) {
		e = &cache[i];
		if (e->key.len == k.len && memcmp(e->key.p, k.p, k.len) == 0) {
			buf_free(&k);
			SSL_CTX_up_ref(e->ctx);
			return e->ctx;
		}
	}
	if ((ctx = tls_ctx_new(o, err, errlen)) == NULL) {
		buf_free(&k);
		return NULL;
	}
	made++;
	if (ncached < TLS_CTX_CACHE_MAX)
		e = &cache[ncached++];
	else {				/* full: the oldest goes */
		e = &cache[oldest];
		oldest = (oldest + 1) % TLS_CTX_CACHE_MAX;
		SSL_CTX_free(e->ctx);
		buf_free(&e->key);
	}
	e->key = k;
	e->ctx = ctx;
	SSL_CTX_up_ref(ctx);		/* one for the cache, one for the caller */
	return ctx;
}

void
tls_ctx_cache_clear(void)
{
	size_t	 i;

	for (i = 0; i < ncached; i++) {
		SSL_CTX_free(cache[i].ctx);
		buf_free(&cache[i].key);
	}
	ncached = oldest = 0;
}

unsigned long
tls_ctx_made(void)
{
	return made;
}
