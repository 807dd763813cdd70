/* report_tap.c - TAP 14 (or 13) on stdout. */
#include <stdio.h>
#include <string.h>

#include <yaml.h>

#include "core/escape.h"
#include "suite/report_tap.h"

struct tap {
	int	 version;
	int	 failed;	/* a diagnostics block could not be written */
};

static int
tap_open(void *st, const struct report_options *o, char *err, size_t errlen)
{
	struct tap	*t = st;

	(void)err;
	(void)errlen;
	t->version = o->tap;
	printf("TAP version %d\n", t->version);
	fflush(stdout);
	return 0;
}

static int
buf_writer(void *data, unsigned char *p, size_t n)
{
	return buf_append(data, p, n) == 0;
}

/* Emits the event that made (its initializer's result) says ev now is;
 * 0, or -1 when there is none or the emitter failed. Either way the event
 * is not ours any more: the emitter frees what it queued. */
static int
emit(yaml_emitter_t *e, yaml_event_t *ev, int made)
{
	return made && yaml_emitter_emit(e, ev) ? 0 : -1;
}

/* One scalar, shown as everywhere (core/escape.h): valid UTF-8, so libyaml
 * takes it; multi-line text keeps its lines. 0, or -1. */
static int
scalar(yaml_emitter_t *e, const char *v, int multiline)
{
	yaml_event_t	 ev;
	struct buf	 text = BUF_INIT;
	int		 made;

	if (esc_append(&text, v, strlen(v), multiline ? ESC_MULTILINE : 0) == -1) {
		buf_free(&text);
		return -1;
	}
	made = yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)buf_cstr(&text),
	    -1, 1, 1, YAML_ANY_SCALAR_STYLE);
	buf_free(&text);		/* the event holds a copy */
	return emit(e, &ev, made);
}

/* The YAML document of a failed test point, through libyaml's emitter.
 * Every step is checked, and the first failure ends it (an emitter that
 * failed is never fed again). Returns 0, or -1 and why. */
static int
diag_yaml(const struct report_case *c, struct buf *out, const char **why)
{
	yaml_emitter_t	 e;
	yaml_event_t	 ev;
	char		 dur[32];
	const char	*keys[] = { "message", "severity", "kind", "expected", "got",
			    "command", "at", "file", "duration_s" };
	const char	*vals[] = { c->message, OUTCOMES[c->outcome].name, c->kind,
			    c->expected, c->got, c->command, c->at, c->path, dur };
	size_t		 i;
	int		 rc;

	*why = "out of memory";
	if (!yaml_emitter_initialize(&e))
		return -1;
	snprintf(dur, sizeof(dur), "%.3f", c->elapsed);
	yaml_emitter_set_output(&e, buf_writer, out);
	yaml_emitter_set_unicode(&e, 1);
	yaml_emitter_set_width(&e, -1);
	rc = emit(&e, &ev, yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING));
	if (rc == 0)
		rc = emit(&e, &ev, yaml_document_start_event_initialize(&ev, NULL, NULL,
		    NULL, 0));
	if (rc == 0)
		rc = emit(&e, &ev, yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
		    YAML_BLOCK_MAPPING_STYLE));
	for (i = 0; rc == 0 && i < sizeof(keys) / sizeof(keys[0]); i++)
		if (vals[i] != NULL && (rc = scalar(&e, keys[i], 0)) == 0)
			rc = scalar(&e, vals[i], 1);
	if (rc == 0)
		rc = emit(&e, &ev, yaml_mapping_end_event_initialize(&ev));
	if (rc == 0)
		rc = emit(&e, &ev, yaml_document_end_event_initialize(&ev, 0));
	if (rc == 0)
		rc = emit(&e, &ev, yaml_stream_end_event_initialize(&ev));
	if (rc == -1 && e.problem != NULL)
		*why = e.problem;		/* a static string of libyaml's */
	yaml_emitter_delete(&e);
	return rc;
}

/* The diagnostics block, indented two spaces under the test point. When it
 * cannot be made, a comment says so (the TAP stream stays well-formed),
 * the error is said once on stderr, and the run's report counts as failed. */
static void
diag(struct tap *t, const struct report_case *c)
{
	struct buf	 out = BUF_INIT;
	const char	*p, *nl, *end, *why;

	if (diag_yaml(c, &out, &why) == -1 || buf_ok(&out) == -1) {
		printf("  # the details of this test point could not be written: %s\n", why);
		if (!t->failed)
			fprintf(stderr, "smtprun: --tap: cannot write the details of a "
			    "failure: %s\n", why);
		t->failed = 1;
		buf_free(&out);
		return;
	}
	end = out.p + out.len;
	for (p = out.p; p && p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		printf("  %.*s\n", (int)(nl - p), p);
	}
	buf_free(&out);
}

/* Text in a test point's line: escaped, and "#" and "\" escaped for TAP. */
static void
desc(const char *s)
{
	struct buf	 b = BUF_INIT;
	const char	*p;

	esc_append(&b, s ? s : "", s ? strlen(s) : 0, 0);
	for (p = buf_cstr(&b); *p; p++) {
		if (*p == '#' || *p == '\\')
			putchar('\\');
		putchar(*p);
	}
	buf_free(&b);
}

static void
tap_one(void *st, const struct report_case *c, int seq)
{
	struct tap	*t = st;
	int		 ok = c->outcome == OUT_PASS || c->outcome == OUT_SKIP ||
		    c->outcome == OUT_XPASS;

	printf("%sok %d - ", ok ? "" : "not ", seq);
	desc(c->path);
	if (c->name) {
		printf(": ");
		desc(c->name);
	}
	if (c->outcome == OUT_SKIP) {
		printf(" # SKIP ");
		desc(c->message);
	} else if (c->outcome == OUT_XFAIL || c->outcome == OUT_XPASS) {
		printf(" # TODO ");
		desc(c->message);
	}
	printf("\n");
	if (c->insecure)
		printf("# TLS certificate not verified (-k or verify=false)\n");
	if (c->outcome == OUT_FAIL || c->outcome == OUT_ERROR || c->outcome == OUT_XFAIL)
		diag(t, c);
}

static int
tap_close(void *st, const struct report_totals *t)
{
	if (t->aborted)
		return 0;
	printf("1..%d\n", t->cases);
	if (t->interrupted)
		printf("Bail out! interrupted\n");
	fflush(stdout);
	return ((struct tap *)st)->failed ? -1 : 0;
}

const struct report_format report_tap = {
	"tap", sizeof(struct tap), tap_open, tap_one, NULL, tap_close
};
