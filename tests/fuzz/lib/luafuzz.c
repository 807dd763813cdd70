/* luafuzz.c - Lua-level fuzz targets on smtprun's real modules. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lualib.h>

#include "binding/lcore.h"
#include "binding/lctx.h"
#include "binding/lerror.h"
#include "lib/fuzz.h"
#include "lib/luafuzz.h"

/* libFuzzer treats every byte of this section as a coverage counter. */
__attribute__((section("__libfuzzer_extra_counters"), used))
static uint8_t lua_cov[1 << 16];

static lua_State	*L;
static struct smtp_ctx	 ctx;		/* no loop: nothing here waits */
static int		 fn_ref = LUA_NOREF;
static char		 dir[64];
static char		 path[96];
static int		 strict;

static void
line_hook(lua_State *co, lua_Debug *ar)
{
	uint64_t	 h;

	if (lua_getinfo(co, "S", ar) == 0)
		return;
	/* The source string of a loaded chunk stays put while it is loaded. */
	h = (uint64_t)(uintptr_t)ar->source * 0x9e3779b97f4a7c15ULL ^
	    (uint64_t)ar->currentline * 0xff51afd7ed558ccdULL;
	h ^= h >> 29;
	lua_cov[h & (sizeof(lua_cov) - 1)]++;
}

static void
cleanup(void)
{
	if (path[0] != '\0')
		unlink(path);
	if (dir[0] != '\0')
		rmdir(dir);
	if (L != NULL)
		lua_close(L);
	L = NULL;
}

lua_State *
luafuzz_init(const char *chunk)
{
	const char	*tmp = getenv("TMPDIR");

	if (L != NULL)
		return L;
	snprintf(dir, sizeof(dir), "%s/smtprun-fuzz.XXXXXX",
	    tmp && strlen(tmp) < 32 ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("luafuzz: mkdtemp");
		abort();
	}
	strict = getenv("SMTPRUN_FUZZ_STRICT") != NULL &&
	    strcmp(getenv("SMTPRUN_FUZZ_STRICT"), "1") == 0;
	if ((L = luaL_newstate()) == NULL)
		abort();
	luaL_openlibs(L);
	lerr_setup(L, SMTPRUN_SOURCE_LUADIR);
	lcore_open(L, &ctx);
	lua_getglobal(L, "package");
	lua_pushstring(L, SMTPRUN_SOURCE_LUADIR "/?.lua");
	lua_setfield(L, -2, "path");
	lua_pop(L, 1);
	lua_newtable(L);
	lua_setglobal(L, "vars");	/* as the runner sets it: -D and the config */
	lua_pushstring(L, dir);
	lua_setglobal(L, "FUZZ_DIR");
	if (luaL_loadstring(L, chunk) != LUA_OK || lua_pcall(L, 0, 1, 0) != LUA_OK ||
	    !lua_isfunction(L, -1)) {
		fprintf(stderr, "luafuzz: setting up: %s\n", lua_tostring(L, -1));
		abort();
	}
	fn_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	atexit(cleanup);
	return L;
}

const char *
luafuzz_file(const char *ext, const uint8_t *data, size_t size)
{
	FILE	*f;

	snprintf(path, sizeof(path), "%s/input.%s", dir, ext);
	if ((f = fopen(path, "wb")) == NULL ||
	    (size > 0 && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
		perror(path);
		abort();
	}
	return path;
}

int
luafuzz_call(const char *arg, size_t len)
{
	int	 rc;

	lua_settop(L, 0);
	lua_rawgeti(L, LUA_REGISTRYINDEX, fn_ref);
	lua_pushlstring(L, arg, len);
	lua_sethook(L, line_hook, LUA_MASKLINE, 0);
	rc = lua_pcall(L, 1, 0, 0);
	lua_sethook(L, NULL, 0, 0);
	if (rc != LUA_OK && strict && !lerr_is_ours(L, -1)) {
		fprintf(stderr, "luafuzz: not smtprun's own error: %s\n",
		    luaL_tolstring(L, -1, NULL));
		abort();
	}
	lua_settop(L, 0);
	/* A full collection after each input: what the input allocated is
	 * freed in its own run, so libFuzzer's leak check (run whenever an
	 * input mallocs more than it frees, and costly: it scans the heap)
	 * stays for real leaks, in C. */
	lua_gc(L, LUA_GCCOLLECT);
	return rc != LUA_OK;
}

int
luafuzz_file_input(const char *chunk, const char *ext, const uint8_t *data, size_t size)
{
	const char	*p;

	luafuzz_init(chunk);
	p = luafuzz_file(ext, data, size);
	return luafuzz_call(p, strlen(p));
}
