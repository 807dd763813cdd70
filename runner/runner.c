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
#include "clock.h"
#include "cli.h"
#include "loop.h"
#include "resolve.h"
#include "runner.h"
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

/* "dir/a b.lua" -> "dir-a_b.log" under the transcript directory. */
static char *
transcript_name(const char *dir, const char *path)
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
	for (; n > 0; p++, n--) {
		char c = *p == '/' ? '-' : (*p == ' ' || *p == '\t') ? '_' : *p;
		buf_append(&b, &c, 1);
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

static int
scenario_fd(struct run *r, const char *path, char **name)
{
	int	 fd;

	*name = NULL;
	if (r->transcript == NULL)
		return -1;
	if (!r->tr_dir) {
		*name = strdup(r->transcript);
		return dup(r->tr_fd);
	}
	*name = transcript_name(r->transcript, path);
	fd = open(*name, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0666);
	if (fd == -1)
		fprintf(stderr, "smtprun: cannot write %s: %s\n", *name, strerror(errno));
	return fd;
}

static void
report(const struct scenario *sc, int color, int live)
{
	static const char *const word[] = { "PASS", "FAIL", "ERROR" };
	static const char *const col[] = { "\033[32m", "\033[31m", "\033[31;1m" };
	struct buf	 tail = BUF_INIT;

	printf("%s%-5s%s %s  (%.2f s)\n", color ? col[sc->outcome] : "",
	    word[sc->outcome], color ? "\033[0m" : "", sc->path, sc->elapsed);
	if (sc->outcome == OUT_PASS)
		return;
	printf("      %s\n", sc->message);
	if (!live && sc->tr.tail_count > 0 && tr_tail(&sc->tr, 6, "        ", &tail) == 0) {
		printf("      last transcript lines:\n%.*s", (int)tail.len, tail.p);
		buf_free(&tail);
	}
}

static int
should_stop(void *arg)
{
	return ((struct scenario *)arg)->done || SIG.signo != 0;
}

int
runner_run(struct run *r, char **files, int nfiles)
{
	struct scenario	 sc;
	struct loop	*lp = NULL;
	struct sched	*s = NULL;
	char		*trname;
	int		 i, fd, color, rc = EXIT_USAGE, ran = 0;
	int		 count[3] = { 0, 0, 0 };

	r->tr_fd = -1;
	if (r->transcript != NULL && open_transcripts(r) == -1)
		goto out;
	if ((lp = loop_new()) == NULL || resolve_init(lp) == -1 ||
	    signals_init(lp) == -1 || (s = sched_new(lp)) == NULL) {
		fprintf(stderr, "smtprun: cannot set up the event loop: %s\n", strerror(errno));
		goto out;
	}
	color = cli_color(STDOUT_FILENO);
	r->so.color = cli_color(STDERR_FILENO);
	for (i = 0; i < nfiles && SIG.signo == 0; i++) {
		fd = scenario_fd(r, files[i], &trname);
		scenario_start(&sc, s, files[i], &r->so, fd, trname);
		free(trname);
		sched_run(s, should_stop, &sc);
		if (!sc.done && SIG.signo != 0) {
			tr_printf(&sc.tr, TR_INFO, "stopped by %s", strsignal(SIG.signo));
			sc.outcome = r->interrupt_ok ? OUT_PASS : OUT_ERROR;
			sc.message = strdup(r->interrupt_ok ? "" : "interrupted");
			sc.elapsed = mono_now() - sc.t0;
			sc.done = 1;
		} else if (!sc.done) {
			sc.outcome = OUT_ERROR;
			sc.message = strdup("internal error: the scenario stalled");
		}
		report(&sc, color, r->so.live);
		fflush(stdout);
		count[sc.outcome]++;
		ran++;
		scenario_free(&sc, s);
	}
	printf("%d scenario%s: %d passed, %d failed, %d error%s\n", ran,
	    ran == 1 ? "" : "s", count[OUT_PASS], count[OUT_FAIL],
	    count[OUT_ERROR], count[OUT_ERROR] == 1 ? "" : "s");
	if (SIG.signo != 0 && !r->interrupt_ok)
		rc = 128 + SIG.signo;
	else
		rc = count[OUT_ERROR] ? EXIT_USAGE : count[OUT_FAIL] ? EXIT_FAILED : EXIT_PASS;
out:
	if (s != NULL)
		sched_free(s);
	if (lp != NULL)
		signals_shutdown(lp);
	resolve_shutdown();
	loop_free(lp);
	if (r->tr_fd >= 0)
		close(r->tr_fd);
	return rc;
}
