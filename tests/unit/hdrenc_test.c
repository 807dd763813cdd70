/* hdrenc_test.c - HdrHistogram's V2 encoding (core/hdrenc.c): the bytes of
 * small cases worked out by hand from the format, the compressed form
 * inflated with zlib directly, and round trips through the decoder. */
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "unit.h"

#include "core/b64.h"
#include "core/hdrenc.h"

#define HOUR_US	(3600LL * 1000 * 1000)

/* The 40-byte header of a 1..HOUR_US, 3-digit histogram with a payload of
 * plen bytes. */
static void
header(unsigned char *p, unsigned plen)
{
	static const unsigned char h[HDR_V2_HEADER_LEN] = {
		0x1c, 0x84, 0x93, 0x13,		/* cookie: V2, TLZE bit */
		0, 0, 0, 0,			/* payload length */
		0, 0, 0, 0,			/* normalizing index offset */
		0, 0, 0, 3,			/* significant digits */
		0, 0, 0, 0, 0, 0, 0, 1,		/* lowest discernible value */
		0, 0, 0, 0, 0xd6, 0x93, 0xa4, 0,	/* 3600000000 */
		0x3f, 0xf0, 0, 0, 0, 0, 0, 0	/* 1.0 */
	};

	memcpy(p, h, sizeof(h));
	p[7] = (unsigned char)plen;
}

/* Encodes h and checks the result is the header then payload[0..n). */
static void
expect_encoding(const struct hist *h, const unsigned char *payload, size_t n)
{
	struct buf	 b = BUF_INIT;
	unsigned char	 want[HDR_V2_HEADER_LEN + 16];

	assert_true(n <= 16);
	header(want, (unsigned)n);
	if (n > 0)
		memcpy(want + HDR_V2_HEADER_LEN, payload, n);
	assert_int_equal(hdr_encode_v2(h, &b), 0);
	assert_int_equal(b.len, HDR_V2_HEADER_LEN + n);
	assert_memory_equal(b.p, want, b.len);
	buf_free(&b);
}

static void
test_small_cases_by_hand(void **state)
{
	struct hist	 h;

	(void)state;
	assert_int_equal(hist_init(&h, HOUR_US, 3), 0);
	/* Empty: no counts at all. */
	expect_encoding(&h, NULL, 0);
	/* 1 once: counts[0] = 0 (a lone zero is 0), counts[1] = 1 (ZigZag 2). */
	hist_record(&h, 1, 1);
	expect_encoding(&h, (const unsigned char *)"\x00\x02", 2);
	/* 5 three times: five zeros as -5 (ZigZag 9), then 3 (6). */
	hist_reset(&h);
	hist_record(&h, 5, 3);
	expect_encoding(&h, (const unsigned char *)"\x09\x06", 2);
	/* 300 = ZigZag 600 = 0x258: LEB128 0xd8 0x04. Values below 1 are 1. */
	hist_reset(&h);
	hist_record(&h, 0, 300);
	expect_encoding(&h, (const unsigned char *)"\x00\xd8\x04", 3);
	/* Two counts with one zero between: 2, 0, 4 at values 1..3. */
	hist_reset(&h);
	hist_record(&h, 1, 1);
	hist_record(&h, 3, 2);
	expect_encoding(&h, (const unsigned char *)"\x00\x02\x00\x04", 4);
	/* The largest count: ZigZag 2^64 - 2 takes all 9 bytes, the 9th whole. */
	hist_reset(&h);
	hist_record(&h, 1, INT64_MAX);
	expect_encoding(&h, (const unsigned char *)
	    "\x00\xfe\xff\xff\xff\xff\xff\xff\xff\xff", 10);
	hist_free(&h);
}

/* The compressed form: its cookie and length, and a zlib stream that
 * inflates (with zlib itself) to exactly the plain encoding. */
