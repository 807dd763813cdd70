/* hdrenc.c - HdrHistogram's V2 (compressed) encoding, both ways. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <zlib.h>

#include "core/hdrenc.h"

#define COOKIE_BASE(c)	((c) & ~0xf0U)
/* The longest varint: 8 bytes of 7 bits and a 9th of 8. */
#define VARINT_MAX	9

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static void
put64(unsigned char *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

static uint32_t
get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t
get64(const unsigned char *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

static uint64_t
double_bits(double d)
{
	uint64_t u;

	memcpy(&u, &d, sizeof(u));
	return u;
}

/* HdrHistogram's ZigZag LEB128 "64b9B": 7 bits a byte, low first, for 8
 * bytes; a 9th byte, when needed, takes the last 8 bits whole. Returns the
 * bytes written to p (room for VARINT_MAX). */
static size_t
varint_put(unsigned char *p, int64_t v)
{
	uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
	size_t	 n;

	for (n = 0; n < 8; n++) {
		if (z < 0x80) {
			p[n++] = (unsigned char)z;
			return n;
		}
		p[n] = (unsigned char)(z | 0x80);
		z >>= 7;
	}
	p[8] = (unsigned char)z;
	return 9;
}

/* Reads one varint from p[0..n). Returns the bytes read, 0 when truncated. */
static size_t
varint_get(const unsigned char *p, size_t n, int64_t *v)
{
	uint64_t z = 0;
	size_t	 i;

	for (i = 0; i < 8; i++) {
		if (i >= n)
			return 0;
		z |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if (!(p[i] & 0x80))
			break;
	}
	if (i == 8) {
		if (n < 9)
			return 0;
		z |= (uint64_t)p[8] << 56;
	}
	*v = (int64_t)(z >> 1) ^ -(int64_t)(z & 1);
	return i == 8 ? 9 : i + 1;
}

int
hdr_encode_v2(const struct hist *h, struct buf *out)
{
	unsigned char	 hdr[HDR_V2_HEADER_LEN], v[VARINT_MAX];
	size_t		 limit, i, j, start;
	int64_t		 zeros;

	/* Counts up to the last non-zero one: the reference writers stop at
	 * the index of the max. */
	for (limit = h->counts_len; limit > 0 && h->counts[limit - 1] == 0; limit--)
		continue;
	start = out->len;
	put32(hdr, HDR_V2_COOKIE);
	put32(hdr + 4, 0);		/* the payload's length, below */
	put32(hdr + 8, 0);		/* normalizing index offset */
	put32(hdr + 12, (uint32_t)h->sigfigs);
	put64(hdr + 16, 1);		/* lowest discernible value */
	put64(hdr + 24, (uint64_t)h->highest);
	put64(hdr + 32, double_bits(1.0));
	buf_append(out, hdr, sizeof(hdr));
	for (i = 0; i < limit; i = j) {
		j = i + 1;
		if (h->counts[i] != 0) {
			buf_append(out, v, varint_put(v, h->counts[i]));
			continue;
		}
		while (j < limit && h->counts[j] == 0)
			j++;
		/* A lone zero is a 0, as the Java and JS writers put it. */
		zeros = (int64_t)(j - i);
		buf_append(out, v, varint_put(v, zeros > 1 ? -zeros : 0));
	}
	if (buf_ok(out) == -1)
		return -1;
	put32((unsigned char *)out->p + start + 4,
	    (uint32_t)(out->len - start - HDR_V2_HEADER_LEN));
	return 0;
}

int
hdr_compress_v2(const struct hist *h, struct buf *out)
{
	struct buf	 raw = BUF_INIT;
	unsigned char	 hdr[8];
	uLongf		 zlen;
	size_t		 start = out->len;
	int		 rc = -1;

	if (hdr_encode_v2(h, &raw) == -1)
		goto done;
	zlen = compressBound(raw.len);
	if (buf_reserve(out, sizeof(hdr) + zlen) == -1)
		goto done;
	if (compress2((Bytef *)out->p + start + sizeof(hdr), &zlen,
	    (const Bytef *)raw.p, raw.len, Z_BEST_COMPRESSION) != Z_OK)
		goto done;
	put32(hdr, HDR_V2_COMPRESSED_COOKIE);
	put32(hdr + 4, (uint32_t)zlen);
	memcpy(out->p + start, hdr, sizeof(hdr));
	out->len = start + sizeof(hdr) + zlen;
	rc = 0;
done:
	buf_free(&raw);
	return rc;
}

static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Inflates the zlib stream in[0..n) into out, at most max bytes. 0, or -1
 * with why in err. */
static int
inflate_max(const void *in, size_t n, size_t max, struct buf *out, char *err,
    size_t errlen)
{
	z_stream zs;
	int	 zrc;

	memset(&zs, 0, sizeof(zs));
	if (inflateInit(&zs) != Z_OK)
		return fail(err, errlen, "zlib: cannot start inflating");
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = (uInt)n;
	do {
		if (out->len >= max) {
			inflateEnd(&zs);
			return fail(err, errlen, "inflates past %zu bytes", max);
		}
		if (buf_reserve(out, 4096) == -1) {
			inflateEnd(&zs);
			return fail(err, errlen, "out of memory");
		}
		zs.next_out = (Bytef *)out->p + out->len;
		zs.avail_out = (uInt)(out->cap - out->len);
		zrc = inflate(&zs, Z_NO_FLUSH);
		out->len = out->cap - zs.avail_out;
	} while (zrc == Z_OK);
	inflateEnd(&zs);
	if (zrc != Z_STREAM_END)
		return fail(err, errlen, "not a complete zlib stream");
	return 0;
}

/* The counts of a V2 payload p[0..n) into h (made, empty). */
static int
decode_counts(const unsigned char *p, size_t n, struct hist *h, char *err,
    size_t errlen)
{
	size_t	 k, idx = 0, used;
	int64_t	 v, lowest = -1;

	for (k = 0; k < n; k += used) {
		if ((used = varint_get(p + k, n - k, &v)) == 0)
			return fail(err, errlen, "a count is cut short");
		if (v < 0) {
			if (v < -(int64_t)(h->counts_len - idx))
				return fail(err, errlen, "counts past the histogram's end");
			idx += (size_t)-v;
			continue;
		}
		if (idx >= h->counts_len)
			return fail(err, errlen, "counts past the histogram's end");
		if (v > INT64_MAX - h->total)
			return fail(err, errlen, "the total count overflows");
		if (v > 0) {
			if (lowest == -1)
				lowest = hist_index_value(h, idx);
			h->max = hist_highest_equivalent(h, hist_index_value(h, idx));
			h->sum += (double)hist_index_value(h, idx) * (double)v;
		}
		h->counts[idx++] = v;
		h->total += v;
	}
	h->min = lowest == -1 ? 0 : lowest;
	if (h->max > h->highest)
		h->max = h->highest;
	return 0;
}

int
hdr_decompress_v2(const void *in, size_t n, struct hist *h, char *err, size_t errlen)
{
	const unsigned char *p = in;
	struct buf	 raw = BUF_INIT;
	uint64_t	 lowest, highest;
	uint32_t	 len, plen, sigfigs;
	int		 rc = -1;

	memset(h, 0, sizeof(*h));
	if (n < 8 || COOKIE_BASE(get32(p)) != COOKIE_BASE(HDR_V2_COMPRESSED_COOKIE))
		return fail(err, errlen, "not an HdrHistogram V2 compressed histogram");
	if ((len = get32(p + 4)) != n - 8)
		return fail(err, errlen, "length %u, but %zu bytes follow", len, n - 8);
	/* Bounded: the header and 9 bytes for each count of the largest
	 * histogram hist.h makes (5 digits, highest near 2^63). */
	if (inflate_max(p + 8, n - 8, HDR_V2_HEADER_LEN + VARINT_MAX * ((size_t)64 << 17),
	    &raw, err, errlen) == -1)
		goto done;
	p = (const unsigned char *)raw.p;
	if (raw.len < HDR_V2_HEADER_LEN || COOKIE_BASE(get32(p)) != COOKIE_BASE(HDR_V2_COOKIE)) {
		fail(err, errlen, "not an HdrHistogram V2 encoding inside");
		goto done;
	}
	plen = get32(p + 4);
	sigfigs = get32(p + 12);
	lowest = get64(p + 16);
	highest = get64(p + 24);
	if (plen != raw.len - HDR_V2_HEADER_LEN) {
		fail(err, errlen, "payload length %u, but %zu bytes follow", plen,
		    raw.len - HDR_V2_HEADER_LEN);
		goto done;
	}
	if (get32(p + 8) != 0 || lowest != 1 || get64(p + 32) != double_bits(1.0)) {
		fail(err, errlen, "only a lowest value of 1, no offset, ratio 1.0 are read");
		goto done;
	}
	/* Up to 2^61: the buckets' bounds then stay well inside int64_t. */
	if (highest > INT64_MAX >> 2 ||
	    hist_init(h, (int64_t)highest, (int)(sigfigs > 5 ? 0 : sigfigs)) == -1) {
		hist_free(h);
		fail(err, errlen, "highest value %llu, %u digits: not a histogram here",
		    (unsigned long long)highest, sigfigs);
		goto done;
	}
	if (decode_counts(p + HDR_V2_HEADER_LEN, plen, h, err, errlen) == -1) {
		hist_free(h);
		goto done;
	}
	rc = 0;
done:
	buf_free(&raw);
	return rc;
}
