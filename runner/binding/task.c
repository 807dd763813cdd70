/* task.c - tasks and their scheduler: Lua coroutines resumed by the event loop. */
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>

#include "binding/task.h"

struct task {
	struct sched		*s;
	uint64_t		 serial;	/* never reused: tells tasks apart */
	void			**handle;	/* cleared when the task is freed */
	lua_State		*L;		/* the coroutine */
	lua_State		*home;		/* the state holding the reference */
	int			 ref;
	void			*owner;
	task_done_fn		*done;
	void			*done_arg;
	struct loop_timer	 timer;
	struct {
		double		 deadline;
		double		 timeout;
		uint64_t	*claim;		/* holds our serial, or NULL */
		void		(*abandon)(void *);	/* freed mid-call */
		void		*abandon_arg;
	}			 call;		/* the waiting call we are in */
	void			**slot;		/* who points at us while we wait */
	size_t			 spent;		/* work done since the last resume */
	int			 waiting;
	int			 queued;
	int			 started;
	int			 nargs;		/* for the first resume */
	struct task		*next_ready;
	struct task		*prev, *next;	/* all tasks */
};

struct sched {
	struct loop	*lp;
	uint64_t	 serials;
	struct task	*ready_head, *ready_tail;
	size_t		 nready;	/* tasks in the ready queue */
	struct task	*all;
	size_t		 ntasks;
	/* The step running now, for a watchdog on another thread: its
	 * owner, and a word (serial << 2 | STEP_RUNNING | STEP_SEIZED). */
	_Atomic(void *)	 step_owner;
	atomic_ulong	 step_word;
	unsigned long	 nsteps;
};

#define STEP_RUNNING	1UL
#define STEP_SEIZED	2UL

struct sched *
sched_new(struct loop *lp)
{
	struct sched	*s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->lp = lp;
	return s;
}

void
sched_free(struct sched *s)
{
	free(s);
}

struct loop *
sched_loop(struct sched *s)
{
	return s->lp;
}

void *
sched_stepping(struct sched *s, unsigned long *serial)
{
	unsigned long	 w = atomic_load(&s->step_word);
	void		*owner = atomic_load(&s->step_owner);

	*serial = w >> 2;
	/* The owner belongs to this step only if the word did not move. */
	if (!(w & STEP_RUNNING) || atomic_load(&s->step_word) != w)
		return NULL;
	return owner;
}

int
sched_seize(struct sched *s, unsigned long serial)
{
	unsigned long	 w = serial << 2 | STEP_RUNNING;

	return atomic_compare_exchange_strong(&s->step_word, &w, w | STEP_SEIZED);
}

size_t
sched_tasks(const struct sched *s)
{
	return s->ntasks;
}

void *
task_owner(const struct task *t)
{
	return t->owner;
}

lua_State *
task_thread(struct task *t)
{
	return t->L;
}

struct task *
task_current(lua_State *L)
{
	return *(struct task **)lua_getextraspace(L);
}

void
task_state_init(lua_State *L)
{
	/* Lua leaves the extra space uninitialised, and every coroutine the
	 * script makes copies the main thread's: none of them is a task. */
	*(struct task **)lua_getextraspace(L) = NULL;
}

void
task_call_begin(struct task *t, double deadline, double timeout, uint64_t *claim)
{
	t->call.deadline = deadline;
	t->call.timeout = timeout;
	t->call.claim = claim;
	t->call.abandon = NULL;
	if (claim != NULL)
		*claim = t->serial;
}

void
task_call_on_abandon(struct task *t, void (*fn)(void *), void *arg)
{
	t->call.abandon = fn;
	t->call.abandon_arg = arg;
}

void
task_call_end(struct task *t)
{
	if (t == NULL)
		return;
	if (t->call.claim != NULL && *t->call.claim == t->serial)
		*t->call.claim = 0;
	t->call.claim = NULL;
	t->call.abandon = NULL;
}

double
task_call_deadline(const struct task *t)
{
	return t->call.deadline;
}

double
task_call_timeout(const struct task *t)
{
	return t->call.timeout;
}

static void
enqueue(struct task *t)
{
	struct sched	*s = t->s;

	if (t->queued)
		return;
	t->queued = 1;
	s->nready++;
	t->next_ready = NULL;
	if (s->ready_tail)
		s->ready_tail->next_ready = t;
	else
		s->ready_head = t;
	s->ready_tail = t;
}

static void
unqueue(struct task *t)
{
	struct sched	*s = t->s;
	struct task	*p, *prev = NULL;

	if (!t->queued)
		return;
	for (p = s->ready_head; p != NULL; prev = p, p = p->next_ready) {
		if (p != t)
			continue;
		if (prev)
			prev->next_ready = p->next_ready;
		else
			s->ready_head = p->next_ready;
		if (s->ready_tail == p)
			s->ready_tail = prev;
		s->nready--;
		break;
	}
	t->queued = 0;
}

struct task *
task_spawn(struct sched *s, lua_State *L, int nargs, void *owner,
    task_done_fn *done, void *arg)
{
	struct task	*t;
	lua_State	*co;

	if ((t = calloc(1, sizeof(*t))) == NULL) {
		lua_pop(L, nargs + 1);
		return NULL;
	}
	co = lua_newthread(L);
	t->ref = luaL_ref(L, LUA_REGISTRYINDEX);
	/* The reference is dropped through the main thread: L itself may be a
	 * coroutine that is long gone by then. */
	lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_MAINTHREAD);
	t->home = lua_tothread(L, -1);
	lua_pop(L, 1);
	*(struct task **)lua_getextraspace(co) = t;
	lua_xmove(L, co, nargs + 1);		/* function and arguments */
	t->s = s;
	t->serial = ++s->serials;
	t->L = co;
	t->owner = owner;
	t->done = done;
	t->done_arg = arg;
	t->nargs = nargs;
	t->next = s->all;
	if (s->all)
		s->all->prev = t;
	s->all = t;
	s->ntasks++;
	enqueue(t);
	return t;
}

