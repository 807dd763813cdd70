/* report_load.c - the human and the JSON report of a load run. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/escape.h"
#include "io/outfile.h"
#include "suite/report_load.h"

#define GREEN	"\033[32m"
#define RED	"\033[31m"
#define RESET	"\033[0m"

/* Reals with 15 significant digits: 8.1514 prints as 8.1514, not
 * 8.151399999999999 (epoch seconds keep 10 microseconds). */
#define JSON_FLAGS	(JSON_COMPACT | JSON_REAL_PRECISION(15))

static const double PCTS[] = { 50, 90, 99, 99.9 };
static const char *const PCT_KEYS[] = { "p50_ms", "p90_ms", "p99_ms", "p999_ms" };
#define NPCTS	(sizeof(PCTS) / sizeof(PCTS[0]))

static double
per_s(int64_t n, double secs)
{
	return secs > 0 ? (double)n / secs : 0;
}

/* A threshold's measured value as shown: milliseconds for a phase. */
static double
th_shown(const struct threshold *t, double v)
{
	return t->what == TH_PHASE ? v / 1e3 : v;
}

static const char *
th_unit(const struct threshold *t)
{
	switch (t->what) {
	case TH_PHASE:		return " ms";
	case TH_ERROR_RATE:	return "%";
	case TH_SESSIONS_PER_S:	return " sessions/s";
	case TH_MESSAGES_PER_S:	return " messages/s";
	default:		return "";
	}
}

/* Bytes per second with a binary prefix. */
static void
print_rate_bytes(FILE *f, double v)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	size_t	 i = 0;

	while (v >= 1024 && i + 1 < sizeof(units) / sizeof(units[0]))
		v /= 1024, i++;
	fprintf(f, "%.1f %s/s", v, units[i]);
}

static void
print_counters(FILE *f, const char *title, const struct ls_counter *c, size_t n,
    int64_t other)
{
	struct buf	 e = BUF_INIT;
	size_t		 i;

	fprintf(f, "  %s:", title);
	for (i = 0; i < n; i++) {
		buf_free(&e);
		esc_append(&e, c[i].key, strlen(c[i].key), 0);
		fprintf(f, "%s %s %lld", i ? "," : "", buf_cstr(&e), (long long)c[i].n);
	}
	if (other > 0)
		fprintf(f, "%s other %lld", n ? "," : "", (long long)other);
	fputc('\n', f);
	buf_free(&e);
}

int
load_report_print(FILE *f, const struct load_stats *st, const struct load_report *r)
{
	struct buf	 e = BUF_INIT;
	double		 d = ls_duration(st), v;
	size_t		 i, k, w = strlen("phase (ms)");
	int		 failed = 0, ok;

	if (r->scenario) {
		esc_append(&e, r->scenario, strlen(r->scenario), 0);
		fprintf(f, "scenario %s", buf_cstr(&e));
		if (r->target)
			fprintf(f, " against %s", r->target);
		if (r->shard_n > 0)
			fprintf(f, " (shard %d/%d)", r->shard_k, r->shard_n);
		fputc('\n', f);
	}
	fprintf(f, "sessions %lld, failed %lld, in %.3f s: %.1f sessions/s\n",
	    (long long)st->sessions, (long long)st->failed, d, per_s(st->sessions, d));
	fprintf(f, "messages %lld: %.1f messages/s, ", (long long)st->messages,
	    per_s(st->messages, d));
	print_rate_bytes(f, d > 0 ? (double)st->bytes / d : 0);
	fputc('\n', f);

	for (i = 0; i < st->nphases; i++)
		if (st->phases[i].h.total > 0 && strlen(st->phases[i].name) > w)
			w = strlen(st->phases[i].name);
	fprintf(f, "\n%-*s %10s %11s %11s %11s %11s %11s\n", (int)w, "phase (ms)", "count",
	    "p50", "p90", "p99", "p99.9", "max");
	for (i = 0; i < st->nphases; i++) {
		const struct hist *h = &st->phases[i].h;

		if (h->total == 0)
			continue;
		buf_free(&e);
		esc_append(&e, st->phases[i].name, strlen(st->phases[i].name), 0);
		fprintf(f, "%-*s %10lld", (int)w, buf_cstr(&e), (long long)h->total);
		for (k = 0; k < NPCTS; k++)
			fprintf(f, " %11.3f", (double)hist_percentile(h, PCTS[k]) / 1e3);
		fprintf(f, " %11.3f\n", (double)h->max / 1e3);
	}

	if (st->failed > 0) {
		fprintf(f, "\nerrors: %lld failed sessions\n", (long long)st->failed);
		print_counters(f, "by kind", st->kinds, st->nkinds, st->other_keys);
		if (st->ncodes > 0)
			print_counters(f, "by code", st->codes, st->ncodes, 0);
	}

	if (r->nth > 0)
		fputs("\nthresholds:\n", f);
	for (i = 0; i < r->nth; i++) {
		const struct threshold *t = &r->th[i];

		ok = th_check(t, st, &v) == 1;
		failed += !ok;
		buf_free(&e);
		esc_append(&e, t->text, strlen(t->text), 0);
		fprintf(f, "  %s%-6s%s %s  ", r->color ? (ok ? GREEN : RED) : "",
		    ok ? "ok" : "FAILED", r->color ? RESET : "", buf_cstr(&e));
		if (t->what == TH_PHASE && ls_phase_index((struct load_stats *)st,
		    t->phase, 0) == -1)
			fputs("(no such phase)\n", f);
		else if (t->what == TH_PHASE && st->phases[ls_phase_index(
		    (struct load_stats *)st, t->phase, 0)].h.total == 0)
			fputs("(the phase never ran)\n", f);
		else
			fprintf(f, "(%.6g%s)\n", th_shown(t, v), th_unit(t));
	}
	buf_free(&e);
	return failed;
}

