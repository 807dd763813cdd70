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
		/* The server's part of the nonce: printable, not empty. */
		"r=abcX Y,s=QSXCR+Q6sek8bf92,i=4096",
		"r=abcX\001,s=QSXCR+Q6sek8bf92,i=4096",
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

/* A client-first-message "n,,n=user,r=" + a nonce of n bytes of c. */
static void
long_nonce(struct buf *b, const char *head, size_t n, char c)
{
	b->len = 0;
	buf_appendstr(b, head);
	while (n-- > 0)
		buf_append(b, &c, 1);
	assert_int_equal(buf_ok(b), 0);
}

/* Issue 10, defect 6: a client nonce over ~103 bytes made server_first
 * fail as "out of memory" (the session dropped, no 501); the client side
 * cut a cnonce at 127 bytes. Up to SCRAM_NONCE_MAX goes through both
 * sides; one more is a malformed message, said so. */
static void
test_scram_long_client_nonce(void **state)
{
	struct scram	 c, s;
	struct buf	 nonce = BUF_INIT, cf = BUF_INIT, sf = BUF_INIT, fin = BUF_INIT,
			 out = BUF_INIT;
	char		 err[200];
	size_t		 lens[] = { 104, 200, SCRAM_NONCE_MAX }, i;

	(void)state;
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		long_nonce(&nonce, "", lens[i], 'N');
		buf_append(&nonce, "", 1);
		cf.len = sf.len = fin.len = out.len = 0;
		scram_init(&c, "SCRAM-SHA-256");
		scram_init(&s, "SCRAM-SHA-256");
		assert_int_equal(scram_client_first(&c, "user", nonce.p, &cf), SASL_OK);
		assert_int_equal(cf.len, strlen("n,,n=user,r=") + lens[i]);
		assert_int_equal(scram_server_start(&s, cf.p, cf.len, err, sizeof(err)),
		    SASL_OK);
		assert_int_equal(scram_server_first(&s, "pencil", 6,
		    (const unsigned char *)"salt", 4, 4096, NULL, &sf), SASL_OK);
		assert_int_equal(scram_client_final(&c, sf.p, sf.len, "pencil", 6, &fin, err,
		    sizeof(err)), SASL_OK);
		assert_int_equal(scram_server_final(&s, fin.p, fin.len, &out, err,
		    sizeof(err)), SASL_OK);
		assert_int_equal(scram_client_verify(&c, out.p, out.len, err, sizeof(err)),
		    SASL_OK);
		/* The longest nonce part the server adds, after the longest client's. */
		sf.len = 0;
		long_nonce(&nonce, "", SCRAM_NONCE_MAX, 'S');
		buf_append(&nonce, "", 1);
		assert_int_equal(scram_server_first(&s, "pencil", 6,
		    (const unsigned char *)"salt", 4, 4096, nonce.p, &sf), SASL_OK);
		scram_free(&c);
		scram_free(&s);
	}
	long_nonce(&cf, "n,,n=user,r=", SCRAM_NONCE_MAX + 1, 'N');
	scram_init(&s, "SCRAM-SHA-256");
	assert_int_equal(scram_server_start(&s, cf.p, cf.len, err, sizeof(err)),
	    SASL_MALFORMED);
	assert_string_equal(err, "SCRAM client nonce: want 1 to 256 printable characters "
	    "(got 257 bytes)");
	long_nonce(&cf, "n,,n=user,r=", 60000, 'N');		/* a line's worth */
	assert_int_equal(scram_server_start(&s, cf.p, cf.len, err, sizeof(err)),
	    SASL_MALFORMED);
	scram_free(&s);
	/* The client side refuses to send one (it cut it before). */
	long_nonce(&nonce, "", SCRAM_NONCE_MAX + 1, 'N');
	buf_append(&nonce, "", 1);
	scram_init(&c, "SCRAM-SHA-256");
	out.len = 0;
	assert_int_equal(scram_client_first(&c, "user", nonce.p, &out), SASL_USAGE);
	assert_int_equal(scram_client_first(&c, "user", "a,b", &out), SASL_USAGE);
	assert_int_equal(scram_client_first(&c, "user", "", &out), SASL_USAGE);
	assert_int_equal(out.len, 0);
	scram_free(&c);
	buf_free(&nonce);
	buf_free(&cf);
	buf_free(&sf);
	buf_free(&fin);
	buf_free(&out);
}

