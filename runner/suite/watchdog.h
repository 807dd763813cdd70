/*
 * watchdog.h - a thread that ends the run when the loop's thread is stuck.
 *
 * Time limits and signals normally act through the loop and, for Lua code
 * that never yields, through the count hook (suite/scenario.c). Neither
 * reaches a long C call (a backtracking string.find, say). The watchdog
 * looks at the scheduler every tenth of a second: when one step of a task
 * has run past its owner's limit (or past a pending SIGINT/SIGTERM) by more
 * than the grace period, it calls fire() on its own thread, which must end
 * the process (suite/runner.c writes the reports and exits).
 */
#ifndef SMTPRUN_WATCHDOG_H
#define SMTPRUN_WATCHDOG_H

struct sched;
struct watchdog;

/* When owner's limit passed or passes (mono_now() seconds; 0: none). Called
 * on the watchdog's thread: it may only read what is safe to read there. */
typedef double watchdog_due_fn(void *arg, void *owner);
/* The step of owner is stuck past its limit (signo: or a signal). Called on
 * the watchdog's thread; does not return. */
typedef void watchdog_fire_fn(void *arg, void *owner, int signo);

/* Starts the thread (SIGINT and SIGTERM must be blocked already). NULL when
 * it cannot: the run goes on without it. */
struct watchdog *watchdog_start(struct sched *s, double grace, watchdog_due_fn *due,
	    watchdog_fire_fn *fire, void *arg);
/* Stops and frees it (NULL: nothing). */
void	watchdog_stop(struct watchdog *w);

#endif
