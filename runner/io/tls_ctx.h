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

/* A new context for these options (the caller frees it), or NULL and why.
 * A client with verify off loads no trust store unless cafile/capath name
 * one: the system's bundle is parsed only when it is used. */
SSL_CTX *tls_ctx_new(const struct tls_opts *o, char *err, size_t errlen);

/*
 * The context for these options, made once per thread and kept for the run
 * (a handshake made a context of its own, and parsed the trust store, every
 * time): one per distinct set of the options a context holds (versions,
 * ciphers, trust, identity; not the verify name or SNI, set on each
 * connection), at most TLS_CTX_CACHE_MAX, the oldest freed first. The cache
 * is the calling thread's (_Thread_local: the load mode runs a loop and a
 * Lua state per thread). The caller frees what it gets (SSL_CTX_free), as
 * for tls_ctx_new. NULL and why on failure (nothing cached).
 */
#define TLS_CTX_CACHE_MAX	16
SSL_CTX *tls_ctx_get(const struct tls_opts *o, char *err, size_t errlen);
/* Frees this thread's cached contexts (at the end of a run or a thread). */
void	tls_ctx_cache_clear(void);
/* How many contexts this thread has made (tests). */
unsigned long tls_ctx_made(void);

#endif
