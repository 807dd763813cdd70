/* sched_test.c - the scheduler: tasks run round-robin from the ready
 * queue, a waiting task runs again only when woken or at its deadline, a
 * killed task never runs again and releases what its call claimed. */
#include <string.h>

#include "unit.h"
#include <lauxlib.h>
#include <lualib.h>

#include "binding/task.h"
#include "core/clock.h"
#include "io/loop.h"

struct world {
	lua_State	*L;
	struct loop	*lp;
	struct sched	*s;
	int		 done;		/* done callbacks run */
	int		 last_status;
	void		*slot;		/* where waiting tasks register */
	uint64_t	 claim;		/* what waiting tasks claim */
};

static struct world *W;

static int
setup(void **state)
{
	static struct world	 w;

	memset(&w, 0, sizeof(w));
	w.L = luaL_newstate();
	luaL_openlibs(w.L);
	task_state_init(w.L);
	w.lp = loop_new();
	w.s = sched_new(w.lp);
	W = &w;
	*state = &w;
	return 0;
}

static int
teardown(void **state)
{
	struct world	*w = *state;

	lua_close(w->L);
	sched_free(w->s);
	loop_free(w->lp);
	return 0;
}

static void
on_done(struct task *t, int status, void *arg)
{
	struct world	*w = arg;

	(void)t;
	w->done++;
	w->last_status = status;
}

static int
wait_k(lua_State *L, int status, lua_KContext ctx)
{
	(void)status;
	(void)ctx;
	task_call_end(task_current(L));
	lua_pushstring(L, "woken");
	return 1;
}

/* park(seconds): a call that claims W->claim and waits in W->slot until
 * woken or for that long (0: no deadline). */
static int
l_park(lua_State *L)
{
	double	 sec = luaL_checknumber(L, 1);

	task_call_begin(task_current(L), sec > 0 ? mono_now() + sec : 0, sec, &W->claim);
	return task_wait(L, &W->slot, 0, wait_k);
}

/* Spawns the Lua function in code as a task. */
static struct task *
spawn(struct world *w, const char *code, void *owner)
{
	assert_int_equal(luaL_loadstring(w->L, code), LUA_OK);
	return task_spawn(w->s, w->L, 0, owner, on_done, w);
}

static void
test_ready_tasks_take_turns(void **state)
{
	struct world	*w = *state;

	lua_newtable(w->L);
	lua_setglobal(w->L, "log");
	spawn(w, "for i = 1, 3 do log[#log + 1] = 'a'; coroutine.yield() end", NULL);
	spawn(w, "for i = 1, 3 do log[#log + 1] = 'b'; coroutine.yield() end", NULL);
	spawn(w, "for i = 1, 3 do log[#log + 1] = 'c'; coroutine.yield() end", NULL);
	assert_int_equal(sched_tasks(w->s), 3);
	sched_run(w->s, NULL, NULL);
	assert_int_equal(sched_tasks(w->s), 0);
	assert_int_equal(w->done, 3);
	assert_int_equal(luaL_dostring(w->L, "return table.concat(log)"), LUA_OK);
	assert_string_equal(lua_tostring(w->L, -1), "abcabcabc");
}

static int
stop_when_parked(void *arg)
{
	return ((struct world *)arg)->slot != NULL;
}

static void
test_a_waiting_task_runs_when_woken(void **state)
{
	struct world	*w = *state;
	struct task	*t;

	lua_pushcfunction(w->L, l_park);
	lua_setglobal(w->L, "park");
	t = spawn(w, "got = park(0)", NULL);
	sched_run(w->s, stop_when_parked, w);
	assert_ptr_equal(w->slot, t);			/* in the slot, asleep */
	assert_int_equal(w->claim, task_serial(t));	/* and its call claims */
	assert_int_equal(w->done, 0);
	task_wake(w->slot);
	assert_null(w->slot);				/* woken: slot cleared */
	sched_run(w->s, NULL, NULL);
	assert_int_equal(w->done, 1);
	assert_int_equal(w->last_status, LUA_OK);
	assert_int_equal(w->claim, 0);			/* the call ended */
	assert_int_equal(lua_getglobal(w->L, "got"), LUA_TSTRING);
	assert_string_equal(lua_tostring(w->L, -1), "woken");
}

