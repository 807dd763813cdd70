/* load.c - one scenario file as many virtual sessions, on N threads. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lualib.h>

#include "binding/lcore.h"
#include "binding/lctx.h"
#include "binding/lerror.h"
#include "binding/lsession.h"
#include "binding/task.h"
#include "core/buf.h"
#include "core/clock.h"
#include "io/loop.h"
#include "io/outfile.h"
#include "io/resolve.h"
#include "io/tls_ctx.h"
#include "io/transcript.h"
#include "suite/load.h"

#define TICK		0.1		/* seconds between a thread's looks around */
#define STOP_GRACE	5.0		/* seconds threads have to stop */
#define MSG_MAX		1024

struct worker;

/* A virtual session: one run of the file. */
struct vsession {
	struct lowner	 own;		/* its transcript and open sessions */
	struct worker	*w;
	int64_t		 g;		/* its number, from 1 */
	double		 due;		/* when it was to start (mono) */
	struct transcript tr;		/* --transcript-errors only */
	struct vsession	*next, **prev;	/* the thread's live ones */
};

struct shared {
	const struct load_opts	*o;
	double			 mono_start;
	atomic_int		 stop;		/* a signal, or a setup error */
	pthread_t		 main;		/* told when a thread ends (SIGUSR1) */
};

struct worker {
	struct shared		*run;
	pthread_t		 th;
	struct loop		*lp;
	struct sched		*sched;
	lua_State		*L;
	struct smtp_ctx		 ctx;
	struct load_stats	 st;
	int			 cap, inflight;
	int64_t			 next_g, stride;
	int			 no_more, need_fill;
	struct loop_timer	 start_timer, tick;
	struct vsession		*live;
	int			 fn_ref, chunk_ref, env_mt_ref, vars_mt_ref;
	int			 lua_file;	/* chunk(env); else chunk() */
	/* Read by the main thread while it runs. */
	atomic_llong		 done, failed;
	atomic_llong		 p99_us;
	atomic_int		 finished;
	double			 ended;		/* mono time its last session ended */
	/* Read by the main thread once it has ended. */
	int			 setup_error;
	char			 message[MSG_MAX];
	int64_t			 first_failed;
	char			 first_failure[MSG_MAX];
	int64_t			 transcripts;
	char			 tr_error[MSG_MAX];
};

static struct lowner *
owner_of(void *owner)
{
	return &((struct vsession *)owner)->own;
}

/* Nothing is reported for spawned tasks: their failures end only them. */
static void
spawn_failed(void *owner, lua_State *co)
{
	(void)owner;
	(void)co;
}


/* ---- one thread's Lua state ---- */

/* The prefix that makes a Lua file's chunk take its globals as its
 * argument: on the first line, so every line keeps its number. */
#define ENV_PREFIX	"local _ENV = ...; "

/* Loads the Lua file at path as a function of its globals (ENV_PREFIX):
 * compiled once, each session calls it with a table of its own. As
 * luaL_loadfile: a first line starting with '#' is skipped (made a
 * comment), a UTF-8 BOM too. LUA_OK, or the error status with the message
 * on the stack. */
static int
load_lua_file(lua_State *L, const char *path)
{
	char		 chunk[BUFSIZ], *p;
	size_t		 n, head = sizeof(ENV_PREFIX);	/* and one byte more */
	int		 rc, bad;
	FILE		*f;
	struct buf	 src = BUF_INIT;

	if ((f = fopen(path, "r")) == NULL) {
		lua_pushfstring(L, "cannot open %s: %s", path, strerror(errno));
		return LUA_ERRFILE;
	}
	buf_append(&src, ENV_PREFIX " ", head);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&src, chunk, n);
	bad = ferror(f);
	fclose(f);
	if (bad || buf_ok(&src) == -1) {
		buf_free(&src);
		lua_pushfstring(L, bad ? "cannot read %s" : "out of memory", path);
		return LUA_ERRFILE;
	}
	p = src.p + head;
	if (src.len - head >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		memset(p, ' ', 3), p += 3;		/* a UTF-8 BOM */
	if (p < src.p + src.len && *p == '#')	/* "#!...": "--!...", a comment */
		p[-1] = p[0] = '-';
	lua_pushfstring(L, "@%s", path);
	rc = luaL_loadbufferx(L, src.p, src.len, lua_tostring(L, -1), "t");
	lua_remove(L, -2);		/* the chunk name */
	buf_free(&src);
	return rc;
}

