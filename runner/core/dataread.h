/*
 * dataread.h - the server role's reading of DATA (RFC 5321 sections 4.1.1.4
 * and 4.5.2): the message, line by line, up to the end-of-data sequence.
 *
 * Pure: no I/O. Takes the lines a linebuf hands out (split at every LF) and
 * applies the RFC's rules, in which only CRLF ends a line:
 *   - the message ends only at CRLF "." CRLF: a "." line that a bare LF ended,
 *     or that follows a line a bare LF ended, is message content, so no
 *     "<LF>.<LF>" or "<CR><LF>.<LF>" can end one message and smuggle another;
 *   - the leading-dot rule applies only at the start of a CRLF line;
 *   - a bare LF, and a CR not followed by LF, are kept as sent and noted
 *     (dr.bare), for the caller to accept or refuse.
 * The message is stored up to `max` bytes; past that it is counted, not
 * stored (dr.toobig), so a client cannot make it grow: the caller reads on
 * to the end and refuses it. It also tells which lines fit in `record_max`
 * bytes of transcript.
 *
 * lf_end (off by default; set after dr_init) is the old, vulnerable
 * behaviour, for test servers that show what the smuggling checks find: a
 * "." line ended by a bare LF, or following one, ends the message too (the
 * lookalikes <LF>.<LF>, <LF>.<CR><LF> and <CR><LF>.<LF>).
 */
#ifndef SMTPRUN_DATAREAD_H
#define SMTPRUN_DATAREAD_H

#include <stddef.h>

#include "core/buf.h"
#include "core/linebuf.h"

enum dr_status {
	DR_MORE = 0,	/* taken: more lines to come */
	DR_END,		/* the end-of-data line: dr.msg holds the message */
	DR_NOMEM
};

struct data_reader {
	struct buf	 msg;		/* the message, dots undone (up to max) */
	size_t		 max;
	size_t		 size;		/* the message's length, stored or not */
	size_t		 lines;		/* lines (CRLF or bare LF ended) taken */
	size_t		 record_max;	/* transcript bytes for the message */
	size_t		 recorded;
	size_t		 unrecorded;	/* lines past record_max */
	int		 at_bol;	/* the last line ended with CRLF (or none yet) */
	int		 bare;		/* a bare LF or bare CR was seen */
	int		 toobig;	/* size went past max: msg is incomplete */
	int		 lf_end;	/* a bare-LF "." line ends it too (unsafe) */
};

void	dr_init(struct data_reader *d, size_t max, size_t record_max);
void	dr_free(struct data_reader *d);
/* Takes one line (terminator stripped, as lb_line gives it). *record is set
 * to 1 when the line belongs in the transcript (within record_max, and
 * always the end-of-data line), else 0. */
enum dr_status dr_line(struct data_reader *d, const char *line, size_t len,
	    enum lb_term term, int *record);

#endif
