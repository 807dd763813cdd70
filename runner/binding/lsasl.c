/*
 * lsasl.c - the SASL cores (core/sasl.c) for Lua: core.sasl_* payload
 * builders, core.scram(mech) objects for both sides of a SCRAM exchange,
 * and core.random(n) for challenges and salts.
 *
 * Data the peer sent that does not fit the mechanism is a failure of the
 * world, not of the script: those functions return nil and the reason.
 */
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>
#include <openssl/rand.h>

#include "binding/largs.h"
#include "binding/lerror.h"
#include "binding/lsasl.h"
#include "core/sasl.h"

#define SCRAM_META	"smtprun.scram"
#define SASL_ERR_MAX	256	/* why a peer's SCRAM message was refused */

/* A builder's result: the string, or out of memory raised. */
static int
push_result(lua_State *L, struct buf *b, enum sasl_status rc)
{
	return larg_pushbuf(L, b, rc != SASL_OK);
}

/* sasl_plain(user, pass [, authzid]) -> the base64 AUTH PLAIN payload. */
static int
l_plain(lua_State *L)
{
	size_t			 ulen, plen, zlen = 0;
	const char		*u = larg_checklstring(L, 1, &ulen);
	const char		*p = larg_checklstring(L, 2, &plen);
	const char		*z = larg_optlstring(L, 3, NULL, &zlen);
	struct buf		 b = BUF_INIT;
	enum sasl_status	 rc = sasl_plain(z, zlen, u, ulen, p, plen, &b);

	if (rc == SASL_NUL) {
		buf_free(&b);
		return lerr_raise(L, "usage", "AUTH PLAIN: user, password and authzid "
		    "cannot contain NUL bytes");
	}
	return push_result(L, &b, rc);
}

/* sasl_cram_md5(user, password, challenge): the base64 response. */
static int
l_cram_md5(lua_State *L)
{
	size_t		 plen, clen;
	const char	*u = larg_checklstring(L, 1, NULL);
	const char	*p = larg_checklstring(L, 2, &plen);
	const char	*c = larg_checklstring(L, 3, &clen);
	struct buf	 b = BUF_INIT;

	return push_result(L, &b, sasl_cram_md5(u, p, plen, c, clen, &b));
}

static int
l_xoauth2(lua_State *L)
{
	struct buf	 b = BUF_INIT;

	return push_result(L, &b, sasl_xoauth2(larg_checklstring(L, 1, NULL),
	    larg_checklstring(L, 2, NULL), &b));
}

/* sasl_oauthbearer(user, token [, host [, port]]) */
static int
l_oauthbearer(lua_State *L)
{
	struct buf	 b = BUF_INIT;

	return push_result(L, &b, sasl_oauthbearer(larg_checklstring(L, 1, NULL),
	    larg_optlstring(L, 3, NULL, NULL), larg_optlstring(L, 4, NULL, NULL),
	    larg_checklstring(L, 2, NULL), &b));
}

static int
l_random(lua_State *L)
{
	lua_Integer	 n = (lua_Integer)larg_checknumber(L, 1);
	unsigned char	 bytes[256];

	if (n < 1 || n > (lua_Integer)sizeof(bytes))
		return larg_error(L, 1, "1 to 256 bytes");
	if (RAND_bytes(bytes, (int)n) != 1)
		return lerr_raise(L, "setup", "no random bytes available");
	lua_pushlstring(L, (const char *)bytes, (size_t)n);
	return 1;
}

/* ---- SCRAM objects ---- */

static struct scram *
check_scram(lua_State *L)
{
	return larg_checkudata(L, 1, SCRAM_META);
}

