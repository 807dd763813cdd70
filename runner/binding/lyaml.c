/*
 * lyaml.c - YAML files as Lua trees, through libyaml's parser.
 *
 * core.yaml_load(path) returns the document as nodes that keep where they
 * came from, so every error about a YAML file can name its line and column:
 *
 *   scalar   { kind = "scalar", value = "text", plain = true|false, line, col }
 *   mapping  { kind = "map", keys = {"a", "b"}, map = {a = node}, keynode = {a = node},
 *              line, col }
 *   sequence { kind = "seq", items = {node, ...}, line, col }
 *
 * or nil and "path:line:col: what libyaml expected". Aliases share the
 * anchored node; a key given twice is an error; one document per file.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>
#include <yaml.h>

#include "binding/largs.h"
#include "binding/lyaml.h"

struct ystate {
	yaml_parser_t	 p;
	const char	*path;
	int		 anchors;	/* stack index of the anchor table */
	char		 err[512];
};

static void
set_pos(lua_State *L, const yaml_mark_t *m)
{
	lua_pushinteger(L, (lua_Integer)m->line + 1);
	lua_setfield(L, -2, "line");
	lua_pushinteger(L, (lua_Integer)m->column + 1);
	lua_setfield(L, -2, "col");
}

static int
fail_at(struct ystate *y, const yaml_mark_t *m, const char *what)
{
	snprintf(y->err, sizeof(y->err), "%s:%zu:%zu: %s", y->path, m->line + 1,
	    m->column + 1, what);
	return -1;
}

static int node(lua_State *L, struct ystate *y, yaml_event_t *ev);

/* The next event, or -1 with the parser's complaint. */
static int
next(struct ystate *y, yaml_event_t *ev)
{
	if (yaml_parser_parse(&y->p, ev))
		return 0;
	snprintf(y->err, sizeof(y->err), "%s:%zu:%zu: %s%s%s", y->path,
	    y->p.problem_mark.line + 1, y->p.problem_mark.column + 1,
	    y->p.problem ? y->p.problem : "syntax error",
	    y->p.context ? " " : "", y->p.context ? y->p.context : "");
	return -1;
}

static void
anchor(lua_State *L, struct ystate *y, const yaml_char_t *name)
{
	if (name == NULL)
		return;
	lua_pushvalue(L, -1);
	lua_setfield(L, y->anchors, (const char *)name);
}

static int
node_alias(lua_State *L, struct ystate *y, yaml_event_t *ev)
{
	lua_getfield(L, y->anchors, (const char *)ev->data.alias.anchor);
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		return fail_at(y, &ev->start_mark, "alias to an unknown anchor");
	}
	return 0;
}

static int
node_scalar(lua_State *L, struct ystate *y, yaml_event_t *ev)
{
	lua_createtable(L, 0, 5);
	lua_pushliteral(L, "scalar");
	lua_setfield(L, -2, "kind");
	lua_pushlstring(L, (const char *)ev->data.scalar.value, ev->data.scalar.length);
	lua_setfield(L, -2, "value");
	lua_pushboolean(L, ev->data.scalar.plain_implicit &&
	    ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE);
	lua_setfield(L, -2, "plain");
	set_pos(L, &ev->start_mark);
	anchor(L, y, ev->data.scalar.anchor);
	return 0;
}

/* Pushes a node of this kind, positioned at ev, anchored as it says. */
static void
new_collection(lua_State *L, struct ystate *y, const char *kind, yaml_event_t *ev,
    const yaml_char_t *anchor_name)
{
	lua_createtable(L, 0, 6);
	lua_pushstring(L, kind);
	lua_setfield(L, -2, "kind");
	set_pos(L, &ev->start_mark);
	anchor(L, y, anchor_name);
}

/* Calls one() for each event up to the end event `end` (consumed), the
 * collection's tables on the stack. Returns 0, or -1 at an error. */
static int
each_item(lua_State *L, struct ystate *y, yaml_event_type_t end,
    int (*one)(lua_State *, struct ystate *, yaml_event_t *))
{
	yaml_event_t	 e;
	int		 rc;

	for (;;) {
		if (next(y, &e) == -1)
			return -1;
		if (e.type == end) {
			yaml_event_delete(&e);
			return 0;
		}
		rc = one(L, y, &e);
		yaml_event_delete(&e);
		if (rc == -1)
			return -1;
	}
}

/* One item of a sequence, appended to its items table (on top). */
static int
seq_item(lua_State *L, struct ystate *y, yaml_event_t *e)
{
	if (node(L, y, e) == -1)
		return -1;
	lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
	return 0;
}

static int
node_seq(lua_State *L, struct ystate *y, yaml_event_t *ev)
{
	new_collection(L, y, "seq", ev, ev->data.sequence_start.anchor);
	lua_newtable(L);			/* items */
	if (each_item(L, y, YAML_SEQUENCE_END_EVENT, seq_item) == -1)
		return -1;
	lua_setfield(L, -2, "items");
	return 0;
}

/* One key and its value, into the map's keys, map and keynode tables
 * (at -3, -2 and -1). */
