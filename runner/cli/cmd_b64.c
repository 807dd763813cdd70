/* cmd_b64.c - "smtprun b64 encode|decode [TEXT]": the article's Eb64/Db64. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cmd_b64.h"
#include "core/b64.h"

static const char usage[] =
"usage: smtprun b64 encode [TEXT]\n"
"       smtprun b64 decode [TEXT]\n"
"\n"
"Encodes TEXT (or standard input, taken as is) in base64, or decodes it.\n"
"Decoding ignores one trailing line break from standard input and rejects\n"
"anything that is not base64.\n";

static int
slurp(struct buf *b)
{
	char	 tmp[65536];
	size_t	 n;

	while ((n = fread(tmp, 1, sizeof(tmp), stdin)) > 0)
		if (buf_append(b, tmp, n) == -1)
			return -1;
	return ferror(stdin) ? -1 : 0;
}

int
cmd_b64(int argc, char **argv)
{
	struct buf	 in = BUF_INIT, out = BUF_INIT;
	const char	*why = NULL, *p;
	size_t		 n;
	int		 encode, rc = EXIT_USAGE;

	if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		fputs(usage, stdout);
		return EXIT_PASS;
	}
	if (argc < 2 || argc > 3 ||
	    (strcmp(argv[1], "encode") != 0 && strcmp(argv[1], "decode") != 0)) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	encode = strcmp(argv[1], "encode") == 0;
	if (argc == 3) {
		p = argv[2];
		n = strlen(p);
	} else {
		if (slurp(&in) == -1) {
			fprintf(stderr, "smtprun b64: cannot read standard input\n");
			goto out;
		}
		p = in.p ? in.p : "";
		n = in.len;
		/* A decoder reading a terminal or `echo` gets a line break too. */
		if (!encode && n > 0 && p[n - 1] == '\n')
			n -= n > 1 && p[n - 2] == '\r' ? 2 : 1;
	}
	if (encode) {
		if (b64_encode(p, n, &out) == -1)
			goto nomem;
	} else {
		switch (b64_decode(p, n, &out, &why)) {
		case B64_OK:
			break;
		case B64_INVALID:
			fprintf(stderr, "smtprun b64: invalid base64 input: %s\n", why);
			goto out;
		case B64_NOMEM:
			goto nomem;
		}
	}
	fwrite(out.p ? out.p : "", 1, out.len, stdout);
	/* An encoding is a line of text; a decoding is the bytes themselves,
	 * with a line break only when writing to a terminal. */
	if (encode || isatty(STDOUT_FILENO))
		fputc('\n', stdout);
	rc = fflush(stdout) == 0 ? EXIT_PASS : EXIT_USAGE;
	goto out;
nomem:
	fprintf(stderr, "smtprun b64: out of memory\n");
out:
	buf_free(&in);
	buf_free(&out);
	return rc;
}