/* ---- writing ---- */

static json_t *
counters_json(const struct ls_counter *c, size_t n)
{
	json_t	*o = json_object();
	size_t	 i;

	for (i = 0; o != NULL && i < n; i++)
		if (json_object_set_new(o, c[i].key, json_integer(c[i].n)) == -1) {
			json_decref(o);
			o = NULL;
		}
	return o;
}

static json_t *
phase_json(const struct hist *h)
{
	json_t	*o, *b;
	size_t	 i;

	if ((b = json_array()) == NULL)
		return NULL;
	for (i = 0; i < h->counts_len; i++)
		if (h->counts[i] != 0 && json_array_append_new(b,
		    json_pack("[II]", (json_int_t)i, (json_int_t)h->counts[i])) == -1) {
			json_decref(b);
			return NULL;
		}
	o = json_pack("{s:I, s:f, s:f}", "count", (json_int_t)h->total,
	    "min_ms", (double)h->min / 1e3, "mean_ms", hist_mean(h) / 1e3);
	for (i = 0; o != NULL && i < NPCTS; i++)
		if (json_object_set_new(o, PCT_KEYS[i],
		    json_real((double)hist_percentile(h, PCTS[i]) / 1e3)) == -1) {
			json_decref(o);
			o = NULL;
		}
	if (o == NULL || json_object_update_new(o, json_pack("{s:f, s:I, s:I, s:I, s:o, s:I}",
	    "max_ms", (double)h->max / 1e3, "min_us", (json_int_t)h->min,
	    "max_us", (json_int_t)h->max, "sum_us", (json_int_t)h->sum,
	    "buckets", b, "clamped", (json_int_t)h->clamped)) == -1) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *
thresholds_json(const struct load_stats *st, const struct load_report *r)
{
	json_t	*a = json_array();
	double	 v;
	size_t	 i;
	int	 c;

	for (i = 0; a != NULL && i < r->nth; i++) {
		c = th_check(&r->th[i], st, &v);
		if (json_array_append_new(a, json_pack("{s:s, s:o, s:b}", "expr",
		    r->th[i].text, "value", c == -1 ? json_null() :
		    json_real(th_shown(&r->th[i], v)), "ok", c == 1)) == -1) {
			json_decref(a);
			a = NULL;
		}
	}
	return a;
}

/* The report as JSON, or NULL (out of memory). */
static json_t *
report_json(const struct load_stats *st, const struct load_report *r)
{
	json_t	*o, *phases;
	char	 shard[32];
	double	 d = ls_duration(st);
	size_t	 i;

	if ((phases = json_object()) == NULL)
		return NULL;
	for (i = 0; i < st->nphases; i++)
		if (st->phases[i].h.total > 0 && json_object_set_new(phases,
		    st->phases[i].name, phase_json(&st->phases[i].h)) == -1) {
			json_decref(phases);
			return NULL;
		}
	snprintf(shard, sizeof(shard), "%d/%d", r->shard_k, r->shard_n);
	o = json_pack("{s:s, s:i, s:s?, s:s?, s:f, s:f, s:f, s:I, s:I, s:I, s:I}",
	    "smtprun", "load", "version", 1, "scenario", r->scenario,
	    "shard", r->shard_n > 0 ? shard : NULL,
	    "started_at", st->started_at, "ended_at", st->ended_at, "duration_s", d,
	    "sessions", (json_int_t)st->sessions, "failed", (json_int_t)st->failed,
	    "messages", (json_int_t)st->messages, "bytes", (json_int_t)st->bytes);
	if (o == NULL || json_object_update_new(o, json_pack(
	    "{s:f, s:f, s:f, s:{s:I, s:o, s:o, s:I}, s:{s:s, s:I, s:i}, s:o, s:o}",
	    "sessions_per_s", per_s(st->sessions, d),
	    "messages_per_s", per_s(st->messages, d),
	    "bytes_per_s", per_s(st->bytes, d),
	    "errors", "total", (json_int_t)st->failed,
	    "kinds", counters_json(st->kinds, st->nkinds),
	    "codes", counters_json(st->codes, st->ncodes),
	    "other", (json_int_t)st->other_keys,
	    "histogram", "unit", "us", "highest", (json_int_t)LS_HIGHEST_US,
	    "sigfigs", LS_SIGFIGS,
	    "phases", phases, "thresholds", thresholds_json(st, r))) == -1) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int
load_report_write_json(const char *path, const struct load_stats *st,
    const struct load_report *r, char *err, size_t errlen)
{
	json_t	*o;
	FILE	*f;
	int	 rc;

	if ((o = report_json(st, r)) == NULL) {
		snprintf(err, errlen, "writing %s: out of memory", path);
		return -1;
	}
	if ((f = out_fopen(path, OUT_PRIVATE, err, errlen)) == NULL) {
		json_decref(o);
		return -1;
	}
	rc = json_dumpf(o, f, JSON_FLAGS);
	json_decref(o);
	if (rc == -1 || fputc('\n', f) == EOF)
		errno = ferror(f) && errno ? errno : EIO;
	if (out_fclose(f) != 0 || rc == -1) {
		snprintf(err, errlen, "writing %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- reading ---- */

/* Every count read is at most 2^53 (what any JSON reader keeps exactly),
 * and reports are added only while every sum is at most 2^62: one more
 * adds less than 2^60 to any of them (other_keys takes up to 65 counters),
 * so no sum overflows however many reports are merged. */
#define READ_MAX	((int64_t)1 << 53)
#define SUM_MAX		((int64_t)1 << 62)

/* The largest count in st. */
static int64_t
largest(const struct load_stats *st)
{
	int64_t	 m = st->sessions;
	size_t	 i;

	m = st->failed > m ? st->failed : m;
	m = st->messages > m ? st->messages : m;
	m = st->bytes > m ? st->bytes : m;
	m = st->other_keys > m ? st->other_keys : m;
	for (i = 0; i < st->nphases; i++)
		m = st->phases[i].h.total > m ? st->phases[i].h.total : m;
	for (i = 0; i < st->nkinds; i++)
		m = st->kinds[i].n > m ? st->kinds[i].n : m;
	for (i = 0; i < st->ncodes; i++)
		m = st->codes[i].n > m ? st->codes[i].n : m;
	return m;
}

struct rd {
	const char	*name;		/* the file, as errors call it */
	char		*err;
	size_t		 errlen;
	char		 where[160];	/* the JSON path of what is read */
};

static int
bad(struct rd *r, const char *fmt, ...)
{
	char	 why[160];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(r->err, r->errlen, "%s: %s%s%s", r->name, r->where,
	    *r->where ? ": " : "", why);
	return -1;
}

/* where = base + "." + key (escaped: the key came from the file). */
static void
at(struct rd *r, const char *base, const char *key)
{
	struct buf	 e = BUF_INIT;

	esc_excerpt(&e, key, strlen(key), 40);
	snprintf(r->where, sizeof(r->where), "%s%s%s", base, *base ? "." : "",
	    buf_cstr(&e));
	buf_free(&e);
}

/* An integer in [lo, 2^53] at obj.key. */
static int
get_int(struct rd *r, json_t *obj, const char *base, const char *key, int64_t lo,
    int64_t *out)
{
	json_t	*v = json_object_get(obj, key);

	at(r, base, key);
	if (v == NULL)
		return bad(r, "missing");
	if (!json_is_integer(v) || json_integer_value(v) < lo ||
	    json_integer_value(v) > READ_MAX)
		return bad(r, "not an integer in [%lld, 2^53]", (long long)lo);
	*out = json_integer_value(v);
	return 0;
}

/* A finite number >= 0 at obj.key. */
static int
get_num(struct rd *r, json_t *obj, const char *base, const char *key, double *out)
{
	json_t	*v = json_object_get(obj, key);

	at(r, base, key);
	if (v == NULL)
		return bad(r, "missing");
	if (!json_is_number(v) || !isfinite(json_number_value(v)) ||
	    json_number_value(v) < 0)
		return bad(r, "not a number >= 0");
	*out = json_number_value(v);
	return 0;
}

/* An object at obj.key. */
static json_t *
get_obj(struct rd *r, json_t *obj, const char *base, const char *key)
{
	json_t	*v = json_object_get(obj, key);

	at(r, base, key);
	if (v == NULL)
		bad(r, "missing");
	else if (!json_is_object(v))
		bad(r, "not an object");
	else
		return v;
	return NULL;
}

/* A key that stats keep: shorter than LS_NAME_MAX, no control bytes. */
static int
good_key(const char *k)
{
	size_t	 n = strlen(k), i;

	if (n == 0 || n >= LS_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)k[i] < 0x20 || k[i] == 0x7f)
			return 0;
	return 1;
}

static int
read_counters(struct rd *r, json_t *errors, const char *key, struct ls_counter *arr,
    size_t *n)
{
	char		 base[32];
	const char	*k;
	json_t		*o, *v;
	int64_t		 c;

	if ((o = get_obj(r, errors, "errors", key)) == NULL)
		return -1;
	snprintf(base, sizeof(base), "errors.%s", key);
	json_object_foreach(o, k, v) {
		if (get_int(r, o, base, k, 0, &c) == -1)
			return -1;
		if (!good_key(k))
			return bad(r, "not a name of 1 to %d characters", LS_NAME_MAX - 1);
		if (*n == LS_MAX_KEYS)
			return bad(r, "more than %d keys", LS_MAX_KEYS);
		memcpy(arr[*n].key, k, strlen(k) + 1);
		arr[(*n)++].n = c;
	}
	return 0;
}

static int
read_histogram(struct rd *r, json_t *top)
{
	json_t	*o, *u;
	int64_t	 highest, sigfigs;

	if ((o = get_obj(r, top, "", "histogram")) == NULL)
		return -1;
	at(r, "histogram", "unit");
	if ((u = json_object_get(o, "unit")) == NULL || !json_is_string(u) ||
	    strcmp(json_string_value(u), "us") != 0)
		return bad(r, "not \"us\" (microseconds, what smtprun records)");
	if (get_int(r, o, "histogram", "highest", 0, &highest) == -1 ||
	    get_int(r, o, "histogram", "sigfigs", 0, &sigfigs) == -1)
		return -1;
	if (highest != LS_HIGHEST_US || sigfigs != LS_SIGFIGS) {
		snprintf(r->where, sizeof(r->where), "histogram");
		return bad(r, "highest %lld, sigfigs %lld: this smtprun keeps highest %lld, "
		    "sigfigs %d, and adds only histograms made so", (long long)highest,
		    (long long)sigfigs, (long long)LS_HIGHEST_US, LS_SIGFIGS);
	}
	return 0;
}

/* Phase name: its histogram rebuilt into h (empty, made by ls_init). */
static int
read_phase(struct rd *r, const char *name, json_t *o, struct hist *h)
{
	char		 base[LS_NAME_MAX + 8];
	json_t		*b, *e;
	size_t		 i, first = 0, last = 0;
	int64_t		 count, idx, n, min, max, clamped, total = 0;
	double		 sum;

	snprintf(base, sizeof(base), "phases.%s", name);
	if (!json_is_object(o)) {
		at(r, "phases", name);
		return bad(r, "not an object");
	}
	if (get_int(r, o, base, "count", 0, &count) == -1 ||
	    get_int(r, o, base, "clamped", 0, &clamped) == -1 ||
	    get_num(r, o, base, "sum_us", &sum) == -1)
		return -1;
	at(r, base, "buckets");
	if ((b = json_object_get(o, "buckets")) == NULL)
		return bad(r, "missing");
	if (!json_is_array(b))
		return bad(r, "not an array of [INDEX, COUNT]");
	json_array_foreach(b, i, e) {
		snprintf(r->where, sizeof(r->where), "%s.buckets[%zu]", base, i);
		if (!json_is_array(e) || json_array_size(e) != 2 ||
		    !json_is_integer(json_array_get(e, 0)) ||
		    !json_is_integer(json_array_get(e, 1)))
			return bad(r, "not [INDEX, COUNT]");
		idx = json_integer_value(json_array_get(e, 0));
		n = json_integer_value(json_array_get(e, 1));
		if (idx < 0 || (uint64_t)idx >= h->counts_len)
			return bad(r, "index out of range");
		if (idx == 0)
			return bad(r, "index 0 holds no value (values are >= 1 us)");
		if (n < 1)
			return bad(r, "count not >= 1");
		if (h->counts[idx] != 0)
			return bad(r, "index %lld repeated", (long long)idx);
		if (n > INT64_MAX - total)
			return bad(r, "counts overflow");
		h->counts[idx] = n;
		total += n;
		if (i == 0 || (size_t)idx < first)
			first = (size_t)idx;
		if ((size_t)idx > last)
			last = (size_t)idx;
	}
	snprintf(r->where, sizeof(r->where), "%s", base);
	if (total != count)
		return bad(r, "count %lld is not the sum of the buckets (%lld)",
		    (long long)count, (long long)total);
	if (clamped > count)
		return bad(r, "clamped %lld is more than the count", (long long)clamped);
	if (count == 0)
		return 0;
	if (get_int(r, o, base, "min_us", 1, &min) == -1 ||
	    get_int(r, o, base, "max_us", 1, &max) == -1)
		return -1;
	snprintf(r->where, sizeof(r->where), "%s", base);
	if (max > h->highest || min > max ||
	    hist_lowest_equivalent(h, min) != hist_index_value(h, first) ||
	    hist_lowest_equivalent(h, max) != hist_index_value(h, last))
		return bad(r, "min_us %lld, max_us %lld do not fall in the first and the "
		    "last bucket", (long long)min, (long long)max);
	if (sum < (double)min * (double)count * (1 - 1e-9) ||
	    sum > (double)max * (double)count * (1 + 1e-9))
		return bad(r, "sum_us is not between count * min_us and count * max_us");
	h->total = count;
	h->min = min;
	h->max = max;
	h->clamped = clamped;
	h->sum = sum;
	return 0;
}

static int
read_phases(struct rd *r, json_t *top, struct load_stats *st)
{
	const char	*name;
	json_t		*o, *v;
	int		 p;

	if ((o = get_obj(r, top, "", "phases")) == NULL)
		return -1;
	json_object_foreach(o, name, v) {
		at(r, "phases", name);
		if (!good_key(name))
			return bad(r, "not a name of 1 to %d characters", LS_NAME_MAX - 1);
		if ((p = ls_phase_index(st, name, 1)) == -1)
			return bad(r, "more than %d phases (or out of memory)", LS_MAX_PHASES);
		if (st->phases[p].h.total != 0)
			return bad(r, "repeated");
		if (read_phase(r, name, v, &st->phases[p].h) == -1)
			return -1;
	}
	return 0;
}

/* The file's stats into tmp (made with ls_init). */
static int
read_top(struct rd *r, json_t *top, struct load_stats *tmp, char *scenario,
    size_t scenlen)
{
	json_t	*v, *errors;
	int64_t	 version, total, other;

	if (!json_is_object(top) || (v = json_object_get(top, "smtprun")) == NULL ||
	    !json_is_string(v) || strcmp(json_string_value(v), "load") != 0)
		return bad(r, "not a smtprun load report (no \"smtprun\": \"load\")");
	if (get_int(r, top, "", "version", 0, &version) == -1)
		return -1;
	if (version != 1)
		return bad(r, "version %lld: this smtprun reads version 1", (long long)version);
	at(r, "", "scenario");
	v = json_object_get(top, "scenario");
	if (v != NULL && !json_is_string(v) && !json_is_null(v))
		return bad(r, "not a string or null");
	if (scenlen > 0)
		snprintf(scenario, scenlen, "%s", json_is_string(v) ? json_string_value(v) : "");
	if (get_num(r, top, "", "started_at", &tmp->started_at) == -1 ||
	    get_num(r, top, "", "ended_at", &tmp->ended_at) == -1 ||
	    get_int(r, top, "", "sessions", 0, &tmp->sessions) == -1 ||
	    get_int(r, top, "", "failed", 0, &tmp->failed) == -1 ||
	    get_int(r, top, "", "messages", 0, &tmp->messages) == -1 ||
	    get_int(r, top, "", "bytes", 0, &tmp->bytes) == -1)
		return -1;
	if (tmp->failed > tmp->sessions) {
		at(r, "", "failed");
		return bad(r, "more than the sessions");
	}
	if ((errors = get_obj(r, top, "", "errors")) == NULL ||
	    get_int(r, errors, "errors", "total", 0, &total) == -1 ||
	    get_int(r, errors, "errors", "other", 0, &other) == -1 ||
	    read_counters(r, errors, "kinds", tmp->kinds, &tmp->nkinds) == -1 ||
	    read_counters(r, errors, "codes", tmp->codes, &tmp->ncodes) == -1)
		return -1;
	if (total != tmp->failed) {
		at(r, "errors", "total");
		return bad(r, "%lld, not the failed sessions (%lld)", (long long)total,
		    (long long)tmp->failed);
	}
	tmp->other_keys = other;
	if (read_histogram(r, top) == -1)
		return -1;
	return read_phases(r, top, tmp);
}

static int
parse_json(json_t *top, const char *name, struct load_stats *st, char *scenario,
    size_t scenlen, char *err, size_t errlen)
{
	struct rd		 r = { name, err, errlen, "" };
	struct load_stats	 tmp;
	size_t			 i, n = 0;
	int			 rc;

	if (ls_init(&tmp) == -1) {
		snprintf(err, errlen, "%s: out of memory", name);
		return -1;
	}
	rc = read_top(&r, top, &tmp, scenario, scenlen);
	/* Room for the phases first: a failed ls_add would add half. */
	for (i = 0, n = st->nphases; rc == 0 && i < tmp.nphases; i++)
		if (tmp.phases[i].h.total > 0 &&
		    ls_phase_index(st, tmp.phases[i].name, 0) == -1)
			n++;
	if (rc == 0 && largest(st) > SUM_MAX) {
		r.where[0] = '\0';
		rc = bad(&r, "with the reports before it, counts past 2^62");
	} else if (rc == 0 && (n > LS_MAX_PHASES || ls_add(st, &tmp) == -1)) {
		r.where[0] = '\0';
		rc = bad(&r, "with the reports before it, more than %d phases "
		    "(or out of memory)", LS_MAX_PHASES);
	}
	ls_free(&tmp);
	return rc;
}

/* jansson's complaint, with where it was. */
static int
syntax(const json_error_t *je, const char *name, char *err, size_t errlen)
{
	if (je->line > 0)
		snprintf(err, errlen, "%s: not a smtprun load report (not JSON: %s, "
		    "line %d, column %d)", name, je->text, je->line, je->column);
	else
		snprintf(err, errlen, "%s: %s", name, je->text);
	return -1;
}

int
load_report_parse(const char *text, size_t len, const char *name,
    struct load_stats *st, char *scenario, size_t scenlen, char *err, size_t errlen)
{
	json_error_t	 je;
	json_t		*top;
	int		 rc;

	if ((top = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je)) == NULL)
		return syntax(&je, name, err, errlen);
	rc = parse_json(top, name, st, scenario, scenlen, err, errlen);
	json_decref(top);
	return rc;
}

int
load_report_read_json(const char *path, struct load_stats *st, char *scenario,
    size_t scenlen, char *err, size_t errlen)
{
	json_error_t	 je;
	json_t		*top;
	FILE		*f;
	int		 rc;

	if ((f = fopen(path, "re")) == NULL) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	top = json_loadf(f, JSON_REJECT_DUPLICATES, &je);
	fclose(f);
	if (top == NULL)
		return syntax(&je, path, err, errlen);
	rc = parse_json(top, path, st, scenario, scenlen, err, errlen);
	json_decref(top);
	return rc;
}
