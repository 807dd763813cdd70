/*
 * llistener.h - smtp.listen (core.listen) and the listener userdata:
 * l:accept gives the next client as a server session (binding/lserver.h).
 */
#ifndef SMTPRUN_LLISTENER_H
#define SMTPRUN_LLISTENER_H

#include <lua.h>

/* Sets core.listen and core.listener (the methods table) on the module
 * table on top of the stack. */
void	llistener_register(lua_State *L);

#endif
