/*
 * hdrenc.h - HdrHistogram's V2 encoding of a histogram (core/hist.h), the
 * form its interval logs carry (--hdr-log, issue 12), and back.
 *
 * Pure: no I/O (zlib for the compression). The bytes are those HdrHistogram's
 * own writers (Java, C, JS) produce, so its readers take them as theirs:
 *
 *   V2 encoding, big-endian:  cookie 0x1c849313 (0x1c849303 | 0x10, as the
 *   reference writers set it), payload length, normalizing index offset (0),
 *   significant digits, lowest discernible value (1), highest trackable
 *   value, integer-to-double ratio (1.0, an IEEE double); then the payload:
 *   counts[0 .. last non-zero] as ZigZag LEB128 varints (at most 9 bytes,
 *   the 9th carrying 8 bits), a run of n >= 2 zero counts as one -n.
 *
 *   V2 compressed: cookie 0x1c849314, the length of what follows, then the
 *   encoding above through zlib's deflate (a zlib stream, best compression).
 */
#ifndef SMTPRUN_HDRENC_H
#define SMTPRUN_HDRENC_H

#include <stddef.h>

#include "core/buf.h"
#include "core/hist.h"

#define HDR_V2_COOKIE		0x1c849313U
#define HDR_V2_COMPRESSED_COOKIE 0x1c849314U
#define HDR_V2_HEADER_LEN	40

/* Appends the V2 encoding of h to out. 0, or -1 (out of memory). */
int	hdr_encode_v2(const struct hist *h, struct buf *out);
/* Appends the V2 compressed encoding of h to out. 0, or -1 (out of memory,
 * or zlib failed). */
int	hdr_compress_v2(const struct hist *h, struct buf *out);

/*
 * Reads a V2 compressed encoding (in[0..n), raw bytes, not base64) into h,
 * made here (hist_init; the caller frees it). Only what hist.h can hold:
 * lowest discernible value 1, normalizing offset 0, ratio 1.0, 1-5
 * significant digits, a highest trackable value up to 2^61. Counts land by index; min and max are their buckets'
 * lowest and highest equivalent values, the sum their lowest values (the
 * exact ones are not in the encoding). 0, or -1 with why in err (h then
 * holds nothing to free).
 */
int	hdr_decompress_v2(const void *in, size_t n, struct hist *h, char *err,
	    size_t errlen);

#endif
