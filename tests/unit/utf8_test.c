/* utf8_test.c - what counts as well-formed UTF-8: RFC 3629 exactly, the
 * bytes of issue 9's hostile replies among the cases. */
#include <string.h>

#include "unit.h"

#include "core/utf8.h"

#define AT(s)	utf8_invalid_at(s, sizeof(s) - 1)

static void
test_text_is_valid(void **state)
{
	(void)state;
	assert_int_equal(AT(""), 0);
	assert_int_equal(AT("250 OK"), 6);
	assert_int_equal(AT("caf\xc3\xa9"), 5);			/* U+00E9 */
	assert_int_equal(AT("\xe2\x82\xac"), 3);		/* U+20AC */
	assert_int_equal(AT("\xf0\x9f\x93\xa7"), 4);		/* U+1F4E7 */
	assert_int_equal(AT("\xf4\x8f\xbf\xbf"), 4);		/* U+10FFFF */
	assert_int_equal(AT("\xed\x9f\xbf"), 3);		/* U+D7FF */
	assert_int_equal(AT("a\0b"), 3);		/* NUL is ASCII here */
}

static void
test_malformed_bytes_are_found(void **state)
{
	(void)state;
	assert_int_equal(AT("ok\xff\xfe"), 2);			/* never in UTF-8 */
	assert_int_equal(AT("\xc3\x28"), 0);			/* bad continuation */
	assert_int_equal(AT("\xed\xa0\x80"), 0);		/* surrogate D800 */
	assert_int_equal(AT("\xc0\xaf"), 0);			/* overlong '/' */
	assert_int_equal(AT("\xe0\x80\xaf"), 0);		/* overlong, 3 */
	assert_int_equal(AT("\xf0\x80\x80\xaf"), 0);		/* overlong, 4 */
	assert_int_equal(AT("\xf4\x90\x80\x80"), 0);		/* U+110000 */
	assert_int_equal(AT("\xf5\x80\x80\x80"), 0);
	assert_int_equal(AT("x\x80"), 1);			/* stray */
	assert_int_equal(AT("ab\xe2\x82"), 2);			/* cut short */
}

static void
test_seq_gives_length_and_code_point(void **state)
{
	uint32_t	 cp = 0;

	(void)state;
	assert_int_equal(utf8_seq((const unsigned char *)"\xc2\x9b", 2, &cp), 2);
	assert_int_equal(cp, 0x9b);
	assert_true(utf8_is_c1(cp));			/* CSI: escaped when shown */
	assert_int_equal(utf8_seq((const unsigned char *)"\xc2\xa0", 2, &cp), 2);
	assert_false(utf8_is_c1(cp));
	assert_int_equal(utf8_seq((const unsigned char *)"\xf0\x9f\x93\xa7", 4, &cp), 4);
	assert_int_equal(cp, 0x1f4e7);
	assert_int_equal(utf8_seq((const unsigned char *)"A", 1, NULL), 1);
	assert_int_equal(utf8_seq((const unsigned char *)"\xf0\x9f\x93", 3, &cp), 0);
	assert_int_equal(utf8_seq((const unsigned char *)"", 0, &cp), 0);
}

/* Every 2-byte lead with every continuation: exactly C2..DF accept. */
static void
test_every_two_byte_pair(void **state)
{
	unsigned	 a, b, ok = 0;
	unsigned char	 s[2];

	(void)state;
	for (a = 0x80; a <= 0xff; a++)
		for (b = 0; b <= 0xff; b++) {
			s[0] = (unsigned char)a;
			s[1] = (unsigned char)b;
			ok += utf8_seq(s, 2, NULL) == 2;
		}
	assert_int_equal(ok, (0xdf - 0xc2 + 1) * 64);
}

UNIT_MAIN(
	cmocka_unit_test(test_text_is_valid),
	cmocka_unit_test(test_malformed_bytes_are_found),
	cmocka_unit_test(test_seq_gives_length_and_code_point),
	cmocka_unit_test(test_every_two_byte_pair)
)
