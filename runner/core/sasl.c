/*
 * sasl.c - SASL mechanisms for SMTP AUTH, both sides.
 *
 * The builders append many pieces to a buffer and check it once at the end
 * (buf_ok: out of memory is sticky). Buffers that held a secret are wiped
 * before they are freed.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "core/b64.h"
#include "core/sasl.h"
#include "core/utf8.h"

#define NONCE_RAW	18		/* random bytes in a nonce we make */

/* Wipes and frees a buffer that held a secret. */
static void
wipe(struct buf *b)
{
	if (b->p != NULL)
		OPENSSL_cleanse(b->p, b->cap);
	buf_free(b);
}

/* Encodes raw into out, then wipes raw (it held a secret). */
static enum sasl_status
b64_wipe(struct buf *raw, struct buf *out)
{
	int	 bad = buf_ok(raw) == -1 ||
		    b64_encode(raw->p ? raw->p : "", raw->len, out) == -1;

	wipe(raw);
	return bad ? SASL_INTERNAL : SASL_OK;
}

enum sasl_status
sasl_plain(const char *authzid, size_t zlen, const char *user, size_t ulen,
    const char *pass, size_t plen, struct buf *out)
{
	struct buf	 raw = BUF_INIT;

	if (authzid == NULL)
		zlen = 0;
	if ((zlen && memchr(authzid, '\0', zlen)) || memchr(user, '\0', ulen) ||
	    memchr(pass, '\0', plen))
		return SASL_NUL;
	buf_append(&raw, authzid, zlen);
	buf_append(&raw, "", 1);
	buf_append(&raw, user, ulen);
	buf_append(&raw, "", 1);
	buf_append(&raw, pass, plen);
	return b64_wipe(&raw, out);
}

enum sasl_status
sasl_cram_md5(const char *user, const char *pass, size_t plen, const char *challenge,
    size_t clen, struct buf *out)
{
	unsigned char	 mac[EVP_MAX_MD_SIZE];
	unsigned int	 maclen = 0, i;
	char		 hex[3];
	struct buf	 raw = BUF_INIT;

	if (HMAC(EVP_md5(), pass, (int)plen, (const unsigned char *)challenge, clen, mac,
	    &maclen) == NULL)
		return SASL_INTERNAL;
	buf_appendstr(&raw, user);
	buf_append(&raw, " ", 1);
	for (i = 0; i < maclen; i++) {
		snprintf(hex, sizeof(hex), "%02x", mac[i]);
		buf_append(&raw, hex, 2);
	}
	OPENSSL_cleanse(mac, sizeof(mac));
	return b64_wipe(&raw, out);
}

enum sasl_status
sasl_xoauth2(const char *user, const char *token, struct buf *out)
{
	struct buf	 raw = BUF_INIT;

	buf_appendstr(&raw, "user=");
	buf_appendstr(&raw, user);
	buf_appendstr(&raw, "\001auth=Bearer ");
	buf_appendstr(&raw, token);
	buf_appendstr(&raw, "\001\001");
	return b64_wipe(&raw, out);
}

/* RFC 5801 saslname: "," and "=" escaped. */
static void
saslname(struct buf *out, const char *s)
{
	for (; *s; s++) {
		if (*s == ',')
			buf_appendstr(out, "=2C");
		else if (*s == '=')
			buf_appendstr(out, "=3D");
		else
			buf_append(out, s, 1);
	}
}

/* "key=value^A", when there is a value. */
static void
kvpair(struct buf *out, const char *key, const char *value)
{
	if (value == NULL || *value == '\0')
		return;
	buf_appendstr(out, key);
	buf_appendstr(out, value);
	buf_appendstr(out, "\001");
}

enum sasl_status
sasl_oauthbearer(const char *user, const char *host, const char *port,
    const char *token, struct buf *out)
{
	struct buf	 raw = BUF_INIT;

	buf_appendstr(&raw, "n,");
	if (user && *user) {
		buf_appendstr(&raw, "a=");
		saslname(&raw, user);
	}
	buf_appendstr(&raw, ",\001");
	kvpair(&raw, "host=", host);
	kvpair(&raw, "port=", port);
	buf_appendstr(&raw, "auth=Bearer ");
	buf_appendstr(&raw, token);
	buf_appendstr(&raw, "\001\001");
	return b64_wipe(&raw, out);
}

