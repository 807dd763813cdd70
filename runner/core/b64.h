/*
 * b64.h - base64 (RFC 4648) through OpenSSL's EVP encoder.
 *
 * Pure: no I/O. Decoding is strict: only the standard alphabet, length a
 * multiple of four, "=" padding only at the end. No line breaks.
 */
#ifndef SMTPRUN_B64_H
#define SMTPRUN_B64_H

#include <stddef.h>

#include "core/buf.h"

enum b64_status {
	B64_OK = 0,
	B64_INVALID,		/* not base64: *why says what is wrong */
	B64_NOMEM
};

/* Appends the encoding of in[0..n) to out. Returns 0, or -1 out of memory. */
int	b64_encode(const void *in, size_t n, struct buf *out);
/* Appends the decoding of in[0..n) to out. */
enum b64_status b64_decode(const char *in, size_t n, struct buf *out, const char **why);

#endif
