/* runner.c - runs scenario files on one event loop and reports on them. */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "binding/task.h"
#include "core/clock.h"
#include "core/escape.h"
#include "io/loop.h"
#include "io/resolve.h"
#include "io/signals.h"
#include "io/tls_ctx.h"
#include "suite/files.h"
#include "suite/report.h"
#include "suite/runner.h"
#include "suite/transcripts.h"
#include "suite/watchdog.h"

#define STOP_WHY_MAX	200	/* "stopped by Terminated", ... */
#define STUCK_GRACE	1.0	/* s past a limit before the watchdog ends the run */
#define PARK_WAIT_MS	300	/* ms the watchdog waits for the loop's thread to park */

/* A file running, or a free place for one (-j N of them). */
struct slot {
	struct scenario		 sc;
	struct loop_timer	 limit;
	int			 busy;
	int			 over;		/* the file's time limit passed */
};

/* Everything a run holds while it runs. */
struct engine {
	struct run		*r;
	struct files		 files;
	size_t			 next;		/* the next file to start */
	struct transcripts	 ts;
	struct report		 rp;
	int			 reporting;	/* rp is open */
	struct loop		*lp;
	struct sched		*s;
	struct slot		*slots;
	int			 nslots;
	int			 running;
	int			 stop_starting;	/* --fail-fast tripped */
	int			 setup_err;
	struct watchdog		*wd;
	atomic_int		 dying;		/* the watchdog ends the run */
	atomic_int		 parked;	/* the loop's thread saw it */
};

static watchdog_due_fn stuck_due;
static watchdog_fire_fn stuck_fire;

/* The loop's thread, back from a step the watchdog gave up on: it waits
 * for the watchdog to finish the reports and end the process. */
static void
park_if_dying(struct engine *e)
{
	if (e != NULL && atomic_load(&e->dying)) {
		atomic_store(&e->parked, 1);
		for (;;)
			pause();
	}
}

/* The count hook's question: a signal (read now: Lua may never yield to
 * the loop) or the file's time limit. */
static const char *
should_stop(void *arg, struct scenario *sc)
{
	static char	 why[STOP_WHY_MAX];
	int		 signo = signals_caught();

	park_if_dying(arg);
	if (signo != 0) {
		snprintf(why, sizeof(why), "stopped by %s", strsignal(signo));
		return why;
	}
	if (sc->deadline > 0 && mono_now() >= sc->deadline) {
		snprintf(why, sizeof(why), "the file did not finish within its time limit");
		return why;
	}
	return NULL;
}

static void
on_limit(void *arg)
{
	((struct slot *)arg)->over = 1;
}

/* The first of the slot's limits still ahead: the file's, and, until the
 * file's own cases take over (core.run_case), the case limit of the code
 * outside them: a file without test() is one case under --case-timeout.
 * 0: none. */
static double
next_limit(const struct slot *sl)
{
	double	 fd = sl->sc.deadline, cd = sl->sc.ctx.case_deadline;

	if (sl->sc.in_case || cd <= 0)
		return fd;
	return fd > 0 && fd < cd ? fd : cd;
}

/* (Re)arms the slot's timer for next_limit. */
static void
arm_limit(struct engine *e, struct slot *sl)
{
	double	 at = next_limit(sl);

	sl->over = 0;
	if (at > 0)
		loop_timer_start(e->lp, &sl->limit, at, on_limit, sl);
}

/* sched_run's stop: a scenario finished or overran, or a signal came. */
static int
something_happened(void *arg)
{
	struct engine	*e = arg;
	int		 i;

	park_if_dying(e);
	if (signals_seen() != 0)
		return 1;
	for (i = 0; i < e->nslots; i++)
		if (e->slots[i].busy && (e->slots[i].sc.done || e->slots[i].over))
			return 1;
	return 0;
}

static int
failed(const struct scenario *sc)
{
	size_t	 i;

	if (OUTCOMES[sc->outcome].bad)
		return 1;
	for (i = 0; i < sc->ncases; i++)
		if (OUTCOMES[sc->cases[i].outcome].bad)
			return 1;
	return 0;
}

/* ---- before the run ---- */