/* scram(mech): "SCRAM-SHA-1" or "SCRAM-SHA-256". */
static int
l_scram(lua_State *L)
{
	const char	*mech = larg_checklstring(L, 1, NULL);
	struct scram	*s = lua_newuserdatauv(L, sizeof(*s), 0);

	if (scram_init(s, mech) == -1)
		return larg_error(L, 1, "SCRAM-SHA-1 or SCRAM-SHA-256");
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

/* A nonce part a script gives (cnonce, snonce), at arg: as SCRAM has them. */
static const char *
opt_nonce(lua_State *L, int arg)
{
	size_t		 len;
	const char	*nonce = larg_optlstring(L, arg, NULL, &len);
	char		 msg[80];

	if (nonce != NULL && !scram_nonce_ok(nonce, len)) {
		snprintf(msg, sizeof(msg), "a nonce of 1 to %d printable ASCII characters "
		    "other than ','", SCRAM_NONCE_MAX);
		larg_error(L, arg, msg);
	}
	return nonce;
}

/* s:client_first(user [, cnonce]) */
static int
l_client_first(lua_State *L)
{
	struct scram	*s = check_scram(L);
	const char	*user = larg_checklstring(L, 2, NULL);
	struct buf	 b = BUF_INIT;

	return push_result(L, &b, scram_client_first(s, user, opt_nonce(L, 3), &b));
}

static int
l_client_final(lua_State *L)
{
	struct scram	*s = check_scram(L);
	size_t		 n, plen;
	const char	*sf = larg_checklstring(L, 2, &n);
	const char	*pw = larg_checklstring(L, 3, &plen);
	struct buf		 b = BUF_INIT;
	char			 err[SASL_ERR_MAX];
	enum sasl_status	 rc;

	rc = scram_client_final(s, sf, n, pw, plen, &b, err, sizeof(err));
	if (rc == SASL_MALFORMED) {
		buf_free(&b);
		return fail2(L, err);
	}
	return push_result(L, &b, rc);
}

static int
l_client_verify(lua_State *L)
{
	struct scram	*s = check_scram(L);
	size_t		 n;
	const char	*sf = larg_checklstring(L, 2, &n);
	char		 err[SASL_ERR_MAX];

	if (scram_client_verify(s, sf, n, err, sizeof(err)) != SASL_OK)
		return fail2(L, err);
	lua_pushboolean(L, 1);
	return 1;
}

/* s:server_start(client_first): the user name, or nil and why (any
 * malformed message: the server answers 501 with it). */
static int
l_server_start(lua_State *L)
{
	struct scram		*s = check_scram(L);
	size_t			 n;
	const char		*cf = larg_checklstring(L, 2, &n);
	char			 err[SASL_ERR_MAX] = "";
	enum sasl_status	 rc = scram_server_start(s, cf, n, err, sizeof(err));

	if (rc == SASL_MALFORMED)
		return fail2(L, err);
	if (rc != SASL_OK)
		return lerr_nomem(L);
	lua_pushstring(L, s->user);
	return 1;
}

/* s:server_first(password, salt, iterations [, snonce]): iterations 1 to
 * SCRAM_SERVER_MAX_ITER, what the server role may make PBKDF2 run on the
 * event loop (a client takes up to SCRAM_MAX_ITER from a server). */
static int
l_server_first(lua_State *L)
{
	struct scram	*s = check_scram(L);
	size_t		 plen, slen;
	const char	*pw = larg_checklstring(L, 2, &plen);
	const char	*salt = larg_checklstring(L, 3, &slen);
	lua_Number	 iter = larg_checknumber(L, 4);
	const char	*snonce = opt_nonce(L, 5);
	struct buf	 b = BUF_INIT;
	char		 msg[64];

	/* Compared as a number first: casting 1e300 to an integer is undefined. */
	if (!(iter >= 1 && iter <= SCRAM_SERVER_MAX_ITER) || iter != (lua_Number)(int)iter) {
		snprintf(msg, sizeof(msg), "iterations: a whole number from 1 to %d",
		    SCRAM_SERVER_MAX_ITER);
		return larg_error(L, 4, msg);
	}
	return push_result(L, &b, scram_server_first(s, pw, plen, (const unsigned char *)salt,
	    slen, (int)iter, snonce, &b));
}

/* s:server_final(client_final): true/false and server-final-message, or
 * nil and why for a malformed message. */
static int
l_server_final(lua_State *L)
{
	struct scram	*s = check_scram(L);
	size_t		 n;
	const char	*cf = larg_checklstring(L, 2, &n);
	struct buf		 b = BUF_INIT;
	char			 err[SASL_ERR_MAX];
	enum sasl_status	 rc = scram_server_final(s, cf, n, &b, err, sizeof(err));

	if (rc == SASL_MALFORMED) {
		buf_free(&b);
		return fail2(L, err);
	}
	lua_pushboolean(L, rc == SASL_OK);
	push_result(L, &b, rc == SASL_REJECTED ? SASL_OK : rc);
	return 2;
}

/* core.scram_redact(line): a "334 <base64 SCRAM message>" line as a
 * record shows it (core/sasl.h), or nil when it carries no base64. */
static int
l_scram_redact(lua_State *L)
{
	size_t		 n;
	const char	*line = larg_checklstring(L, 1, &n);
	struct buf	 b = BUF_INIT;
	int		 rc = scram_redact_line(line, n, &b);

	if (rc == 0) {
		buf_free(&b);
		lua_pushnil(L);
		return 1;
	}
	return larg_pushbuf(L, &b, rc == -1);
}

void
lsasl_register(lua_State *L)
{
	static const luaL_Reg funcs[] = {
		{ "sasl_plain", l_plain },
		{ "sasl_cram_md5", l_cram_md5 },
		{ "sasl_xoauth2", l_xoauth2 },
		{ "sasl_oauthbearer", l_oauthbearer },
		{ "scram", l_scram },
		{ "random", l_random },
		{ "scram_redact", l_scram_redact },
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

	static const luaL_Reg meta[] = { { "__gc", l_scram_gc }, { NULL, NULL } };
	static const luaL_Reg *const lists[] = { methods, NULL };

	luaL_setfuncs(L, funcs, 0);
	larg_class(L, SCRAM_META, meta, lists);
	lua_pop(L, 1);
}