/* ---- SCRAM ---- */

int
scram_init(struct scram *s, const char *mech)
{
	memset(s, 0, sizeof(*s));
	if (strcmp(mech, "SCRAM-SHA-1") == 0)
		s->md = EVP_sha1();
	else if (strcmp(mech, "SCRAM-SHA-256") == 0)
		s->md = EVP_sha256();
	else
		return -1;
	s->mdlen = EVP_MD_get_size(s->md);
	return 0;
}

void
scram_free(struct scram *s)
{
	buf_free(&s->gs2_header);
	buf_free(&s->client_first_bare);
	buf_free(&s->auth_message);
	OPENSSL_cleanse(s->stored_key, sizeof(s->stored_key));
	OPENSSL_cleanse(s->server_key, sizeof(s->server_key));
}

static int
random_nonce(char *out, size_t len)
{
	unsigned char	 raw[NONCE_RAW];
	struct buf	 b = BUF_INIT;
	int		 rc = -1;

	if (RAND_bytes(raw, sizeof(raw)) == 1 && b64_encode(raw, sizeof(raw), &b) == 0 &&
	    b.len < len) {
		memcpy(out, b.p, b.len);
		out[b.len] = '\0';
		rc = 0;
	}
	buf_free(&b);
	return rc;
}

int
scram_nonce_ok(const char *p, size_t n)
{
	size_t	 i;

	if (n < 1 || n > SCRAM_NONCE_MAX)
		return 0;
	/* RFC 5802 "printable": %x21-2B / %x2D-7E. */
	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] < 0x21 || (unsigned char)p[i] > 0x7e || p[i] == ',')
			return 0;
	return 1;
}

/* Finds "k=" as attribute of a comma-separated SCRAM message; copies the
 * value (up to the next comma) into val. Returns its length or -1. */
static int
attr(const char *msg, size_t n, char k, char *val, size_t vlen)
{
	size_t	 i = 0, j;

	while (i + 1 < n) {
		if (msg[i] == k && msg[i + 1] == '=') {
			for (j = i + 2; j < n && msg[j] != ','; j++)
				;
			if (j - i - 2 >= vlen)
				return -1;
			memcpy(val, msg + i + 2, j - i - 2);
			val[j - i - 2] = '\0';
			return (int)(j - i - 2);
		}
		while (i < n && msg[i] != ',')
			i++;
		i++;
	}
	return -1;
}

static int
hmac(const struct scram *s, const unsigned char *key, size_t klen, const void *d,
    size_t n, unsigned char *out)
{
	unsigned int	 len = 0;

	return HMAC(s->md, key, (int)klen, d, n, out, &len) == NULL ? -1 : 0;
}

/* HMAC of the AuthMessage under one of the keys. */
static int
sign(const struct scram *s, const unsigned char *key, unsigned char *out)
{
	if (buf_ok(&s->auth_message) == -1)
		return -1;
	return hmac(s, key, (size_t)s->mdlen, s->auth_message.p, s->auth_message.len, out);
}

/* The keys of RFC 5802 section 3 for this password, salt and count. */
static int
derive(struct scram *s, const char *pass, size_t plen, const unsigned char *salt,
    size_t saltlen, int iter, unsigned char *client_key)
{
	unsigned char	 salted[64];
	int		 rc = -1;

	if (PKCS5_PBKDF2_HMAC(pass, (int)plen, salt, (int)saltlen, iter, s->md, s->mdlen,
	    salted) != 1)
		goto out;
	if (hmac(s, salted, (size_t)s->mdlen, "Client Key", 10, client_key) == -1 ||
	    hmac(s, salted, (size_t)s->mdlen, "Server Key", 10, s->server_key) == -1 ||
	    EVP_Digest(client_key, (size_t)s->mdlen, s->stored_key, NULL, s->md, NULL) != 1)
		goto out;
	rc = 0;
out:
	OPENSSL_cleanse(salted, sizeof(salted));
	return rc;
}

