/* fname_test.c - the file names transcripts and golden files are saved
 * under. */

#include "unit.h"

#include "core/fname.h"

static void
check(const char *path, const char *name, const char *want)
{
	struct buf	 b = BUF_INIT;

	assert_int_equal(fname_stem(&b, path, name), 0);
	assert_string_equal(buf_cstr(&b), want);
	buf_free(&b);
}

static void
test_directories_become_dashes_and_the_extension_goes(void **state)
{
	(void)state;
	check("scenarios/relay.lua", NULL, "scenarios-relay");
	check("./tests/a.yaml", NULL, "tests-a");
	check("/abs/path.smtp", NULL, "abs-path");
	check("noext", NULL, "noext");
	check("dir.d/file", NULL, "dir.d-file");
	check("a.b-c", NULL, "a.b-c");		/* not an extension */
}

/* Golden files saved by earlier versions must still be found: these are
 * the names lua/smtp/golden.lua gave them. */
static void
test_golden_names_of_earlier_versions_hold(void **state)
{
	(void)state;
	check("./././gnames.lua", "/abs name", ".-.-gnames--abs_name");
	check("./././gnames.lua", "./dot name", ".-.-gnames--dot_name");
	check("./././gnames.lua", "//two", ".-.-gnames--two");
	check("./././gnames.lua", ".hidden", ".-.-gnames--.hidden");
}

static void
test_odd_bytes_become_underscores(void **state)
{
	(void)state;
	check("a b.lua", NULL, "a_b");
	check("x.lua", "relay refused: 554?", "x--relay_refused__554_");
	check("x.lua", "caf\xc3\xa9", "x--caf__");
}

UNIT_MAIN(
	cmocka_unit_test(test_directories_become_dashes_and_the_extension_goes),
	cmocka_unit_test(test_golden_names_of_earlier_versions_hold),
	cmocka_unit_test(test_odd_bytes_become_underscores)
)
