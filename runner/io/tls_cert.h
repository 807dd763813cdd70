/* tls_cert.h - a certificate made on the spot (the demo server's). */
#ifndef SMTPRUN_TLS_CERT_H
#define SMTPRUN_TLS_CERT_H

#include <stddef.h>

#include "core/buf.h"

/* A self-signed certificate for cn (SANs: cn and 127.0.0.1) valid for
 * `days`, and its key (EC P-256), as PEM text appended to cert and key.
 * Returns 0, or -1 with err. */
int	tls_selfsigned(const char *cn, int days, struct buf *cert, struct buf *key,
	    char *err, size_t errlen);

#endif
