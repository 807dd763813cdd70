/*
 * lserver.h - the server role: on a server session (accepted by a
 * listener, binding/llistener.h) reply, read_command, expect_command,
 * read_data; and core.format_reply, the one way replies are written.
 *
 * Its transcript markers mirror the client's from its own side: " -> " for
 * the replies it sends, "<-  " for the commands it reads, "<** " for a
 * command that failed expect_command.
 */
#ifndef SMTPRUN_LSERVER_H
#define SMTPRUN_LSERVER_H

#include <lua.h>

/* Sets core.server_session (the methods table) and core.format_reply on
 * the module table on top of the stack. */
void	lserver_register(lua_State *L);

#endif
