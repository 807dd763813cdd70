/* sasl_test.c - SASL client payloads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "b64.h"
#include "sasl.h"

static void
check_plain(const char *z, const char *u, const char *p, const char *want)
{
	struct buf	 b = BUF_INIT;

	assert_int_equal(sasl_plain(z, z ? strlen(z) : 0, u, strlen(u), p, strlen(p), &b), 0);
	assert_int_equal(b.len, strlen(want));
	assert_memory_equal(b.p, want, b.len);
	buf_free(&b);
}

static void
test_plain_without_authzid(void **state)
{
	(void)state;
	/* RFC 4616 section 4: "\0tim\0tanstaaftanstaaf". */
	check_plain(NULL, "tim", "tanstaaftanstaaf", "AHRpbQB0YW5zdGFhZnRhbnN0YWFm");
	check_plain("", "tim", "tanstaaftanstaaf", "AHRpbQB0YW5zdGFhZnRhbnN0YWFm");
}

static void
test_plain_with_authzid(void **state)
{
	(void)state;
	/* RFC 4616 section 4: "Ursel\0Kurt\0xipj3plmq". */
	check_plain("Ursel", "Kurt", "xipj3plmq", "VXJzZWwAS3VydAB4aXBqM3BsbXE=");
}

static void
test_plain_payload_decodes_to_three_fields(void **state)
{
	struct buf	 b = BUF_INIT, d = BUF_INIT;
	const char	*why;

	(void)state;
	assert_int_equal(sasl_plain(NULL, 0, "alice@example.test", 18, "Wonder-land-42", 14,
	    &b), 0);
	assert_int_equal(b64_decode(b.p, b.len, &d, &why), 0);
	assert_int_equal(d.len, 1 + 18 + 1 + 14);
	assert_memory_equal(d.p, "\0alice@example.test\0Wonder-land-42", d.len);
	buf_free(&b);
	buf_free(&d);
}

static void
test_login_fields_are_plain_base64(void **state)
{
	struct buf	 b = BUF_INIT;

	(void)state;
	/* AUTH LOGIN sends each field alone, base64'd (draft-murchison-sasl-login). */
	assert_int_equal(b64_encode("alice@example.test", 18, &b), 0);
	assert_memory_equal(b.p, "YWxpY2VAZXhhbXBsZS50ZXN0", b.len);
	buf_free(&b);
}

static void
test_plain_refuses_nul_inside_a_field(void **state)
{
	struct buf	 b = BUF_INIT;

	(void)state;
	assert_int_equal(sasl_plain(NULL, 0, "a\0b", 3, "pw", 2, &b), -2);
	assert_int_equal(sasl_plain(NULL, 0, "ab", 2, "p\0w", 3, &b), -2);
	assert_int_equal(sasl_plain("z\0", 2, "ab", 2, "pw", 2, &b), -2);
	assert_int_equal(b.len, 0);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_without_authzid),
		cmocka_unit_test(test_plain_with_authzid),
		cmocka_unit_test(test_plain_payload_decodes_to_three_fields),
		cmocka_unit_test(test_login_fields_are_plain_base64),
		cmocka_unit_test(test_plain_refuses_nul_inside_a_field),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