static enum sasl_status
malformed(char *err, size_t errlen, const char *why)
{
	snprintf(err, errlen, "%s", why);
	return SASL_MALFORMED;
}

enum sasl_status
scram_client_first(struct scram *s, const char *user, const char *cnonce,
    struct buf *out)
{
	if (cnonce != NULL) {
		if (!scram_nonce_ok(cnonce, strlen(cnonce)))
			return SASL_USAGE;
		snprintf(s->nonce, sizeof(s->nonce), "%s", cnonce);
	} else if (random_nonce(s->nonce, sizeof(s->nonce)) == -1)
		return SASL_INTERNAL;
	s->cnonce_len = strlen(s->nonce);
	buf_appendstr(&s->client_first_bare, "n=");
	saslname(&s->client_first_bare, user);
	buf_appendstr(&s->client_first_bare, ",r=");
	buf_appendstr(&s->client_first_bare, s->nonce);
	if (buf_ok(&s->client_first_bare) == -1)
		return SASL_INTERNAL;
	buf_appendstr(out, "n,,");
	buf_append(out, s->client_first_bare.p, s->client_first_bare.len);
	return buf_ok(out) == 0 ? SASL_OK : SASL_INTERNAL;
}

/* Checks server-first-message (nonce, salt, count) and decodes the salt. */
static enum sasl_status
read_server_first(struct scram *s, const char *sf, size_t n, struct buf *salt,
    int *iter, char *err, size_t errlen)
{
	char		 salt64[256], iters[16];
	const char	*why;
	size_t		 k;
	long		 v;

	if (n > 0 && sf[0] == 'm')
		return malformed(err, errlen, "the server asks for an unsupported SCRAM "
		    "extension");
	if (attr(sf, n, 'r', s->nonce, sizeof(s->nonce)) < 0 ||
	    attr(sf, n, 's', salt64, sizeof(salt64)) < 0 ||
	    attr(sf, n, 'i', iters, sizeof(iters)) < 0)
		return malformed(err, errlen, "malformed SCRAM server-first-message "
		    "(want r=, s=, i=)");
	if (strlen(s->nonce) <= s->cnonce_len ||
	    strncmp(s->nonce, s->client_first_bare.p + s->client_first_bare.len -
	    s->cnonce_len, s->cnonce_len) != 0)
		return malformed(err, errlen, "the server's SCRAM nonce does not extend ours");
	if (!scram_nonce_ok(s->nonce + s->cnonce_len, strlen(s->nonce + s->cnonce_len))) {
		snprintf(err, errlen, "the server's part of the SCRAM nonce is not 1 to %d "
		    "printable characters", SCRAM_NONCE_MAX);
		return SASL_MALFORMED;
	}
	/* Digits only (RFC 5802: posit-number), and compared before any
	 * conversion to int: atoi() wrapped "4294967297" to 1. */
	for (k = 0; iters[k] >= '0' && iters[k] <= '9'; k++)
		;
	v = k > 0 && k <= 7 && iters[k] == '\0' ? strtol(iters, NULL, 10) : 0;
	*iter = (int)v;
	if (v < 1 || v > SCRAM_MAX_ITER) {
		snprintf(err, errlen, "SCRAM iteration count %s out of range (1-%d)", iters,
		    SCRAM_MAX_ITER);
		return SASL_MALFORMED;
	}
	if (b64_decode(salt64, strlen(salt64), salt, &why) != B64_OK || salt->len == 0)
		return malformed(err, errlen, "SCRAM salt is not base64");
	return SASL_OK;
}

