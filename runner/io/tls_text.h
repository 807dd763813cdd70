/*
 * tls_text.h - OpenSSL's objects described for people: error reasons,
 * distinguished names, subject alternative names, certificate summaries.
 * Everything is written into the caller's buffers and cut to fit (between
 * characters). Names in a certificate are the peer's text: they are shown
 * as smtprun shows bytes everywhere (core/escape.h), a NUL as \0, an ESC
 * as \x1b, so a message or a transcript quoting them stays plain text.
 */
#ifndef SMTPRUN_TLS_TEXT_H
#define SMTPRUN_TLS_TEXT_H

#include <stddef.h>

#include <openssl/x509.h>

/* About one certificate. */
struct tls_cert_info {
	char	 subject[256];
	char	 issuer[256];
	char	 not_before[32];	/* "2026-11-28 17:59:26Z" */
	char	 not_after[32];
	char	 sans[512];		/* "DNS:a, IP:127.0.0.1" */
	char	 sha256[96];		/* "AB:CD:..." */
};

/* The reason of OpenSSL error e (0: none), or fallback. */
const char *tls_reason(unsigned long e, const char *fallback);
/* "CN=mail.example.test,O=..." (RFC 2253). */
void	tls_name_str(const X509_NAME *nm, char *out, size_t len);
/* "DNS:a, IP:127.0.0.1, email:x@y", or "". */
void	tls_sans_str(X509 *x, char *out, size_t len);
void	tls_cert_info(X509 *x, struct tls_cert_info *ci);

#endif
