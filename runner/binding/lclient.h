/*
 * lclient.h - the client role: smtp.connect (core.connect), and on a
 * client session expect and reply: replies read and asserted.
 */
#ifndef SMTPRUN_LCLIENT_H
#define SMTPRUN_LCLIENT_H

#include <lua.h>

/* Sets core.connect and core.session (the client's methods table) on the
 * module table on top of the stack. */
void	lclient_register(lua_State *L);

#endif
