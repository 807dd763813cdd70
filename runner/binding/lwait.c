/* lwait.c - how a binding call waits. */
#include <lauxlib.h>

#include "binding/lerror.h"
#include "binding/lwait.h"
#include "binding/task.h"
#include "core/clock.h"

void
lwait_begin(lua_State *L, uint64_t *claim, double timeout)
{
	if (!task_can_wait(L))
		lerr_raise(L, "usage", "cannot wait here: network calls must run in the "
		    "scenario itself or in smtp.spawn, not in a coroutine the script made "
		    "or a callback of a C function (string.gsub, table.sort, a metamethod)");
	task_call_begin(task_current(L), mono_now() + timeout, timeout, claim);
}

int
lwait_yield(lua_State *L, void **slot, lua_KContext ctx, lua_KFunction k)
{
	return task_wait(L, slot, ctx, k);
}

enum conn_status
lwait_fill(lua_State *L, struct conn *c)
{
	size_t			 before = lb_pending(&c->in);
	enum conn_status	 st;

	if (task_slice_spent(L) || lwait_expired(L))
		return CONN_AGAIN;
	st = conn_fill(c);
	if (st == CONN_OK)
		task_spend(L, lb_pending(&c->in) - before);
	return st;
}

int
lwait_expired(lua_State *L)
{
	return mono_now() >= task_call_deadline(task_current(L));
}

double
lwait_timeout(lua_State *L)
{
	return task_call_timeout(task_current(L));
}

int
lwait_done(lua_State *L, int nresults)
{
	task_call_end(task_current(L));
	return nresults;
}
