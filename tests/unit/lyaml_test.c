/* lyaml_test.c - the YAML reader (lyaml_load_string) on hostile input:
 * nesting is capped at LYAML_MAX_DEPTH, an alias inside the node it names
 * (a cycle) is an error, aliases that multiply ("billion laughs") stop at
 * the expansion budget; each error names line and column. And the
 * ordinary cases still work: an empty document is nil, aliases share. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include <lauxlib.h>

#include "binding/lyaml.h"

/* Loads text; returns the number of values pushed (1: tree, 2: nil and
 * the error, copied to err). */
static int
load(lua_State *L, const char *text, char *err, size_t errsz)
{
	int	 n;

	n = lyaml_load_string(L, "t.yaml", text, strlen(text));
	err[0] = '\0';
	if (n == 2) {
		assert_true(lua_isnil(L, -2));
		snprintf(err, errsz, "%s", lua_tostring(L, -1));
	}
	return n;
}

/* "[" n times, "x", "]" n times. */
static char *
nested(int n)
{
	char	*s = malloc((size_t)n * 2 + 2);
	int	 i;

	assert_non_null(s);
	for (i = 0; i < n; i++)
		s[i] = '[';
	s[n] = 'x';
	for (i = 0; i < n; i++)
		s[n + 1 + i] = ']';
	s[2 * n + 1] = '\0';
	return s;
}

static void
depth_is_capped(void **state)
{
	lua_State	*L = luaL_newstate();
	char		 err[512], *s;

	(void)state;
	s = nested(LYAML_MAX_DEPTH);
	assert_int_equal(load(L, s, err, sizeof(err)), 1);
	free(s);
	s = nested(LYAML_MAX_DEPTH + 1);
	assert_int_equal(load(L, s, err, sizeof(err)), 2);
	assert_string_equal(err, "t.yaml:1:65: nested more than 64 levels deep");
	free(s);
	/* Far deeper than the C stack would take: stops at the cap, at once. */
	s = nested(1000000);
	assert_int_equal(load(L, s, err, sizeof(err)), 2);
	assert_string_equal(err, "t.yaml:1:65: nested more than 64 levels deep");
	free(s);
	lua_close(L);
}

static void
cycle_is_refused(void **state)
{
	lua_State	*L = luaL_newstate();
	char		 err[512];

	(void)state;
	assert_int_equal(load(L, "cases:\n  - expect: &e {code: *e}\n", err,
	    sizeof(err)), 2);
	assert_string_equal(err, "t.yaml:2:23: alias inside the node it names (a cycle)");
	assert_int_equal(load(L, "a: &a [1, [2, *a]]\n", err, sizeof(err)), 2);
	assert_string_equal(err, "t.yaml:1:15: alias inside the node it names (a cycle)");
	/* The same name again, closed by then: not a cycle. */
	assert_int_equal(load(L, "a: &a [ &a [1], *a ]\n", err, sizeof(err)), 1);
	lua_close(L);
}

static void
alias_bomb_is_bounded(void **state)
{
	lua_State	*L = luaL_newstate();
	char		 err[512], text[4096], *p = text;
	int		 i, k;

	(void)state;
	/* a0 is 10 scalars; each a<i> is 10 copies of a<i-1>: 10^12 nodes. */
	p += sprintf(p, "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
	for (i = 1; i <= 11; i++) {
		p += sprintf(p, "a%d: &a%d [", i, i);
		for (k = 0; k < 10; k++)
			p += sprintf(p, "%s*a%d", k ? ", " : "", i - 1);
		p += sprintf(p, "]\n");
	}
	assert_int_equal(load(L, text, err, sizeof(err)), 2);
	assert_non_null(strstr(err, "t.yaml:5:"));
	assert_non_null(strstr(err, ": aliases expand to more than "));
	/* A few copies are fine, and share the anchored node. */
	assert_int_equal(load(L, "a: &a {x: 1}\nb: *a\nc: *a\n", err, sizeof(err)), 1);
	lua_getfield(L, -1, "map");
	lua_getfield(L, -1, "b");
	lua_getfield(L, -2, "c");
	assert_true(lua_rawequal(L, -1, -2));
	lua_close(L);
}

static void
empty_is_nil(void **state)
{
	lua_State	*L = luaL_newstate();
	char		 err[512];

	(void)state;
	assert_int_equal(load(L, "", err, sizeof(err)), 1);
	assert_true(lua_isnil(L, -1));
	assert_int_equal(load(L, "# only\n# comments\n", err, sizeof(err)), 1);
	assert_true(lua_isnil(L, -1));
	lua_close(L);
}

UNIT_MAIN(
	cmocka_unit_test(depth_is_capped),
	cmocka_unit_test(cycle_is_refused),
	cmocka_unit_test(alias_bomb_is_bounded),
	cmocka_unit_test(empty_is_nil),
)
