/*
 * task.h - tasks and their scheduler: Lua coroutines resumed by the event loop.
 *
 * Every scenario, and later every spawned function, is a task: a coroutine
 * with a slot on the ready queue. A C function that must wait for the network
 * arms its wake-up (a descriptor's readiness through its owner, a deadline
 * through the task's timer) and ends with task_wait(), which yields with a
 * continuation; the loop resumes the coroutine and the continuation finishes
 * the work. Waking only queues the task: coroutines are resumed from
 * sched_run(), never from inside a loop callback.
 */
#ifndef SMTPRUN_TASK_H
#define SMTPRUN_TASK_H

#include <stdint.h>

#include <lua.h>

#include "loop.h"

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
void	*task_owner(struct task *t);
/* The task running on coroutine L, or NULL (the main thread, or a coroutine
 * the script made itself). */
struct task *task_current(lua_State *L);

/*
 * Yields the running task until task_wake() or the deadline (mono_now()
 * seconds; 0: none). *slot is set to the task and cleared again when it
 * wakes or is killed, so whatever holds the slot never points at a dead task.
 * Must be the last call of a lua_CFunction ("return task_wait(...)"); the
 * continuation k checks the world again (the deadline may have passed).
 */
int	task_wait(lua_State *L, double deadline, void **slot, lua_KContext ctx,
	    lua_KFunction k);
/* True when the running coroutine is a task that may wait (not inside a
 * C call that cannot yield, nor a coroutine the script made). */
int	task_can_wait(lua_State *L);
/* Tasks have serial numbers that are never reused; sched_alive says whether
 * the task with this one is still there. */
uint64_t task_serial(const struct task *t);
int	sched_alive(const struct sched *s, uint64_t serial);
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

#endif
