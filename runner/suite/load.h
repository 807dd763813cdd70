/*
 * load.h - load mode: one scenario file run as many virtual sessions
 * (issue 12), `smtprun load`.
 *
 * Each thread (--threads N, wrk's model) has its own event loop, scheduler
 * and Lua state, and runs its share of the sessions: session g (1-based,
 * numbered across shards) belongs to shard ((g - 1) mod N) + 1, and within
 * a process to thread (its rank in the shard) mod T. The file is compiled
 * once per thread; every session runs it as a task of its own with its own
 * globals (vars.session = g), and the phases its sessions go through are
 * timed by the binding (binding/lphase.h) into the thread's stats.
 *
 * With a rate, session g is due at start + (g - 1) / rate, and its latency
 * (the "session" phase) is counted from then, not from when a slot let it
 * start (the coordinated-omission correction of wrk2): a stalled server
 * shows as latency, not as a lower rate.
 */
#ifndef SMTPRUN_LOAD_H
#define SMTPRUN_LOAD_H

#include <stdint.h>

#include "core/loadstats.h"
#include "suite/scenario.h"

struct load_opts {
	struct scenario_opts	 so;		/* luadir, vars, settings */
	const char		*path;
	int			 concurrency;	/* sessions in flight (>= threads) */
	int64_t			 sessions;	/* total, across shards (0: by time) */
	double			 duration;	/* seconds (0: by count) */
	double			 rate;		/* sessions per second (0: no pacing) */
	int			 threads;
	int			 shard_k, shard_n;	/* 1..n of n (0: no shards) */
	double			 start_at;	/* epoch seconds to start at (0: now) */
	const char		*transcript_errors;	/* DIR, or NULL */
	int			 progress;	/* a progress line on stderr */
};

enum load_end { LOAD_DONE, LOAD_SETUP_ERROR, LOAD_INTERRUPTED };

struct load_result {
	struct load_stats	 st;		/* every thread's, added */
	enum load_end		 end;
	int			 signo;		/* LOAD_INTERRUPTED */
	char			 message[1024];	/* why, for LOAD_SETUP_ERROR */
	int64_t			 first_failed;	/* the first failed session (0: none) */
	char			 first_failure[1024];
	int64_t			 transcripts_written;
};

/* Runs the load; res->st is set up here (ls_free it). 0, or -1 when the
 * run could not start (res->message says why). */
int	load_run(const struct load_opts *o, struct load_result *res);

#endif
