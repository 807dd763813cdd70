/* signals.c - SIGINT and SIGTERM as events on the loop. */
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "io/loop.h"
#include "io/signals.h"

static struct {
	struct loop_io	 io;
	atomic_int	 signo;		/* the signal that came first, or 0 (read
					 * by the watchdog's thread too) */
} SIG = { { -1, NULL, NULL }, 0 };

static void
on_signal(void *arg, uint32_t events)
{
	struct signalfd_siginfo	 si;

	(void)arg;
	(void)events;
	if (SIG.io.fd < 0)
		return;
	while (read(SIG.io.fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		if (SIG.signo == 0)
			SIG.signo = (int)si.ssi_signo;
}

static void
the_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
}

int
signals_init(struct loop *lp)
{
	sigset_t	 set;

	the_set(&set);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
		return -1;
	if ((SIG.io.fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) == -1)
		return -1;
	SIG.io.fn = on_signal;
	SIG.signo = 0;
	return loop_add(lp, &SIG.io);
}

void
signals_shutdown(struct loop *lp)
{
	sigset_t	 set;

	if (SIG.io.fd < 0)
		return;
	loop_del(lp, &SIG.io);
	close(SIG.io.fd);
	SIG.io.fd = -1;
	the_set(&set);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
}

int
signals_seen(void)
{
	return SIG.signo;
}

int
signals_caught(void)
{
	if (SIG.signo == 0)
		on_signal(NULL, 0);
	return SIG.signo;
}