static void
test_compressed_frame(void **state)
{
	struct hist	 h;
	struct buf	 plain = BUF_INIT, z = BUF_INIT;
	unsigned char	*back;
	uLongf		 backlen;
	const unsigned char *p;

	(void)state;
	assert_int_equal(hist_init(&h, HOUR_US, 3), 0);
	for (int64_t v = 1; v < HOUR_US; v = v * 3 + 1)
		hist_record(&h, v, v % 7 + 1);
	assert_int_equal(hdr_encode_v2(&h, &plain), 0);
	assert_int_equal(hdr_compress_v2(&h, &z), 0);
	p = (const unsigned char *)z.p;
	assert_memory_equal(p, "\x1c\x84\x93\x14", 4);
	assert_int_equal(((size_t)p[4] << 24 | p[5] << 16 | p[6] << 8 | p[7]), z.len - 8);
	backlen = plain.len + 100;
	assert_non_null(back = malloc(backlen));
	assert_int_equal(uncompress(back, &backlen, p + 8, z.len - 8), Z_OK);
	assert_int_equal(backlen, plain.len);
	assert_memory_equal(back, plain.p, plain.len);
	/* Appends: what was in the buffer stays. */
	buf_free(&z);
	buf_append(&z, "x", 1);
	assert_int_equal(hdr_compress_v2(&h, &z), 0);
	assert_int_equal(z.p[0], 'x');
	assert_memory_equal(z.p + 1, "\x1c\x84\x93\x14", 4);
	free(back);
	buf_free(&plain);
	buf_free(&z);
	hist_free(&h);
}

/* A histogram of 20 values from 1 to near an hour, encoded by HdrHistogram's Java
 * reference (Histogram(1, 3600000000L, 3), recordValueWithCount for the same
 * values, encodeIntoByteBuffer), in base64: ours must be the same bytes. */
static void
test_same_bytes_as_java(void **state)
{
	static const char java[] =
	    "HISTEwAAADgAAAAAAAAAAwAAAAAAAAABAAAAANaTpAA/8AAAAAAAAAAEAwoPDjMMnwEG"
	    "4wMCrwsEwxgKyRkOyxkM4RgGyRoCixgE8xkKjRkOkRkMnxoGoxgCmxoE0RgK";
	struct hist	 h;
	struct buf	 ours = BUF_INIT, want = BUF_INIT;
	const char	*why;

	(void)state;
	assert_int_equal(b64_decode(java, strlen(java), &want, &why), B64_OK);
	assert_int_equal(hist_init(&h, HOUR_US, 3), 0);
	for (int64_t v = 1; v < HOUR_US; v = v * 3 + 1)
		hist_record(&h, v, v % 7 + 1);
	assert_int_equal(hdr_encode_v2(&h, &ours), 0);
	assert_int_equal(ours.len, want.len);
	assert_memory_equal(ours.p, want.p, want.len);
	buf_free(&ours);
	buf_free(&want);
	hist_free(&h);
}

/* Encodes src, decodes it, and checks every count, the total, and that min
 * and max come back as their buckets. */
static void
round_trip(const struct hist *src)
{
	struct hist	 got;
	struct buf	 z = BUF_INIT;
	char		 err[128];

	assert_int_equal(hdr_compress_v2(src, &z), 0);
	if (hdr_decompress_v2(z.p, z.len, &got, err, sizeof(err)) == -1)
		fail_msg("decode: %s", err);
	assert_int_equal(got.highest, src->highest);
	assert_int_equal(got.sigfigs, src->sigfigs);
	assert_int_equal(got.counts_len, src->counts_len);
	assert_memory_equal(got.counts, src->counts, src->counts_len * sizeof(*src->counts));
	assert_int_equal(got.total, src->total);
	if (src->total > 0) {
		assert_int_equal(got.min, hist_lowest_equivalent(src, src->min));
		assert_int_equal(hist_lowest_equivalent(src, got.max),
		    hist_lowest_equivalent(src, src->max));
	}
	hist_free(&got);
	buf_free(&z);
}

