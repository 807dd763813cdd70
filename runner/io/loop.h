/*
 * loop.h - the event loop: epoll file events and timers on CLOCK_MONOTONIC.
 *
 * File descriptors are registered once, edge-triggered, for both directions;
 * the owner reads or writes until EAGAIN before it waits, so an edge that
 * arrives while nobody waits is harmless. Timers live in a binary heap and are
 * embedded in their owners (no allocation per timer).
 *
 * Callbacks run inside loop_once(): they may arm or stop timers, but must not
 * free another watched object (they only mark work to do, such as waking a
 * task; the work runs after loop_once returns).
 */
#ifndef SMTPRUN_LOOP_H
#define SMTPRUN_LOOP_H

#include <stddef.h>
#include <stdint.h>

typedef void loop_io_fn(void *arg, uint32_t events);
typedef void loop_timer_fn(void *arg);

struct loop_io {
	int		 fd;
	loop_io_fn	*fn;
	void		*arg;
};

struct loop_timer {
	double		 when;
	size_t		 slot;		/* index in the heap + 1; 0 when not armed */
	loop_timer_fn	*fn;
	void		*arg;
};

struct loop;

struct loop *loop_new(void);
void	loop_free(struct loop *lp);
/* Watches io->fd (EPOLLIN|EPOLLOUT|EPOLLRDHUP, edge-triggered). Returns 0 or
 * -1 with errno. io must stay valid until loop_del. */
int	loop_add(struct loop *lp, struct loop_io *io);
void	loop_del(struct loop *lp, struct loop_io *io);
/* Arms (or re-arms) a timer to fire once at `when` (mono_now() seconds). */
int	loop_timer_start(struct loop *lp, struct loop_timer *t, double when,
	    loop_timer_fn *fn, void *arg);
void	loop_timer_stop(struct loop *lp, struct loop_timer *t);
/* Waits for events (at most until the next timer; not at all if !block) and
 * runs their callbacks and those of expired timers. Returns the number of
 * callbacks run, or -1 when there is nothing that could ever wake it. */
int	loop_once(struct loop *lp, int block);
/* Number of watched descriptors and armed timers. */
size_t	loop_pending(const struct loop *lp);

#endif