/* Runs under lua_pcall: the file compiled, the shared tables made. */
static int
compile(lua_State *L)
{
	struct worker	*w = lua_touserdata(L, 1);
	const char	*path = w->run->o->path, *dot = strrchr(path, '.');

	lua_getglobal(L, "require");
	lua_pushstring(L, "smtp.testing");
	lua_call(L, 1, 1);
	lua_getfield(L, -1, "load_session");
	w->fn_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	if (dot == NULL || strcmp(dot, ".lua") == 0) {
		if (load_lua_file(L, path) != LUA_OK)
			return lua_error(L);
		w->chunk_ref = luaL_ref(L, LUA_REGISTRYINDEX);
		w->lua_file = 1;
	} else {
		lua_getfield(L, -1, "load_compile");
		lua_pushstring(L, path);
		lua_call(L, 1, 1);
		if (lua_isnil(L, -1))
			return luaL_error(L, "%s: nothing to run", path);
		w->chunk_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	}
	/* A session's globals fall back on the state's; its vars on the run's. */
	lua_createtable(L, 0, 1);
	lua_pushglobaltable(L);
	lua_setfield(L, -2, "__index");
	w->env_mt_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	lua_createtable(L, 0, 1);
	lua_getglobal(L, "vars");
	lua_setfield(L, -2, "__index");
	w->vars_mt_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	return 0;
}

static int
worker_setup(struct worker *w)
{
	const struct load_opts	*o = w->run->o;
	struct scenario_prep	 prep;

	w->ctx.set = o->so.set;
	w->ctx.sched = w->sched;
	w->ctx.owner = w;
	w->ctx.owner_of = owner_of;
	w->ctx.spawn_failed = spawn_failed;
	w->ctx.load = &w->st;
	if ((w->L = scenario_new_state(&w->ctx)) == NULL) {
		snprintf(w->message, sizeof(w->message), "cannot create a Lua state "
		    "(out of memory)");
		return -1;
	}
	prep.ctx = &w->ctx;
	prep.o = &o->so;
	prep.path = o->path;
	prep.count_hook = 0;
	if (scenario_prepare(w->L, &prep) == -1)
		goto fail;
	lua_pushcfunction(w->L, compile);
	lua_pushlightuserdata(w->L, w);
	if (lua_pcall(w->L, 1, 0, 0) != LUA_OK)
		goto fail;
	return 0;
fail:
	snprintf(w->message, sizeof(w->message), "%s", luaL_tolstring(w->L, -1, NULL));
	return -1;
}

/* ---- sessions ---- */

static void	on_done(struct task *t, int status, void *arg);

static void
vs_free(struct vsession *vs)
{
	if ((*vs->prev = vs->next) != NULL)
		vs->next->prev = vs->prev;
	lsession_close_owned(&vs->own);
	if (vs->own.tr != NULL)
		tr_close(&vs->tr);
	vs->w->inflight--;
	free(vs);
}

