/*
 * lcore.h - module "smtprun.core": what lua/smtp.lua builds the scripting
 * API on. This is the one file that knows every part of the binding: each
 * l*.c registers its own functions into the module from here.
 */
#ifndef SMTPRUN_LCORE_H
#define SMTPRUN_LCORE_H

#include <lua.h>

struct smtp_ctx;

/* Makes require("smtprun.core") available in L, a new state; ctx must
 * outlive L. */
void	lcore_open(lua_State *L, struct smtp_ctx *ctx);

#endif
