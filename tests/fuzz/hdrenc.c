/* hdrenc.c - fuzz HdrHistogram's V2 encoding (core/hdrenc.c). The first
 * byte chooses. Odd: the rest is a compressed histogram for the decoder;
 * what it accepts must encode and decode again to the same counts. Even: it
 * picks sigfigs (1-3) and highest as the hist target does, then every 4
 * bytes are a value and its count (1-16); the histogram must come back from
 * encode and decode count for count, with min and max in their buckets. */
#include <string.h>

#include "core/hdrenc.h"
#include "lib/fuzz.h"

/* a through the encoder and decoder into b (made here). */
static void
encode_decode(const struct hist *a, struct hist *b)
{
	struct buf	 z = BUF_INIT;
	char		 err[128];

	FUZZ_CHECK(hdr_compress_v2(a, &z) == 0);
	FUZZ_CHECK(hdr_decompress_v2(z.p, z.len, b, err, sizeof(err)) == 0);
	FUZZ_CHECK(b->counts_len == a->counts_len && b->highest == a->highest &&
	    b->sigfigs == a->sigfigs && b->total == a->total);
	FUZZ_CHECK(memcmp(b->counts, a->counts, a->counts_len * sizeof(*a->counts)) == 0);
	buf_free(&z);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hist	 a, b;
	uint8_t		 c = fuzz_byte(&data, &size);
	int64_t		 highest;
	uint32_t	 raw;
	char		 err[128];

	if (c & 1) {
		if (hdr_decompress_v2(data, size, &a, err, sizeof(err)) == -1) {
			FUZZ_CHECK(err[0] != '\0');
			return 0;
		}
		encode_decode(&a, &b);
		FUZZ_CHECK(b.min == a.min && b.max == a.max);
		hist_free(&a);
		hist_free(&b);
		return 0;
	}
	highest = (int64_t)1 << (8 + (c >> 3) % 32);
	FUZZ_CHECK(hist_init(&a, highest, 1 + (c >> 1) % 3) == 0);
	for (; size >= 4; data += 4, size -= 4) {
		memcpy(&raw, data, 4);
		hist_record(&a, 1 + (int64_t)(raw >> 4) % highest, 1 + (raw & 15));
	}
	encode_decode(&a, &b);
	if (a.total > 0) {
		FUZZ_CHECK(b.min == hist_lowest_equivalent(&a, a.min));
		FUZZ_CHECK(hist_lowest_equivalent(&a, b.max) == hist_lowest_equivalent(&a, a.max));
	}
	hist_free(&a);
	hist_free(&b);
	return 0;
}
