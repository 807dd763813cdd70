/*
 * lsasl.c - the SASL cores (sasl.c) for Lua: core.sasl_* payload builders,
 * core.scram(mech) objects for both sides of a SCRAM exchange, and
 * core.random(n) for challenges and salts.
 *
 * Data the peer sent that does not fit the mechanism is a failure of the
 * world, not of the script: those functions return nil and the reason.
 */
#include <string.h>

#include <lauxlib.h>
#include <openssl/rand.h>

#include "buf.h"
#include "lerror.h"
#include "lsmtp.h"
#include "sasl.h"

#define SCRAM_META	"smtprun.scram"

/* sasl_cram_md5(user, password, challenge): the base64 response. */
static int
l_cram_md5(lua_State *L)
{
	size_t		 plen, clen;
	const char	*u = lerr_checklstring(L, 1, NULL);
	const char	*p = lerr_checklstring(L, 2, &plen);
	const char	*c = lerr_checklstring(L, 3, &clen);
	struct buf	 b = BUF_INIT;

	return lsmtp_push_buf(L, &b, sasl_cram_md5(u, p, plen, c, clen, &b));
}

static int
l_xoauth2(lua_State *L)
{
	struct buf	 b = BUF_INIT;

	return lsmtp_push_buf(L, &b, sasl_xoauth2(lerr_checklstring(L, 1, NULL),
	    lerr_checklstring(L, 2, NULL), &b));
}

/* sasl_oauthbearer(user, token [, host [, port]]) */
static int
l_oauthbearer(lua_State *L)
{
	struct buf	 b = BUF_INIT;

	return lsmtp_push_buf(L, &b, sasl_oauthbearer(lerr_checklstring(L, 1, NULL),
	    lerr_optlstring(L, 3, NULL, NULL), lerr_optlstring(L, 4, NULL, NULL),
	    lerr_checklstring(L, 2, NULL), &b));
}

static int
l_random(lua_State *L)
{
	lua_Integer	 n = (lua_Integer)lerr_checknumber(L, 1);
	unsigned char	 bytes[256];

	if (n < 1 || n > (lua_Integer)sizeof(bytes))
		return lerr_argerror(L, 1, "1 to 256 bytes");
	if (RAND_bytes(bytes, (int)n) != 1)
		return luaL_error(L, "no random bytes available");
	lua_pushlstring(L, (const char *)bytes, (size_t)n);
	return 1;
}

/* ---- SCRAM objects ---- */

static struct scram *
check_scram(lua_State *L)
{
	return lerr_checkudata(L, 1, SCRAM_META);
}

/* scram(mech): "SCRAM-SHA-1" or "SCRAM-SHA-256". */
static int
l_scram(lua_State *L)
{
	const char	*mech = lerr_checklstring(L, 1, NULL);
	struct scram	*s = lua_newuserdatauv(L, sizeof(*s), 0);

	if (scram_init(s, mech) == -1)
		return lerr_argerror(L, 1, "SCRAM-SHA-1 or SCRAM-SHA-256");
	luaL_setmetatable(L, SCRAM_META);
	return 1;
}

static int
l_scram_gc(lua_State *L)
{
	scram_free(check_scram(L));
	return 0;
}

static int
fail2(lua_State *L, const char *why)
{
	lua_pushnil(L);
	lua_pushstring(L, why);
	return 2;
}

static int
l_client_first(lua_State *L)
{
	struct scram	*s = check_scram(L);
	struct buf	 b = BUF_INIT;

	return lsmtp_push_buf(L, &b, scram_client_first(s, lerr_checklstring(L, 2, NULL),
	    lerr_optlstring(L, 3, NULL, NULL), &b));
}

static int
l_client_final(lua_State *L)
{
	struct scram	*s = check_scram(L);
	size_t		 n, plen;
	const char	*sf = lerr_checklstring(L, 2, &n);
	const char	*pw = lerr_checklstring(L, 3, &plen);
	struct buf	 b = BUF_INIT;
	char		 err[256];

	if (scram_client_final(s, sf, n, pw, plen, &b, err, sizeof(err)) == -1) {
		buf_free(&b);
		return fail2(L, err);
	}
	return lsmtp_push_buf(L, &b, 0);
}

static int
l_client_verify(lua_State *L)
{
	struct scram	*s = check_scram(L);
	size_t		 n;
	const char	*sf = lerr_checklstring(L, 2, &n);
	char		 err[256];

	if (scram_client_verify(s, sf, n, err, sizeof(err)) == -1)
		return fail2(L, err);
	lua_pushboolean(L, 1);
	return 1;
}

/* s:server_start(client_first): the user name, or nil and why. */
static int
l_server_start(lua_State *L)
{
	struct scram	*s = check_scram(L);
	size_t		 n;
	const char	*cf = lerr_checklstring(L, 2, &n);
	char		 err[256];

	if (scram_server_start(s, cf, n, err, sizeof(err)) == -1)
		return fail2(L, err);
	lua_pushstring(L, s->user);
	return 1;
}

/* s:server_first(password, salt, iterations [, snonce]) */
static int
l_server_first(lua_State *L)
{
	struct scram	*s = check_scram(L);
	size_t		 plen, slen;
	const char	*pw = lerr_checklstring(L, 2, &plen);
	const char	*salt = lerr_checklstring(L, 3, &slen);
	lua_Integer	 iter = (lua_Integer)lerr_checknumber(L, 4);
	struct buf	 b = BUF_INIT;

	if (iter < 1 || iter > 1000000)
		return lerr_argerror(L, 4, "iterations 1 to 1000000");
	return lsmtp_push_buf(L, &b, scram_server_first(s, pw, plen, (const unsigned char *)salt,
	    slen, (int)iter, lerr_optlstring(L, 5, NULL, NULL), &b));
}

/* s:server_final(client_final): true/false and server-final-message, or
 * nil and why for a malformed message. */
static int
l_server_final(lua_State *L)
{
	struct scram	*s = check_scram(L);
	size_t		 n;
	const char	*cf = lerr_checklstring(L, 2, &n);
	struct buf	 b = BUF_INIT;
	char		 err[256];
	int		 rc = scram_server_final(s, cf, n, &b, err, sizeof(err));

	if (rc == -2) {
		buf_free(&b);
		return fail2(L, err);
	}
	lua_pushboolean(L, rc == 0);
	lsmtp_push_buf(L, &b, 0);
	return 2;
}

void
lsasl_register(lua_State *L)
{
	static const luaL_Reg funcs[] = {
		{ "sasl_cram_md5", l_cram_md5 },
		{ "sasl_xoauth2", l_xoauth2 },
		{ "sasl_oauthbearer", l_oauthbearer },
		{ "scram", l_scram },
		{ "random", l_random },
		{ NULL, NULL }
	};
	static const luaL_Reg methods[] = {
		{ "client_first", l_client_first },
		{ "client_final", l_client_final },
		{ "client_verify", l_client_verify },
		{ "server_start", l_server_start },
		{ "server_first", l_server_first },
		{ "server_final", l_server_final },
		{ NULL, NULL }
	};

	luaL_setfuncs(L, funcs, 0);
	luaL_newmetatable(L, SCRAM_META);
	lua_pushcfunction(L, l_scram_gc);
	lua_setfield(L, -2, "__gc");
	luaL_newlib(L, methods);
	lua_setfield(L, -2, "__index");
	lua_pop(L, 1);
}
