/* watchdog.c - a thread that ends the run when the loop's thread is stuck. */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>

#include "binding/task.h"
#include "core/clock.h"
#include "io/signals.h"
#include "suite/watchdog.h"

#define TICK	0.1	/* seconds between looks */

struct watchdog {
	pthread_t		 thread;
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	int			 quit;
	struct sched		*s;
	double			 grace;
	watchdog_due_fn		*due;
	watchdog_fire_fn	*fire;
	void			*arg;
};

/* SIGINT or SIGTERM: seen by the loop, or waiting for it to read. */
static int
signal_pending(void)
{
	sigset_t	 set;
	int		 signo;

	if ((signo = signals_seen()) != 0)
		return signo;
	if (sigpending(&set) == 0) {
		if (sigismember(&set, SIGTERM))
			return SIGTERM;
		if (sigismember(&set, SIGINT))
			return SIGINT;
	}
	return 0;
}

/* Waits TICK seconds; 0, or 1 when asked to quit. */
static int
nap(struct watchdog *w)
{
	struct timespec	 ts;
	int		 quit;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += (long)(TICK * 1e9);
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&w->mu);
	if (!w->quit)
		pthread_cond_timedwait(&w->cv, &w->mu, &ts);
	quit = w->quit;
	pthread_mutex_unlock(&w->mu);
	return quit;
}

static void *
watch(void *arg)
{
	struct watchdog	*w = arg;
	unsigned long	 serial, last = 0, armed = 0;
	double		 since = 0, sig_since = 0, now, due, from;
	void		*owner;
	int		 signo;

	while (!nap(w)) {
		now = mono_now();
		owner = sched_stepping(w->s, &serial);
		if ((signo = signal_pending()) != 0 && sig_since == 0)
			sig_since = now;
		if (owner == NULL || serial != last) {
			last = serial;		/* a new step (or none): it starts now */
			since = now;
			continue;
		}
		due = signo != 0 ? sig_since : w->due(w->arg, owner);
		if (due <= 0)
			continue;
		/* Past its limit (or a signal): the step's count hook is armed,
		 * so Lua code that computes without waiting stops now. */
		if (now >= due && armed != serial) {
			armed = serial;
			sched_arm(w->s);
		}
		from = due > since ? due : since;
		/* Seized, the step cannot end under fire(): the loop's thread
		 * either stays in it or parks when it comes back. */
		if (now >= from + w->grace && sched_seize(w->s, serial))
			w->fire(w->arg, owner, signo);
	}
	return NULL;
}

struct watchdog *
watchdog_start(struct sched *s, double grace, watchdog_due_fn *due,
    watchdog_fire_fn *fire, void *arg)
{
	struct watchdog	*w;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return NULL;
	w->s = s;
	w->grace = grace;
	w->due = due;
	w->fire = fire;
	w->arg = arg;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	/* We arm the count hook from now on (if the handler cannot be set, it
	 * stays on for every step). */
	sched_arm_on_demand(s, 1);
	if (pthread_create(&w->thread, NULL, watch, w) != 0) {
		sched_arm_on_demand(s, 0);
		pthread_mutex_destroy(&w->mu);
		pthread_cond_destroy(&w->cv);
		free(w);
		return NULL;
	}
	return w;
}

void
watchdog_stop(struct watchdog *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	w->quit = 1;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	free(w);
}
