/* report_load_test.c - the reports of a load run (suite/report_load.c):
 * the JSON written reads back as the same stats, exact to the bucket;
 * reports add up as ls_add adds; a malformed report is a clear error,
 * never a crash. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"

#include "core/loadstats.h"
#include "suite/report_load.h"

static char	 dir[] = "/tmp/report_load_test.XXXXXX";

/* Stats with fixed and custom phases, kinds, codes; seed varies them. */
static void
fill(struct load_stats *st, int seed)
{
	int	 i, c;

	assert_int_equal(ls_init(st), 0);
	c = ls_phase_index(st, seed ? "render" : "lookup", 1);
	assert_true(c >= 0);
	for (i = 1; i <= 500; i++) {
		ls_record(st, LS_CONNECT, 50 + (i * 7919 + seed) % 3000);
		ls_record(st, LS_DOT, (int64_t)i * i * (seed + 3));
		ls_record(st, c, i);
		ls_record(st, LS_SESSION, 100000 + i * 1000);
	}
	ls_record(st, LS_SESSION, LS_HIGHEST_US * 2);	/* clamped */
	st->sessions = 501;
	st->messages = 480 + seed;
	st->bytes = 123456789 + seed;
	st->started_at = 1764576291.123456 + seed;
	st->ended_at = st->started_at + 12.5;
	ls_fail(st, "timeout", 0);
	ls_fail(st, "expect", 421);
	ls_fail(st, "expect", 550 + seed);
	st->other_keys = 2;
	st->failed += 2;
}

static void
same(const struct load_stats *a, const struct load_stats *b)
{
	size_t	 i, k;
	int	 j;

	assert_int_equal(a->sessions, b->sessions);
	assert_int_equal(a->failed, b->failed);
	assert_int_equal(a->messages, b->messages);
	assert_int_equal(a->bytes, b->bytes);
	assert_true(a->started_at - b->started_at < 1e-5 && b->started_at - a->started_at < 1e-5);
	assert_true(a->ended_at - b->ended_at < 1e-5 && b->ended_at - a->ended_at < 1e-5);
	assert_int_equal(a->other_keys, b->other_keys);
	assert_int_equal(a->nkinds, b->nkinds);
	for (i = 0; i < a->nkinds; i++)
		assert_int_equal(a->kinds[i].n, ls_counter_get(b->kinds, b->nkinds, a->kinds[i].key));
	assert_int_equal(a->ncodes, b->ncodes);
	for (i = 0; i < a->ncodes; i++)
		assert_int_equal(a->codes[i].n, ls_counter_get(b->codes, b->ncodes, a->codes[i].key));
	for (i = 0; i < a->nphases; i++) {
		const struct hist *x = &a->phases[i].h, *y;

		j = ls_phase_index((struct load_stats *)b, a->phases[i].name, 0);
		if (x->total == 0 && j == -1)
			continue;
		assert_true(j >= 0);
		y = &b->phases[j].h;
		assert_int_equal(x->total, y->total);
		assert_int_equal(x->min, y->min);
		assert_int_equal(x->max, y->max);
		assert_int_equal(x->clamped, y->clamped);
		assert_true(x->sum == y->sum);
		assert_memory_equal(x->counts, y->counts, x->counts_len * sizeof(*x->counts));
		for (k = 0; k <= 1000; k++)
			assert_int_equal(hist_percentile(x, (double)k / 10),
			    hist_percentile(y, (double)k / 10));
	}
}

static char *
tmp(const char *name)
{
	static char	 path[4][256];
	static int	 n;
	char		*p = path[n++ % 4];

	snprintf(p, sizeof(path[0]), "%s/%s", dir, name);
	return p;
}

static void
test_round_trip(void **state)
{
	struct load_stats	 a, back;
	struct load_report	 r = { "scen/x.lua", "127.0.0.1:25", 2, 4, NULL, 0, 0 };
	char			 err[512], scen[256];
	const char		*path = tmp("a.json");

	(void)state;
	fill(&a, 0);
	assert_int_equal(load_report_write_json(path, &a, &r, err, sizeof(err)), 0);
	assert_int_equal(ls_init(&back), 0);
	assert_int_equal(load_report_read_json(path, &back, scen, sizeof(scen), err,
	    sizeof(err)), 0);
	assert_string_equal(scen, "scen/x.lua");
	same(&a, &back);
	/* The custom phase comes after the fixed ones, by name. */
	assert_int_equal(ls_phase_index(&back, "lookup", 0), LS_NFIXED);
	assert_int_equal(access(path, F_OK), 0);
	ls_free(&a);
	ls_free(&back);
}