static void
task_free(struct task *t)
{
	struct sched	*s = t->s;

	unqueue(t);
	loop_timer_stop(s->lp, &t->timer);
	if (t->slot)
		*t->slot = NULL;
	if (t->handle)
		*t->handle = NULL;
	if (t->call.abandon != NULL) {	/* abandoned mid-call: told once, */
		void (*fn)(void *) = t->call.abandon;

		t->call.abandon = NULL;
		fn(t->call.abandon_arg);	/* nothing can wake us now */
		unqueue(t);
	}
	task_call_end(t);		/* and the claim goes */
	if (t->prev)
		t->prev->next = t->next;
	else
		s->all = t->next;
	if (t->next)
		t->next->prev = t->prev;
	s->ntasks--;
	*(struct task **)lua_getextraspace(t->L) = NULL;
	luaL_unref(t->home, LUA_REGISTRYINDEX, t->ref);
	free(t);
}

static void
on_timer(void *arg)
{
	task_wake(arg);
}

uint64_t
task_serial(const struct task *t)
{
	return t ? t->serial : 0;
}

void
task_set_handle(struct task *t, void **handle)
{
	t->handle = handle;
}

int
task_can_wait(lua_State *L)
{
	return task_current(L) != NULL && lua_isyieldable(L);
}

int
task_spend(lua_State *L, size_t n)
{
	struct task	*t = task_current(L);

	if (t == NULL)
		return 0;
	t->spent += n;
	return t->spent >= TASK_SLICE;
}

int
task_slice_spent(lua_State *L)
{
	struct task	*t = task_current(L);

	return t != NULL && t->spent >= TASK_SLICE;
}

int
task_wait(lua_State *L, void **slot, lua_KContext ctx, lua_KFunction k)
{
	struct task	*t = task_current(L);

	/* Checked before anything changes: a wait that cannot yield must not
	 * leave the task recorded in a slot. Callers check task_can_wait first. */
	if (t == NULL || !lua_isyieldable(L))
		return luaL_error(L, "cannot wait here: network calls must run in the "
		    "scenario itself or in smtp.spawn, not in a coroutine the script made "
		    "or a callback of a C function");
	if (t->spent >= TASK_SLICE) {
		/* More work is there (the socket was not drained, so no edge will
		 * come): not waiting, just runnable again after the loop's turn. */
		enqueue(t);
		return lua_yieldk(L, 0, ctx, k);
	}
	t->waiting = 1;
	t->slot = slot;
	if (slot)
		*slot = t;
	if (t->call.deadline > 0)
		loop_timer_start(t->s->lp, &t->timer, t->call.deadline, on_timer, t);
	return lua_yieldk(L, 0, ctx, k);
}

void
task_wake(void *arg)
{
	struct task	*t = arg;

	if (t == NULL || !t->waiting)
		return;
	t->waiting = 0;
	loop_timer_stop(t->s->lp, &t->timer);
	if (t->slot)
		*t->slot = NULL;
	t->slot = NULL;
	enqueue(t);
}

void
task_kill(struct task *t)
{
	if (t != NULL)
		task_free(t);
}

void
sched_kill_owner(struct sched *s, void *owner)
{
	struct task	*t, *next;

	for (t = s->all; t != NULL; t = next) {
		next = t->next;
		if (t->owner == owner)
			task_free(t);
	}
}

static void
step(struct task *t)
{
	unsigned long	 serial;
	int		 status, nres, nargs;

	nargs = t->started ? 0 : t->nargs;
	t->started = 1;
	t->spent = 0;		/* a new slice */
	serial = ++t->s->nsteps;
	atomic_store(&t->s->step_owner, t->owner);
	atomic_store(&t->s->step_word, serial << 2 | STEP_RUNNING);
	status = lua_resume(t->L, NULL, nargs, &nres);
	if (atomic_exchange(&t->s->step_word, serial << 2) & STEP_SEIZED)
		for (;;)
			pause();	/* the watchdog ends the process */
	atomic_store(&t->s->step_owner, NULL);
	if (status == LUA_YIELD) {
		lua_pop(t->L, nres);
		/* A bare coroutine.yield(): just let the others run first. */
		if (!t->waiting)
			enqueue(t);
		return;
	}
	t->done(t, status, t->done_arg);
	task_free(t);
}

void
sched_run(struct sched *s, int (*stop)(void *), void *arg)
{
	struct task	*t;
	size_t		 n;

	while (s->ntasks > 0 && (stop == NULL || !stop(arg))) {
		/* One round: at most as many steps as tasks are ready now, not
		 * those they make ready, so a task that yields in a loop cannot
		 * starve the loop's events (counted, not marked: a task of this
		 * round may kill another one before its turn). */
		for (n = s->nready; n > 0 && (t = s->ready_head) != NULL; n--) {
			s->ready_head = t->next_ready;
			if (s->ready_head == NULL)
				s->ready_tail = NULL;
			t->queued = 0;
			s->nready--;
			step(t);
			if (stop != NULL && stop(arg))
				return;
		}
		if (s->ntasks == 0)
			break;
		if (loop_once(s->lp, s->ready_head == NULL) == -1)
			break;		/* nothing can wake the rest: should not happen */
	}
}
