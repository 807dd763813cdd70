/*
 * dataread.h - the server role's reading of DATA (RFC 5321 section 4.5.2):
 * the message, line by line, up to the lone ".".
 *
 * Pure: no I/O. Each line (terminator stripped, from a linebuf) has its
 * leading dot undone and is appended to the message with the line ending the
 * client sent ("\r\n" or a bare "\n").
 */
#ifndef SMTPRUN_DATAREAD_H
#define SMTPRUN_DATAREAD_H

#include <stddef.h>

#include "core/buf.h"
#include "core/linebuf.h"

enum dr_status {
	DR_MORE = 0,	/* appended: more lines to come */
	DR_END,		/* the lone ".": msg holds the whole message */
	DR_TOOBIG,	/* msg grew past max */
	DR_NOMEM
};

/* Takes one line of DATA into msg, which may hold at most max bytes. On
 * DR_TOOBIG and DR_NOMEM msg is incomplete (the caller frees it). */
enum dr_status dr_line(struct buf *msg, size_t max, const char *line, size_t len,
	    enum lb_term term);

#endif
