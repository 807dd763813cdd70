/* scram.c - fuzz each SCRAM step that reads the other side's message
 * (core/sasl.c): the first byte picks the step and the hash.
 *
 *	0  client: server-first-message   (scram_client_final)
 *	1  client: server-final-message   (scram_client_verify)
 *	2  server: client-first-message   (scram_server_start)
 *	3  server: client-final-message   (scram_server_final)
 *
 * The other messages are the RFC 5802 example's. Properties: a refusal is
 * MALFORMED or REJECTED with a message; OK comes with output.
 *
 * Inputs with an iteration count that core/sasl.c accepts but above
 * FUZZ_MAX_ITER are skipped: up to SCRAM_MAX_ITER (a million) is legitimate
 * and only slow, and would make every such input take a second. */
#include <string.h>

#include "core/sasl.h"
#include "lib/fuzz.h"

#define FUZZ_MAX_ITER	4096
#define CNONCE		"fyko+d2lbbFgONRv9qkxdawL"
#define SNONCE		"3rfcNHYJY1ZVvWVs7j"
#define SERVER_FIRST	"r=" CNONCE SNONCE ",s=QSXCR+Q6sek8bf92,i=64"
#define CLIENT_FIRST	"n,,n=user,r=" CNONCE

/* A count that core/sasl.c accepts (digits only, at most 7, up to
 * SCRAM_MAX_ITER) but that would make PBKDF2 slow. */
static int
too_many_iterations(const uint8_t *d, size_t n)
{
	size_t	 i, j;
	long	 v;

	for (i = 0; i + 1 < n; i++) {
		if (d[i] != 'i' || d[i + 1] != '=')
			continue;
		for (v = 0, j = i + 2; j < n && j < i + 2 + 8 && d[j] >= '0' && d[j] <= '9'; j++)
			v = v * 10 + (d[j] - '0');
		if (j - (i + 2) <= 7 && v > FUZZ_MAX_ITER && v <= SCRAM_MAX_ITER)
			return 1;
	}
	return 0;
}

static void
check(enum sasl_status st, const char *err, const struct buf *out)
{
	FUZZ_CHECK(st == SASL_OK || st == SASL_MALFORMED || st == SASL_REJECTED);
	if (st == SASL_MALFORMED || st == SASL_REJECTED)
		FUZZ_CHECK(err[0] != '\0' && memchr(err, '\0', 256) != NULL);
	if (st == SASL_OK && out != NULL)
		FUZZ_CHECK(out->len > 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scram	 s;
	struct buf	 out = BUF_INIT;
	char		 err[256] = "";
	unsigned	 how = fuzz_byte(&data, &size);
	const char	*in = (const char *)data;
	enum sasl_status st;

	if (too_many_iterations(data, size))
		return -1;		/* not added to the corpus */
	FUZZ_CHECK(scram_init(&s, how & 0x10 ? "SCRAM-SHA-256" : "SCRAM-SHA-1") == 0);
	switch (how & 3) {
	case 0:
		FUZZ_CHECK(scram_client_first(&s, "user", CNONCE, &out) == SASL_OK);
		out.len = 0;
		st = scram_client_final(&s, in, size, "pencil", 6, &out, err, sizeof(err));
		check(st, err, &out);
		if (st == SASL_OK)
			FUZZ_CHECK(out.len > 2 && memcmp(out.p, "c=", 2) == 0);
		break;
	case 1:
		FUZZ_CHECK(scram_client_first(&s, "user", CNONCE, &out) == SASL_OK);
		out.len = 0;
		FUZZ_CHECK(scram_client_final(&s, SERVER_FIRST, strlen(SERVER_FIRST), "pencil",
		    6, &out, err, sizeof(err)) == SASL_OK);
		st = scram_client_verify(&s, in, size, err, sizeof(err));
		check(st, err, NULL);
		break;
	case 2:
		st = scram_server_start(&s, in, size, err, sizeof(err));
		check(st, err, NULL);
		if (st == SASL_OK)
			FUZZ_CHECK(memchr(s.user, '\0', sizeof(s.user)) != NULL);
		break;
	default:
		FUZZ_CHECK(scram_server_start(&s, CLIENT_FIRST, strlen(CLIENT_FIRST), err,
		    sizeof(err)) == SASL_OK);
		FUZZ_CHECK(scram_server_first(&s, "pencil", 6,
		    (const unsigned char *)"salt", 4, 64, SNONCE, &out) == SASL_OK);
		out.len = 0;
		st = scram_server_final(&s, in, size, &out, err, sizeof(err));
		check(st, err, NULL);
		if (st == SASL_OK)
			FUZZ_CHECK(out.len > 2 && memcmp(out.p, "v=", 2) == 0);
		break;
	}
	buf_free(&out);
	scram_free(&s);
	return 0;
}
