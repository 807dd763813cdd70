/* report_load.c - INTERIM (the lead's stand-in until the real one lands). */
#include <string.h>

#include "suite/report_load.h"

int
load_report_print(FILE *f, const struct load_stats *st, const struct load_report *r)
{
	size_t	 i;
	int	 bad = 0;
	double	 v;

	fprintf(f, "sessions %lld failed %lld messages %lld bytes %lld duration %.3f\n",
	    (long long)st->sessions, (long long)st->failed, (long long)st->messages,
	    (long long)st->bytes, ls_duration(st));
	for (i = 0; i < st->nphases; i++) {
		const struct hist *h = &st->phases[i].h;
		if (h->total == 0)
			continue;
		fprintf(f, "%-10s %8lld p50 %.3f p90 %.3f p99 %.3f p999 %.3f max %.3f\n",
		    st->phases[i].name, (long long)h->total,
		    hist_percentile(h, 50) / 1e3, hist_percentile(h, 90) / 1e3,
		    hist_percentile(h, 99) / 1e3, hist_percentile(h, 99.9) / 1e3, h->max / 1e3);
	}
	for (i = 0; i < st->nkinds; i++)
		fprintf(f, "error %s %lld\n", st->kinds[i].key, (long long)st->kinds[i].n);
	for (i = 0; i < st->ncodes; i++)
		fprintf(f, "code %s %lld\n", st->codes[i].key, (long long)st->codes[i].n);
	for (i = 0; i < r->nth; i++) {
		int ok = th_check(&r->th[i], st, &v) == 1;
		bad += !ok;
		fprintf(f, "threshold %s %s %.3f\n", r->th[i].text, ok ? "ok" : "FAILED", v);
	}
	return bad;
}

int
load_report_write_json(const char *path, const struct load_stats *st,
    const struct load_report *r, char *err, size_t errlen)
{
	(void)path; (void)st; (void)r;
	snprintf(err, errlen, "--json: not yet");
	return -1;
}

int
load_report_read_json(const char *path, struct load_stats *st, char *scenario,
    size_t scenlen, char *err, size_t errlen)
{
	(void)path; (void)st; (void)scenario; (void)scenlen;
	snprintf(err, errlen, "not yet");
	return -1;
}
