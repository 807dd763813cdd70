/* tls_ctx_test.c - the TLS defaults (issue 9, defect 16). */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "unit.h"

#include "io/net.h"
#include "io/tls_ctx.h"

/* A client context (the system's trust store, which may be empty). */
static SSL_CTX *
ctx_for(const char *min)
{
	struct tls_opts	 o;
	char		 err[256];
	SSL_CTX		*ctx;

	memset(&o, 0, sizeof(o));
	o.min_version = min;
	if ((ctx = tls_ctx_new(&o, err, sizeof(err))) == NULL)
		fail_msg("tls_ctx_new: %s", err);
	return ctx;
}

/* TLS 1.2 at least by default; min_version lowers it for legacy servers. */
static void
test_minimum_is_tls12_unless_lowered(void **state)
{
	SSL_CTX	*ctx;

	(void)state;
	ctx = ctx_for(NULL);
	assert_int_equal(SSL_CTX_get_min_proto_version(ctx), TLS1_2_VERSION);
	SSL_CTX_free(ctx);
	ctx = ctx_for("TLSv1");
	assert_int_equal(SSL_CTX_get_min_proto_version(ctx), TLS1_VERSION);
	SSL_CTX_free(ctx);
}

/* No renegotiation; an EOF without close_notify is seen (not ignored). */
static void
test_no_renegotiation_and_truncation_seen(void **state)
{
	SSL_CTX	*ctx;

	(void)state;
	ctx = ctx_for(NULL);
	assert_true(SSL_CTX_get_options(ctx) & SSL_OP_NO_RENEGOTIATION);
	assert_false(SSL_CTX_get_options(ctx) & SSL_OP_IGNORE_UNEXPECTED_EOF);
	SSL_CTX_free(ctx);
}

/* One context per distinct set of options, per thread, kept for the run. */
static void *
get_in_thread(void *arg)
{
	char		 err[256];
	SSL_CTX		*ctx = tls_ctx_get(arg, err, sizeof(err));
	unsigned long	 n = tls_ctx_made();

	SSL_CTX_free(ctx);
	tls_ctx_cache_clear();
	return n == 1 ? ctx : NULL;
}

static void
test_contexts_are_cached_per_options_and_thread(void **state)
{
	struct tls_opts	 a, b;
	char		 err[256];
	SSL_CTX		*c1, *c2, *c3, *c4, *other;
	pthread_t	 th;
	unsigned long	 made0 = tls_ctx_made();
	void		*res;
	int		 i;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.verify = 1;
	b = a;
	a.sni = "one.example";			/* per connection: same context */
	c1 = tls_ctx_get(&a, err, sizeof(err));
	a.sni = "two.example";
	a.verify_name = "two.example";
	c2 = tls_ctx_get(&a, err, sizeof(err));
	assert_non_null(c1);
	assert_ptr_equal(c1, c2);
	SSL_CTX_free(c2);
	assert_int_equal(tls_ctx_made() - made0, 1);
	b.min_version = "TLSv1.3";		/* another context */
	c3 = tls_ctx_get(&b, err, sizeof(err));
	assert_ptr_not_equal(c3, c1);
	b.min_version = NULL;
	b.verify = 0;				/* no trust store: another */
	c4 = tls_ctx_get(&b, err, sizeof(err));
	assert_ptr_not_equal(c4, c1);
	assert_int_equal(tls_ctx_made() - made0, 3);
	/* Another thread makes its own. */
	assert_int_equal(pthread_create(&th, NULL, get_in_thread, &a), 0);
	assert_int_equal(pthread_join(th, &res), 0);
	assert_non_null(res);
	assert_ptr_not_equal(res, c1);
	/* Bounded: past TLS_CTX_CACHE_MAX the oldest goes (the callers' still
	 * hold theirs). */
	for (i = 0; i < TLS_CTX_CACHE_MAX; i++) {
		b.ciphersuites = i % 2 ? "TLS_AES_128_GCM_SHA256" : "TLS_AES_256_GCM_SHA384";
		b.max_version = (const char *[]){ "1.2", "1.3", "TLSv1.2", "TLSv1.3" }[i / 2 % 4];
		b.ciphers = i < 8 ? "HIGH" : "DEFAULT";
		other = tls_ctx_get(&b, err, sizeof(err));
		assert_non_null(other);
		SSL_CTX_free(other);
	}
	assert_int_equal(tls_ctx_made() - made0, 3 + TLS_CTX_CACHE_MAX);
	c2 = tls_ctx_get(&a, err, sizeof(err));	/* evicted: made again */
	assert_non_null(c2);
	assert_int_equal(tls_ctx_made() - made0, 4 + TLS_CTX_CACHE_MAX);
	assert_ptr_not_equal(c2, c1);
	SSL_CTX_free(c1);
	SSL_CTX_free(c2);
	SSL_CTX_free(c3);
	SSL_CTX_free(c4);
	tls_ctx_cache_clear();
}

/* verify=false without cafile/capath loads no trust store at all. */
static void
test_no_verify_loads_no_store(void **state)
{
	struct tls_opts	 o;
	char		 err[256];
	SSL_CTX		*ctx;

	(void)state;
	memset(&o, 0, sizeof(o));
	ctx = tls_ctx_new(&o, err, sizeof(err));
	assert_non_null(ctx);
	assert_int_equal(sk_X509_OBJECT_num(X509_STORE_get0_objects(
	    SSL_CTX_get_cert_store(ctx))), 0);
	SSL_CTX_free(ctx);
	if (access("/etc/ssl/certs/ca-certificates.crt", R_OK) == 0) {
		o.verify = 1;			/* the system's bundle, parsed */
		ctx = tls_ctx_new(&o, err, sizeof(err));
		assert_non_null(ctx);
		assert_true(sk_X509_OBJECT_num(X509_STORE_get0_objects(
		    SSL_CTX_get_cert_store(ctx))) > 0);
		SSL_CTX_free(ctx);
	}
}

/* TCP_QUICKACK is set on a TCP socket (tls.c calls it after a client's
 * handshake, against the 40 ms of TLS 1.3 tickets and delayed ACKs). */
static void
test_quickack_is_set(void **state)
{
	struct sockaddr_in	 sa;
	socklen_t		 len = sizeof(sa);
	int			 l, c, on = 0;

	(void)state;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true((l = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(bind(l, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(l, 1), 0);
	assert_int_equal(getsockname(l, (struct sockaddr *)&sa, &len), 0);
	assert_true((c = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(connect(c, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(net_quickack(c), 0);
	len = sizeof(on);
	assert_int_equal(getsockopt(c, IPPROTO_TCP, TCP_QUICKACK, &on, &len), 0);
	assert_int_equal(on, 1);
	close(c);
	close(l);
}

UNIT_MAIN(
	cmocka_unit_test(test_contexts_are_cached_per_options_and_thread),
	cmocka_unit_test(test_no_verify_loads_no_store),
	cmocka_unit_test(test_quickack_is_set),
	cmocka_unit_test(test_minimum_is_tls12_unless_lowered),
	cmocka_unit_test(test_no_renegotiation_and_truncation_seen)
)
