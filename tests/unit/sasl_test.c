/* sasl_test.c - SASL client payloads. */
#include <stdlib.h>
#include <string.h>

#include "unit.h"

#include "core/b64.h"
#include "core/sasl.h"

static void
check_plain(const char *z, const char *u, const char *p, const char *want)
{
	struct buf	 b = BUF_INIT;

	assert_int_equal(sasl_plain(z, z ? strlen(z) : 0, u, strlen(u), p, strlen(p), &b), 0);
	assert_int_equal(b.len, strlen(want));
	assert_memory_equal(b.p, want, b.len);
	buf_free(&b);
}

static void
test_plain_without_authzid(void **state)
{
	(void)state;
	/* RFC 4616 section 4: "\0tim\0tanstaaftanstaaf". */
	check_plain(NULL, "tim", "tanstaaftanstaaf", "AHRpbQB0YW5zdGFhZnRhbnN0YWFm");
	check_plain("", "tim", "tanstaaftanstaaf", "AHRpbQB0YW5zdGFhZnRhbnN0YWFm");
}

static void
test_plain_with_authzid(void **state)
{
	(void)state;
	/* RFC 4616 section 4: "Ursel\0Kurt\0xipj3plmq". */
	check_plain("Ursel", "Kurt", "xipj3plmq", "VXJzZWwAS3VydAB4aXBqM3BsbXE=");
}

static void
test_plain_payload_decodes_to_three_fields(void **state)
{
	struct buf	 b = BUF_INIT, d = BUF_INIT;
	const char	*why;

	(void)state;
	assert_int_equal(sasl_plain(NULL, 0, "alice@example.test", 18, "Wonder-land-42", 14,
	    &b), 0);
	assert_int_equal(b64_decode(b.p, b.len, &d, &why), 0);
	assert_int_equal(d.len, 1 + 18 + 1 + 14);
	assert_memory_equal(d.p, "\0alice@example.test\0Wonder-land-42", d.len);
	buf_free(&b);
	buf_free(&d);
}

static void
test_login_fields_are_plain_base64(void **state)
{
	struct buf	 b = BUF_INIT;

	(void)state;
	/* AUTH LOGIN sends each field alone, base64'd (draft-murchison-sasl-login). */
	assert_int_equal(b64_encode("alice@example.test", 18, &b), 0);
	assert_memory_equal(b.p, "YWxpY2VAZXhhbXBsZS50ZXN0", b.len);
	buf_free(&b);
}

static void
test_plain_refuses_nul_inside_a_field(void **state)
{
	struct buf	 b = BUF_INIT;

	(void)state;
	assert_int_equal(sasl_plain(NULL, 0, "a\0b", 3, "pw", 2, &b), SASL_NUL);
	assert_int_equal(sasl_plain(NULL, 0, "ab", 2, "p\0w", 3, &b), SASL_NUL);
	assert_int_equal(sasl_plain("z\0", 2, "ab", 2, "pw", 2, &b), SASL_NUL);
	assert_int_equal(b.len, 0);
	buf_free(&b);
}

static void
assert_buf(struct buf *b, const char *want)
{
	assert_int_equal(b->len, strlen(want));
	assert_memory_equal(b->p, want, b->len);
}

static void
test_cram_md5_rfc2195_example(void **state)
{
	struct buf	 b = BUF_INIT, d = BUF_INIT;
	const char	*chal = "<1896.697170952@postoffice.reston.mci.net>", *why;

	(void)state;
	assert_int_equal(sasl_cram_md5("tim", "tanstaaftanstaaf", 16, chal, strlen(chal), &b), 0);
	assert_int_equal(b64_decode(b.p, b.len, &d, &why), 0);
	assert_int_equal(d.len, strlen("tim b913a602c7eda7a495b4e6e7334d3890"));
	assert_memory_equal(d.p, "tim b913a602c7eda7a495b4e6e7334d3890", d.len);
	assert_buf(&b, "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw");
	buf_free(&b);
	buf_free(&d);
}

