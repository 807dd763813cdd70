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
 * anchored node; a key given twice is an error; one document per file; an
 * empty document (no node, only comments) is nil and no error.
 *
 * The file may be hostile (./smtprun.yaml is read by default), so the reader
 * is bounded: collections nest at most LYAML_MAX_DEPTH deep (the recursion
 * below, and libyaml's scanner, which is quadratic in the flow depth); an
 * alias to a node that is still open (a cycle) is an error; and the nodes
 * the tree stands for, counting each alias as a copy of its node and a
 * scalar as one node per LYAML_SCALAR_UNIT bytes, are at most
 * LYAML_MAX_EXPANSION plus LYAML_EXPANSION_FACTOR per node read (the
 * "billion laughs": aliases of aliases, multiplying, or of one long value).
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
	int		 anchors;	/* stack index of name -> node */
	int		 open;		/* stack index of the set of open nodes */
	int		 sizes;		/* stack index of node -> nodes it stands for */
	int		 depth;		/* collections open */
	unsigned long	 nodes;		/* nodes read */
	unsigned long	 expanded;	/* nodes stood for, aliases expanded */
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

/* An alias: its node, shared; an error when the node is still open (the
 * alias is inside it: a cycle), or when the copies it stands for go over
 * the budget. */
static int
node_alias(lua_State *L, struct ystate *y, yaml_event_t *ev)
{
	unsigned long	 size, budget;
	char		 what[128];

	lua_getfield(L, y->anchors, (const char *)ev->data.alias.anchor);
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		return fail_at(y, &ev->start_mark, "alias to an unknown anchor");
	}
	lua_pushvalue(L, -1);
	if (lua_rawget(L, y->open) != LUA_TNIL) {
		lua_pop(L, 2);
		return fail_at(y, &ev->start_mark, "alias inside the node it names "
		    "(a cycle)");
	}
	lua_pop(L, 1);
	lua_pushvalue(L, -1);
	lua_rawget(L, y->sizes);
	size = (unsigned long)lua_tointeger(L, -1);
	lua_pop(L, 1);
	budget = LYAML_MAX_EXPANSION + LYAML_EXPANSION_FACTOR * y->nodes;
	if (size > budget || y->expanded > budget - size) {
		lua_pop(L, 1);
		snprintf(what, sizeof(what), "aliases expand to more than %lu "
		    "nodes (copies of copies of anchored nodes)", budget);
		return fail_at(y, &ev->start_mark, what);
	}
	y->expanded += size;
	return 0;
}

static int
node_scalar(lua_State *L, struct ystate *y, yaml_event_t *ev)
{
	/* A long value weighs as many nodes: the aliases of a 1 MB scalar
	 * were as cheap as those of "x", and each use of it is work on 1 MB. */
	unsigned long	 weight = 1 + ev->data.scalar.length / LYAML_SCALAR_UNIT;

	y->nodes += weight;
	y->expanded += weight;
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
	lua_pushvalue(L, -1);
	lua_pushinteger(L, (lua_Integer)weight);
	lua_rawset(L, y->sizes);
	return 0;
}

/* Pushes a node of this kind, positioned at ev, anchored as it says, and
 * open until end_collection; -1 when it nests too deep. */
static int
new_collection(lua_State *L, struct ystate *y, const char *kind, yaml_event_t *ev,
    const yaml_char_t *anchor_name)
{
	if (++y->depth > LYAML_MAX_DEPTH)
		return fail_at(y, &ev->start_mark, "nested more than "
		    LYAML_STR(LYAML_MAX_DEPTH) " levels deep");
	y->nodes++;
	y->expanded++;
	lua_createtable(L, 0, 6);
	lua_pushstring(L, kind);
	lua_setfield(L, -2, "kind");
	set_pos(L, &ev->start_mark);
	anchor(L, y, anchor_name);
	lua_pushvalue(L, -1);
	lua_pushboolean(L, 1);
	lua_rawset(L, y->open);
	return 0;
}

/* The collection at `at` (a stack index) is complete, and stands for the
 * nodes counted since it began (`before`). */
static void
end_collection(lua_State *L, struct ystate *y, int at, unsigned long before)
{
	y->depth--;
	lua_pushvalue(L, at);
	lua_pushnil(L);
	lua_rawset(L, y->open);
	lua_pushvalue(L, at);
	lua_pushinteger(L, (lua_Integer)(y->expanded - before));
	lua_rawset(L, y->sizes);
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
	unsigned long	 before = y->expanded;

	if (new_collection(L, y, "seq", ev, ev->data.sequence_start.anchor) == -1)
		return -1;
	lua_newtable(L);			/* items */
	if (each_item(L, y, YAML_SEQUENCE_END_EVENT, seq_item) == -1)
		return -1;
	lua_setfield(L, -2, "items");
	end_collection(L, y, -1, before);
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
	unsigned long	 before = y->expanded;

	if (new_collection(L, y, "map", ev, ev->data.mapping_start.anchor) == -1)
		return -1;
	lua_newtable(L);			/* keys (in order) */
	lua_newtable(L);			/* map */
	lua_newtable(L);			/* keynode */
	if (each_item(L, y, YAML_MAPPING_END_EVENT, map_entry) == -1)
		return -1;
	lua_setfield(L, -4, "keynode");
	lua_setfield(L, -3, "map");
	lua_setfield(L, -2, "keys");
	end_collection(L, y, -1, before);
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
	lua_newtable(L);		/* 3: the open nodes */
	y->open = 3;
	lua_newtable(L);		/* 4: the sizes */
	y->sizes = 4;
	lua_pushnil(L);			/* 5: the document's root */
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

/* Parses what y's parser reads, named path; pushes as lyaml_load does. */
static int
run_parse(lua_State *L, struct ystate *y)
{
	int	 top = lua_gettop(L), rc;

	lua_pushcfunction(L, parse);
	lua_pushlightuserdata(L, y);
	rc = lua_pcall(L, 1, LUA_MULTRET, 0);
	yaml_parser_delete(&y->p);
	if (rc != LUA_OK) {		/* out of memory: as nil and why */
		lua_pushnil(L);
		lua_insert(L, -2);
		return 2;
	}
	return lua_gettop(L) - top;
}

int
lyaml_load_string(lua_State *L, const char *name, const char *text, size_t len)
{
	struct ystate	 y;

	memset(&y, 0, sizeof(y));
	y.path = name;
	if (!yaml_parser_initialize(&y.p)) {
		lua_pushnil(L);
		lua_pushliteral(L, "out of memory");
		return 2;
	}
	yaml_parser_set_input_string(&y.p, (const unsigned char *)text, len);
	return run_parse(L, &y);
}

/* core.yaml_load(path): the tree, or nil and "path:line:col: why". */
static int
l_yaml_load(lua_State *L)
{
	const char	*path = larg_checklstring(L, 1, NULL);
	struct ystate	 y;
	FILE		*f;
	int		 n, e;

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
	n = run_parse(L, &y);
	fclose(f);
	return n;
}

void
lyaml_register(lua_State *L)
{
	lua_pushcfunction(L, l_yaml_load);
	lua_setfield(L, -2, "yaml_load");
}
