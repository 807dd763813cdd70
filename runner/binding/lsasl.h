/*
 * lsasl.h - the SASL mechanisms for Lua: core.sasl_plain, sasl_cram_md5,
 * sasl_xoauth2, sasl_oauthbearer, core.scram(mech) objects (both sides of a
 * SCRAM exchange) and core.random(n).
 */
#ifndef SMTPRUN_LSASL_H
#define SMTPRUN_LSASL_H

#include <lua.h>

/* Adds the functions to the module table on top of the stack. */
void	lsasl_register(lua_State *L);

#endif
