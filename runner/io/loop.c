/* loop.c - the event loop: epoll file events and timers on CLOCK_MONOTONIC. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "core/clock.h"
#include "io/loop.h"

#define MAX_EVENTS	256

struct loop {
	int			 epfd;
	size_t			 nfds;
	struct loop_timer	**heap;
	size_t			 nheap, capheap;
};

struct loop *
loop_new(void)
{
	struct loop	*lp;

	if ((lp = calloc(1, sizeof(*lp))) == NULL)
		return NULL;
	if ((lp->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		free(lp);
		return NULL;
	}
	return lp;
}

void
loop_free(struct loop *lp)
{
	if (lp == NULL)
		return;
	close(lp->epfd);
	free(lp->heap);
	free(lp);
}

int
loop_add(struct loop *lp, struct loop_io *io)
{
	struct epoll_event	 ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
	ev.data.ptr = io;
	if (epoll_ctl(lp->epfd, EPOLL_CTL_ADD, io->fd, &ev) == -1)
		return -1;
	lp->nfds++;
	return 0;
}

void
loop_del(struct loop *lp, struct loop_io *io)
{
	if (epoll_ctl(lp->epfd, EPOLL_CTL_DEL, io->fd, NULL) == 0)
		lp->nfds--;
}

/* ---- timer heap (slots are 1-based in the timers, 0-based in the array) ---- */

static void
heap_set(struct loop *lp, size_t i, struct loop_timer *t)
{
	lp->heap[i] = t;
	t->slot = i + 1;
}

static void
heap_up(struct loop *lp, size_t i)
{
	struct loop_timer	*t = lp->heap[i];

	while (i > 0 && lp->heap[(i - 1) / 2]->when > t->when) {
		heap_set(lp, i, lp->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_set(lp, i, t);
}

static void
heap_down(struct loop *lp, size_t i)
{
	struct loop_timer	*t = lp->heap[i];
	size_t			 c;

	for (;;) {
		c = 2 * i + 1;
		if (c >= lp->nheap)
			break;
		if (c + 1 < lp->nheap && lp->heap[c + 1]->when < lp->heap[c]->when)
			c++;
		if (lp->heap[c]->when >= t->when)
			break;
		heap_set(lp, i, lp->heap[c]);
		i = c;
	}
	heap_set(lp, i, t);
}

void
loop_timer_stop(struct loop *lp, struct loop_timer *t)
{
	size_t			 i;
	struct loop_timer	*last;

	if (t->slot == 0)
		return;
	i = t->slot - 1;
	t->slot = 0;
	last = lp->heap[--lp->nheap];
	if (i == lp->nheap)
		return;
	heap_set(lp, i, last);
	heap_up(lp, i);
	heap_down(lp, last->slot - 1);
}

int
loop_timer_start(struct loop *lp, struct loop_timer *t, double when,
    loop_timer_fn *fn, void *arg)
{
	struct loop_timer	**nh;
	size_t			 ncap;

	loop_timer_stop(lp, t);
	if (lp->nheap == lp->capheap) {
		ncap = lp->capheap ? lp->capheap * 2 : 64;
		if ((nh = realloc(lp->heap, ncap * sizeof(*nh))) == NULL)
			return -1;
		lp->heap = nh;
		lp->capheap = ncap;
	}
	t->when = when;
	t->fn = fn;
	t->arg = arg;
	heap_set(lp, lp->nheap++, t);
	heap_up(lp, lp->nheap - 1);
	return 0;
}

size_t
loop_pending(const struct loop *lp)
{
	return lp->nfds + lp->nheap;
}

int
loop_once(struct loop *lp, int block)
{
	struct epoll_event	 evs[MAX_EVENTS];
	struct loop_io		*io;
	struct loop_timer	*t;
	double			 now, wait;
	int			 timeout = 0, n, i, ran = 0;

	if (block) {
		if (lp->nheap > 0) {
			/* Round up so a timer never fires a little early. */
			wait = (lp->heap[0]->when - mono_now()) * 1000.0;
			timeout = wait <= 0 ? 0 : wait > 3600e3 ? 3600000 : (int)ceil(wait);
		} else if (lp->nfds > 0)
			timeout = -1;
		else
			return -1;
	}
	n = epoll_wait(lp->epfd, evs, MAX_EVENTS, timeout);
	if (n == -1 && errno != EINTR)
		return -1;
	for (i = 0; i < n; i++) {
		io = evs[i].data.ptr;
		io->fn(io->arg, evs[i].events);
		ran++;
	}
	now = mono_now();
	while (lp->nheap > 0 && lp->heap[0]->when <= now) {
		t = lp->heap[0];
		loop_timer_stop(lp, t);
		t->fn(t->arg);
		ran++;
	}
	return ran;
}
