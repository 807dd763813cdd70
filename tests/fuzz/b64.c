/* b64.c - fuzz base64 (core/b64.c). Properties: encoding then decoding
 * gives the bytes back; what decodes, re-encoded and decoded again, gives
 * the same bytes; a refusal says why. */
#include <string.h>

#include "core/b64.h"
#include "lib/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf	 enc = BUF_INIT, dec = BUF_INIT, enc2 = BUF_INIT, dec2 = BUF_INIT;
	const char	*why = NULL;
	enum b64_status	 st;

	/* Round trip of arbitrary bytes. */
	FUZZ_CHECK(b64_encode(data, size, &enc) == 0);
	FUZZ_CHECK(enc.len == (size + 2) / 3 * 4);
	FUZZ_CHECK(b64_decode(enc.p ? enc.p : "", enc.len, &dec, &why) == B64_OK);
	FUZZ_CHECK(dec.len == size && (size == 0 || memcmp(dec.p, data, size) == 0));
	buf_free(&dec);

	/* The input as base64 text. */
	st = b64_decode((const char *)data, size, &dec, &why);
	if (st == B64_OK) {
		FUZZ_CHECK(size % 4 == 0);
		FUZZ_CHECK(dec.len <= size / 4 * 3);
		FUZZ_CHECK(b64_encode(dec.p, dec.len, &enc2) == 0);
		FUZZ_CHECK(b64_decode(enc2.p ? enc2.p : "", enc2.len, &dec2, &why) == B64_OK);
		FUZZ_CHECK(dec2.len == dec.len &&
		    (dec.len == 0 || memcmp(dec2.p, dec.p, dec.len) == 0));
	} else {
		FUZZ_CHECK(st == B64_INVALID);
		FUZZ_CHECK(why != NULL && why[0] != '\0');
	}
	buf_free(&enc);
	buf_free(&dec);
	buf_free(&enc2);
	buf_free(&dec2);
	return 0;
}
