/* ltls.c - TLS on a session, either role. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "binding/largs.h"
#include "binding/lctx.h"
#include "binding/lerror.h"
#include "binding/lsession.h"
#include "binding/ltls.h"
#include "binding/lwait.h"
#include "io/tls.h"

#define TLS_ERR_MAX	1024	/* a handshake failure, with its advice */

/* Pushes one certificate as a table of its fields. */
static void
push_cert(lua_State *L, const struct tls_cert_info *ci)
{
	static const struct {
		const char	*name;
		size_t		 off;
	} fields[] = {
		{ "subject", offsetof(struct tls_cert_info, subject) },
		{ "issuer", offsetof(struct tls_cert_info, issuer) },
		{ "not_before", offsetof(struct tls_cert_info, not_before) },
		{ "not_after", offsetof(struct tls_cert_info, not_after) },
		{ "sans", offsetof(struct tls_cert_info, sans) },
		{ "sha256", offsetof(struct tls_cert_info, sha256) },
	};
	size_t	 i;

	lua_createtable(L, 0, sizeof(fields) / sizeof(fields[0]));
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		lua_pushstring(L, (const char *)ci + fields[i].off);
		lua_setfield(L, -2, fields[i].name);
	}
}

/* Pushes what the session's TLS is: protocol, cipher, verification, chain. */
static void
push_tls_info(lua_State *L, struct session *s)
{
	struct tls_cert_info	 chain[TLS_CHAIN_MAX];
	const char		*why;
	int			 n, i, v;

	lua_createtable(L, 0, 6);
	lua_pushstring(L, tls_protocol(&s->c));
	lua_setfield(L, -2, "protocol");
	lua_pushstring(L, tls_cipher(&s->c));
	lua_setfield(L, -2, "cipher");
	if ((v = tls_verified(&s->c, &why)) >= 0) {
		lua_pushboolean(L, v);
		lua_setfield(L, -2, "verified");
		lua_pushstring(L, why);
		lua_setfield(L, -2, "verify_error");
	}
	n = tls_peer_chain(&s->c, chain, TLS_CHAIN_MAX);
	lua_createtable(L, n, 0);
	for (i = 0; i < n; i++) {
		push_cert(L, &chain[i]);
		lua_rawseti(L, -2, i + 1);
	}
	lua_setfield(L, -2, "chain");
}

/* The "===" lines that say what TLS was agreed and whom it is with. */
static void
record_tls(struct session *s)
{
	struct tls_cert_info	 chain[1];
	const char		*why;
	int			 v = tls_verified(&s->c, &why);

	tr_printf(s->c.tr, TR_INFO, "TLS started: %s, %s", tls_protocol(&s->c),
	    tls_cipher(&s->c));
	if (tls_peer_chain(&s->c, chain, 1) == 1) {
		tr_printf(s->c.tr, TR_INFO, "peer certificate: subject %s, issuer %s",
		    chain[0].subject, chain[0].issuer);
		tr_printf(s->c.tr, TR_INFO, "  valid %s to %s; %s", chain[0].not_before,
		    chain[0].not_after, chain[0].sans[0] ? chain[0].sans : "no SANs");
	}
	if (v == 1)
		tr_printf(s->c.tr, TR_INFO, "certificate verified");
	else if (v == 0 && !tls_verify_enabled(&s->c))
		tr_printf(s->c.tr, TR_INFO, "certificate NOT verified (verify=false): "
		    "it would have failed: %s", why);
	else if (v == 0)
		tr_printf(s->c.tr, TR_INFO, "certificate NOT verified: %s", why);
}

/* Stack: 1 session, 2 opts, 3 the plaintext discarded. */
static int
tls_k(lua_State *L, int status, lua_KContext kctx)
{
	struct session	*s = session_check(L, 1);
	char		 err[TLS_ERR_MAX];

	(void)status;
	(void)kctx;
	if (!conn_is_open(&s->c))
		return session_fail(L, s, "closed", "session closed during the TLS handshake");
	switch (tls_handshake(&s->c, err, sizeof(err))) {
	case TLS_DONE:
		PHASE(s, phase_tls_end);
		record_tls(s);
		push_tls_info(L, s);
		lua_pushvalue(L, 3);
		lua_setfield(L, -2, "discarded");
		return lwait_done(L, 1);
	case TLS_FAIL:
		/* The stream is in an unknown state: nothing more can be said on it. */
		session_close(s, NULL);
		return session_fail(L, s, "tls", "%s", err);
	default:
		if (!lwait_expired(L))
			return lwait_yield(L, &s->c.waiter, 0, tls_k);
		/* Half a handshake: the connection cannot be used any more. */
		session_close(s, NULL);
		return session_fail(L, s, "timeout", "timed out after %g s in the TLS "
		    "handshake with %s port %s", lwait_timeout(L), s->host, s->port);
	}
}