/* Reading two reports into one is ls_add of the two. */
static void
test_merge(void **state)
{
	struct load_stats	 a, b, sum, merged;
	struct load_report	 r = { NULL, NULL, 0, 0, NULL, 0, 0 };
	char			 err[512], scen[256];

	(void)state;
	fill(&a, 0);
	fill(&b, 1);
	assert_int_equal(load_report_write_json(tmp("a.json"), &a, &r, err, sizeof(err)), 0);
	assert_int_equal(load_report_write_json(tmp("b.json"), &b, &r, err, sizeof(err)), 0);
	assert_int_equal(ls_init(&sum), 0);
	assert_int_equal(ls_add(&sum, &a), 0);
	assert_int_equal(ls_add(&sum, &b), 0);
	assert_int_equal(ls_init(&merged), 0);
	assert_int_equal(load_report_read_json(tmp("a.json"), &merged, scen, sizeof(scen),
	    err, sizeof(err)), 0);
	assert_string_equal(scen, "");		/* scenario null */
	assert_int_equal(load_report_read_json(tmp("b.json"), &merged, scen, sizeof(scen),
	    err, sizeof(err)), 0);
	same(&sum, &merged);
	assert_int_equal(ls_counter_get(merged.codes, merged.ncodes, "421"), 2);
	assert_int_equal(merged.phases[LS_SESSION].h.clamped, 2);
	ls_free(&a);
	ls_free(&b);
	ls_free(&sum);
	ls_free(&merged);
}

/* The text of a valid report, to spoil. */
static char *
valid_text(void)
{
	struct load_stats	 a;
	struct load_report	 r = { "s.lua", NULL, 0, 0, NULL, 0, 0 };
	char			 err[512], *text;
	FILE			*f;
	long			 n;

	fill(&a, 0);
	assert_int_equal(load_report_write_json(tmp("v.json"), &a, &r, err, sizeof(err)), 0);
	ls_free(&a);
	assert_non_null(f = fopen(tmp("v.json"), "r"));
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	assert_non_null(text = calloc(1, (size_t)n + 1));
	assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return text;
}