enum sasl_status
scram_client_final(struct scram *s, const char *sf, size_t n, const char *pass,
    size_t plen, struct buf *out, char *err, size_t errlen)
{
	unsigned char		 client_key[64], sig[64], proof[64];
	struct buf		 salt = BUF_INIT, without = BUF_INIT;
	enum sasl_status	 rc;
	int			 iter, i;

	if ((rc = read_server_first(s, sf, n, &salt, &iter, err, errlen)) != SASL_OK)
		goto out;
	rc = SASL_INTERNAL;
	if (derive(s, pass, plen, (unsigned char *)salt.p, salt.len, iter, client_key) == -1)
		goto crypto;
	buf_appendstr(&without, "c=biws,r=");	/* biws: base64("n,,") */
	buf_appendstr(&without, s->nonce);
	buf_append(&s->auth_message, s->client_first_bare.p, s->client_first_bare.len);
	buf_append(&s->auth_message, ",", 1);
	buf_append(&s->auth_message, sf, n);
	buf_append(&s->auth_message, ",", 1);
	buf_append(&s->auth_message, without.p, without.len);
	if (buf_ok(&without) == -1 || sign(s, s->stored_key, sig) == -1 ||
	    sign(s, s->server_key, s->server_sig) == -1)
		goto crypto;
	for (i = 0; i < s->mdlen; i++)
		proof[i] = client_key[i] ^ sig[i];
	buf_append(out, without.p, without.len);
	buf_appendstr(out, ",p=");
	if (b64_encode(proof, (size_t)s->mdlen, out) == 0)
		rc = SASL_OK;
	goto out;
crypto:
	snprintf(err, errlen, "SCRAM computation failed");
out:
	OPENSSL_cleanse(client_key, sizeof(client_key));
	OPENSSL_cleanse(proof, sizeof(proof));
	buf_free(&salt);
	buf_free(&without);
	return rc;
}

enum sasl_status
scram_client_verify(struct scram *s, const char *sf, size_t n, char *err, size_t errlen)
{
	char		 v[256];
	struct buf	 got = BUF_INIT;
	const char	*why;
	int		 ok;

	if (attr(sf, n, 'e', v, sizeof(v)) >= 0) {
		snprintf(err, errlen, "the server reports SCRAM error \"%s\"", v);
		return SASL_REJECTED;
	}
	if (attr(sf, n, 'v', v, sizeof(v)) < 0 ||
	    b64_decode(v, strlen(v), &got, &why) != B64_OK) {
		buf_free(&got);
		return malformed(err, errlen, "malformed SCRAM server-final-message (want v=)");
	}
	ok = got.len == (size_t)s->mdlen &&
	    CRYPTO_memcmp(got.p, s->server_sig, (size_t)s->mdlen) == 0;
	buf_free(&got);
	if (!ok) {
		snprintf(err, errlen, "wrong SCRAM server signature: the server does not "
		    "know the password (or someone is in the middle)");
		return SASL_REJECTED;
	}
	return SASL_OK;
}

/* Splits off the next comma-separated field of [*p, end) into *f, *flen;
 * *p goes past its comma, or to NULL after the last field (a message of
 * n bytes with k commas has k + 1 fields). */
static void
next_field(const char **p, const char *end, const char **f, size_t *flen)
{
	const char	*c = memchr(*p, ',', (size_t)(end - *p));

	*f = *p;
	*flen = (size_t)((c != NULL ? c : end) - *p);
	*p = c != NULL ? c + 1 : NULL;
}

/* Whether the next field is "k=": its value in *v, *vlen. */
static int
take_attr(const char **p, const char *end, char k, const char **v, size_t *vlen)
{
	const char	*f;
	size_t		 flen;

	if (*p == NULL)
		return 0;
	next_field(p, end, &f, &flen);
	if (flen < 2 || f[0] != k || f[1] != '=')
		return 0;
	*v = f + 2;
	*vlen = flen - 2;
	return 1;
}

/* The optional extensions at the end of a message: each "x=value", x a
 * letter (RFC 5802 attr-val). Up to stop (NULL: the end). 0 or -1. */
static int
extensions(const char *p, const char *end, const char *stop)
{
	const char	*f;
	size_t		 flen;

	while (p != NULL && p != stop) {
		next_field(&p, end, &f, &flen);
		if (flen < 2 || !isalpha((unsigned char)f[0]) || f[1] != '=')
			return -1;
	}
	return 0;
}

/* RFC 5802 saslname v[0..n): not empty, UTF-8, no NUL, "=" only in "=2C"
 * and "=3D" (',' cannot occur: it ends the field). Decoded into out
 * (outlen bytes with the NUL) when out is not NULL. NULL, or why not. */
