/* cmdread.c - fuzz the server role's command reader (core/cmdread.c) fed
 * by the line reader. Properties: the normalised line is the line with
 * only its verb's letters upper-cased; verb, argument and the shown part
 * lie inside the line; the shown part of an AUTH never reaches the
 * initial response. */
#include <ctype.h>
#include <string.h>

#include "core/cmdread.h"
#include "core/linebuf.h"
#include "lib/fuzz.h"

static void
check(const struct lb_line *l)
{
	struct buf	 norm = BUF_INIT;
	struct smtp_cmd	 c;
	size_t		 i;

	FUZZ_CHECK(cmd_parse(l->p, l->len, &c, &norm) == 0);
	FUZZ_CHECK(norm.len == l->len);
	FUZZ_CHECK(c.vlen <= l->len);
	FUZZ_CHECK(memchr(l->p, ' ', c.vlen) == NULL);
	for (i = 0; i < l->len; i++)
		FUZZ_CHECK(norm.p[i] == (i < c.vlen ? (char)toupper((unsigned char)l->p[i]) :
		    l->p[i]) || (i < c.vlen && (unsigned char)l->p[i] >= 0x80));
	if (c.vlen < l->len) {
		FUZZ_CHECK(c.arg == l->p + c.vlen + 1);
		FUZZ_CHECK(c.alen == l->len - c.vlen - 1);
	} else
		FUZZ_CHECK(c.alen == 0);
	if (c.shown_len > 0) {
		FUZZ_CHECK(c.vlen == 4 && memcmp(norm.p, "AUTH", 4) == 0);
		FUZZ_CHECK(c.shown_len > c.vlen && c.shown_len < l->len);
		FUZZ_CHECK(l->p[c.shown_len] == ' ');
		FUZZ_CHECK(memchr(l->p + 5, ' ', c.shown_len - 5) == NULL);
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
