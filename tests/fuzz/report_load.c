/* report_load.c - fuzz the reader of load reports (suite/report_load.c,
 * what `smtprun report merge` reads). Properties: a report refused is an
 * error naming the input, with the stats untouched; a report taken has
 * consistent stats (each phase's total is the sum of its buckets, min <=
 * max within highest, failed <= sessions), and reading it twice adds it
 * twice. */
#include <string.h>

#include "core/loadstats.h"
#include "lib/fuzz.h"
#include "suite/report_load.h"

static void
check_stats(const struct load_stats *st)
{
	size_t	 i, k;
	int64_t	 sum;

	FUZZ_CHECK(st->failed <= st->sessions);
	for (i = 0; i < st->nphases; i++) {
		const struct hist *h = &st->phases[i].h;

		for (k = 0, sum = 0; k < h->counts_len; k++) {
			FUZZ_CHECK(h->counts[k] >= 0);
			sum += h->counts[k];
		}
		FUZZ_CHECK(sum == h->total);
		if (h->total > 0)
			FUZZ_CHECK(1 <= h->min && h->min <= h->max && h->max <= h->highest &&
			    h->clamped <= h->total);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct load_stats	 once, twice;
	char			 err[512], scen[64];
	size_t			 i;

	FUZZ_CHECK(ls_init(&once) == 0);
	FUZZ_CHECK(ls_init(&twice) == 0);
	if (load_report_parse((const char *)data, size, "F", &once, scen, sizeof(scen),
	    err, sizeof(err)) == -1) {
		FUZZ_CHECK(strncmp(err, "F: ", 3) == 0);
		FUZZ_CHECK(once.sessions == 0 && once.nphases == LS_NFIXED &&
		    once.phases[LS_DOT].h.total == 0);
	} else {
		check_stats(&once);
		FUZZ_CHECK(load_report_parse((const char *)data, size, "F", &twice, scen,
		    sizeof(scen), err, sizeof(err)) == 0);
		FUZZ_CHECK(load_report_parse((const char *)data, size, "F", &twice, scen,
		    sizeof(scen), err, sizeof(err)) == 0);
		FUZZ_CHECK(twice.sessions == 2 * once.sessions);
		for (i = 0; i < once.nphases; i++)
			FUZZ_CHECK(twice.phases[i].h.total == 2 * once.phases[i].h.total);
	}
	ls_free(&once);
	ls_free(&twice);
	return 0;
}