static int
start_session(struct worker *w, int64_t g, double due)
{
	lua_State	*L = w->L;
	struct vsession	*vs;

	if ((vs = calloc(1, sizeof(*vs))) == NULL)
		return -1;
	vs->w = w;
	vs->g = g;
	vs->due = due;
	if (w->run->o->transcript_errors != NULL) {
		tr_init(&vs->tr, -1, NULL, TR_F_KEEP |
		    (w->ctx.set.show_secrets ? TR_F_SHOW_SECRETS : 0));
		vs->own.tr = &vs->tr;
		tr_printf(&vs->tr, TR_INFO, "session %lld of %s", (long long)g,
		    w->run->o->path);
	}
	if ((vs->next = w->live) != NULL)
		w->live->prev = &vs->next;
	w->live = vs;
	vs->prev = &w->live;
	w->inflight++;

	lua_rawgeti(L, LUA_REGISTRYINDEX, w->fn_ref);
	lua_rawgeti(L, LUA_REGISTRYINDEX, w->chunk_ref);
	if (w->lua_file) {
		lua_createtable(L, 0, 8);		/* its globals */
		lua_rawgeti(L, LUA_REGISTRYINDEX, w->env_mt_ref);
		lua_setmetatable(L, -2);
		lua_createtable(L, 0, 1);		/* its vars */
		lua_pushinteger(L, (lua_Integer)g);
		lua_setfield(L, -2, "session");
		lua_rawgeti(L, LUA_REGISTRYINDEX, w->vars_mt_ref);
		lua_setmetatable(L, -2);
		lua_setfield(L, -2, "vars");
	} else
		lua_pushnil(L);
	lua_pushstring(L, w->run->o->path);
	if (task_spawn(w->sched, L, 3, vs, on_done, vs) == NULL) {
		vs_free(vs);
		return -1;
	}
	return 0;
}

/* A raw field of the table at idx, as a string copied into out. */
static void
field_str(lua_State *co, int idx, const char *name, char *out, size_t len)
{
	lua_pushstring(co, name);
	lua_rawget(co, idx < 0 ? idx - 1 : idx);
	if (lua_type(co, -1) == LUA_TSTRING)
		snprintf(out, len, "%s", lua_tostring(co, -1));
	lua_pop(co, 1);
}

/* The error on top of co: its kind, the code of the reply that failed it,
 * and a line to show. Raw access only: nothing of the script runs here. */
static void
classify(lua_State *co, int status, char *kind, size_t klen, int *code,
    char *msg, size_t mlen)
{
	char	 at[256] = "", during[16] = "";

	*code = 0;
	snprintf(kind, klen, "%s", status == LUA_ERRMEM ? "memory" : "script");
	snprintf(msg, mlen, "%s", status == LUA_ERRMEM ? "out of memory (--memory-limit "
	    "is per thread)" : "(an error that is not a string)");
	if (lua_type(co, -1) == LUA_TSTRING) {
		snprintf(msg, mlen, "%s", lua_tostring(co, -1));
		return;
	}
	if (lua_type(co, -1) != LUA_TTABLE)
		return;
	field_str(co, -1, "kind", kind, klen);
	field_str(co, -1, "during", during, sizeof(during));
	if (strcmp(during, "connect") == 0)
		snprintf(kind, klen, "connect");	/* the server's, not ours */
	field_str(co, -1, "message", msg, mlen);
	field_str(co, -1, "at", at, sizeof(at));
	lua_pushstring(co, "reply");
	lua_rawget(co, -2);
	if (lua_type(co, -1) == LUA_TTABLE) {
		lua_pushstring(co, "code");
		lua_rawget(co, -2);
		*code = (int)lua_tointeger(co, -1);
		lua_pop(co, 1);
	}
	lua_pop(co, 1);
	if (at[0] != '\0' && strstr(msg, at) == NULL) {
		size_t	 n = strlen(msg);

		snprintf(msg + n, mlen - n, " (at %s)", at);
	}
}

/* --transcript-errors: DIR/session-G.txt. */
static void
keep_transcript(struct worker *w, struct vsession *vs)
{
	char	 path[900], err[512];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/session-%lld.txt", w->run->o->transcript_errors,
	    (long long)vs->g);
	if ((f = out_fopen(path, OUT_PRIVATE, err, sizeof(err))) == NULL) {
		if (w->tr_error[0] == '\0')
			snprintf(w->tr_error, sizeof(w->tr_error), "%s", err);
		return;
	}
	if (vs->tr.all.len > 0) {
		fwrite(vs->tr.all.p, 1, vs->tr.all.len, f);
		if (vs->tr.all.p[vs->tr.all.len - 1] != '\n')
			fputc('\n', f);
	}
	if (out_fclose(f) != 0 && w->tr_error[0] == '\0')
		snprintf(w->tr_error, sizeof(w->tr_error), "cannot write %s: %s", path,
		    strerror(errno));
	else
		w->transcripts++;
}