/* The TLS options of the table at 2 (values stay on the stack). */
static void
read_opts(lua_State *L, struct session *s, struct tls_opts *o)
{
	const char	*ca;

	memset(o, 0, sizeof(*o));
	o->server = s->server;
	o->verify = !s->server && !s->ctx->set.insecure;
	o->cafile = s->server ? NULL : s->ctx->set.cafile;
	if (lua_getfield(L, 2, "verify") != LUA_TNIL)
		o->verify = lua_toboolean(L, -1);
	if (lua_getfield(L, 2, "sni") == LUA_TBOOLEAN && !lua_toboolean(L, -1))
		o->sni = "";
	else if (lua_type(L, -1) == LUA_TSTRING)
		o->sni = lua_tostring(L, -1);
	if (lua_getfield(L, 2, "request_cert") != LUA_TNIL)
		o->request_cert = o->verify = lua_toboolean(L, -1);
	if ((ca = larg_string(L, 2, "cafile")) != NULL)
		o->cafile = ca;
	o->capath = larg_string(L, 2, "capath");
	o->verify_name = larg_string(L, 2, "verify_name");
	o->cert = larg_string(L, 2, "cert");
	o->key = larg_string(L, 2, "key");
	o->cert_pem = larg_string(L, 2, "cert_pem");
	o->key_pem = larg_string(L, 2, "key_pem");
	o->min_version = larg_string(L, 2, "min_version");
	o->max_version = larg_string(L, 2, "max_version");
	o->ciphers = larg_string(L, 2, "ciphers");
	o->ciphersuites = larg_string(L, 2, "ciphersuites");
	if (!s->server && (o->verify_name == NULL || *o->verify_name == '\0'))
		o->verify_name = s->host;
}

/* Plaintext that came before the handshake is not part of TLS: it is
 * discarded and reported (CVE-2011-0411), unless keep_plaintext says so.
 * Pushes what was dropped ("" when nothing was): the result's `discarded`. */
static void
drop_plaintext(lua_State *L, struct session *s)
{
	struct buf	 ex = BUF_INIT;
	size_t		 pending = lb_pending(&s->c.in);
	int		 keep;

	lua_getfield(L, 2, "keep_plaintext");
	keep = lua_toboolean(L, -1);
	lua_pop(L, 1);
	if (pending == 0 || keep) {
		lua_pushliteral(L, "");
		return;
	}
	lua_pushlstring(L, lb_peek(&s->c.in), pending);
	tr_printf(s->c.tr, TR_ERROR, "discarded %zu byte%s the %s sent after %s "
	    "and before TLS (STARTTLS command injection, CVE-2011-0411)", pending,
	    pending == 1 ? "" : "s", s->server ? "client" : "server",
	    s->server ? "STARTTLS" : "its 220 to STARTTLS");
	esc_excerpt(&ex, lb_peek(&s->c.in), pending, EXCERPT);
	tr_printf(s->c.tr, TR_INFO, "discarded: \"%s\" (%zu byte%s, never read as "
	    "commands or replies)", buf_cstr(&ex), pending, pending == 1 ? "" : "s");
	buf_free(&ex);
	lb_drop(&s->c.in, pending);
}

/*
 * s:tls_handshake([opts]): TLS on the live connection (after STARTTLS's 220,
 * or at once for implicit TLS). Bytes that arrived before the handshake are
 * never taken as TLS data: the result's `discarded` holds them.
 */
static int
l_tls_handshake(lua_State *L)
{
	struct session	*s = session_check_open(L, 1);
	struct tls_opts	 o;
	char		 where[HOST_SIZE + PORT_SIZE + 4], err[TLS_ERR_MAX];

	if (s->c.tls != NULL)
		return lerr_raise(L, "usage", "TLS is already active on this session");
	if (!larg_opts(L, 2)) {
		lua_settop(L, 1);
		lua_newtable(L);
	}
	lua_settop(L, 2);
	lua_pushnil(L);			/* 3: what drop_plaintext drops */
	read_opts(L, s, &o);
	session_begin(L, s, 2);
	drop_plaintext(L, s);
	lua_replace(L, 3);
	if (!s->server && !o.verify) {
		tr_printf(s->c.tr, TR_INFO, "certificate verification off (%s)",
		    s->ctx->set.insecure ? "--insecure" : "verify=false");
		s->ctx->insecure++;	/* the reports say so too */
		s->unverified = 1;	/* and of each case that uses it */
	}
	snprintf(where, sizeof(where), strchr(s->host, ':') ? "[%s]:%s" : "%s:%s",
	    s->host, s->port);
	if (tls_start(&s->c, &o, where, err, sizeof(err)) == -1)
		return lerr_raise_recorded(L, s->c.tr, "setup", "%s", err);
	PHASE(s, phase_tls_begin);
	lua_settop(L, 3);
	return tls_k(L, LUA_OK, 0);
}

/* s:tls_info(): nil before TLS. */
static int
l_tls_info(lua_State *L)
{
	struct session	*s = session_check(L, 1);

	if (!conn_secure(&s->c))
		return 0;
	push_tls_info(L, s);
	return 1;
}

const luaL_Reg ltls_methods[] = {
	{ "tls_handshake", l_tls_handshake },
	{ "tls_info", l_tls_info },
	{ NULL, NULL }
};
