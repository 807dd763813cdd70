/* tls_ctx_test.c - the TLS defaults (issue 9, defect 16). */
#include <string.h>

#include "unit.h"

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

UNIT_MAIN(
	cmocka_unit_test(test_minimum_is_tls12_unless_lowered),
	cmocka_unit_test(test_no_renegotiation_and_truncation_seen)
)