static void
test_a_waiting_task_runs_at_its_deadline(void **state)
{
	struct world	*w = *state;
	double		 t0 = mono_now();

	lua_pushcfunction(w->L, l_park);
	lua_setglobal(w->L, "park");
	spawn(w, "park(0.05)", NULL);
	sched_run(w->s, NULL, NULL);			/* nobody wakes it but the timer */
	assert_int_equal(w->done, 1);
	assert_true(mono_now() - t0 >= 0.05);
	assert_null(w->slot);
}

static void
test_a_killed_task_never_runs_and_releases_its_claim(void **state)
{
	struct world	*w = *state;
	struct task	*t;
	void		*handle;

	lua_pushcfunction(w->L, l_park);
	lua_setglobal(w->L, "park");
	t = spawn(w, "park(0); ran_on = true", NULL);
	task_set_handle(t, &handle);
	handle = t;
	sched_run(w->s, stop_when_parked, w);
	assert_int_equal(w->claim, task_serial(t));
	task_kill(t);
	assert_null(handle);				/* the holder learns it is gone */
	assert_null(w->slot);
	assert_int_equal(w->claim, 0);
	assert_int_equal(sched_tasks(w->s), 0);
	sched_run(w->s, NULL, NULL);
	assert_int_equal(w->done, 0);			/* done is not called */
	assert_int_equal(lua_getglobal(w->L, "ran_on"), LUA_TNIL);
}

static void
test_killing_an_owner_spares_the_others(void **state)
{
	struct world	*w = *state;
	int		 a, b;

	lua_newtable(w->L);
	lua_setglobal(w->L, "log");
	spawn(w, "coroutine.yield(); log[#log + 1] = 'a'", &a);
	spawn(w, "coroutine.yield(); log[#log + 1] = 'b'", &b);
	spawn(w, "coroutine.yield(); log[#log + 1] = 'a'", &a);
	sched_kill_owner(w->s, &a);
	assert_int_equal(sched_tasks(w->s), 1);
	sched_run(w->s, NULL, NULL);
	assert_int_equal(luaL_dostring(w->L, "return table.concat(log)"), LUA_OK);
	assert_string_equal(lua_tostring(w->L, -1), "b");
}

static void
test_an_error_reaches_the_done_callback(void **state)
{
	struct world	*w = *state;

	spawn(w, "error('boom')", NULL);
	sched_run(w->s, NULL, NULL);
	assert_int_equal(w->done, 1);
	assert_int_equal(w->last_status, LUA_ERRRUN);
}

/* What a watchdog on another thread sees from inside a step. */
static unsigned long	 seen_serial;
static void		*seen_owner;
static int		 stale_seized;

static int
l_look(lua_State *L)
{
	seen_owner = sched_stepping(W->s, &seen_serial);
	stale_seized = sched_seize(W->s, seen_serial - 1);
	(void)L;
	return 0;
}

/* The watchdog acts on a stuck step only after seizing it, and a step that
 * ended (or an older one) cannot be seized: the loop's thread, back from
 * it, cannot race the watchdog's reports. */
static void
test_only_the_running_step_can_be_seized(void **state)
{
	struct world	*w = *state;
	int		 owner;
	unsigned long	 serial;

	lua_register(w->L, "look", l_look);
	spawn(w, "coroutine.yield(); look()", &owner);
	assert_null(sched_stepping(w->s, &serial));
	sched_run(w->s, NULL, NULL);
	assert_int_equal(w->done, 1);
	assert_ptr_equal(seen_owner, &owner);
	assert_true(seen_serial >= 2);
	assert_false(stale_seized);
	assert_null(sched_stepping(w->s, &serial));
	assert_false(sched_seize(w->s, seen_serial));
}

UNIT_MAIN(
	cmocka_unit_test_setup_teardown(test_ready_tasks_take_turns, setup, teardown),
	cmocka_unit_test_setup_teardown(test_a_waiting_task_runs_when_woken, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(test_a_waiting_task_runs_at_its_deadline, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(
	    test_a_killed_task_never_runs_and_releases_its_claim, setup, teardown),
	cmocka_unit_test_setup_teardown(test_killing_an_owner_spares_the_others, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(test_an_error_reaches_the_done_callback, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(test_only_the_running_step_can_be_seized, setup,
	    teardown)
)
