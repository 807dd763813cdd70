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
	check("./././a/b/c.yaml", NULL, "a-b-c");
	check("/abs/path.smtp", NULL, "abs-path");
	check("noext", NULL, "noext");
	check("dir.d/file", NULL, "dir.d-file");
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
	cmocka_unit_test(test_odd_bytes_become_underscores)
)
