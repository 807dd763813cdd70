/*
 * ltls.h - TLS on a session, either role: s:tls_handshake([opts]) (after
 * STARTTLS's 220, or at once for implicit TLS) and s:tls_info().
 */
#ifndef SMTPRUN_LTLS_H
#define SMTPRUN_LTLS_H

#include <lauxlib.h>

/* The methods, added to both roles' metatables (binding/lclient.c,
 * binding/lserver.c). */
extern const luaL_Reg ltls_methods[];

#endif
