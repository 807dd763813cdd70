/* report_tap.c - TAP 14 (or 13) on stdout. */
#include <stdio.h>
#include <string.h>

#include <yaml.h>

#include "core/escape.h"
#include "suite/report_tap.h"

struct tap {
	int	 version;
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

/* Emits one scalar; 0, or -1 once the emitter has failed. libyaml
 * refuses text that is not UTF-8: the value is then shown in ASCII, every
 * byte from 0x80 up as \xNN (never an event left half made). */
static int
scalar(yaml_emitter_t *e, const char *v, int multiline)
{
	yaml_event_t	 ev;
	struct buf	 text = BUF_INIT;
	int		 ok;

	esc_append(&text, v, strlen(v), multiline ? ESC_MULTILINE : 0);
	ok = yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)buf_cstr(&text),
	    -1, 1, 1, YAML_ANY_SCALAR_STYLE);
	if (!ok) {
		text.len = 0;
		esc_append(&text, v, strlen(v), (multiline ? ESC_MULTILINE : 0) | ESC_ASCII);
		ok = yaml_scalar_event_initialize(&ev, NULL, NULL,
		    (yaml_char_t *)buf_cstr(&text), -1, 1, 1, YAML_ANY_SCALAR_STYLE);
	}
	buf_free(&text);
	return ok && yaml_emitter_emit(e, &ev) ? 0 : -1;
}

/* key: value, the value shown escaped (multi-line text keeps its lines). */
static void
yaml_pair(yaml_emitter_t *e, const char *k, const char *v)
{
	if (v != NULL && scalar(e, k, 0) == 0)
		scalar(e, v, 1);
}

/* The YAML document of a failed test point, through libyaml's emitter. */
static void
diag_yaml(const struct report_case *c, struct buf *out)
{
	yaml_emitter_t	 e;
	yaml_event_t	 ev;
	char		 dur[32];

	if (!yaml_emitter_initialize(&e))
		return;
	yaml_emitter_set_output(&e, buf_writer, out);
	yaml_emitter_set_unicode(&e, 1);
	yaml_emitter_set_width(&e, -1);
	yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
	yaml_emitter_emit(&e, &ev);
	yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 0);
	yaml_emitter_emit(&e, &ev);
	yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE);
	yaml_emitter_emit(&e, &ev);
	yaml_pair(&e, "message", c->message);
	yaml_pair(&e, "severity", OUTCOMES[c->outcome].name);
	yaml_pair(&e, "kind", c->kind);
	yaml_pair(&e, "expected", c->expected);
	yaml_pair(&e, "got", c->got);
	yaml_pair(&e, "command", c->command);
	yaml_pair(&e, "at", c->at);
	yaml_pair(&e, "file", c->path);
	snprintf(dur, sizeof(dur), "%.3f", c->elapsed);
	yaml_pair(&e, "duration_s", dur);
	yaml_mapping_end_event_initialize(&ev);
	yaml_emitter_emit(&e, &ev);
	yaml_document_end_event_initialize(&ev, 0);
	yaml_emitter_emit(&e, &ev);
	yaml_stream_end_event_initialize(&ev);
	yaml_emitter_emit(&e, &ev);
	yaml_emitter_delete(&e);
}

/* The diagnostics block, indented two spaces under the test point. */
static void
diag(const struct report_case *c)
{
	struct buf	 out = BUF_INIT;
	const char	*p, *nl, *end;

	diag_yaml(c, &out);
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
	int	 ok = c->outcome == OUT_PASS || c->outcome == OUT_SKIP ||
		    c->outcome == OUT_XPASS;

	(void)st;
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
		diag(c);
}

static int
tap_close(void *st, const struct report_totals *t)
{
	(void)st;
	if (t->aborted)
		return 0;
	printf("1..%d\n", t->cases);
	if (t->interrupted)
		printf("Bail out! interrupted\n");
	fflush(stdout);
	return 0;
}

const struct report_format report_tap = {
	"tap", sizeof(struct tap), tap_open, tap_one, NULL, tap_close
};