/* text with the first `from` replaced by `to`. */
static char *
spoil(const char *text, const char *from, const char *to)
{
	const char	*at = strstr(text, from);
	char		*s;

	if (at == NULL)
		fail_msg("\"%s\" not in the report", from);
	assert_non_null(s = malloc(strlen(text) + strlen(to) + 1));
	sprintf(s, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
	return s;
}

/* Parsing s fails, with want in the message; st stays empty. */
static void
rejects(const char *s, const char *want)
{
	struct load_stats	 st;
	char			 err[512] = "", scen[64];

	assert_int_equal(ls_init(&st), 0);
	if (load_report_parse(s, strlen(s), "R.json", &st, scen, sizeof(scen), err,
	    sizeof(err)) != -1)
		fail_msg("accepted, want \"%s\": %.200s", want, s);
	if (strncmp(err, "R.json: ", 8) != 0 || strstr(err, want) == NULL)
		fail_msg("error \"%s\", want \"%s\"", err, want);
	assert_int_equal(st.sessions, 0);
	assert_int_equal(st.phases[LS_DOT].h.total, 0);
	assert_int_equal(st.nphases, LS_NFIXED);
	ls_free(&st);
}

static void
test_malformed(void **state)
{
	static const struct { const char *from, *to, *want; } SPOIL[] = {
		{ "\"smtprun\":\"load\"", "\"smtprun\":\"run\"", "not a smtprun load report" },
		{ "\"version\":1", "\"version\":2", "version 2" },
		{ "\"sessions\":501", "\"sessions\":\"501\"", "sessions: not an integer" },
		{ "\"sessions\":501", "\"sessions\":-1", "sessions: not an integer in [0, 2^53]" },
		{ "\"messages\":480", "\"messages\":4.5", "messages: not an integer" },
		{ "\"started_at\":", "\"started_atx\":", "started_at: missing" },
		{ "\"sigfigs\":3", "\"sigfigs\":2", "sigfigs 2" },
		{ "\"highest\":3600000000", "\"highest\":1000", "highest 1000" },
		{ "\"unit\":\"us\"", "\"unit\":\"ms\"", "histogram.unit" },
		{ "\"buckets\":[[", "\"buckets\":[[99999999,1],[", "phases.connect.buckets[0]: index out of range" },
		{ "\"buckets\":[[", "\"buckets\":[[-1,1],[", "buckets[0]: index out of range" },
		{ "\"buckets\":[[", "\"buckets\":[[0,1],[", "buckets[0]: index 0" },
		{ "\"buckets\":[[", "\"buckets\":[[5],[", "buckets[0]: not [INDEX, COUNT]" },
		{ "\"buckets\":[[", "\"buckets\":[\"x\",[", "buckets[0]: not [INDEX, COUNT]" },
		{ "\"buckets\":[", "\"buckets\":[[9,-4],", "buckets[0]: count not >= 1" },
		{ "\"buckets\":[", "\"buckets\":[[2000,9223372036854775807],", "overflow" },
		{ "\"sessions\":501", "\"sessions\":9007199254740993", "sessions: not an integer in" },
		{ "\"buckets\":[", "\"buckets\":{}, \"x\":[", "not an array" },
		{ "\"count\":500", "\"count\":499", "phases.connect: count 499 is not the sum" },
		{ "\"min_us\":", "\"min_us\":1,\"x\":", "do not fall in the first and the last bucket" },
		{ "\"max_us\":", "\"max_us\":3600000001,\"x\":", "max_us 3600000001" },
		{ "\"sum_us\":", "\"sum_us\":-5,\"x\":", "sum_us: not a number >= 0" },
		{ "\"sum_us\":", "\"sum_us\":1,\"x\":", "sum_us is not between" },
		{ "\"clamped\":0", "\"clamped\":501", "clamped 501 is more" },
		{ "\"errors\":{\"total\":5", "\"errors\":{\"total\":4", "errors.total: 4" },
		{ "\"kinds\":{", "\"kinds\":{\"big\":-1,", "errors.kinds.big: not an integer" },
		{ "\"kinds\":{", "\"kinds\":{\"a-kind-name-that-is-far-too-long-to-keep\":1,",
		    "not a name of 1 to 31" },
		{ "\"codes\":{", "\"codes\":[1], \"x\":{", "errors.codes: not an object" },
		{ "\"phases\":{", "\"phases\":{\"\\u0001\":{},", "phases.\\x01: not a name" },
		{ "\"phases\":{", "\"phases\":{\"extra\":5,", "phases.extra: not an object" },
		{ "\"phases\":{", "\"phases\":[], \"x\":{", "phases: not an object" },
		{ "\"scenario\":\"s.lua\"", "\"scenario\":5", "scenario: not a string" },
		{ "\"failed\":5", "\"failed\":900", "failed: more than the sessions" },
		{ "\"histogram\":{", "\"histogram\":5, \"x\":{", "histogram: not an object" },
		{ "\"smtprun\":\"load\"", "\"smtprun\":\"load\",\"smtprun\":\"load\"", "duplicate" },
	};
	char	*text = valid_text(), *s;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(SPOIL) / sizeof(SPOIL[0]); i++) {
		s = spoil(text, SPOIL[i].from, SPOIL[i].to);
		rejects(s, SPOIL[i].want);
		free(s);
	}
	rejects("", "not a smtprun load report (not JSON");
	rejects("{\"smtprun\": \"load\"", "not JSON");
	rejects("[1,2]", "not a smtprun load report");
	rejects("{}", "not a smtprun load report");
	rejects("null", "not a smtprun load report");
	rejects("\"smtprun\"", "not a smtprun load report");
	/* Every prefix of a valid report is an error, not a crash. */
	for (i = 0; i < strlen(text); i += 7) {
		struct load_stats st;
		char err[512], scen[8];

		assert_int_equal(ls_init(&st), 0);
		assert_int_equal(load_report_parse(text, i, "R.json", &st, scen, sizeof(scen),
		    err, sizeof(err)), -1);
		ls_free(&st);
	}
	free(text);
}

