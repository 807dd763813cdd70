/*
 * ljson.h - core.json_encode(value): a Lua value as compact JSON text,
 * through jansson. Strings, numbers, booleans; a table whose keys are
 * 1..n is an array, one whose keys are all strings an object (its keys
 * sorted, so the text is the same at each run; an empty table is {}). A
 * string that is not UTF-8 is shown as smtprun shows bytes (core/escape.h).
 * A function, a cycle, a key of another type, NaN or an infinity, or
 * nesting deeper than LJSON_MAX_DEPTH is a "usage" error.
 */
#ifndef SMTPRUN_LJSON_H
#define SMTPRUN_LJSON_H

#include <lua.h>

#define LJSON_MAX_DEPTH	64

/* Adds json_encode to the table on top of the stack (module smtprun.core). */
void	ljson_register(lua_State *L);

#endif
