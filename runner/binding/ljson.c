/* ljson.c - core.json_encode, through jansson. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <lauxlib.h>

#include "binding/lerror.h"
#include "binding/ljson.h"
#include "core/escape.h"

struct enc {
	lua_State	*L;
	int		 seen;		/* stack index: the tables being encoded */
	int		 depth;
	char		 err[128];	/* why it failed ("" : out of memory) */
};

static json_t	*encode(struct enc *e, int idx);

static json_t *
fail(struct enc *e, const char *why)
{
	snprintf(e->err, sizeof(e->err), "%s", why);
	return NULL;
}

static json_t *
encode_string(const char *s, size_t n)
{
	struct buf	 b = BUF_INIT;
	json_t		*j;

	if ((j = json_stringn(s, n)) != NULL)
		return j;
	/* Not UTF-8: shown as smtprun shows bytes. */
	if (esc_append(&b, s, n, ESC_MULTILINE) == 0)
		j = json_stringn(buf_cstr(&b), b.len);
	buf_free(&b);
	return j;
}

/* The length n of a table whose keys are exactly 1..n, or -1. */
static lua_Integer
array_len(lua_State *L, int t)
{
	lua_Integer	 n = 0, max = 0;

	lua_pushnil(L);
	while (lua_next(L, t) != 0) {
		lua_pop(L, 1);
		if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1) {
			lua_pop(L, 1);
			return -1;
		}
		if (lua_tointeger(L, -1) > max)
			max = lua_tointeger(L, -1);
		n++;
	}
	return n > 0 && n == max ? n : -1;
}

static json_t *
encode_table(struct enc *e, int t)
{
	lua_State	*L = e->L;
	json_t		*j, *v, *k;
	lua_Integer	 n, i;

	if (e->depth >= LJSON_MAX_DEPTH)
		return fail(e, "tables nested too deep (a cycle?)");
	lua_pushvalue(L, t);
	if (lua_rawget(L, e->seen) != LUA_TNIL) {
		lua_pop(L, 1);
		return fail(e, "a table contains itself (a cycle)");
	}
	lua_pop(L, 1);
	lua_pushvalue(L, t);
	lua_pushboolean(L, 1);
	lua_rawset(L, e->seen);
	e->depth++;
	if ((n = array_len(L, t)) > 0) {
		if ((j = json_array()) == NULL)
			goto out;
		for (i = 1; i <= n; i++) {
			lua_rawgeti(L, t, i);
			v = encode(e, lua_gettop(L));
			lua_pop(L, 1);
			if (json_array_append_new(j, v) == -1) {
				json_decref(j);
				j = NULL;
				goto out;
			}
		}
	} else {
		if ((j = json_object()) == NULL)
			goto out;
		lua_pushnil(L);
		while (lua_next(L, t) != 0) {
			if (lua_type(L, -2) != LUA_TSTRING) {
				lua_pop(L, 2);
				json_decref(j);
				j = fail(e, "a table has keys other than strings and is no "
				    "array (keys 1..n)");
				goto out;
			}
			v = encode(e, lua_gettop(L));
			lua_pop(L, 1);
			k = v ? encode_string(lua_tostring(L, -1), lua_rawlen(L, -1)) : NULL;
			if (k == NULL || json_object_setn_new(j, json_string_value(k),
			    json_string_length(k), v) == -1) {
				if (k == NULL)
					json_decref(v);
				json_decref(k);
				lua_pop(L, 1);
				json_decref(j);
				j = NULL;
				goto out;
			}
			json_decref(k);
		}
	}
out:
	e->depth--;
	lua_pushvalue(L, t);
	lua_pushnil(L);
	lua_rawset(L, e->seen);
	return j;
}

static json_t *
encode(struct enc *e, int idx)
{
	lua_State	*L = e->L;
	const char	*s;
	size_t		 n;
	double		 d;

	switch (lua_type(L, idx)) {
	case LUA_TNIL:
		return json_null();
	case LUA_TBOOLEAN:
		return json_boolean(lua_toboolean(L, idx));
	case LUA_TNUMBER:
		if (lua_isinteger(L, idx))
			return json_integer((json_int_t)lua_tointeger(L, idx));
		d = lua_tonumber(L, idx);
		return isfinite(d) ? json_real(d) : fail(e, "NaN or an infinity has no JSON");
	case LUA_TSTRING:
		s = lua_tolstring(L, idx, &n);
		return encode_string(s, n);
	case LUA_TTABLE:
		return encode_table(e, idx);
	default:
		snprintf(e->err, sizeof(e->err), "a %s has no JSON", luaL_typename(L, idx));
		return NULL;
	}
}

static int
l_json_encode(lua_State *L)
{
	struct enc	 e = { L, 0, 0, "" };
	json_t		*j;
	char		*text;

	luaL_checkany(L, 1);
	lua_settop(L, 1);
	luaL_checkstack(L, 2 * LJSON_MAX_DEPTH + 10, "json_encode");
	lua_newtable(L);
	e.seen = lua_gettop(L);
	j = encode(&e, 1);
	if (j == NULL && e.err[0] != '\0')
		return lerr_raise(L, "usage", "json_encode: %s", e.err);
	text = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY |
	    JSON_REAL_PRECISION(15)) : NULL;
	json_decref(j);
	if (text == NULL)
		return lerr_nomem(L);
	lua_pushstring(L, text);
	free(text);
	return 1;
}

void
ljson_register(lua_State *L)
{
	lua_pushcfunction(L, l_json_encode);
	lua_setfield(L, -2, "json_encode");
}
