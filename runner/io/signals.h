/*
 * signals.h - SIGINT and SIGTERM as events on the loop (a signalfd), so a
 * run stops cleanly between steps instead of dying inside one.
 *
 * One set per process. While installed, the two signals are blocked and
 * only this reads them; signals_caught() also polls the descriptor, for a
 * Lua script that computes without ever yielding to the loop.
 */
#ifndef SMTPRUN_SIGNALS_H
#define SMTPRUN_SIGNALS_H

struct loop;

/* Blocks SIGINT and SIGTERM and watches them on the loop. 0, or -1 with errno. */
int	signals_init(struct loop *lp);
/* Unblocks them again. */
void	signals_shutdown(struct loop *lp);
/* The first signal that came (0: none yet), as the loop has seen it. */
int	signals_seen(void);
/* The same, reading any pending signal at once (a system call). */
int	signals_caught(void);

#endif