static const char *
saslname_decode(const char *v, size_t n, char *out, size_t outlen)
{
	size_t	 i, o = 0;
	char	 ch;

	if (n == 0)
		return "is empty";
	if (memchr(v, '\0', n) != NULL || utf8_invalid_at(v, n) != n)
		return "is not UTF-8 text";
	for (i = 0; i < n; i++) {
		ch = v[i];
		if (ch == '=') {
			if (n - i >= 3 && memcmp(v + i, "=2C", 3) == 0)
				ch = ',';
			else if (n - i >= 3 && memcmp(v + i, "=3D", 3) == 0)
				ch = '=';
			else
				return "has a \"=\" that is not \"=2C\" or \"=3D\"";
			i += 2;
		}
		if (out != NULL) {
			if (o + 1 >= outlen)
				return "is too long";
			out[o++] = ch;
		}
	}
	if (out != NULL)
		out[o] = '\0';
	return NULL;
}

static enum sasl_status
malformed2(char *err, size_t errlen, const char *what, const char *why)
{
	snprintf(err, errlen, "%s %s", what, why);
	return SASL_MALFORMED;
}

enum sasl_status
scram_server_start(struct scram *s, const char *cf, size_t n, char *err, size_t errlen)
{
	const char	*end = cf + n, *p = cf, *f, *v, *why;
	size_t		 flen, vlen;

	s->nonce[0] = s->user[0] = '\0';
	s->cnonce_len = 0;
	s->gs2_header.len = s->client_first_bare.len = 0;
	if (memchr(cf, '\0', n) != NULL)
		return malformed(err, errlen, "SCRAM client-first-message holds a NUL byte");
	/* gs2-header: gs2-cbind-flag "," [authzid] "," */
	next_field(&p, end, &f, &flen);
	if (flen >= 2 && f[0] == 'p' && f[1] == '=')
		return malformed(err, errlen, "SCRAM channel binding (p=) is not supported");
	if (flen != 1 || (f[0] != 'n' && f[0] != 'y') || p == NULL)
		return malformed(err, errlen, "SCRAM client-first-message does not start "
		    "with a GS2 header (\"n,,\" or \"y,,\")");
	next_field(&p, end, &f, &flen);
	if (flen > 0 && (flen < 2 || f[0] != 'a' || f[1] != '='))
		return malformed(err, errlen, "SCRAM GS2 header: want \"a=\" or nothing "
		    "between its commas");
	if (flen > 0 && (why = saslname_decode(f + 2, flen - 2, NULL, 0)) != NULL)
		return malformed2(err, errlen, "SCRAM authzid", why);
	if (p == NULL)
		return malformed(err, errlen, "SCRAM client-first-message ends in its GS2 "
		    "header");
	buf_append(&s->gs2_header, cf, (size_t)(p - cf));
	buf_append(&s->client_first_bare, p, (size_t)(end - p));
	if (end - p >= 2 && p[0] == 'm' && p[1] == '=')
		return malformed(err, errlen, "SCRAM client-first-message asks for an "
		    "extension this server does not support (m=)");
	/* client-first-message-bare: n=, r=, extensions. */
	if (!take_attr(&p, end, 'n', &v, &vlen))
		return malformed(err, errlen, "SCRAM client-first-message: want n= (the user "
		    "name) after the GS2 header");
	if ((why = saslname_decode(v, vlen, s->user, sizeof(s->user))) != NULL) {
		s->user[0] = '\0';
		return malformed2(err, errlen, "SCRAM user name", why);
	}
	if (!take_attr(&p, end, 'r', &v, &vlen))
		return malformed(err, errlen, "SCRAM client-first-message: want r= (the "
		    "nonce) after n=");
	if (!scram_nonce_ok(v, vlen)) {
		snprintf(err, errlen, "SCRAM client nonce: want 1 to %d printable characters "
		    "(got %zu bytes)", SCRAM_NONCE_MAX, vlen);
		return SASL_MALFORMED;
	}
	if (extensions(p, end, NULL) == -1)
		return malformed(err, errlen, "SCRAM client-first-message: malformed "
		    "extension after r=");
	memcpy(s->nonce, v, vlen);
	s->nonce[vlen] = '\0';
	s->cnonce_len = vlen;
	if (buf_ok(&s->gs2_header) == -1 || buf_ok(&s->client_first_bare) == -1)
		return SASL_INTERNAL;
	return SASL_OK;
}

