/*
 * lwait.h - how a binding call waits: the one path of every "blocking" call
 * (connect, send, expect, expect_close, tls_handshake, accept, read_command,
 * read_data, sleep, wait_all, run_case).
 *
 * The call is a lua_CFunction that checks its arguments, calls lwait_begin
 * (the deadline fixed now: a trickling or streaming peer cannot stretch it),
 * and runs its continuation k once. k tries the work without blocking:
 *
 *	for (;;) {
 *		... done?            return lwait_done(L, nresults);
 *		... failed?          return session_fail(L, ...);   (raises)
 *		st = lwait_fill(L, &s->c);   progress? continue;
 *		if (lwait_expired(L)) return ...timeout error...;
 *		return lwait_yield(L, &c->waiter, ctx, k);
 *	}
 *
 * lwait_yield sleeps until whatever holds the slot wakes the task, or the
 * deadline; then k runs again from the top.
 *
 * Fairness (binding/task.h): every read goes through lwait_fill, which
 * counts the bytes against the task's slice and reports CONN_AGAIN, as if
 * nothing had arrived, once the slice is used up or the deadline has
 * passed. So a peer that never pauses still gets the deadline checked at
 * least once per slice, and lwait_yield then gives the loop its turn
 * (timers, signals, the other tasks) before k runs again. The call ends (its claim on the
 * session or listener released) in lwait_done, or in the raise path
 * (lerr_throw), or when the task is abandoned.
 */
#ifndef SMTPRUN_LWAIT_H
#define SMTPRUN_LWAIT_H

#include <stdint.h>

#include <lua.h>

#include "io/conn.h"

/* Starts a call in the running task: a usage error where no task can wait
 * (checked before anything changes); then *claim (NULL: no object) is
 * claimed, and the deadline fixed at now + timeout. */
void	lwait_begin(lua_State *L, uint64_t *claim, double timeout);
/* Sleeps until the slot's owner wakes the task, or the deadline; then k
 * runs again. Must be returned by k. */
int	lwait_yield(lua_State *L, void **slot, lua_KContext ctx, lua_KFunction k);
/* conn_fill for the running call: CONN_AGAIN without reading once the
 * task's slice is used up or the deadline has passed (the caller then
 * checks lwait_expired and yields, as for a socket with nothing to read). */
enum conn_status lwait_fill(lua_State *L, struct conn *c);
/* True once the call's deadline has passed. */
int	lwait_expired(lua_State *L);
/* The timeout the call was given, in seconds (for messages). */
double	lwait_timeout(lua_State *L);
/* Ends the call: returns nresults, for "return lwait_done(L, n)". */
int	lwait_done(lua_State *L, int nresults);
/* True while another call holds the claim (an abandoned task holds none). */
static inline int
lwait_busy(uint64_t claim)
{
	return claim != 0;
}

#endif