static void
test_xoauth2_payload(void **state)
{
	struct buf	 b = BUF_INIT, d = BUF_INIT;
	const char	*why, *want = "user=someuser@example.com\001auth=Bearer ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg\001\001";

	(void)state;
	assert_int_equal(sasl_xoauth2("someuser@example.com",
	    "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg", &b), 0);
	assert_int_equal(b64_decode(b.p, b.len, &d, &why), 0);
	assert_int_equal(d.len, strlen(want));
	assert_memory_equal(d.p, want, d.len);
	buf_free(&b);
	buf_free(&d);
}

static void
test_oauthbearer_rfc7628_example(void **state)
{
	struct buf	 b = BUF_INIT;

	(void)state;
	/* RFC 7628 section 4.1: the initial client response, base64'd. */
	assert_int_equal(sasl_oauthbearer("user@example.com", "server.example.com", "143",
	    "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==", &b), 0);
	assert_buf(&b, "bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY29tAXBvcnQ9MTQzAWF1dGg9QmVhcmVyIHZGOWRmdDRxbVRjMk52YjNSbGNrQmhiSFJoZG1semRHRXVZMjl0Q2c9PQEB");
	buf_free(&b);
}

/* Runs RFC 5802 / RFC 7677's example exchange through both sides. */
static void
scram_vector(const char *mech, const char *cnonce, const char *snonce, const char *salt64,
    const char *client_first, const char *server_first, const char *client_final,
    const char *server_final)
{
	struct scram	 c, s;
	struct buf	 out = BUF_INIT, salt = BUF_INIT;
	char		 err[200];
	const char	*why;

	assert_int_equal(scram_init(&c, mech), 0);
	assert_int_equal(scram_client_first(&c, "user", cnonce, &out), 0);
	assert_buf(&out, client_first);
	out.len = 0;
	assert_int_equal(scram_client_final(&c, server_first, strlen(server_first), "pencil",
	    6, &out, err, sizeof(err)), 0);
	assert_buf(&out, client_final);
	assert_int_equal(scram_client_verify(&c, server_final, strlen(server_final), err,
	    sizeof(err)), 0);

	/* The server side, from the same messages. */
	assert_int_equal(scram_init(&s, mech), 0);
	assert_int_equal(scram_server_start(&s, client_first, strlen(client_first), err,
	    sizeof(err)), 0);
	assert_string_equal(s.user, "user");
	assert_int_equal(b64_decode(salt64, strlen(salt64), &salt, &why), 0);
	out.len = 0;
	assert_int_equal(scram_server_first(&s, "pencil", 6, (unsigned char *)salt.p, salt.len,
	    4096, snonce, &out), 0);
	assert_buf(&out, server_first);
	out.len = 0;
	assert_int_equal(scram_server_final(&s, client_final, strlen(client_final), &out, err,
	    sizeof(err)), 0);
	assert_buf(&out, server_final);
	scram_free(&c);
	scram_free(&s);
	buf_free(&out);
	buf_free(&salt);
}

static void
test_scram_sha1_rfc5802_example(void **state)
{
	(void)state;
	scram_vector("SCRAM-SHA-1", "fyko+d2lbbFgONRv9qkxdawL", "3rfcNHYJY1ZVvWVs7j",
	    "QSXCR+Q6sek8bf92",
	    "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL",
	    "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
	    "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
	    "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=");
}