enum sasl_status
scram_server_first(struct scram *s, const char *pass, size_t plen,
    const unsigned char *salt, size_t saltlen, int iter, const char *snonce,
    struct buf *out)
{
	unsigned char	 client_key[64];
	char		 num[16];
	size_t		 slen;
	int		 rc;

	if (iter < 1 || iter > SCRAM_SERVER_MAX_ITER)
		return SASL_USAGE;
	/* The nonce part goes after the client's, which scram_server_start
	 * took only up to SCRAM_NONCE_MAX: both fit s->nonce. */
	if (snonce != NULL) {
		if (!scram_nonce_ok(snonce, (slen = strlen(snonce))))
			return SASL_USAGE;
		memcpy(s->nonce + s->cnonce_len, snonce, slen + 1);
	} else if (random_nonce(s->nonce + s->cnonce_len, SCRAM_NONCE_MAX + 1) == -1)
		return SASL_INTERNAL;
	rc = derive(s, pass, plen, salt, saltlen, iter, client_key);
	OPENSSL_cleanse(client_key, sizeof(client_key));
	if (rc == -1)
		return SASL_INTERNAL;
	snprintf(num, sizeof(num), "%d", iter);
	buf_appendstr(out, "r=");
	buf_appendstr(out, s->nonce);
	buf_appendstr(out, ",s=");
	b64_encode(salt, saltlen, out);
	buf_appendstr(out, ",i=");
	buf_appendstr(out, num);
	s->auth_message.len = 0;
	buf_append(&s->auth_message, s->client_first_bare.p, s->client_first_bare.len);
	buf_append(&s->auth_message, ",", 1);
	buf_append(&s->auth_message, out->p, out->len);
	return buf_ok(out) == 0 && buf_ok(&s->auth_message) == 0 ? SASL_OK : SASL_INTERNAL;
}

/* The start of the last field of cf[0..n), the proof; and the comma
 * before it (the end of client-final-message-without-proof) in *comma.
 * NULL when there is no comma. Reads only the n bytes (the message is not
 * NUL-terminated: found by the scram fuzz target). */
static const char *
last_field(const char *cf, size_t n, const char **comma)
{
	size_t	 i;

	for (i = n; i > 0; i--)
		if (cf[i - 1] == ',') {
			*comma = cf + i - 1;
			return cf + i;
		}
	return NULL;
}

/* c= of client-final-message: base64 of the GS2 header (with no channel
 * binding data after it: none is supported). 0 or -1. */
static int
cbind_matches(const struct scram *s, const char *v, size_t vlen)
{
	struct buf	 got = BUF_INIT;
	const char	*why;
	int		 ok;

	/* Longer than the encoding of the header: no need to decode it. */
	if (vlen > 4 * ((s->gs2_header.len + 2) / 3))
		return -1;
	ok = b64_decode(v, vlen, &got, &why) == B64_OK && got.len == s->gs2_header.len &&
	    got.len > 0 && memcmp(got.p, s->gs2_header.p, got.len) == 0;
	buf_free(&got);
	return ok ? 0 : -1;
}

