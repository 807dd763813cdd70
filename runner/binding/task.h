/*
 * task.h - tasks and their scheduler: Lua coroutines resumed by the event loop.
 *
 * Every scenario, every spawned function and every test case is a task: a
 * coroutine with a slot on the ready queue. A C function that must wait for
 * the network is a call (binding/lwait.h): it fixes its deadline in the task
 * (task_call_begin), arms its wake-up (a descriptor's readiness through its
 * owner, the deadline through the task's timer) and ends with task_wait(),
 * which yields with a continuation; the loop resumes the coroutine and the
 * continuation finishes the work. Waking only queues the task: coroutines
 * are resumed from sched_run(), never from inside a loop callback.
 */
#ifndef SMTPRUN_TASK_H
#define SMTPRUN_TASK_H

#include <stdint.h>

#include <lua.h>

#include "io/loop.h"

struct sched;
struct task;

/* status: LUA_OK when the function returned, else the error status; the error
 * value (or the results) are on top of task_thread(t). Must not close the
 * Lua state the task lives in. */
typedef void task_done_fn(struct task *t, int status, void *arg);

struct sched *sched_new(struct loop *lp);
void	sched_free(struct sched *s);
struct loop *sched_loop(struct sched *s);

/*
 * Starts a task running the function below nargs arguments on top of L (all
 * popped). owner groups tasks for sched_kill_owner(). Returns NULL when out of
 * memory (the values are popped all the same).
 */
struct task *task_spawn(struct sched *s, lua_State *L, int nargs, void *owner,
	    task_done_fn *done, void *arg);
lua_State *task_thread(struct task *t);
void	*task_owner(const struct task *t);
/* The task running on coroutine L, or NULL (the main thread, or a coroutine
 * the script made itself). */
struct task *task_current(lua_State *L);
/* Marks L, a new Lua state, as no task (its coroutines inherit that). */
void	task_state_init(lua_State *L);

/*
 * The call a task is in: at most one at a time. It fixes the deadline
 * (mono_now() seconds) and the timeout it came from (for messages), and may
 * claim an object: *claim holds the task's serial until the call ends,
 * whichever way it ends (task_call_end: it returned or raised; or the task
 * was freed, abandoned mid-call). A non-zero claim therefore always means a
 * live task is in a call on that object.
 */
void	task_call_begin(struct task *t, double deadline, double timeout,
	    uint64_t *claim);
void	task_call_end(struct task *t);
/* fn(arg) is called if the task is freed in the middle of the current call
 * (abandoned: its case's time limit, the end of its file), before the claim
 * goes; the next task_call_begin or task_call_end forgets it. For objects
 * a half-done call leaves out of step (a reply read in part). */
void	task_call_on_abandon(struct task *t, void (*fn)(void *), void *arg);
double	task_call_deadline(const struct task *t);
double	task_call_timeout(const struct task *t);

/*
 * Fairness: a task gives the loop back after TASK_SLICE bytes of work (what
 * its calls read), however fast its peer sends. task_spend() counts work
 * done since the task was last resumed and says when the slice is used up;
 * task_wait() then yields to the loop but keeps the task runnable: it runs
 * again in the next round, after the loop has polled once (timers, other
 * descriptors, signals), without waiting for a descriptor to become ready.
 */
#define TASK_SLICE	(64 * 1024)
/* Adds n to the work done in this slice; true once the slice is used up. */
int	task_spend(lua_State *L, size_t n);
/* True once the running task has used up its slice. */
int	task_slice_spent(lua_State *L);

/*
 * Yields the running task until task_wake() or its call's deadline (or, when
 * its slice is used up, until the next round of the scheduler). *slot
 * (may be NULL) is set to the task and cleared again when it wakes or is
 * killed, so whatever holds the slot never points at a dead task. Must be
 * the last call of a lua_CFunction ("return task_wait(...)"); the
 * continuation k checks the world again (the deadline may have passed).
 */
int	task_wait(lua_State *L, void **slot, lua_KContext ctx, lua_KFunction k);
/* True when the running coroutine is a task that may wait (not inside a
 * C call that cannot yield, nor a coroutine the script made). */
int	task_can_wait(lua_State *L);
/* Tasks have serial numbers that are never reused (0: no task). */
uint64_t task_serial(const struct task *t);
/* *handle is set to NULL when the task is freed (however it ends). */
void	task_set_handle(struct task *t, void **handle);
/* Queues a waiting task to run (a no-op when it is not waiting). */
void	task_wake(void *task);
/* Abandons one task (not the one running): it never runs again, and its
 * done callback is not called. */
void	task_kill(struct task *t);
/* Abandons every task of this owner: they never run again. */
void	sched_kill_owner(struct sched *s, void *owner);
/* Runs tasks and the loop until no task is left or stop() becomes true
 * (checked between steps; may be NULL). */
void	sched_run(struct sched *s, int (*stop)(void *), void *arg);
size_t	sched_tasks(const struct sched *s);
/* For a watchdog on another thread: the owner of the task running now
 * (NULL between steps), and a serial number of its step. */
void	*sched_stepping(struct sched *s, unsigned long *serial);
/* For that watchdog, before it acts on a stuck step: true if the step of
 * that serial is still running, and then it never returns from the step
 * (the thread parks for good: the watchdog must end the process); false
 * if it ended (the loop's thread goes on, the watchdog must not act). */
int	sched_seize(struct sched *s, unsigned long serial);

#endif