static void
test_round_trips(void **state)
{
	struct hist	 h;
	unsigned	 seed = 12;
	int		 sigfigs;

	(void)state;
	for (sigfigs = 1; sigfigs <= 5; sigfigs++) {
		assert_int_equal(hist_init(&h, HOUR_US, sigfigs), 0);
		round_trip(&h);				/* empty */
		hist_record(&h, 1, 1);
		round_trip(&h);				/* one value */
		hist_record(&h, HOUR_US, 2);		/* the highest: a long zero run */
		round_trip(&h);
		hist_record(&h, HOUR_US * 2, 1);	/* clamped to it */
		round_trip(&h);
		/* Values across every bucket, with gaps of every length. */
		for (int i = 0; i < 5000; i++)
			hist_record(&h, 1 + (int64_t)rand_r(&seed) % ((int64_t)1 << (rand_r(&seed) % 32)),
			    1 + rand_r(&seed) % 1000);
		round_trip(&h);
		hist_free(&h);
	}
	/* A small histogram, and the largest the decoder takes. */
	assert_int_equal(hist_init(&h, 2, 1), 0);
	hist_record(&h, 2, 7);
	round_trip(&h);
	hist_free(&h);
	assert_int_equal(hist_init(&h, INT64_MAX >> 2, 2), 0);
	hist_record(&h, INT64_MAX >> 2, 1);
	hist_record(&h, 3, INT64_MAX - 1);
	round_trip(&h);
	hist_free(&h);
}

/* Compresses raw (a V2 encoding, maybe broken) and expects the decoder to
 * refuse it with a message containing why. */
static void
expect_refused(const void *raw, size_t n, const char *why)
{
	unsigned char	 z[256];
	uLongf		 zlen = sizeof(z) - 8;
	struct hist	 h;
	char		 err[128] = "";

	assert_int_equal(compress2(z + 8, &zlen, raw, n, 9), Z_OK);
	memcpy(z, "\x1c\x84\x93\x14", 4);
	z[4] = z[5] = z[6] = 0;
	z[7] = (unsigned char)zlen;
	assert_int_equal(hdr_decompress_v2(z, zlen + 8, &h, err, sizeof(err)), -1);
	if (strstr(err, why) == NULL)
		fail_msg("refused with \"%s\", expected \"%s\"", err, why);
}

static void
test_decoder_refuses(void **state)
{
	unsigned char	 raw[HDR_V2_HEADER_LEN + 16];
	struct hist	 h;
	char		 err[128];

	(void)state;
	assert_int_equal(hdr_decompress_v2("\x1c\x84\x93\x09\0\0\0\0", 8, &h, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not an HdrHistogram V2 compressed"));
	assert_int_equal(hdr_decompress_v2("\x1c\x84\x93\x14\0\0\0\x09xyz", 11, &h, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "length 9, but 3 bytes follow"));
	assert_int_equal(hdr_decompress_v2("\x1c\x84\x93\x14\0\0\0\x03xyz", 11, &h, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "zlib"));
	header(raw, 2);
	memcpy(raw + HDR_V2_HEADER_LEN, "\x00\x02", 2);
	expect_refused(raw, HDR_V2_HEADER_LEN + 1, "payload length 2, but 1 bytes follow");
	header(raw, 1);
	raw[HDR_V2_HEADER_LEN] = 0x80;		/* a varint cut short */
	expect_refused(raw, HDR_V2_HEADER_LEN + 1, "cut short");
	/* A zero run past the end: -(2^20) (ZigZag 2^21 - 1). */
	header(raw, 3);
	memcpy(raw + HDR_V2_HEADER_LEN, "\xff\xff\x7f", 3);
	expect_refused(raw, HDR_V2_HEADER_LEN + 3, "past the histogram's end");
	header(raw, 0);
	raw[23] = 2;				/* lowest discernible value 2 */
	expect_refused(raw, HDR_V2_HEADER_LEN, "lowest value of 1");
	header(raw, 0);
	raw[15] = 6;				/* 6 significant digits */
	expect_refused(raw, HDR_V2_HEADER_LEN, "6 digits");
	header(raw, 0);
	raw[24] = 0x20;				/* highest 2^61 + 3600000000 */
	expect_refused(raw, HDR_V2_HEADER_LEN, "not a histogram here");
	header(raw, 0);
	raw[3] = 0x01;				/* a V1 cookie inside */
	expect_refused(raw, HDR_V2_HEADER_LEN, "V2 encoding inside");
}

UNIT_MAIN(
	cmocka_unit_test(test_small_cases_by_hand),
	cmocka_unit_test(test_compressed_frame),
	cmocka_unit_test(test_same_bytes_as_java),
	cmocka_unit_test(test_round_trips),
	cmocka_unit_test(test_decoder_refuses)
)
