/* loadstats.c - what a load run measured, and thresholds over it. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/loadstats.h"

const char *const LS_PHASE_NAMES[LS_NFIXED] = {
	"connect", "tls", "greeting", "ehlo", "auth", "mail", "rcpt",
	"data", "dot", "quit", "session"
};

int
ls_init(struct load_stats *st)
{
	size_t	 i;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < LS_NFIXED; i++)
		if (ls_phase_index(st, LS_PHASE_NAMES[i], 1) != (int)i) {
			ls_free(st);
			return -1;
		}
	return 0;
}

void
ls_free(struct load_stats *st)
{
	size_t	 i;

	for (i = 0; i < st->nphases; i++)
		hist_free(&st->phases[i].h);
	st->nphases = 0;
}

void
ls_reset(struct load_stats *st)
{
	size_t	 i;

	for (i = 0; i < st->nphases; i++)
		hist_reset(&st->phases[i].h);
	st->started_at = st->ended_at = 0;
	st->sessions = st->failed = st->messages = st->bytes = 0;
	st->nkinds = st->ncodes = 0;
	st->other_keys = 0;
}

int
ls_phase_index(struct load_stats *st, const char *name, int create)
{
	size_t		 i, len = strlen(name);
	struct ls_phase	*p;

	for (i = 0; i < st->nphases; i++)
		if (strcmp(st->phases[i].name, name) == 0)
			return (int)i;
	if (!create || len == 0 || len >= LS_NAME_MAX || st->nphases == LS_MAX_PHASES)
		return -1;
	p = &st->phases[st->nphases];
	if (hist_init(&p->h, LS_HIGHEST_US, LS_SIGFIGS) == -1)
		return -1;
	memcpy(p->name, name, len + 1);
	return (int)st->nphases++;
}

void
ls_record(struct load_stats *st, int i, int64_t usec)
{
	if (i >= 0 && (size_t)i < st->nphases)
		hist_record(&st->phases[i].h, usec, 1);
}

static void
count(struct load_stats *st, struct ls_counter *arr, size_t *n, const char *key,
    int64_t by)
{
	size_t	 i, len = strlen(key);

	for (i = 0; i < *n; i++)
		if (strcmp(arr[i].key, key) == 0) {
			arr[i].n += by;
			return;
		}
	if (*n == LS_MAX_KEYS || len >= LS_NAME_MAX) {
		st->other_keys += by;
		return;
	}
	memcpy(arr[*n].key, key, len + 1);
	arr[(*n)++].n = by;
}

void
ls_fail(struct load_stats *st, const char *kind, int code)
{
	char	 c[16];

	st->failed++;
	count(st, st->kinds, &st->nkinds, kind && *kind ? kind : "error", 1);
	if (code > 0) {
		snprintf(c, sizeof(c), "%d", code);
		count(st, st->codes, &st->ncodes, c, 1);
	}
}

int
ls_add(struct load_stats *dst, const struct load_stats *src)
{
	size_t	 i;
	int	 p;

	for (i = 0; i < src->nphases; i++) {
		if (src->phases[i].h.total == 0 && i >= LS_NFIXED)
			continue;
		if ((p = ls_phase_index(dst, src->phases[i].name, 1)) == -1 ||
		    hist_add(&dst->phases[p].h, &src->phases[i].h) == -1)
			return -1;
	}
	for (i = 0; i < src->nkinds; i++)
		count(dst, dst->kinds, &dst->nkinds, src->kinds[i].key, src->kinds[i].n);
	for (i = 0; i < src->ncodes; i++)
		count(dst, dst->codes, &dst->ncodes, src->codes[i].key, src->codes[i].n);
	dst->other_keys += src->other_keys;
	dst->sessions += src->sessions;
	dst->failed += src->failed;
	dst->messages += src->messages;
	dst->bytes += src->bytes;
	if (src->started_at > 0 && (dst->started_at == 0 || src->started_at < dst->started_at))
		dst->started_at = src->started_at;
	if (src->ended_at > dst->ended_at)
		dst->ended_at = src->ended_at;
	return 0;
}

double
ls_duration(const struct load_stats *st)
{
	if (st->started_at <= 0 || st->ended_at < st->started_at)
		return 0;
	return st->ended_at - st->started_at;
}

int64_t
ls_counter_get(const struct ls_counter *arr, size_t n, const char *key)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strcmp(arr[i].key, key) == 0)
			return arr[i].n;
	return 0;
}

/* ---- thresholds ---- */

