/* b64_test.c - base64 through OpenSSL, and its strict decoder. */
#include <string.h>

#include "unit.h"

#include "core/b64.h"

static void
check_pair(const char *plain, const char *enc)
{
	struct buf	 b = BUF_INIT;
	const char	*why = NULL;

	assert_int_equal(b64_encode(plain, strlen(plain), &b), 0);
	assert_int_equal(b.len, strlen(enc));
	assert_memory_equal(b.p, enc, b.len);
	b.len = 0;
	assert_int_equal(b64_decode(enc, strlen(enc), &b, &why), 0);
	assert_int_equal(b.len, strlen(plain));
	if (b.len)
		assert_memory_equal(b.p, plain, b.len);
	buf_free(&b);
}

static void
test_rfc4648_vectors(void **state)
{
	(void)state;
	check_pair("", "");
	check_pair("f", "Zg==");
	check_pair("fo", "Zm8=");
	check_pair("foo", "Zm9v");
	check_pair("foob", "Zm9vYg==");
	check_pair("fooba", "Zm9vYmE=");
	check_pair("foobar", "Zm9vYmFy");
}

static void
test_the_articles_prompts(void **state)
{
	(void)state;
	check_pair("Username:", "VXNlcm5hbWU6");
	check_pair("Password:", "UGFzc3dvcmQ6");
}

static void
test_binary_round_trip(void **state)
{
	unsigned char	 raw[256];
	struct buf	 enc = BUF_INIT, dec = BUF_INIT;
	const char	*why;
	int		 i;

	(void)state;
	for (i = 0; i < 256; i++)
		raw[i] = (unsigned char)i;
	assert_int_equal(b64_encode(raw, sizeof(raw), &enc), 0);
	assert_null(memchr(enc.p, '\n', enc.len));	/* one line, always */
	assert_int_equal(b64_decode(enc.p, enc.len, &dec, &why), 0);
	assert_int_equal(dec.len, sizeof(raw));
	assert_memory_equal(dec.p, raw, sizeof(raw));
	buf_free(&enc);
	buf_free(&dec);
}

static void
check_invalid(const char *in, const char *reason)
{
	struct buf	 b = BUF_INIT;
	const char	*why = NULL;

	assert_int_equal(b64_decode(in, strlen(in), &b, &why), B64_INVALID);
	assert_non_null(why);
	assert_non_null(strstr(why, reason));
	buf_free(&b);
}

static void
test_invalid_input_is_rejected(void **state)
{
	(void)state;
	check_invalid("abc", "multiple of 4");
	check_invalid("ab!d", "outside the base64 alphabet");
	check_invalid("ab d", "outside the base64 alphabet");
	check_invalid("Zm9v\n", "multiple of 4");
	check_invalid("Zm9vYg\r\n", "outside the base64 alphabet");
	check_invalid("Z===", "padding");
	check_invalid("Zg==Zg==", "padding");
	check_invalid("Zm-v", "outside the base64 alphabet");	/* base64url */
}

UNIT_MAIN(
	cmocka_unit_test(test_rfc4648_vectors),
	cmocka_unit_test(test_the_articles_prompts),
	cmocka_unit_test(test_binary_round_trip),
	cmocka_unit_test(test_invalid_input_is_rejected)
)