static void
test_scram_sha256_rfc7677_example(void **state)
{
	(void)state;
	scram_vector("SCRAM-SHA-256", "rOprNGfwEbeRWgbNEkqO", "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
	    "W22ZaJ0SNY7soEsUEjb6gQ==",
	    "n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
	    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
	    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
	    "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
}

static void
test_scram_rejects_a_wrong_server_signature(void **state)
{
	struct scram	 c;
	struct buf	 out = BUF_INIT;
	char		 err[200];
	const char	*sf = "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096";

	(void)state;
	scram_init(&c, "SCRAM-SHA-1");
	scram_client_first(&c, "user", "fyko+d2lbbFgONRv9qkxdawL", &out);
	out.len = 0;
	assert_int_equal(scram_client_final(&c, sf, strlen(sf), "pencil", 6, &out, err,
	    sizeof(err)), 0);
	assert_int_equal(scram_client_verify(&c, "v=AAAAAAAAAAAAAAAAAAAAAAAAAAA=", 30, err,
	    sizeof(err)), SASL_REJECTED);
	assert_non_null(strstr(err, "wrong SCRAM server signature"));
	assert_int_equal(scram_client_verify(&c, "e=other-error", 13, err, sizeof(err)),
	    SASL_REJECTED);
	assert_non_null(strstr(err, "other-error"));
	scram_free(&c);
	buf_free(&out);
}

static void
test_scram_rejects_hostile_server_first(void **state)
{
	struct scram	 c;
	struct buf	 out = BUF_INIT;
	char		 err[200];
	const char	*bad[] = {
		"r=someoneelse,s=QSXCR+Q6sek8bf92,i=4096",		/* nonce not ours */
		"r=abcXYZ,s=QSXCR+Q6sek8bf92,i=99999999",		/* endless PBKDF2 */
		"r=abcXYZ,s=!!!,i=4096",				/* salt not base64 */
		"r=abcXYZ,i=4096",					/* no salt */
		"m=ext,r=abcXYZ,s=QSXCR+Q6sek8bf92,i=4096",		/* mandatory ext */
		/* atoi() wrapped these to 1 and 4096: accepted before. */
		"r=abcXYZ,s=QSXCR+Q6sek8bf92,i=4294967297",
		"r=abcXYZ,s=QSXCR+Q6sek8bf92,i=4294971392",
		"r=abcXYZ,s=QSXCR+Q6sek8bf92,i=4096x",			/* not a number */
		"r=abcXYZ,s=QSXCR+Q6sek8bf92,i= 4096",
		"r=abcXYZ,s=QSXCR+Q6sek8bf92,i=+4096",
	};
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		scram_init(&c, "SCRAM-SHA-256");
		scram_client_first(&c, "user", "abc", &out);
		out.len = 0;
		assert_int_equal(scram_client_final(&c, bad[i], strlen(bad[i]), "pw", 2, &out,
		    err, sizeof(err)), SASL_MALFORMED);
		scram_free(&c);
	}
	buf_free(&out);
}

static void
test_scram_server_refuses_a_wrong_password(void **state)
{
	struct scram	 c, s;
	struct buf	 cf = BUF_INIT, sf = BUF_INIT, fin = BUF_INIT, out = BUF_INIT;
	char		 err[200];

	(void)state;
	scram_init(&c, "SCRAM-SHA-256");
	scram_init(&s, "SCRAM-SHA-256");
	scram_client_first(&c, "al,i=ce", NULL, &cf);
	assert_int_equal(scram_server_start(&s, cf.p, cf.len, err, sizeof(err)), 0);
	assert_string_equal(s.user, "al,i=ce");		/* saslname escaping */
	scram_server_first(&s, "right", 5, (const unsigned char *)"salty", 5, 4096, NULL, &sf);
	assert_int_equal(scram_client_final(&c, sf.p, sf.len, "wrong", 5, &fin, err,
	    sizeof(err)), 0);
	assert_int_equal(scram_server_final(&s, fin.p, fin.len, &out, err, sizeof(err)),
	    SASL_REJECTED);
	assert_buf(&out, "e=invalid-proof");
	scram_free(&c);
	scram_free(&s);
	buf_free(&cf);
	buf_free(&sf);
	buf_free(&fin);
	buf_free(&out);
}

/* Found by the scram fuzz target: the server read a client-final-message
 * with strstr, past its n bytes when they were not NUL-terminated (ASan,
 * in the sanitizer build, sees the read). Held in exactly n heap bytes. */
