/*
 * luafuzz.h - Lua-level fuzz targets: smtprun's real modules in one Lua
 * state, made once per process, with Lua line coverage fed to libFuzzer.
 *
 * A LUA_MASKLINE hook counts each (chunk, line) executed in a table of
 * libFuzzer "extra counters", so an input that runs new Lua lines is kept
 * like one that runs new C edges. An error raised in Lua for bad input is
 * the expected outcome; crashes, sanitizer reports, leaks and hangs are
 * findings. With SMTPRUN_FUZZ_STRICT=1 in the environment, an error that
 * is not smtprun's own (lerror.h: "attempt to index a nil value" and the
 * like, a bug in the Lua code) aborts too, to hunt for those.
 */
#ifndef SMTPRUN_LUAFUZZ_H
#define SMTPRUN_LUAFUZZ_H

#include <stddef.h>
#include <stdint.h>

#include <lua.h>

/* Makes the state (once): libraries, smtprun.core, package.path on lua/,
 * then runs `chunk`, which must return the function each input is given
 * to. */
lua_State *luafuzz_init(const char *chunk);
/* Writes the input to a file named input.<ext> in this process's scratch
 * directory; returns its path. */
const char *luafuzz_file(const char *ext, const uint8_t *data, size_t size);
/* Calls the function with one argument (a string) under pcall, with the
 * line hook on. Returns 0 when it returned, 1 when it raised an error. */
int	luafuzz_call(const char *arg, size_t len);
/* The body of a target whose function takes a file: the state made with
 * chunk, the input written as input.<ext>, the function called with its
 * path. */
int	luafuzz_file_input(const char *chunk, const char *ext, const uint8_t *data,
	    size_t size);

#endif