static int
map_entry(lua_State *L, struct ystate *y, yaml_event_t *e)
{
	yaml_event_t	 v;
	const char	*key;
	int		 rc;

	if (e->type != YAML_SCALAR_EVENT)
		return fail_at(y, &e->start_mark, "a key must be a plain name");
	node(L, y, e);				/* the key node */
	lua_getfield(L, -1, "value");
	key = lua_tostring(L, -1);
	if (lua_getfield(L, -4, key) != LUA_TNIL)	/* map[key] */
		return fail_at(y, &e->start_mark, "this key is given twice");
	lua_pop(L, 1);
	/* keys[#keys+1] = key; keynode[key] = keynode */
	lua_pushvalue(L, -1);
	lua_rawseti(L, -6, (lua_Integer)lua_rawlen(L, -6) + 1);
	lua_pushvalue(L, -2);
	lua_setfield(L, -4, key);
	if (next(y, &v) == -1)
		return -1;
	rc = node(L, y, &v);			/* the value */
	yaml_event_delete(&v);
	if (rc == -1)
		return -1;
	lua_setfield(L, -5, key);		/* map[key] = value */
	lua_pop(L, 2);				/* key string, key node */
	return 0;
}

static int
node_map(lua_State *L, struct ystate *y, yaml_event_t *ev)
{
	new_collection(L, y, "map", ev, ev->data.mapping_start.anchor);
	lua_newtable(L);			/* keys (in order) */
	lua_newtable(L);			/* map */
	lua_newtable(L);			/* keynode */
	if (each_item(L, y, YAML_MAPPING_END_EVENT, map_entry) == -1)
		return -1;
	lua_setfield(L, -4, "keynode");
	lua_setfield(L, -3, "map");
	lua_setfield(L, -2, "keys");
	return 0;
}

/* Pushes the node that starts with ev (not consumed: the caller deletes it). */
static int
node(lua_State *L, struct ystate *y, yaml_event_t *ev)
{
	luaL_checkstack(L, 8, "YAML nesting too deep");
	switch (ev->type) {
	case YAML_ALIAS_EVENT:
		return node_alias(L, y, ev);
	case YAML_SCALAR_EVENT:
		return node_scalar(L, y, ev);
	case YAML_SEQUENCE_START_EVENT:
		return node_seq(L, y, ev);
	case YAML_MAPPING_START_EVENT:
		return node_map(L, y, ev);
	default:
		return fail_at(y, &ev->start_mark, "unexpected YAML event");
	}
}

/* Runs under lua_pcall: the parse, with y's strings on the C side. */
static int
parse(lua_State *L)
{
	struct ystate	*y = lua_touserdata(L, 1);
	yaml_event_t	 e;
	int		 docs = 0, rc;

	lua_settop(L, 1);
	lua_newtable(L);		/* 2: anchors */
	y->anchors = 2;
	lua_pushnil(L);			/* 3: the document's root */
	for (;;) {
		if (next(y, &e) == -1)
			goto bad;
		if (e.type == YAML_STREAM_END_EVENT) {
			yaml_event_delete(&e);
			break;
		}
		if (e.type == YAML_DOCUMENT_START_EVENT && ++docs > 1) {
			fail_at(y, &e.start_mark, "one YAML document per file");
			yaml_event_delete(&e);
			goto bad;
		}
		if (e.type == YAML_STREAM_START_EVENT || e.type == YAML_DOCUMENT_START_EVENT ||
		    e.type == YAML_DOCUMENT_END_EVENT) {
			yaml_event_delete(&e);
			continue;
		}
		lua_pop(L, 1);
		rc = node(L, y, &e);
		yaml_event_delete(&e);
		if (rc == -1)
			goto bad;
	}
	return 1;
bad:
	lua_pushnil(L);
	lua_pushstring(L, y->err);
	return 2;
}

/* core.yaml_load(path): the tree, or nil and "path:line:col: why". */
static int
l_yaml_load(lua_State *L)
{
	const char	*path = larg_checklstring(L, 1, NULL);
	struct ystate	 y;
	FILE		*f;
	int		 rc, e;

	memset(&y, 0, sizeof(y));
	y.path = path;
	if ((f = fopen(path, "rb")) == NULL) {
		e = errno;
		lua_pushnil(L);
		lua_pushfstring(L, "cannot open %s: %s", path, strerror(e));
		return 2;
	}
	if (!yaml_parser_initialize(&y.p)) {
		fclose(f);
		return luaL_error(L, "out of memory");
	}
	yaml_parser_set_input_file(&y.p, f);
	lua_pushcfunction(L, parse);
	lua_pushlightuserdata(L, &y);
	rc = lua_pcall(L, 1, LUA_MULTRET, 0);
	yaml_parser_delete(&y.p);
	fclose(f);
	if (rc != LUA_OK)
		return lua_error(L);
	return lua_gettop(L) - 1;
}

void
lyaml_register(lua_State *L)
{
	lua_pushcfunction(L, l_yaml_load);
	lua_setfield(L, -2, "yaml_load");
}
