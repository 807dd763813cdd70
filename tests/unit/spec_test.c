/* spec_test.c - reply specs: codes, classes ("2xx", "25x"), lists, what
 * they accept, what they refuse, how they are described. */
#include <string.h>

#include "unit.h"

#include "core/spec.h"

static struct spec
spec_of(const char *const *pats)
{
	struct spec	 sp;

	spec_clear(&sp);
	for (; *pats != NULL; pats++)
		assert_int_equal(spec_add_pattern(&sp, *pats, strlen(*pats)), SPEC_OK);
	return sp;
}

static void
test_empty_spec_accepts_any_reply(void **state)
{
	struct spec	 sp;

	(void)state;
	spec_clear(&sp);
	assert_true(spec_match(&sp, 250));
	assert_true(spec_match(&sp, 554));
}

static void
test_a_code_matches_itself_only(void **state)
{
	struct spec	 sp;

	(void)state;
	spec_clear(&sp);
	assert_int_equal(spec_add_code(&sp, 250), SPEC_OK);
	assert_true(spec_match(&sp, 250));
	assert_false(spec_match(&sp, 251));
	assert_false(spec_match(&sp, 550));
}

static void
test_classes_match_their_digits(void **state)
{
	const char	*two[] = { "2xx", NULL }, *two5[] = { "25X", NULL };
	struct spec	 a = spec_of(two), b = spec_of(two5);

	(void)state;
	assert_true(spec_match(&a, 200));
	assert_true(spec_match(&a, 299));
	assert_false(spec_match(&a, 354));
	assert_true(spec_match(&b, 250));
	assert_true(spec_match(&b, 252));
	assert_false(spec_match(&b, 221));
}

/* Matching compares integers (lo..hi); an x before a digit still checks
 * that digit, and codes out of 200..599 never match a spec. */
static void
test_an_x_before_a_digit_keeps_the_digit(void **state)
{
	const char	*mid[] = { "2x0", NULL }, *all[] = { "5xx", NULL };
	struct spec	 a = spec_of(mid), b = spec_of(all);

	(void)state;
	assert_true(spec_match(&a, 200));
	assert_true(spec_match(&a, 250));
	assert_true(spec_match(&a, 290));
	assert_false(spec_match(&a, 251));
	assert_false(spec_match(&a, 300));
	assert_true(spec_match(&b, 500));
	assert_true(spec_match(&b, 599));
	assert_false(spec_match(&b, 600));
	assert_false(spec_match(&b, 1500));
	assert_false(spec_match(&b, -500));
}

static void
test_a_list_matches_any_of_its_entries(void **state)
{
	const char	*pats[] = { "250", "251", "4xx", NULL };
	struct spec	 sp = spec_of(pats);

	(void)state;
	assert_true(spec_match(&sp, 251));
	assert_true(spec_match(&sp, 451));
	assert_false(spec_match(&sp, 252));
	assert_false(spec_match(&sp, 550));
}

static void
test_bad_specs_are_refused(void **state)
{
	const char	*bad[] = { "2x", "2xxx", "6xx", "1xx", "x50", "abc", "2a0", "" };
	struct spec	 sp;
	size_t		 i;

	(void)state;
	spec_clear(&sp);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(spec_add_pattern(&sp, bad[i], strlen(bad[i])), SPEC_BAD);
	assert_int_equal(spec_add_code(&sp, 199), SPEC_BAD);
	assert_int_equal(spec_add_code(&sp, 600), SPEC_BAD);
	assert_int_equal(sp.n, 0);
}

static void
test_a_spec_holds_at_most_spec_max_entries(void **state)
{
	struct spec	 sp;
	int		 i;

	(void)state;
	spec_clear(&sp);
	for (i = 0; i < SPEC_MAX; i++)
		assert_int_equal(spec_add_code(&sp, 200 + i), SPEC_OK);
	assert_int_equal(spec_add_code(&sp, 299), SPEC_FULL);
	assert_int_equal(spec_add_pattern(&sp, "5xx", 3), SPEC_FULL);
	assert_true(spec_match(&sp, 200 + SPEC_MAX - 1));
}

static void
test_description_names_every_entry(void **state)
{
	const char	*one[] = { "250", NULL }, *many[] = { "250", "251", "4xx", NULL };
	struct spec	 a = spec_of(one), b = spec_of(many), none;
	struct buf	 out = BUF_INIT;

	(void)state;
	spec_clear(&none);
	spec_describe(&a, &out);
	assert_string_equal(buf_cstr(&out), "250");
	out.len = 0;
	spec_describe(&b, &out);
	assert_string_equal(buf_cstr(&out), "one of 250, 251, 4xx");
	out.len = 0;
	spec_describe(&none, &out);
	assert_string_equal(buf_cstr(&out), "any reply");
	buf_free(&out);
}

UNIT_MAIN(
	cmocka_unit_test(test_empty_spec_accepts_any_reply),
	cmocka_unit_test(test_a_code_matches_itself_only),
	cmocka_unit_test(test_classes_match_their_digits),
	cmocka_unit_test(test_an_x_before_a_digit_keeps_the_digit),
	cmocka_unit_test(test_a_list_matches_any_of_its_entries),
	cmocka_unit_test(test_bad_specs_are_refused),
	cmocka_unit_test(test_a_spec_holds_at_most_spec_max_entries),
	cmocka_unit_test(test_description_names_every_entry)
)
