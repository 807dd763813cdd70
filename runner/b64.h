/*
 * b64.h - base64 (RFC 4648) through OpenSSL's EVP encoder.
 *
 * Pure: no I/O. Decoding is strict: only the standard alphabet, length a
 * multiple of four, "=" padding only at the end. No line breaks.
 */
#ifndef SMTPRUN_B64_H
#define SMTPRUN_B64_H

#include <stddef.h>

#include "buf.h"

/* Appends the encoding of in[0..n) to out. Returns 0, or -1 out of memory. */
int	b64_encode(const void *in, size_t n, struct buf *out);
/* Appends the decoding to out. Returns 0; -1 if in is not valid base64 (with
 * a reason in *why); -2 out of memory. */
int	b64_decode(const char *in, size_t n, struct buf *out, const char **why);

#endif