/* RFC 5802 section 7, client-first-message: each is refused with a reason
 * (before, any text with n= and r= somewhere in it passed). */
static void
test_scram_server_refuses_malformed_client_first(void **state)
{
	static const struct {
		const char	*msg;
		size_t		 len;		/* 0: strlen */
	} bad[] = {
		{ "", 0 }, { "n", 0 }, { "n,", 0 }, { "n,,", 0 },
		{ "x,,n=user,r=abc", 0 },
		{ "nn,,n=user,r=abc", 0 },
		{ "p=tls-unique,,n=user,r=abc", 0 },		/* channel binding */
		{ "n,b=x,n=user,r=abc", 0 },			/* not an authzid */
		{ "n,a=,n=user,r=abc", 0 },
		{ "n,a=ad=min,n=user,r=abc", 0 },
		{ "n,,m=ext,n=user,r=abc", 0 },			/* mandatory extension */
		{ "n,,r=abc,n=user", 0 },			/* out of order */
		{ "n,,n=user,x=y,r=abc", 0 },
		{ "n,,n=,r=abc", 0 },
		{ "n,,n=us=er,r=abc", 0 },			/* a bad escape */
		{ "n,,n=user=2,r=abc", 0 },
		{ "n,,n=\xff\xfe,r=abc", 0 },			/* not UTF-8 */
		{ "n,,n=us\0er,r=abc", 17 },			/* a NUL in the name */
		{ "n,,n=user,r=abc\0", 16 },
		{ "n,,n=user", 0 },
		{ "n,,n=user,r=", 0 },				/* an empty nonce */
		{ "n,,n=user,r=a b", 0 },			/* not printable */
		{ "n,,n=user,r=abc\x7f", 0 },
		{ "n,,n=user,r=abc\xc3\xa9", 0 },
		{ "n,,n=user,r=abc,", 0 },			/* an empty extension */
		{ "n,,n=user,r=abc,1=x", 0 },
		{ "n,,n=user,r=abc,x", 0 },
	};
	struct scram	 s;
	struct buf	 b = BUF_INIT;
	char		 err[200];
	size_t		 i, n;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = bad[i].len ? bad[i].len : strlen(bad[i].msg);
		scram_init(&s, "SCRAM-SHA-1");
		err[0] = '\0';
		if (scram_server_start(&s, bad[i].msg, n, err, sizeof(err)) != SASL_MALFORMED)
			fail_msg("accepted: \"%s\"", bad[i].msg);
		assert_true(strlen(err) > 10);
		assert_null(strchr(err, '\r'));
		scram_free(&s);
	}
	/* A user name is at most 255 bytes decoded ("=2C" is one). */
	long_nonce(&b, "n,,n=", 255, 'u');
	buf_appendstr(&b, ",r=abc");
	scram_init(&s, "SCRAM-SHA-1");
	assert_int_equal(scram_server_start(&s, b.p, b.len, err, sizeof(err)), SASL_OK);
	assert_int_equal(strlen(s.user), 255);
	long_nonce(&b, "n,,n=", 256, 'u');
	buf_appendstr(&b, ",r=abc");
	assert_int_equal(scram_server_start(&s, b.p, b.len, err, sizeof(err)),
	    SASL_MALFORMED);
	assert_string_equal(err, "SCRAM user name is too long");
	assert_string_equal(s.user, "");
	scram_free(&s);
	buf_free(&b);
}

