/* report_check.c - the verdict lines of `smtprun check`. */
#include <stdio.h>
#include <string.h>

#include "core/escape.h"
#include "suite/report_check.h"

#define TAIL_SHOWN	6	/* transcript lines under a check that broke */

enum { V_SAFE, V_VULNERABLE, V_INCONCLUSIVE, V_ERROR, V_COUNT };

static const struct {
	const char	*word;
	const char	*color;
} VERDICTS[V_COUNT] = {
	{ "SAFE", "\033[32m" },
	{ "VULNERABLE", "\033[1;31m" },
	{ "INCONCLUSIVE", "\033[33m" },
	{ "ERROR", "\033[1;35m" },
};

struct check_report {
	int	 color;
	int	 live;
	int	 n[V_COUNT];
};

static int
verdict_of(const struct report_case *c)
{
	if (c->outcome == OUT_PASS)
		return V_SAFE;
	if (c->outcome == OUT_SKIP)
		return V_INCONCLUSIVE;
	if (c->outcome == OUT_FAIL && c->kind != NULL && strcmp(c->kind, "vulnerable") == 0)
		return V_VULNERABLE;
	return V_ERROR;
}

const char *
check_verdict(const struct report_case *c)
{
	return VERDICTS[verdict_of(c)].word;
}

static int
check_open(void *st, const struct report_options *o, char *err, size_t errlen)
{
	struct check_report	*r = st;

	(void)err;
	(void)errlen;
	r->color = o->color;
	r->live = o->live;
	return 0;
}

/* "VERDICT       name                evidence": the evidence on one line
 * (escaped: it quotes the server). */
static void
check_one(void *st, const struct report_case *c, int seq)
{
	struct check_report	*r = st;
	struct buf		 name = BUF_INIT, ev = BUF_INIT, tail = BUF_INIT;
	const char		*m = c->message ? c->message : "";
	int			 v = verdict_of(c);

	(void)seq;
	r->n[v]++;
	if (c->name != NULL)
		esc_append(&name, c->name, strlen(c->name), 0);
	else			/* the file broke before its check began */
		esc_append(&name, c->path, strlen(c->path), 0);
	esc_append(&ev, m, strlen(m), 0);
	printf("%s%-13s%s %-19s %s\n", r->color ? VERDICTS[v].color : "", VERDICTS[v].word,
	    r->color ? "\033[0m" : "", buf_cstr(&name), buf_cstr(&ev));
	if (v == V_ERROR && !r->live && c->tr != NULL && c->tr->tail_count > 0 &&
	    tr_tail(c->tr, TAIL_SHOWN, "        ", &tail) == 0)
		printf("      last transcript lines:\n%.*s", (int)tail.len, tail.p);
	buf_free(&name);
	buf_free(&ev);
	buf_free(&tail);
}

static int
check_close(void *st, const struct report_totals *t)
{
	struct check_report	*r = st;

	/* No "TLS not verified" count: checks about the protocol handshake
	 * unverified on purpose, and the tls check judges the certificate. */
	if (t->aborted)
		return 0;
	printf("%d check%s: %d safe, %d vulnerable, %d inconclusive, %d error%s (%.2f s)\n",
	    t->cases, t->cases == 1 ? "" : "s", r->n[V_SAFE], r->n[V_VULNERABLE],
	    r->n[V_INCONCLUSIVE], r->n[V_ERROR], r->n[V_ERROR] == 1 ? "" : "s", t->elapsed);
	fflush(stdout);
	return 0;
}

const struct report_format report_check = {
	"check", sizeof(struct check_report), check_open, check_one, NULL, check_close
};