static void
test_read_errors(void **state)
{
	struct load_stats	 st;
	char			 err[512], scen[64];

	(void)state;
	assert_int_equal(ls_init(&st), 0);
	assert_int_equal(load_report_read_json(tmp("nosuch.json"), &st, scen, sizeof(scen),
	    err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot read"));
	assert_non_null(strstr(err, "nosuch.json"));
	/* Too many phases with those already there: st untouched. */
	{
		struct load_stats	 a;
		struct load_report	 r = { NULL, NULL, 0, 0, NULL, 0, 0 };
		char			 name[16];
		int			 i;

		fill(&a, 0);	/* has "lookup" */
		assert_int_equal(load_report_write_json(tmp("p.json"), &a, &r, err,
		    sizeof(err)), 0);
		for (i = (int)st.nphases; i < LS_MAX_PHASES; i++) {
			snprintf(name, sizeof(name), "c%d", i);
			assert_int_equal(ls_phase_index(&st, name, 1), i);
		}
		assert_int_equal(load_report_read_json(tmp("p.json"), &st, scen,
		    sizeof(scen), err, sizeof(err)), -1);
		assert_non_null(strstr(err, "p.json: with the reports before it, more than 32"));
		assert_int_equal(st.sessions, 0);
		assert_int_equal(st.phases[LS_DOT].h.total, 0);
		/* Sums that could overflow are refused. */
		ls_free(&st);
		assert_int_equal(ls_init(&st), 0);
		st.bytes = ((int64_t)1 << 62) + 1;
		assert_int_equal(load_report_read_json(tmp("p.json"), &st, scen,
		    sizeof(scen), err, sizeof(err)), -1);
		assert_non_null(strstr(err, "p.json: with the reports before it, counts past 2^62"));
		assert_int_equal(st.sessions, 0);
		st.bytes = (int64_t)1 << 62;
		assert_int_equal(load_report_read_json(tmp("p.json"), &st, scen,
		    sizeof(scen), err, sizeof(err)), 0);
		assert_int_equal(st.sessions, 501);
		ls_free(&a);
	}
	ls_free(&st);
}

static void
test_print(void **state)
{
	struct load_stats	 a;
	struct threshold	 th[3];
	struct load_report	 r = { "x.lua", "127.0.0.1:2525", 0, 0, th, 3, 0 };
	char			 err[256], *out = NULL;
	size_t			 len = 0;
	FILE			*f;

	(void)state;
	fill(&a, 0);
	assert_int_equal(th_parse(&th[0], "dot.max<1s", err, sizeof(err)), 0);
	assert_int_equal(th_parse(&th[1], "connect.p50<=10s", err, sizeof(err)), 0);
	assert_int_equal(th_parse(&th[2], "tls.p99<1s", err, sizeof(err)), 0);
	assert_non_null(f = open_memstream(&out, &len));
	assert_int_equal(load_report_print(f, &a, &r), 1);	/* tls never ran */
	fclose(f);
	if (getenv("SHOW"))
		fputs(out, stderr);
	assert_non_null(strstr(out, "scenario x.lua against 127.0.0.1:2525\n"));
	assert_non_null(strstr(out, "sessions 501, failed 5, in 12.500 s: 40.1 sessions/s\n"));
	assert_non_null(strstr(out, "messages 480: 38.4 messages/s, 9.4 MiB/s\n"));
	assert_non_null(strstr(out, "phase (ms)      count         p50         p90         p99"
	    "       p99.9         max\n"));
	assert_non_null(strstr(out, "dot               500     187.519     607.743     735.231"
	    "     750.000     750.000\n"));
	assert_non_null(strstr(out, "session           501     351.231     551.423     596.479"
	    "     600.063 3600000.000\n"));
	/* Custom phases after the fixed ones. */
	assert_non_null(strstr(out, "750.000\nsession "));
	assert_non_null(strstr(out, "3600000.000\nlookup            500       0.250"));
	assert_non_null(strstr(out, "by kind: timeout 1, expect 2, other 2\n"));
	assert_non_null(strstr(out, "by code: 421 1, 550 1\n"));
	assert_non_null(strstr(out, "  ok     dot.max<1s  (750 ms)\n"));
	assert_non_null(strstr(out, "  ok     connect.p50<=10s  (1.551 ms)\n"));
	assert_null(strstr(out, "tls  "));	/* phases that never ran are not shown */
	assert_non_null(strstr(out, "  FAILED tls.p99<1s  (the phase never ran)\n"));
	free(out);
	ls_free(&a);
}

static int
setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int
teardown(void **state)
{
	char	 cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_read_errors),
		cmocka_unit_test(test_print),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