static void
test_scram_server_takes_well_formed_client_first(void **state)
{
	static const struct {
		const char	*msg, *user;
	} good[] = {
		{ "n,,n=user,r=abc", "user" },
		{ "y,,n=user,r=abc", "user" },
		{ "n,a=admin,n=us=2Cer=3D,r=abc", "us,er=" },
		{ "n,a=a=3Db,n=user,r=abc", "user" },
		{ "n,,n=user,r=!\"#$%&'()*+-./~", "user" },
		{ "n,,n=user,r=abc,x=ext,y=", "user" },
		{ "n,,n=\xc3\xa9l\xc3\xa8ve,r=abc", "\xc3\xa9l\xc3\xa8ve" },
	};
	struct scram	 s;
	char		 err[200];
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		scram_init(&s, "SCRAM-SHA-1");
		if (scram_server_start(&s, good[i].msg, strlen(good[i].msg), err,
		    sizeof(err)) != SASL_OK)
			fail_msg("refused: \"%s\": %s", good[i].msg, err);
		assert_string_equal(s.user, good[i].user);
		scram_free(&s);
	}
}

/* The RFC 5802 exchange, with the client-final-message replaced. */
static enum sasl_status
server_final_of(const char *client_first, const char *fin, size_t n, char *err,
    size_t errlen)
{
	struct scram		 s;
	struct buf		 out = BUF_INIT;
	enum sasl_status	 rc;

	scram_init(&s, "SCRAM-SHA-1");
	assert_int_equal(scram_server_start(&s, client_first, strlen(client_first), err,
	    errlen), SASL_OK);
	assert_int_equal(scram_server_first(&s, "pencil", 6,
	    (const unsigned char *)"A%\xc2\x47\xe4\x3a\xb1\xe9\x3c\x6d\xff\x76", 12, 4096,
	    "3rfcNHYJY1ZVvWVs7j", &out), SASL_OK);
	out.len = 0;
	err[0] = '\0';
	rc = scram_server_final(&s, fin, n ? n : strlen(fin), &out, err, errlen);
	scram_free(&s);
	buf_free(&out);
	return rc;
}

#define RFC_CF		"n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL"
#define RFC_NONCE	"fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j"
#define RFC_PROOF	"p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts="

/* client-final-message: c= must be the first message's GS2 header (it
 * was not looked at), the proof one digest and last. */
static void
test_scram_server_refuses_malformed_client_final(void **state)
{
	static const struct {
		const char	*msg;
		size_t		 len;
	} bad[] = {
		{ "c=eSws,r=" RFC_NONCE "," RFC_PROOF, 0 },	/* "y,," after "n,," */
		{ "c=biwsAAAA,r=" RFC_NONCE "," RFC_PROOF, 0 },
		{ "c=!!!!,r=" RFC_NONCE "," RFC_PROOF, 0 },
		{ "c=,r=" RFC_NONCE "," RFC_PROOF, 0 },
		{ "r=" RFC_NONCE "," RFC_PROOF, 0 },		/* no c= */
		{ "r=" RFC_NONCE ",c=biws," RFC_PROOF, 0 },	/* out of order */
		{ "c=biws,r=" RFC_NONCE "x," RFC_PROOF, 0 },	/* not the nonce */
		{ "c=biws,r=" RFC_NONCE, 0 },			/* no proof */
		{ "c=biws,r=" RFC_NONCE ",p=", 0 },
		{ "c=biws,r=" RFC_NONCE ",p=AAAA", 0 },		/* too short */
		{ "c=biws,r=" RFC_NONCE ",p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=AAAA", 0 },
		{ "c=biws,r=" RFC_NONCE ",p=v0X8v3Bz2T0CJGbJQyF0X+HI4T!=", 0 },
		{ "c=biws,r=" RFC_NONCE "," RFC_PROOF ",x=y", 0 },	/* proof not last */
		{ "c=biws,r=" RFC_NONCE ",1=y," RFC_PROOF, 0 },
		{ "c=biws,r=" RFC_NONCE ",," RFC_PROOF, 0 },
		{ "c=biws,r=" RFC_NONCE "\0," RFC_PROOF, 83 },
	};
	char		 err[200];
	size_t		 i;

	(void)state;
	/* The RFC's own message passes; an extension before p= is read (and
	 * signed, so the RFC's proof no longer fits). */
	assert_int_equal(server_final_of(RFC_CF, "c=biws,r=" RFC_NONCE "," RFC_PROOF, 0, err,
	    sizeof(err)), SASL_OK);
	assert_int_equal(server_final_of(RFC_CF, "c=biws,r=" RFC_NONCE ",x=y," RFC_PROOF, 0,
	    err, sizeof(err)), SASL_REJECTED);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (server_final_of(RFC_CF, bad[i].msg, bad[i].len, err, sizeof(err)) !=
		    SASL_MALFORMED || strlen(err) < 10)
			fail_msg("not malformed: \"%s\" (%s)", bad[i].msg, err);
	/* With an authzid, c= carries it: a proof of the right size is then
	 * checked (and wrong). */
	assert_int_equal(server_final_of("n,a=admin,n=user,r=abc",
	    "c=bixhPWFkbWluLA==,r=abc3rfcNHYJY1ZVvWVs7j,p=AAAAAAAAAAAAAAAAAAAAAAAAAAA=", 0,
	    err, sizeof(err)), SASL_REJECTED);
	assert_int_equal(server_final_of("n,a=admin,n=user,r=abc",
	    "c=biws,r=abc3rfcNHYJY1ZVvWVs7j,p=AAAAAAAAAAAAAAAAAAAAAAAAAAA=", 0,
	    err, sizeof(err)), SASL_MALFORMED);
	assert_string_equal(err, "SCRAM channel binding (c=) does not match the GS2 header "
	    "of the first message");
}