static void
test_scram_server_final_reads_only_its_bytes(void **state)
{
	static const char	*inputs[] = {
		"p=r,r=fq?\xb0\x0e",		/* the fuzzer's input, less its mode byte */
		"c=biws,r=abc",			/* no proof */
		"c=biws,r=abc,p",		/* a proof cut short */
	};
	struct scram	 c, s;
	struct buf	 cf = BUF_INIT, sf = BUF_INIT, out = BUF_INIT;
	char		 err[200], *heap;
	size_t		 i, n;

	(void)state;
	for (i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		scram_init(&c, "SCRAM-SHA-256");
		scram_init(&s, "SCRAM-SHA-256");
		cf.len = sf.len = out.len = 0;
		scram_client_first(&c, "user", NULL, &cf);
		assert_int_equal(scram_server_start(&s, cf.p, cf.len, err, sizeof(err)), 0);
		scram_server_first(&s, "pw", 2, (const unsigned char *)"salt", 4, 4096, NULL,
		    &sf);
		n = strlen(inputs[i]);
		assert_non_null(heap = malloc(n));
		memcpy(heap, inputs[i], n);
		assert_int_equal(scram_server_final(&s, heap, n, &out, err, sizeof(err)),
		    SASL_MALFORMED);
		free(heap);
		scram_free(&c);
		scram_free(&s);
	}
	buf_free(&cf);
	buf_free(&sf);
	buf_free(&out);
}

/* Issue 9, defect 11: what a record shows of SCRAM messages. The RFC 7677
 * server-first and server-final, base64'd in 334 replies. */
static void
test_scram_redact_line(void **state)
{
	struct buf	 out = BUF_INIT, line = BUF_INIT;
	const char	*sf = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
			    "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";

	(void)state;
	buf_appendstr(&line, "334 ");
	b64_encode(sf, strlen(sf), &line);
	assert_int_equal(scram_redact_line(line.p, line.len, &out), 1);
	assert_buf(&out, "334 [base64 redacted]   (r=[redacted],s=[redacted],i=4096)");
	out.len = 0;
	line.len = 0;
	b64_encode("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", 46, &line);
	assert_int_equal(scram_redact_line(line.p, line.len, &out), 1);
	assert_buf(&out, "[base64 redacted]   (v=[redacted])");
	out.len = 0;
	assert_int_equal(scram_redact(
	    "c=biws,r=abc,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=", 59, &out), 0);
	assert_buf(&out, "c=biws,r=[redacted],p=[redacted]");
	out.len = 0;
	/* An error is no secret; nor is a reply that carries no base64. */
	line.len = 0;
	buf_appendstr(&line, "334 ");
	b64_encode("e=invalid-proof", 15, &line);
	assert_int_equal(scram_redact_line(line.p, line.len, &out), 1);
	assert_buf(&out, "334 [base64 redacted]   (e=invalid-proof)");
	out.len = 0;
	assert_int_equal(scram_redact_line("235 2.7.0 Authentication successful", 35, &out),
	    0);
	buf_free(&out);
	buf_free(&line);
}

UNIT_MAIN(
	cmocka_unit_test(test_plain_without_authzid),
	cmocka_unit_test(test_plain_with_authzid),
	cmocka_unit_test(test_plain_payload_decodes_to_three_fields),
	cmocka_unit_test(test_login_fields_are_plain_base64),
	cmocka_unit_test(test_plain_refuses_nul_inside_a_field),
	cmocka_unit_test(test_cram_md5_rfc2195_example),
	cmocka_unit_test(test_xoauth2_payload),
	cmocka_unit_test(test_oauthbearer_rfc7628_example),
	cmocka_unit_test(test_scram_sha1_rfc5802_example),
	cmocka_unit_test(test_scram_sha256_rfc7677_example),
	cmocka_unit_test(test_scram_rejects_a_wrong_server_signature),
	cmocka_unit_test(test_scram_rejects_hostile_server_first),
	cmocka_unit_test(test_scram_server_refuses_a_wrong_password),
	cmocka_unit_test(test_scram_server_final_reads_only_its_bytes),
	cmocka_unit_test(test_scram_redact_line)
)
