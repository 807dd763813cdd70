/* tls_cert.c - a certificate made on the spot (the demo server's). */
#include <stdio.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "io/tls_cert.h"
#include "io/tls_text.h"

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
		    tls_reason(ERR_get_error(), "out of memory"));
	X509_free(x);
	EVP_PKEY_free(k);
	return rc;
}
