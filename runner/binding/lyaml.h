/*
 * lyaml.h - YAML files as Lua trees that keep their line and column
 * (core.yaml_load), through libyaml's parser.
 */
#ifndef SMTPRUN_LYAML_H
#define SMTPRUN_LYAML_H

#include <lua.h>

/* Adds core.yaml_load to the module table on top of the stack. */
void	lyaml_register(lua_State *L);

#endif
