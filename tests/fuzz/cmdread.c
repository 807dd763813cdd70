/* cmdread.c - fuzz the server role's command reader (core/cmdread.c) fed
 * by the line reader. Properties: the normalised line is the line with
 * only its verb's letters upper-cased; verb, argument and the shown part
 * lie inside the line; the shown part of an AUTH never reaches the
 * initial response (after any blanks, or a NUL), and an AUTH with nothing
 * hidden has no response. */
#include <ctype.h>
#include <string.h>

#include "core/cmdread.h"
#include "core/linebuf.h"
#include "lib/fuzz.h"

static int
blank(char ch)
{
	return ch != '\0' && strchr(" \t\r\n\v\f", ch) != NULL;
}

/* The runs of non-blank bytes in p[0..n). */
static size_t
words(const char *p, size_t n)
{
	size_t	 i, w = 0;

	for (i = 0; i < n; i++)
		if (!blank(p[i]) && (i == 0 || blank(p[i - 1])))
			w++;
	return w;
}

static void
check(const struct lb_line *l)
{
	struct buf	 norm = BUF_INIT;
	struct smtp_cmd	 c;
	size_t		 i;
	int		 auth;

	FUZZ_CHECK(cmd_parse(l->p, l->len, &c, &norm) == 0);
	FUZZ_CHECK(norm.len == l->len);
	FUZZ_CHECK(c.vlen <= l->len);
	FUZZ_CHECK(memchr(l->p, ' ', c.vlen) == NULL && memchr(l->p, '\t', c.vlen) == NULL);
	for (i = 0; i < l->len; i++)
		FUZZ_CHECK(norm.p[i] == (i < c.vlen ? (char)toupper((unsigned char)l->p[i]) :
		    l->p[i]) || (i < c.vlen && (unsigned char)l->p[i] >= 0x80));
	if (c.vlen < l->len) {
		FUZZ_CHECK(c.arg == l->p + c.vlen + 1);
		FUZZ_CHECK(c.alen == l->len - c.vlen - 1);
	} else
		FUZZ_CHECK(c.alen == 0);
	auth = c.vlen >= 4 && memcmp(norm.p, "AUTH", 4) == 0 &&
	    (c.vlen == 4 || l->p[4] == '\0' || blank(l->p[4]));
	if (c.shown_len > 0) {
		/* "AUTH", blanks, at most one word; then a blank or a NUL, and
		 * something that is not a blank. */
		FUZZ_CHECK(auth);
		FUZZ_CHECK(c.shown_len >= 4 && c.shown_len < l->len);
		FUZZ_CHECK(memchr(l->p, '\0', c.shown_len) == NULL);
		FUZZ_CHECK(words(l->p + 4, c.shown_len - 4) <= 1);
		FUZZ_CHECK(!blank(l->p[c.shown_len - 1]));
		FUZZ_CHECK(blank(l->p[c.shown_len]) || l->p[c.shown_len] == '\0');
		FUZZ_CHECK(words(l->p + c.shown_len, l->len - c.shown_len) > 0 ||
		    memchr(l->p + c.shown_len, '\0', l->len - c.shown_len) != NULL);
	} else if (auth) {
		/* Nothing hidden: the mechanism alone, no NUL. */
		FUZZ_CHECK(memchr(l->p, '\0', l->len) == NULL);
		FUZZ_CHECK(words(l->p + 4, l->len - 4) <= 1);
	}
	buf_free(&norm);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct linebuf	 lb;
	struct lb_line	 l;

	lb_init(&lb, 512);
	lb_push(&lb, data, size);
	while (lb_line(&lb, &l) == LB_LINE)
		check(&l);
	if (lb_rest(&lb, &l))
		check(&l);
	lb_free(&lb);
	return 0;
}
