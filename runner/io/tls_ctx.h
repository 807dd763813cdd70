/*
 * tls_ctx.h - OpenSSL contexts made from smtprun's TLS options: protocol
 * versions and ciphers, whom to trust, and who we are. Errors are written
 * into the caller's buffer and say what failed and how to fix it.
 */
#ifndef SMTPRUN_TLS_CTX_H
#define SMTPRUN_TLS_CTX_H

#include <stddef.h>

#include <openssl/ssl.h>

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
	const char	*min_version;	/* "TLSv1.2", "1.3", ...; NULL: TLSv1.2 */
	const char	*max_version;
	const char	*ciphers;	/* TLS 1.2 and below */
	const char	*ciphersuites;	/* TLS 1.3 */
	int		 request_cert;	/* server: ask the client for one */
};

/* A new context for these options (the caller frees it), or NULL and why. */
SSL_CTX *tls_ctx_new(const struct tls_opts *o, char *err, size_t errlen);

#endif