static void
on_done(struct task *t, int status, void *arg)
{
	struct vsession	*vs = arg;
	struct worker	*w = vs->w;
	lua_State	*co = task_thread(t);
	char		 kind[LS_NAME_MAX], msg[MSG_MAX];
	int		 code;

	w->st.sessions++;
	if (status == LUA_OK)
		ls_record(&w->st, LS_SESSION, ls_usec(mono_now() - vs->due));
	else {
		classify(co, status, kind, sizeof(kind), &code, msg, sizeof(msg));
		if (lerr_is_setup(kind)) {
			/* The scenario itself is broken: every session would say so. */
			if (!w->setup_error) {
				w->setup_error = 1;
				snprintf(w->message, sizeof(w->message), "session %lld: %s",
				    (long long)vs->g, msg);
			}
			atomic_store(&w->run->stop, 1);
		}
		ls_fail(&w->st, kind, code);
		if (w->first_failed == 0 || vs->g < w->first_failed) {
			w->first_failed = vs->g;
			snprintf(w->first_failure, sizeof(w->first_failure), "%s", msg);
		}
		lsession_close_owned(&vs->own);
		if (vs->own.tr != NULL) {
			tr_printf(&vs->tr, TR_ERROR, "session %lld failed (%s): %s",
			    (long long)vs->g, kind, msg);
			keep_transcript(w, vs);
		}
		atomic_fetch_add(&w->failed, 1);
	}
	atomic_fetch_add(&w->done, 1);
	vs_free(vs);
	w->need_fill = 1;
}

static void
wake(void *arg)
{
	((struct worker *)arg)->need_fill = 1;
}

/* Starts the sessions that are due while there is room; arms the timer for
 * the next one that is not due yet. */
static void
fill(struct worker *w)
{
	const struct load_opts	*o = w->run->o;
	double			 now = mono_now(), due, end;

	end = o->duration > 0 ? w->run->mono_start + o->duration : INFINITY;
	while (!w->no_more && w->inflight < w->cap) {
		if (o->sessions > 0 && w->next_g > o->sessions) {
			w->no_more = 1;
			break;
		}
		due = o->rate > 0 ? w->run->mono_start + (double)(w->next_g - 1) / o->rate : now;
		/* Paced: the schedule decides (late sessions still start);
		 * else: none starts past the end. */
		if (due >= end || (o->rate == 0 && now >= end)) {
			w->no_more = 1;
			break;
		}
		if (due > now) {
			loop_timer_start(w->lp, &w->start_timer, due, wake, w);
			break;
		}
		if (start_session(w, w->next_g, due) == -1) {
			snprintf(w->message, sizeof(w->message), "cannot start session %lld: "
			    "out of memory", (long long)w->next_g);
			w->setup_error = 1;
			atomic_store(&w->run->stop, 1);
			w->no_more = 1;
			break;
		}
		w->next_g += w->stride;
	}
}

static void
on_tick(void *arg)
{
	struct worker	*w = arg;
	/* The progress line's p99: a walk of the histogram, only for it. */
	if (w->run->o->progress)
		atomic_store(&w->p99_us, (long long)hist_percentile(
		    &w->st.phases[LS_SESSION].h, 99));
	w->need_fill = 1;
	loop_timer_start(w->lp, &w->tick, mono_now() + TICK, on_tick, w);
}

static int
should_return(void *arg)
{
	return ((struct worker *)arg)->need_fill;
}

