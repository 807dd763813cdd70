/* hdrlog_test.c - the --hdr-log writer (suite/hdrlog.c): the lines of the
 * file, a tag per phase that ran, and its histogram read back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"

#include "core/b64.h"
#include "core/hdrenc.h"
#include "suite/hdrlog.h"

/* The whole of path, NUL-terminated (the caller frees it). */
static char *
slurp(const char *path)
{
	FILE	*f;
	char	*s;
	long	 n;

	assert_non_null(f = fopen(path, "r"));
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	assert_non_null(s = calloc(1, (size_t)n + 1));
	assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return s;
}

/* The histogram of tag in log, decoded into h. */
static void
read_tag(const char *log, const char *tag, struct hist *h)
{
	char		 want[64], err[128];
	const char	*line, *b64, *end, *why;
	struct buf	 z = BUF_INIT;

	snprintf(want, sizeof(want), "\nTag=%s,", tag);
	if ((line = strstr(log, want)) == NULL)
		fail_msg("no %s in:\n%s", want + 1, log);
	end = strchr(line + 1, '\n');
	assert_non_null(end);
	for (b64 = end; b64[-1] != ','; b64--)
		continue;
	assert_int_equal(b64_decode(b64, (size_t)(end - b64), &z, &why), B64_OK);
	if (hdr_decompress_v2(z.p, z.len, h, err, sizeof(err)) == -1)
		fail_msg("%s: %s", tag, err);
	buf_free(&z);
}

static void
test_log(void **state)
{
	struct load_stats st;
	struct hist	 h;
	char		 dir[] = "/tmp/hdrlog_test.XXXXXX", path[64], err[256];
	char		*log;
	int		 c;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/run.hdr", dir);
	assert_int_equal(ls_init(&st), 0);
	st.started_at = 1764576000.25;
	st.ended_at = 1764576003.75;
	for (int i = 1; i <= 100; i++)
		ls_record(&st, LS_CONNECT, i * 37);
	ls_record(&st, LS_DOT, 1234567);
	assert_true((c = ls_phase_index(&st, "my step,x", 1)) >= 0);
	ls_record(&st, c, 12);
	assert_int_equal(hdrlog_write(path, &st, "a\nb.lua", err, sizeof(err)), 0);
	log = slurp(path);
	/* The header: the scenario on one line, then HdrHistogram's lines. */
	assert_non_null(strstr(log, "#[smtprun load a_b.lua: one tag per SMTP phase, "
	    "values in microseconds, Interval_Max in milliseconds]\n"
	    "#[Histogram log format version 1.3]\n"
	    "#[StartTime: 1764576000.250 (seconds since epoch), Mon Dec 01 08:00:00 UTC 2025]\n"
	    "#[BaseTime: 1764576000.250 (seconds since epoch)]\n"
	    "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\","
	    "\"Interval_Compressed_Histogram\"\nTag=connect,"));
	/* A line per phase that ran, in order; max in milliseconds. */
	assert_non_null(strstr(log, "\nTag=connect,0.000,3.500,3.700,HISTF"));
	assert_non_null(strstr(log, "\nTag=dot,0.000,3.500,1234.567,HISTF"));
	assert_non_null(strstr(log, "\nTag=my_step_x,0.000,3.500,0.012,HISTF"));
	assert_true(strstr(log, "Tag=connect") < strstr(log, "Tag=dot"));
	assert_null(strstr(log, "Tag=session"));
	assert_null(strstr(log, "Tag=tls"));
	read_tag(log, "connect", &h);
	assert_int_equal(h.total, 100);
	assert_memory_equal(h.counts, st.phases[LS_CONNECT].h.counts,
	    h.counts_len * sizeof(*h.counts));
	hist_free(&h);
	read_tag(log, "my_step_x", &h);
	assert_int_equal(h.total, 1);
	assert_int_equal(h.min, 12);
	hist_free(&h);
	free(log);
	unlink(path);
	rmdir(dir);
	ls_free(&st);
}

static void
test_errors(void **state)
{
	struct load_stats st;
	char		 err[256];

	(void)state;
	assert_int_equal(ls_init(&st), 0);
	ls_record(&st, LS_CONNECT, 5);
	assert_int_equal(hdrlog_write("/nonexistent/dir/run.hdr", &st, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/dir/run.hdr"));
	if (access("/dev/full", W_OK) == 0) {
		assert_int_equal(hdrlog_write("/dev/full", &st, NULL, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "cannot write /dev/full: No space left on device"));
	}
	ls_free(&st);
}

UNIT_MAIN(
	cmocka_unit_test(test_log),
	cmocka_unit_test(test_errors)
)
