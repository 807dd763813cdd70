/* runner.c - runs scenario files on one event loop and reports on them. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include <dirent.h>
#include "clock.h"
#include "cli.h"
#include "loop.h"
#include "resolve.h"
#include "runner.h"
#include "report.h"
#include "task.h"

static struct {
	struct loop_io	 io;
	int		 signo;		/* the signal that stopped us, or 0 */
} SIG = { { -1, NULL, NULL }, 0 };

static void
on_signal(void *arg, uint32_t events)
{
	struct signalfd_siginfo	 si;

	(void)arg;
	(void)events;
	while (read(SIG.io.fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		if (SIG.signo == 0)
			SIG.signo = (int)si.ssi_signo;
}

/* SIGINT and SIGTERM become loop events. */
static int
signals_init(struct loop *lp)
{
	sigset_t	 set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
		return -1;
	if ((SIG.io.fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) == -1)
		return -1;
	SIG.io.fn = on_signal;
	return loop_add(lp, &SIG.io);
}

static void
signals_shutdown(struct loop *lp)
{
	sigset_t	 set;

	if (SIG.io.fd < 0)
		return;
	loop_del(lp, &SIG.io);
	close(SIG.io.fd);
	SIG.io.fd = -1;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
}

/* ---- transcripts ---- */

/* Appends s to b as a file name part: "/" becomes "-", odd bytes "_". */
static void
name_part(struct buf *b, const char *s, size_t n)
{
	for (; n > 0; s++, n--) {
		char c = *s == '/' ? '-' : (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '.' || *s == '-' || *s == '_' ? *s : '_';
		buf_append(b, &c, 1);
	}
}

/* "dir/a b.lua" [+ case "x y"] -> "<tdir>/dir-a_b--x_y.log". */
static char *
transcript_name(const char *dir, const char *path, const char *name)
{
	struct buf	 b = BUF_INIT;
	const char	*p = path, *dot;
	size_t		 n;

	while (p[0] == '.' && p[1] == '/')
		p += 2;
	while (*p == '/')
		p++;
	dot = strrchr(p, '.');
	n = dot && dot > p && !strchr(dot, '/') ? (size_t)(dot - p) : strlen(p);
	buf_appendstr(&b, dir);
	if (b.len && b.p[b.len - 1] != '/')
		buf_append(&b, "/", 1);
	name_part(&b, p, n);
	if (name != NULL) {
		buf_appendstr(&b, "--");
		name_part(&b, name, strlen(name));
	}
	buf_appendstr(&b, ".log");
	buf_append(&b, "", 1);
	return b.p;
}

static int
open_transcripts(struct run *r)
{
	struct stat	 st;
	size_t		 n = strlen(r->transcript);

	if ((stat(r->transcript, &st) == 0 && S_ISDIR(st.st_mode)) ||
	    (n > 0 && r->transcript[n - 1] == '/')) {
		if (mkdir(r->transcript, 0777) == -1 && errno != EEXIST) {
			fprintf(stderr, "smtprun: cannot create %s: %s\n", r->transcript,
			    strerror(errno));
			return -1;
		}
		r->tr_dir = 1;
		return 0;
	}
	r->tr_fd = open(r->transcript, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND |
	    O_CLOEXEC, 0666);
	if (r->tr_fd == -1) {
		fprintf(stderr, "smtprun: cannot write %s: %s\n", r->transcript,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* The tr_factory: a transcript for a file (name NULL) or one of its cases. */
static struct transcript *
new_transcript(void *arg, const char *path, const char *name)
{
	struct run		*r = arg;
	struct transcript	*tr = calloc(1, sizeof(*tr));
	char			*fname = NULL;
	int			 fd = -1, flags;

	if (tr == NULL)
		return NULL;
	if (r->transcript != NULL && !r->tr_dir) {
		fname = strdup(r->transcript);
		fd = dup(r->tr_fd);
	} else if (r->transcript != NULL) {
		fname = transcript_name(r->transcript, path, name);
		fd = open(fname, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0666);
		if (fd == -1)
			fprintf(stderr, "smtprun: cannot write %s: %s\n", fname, strerror(errno));
	}
	flags = (r->so.live ? TR_F_LIVE : 0) | (r->so.live && r->so.color ? TR_F_COLOR : 0) |
	    (r->so.timestamps ? TR_F_TIMESTAMPS : 0) |
	    (r->so.show_secrets ? TR_F_SHOW_SECRETS : 0) | (r->keep_text ? TR_F_KEEP : 0);
	tr_init(tr, fd, fname, flags);
	free(fname);
	return tr;
}

/* The count hook's question: a signal (read now: Lua may never yield to
 * the loop) or the file's time limit. */
static const char *
should_stop(void *arg, struct scenario *sc)
{
	static char	 why[128];

	(void)arg;
	if (SIG.signo == 0)
		on_signal(NULL, 0);
	if (SIG.signo != 0) {
		snprintf(why, sizeof(why), "stopped by %s", strsignal(SIG.signo));
		return why;
	}
	if (sc->deadline > 0 && mono_now() >= sc->deadline) {
		snprintf(why, sizeof(why), "the file did not finish within its time limit");
		return why;
	}
	return NULL;
}

/* ---- finding the files ---- */

struct files {
	char	**v;
	size_t	 n, cap;
};

static int
add_file(struct files *f, const char *path)
{
	char	**nv;

	if (f->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 16;
		if ((nv = realloc(f->v, f->cap * sizeof(*nv))) == NULL)
			return -1;
		f->v = nv;
	}
	return (f->v[f->n++] = strdup(path)) ? 0 : -1;
}

static int
is_scenario(const char *name)
{
	const char	*dot = strrchr(name, '.');

	return dot != NULL && (strcmp(dot, ".lua") == 0 || strcmp(dot, ".yaml") == 0 ||
	    strcmp(dot, ".yml") == 0 || strcmp(dot, ".smtp") == 0);
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Scenario files under dir, recursively, skipping hidden entries. */
static int
walk(struct files *f, const char *dir)
{
	DIR		*d = opendir(dir);
	struct dirent	*e;
	struct stat	 st;
	struct files	 here = { NULL, 0, 0 };
	char		 path[4096];
	size_t		 i;
	int		 rc = 0;

	if (d == NULL) {
		fprintf(stderr, "smtprun: cannot read directory %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s%s%s", dir,
		    dir[strlen(dir) - 1] == '/' ? "" : "/", e->d_name);
		if (stat(path, &st) == 0 && (S_ISDIR(st.st_mode) ||
		    (S_ISREG(st.st_mode) && is_scenario(e->d_name))))
			add_file(&here, path);
	}
	closedir(d);
	qsort(here.v, here.n, sizeof(*here.v), by_name);
	for (i = 0; i < here.n; i++) {
		if (stat(here.v[i], &st) == 0 && S_ISDIR(st.st_mode))
			rc |= walk(f, here.v[i]);
		else
			add_file(f, here.v[i]);
		free(here.v[i]);
	}
	free(here.v);
	return rc;
}

/* ---- running ---- */

struct slot {
	struct scenario		 sc;
	struct loop_timer	 limit;
	int			 busy;
	int			 over;		/* the file's time limit passed */
};

struct state {
	struct slot	*slots;
	int		 nslots;
};

static void
on_limit(void *arg)
{
	((struct slot *)arg)->over = 1;
}

/* sched_run's stop: a scenario finished or overran, or a signal came. */
static int
something_happened(void *arg)
{
	struct state	*st = arg;
	int		 i;

	if (SIG.signo != 0)
		return 1;
	for (i = 0; i < st->nslots; i++)
		if (st->slots[i].busy && (st->slots[i].sc.done || st->slots[i].over))
			return 1;
	return 0;
}

static int
failed(const struct scenario *sc)
{
	size_t	 i;

	if (sc->outcome == OUT_FAIL || sc->outcome == OUT_ERROR)
		return 1;
	for (i = 0; i < sc->ncases; i++)
		if (sc->cases[i].outcome == OUT_FAIL || sc->cases[i].outcome == OUT_ERROR)
			return 1;
	return 0;
}

int
runner_run(struct run *r, char **paths, int npaths)
{
	struct files	 f = { NULL, 0, 0 };
	struct report	 rp;
	struct state	 st = { NULL, 0 };
	struct loop	*lp = NULL;
	struct sched	*s = NULL;
	struct stat	 sb;
	size_t		 next = 0, i, kept;
	int		 rc = EXIT_USAGE, k, running = 0, stop_starting = 0, setup_err = 0;
	char		 why[200];

	memset(&rp, 0, sizeof(rp));
	r->tr_fd = -1;
	for (k = 0; k < npaths; k++) {
		if (stat(paths[k], &sb) == 0 && S_ISDIR(sb.st_mode)) {
			if (walk(&f, paths[k]) == -1)
				setup_err = 1;
		} else
			add_file(&f, paths[k]);	/* a missing file is reported as it runs */
	}
	if (r->shard_n > 0) {
		for (i = 0, kept = 0; i < f.n; i++) {
			if ((int)(i % (size_t)r->shard_n) == r->shard_k - 1)
				f.v[kept++] = f.v[i];
			else
				free(f.v[i]);
		}
		f.n = kept;
	}
	r->keep_text = r->junit != NULL || r->so.golden != NULL;
	if (r->so.golden != NULL && !r->so.list) {
		if (r->so.update_golden && mkdir(r->so.golden, 0777) == -1 && errno != EEXIST) {
			fprintf(stderr, "smtprun: cannot create %s: %s\n", r->so.golden,
			    strerror(errno));
			goto out;
		}
		if (stat(r->so.golden, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
			fprintf(stderr, "smtprun: --golden %s: no such directory (make it with "
			    "--update-golden)\n", r->so.golden);
			goto out;
		}
	}
	r->so.new_tr = new_transcript;
	r->so.new_tr_arg = r;
	r->so.should_stop = should_stop;
	if (r->transcript != NULL && open_transcripts(r) == -1)
		goto out;
	if (r->json != NULL && (rp.json = fopen(r->json, "w")) == NULL) {
		fprintf(stderr, "smtprun: cannot write %s: %s\n", r->json, strerror(errno));
		goto out;
	}
	if ((lp = loop_new()) == NULL || resolve_init(lp) == -1 ||
	    signals_init(lp) == -1 || (s = sched_new(lp)) == NULL) {
		fprintf(stderr, "smtprun: cannot set up the event loop: %s\n", strerror(errno));
		goto out;
	}
	r->so.color = cli_color(STDERR_FILENO);
	rp.color = cli_color(STDOUT_FILENO);
	rp.live = r->so.live;
	rp.tap = r->tap;
	rp.junit_path = r->junit;
	if (!r->so.list)
		report_init(&rp);
	st.nslots = r->jobs > 0 ? r->jobs : 1;
	if ((st.slots = calloc((size_t)st.nslots, sizeof(*st.slots))) == NULL)
		goto out;

	for (;;) {
		/* Fill the free slots. */
		for (k = 0; k < st.nslots && !stop_starting && SIG.signo == 0; k++) {
			struct slot *sl = &st.slots[k];
			if (sl->busy || next >= f.n)
				continue;
			sl->busy = 1;
			sl->over = 0;
			scenario_start(&sl->sc, s, f.v[next++], &r->so);
			if (r->file_timeout > 0) {
				sl->sc.deadline = mono_now() + r->file_timeout;
				loop_timer_start(lp, &sl->limit, sl->sc.deadline, on_limit, sl);
			}
			running++;
		}
		if (running == 0)
			break;
		if (!something_happened(&st))
			sched_run(s, something_happened, &st);
		/* Settle what happened. */
		for (k = 0; k < st.nslots; k++) {
			struct slot *sl = &st.slots[k];
			if (!sl->busy)
				continue;
			if (!sl->sc.done && sl->over) {
				snprintf(why, sizeof(why), "the file did not finish within its "
				    "time limit of %g s", r->file_timeout);
				scenario_stop(&sl->sc, OUT_ERROR, why);
			} else if (!sl->sc.done && SIG.signo != 0) {
				snprintf(why, sizeof(why), "stopped by %s", strsignal(SIG.signo));
				scenario_stop(&sl->sc, r->interrupt_ok ? OUT_PASS : OUT_ERROR, why);
				if (r->interrupt_ok) {
					free(sl->sc.message);
					sl->sc.message = strdup("");
				}
			} else if (!sl->sc.done && sched_tasks(s) == 0) {
				scenario_stop(&sl->sc, OUT_ERROR, "internal error: the scenario stalled");
			}
			if (!sl->sc.done)
				continue;
			loop_timer_stop(lp, &sl->limit);
			if (!r->so.list)
				report_scenario(&rp, &sl->sc);
			else if (sl->sc.outcome != OUT_PASS && !sl->sc.unreported) {
				/* A file that cannot even be listed says why. */
				fprintf(stderr, "smtprun: %s: %s\n", sl->sc.path,
				    sl->sc.message ? sl->sc.message : "error");
				setup_err = 1;
			}
			if (r->fail_fast && failed(&sl->sc))
				stop_starting = 1;
			scenario_free(&sl->sc, s);
			sl->busy = 0;
			running--;
		}
		/* --fail-fast: what is still running stops too. */
		if (stop_starting)
			for (k = 0; k < st.nslots; k++)
				if (st.slots[k].busy && !st.slots[k].sc.done)
					scenario_stop(&st.slots[k].sc, OUT_ERROR,
					    "stopped: an earlier case failed (--fail-fast)");
	}
	if (r->so.list) {
		rc = setup_err ? EXIT_USAGE : EXIT_PASS;
		goto out;
	}
	if (report_finish(&rp, SIG.signo != 0 && !r->interrupt_ok) == -1)
		setup_err = 1;
	if (SIG.signo != 0 && !r->interrupt_ok)
		rc = 128 + SIG.signo;
	else if (setup_err || rp.n[OUT_ERROR])
		rc = EXIT_USAGE;
	else
		rc = rp.n[OUT_FAIL] ? EXIT_FAILED : EXIT_PASS;
out:
	free(st.slots);
	if (s != NULL)
		sched_free(s);
	if (lp != NULL)
		signals_shutdown(lp);
	resolve_shutdown();
	loop_free(lp);
	if (rp.json != NULL)
		fclose(rp.json);
	report_free(&rp);
	if (r->tr_fd >= 0)
		close(r->tr_fd);
	for (i = 0; i < f.n; i++)
		free(f.v[i]);
	free(f.v);
	return rc;
}
