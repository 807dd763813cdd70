/*
 * sasl.h - the client side of SASL mechanisms (RFC 4954 and friends).
 *
 * Pure: no I/O. Each function builds the base64 payload a client sends.
 */
#ifndef SMTPRUN_SASL_H
#define SMTPRUN_SASL_H

#include <stddef.h>

#include "buf.h"

/* PLAIN (RFC 4616): base64(authzid NUL authcid NUL password). authzid may be
 * NULL or "". Returns 0, -1 out of memory, or -2 when a field holds a NUL. */
int	sasl_plain(const char *authzid, size_t zlen, const char *user, size_t ulen,
	    const char *pass, size_t plen, struct buf *out);

#endif
