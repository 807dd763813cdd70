/* report_human.c - the human report on stdout. */
#include <stdio.h>
#include <string.h>

#include "core/escape.h"
#include "suite/report_human.h"

#define TAIL_SHOWN	6	/* transcript lines under a failed case */

struct human {
	int	 color;
	int	 live;
	int	 quiet;
};

static int
human_open(void *st, const struct report_options *o, char *err, size_t errlen)
{
	struct human	*h = st;

	(void)err;
	(void)errlen;
	h->color = o->color;
	h->live = o->live;
	h->quiet = o->quiet;
	return 0;
}

/* A message, each of its lines indented under the case's line. */
static void
indented(const char *s)
{
	struct buf	 b = BUF_INIT;
	const char	*p, *nl;

	esc_append(&b, s ? s : "", s ? strlen(s) : 0, ESC_MULTILINE);
	p = buf_cstr(&b);
	for (;;) {
		nl = strchr(p, '\n');
		printf("      %.*s\n", nl ? (int)(nl - p) : (int)strlen(p), p);
		if (nl == NULL)		/* NULL + 1 is undefined (clang's UBSan) */
			break;
		p = nl + 1;
	}
	buf_free(&b);
}

static void
human_one(void *st, const struct report_case *c, int seq)
{
	struct human	*h = st;
	struct buf	 name = BUF_INIT, tail = BUF_INIT;
	const char	*m = c->message ? c->message : "";

	(void)seq;
	if (h->quiet) {
		/* The script printed its results (a "vulnerable" failure
		 * among them): only what went wrong otherwise is said, where
		 * errors go. */
		if (c->outcome == OUT_ERROR || (c->outcome == OUT_FAIL &&
		    (c->kind == NULL || strcmp(c->kind, "vulnerable") != 0))) {
			esc_append(&tail, m, strlen(m), ESC_MULTILINE);
			fprintf(stderr, "smtprun: %s\n", buf_cstr(&tail));
			buf_free(&tail);
		}
		return;
	}
	esc_append(&name, c->path, strlen(c->path), 0);
	if (c->name) {
		buf_appendstr(&name, ": ");
		esc_append(&name, c->name, strlen(c->name), 0);
	}
	printf("%s%-5s%s %s  (%.2f s)\n", h->color ? OUTCOMES[c->outcome].color : "",
	    OUTCOMES[c->outcome].word, h->color ? "\033[0m" : "", buf_cstr(&name),
	    c->elapsed);
	buf_free(&name);
	switch (c->outcome) {
	case OUT_PASS:
		return;
	case OUT_SKIP:
		printf("      skipped: ");
		break;
	case OUT_XFAIL:
		printf("      known failure: ");
		break;
	case OUT_XPASS:
		printf("      expected to fail (");
		break;
	default:
		indented(m);
		if (!h->live && c->tr != NULL && c->tr->tail_count > 0 &&
		    tr_tail(c->tr, TAIL_SHOWN, "        ", &tail) == 0)
			printf("      last transcript lines:\n%.*s", (int)tail.len, tail.p);
		buf_free(&tail);
		return;
	}
	esc_append(&tail, m, strlen(m), 0);
	printf("%s%s\n", buf_cstr(&tail), c->outcome == OUT_XPASS ? "), but passed" : "");
	buf_free(&tail);
}

static int
human_close(void *st, const struct report_totals *t)
{
	char	 xp[128] = "";
	size_t	 n;

	if (t->aborted || ((struct human *)st)->quiet)
		return 0;
	if (t->n[OUT_XPASS])
		snprintf(xp, sizeof(xp), ", %d unexpectedly passed", t->n[OUT_XPASS]);
	/* Said where everyone looks: a pass over unverified TLS proves less. */
	n = strlen(xp);
	if (t->insecure)
		snprintf(xp + n, sizeof(xp) - n, ", %d with TLS not verified (-k or "
		    "verify=false)", t->insecure);
	printf("%d case%s in %d file%s: %d passed, %d failed, %d error%s, "
	    "%d skipped, %d known failure%s%s (%.2f s)\n", t->cases,
	    t->cases == 1 ? "" : "s", t->files, t->files == 1 ? "" : "s",
	    t->n[OUT_PASS], t->n[OUT_FAIL], t->n[OUT_ERROR],
	    t->n[OUT_ERROR] == 1 ? "" : "s", t->n[OUT_SKIP], t->n[OUT_XFAIL],
	    t->n[OUT_XFAIL] == 1 ? "" : "s", xp, t->elapsed);
	fflush(stdout);
	return 0;
}

const struct report_format report_human = {
	"human", sizeof(struct human), human_open, human_one, NULL, human_close
};