static void *
worker_main(void *arg)
{
	struct worker	*w = arg;
	struct vsession	*vs;

	if (worker_setup(w) == -1) {
		w->setup_error = 1;
		atomic_store(&w->run->stop, 1);
		goto out;
	}
	loop_timer_start(w->lp, &w->tick, mono_now() + TICK, on_tick, w);
	for (;;) {
		if (atomic_load(&w->run->stop)) {
			/* Stopped: the sessions in flight are abandoned, not failed. */
			while ((vs = w->live) != NULL) {
				sched_kill_owner(w->sched, vs);
				vs_free(vs);
			}
			break;
		}
		w->need_fill = 0;
		fill(w);
		if (w->no_more && w->inflight == 0)
			break;
		if (sched_tasks(w->sched) > 0)
			sched_run(w->sched, should_return, w);
		else if (loop_once(w->lp, 1) == -1)
			break;
	}
	loop_timer_stop(w->lp, &w->tick);
	loop_timer_stop(w->lp, &w->start_timer);
	w->ended = mono_now();
out:
	return NULL;
}

/* ---- the run ---- */

static double
wall_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
progress_line(const struct load_opts *o, struct worker *ws, int n, double t0, int last)
{
	long long	 done = 0, failed = 0, p99 = 0, v;
	double		 el = mono_now() - t0;
	int		 i;

	for (i = 0; i < n; i++) {
		done += atomic_load(&ws[i].done);
		failed += atomic_load(&ws[i].failed);
		if ((v = atomic_load(&ws[i].p99_us)) > p99)
			p99 = v;
	}
	fprintf(stderr, "\r\033[K%lld", done);
	if (o->sessions > 0)
		fprintf(stderr, "/%lld", (long long)o->sessions);
	fprintf(stderr, " sessions  %.0f/s  %lld failed  p99 %.2f ms  %.1f s",
	    el > 0 ? (double)done / el : 0, failed, (double)p99 / 1000.0, el);
	if (last)
		fputs("\r\033[K", stderr);
	fflush(stderr);
}

/* Waits until the epoch time `at`, or a signal (returned, else 0). */
static int
wait_until(double at, const sigset_t *set)
{
	struct timespec	 ts;
	double		 left;
	int		 sig;

	while ((left = at - wall_now()) > 0) {
		if (left > 0.25)
			left = 0.25;
		ts.tv_sec = (time_t)left;
		ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
		if ((sig = sigtimedwait(set, NULL, &ts)) > 0)
			return sig;
	}
	return 0;
}

static void
collect(struct load_result *res, struct worker *w)
{
	if (ls_add(&res->st, &w->st) == -1)
		fprintf(stderr, "smtprun load: a thread's figures could not be added "
		    "(more than %d phases in all, or out of memory)\n", LS_MAX_PHASES);
	if (w->setup_error && res->end != LOAD_SETUP_ERROR) {
		res->end = LOAD_SETUP_ERROR;
		snprintf(res->message, sizeof(res->message), "%s", w->message);
	}
	if (w->first_failed > 0 && (res->first_failed == 0 || w->first_failed < res->first_failed)) {
		res->first_failed = w->first_failed;
		snprintf(res->first_failure, sizeof(res->first_failure), "%s", w->first_failure);
	}
	res->transcripts_written += w->transcripts;
	if (w->tr_error[0] != '\0' && res->end == LOAD_DONE)
		fprintf(stderr, "smtprun load: --transcript-errors: %s\n", w->tr_error);
}

/* The thread's loop and resolver are its own: made and freed in it (the
 * stats stay for the main thread). */
static void *
thread_main(void *arg)
{
	struct worker	*w = arg;

	if ((w->lp = loop_new()) == NULL || resolve_init(w->lp) == -1 ||
	    (w->sched = sched_new(w->lp)) == NULL) {
		snprintf(w->message, sizeof(w->message), "cannot set up an event loop: %s",
		    strerror(errno));
		w->setup_error = 1;
		atomic_store(&w->run->stop, 1);
	} else
		worker_main(w);
	if (w->L != NULL)
		lua_close(w->L);	/* its sessions close on the loop */
	if (w->sched != NULL)
		sched_free(w->sched);
	resolve_shutdown();
	tls_ctx_cache_clear();		/* this thread's TLS contexts */
	if (w->lp != NULL)
		loop_free(w->lp);
	atomic_store(&w->finished, 1);
	pthread_kill(w->run->main, SIGUSR1);
	return NULL;
}

