/*
 * loadstats.h - what a load run measured (issue 12): per SMTP phase a
 * latency histogram (core/hist.h, microseconds), the counts, and the
 * failed sessions by error kind and by reply code.
 *
 * Pure: no I/O, no clock. One struct per worker thread; the threads' and
 * the shards' stats are added with ls_add (exact to the bucket), and every
 * report (the human one, --json, --hdr-log, `report merge`) is made from
 * one. Phases are named: the fixed ones first, in the order of an SMTP
 * session, then the custom ones of smtp.phase(name, fn) in the order they
 * first ran.
 */
#ifndef SMTPRUN_LOADSTATS_H
#define SMTPRUN_LOADSTATS_H

#include <stddef.h>
#include <stdint.h>

#include "core/hist.h"

#define LS_HIGHEST_US	3600000000LL	/* an hour: longer is clamped */
#define LS_SIGFIGS	3		/* every value within 0.1% */

enum ls_fixed_phase {
	LS_CONNECT, LS_TLS, LS_GREETING, LS_EHLO, LS_AUTH, LS_MAIL, LS_RCPT,
	LS_DATA, LS_DOT, LS_QUIT, LS_SESSION,
	LS_NFIXED
};

#define LS_MAX_PHASES	32		/* fixed and custom */
#define LS_NAME_MAX	32		/* a phase name, a kind, a code: < this */
#define LS_MAX_KEYS	64		/* distinct kinds, distinct codes */

struct ls_counter {
	char		 key[LS_NAME_MAX];
	int64_t		 n;
};

struct ls_phase {
	char		 name[LS_NAME_MAX];
	struct hist	 h;		/* LS_HIGHEST_US, LS_SIGFIGS */
};

struct load_stats {
	double		 started_at;	/* epoch seconds the run began (0: not yet) */
	double		 ended_at;	/* epoch seconds its last session ended */
	int64_t		 sessions;	/* sessions ended, passed or failed */
	int64_t		 failed;
	int64_t		 messages;	/* messages accepted (a 2xx to the dot) */
	int64_t		 bytes;		/* message bytes sent (after dot-stuffing) */
	size_t		 nphases;
	struct ls_phase	 phases[LS_MAX_PHASES];
	size_t		 nkinds, ncodes;
	struct ls_counter kinds[LS_MAX_KEYS];	/* failed sessions by error kind */
	struct ls_counter codes[LS_MAX_KEYS];	/* ... by the code of the reply
						 * that failed them ("421") */
	int64_t		 other_keys;	/* counted past LS_MAX_KEYS (as "other") */
};

/* The fixed phases' names, LS_NFIXED of them: "connect", ..., "session". */
extern const char *const LS_PHASE_NAMES[LS_NFIXED];

/* Empty stats with the fixed phases. 0, or -1 (out of memory). */
int	ls_init(struct load_stats *st);
void	ls_free(struct load_stats *st);
/* Back to empty (the phases stay). */
void	ls_reset(struct load_stats *st);
/* The index of the phase called name; with create, a new custom phase is
 * added. -1: no such phase, or no room (LS_MAX_PHASES), or a name empty or
 * >= LS_NAME_MAX bytes, or out of memory. */
int	ls_phase_index(struct load_stats *st, const char *name, int create);
/* A duration in seconds as the whole microseconds the histograms hold. */
static inline int64_t
ls_usec(double seconds)
{
	return seconds <= 0 ? 0 : (int64_t)(seconds * 1e6 + 0.5);
}

/* Records one duration of phase i, in microseconds. */
void	ls_record(struct load_stats *st, int i, int64_t usec);
/* A failed session: its error's kind ("timeout") and, when a reply failed
 * it, that reply's code (0: none). */
void	ls_fail(struct load_stats *st, const char *kind, int code);
/* Adds src into dst: counts, counters by key, phases by name (bucket by
 * bucket), the run's span (earliest start, latest end). 0, or -1 (too many
 * phases, out of memory). */
int	ls_add(struct load_stats *dst, const struct load_stats *src);
/* Seconds from the start to the end (0 when not started). */
double	ls_duration(const struct load_stats *st);
/* The count of key in arr (0 when absent). */
int64_t	ls_counter_get(const struct ls_counter *arr, size_t n, const char *key);

/*
 * Thresholds (--threshold, repeatable): "PHASE.STAT OP NUMBER[UNIT]" where
 * STAT is p50 p90 p99 p99.9 (or p999) max min mean, OP < <= > >=, UNIT us
 * ms s (default ms); or "errors OP N", "error_rate OP N%" (of the
 * sessions), "sessions_per_s OP N", "messages_per_s OP N". Blanks are
 * allowed around the parts.
 */
enum th_what { TH_PHASE, TH_ERRORS, TH_ERROR_RATE, TH_SESSIONS_PER_S, TH_MESSAGES_PER_S };
enum th_op { TH_LT, TH_LE, TH_GT, TH_GE };

struct threshold {
	char		 text[96];	/* as given (cut to fit) */
	enum th_what	 what;
	char		 phase[LS_NAME_MAX];
	double		 pct;		/* 0-100; -1: max, -2: min, -3: mean */
	enum th_op	 op;
	double		 limit;		/* microseconds for a phase, else as given */
};

/* Parses s into t. 0, or -1 with why in err. */
int	th_parse(struct threshold *t, const char *s, char *err, size_t errlen);
/* Holds the threshold against st? 1 yes, 0 no, -1 the phase never ran
 * (which fails it). *value gets what was measured (microseconds for a
 * phase). */
int	th_check(const struct threshold *t, const struct load_stats *st, double *value);

#endif
