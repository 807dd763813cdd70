/* cram_md5.c - fuzz the CRAM-MD5 client step (core/sasl.c) with the
 * server's challenge (already decoded, as smtp.lua passes it). Property:
 * the answer is base64 of "user " and 32 lowercase hex digits. The server
 * side (reading the client's answer) is Lua: lua_server.c. */
#include <string.h>

#include "core/b64.h"
#include "core/sasl.h"
#include "lib/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf	 out = BUF_INIT, dec = BUF_INIT;
	const char	*why;
	size_t		 i;

	FUZZ_CHECK(sasl_cram_md5("alice", "wonderland", 10, (const char *)data, size,
	    &out) == SASL_OK);
	FUZZ_CHECK(b64_decode(out.p, out.len, &dec, &why) == B64_OK);
	FUZZ_CHECK(dec.len == 6 + 32 && memcmp(dec.p, "alice ", 6) == 0);
	for (i = 6; i < dec.len; i++)
		FUZZ_CHECK((dec.p[i] >= '0' && dec.p[i] <= '9') ||
		    (dec.p[i] >= 'a' && dec.p[i] <= 'f'));
	buf_free(&out);
	buf_free(&dec);
	return 0;
}
