/* tls_text.c - OpenSSL's objects described for people. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "core/escape.h"
#include "core/utf8.h"
#include "io/tls_text.h"

/* prefix and the bytes p[0..n) from a certificate (the peer wrote them)
 * into out, shown as text (core/escape.h) and cut to fit between
 * characters. */
static void
shown(char *out, size_t len, const char *prefix, const void *p, size_t n)
{
	struct buf	 b = BUF_INIT;
	size_t		 k = 0;

	buf_appendstr(&b, prefix);
	if (esc_append(&b, p, n, 0) == 0)
		k = esc_fit(b.p, b.len, len - 1);
	if (k > 0)
		memcpy(out, b.p, k);
	out[k] = '\0';
	buf_free(&b);
}

const char *
tls_reason(unsigned long e, const char *fallback)
{
	const char	*r = e ? ERR_reason_error_string(e) : NULL;

	return r ? r : fallback;
}

void
tls_name_str(const X509_NAME *nm, char *out, size_t len)
{
	BIO	*b = BIO_new(BIO_s_mem());
	char	*p;
	long	 n;

	out[0] = '\0';
	if (b == NULL)
		return;
	/* OpenSSL escapes C0 controls its way ("\\1B"); what it passes (C1
	 * controls, bytes of a broken UTF8String) is escaped ours. */
	X509_NAME_print_ex(b, nm, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
	n = BIO_get_mem_data(b, &p);
	shown(out, len, "", p, n > 0 ? (size_t)n : 0);
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

/* One alternative name as "DNS:x", "IP:a", "email:x"; NULL for other kinds. */
static const char *
san_str(const GENERAL_NAME *g, char *out, size_t len)
{
	char	 ip[INET6_ADDRSTRLEN];
	int	 alen;

	switch (g->type) {
	case GEN_DNS:
		/* Any bytes at all, NUL included ("good.test\0.evil.test"). */
		shown(out, len, "DNS:", ASN1_STRING_get0_data(g->d.dNSName),
		    (size_t)ASN1_STRING_length(g->d.dNSName));
		return out;
	case GEN_IPADD:
		alen = ASN1_STRING_length(g->d.iPAddress);
		/* The peer wrote this: only 4 or 16 bytes are an address. */
		if ((alen != 4 && alen != 16) || inet_ntop(alen == 16 ? AF_INET6 : AF_INET,
		    ASN1_STRING_get0_data(g->d.iPAddress), ip, sizeof(ip)) == NULL)
			snprintf(ip, sizeof(ip), "<invalid>");
		snprintf(out, len, "IP:%s", ip);
		return out;
	case GEN_EMAIL:
		shown(out, len, "email:", ASN1_STRING_get0_data(g->d.rfc822Name),
		    (size_t)ASN1_STRING_length(g->d.rfc822Name));
		return out;
	default:
		return NULL;
	}
}

void
tls_sans_str(X509 *x, char *out, size_t len)
{
	GENERAL_NAMES	*gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	char		 one[512];
	size_t		 o = 0;
	int		 i, n;

	out[0] = '\0';
	for (i = 0; gens != NULL && i < sk_GENERAL_NAME_num(gens) && o < len; i++) {
		if (san_str(sk_GENERAL_NAME_value(gens, i), one, sizeof(one)) == NULL)
			continue;
		n = snprintf(out + o, len - o, "%s%s", o ? ", " : "", one);
		if (n > 0)
			o += (size_t)n;
	}
	GENERAL_NAMES_free(gens);
	/* Cut short, the last name may end inside a character. */
	out[utf8_invalid_at(out, strlen(out))] = '\0';
}

void
tls_cert_info(X509 *x, struct tls_cert_info *ci)
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0, i;
	size_t		 o = 0;

	tls_name_str(X509_get_subject_name(x), ci->subject, sizeof(ci->subject));
	tls_name_str(X509_get_issuer_name(x), ci->issuer, sizeof(ci->issuer));
	time_str(X509_get0_notBefore(x), ci->not_before, sizeof(ci->not_before));
	time_str(X509_get0_notAfter(x), ci->not_after, sizeof(ci->not_after));
	tls_sans_str(x, ci->sans, sizeof(ci->sans));
	ci->sha256[0] = '\0';
	X509_digest(x, EVP_sha256(), md, &mdlen);
	for (i = 0; i < mdlen && o + 3 < sizeof(ci->sha256); i++)
		o += (size_t)snprintf(ci->sha256 + o, sizeof(ci->sha256) - o, "%s%02X",
		    i ? ":" : "", md[i]);
}
