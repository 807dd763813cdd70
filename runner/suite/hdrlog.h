/*
 * hdrlog.h - a load run's latency histograms as an HdrHistogram interval
 * log (--hdr-log FILE, issue 12), for HdrHistogram's own tools
 * (HistogramLogAnalyzer, HistogramLogProcessor, the Java, C, Python and JS
 * libraries). docs/load.md describes the file.
 */
#ifndef SMTPRUN_HDRLOG_H
#define SMTPRUN_HDRLOG_H

#include <stddef.h>

#include "core/loadstats.h"

/* Writes st's phases (those with count > 0) as an HdrHistogram interval log
 * (V2 compressed encoding, base64), one tag per phase ("Tag=dot,..."), one
 * interval spanning the run (st->started_at .. st->ended_at). Values are
 * microseconds; the Interval_Max column is in milliseconds. scenario (may be
 * NULL) is named in a comment. 0, or -1 with why in err. */
int	hdrlog_write(const char *path, const struct load_stats *st,
	    const char *scenario, char *err, size_t errlen);

#endif