/* What the server role may offer: 1 to SCRAM_SERVER_MAX_ITER rounds, a
 * nonce part like the client's. USAGE, not INTERNAL ("out of memory"). */
static void
test_scram_server_first_refuses_a_bad_count_or_nonce(void **state)
{
	struct scram	 s;
	struct buf	 out = BUF_INIT;
	char		 err[200];
	const char	*cf = "n,,n=user,r=abc";
	const unsigned char *salt = (const unsigned char *)"salt";

	(void)state;
	scram_init(&s, "SCRAM-SHA-1");
	assert_int_equal(scram_server_start(&s, cf, strlen(cf), err, sizeof(err)), SASL_OK);
	assert_int_equal(scram_server_first(&s, "pw", 2, salt, 4, 0, NULL, &out), SASL_USAGE);
	assert_int_equal(scram_server_first(&s, "pw", 2, salt, 4, -1, NULL, &out),
	    SASL_USAGE);
	assert_int_equal(scram_server_first(&s, "pw", 2, salt, 4, SCRAM_SERVER_MAX_ITER + 1,
	    NULL, &out), SASL_USAGE);
	assert_int_equal(scram_server_first(&s, "pw", 2, salt, 4, 1, "a,b", &out),
	    SASL_USAGE);
	assert_int_equal(scram_server_first(&s, "pw", 2, salt, 4, 1, "", &out), SASL_USAGE);
	assert_int_equal(out.len, 0);
	/* Called again, the server's part replaces the first one. */
	assert_int_equal(scram_server_first(&s, "pw", 2, salt, 4, 1, "XYZ", &out), SASL_OK);
	out.len = 0;
	assert_int_equal(scram_server_first(&s, "pw", 2, salt, 4, 1, "QRS", &out), SASL_OK);
	assert_buf(&out, "r=abcQRS,s=c2FsdA==,i=1");
	scram_free(&s);
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
	cmocka_unit_test(test_scram_long_client_nonce),
	cmocka_unit_test(test_scram_server_refuses_malformed_client_first),
	cmocka_unit_test(test_scram_server_takes_well_formed_client_first),
	cmocka_unit_test(test_scram_server_refuses_malformed_client_final),
	cmocka_unit_test(test_scram_server_first_refuses_a_bad_count_or_nonce),
	cmocka_unit_test(test_scram_redact_line)
)