enum sasl_status
scram_server_final(struct scram *s, const char *cf, size_t n, struct buf *out,
    char *err, size_t errlen)
{
	const char	*end = cf + n, *p = cf, *v, *pf, *comma = NULL, *why;
	unsigned char	 sig[64], key[64], stored[64], ssig[64];
	struct buf	 proof = BUF_INIT;
	size_t		 vlen;
	int		 i, ok;

	if (memchr(cf, '\0', n) != NULL)
		return malformed(err, errlen, "SCRAM client-final-message holds a NUL byte");
	if (!take_attr(&p, end, 'c', &v, &vlen))
		return malformed(err, errlen, "malformed SCRAM client-final-message (want c= "
		    "first)");
	if (cbind_matches(s, v, vlen) == -1)
		return malformed(err, errlen, "SCRAM channel binding (c=) does not match the "
		    "GS2 header of the first message");
	if (!take_attr(&p, end, 'r', &v, &vlen))
		return malformed(err, errlen, "malformed SCRAM client-final-message (want r= "
		    "after c=)");
	if (vlen != strlen(s->nonce) || memcmp(v, s->nonce, vlen) != 0)
		return malformed(err, errlen, "SCRAM nonce mismatch");
	if (p == NULL || (pf = last_field(cf, n, &comma)) == NULL || end - pf < 2 ||
	    pf[0] != 'p' || pf[1] != '=')
		return malformed(err, errlen, "malformed SCRAM client-final-message (want p= "
		    "last)");
	if (extensions(p, end, pf) == -1)
		return malformed(err, errlen, "malformed SCRAM client-final-message (an "
		    "extension before p=)");
	/* The proof: base64 of exactly one digest (no longer string decoded). */
	vlen = (size_t)(end - pf - 2);
	if (vlen != 4 * (((size_t)s->mdlen + 2) / 3) ||
	    b64_decode(pf + 2, vlen, &proof, &why) != B64_OK ||
	    proof.len != (size_t)s->mdlen) {
		buf_free(&proof);
		return malformed(err, errlen, "malformed SCRAM proof (p=)");
	}
	buf_append(&s->auth_message, ",", 1);
	buf_append(&s->auth_message, cf, (size_t)(comma - cf));
	if (sign(s, s->stored_key, sig) == -1) {
		buf_free(&proof);
		return SASL_INTERNAL;
	}
	/* ClientKey = proof XOR signature; its hash must be the stored key. */
	for (i = 0; i < s->mdlen; i++)
		key[i] = (unsigned char)proof.p[i] ^ sig[i];
	buf_free(&proof);
	ok = EVP_Digest(key, (size_t)s->mdlen, stored, NULL, s->md, NULL) == 1 &&
	    CRYPTO_memcmp(stored, s->stored_key, (size_t)s->mdlen) == 0;
	OPENSSL_cleanse(key, sizeof(key));
	if (!ok) {
		buf_appendstr(out, "e=invalid-proof");
		snprintf(err, errlen, "wrong SCRAM proof");
		return SASL_REJECTED;
	}
	if (sign(s, s->server_key, ssig) == -1)
		return SASL_INTERNAL;
	buf_appendstr(out, "v=");
	return b64_encode(ssig, (size_t)s->mdlen, out) == 0 ? SASL_OK : SASL_INTERNAL;
}

/* ---- what a record may show ---- */

int
scram_redact(const char *msg, size_t n, struct buf *out)
{
	const char	*end = msg + n, *comma;
	size_t		 len;

	while (msg < end) {
		if ((comma = memchr(msg, ',', (size_t)(end - msg))) == NULL)
			comma = end;
		len = (size_t)(comma - msg);
		if (len >= 2 && msg[1] == '=' && strchr("rspv", msg[0]) != NULL) {
			buf_append(out, msg, 2);
			buf_appendstr(out, "[redacted]");
		} else
			buf_append(out, msg, len);
		if (comma < end)
			buf_append(out, ",", 1);
		msg = comma + 1;
	}
	return buf_ok(out);
}

int
scram_redact_line(const char *line, size_t n, struct buf *out)
{
	struct buf	 dec = BUF_INIT;
	const char	*why;
	size_t		 skip = 0, i;
	int		 printable = 1, rc;

	if (n >= 4 && isdigit((unsigned char)line[0]) && isdigit((unsigned char)line[1]) &&
	    isdigit((unsigned char)line[2]) && (line[3] == ' ' || line[3] == '-'))
		skip = 4;
	if (b64_decode(line + skip, n - skip, &dec, &why) != B64_OK || dec.len == 0) {
		buf_free(&dec);
		return 0;
	}
	for (i = 0; i < dec.len; i++)
		if ((unsigned char)dec.p[i] < 0x20 || (unsigned char)dec.p[i] > 0x7e)
			printable = 0;
	buf_append(out, line, skip);
	buf_appendstr(out, "[base64 redacted]");
	if (printable) {
		buf_appendstr(out, "   (");
		scram_redact(dec.p, dec.len, out);
		buf_appendstr(out, ")");
	}
	OPENSSL_cleanse(dec.p, dec.len);
	buf_free(&dec);
	rc = buf_ok(out);
	return rc == 0 ? 1 : -1;
}
