/*
 * trformat.h - one transcript line, formatted. Pure: no I/O (the sinks
 * are io/transcript.h). Markers follow swaks:
 *
 *	"=== "  information         " -> "  a line sent      "<-  "  a line received
 *	"<** "  a received reply that failed: its expectation, or its framing
 *	        (a bad code, mixed codes, a line too long, a NUL), or cut short
 *	        (a timeout or a close in the middle of it)
 *	"*** "  an error
 *	" ~> " / "<~  " / "<~* "  the same inside TLS
 */
#ifndef SMTPRUN_TRFORMAT_H
#define SMTPRUN_TRFORMAT_H

#include <stddef.h>

#include "core/buf.h"
#include "core/linebuf.h"

enum tr_kind {
	TR_INFO,
	TR_SEND,
	TR_RECV,
	TR_RECV_BAD,
	TR_ERROR,
	TR_TLS_SEND,
	TR_TLS_RECV,
	TR_TLS_RECV_BAD
};

/* Formats one transcript line (with "\n") onto out: the marker, then the
 * text escaped (core/escape.h; our own lines, TR_INFO and TR_ERROR, keep
 * tabs as two spaces); a "334 <base64>" line gets its decoded text appended;
 * a line that ended in a bare LF, or did not end, says so. elapsed is
 * shown (as "[   1.500] ") when timestamps is true. Returns 0 or -1. */
int	tr_format(struct buf *out, double elapsed, int timestamps, enum tr_kind kind,
	    const char *text, size_t n, enum lb_term term);
/* The same for a line cut short: text is its start, and "[… more more
 * bytes]" says how much of it is not shown (more > 0). */
int	tr_format_cut(struct buf *out, double elapsed, int timestamps, enum tr_kind kind,
	    const char *text, size_t n, size_t more);

/* The marker kind inside TLS (" ~> ", "<~  ", "<~* ") when tls is true. */
static inline enum tr_kind
tr_in_tls(enum tr_kind k, int tls)
{
	if (!tls)
		return k;
	return k == TR_SEND ? TR_TLS_SEND : k == TR_RECV ? TR_TLS_RECV :
	    k == TR_RECV_BAD ? TR_TLS_RECV_BAD : k;
}

#endif
