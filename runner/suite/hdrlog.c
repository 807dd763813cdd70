/* hdrlog.c - HdrHistogram interval logs of a load run (--hdr-log). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/b64.h"
#include "core/buf.h"
#include "core/hdrenc.h"
#include "io/outfile.h"
#include "suite/hdrlog.h"

/* s in a log line: HdrHistogram's readers split fields at commas and blanks
 * (Java also at line ends), so those and other control bytes become "_". */
static void
put_clean(FILE *f, const char *s)
{
	for (; *s != '\0'; s++)
		putc((unsigned char)*s <= ' ' || *s == ',' || *s == 0x7f ? '_' : *s, f);
}

static void
put_header(FILE *f, const struct load_stats *st, const char *scenario)
{
	char		 date[64] = "";
	time_t		 t = (time_t)st->started_at;
	struct tm	 tm;

	fputs("#[smtprun load", f);
	if (scenario != NULL) {
		putc(' ', f);
		put_clean(f, scenario);
	}
	fputs(": one tag per SMTP phase, values in microseconds,"
	    " Interval_Max in milliseconds]\n", f);
	fputs("#[Histogram log format version 1.3]\n", f);
	/* Java's Date.toString(), as its writer puts it, in UTC. */
	if (gmtime_r(&t, &tm) != NULL)
		strftime(date, sizeof(date), "%a %b %d %H:%M:%S UTC %Y", &tm);
	fprintf(f, "#[StartTime: %.3f (seconds since epoch), %s]\n", st->started_at, date);
	/* The interval's start is relative to this. */
	fprintf(f, "#[BaseTime: %.3f (seconds since epoch)]\n", st->started_at);
	fputs("\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\","
	    "\"Interval_Compressed_Histogram\"\n", f);
}

int
hdrlog_write(const char *path, const struct load_stats *st, const char *scenario,
    char *err, size_t errlen)
{
	struct buf	 bin = BUF_INIT, text = BUF_INIT;
	const struct hist *h;
	double		 length = st->ended_at > st->started_at ?
			    st->ended_at - st->started_at : 0;
	FILE		*f;
	size_t		 i;
	int		 rc = 0;

	if ((f = out_fopen(path, OUT_PRIVATE, err, errlen)) == NULL)
		return -1;
	put_header(f, st, scenario);
	for (i = 0; i < st->nphases && rc == 0; i++) {
		h = &st->phases[i].h;
		if (h->total == 0)
			continue;
		bin.len = text.len = 0;
		if (hdr_compress_v2(h, &bin) == -1 || b64_encode(bin.p, bin.len, &text) == -1) {
			snprintf(err, errlen, "%s: cannot encode the %s histogram (out of memory)",
			    path, st->phases[i].name);
			rc = -1;
			break;
		}
		fputs("Tag=", f);
		put_clean(f, st->phases[i].name);
		fprintf(f, ",0.000,%.3f,%.3f,%s\n", length, (double)h->max / 1000,
		    buf_cstr(&text));
	}
	buf_free(&bin);
	buf_free(&text);
	if (out_fclose(f) == -1 && rc == 0) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		rc = -1;
	}
	return rc;
}
