/* report.c - the cases of each finished scenario, to every format in use. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "suite/report.h"
#include "suite/report_check.h"
#include "suite/report_human.h"
#include "suite/report_json.h"
#include "suite/report_junit.h"
#include "suite/report_tap.h"

int
report_open(struct report *rp, const struct report_options *o)
{
	const struct report_format	*want[REPORT_FORMATS];
	char				 err[512];
	int				 n = 0, i;

	memset(rp, 0, sizeof(*rp));
	rp->t0 = mono_now();
	if (o->json_path != NULL)
		want[n++] = &report_json;
	if (o->junit_path != NULL && !o->list)
		want[n++] = &report_junit;
	if (!o->list)
		want[n++] = o->tap ? &report_tap : o->check ? &report_check : &report_human;
	for (i = 0; i < n; i++) {
		if ((rp->st[i] = calloc(1, want[i]->size)) == NULL) {
			snprintf(err, sizeof(err), "out of memory");
			goto fail;
		}
		if (want[i]->open(rp->st[i], o, err, sizeof(err)) == -1) {
			free(rp->st[i]);
			goto fail;
		}
		rp->fmt[rp->nfmt++] = want[i];
	}
	return 0;
fail:
	fprintf(stderr, "smtprun: %s\n", err);
	report_abort(rp);
	return -1;
}

/* The cases of a scenario: its test() cases, or the file itself; and the
 * file itself as well when its top level failed around its cases (not when
 * the failure was a stop that the running case reports already). */
static size_t
cases_of(const struct scenario *sc, struct report_case *v)
{
	size_t	 n = 0, i;

	for (i = 0; i < sc->ncases; i++, n++) {
		const struct case_result *c = &sc->cases[i];
		v[n] = (struct report_case){ sc->path, c->name, c->outcome, c->message,
		    c->kind, c->at, c->expected, c->got, c->command, c->elapsed,
		    c->insecure, c->tr };
	}
	if ((sc->ncases == 0 || (sc->outcome != OUT_PASS && !sc->stopped_in_case)) &&
	    !sc->o->set.list)
		v[n++] = (struct report_case){ sc->path, NULL, sc->outcome, sc->message,
		    sc->kind, sc->at, sc->expected, sc->got, sc->command, sc->elapsed,
		    sc->ctx.insecure > 0, sc->tr };
	return n;
}

void
report_scenario(struct report *rp, const struct scenario *sc)
{
	struct report_case	*v;
	size_t			 n, i;
	int			 k;

	if (sc->unreported || (v = calloc(sc->ncases + 1, sizeof(*v))) == NULL)
		return;
	n = cases_of(sc, v);
	rp->t.files++;
	for (i = 0; i < n; i++) {
		rp->t.cases++;
		rp->t.n[v[i].outcome]++;
		rp->t.insecure += v[i].insecure;
		for (k = 0; k < rp->nfmt; k++)
			rp->fmt[k]->one(rp->st[k], &v[i], rp->t.cases);
	}
	for (k = 0; k < rp->nfmt; k++)
		if (rp->fmt[k]->file != NULL)
			rp->fmt[k]->file(rp->st[k], v, n);
	free(v);
	fflush(stdout);
}

/* Closes every format with the totals as they are. */
static int
close_all(struct report *rp)
{
	int	 rc = 0, k;

	rp->t.elapsed = mono_now() - rp->t0;
	for (k = 0; k < rp->nfmt; k++) {
		if (rp->fmt[k]->close(rp->st[k], &rp->t) == -1)
			rc = -1;
		free(rp->st[k]);
	}
	rp->nfmt = 0;
	return rc;
}

int
report_close(struct report *rp, int interrupted)
{
	rp->t.interrupted = interrupted;
	return close_all(rp);
}

void
report_abort(struct report *rp)
{
	rp->t.aborted = 1;
	close_all(rp);
}