static const char *
skip_blanks(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static int
fail(char *err, size_t errlen, const char *s, const char *why)
{
	snprintf(err, errlen, "threshold \"%s\": %s (want e.g. dot.p99<50ms, "
	    "session.max<=2s, errors<1, error_rate<0.5%%, sessions_per_s>100)", s, why);
	return -1;
}

/* STAT after the dot: p50, p99.9, p999, max, min, mean. */
static int
parse_stat(struct threshold *t, const char *p, size_t n)
{
	char	 buf[16], *end;
	double	 v;

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	if (strcmp(buf, "max") == 0)
		t->pct = -1;
	else if (strcmp(buf, "min") == 0)
		t->pct = -2;
	else if (strcmp(buf, "mean") == 0)
		t->pct = -3;
	else if (strcmp(buf, "p999") == 0)
		t->pct = 99.9;
	else if (buf[0] == 'p' && isdigit((unsigned char)buf[1])) {
		v = strtod(buf + 1, &end);
		if (*end != '\0' || !(v > 0 && v <= 100))
			return -1;
		t->pct = v;
	} else
		return -1;
	return 0;
}

int
th_parse(struct threshold *t, const char *s, char *err, size_t errlen)
{
	static const struct { const char *name; enum th_what what; } TOP[] = {
		{ "errors", TH_ERRORS }, { "error_rate", TH_ERROR_RATE },
		{ "sessions_per_s", TH_SESSIONS_PER_S },
		{ "messages_per_s", TH_MESSAGES_PER_S },
	};
	const char	*p = skip_blanks(s), *name, *dot = NULL, *end;
	char		*numend;
	size_t		 n, i;
	double		 v;

	memset(t, 0, sizeof(*t));
	snprintf(t->text, sizeof(t->text), "%s", s);
	name = p;
	while (*p && (isalnum((unsigned char)*p) || *p == '_' || *p == '-' || *p == '.')) {
		if (*p == '.' && dot == NULL)
			dot = p;
		p++;
	}
	end = p;
	if (end == name)
		return fail(err, errlen, s, "no name before the comparison");
	if (dot == NULL) {
		n = (size_t)(end - name);
		for (i = 0; i < sizeof(TOP) / sizeof(TOP[0]); i++)
			if (strlen(TOP[i].name) == n && memcmp(TOP[i].name, name, n) == 0)
				break;
		if (i == sizeof(TOP) / sizeof(TOP[0]))
			return fail(err, errlen, s, "a phase needs a statistic (PHASE.p99)");
		t->what = TOP[i].what;
	} else {
		t->what = TH_PHASE;
		n = (size_t)(dot - name);
		if (n == 0 || n >= LS_NAME_MAX)
			return fail(err, errlen, s, "no phase name");
		memcpy(t->phase, name, n);
		t->phase[n] = '\0';
		if (parse_stat(t, dot + 1, (size_t)(end - dot - 1)) == -1)
			return fail(err, errlen, s, "the statistic is not one of p50, p90, "
			    "p99, p99.9, max, min, mean");
	}
	p = skip_blanks(end);
	if (p[0] == '<' && p[1] == '=')
		t->op = TH_LE, p += 2;
	else if (p[0] == '>' && p[1] == '=')
		t->op = TH_GE, p += 2;
	else if (p[0] == '<')
		t->op = TH_LT, p++;
	else if (p[0] == '>')
		t->op = TH_GT, p++;
	else
		return fail(err, errlen, s, "no comparison (<, <=, >, >=)");
	p = skip_blanks(p);
	v = strtod(p, &numend);
	if (numend == p || !isfinite(v) || v < 0)
		return fail(err, errlen, s, "no number to compare with");
	p = skip_blanks(numend);	/* "50 ms" as "50ms" */
	if (t->what == TH_PHASE) {
		if (strncmp(p, "us", 2) == 0)
			p += 2;
		else if (strncmp(p, "ms", 2) == 0)
			v *= 1e3, p += 2;
		else if (*p == 's')
			v *= 1e6, p++;
		else
			v *= 1e3;	/* milliseconds when no unit */
	} else if (t->what == TH_ERROR_RATE && *p == '%')
		p++;
	p = skip_blanks(p);
	if (*p != '\0')
		return fail(err, errlen, s, "unexpected text after the number "
		    "(units: us, ms, s)");
	t->limit = v;
	return 0;
}

int
th_check(const struct threshold *t, const struct load_stats *st, double *value)
{
	double	 v, d = ls_duration(st);
	int	 i;

	switch (t->what) {
	case TH_ERRORS:
		v = (double)st->failed;
		break;
	case TH_ERROR_RATE:
		v = st->sessions > 0 ? 100.0 * (double)st->failed / (double)st->sessions : 0;
		break;
	case TH_SESSIONS_PER_S:
		v = d > 0 ? (double)st->sessions / d : 0;
		break;
	case TH_MESSAGES_PER_S:
		v = d > 0 ? (double)st->messages / d : 0;
		break;
	default:
		i = ls_phase_index((struct load_stats *)st, t->phase, 0);
		if (i == -1 || st->phases[i].h.total == 0) {
			*value = 0;
			return -1;
		}
		if (t->pct == -1)
			v = (double)st->phases[i].h.max;
		else if (t->pct == -2)
			v = (double)st->phases[i].h.min;
		else if (t->pct == -3)
			v = hist_mean(&st->phases[i].h);
		else
			v = (double)hist_percentile(&st->phases[i].h, t->pct);
		break;
	}
	*value = v;
	switch (t->op) {
	case TH_LT:	return v < t->limit;
	case TH_LE:	return v <= t->limit;
	case TH_GT:	return v > t->limit;
	default:	return v >= t->limit;
	}
}
