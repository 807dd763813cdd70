/*
 * lyaml.h - YAML files as Lua trees that keep their line and column
 * (core.yaml_load), through libyaml's parser.
 */
#ifndef SMTPRUN_LYAML_H
#define SMTPRUN_LYAML_H

#include <stddef.h>

#include <lua.h>

/* The reader's bounds (see lyaml.c): collections nested at most this
 * deep; nodes stood for, aliases expanded, at most MAX_EXPANSION plus
 * EXPANSION_FACTOR per node read, a scalar counting as one node per
 * SCALAR_UNIT bytes of its value (the work of whoever reads the tree
 * grows with the bytes, not only the nodes). */
#define LYAML_MAX_DEPTH		64
#define LYAML_MAX_EXPANSION	100000UL
#define LYAML_EXPANSION_FACTOR	10UL
#define LYAML_SCALAR_UNIT	64
#define LYAML_XSTR(x)		#x
#define LYAML_STR(x)		LYAML_XSTR(x)

/* Pushes the tree of the YAML text (len bytes, named `name` in errors),
 * as core.yaml_load(path) returns it: the root node (nil for an empty
 * document) and returns 1, or pushes nil and "name:line:col: why" and
 * returns 2. Never raises (out of memory too is nil and why): for tests
 * and fuzzers. */
int	lyaml_load_string(lua_State *L, const char *name, const char *text,
	    size_t len);

/* Adds core.yaml_load to the module table on top of the stack. */
void	lyaml_register(lua_State *L);

#endif