/* --golden DIR must exist (--update-golden makes it). */
static int
check_golden(const struct run *r)
{
	struct stat	 sb;

	if (r->so.set.golden == NULL || r->so.set.list)
		return 0;
	if (r->so.set.update_golden && mkdir(r->so.set.golden, 0777) == -1 && errno != EEXIST) {
		fprintf(stderr, "smtprun: cannot create %s: %s\n", r->so.set.golden,
		    strerror(errno));
		return -1;
	}
	if (stat(r->so.set.golden, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		fprintf(stderr, "smtprun: --golden %s: no such directory (make it with "
		    "--update-golden)\n", r->so.set.golden);
		return -1;
	}
	return 0;
}

/* Where transcripts and reports go. */
static int
open_sinks(struct engine *e)
{
	struct run		*r = e->r;
	struct report_options	 ro = { r->color_out, r->so.live, r->tap, r->junit, r->json,
				    r->so.set.list, r->check, r->quiet };
	int			 keep = r->junit != NULL || r->so.set.golden != NULL;
	int			 flags;

	flags = (r->so.live ? TR_F_LIVE : 0) | (r->so.live && r->color_err ? TR_F_COLOR : 0) |
	    (r->so.timestamps ? TR_F_TIMESTAMPS : 0) |
	    (r->so.set.show_secrets ? TR_F_SHOW_SECRETS : 0) | (keep ? TR_F_KEEP : 0);
	if (transcripts_open(&e->ts, r->transcript, flags) == -1)
		return -1;
	r->so.new_tr = transcripts_new;
	r->so.new_tr_arg = &e->ts;
	r->so.should_stop = should_stop;
	r->so.should_stop_arg = e;
	if (report_open(&e->rp, &ro) == -1)
		return -1;
	e->reporting = 1;
	return 0;
}

/* The loop, the resolver, the signals and the scheduler. */
static int
open_engine(struct engine *e)
{
	if ((e->lp = loop_new()) == NULL || resolve_init(e->lp) == -1 ||
	    signals_init(e->lp) == -1 || (e->s = sched_new(e->lp)) == NULL) {
		fprintf(stderr, "smtprun: cannot set up the event loop: %s\n", strerror(errno));
		return -1;
	}
	e->nslots = e->r->jobs > 0 ? e->r->jobs : 1;
	if ((e->slots = calloc((size_t)e->nslots, sizeof(*e->slots))) == NULL) {
		fprintf(stderr, "smtprun: out of memory\n");
		return -1;
	}
	/* Without it, time limits still hold for Lua code (the count hook). */
	e->wd = watchdog_start(e->s, STUCK_GRACE, stuck_due, stuck_fire, e);
	return 0;
}

/* ---- during the run ---- */

/* Starts files in the free slots. */
static void
fill_slots(struct engine *e)
{
	struct slot	*sl;
	int		 k;

	for (k = 0; k < e->nslots && !e->stop_starting && signals_seen() == 0; k++) {
		sl = &e->slots[k];
		if (sl->busy || e->next >= e->files.n)
			continue;
		sl->busy = 1;
		sl->over = 0;
		scenario_start(&sl->sc, e->s, e->files.v[e->next++], &e->r->so);
		if (e->r->file_timeout > 0)
			sl->sc.deadline = mono_now() + e->r->file_timeout;
		arm_limit(e, sl);
		e->running++;
	}
}

/* Stops a scenario that overran, was interrupted, or stalled. */
static void
stop_if_due(struct engine *e, struct slot *sl)
{
	char	 why[STOP_WHY_MAX];
	int	 signo = signals_seen();

	if (sl->sc.done)
		return;
	if (sl->over && sl->sc.deadline > 0 && mono_now() >= sl->sc.deadline) {
		snprintf(why, sizeof(why), "the file did not finish within its time limit "
		    "of %g s", e->r->file_timeout);
		scenario_stop(&sl->sc, OUT_ERROR, why);
	} else if (sl->over && next_limit(sl) > 0 && mono_now() >= next_limit(sl)) {
		snprintf(why, sizeof(why), "the code outside test() cases did not finish "
		    "within the case time limit of %g s (--case-timeout)",
		    e->r->so.set.case_timeout);
		scenario_stop(&sl->sc, OUT_ERROR, why);
	} else if (sl->over) {
		arm_limit(e, sl);	/* the cases took over: the file's limit */
	} else if (signo != 0) {
		snprintf(why, sizeof(why), "stopped by %s", strsignal(signo));
		scenario_stop(&sl->sc, e->r->interrupt_ok ? OUT_PASS : OUT_ERROR, why);
		if (e->r->interrupt_ok) {
			free(sl->sc.message);
			sl->sc.message = strdup("");
		}
	} else if (sched_tasks(e->s) == 0)
		scenario_stop(&sl->sc, OUT_ERROR, "internal error: the scenario stalled");
}

/* Reports a finished scenario and frees its slot. */
static void
finish_slot(struct engine *e, struct slot *sl)
{
	loop_timer_stop(e->lp, &sl->limit);
	if (!e->r->so.set.list)
		report_scenario(&e->rp, &sl->sc);
	else if (sl->sc.outcome != OUT_PASS && !sl->sc.unreported) {
		/* --list: a file that cannot even be listed says why (shown
		 * as text: core/escape.h). */
		struct buf	 why = BUF_INIT;
		const char	*m = sl->sc.message ? sl->sc.message : "error";
		size_t		 n = strlen(sl->sc.path);

		if (strncmp(m, sl->sc.path, n) != 0 || m[n] != ':') {
			/* the path once, not "f.yaml: f.yaml:1:2: ..." */
			esc_append(&why, sl->sc.path, n, 0);
			buf_appendstr(&why, ": ");
		}
		esc_append(&why, m, strlen(m), ESC_MULTILINE);
		fprintf(stderr, "smtprun: %s\n", buf_cstr(&why));
		buf_free(&why);
		e->setup_err = 1;
	}
	if (e->r->fail_fast && failed(&sl->sc))
		e->stop_starting = 1;
	scenario_free(&sl->sc, e->s);
	sl->busy = 0;
	e->running--;
}

/* What happened since the last round: scenarios stopped, finished ones
 * reported; with --fail-fast tripped, what still runs stops too. */
static void
settle_slots(struct engine *e)
{
	int	 k;

	for (k = 0; k < e->nslots; k++) {
		if (!e->slots[k].busy)
			continue;
		stop_if_due(e, &e->slots[k]);
		if (e->slots[k].sc.done)
			finish_slot(e, &e->slots[k]);
	}
	if (e->stop_starting)
		for (k = 0; k < e->nslots; k++)
			if (e->slots[k].busy && !e->slots[k].sc.done)
				scenario_stop(&e->slots[k].sc, OUT_ERROR,
				    "stopped: an earlier case failed (--fail-fast)");
}

/* ---- after the run ---- */

static enum run_result
result_of(struct engine *e, int signo)
{
	struct run	*r = e->r;
	int		 interrupted = signo != 0 && !r->interrupt_ok;

	e->reporting = 0;
	if (r->so.set.list) {
		report_abort(&e->rp);
		return e->setup_err ? RUN_SETUP_ERROR : RUN_PASSED;
	}
	if (report_close(&e->rp, interrupted) == -1)
		e->setup_err = 1;
	/* A transcript that could not be written is as bad as a report. */
	if (transcripts_close(&e->ts) == -1)
		e->setup_err = 1;
	if (interrupted) {
		r->signo = signo;
		return RUN_INTERRUPTED;
	}
	if (r->check && e->rp.t.n[OUT_FAIL] && !e->setup_err)
		return RUN_FAILED;	/* something is VULNERABLE, whatever broke */
	if (e->setup_err || e->rp.t.n[OUT_ERROR])
		return RUN_SETUP_ERROR;
	return e->rp.t.n[OUT_FAIL] ? RUN_FAILED : RUN_PASSED;
}

/* The files never started when a signal or the watchdog ended the run are
 * reported as skipped, saying why, so the report of a stopped run still
 * lists every file it was given (not under --list, nor for serve). */
static void
report_not_run(struct engine *e, const char *why)
{
	struct scenario	 sk;

	if (e->r->so.set.list || e->r->interrupt_ok || !e->reporting)
		return;
	for (; e->next < e->files.n; e->next++) {
		memset(&sk, 0, sizeof(sk));
		sk.path = e->files.v[e->next];
		sk.o = &e->r->so;
		sk.outcome = OUT_SKIP;
		sk.message = (char *)why;
		report_scenario(&e->rp, &sk);
	}
}

/* ---- the watchdog's last resort ---- */

/* When the scenario's limit passed: its case's or its file's (0: none).
 * On the watchdog's thread: reads only the atomic deadlines. */
static double
stuck_due(void *arg, void *owner)
{
	struct scenario	*sc = owner;
	double		 fd = sc->deadline, cd = sc->ctx.case_deadline;

	(void)arg;
	if (cd > 0 && (fd <= 0 || cd < fd))
		return cd;
	return fd;
}

/*
 * On the watchdog's thread, while the loop's thread is stuck in a step of
 * owner's (a C call that never returns to Lua): the stuck file and the
 * others still running are stopped and reported, the reports closed, and
 * the process ends. The loop's thread touches none of this while stuck,
 * and parks if it comes back (park_if_dying).
 */
static void
stuck_fire(void *arg, void *owner, int signo)
{
	struct engine	*e = arg;
	struct scenario	*stuck = owner, *sc;
	char		 why[STOP_WHY_MAX * 2], other[STOP_WHY_MAX * 2];
	double		 cd = stuck->ctx.case_deadline;
	enum run_result	 rr;
	int		 k;

	atomic_store(&e->dying, 1);
	/* The loop's thread may be running the script's Lua (catching every
	 * stop) rather than stuck in C: its count hook parks it within a
	 * million instructions; give it that time before touching what it
	 * touches (transcripts, cases). */
	for (k = 0; k < PARK_WAIT_MS && !atomic_load(&e->parked); k++)
		nanosleep(&(struct timespec){ 0, 1000000L }, NULL);
	if (signo != 0)
		snprintf(why, sizeof(why), "stopped by %s", strsignal(signo));
	else if (cd > 0 && mono_now() >= cd)
		snprintf(why, sizeof(why), "the case did not finish within its time "
		    "limit of %g s (--case-timeout)", e->r->so.set.case_timeout);
	else
		snprintf(why, sizeof(why), "the file did not finish within its time "
		    "limit of %g s (--file-timeout)", e->r->file_timeout);
	snprintf(why + strlen(why), sizeof(why) - strlen(why), ", and did not return "
	    "to smtprun within %g s more (stuck in a C call such as a backtracking "
	    "string.find, or catching every stop): the run ends here", STUCK_GRACE);
	fprintf(stderr, "smtprun: %s: %s\n", stuck->path, why);
	snprintf(other, sizeof(other), "not finished: the run ended early (%s was "
	    "stuck in a C call)", stuck->path);
	for (k = 0; k < e->nslots; k++) {
		if (!e->slots[k].busy)
			continue;
		sc = &e->slots[k].sc;
		scenario_stop(sc, signo != 0 && e->r->interrupt_ok ? OUT_PASS : OUT_ERROR,
		    sc == stuck ? why : other);
		if (!e->r->so.set.list)
			report_scenario(&e->rp, sc);
	}
	snprintf(other, sizeof(other), "the run ended early (%s was stuck in a C call) "
	    "before it started", stuck->path);
	report_not_run(e, other);
	if (signo != 0)
		e->r->signo = signo;
	rr = e->reporting ? result_of(e, signo) : RUN_SETUP_ERROR;
	transcripts_close(&e->ts);
	fflush(NULL);
	_exit(e->r->exit_code != NULL ? e->r->exit_code(rr, signo) : 2);
}

static void
close_engine(struct engine *e)
{
	watchdog_stop(e->wd);
	if (e->reporting)
		report_abort(&e->rp);	/* the run never began */
	free(e->slots);
	if (e->s != NULL)
		sched_free(e->s);
	if (e->lp != NULL)
		signals_shutdown(e->lp);
	resolve_shutdown();
	loop_free(e->lp);
	tls_ctx_cache_clear();		/* the TLS contexts this run made */
	transcripts_close(&e->ts);
	files_free(&e->files);
}

enum run_result
runner_run(struct run *r, char **paths, int npaths)
{
	struct engine	 e;
	enum run_result	 rc = RUN_SETUP_ERROR;

	memset(&e, 0, sizeof(e));
	e.r = r;
	e.ts.fd = -1;
	if (files_collect(&e.files, paths, npaths) == -1)
		e.setup_err = 1;
	if (r->shard_n > 0)
		files_shard(&e.files, r->shard_k, r->shard_n);
	if (check_golden(r) == -1 || open_sinks(&e) == -1 || open_engine(&e) == -1)
		goto out;
	for (;;) {
		fill_slots(&e);
		if (e.running == 0)
			break;
		if (!something_happened(&e))
			sched_run(e.s, something_happened, &e);
		settle_slots(&e);
	}
	if (signals_seen() != 0) {
		char	 why[STOP_WHY_MAX];

		snprintf(why, sizeof(why), "the run was stopped by %s before it started",
		    strsignal(signals_seen()));
		report_not_run(&e, why);
	}
	rc = result_of(&e, signals_seen());
out:
	close_engine(&e);
	return rc;
}