int
load_run(const struct load_opts *o, struct load_result *res)
{
	struct shared	 run;
	struct worker	*ws;
	sigset_t	 set, old;
	struct timespec	 ts = { 0, 200 * 1000 * 1000 };
	int		 i, n = o->threads, started = 0, all, sig;
	int64_t		 first;
	double		 t0, stopped = 0;

	memset(res, 0, sizeof(*res));
	if (ls_init(&res->st) == -1 || (ws = calloc((size_t)n, sizeof(*ws))) == NULL) {
		snprintf(res->message, sizeof(res->message), "out of memory");
		return -1;
	}
	memset(&run, 0, sizeof(run));
	run.o = o;
	/* Signals come to this thread only, through sigtimedwait. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGUSR1);	/* a thread ended */
	pthread_sigmask(SIG_BLOCK, &set, &old);
	run.main = pthread_self();

	if (o->start_at > 0 && (sig = wait_until(o->start_at, &set)) != 0) {
		res->end = LOAD_INTERRUPTED;
		res->signo = sig;
		goto out;
	}
	run.mono_start = t0 = mono_now();
	res->st.started_at = wall_now();
	/* Session numbers: the shard's are k, k + n, ...; thread i of T takes
	 * every T-th of those, from the i-th. */
	first = o->shard_n > 0 ? o->shard_k : 1;
	for (i = 0; i < n; i++) {
		struct worker *w = &ws[i];

		w->run = &run;
		w->cap = o->concurrency / n + (i < o->concurrency % n);
		w->stride = (int64_t)(o->shard_n > 0 ? o->shard_n : 1) * n;
		w->next_g = first + (int64_t)i * (o->shard_n > 0 ? o->shard_n : 1);
		if (ls_init(&w->st) == -1) {
			snprintf(res->message, sizeof(res->message), "out of memory");
			atomic_store(&run.stop, 1);
			break;
		}
		if (pthread_create(&w->th, NULL, thread_main, w) != 0) {
			snprintf(res->message, sizeof(res->message), "cannot start a thread: %s",
			    strerror(errno));
			atomic_store(&run.stop, 1);
			ls_free(&w->st);
			break;
		}
		started++;
	}
	for (;;) {
		for (all = 1, i = 0; i < started; i++)
			all &= atomic_load(&ws[i].finished);
		if (all)
			break;
		sig = sigtimedwait(&set, NULL, &ts);
		if ((sig == SIGINT || sig == SIGTERM) && res->signo == 0) {
			res->signo = sig;
			atomic_store(&run.stop, 1);
			stopped = mono_now();
		}
		/* A thread that does not stop is stuck in Lua code that never
		 * waits (no count hook in load mode: it would slow every
		 * session): nothing of its figures can be read safely. */
		if (stopped > 0 && mono_now() - stopped > STOP_GRACE) {
			fprintf(stderr, "smtprun load: a session is stuck in Lua code that "
			    "never waits; exiting without a report\n");
			_exit(128 + (res->signo ? res->signo : SIGTERM));
		}
		if (o->progress)
			progress_line(o, ws, started, t0, 0);
	}
	if (o->progress)
		progress_line(o, ws, started, t0, 1);
	res->st.ended_at = res->st.started_at;
	for (i = 0; i < started; i++) {
		pthread_join(ws[i].th, NULL);
		collect(res, &ws[i]);
		if (res->st.started_at + (ws[i].ended - t0) > res->st.ended_at)
			res->st.ended_at = res->st.started_at + (ws[i].ended - t0);
		ls_free(&ws[i].st);
	}
	if (res->signo != 0 && res->end == LOAD_DONE)
		res->end = LOAD_INTERRUPTED;
	if (started < n && res->end == LOAD_DONE)
		res->end = LOAD_SETUP_ERROR;
	/* The threads' last words, before SIGUSR1 can be delivered. */
	ts.tv_nsec = 0;
	while (sigtimedwait(&set, NULL, &ts) > 0)
		;
out:
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	free(ws);
	return 0;
}
