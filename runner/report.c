/* report.c - human lines, TAP 14, JUnit XML and JSON Lines. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <yaml.h>

#include "clock.h"
#include "report.h"

static const char *const WORD[] = { "PASS", "FAIL", "ERROR", "SKIP", "XFAIL", "XPASS" };
static const char *const STATUS[] = { "pass", "fail", "error", "skip", "xfail", "xpass" };
static const char *const COLOR[] = { "\033[32m", "\033[31m", "\033[31;1m", "\033[33m",
				     "\033[33m", "\033[33m" };

void
report_init(struct report *rp)
{
	rp->t0 = mono_now();
	if (rp->tap) {
		printf("TAP version %d\n", rp->tap);
		fflush(stdout);
	}
}

void
report_free(struct report *rp)
{
	buf_free(&rp->junit);
}

/* The cases of a scenario: its test() cases, or the file itself; and the
 * file itself as well when its top level failed around its cases. */
struct view {
	const char		*name;
	enum outcome		 outcome;
	const char		*message, *kind, *at, *expected, *got, *command;
	double			 elapsed;
	const struct transcript	*tr;
};

static size_t
views(const struct scenario *sc, struct view *v, size_t max)
{
	size_t	 n = 0, i;

	for (i = 0; i < sc->ncases && n < max; i++, n++) {
		const struct case_result *c = &sc->cases[i];
		v[n] = (struct view){ c->name, c->outcome, c->message, c->kind, c->at,
		    c->expected, c->got, c->command, c->elapsed, c->tr };
	}
	if ((sc->ncases == 0 || sc->outcome != OUT_PASS) && n < max && !sc->o->list)
		v[n++] = (struct view){ NULL, sc->outcome, sc->message, NULL, NULL, NULL,
		    NULL, NULL, sc->elapsed, sc->tr };
	return n;
}

/* ---- human ---- */

/* A message, each of its lines indented under the case's line. */
static void
indented(const char *s)
{
	const char	*nl;

	do {
		nl = strchr(s, '\n');
		printf("      %.*s\n", nl ? (int)(nl - s) : (int)strlen(s), s);
		s = nl + 1;
	} while (nl != NULL);
}

static void
human(struct report *rp, const char *path, const struct view *v)
{
	struct buf	 tail = BUF_INIT;
	int		 c = rp->color;

	printf("%s%-5s%s %s%s%s  (%.2f s)\n", c ? COLOR[v->outcome] : "", WORD[v->outcome],
	    c ? "\033[0m" : "", path, v->name ? ": " : "", v->name ? v->name : "",
	    v->elapsed);
	switch (v->outcome) {
	case OUT_PASS:
		return;
	case OUT_SKIP:
		printf("      skipped: %s\n", v->message ? v->message : "");
		return;
	case OUT_XFAIL:
		printf("      known failure: %s\n", v->message ? v->message : "");
		return;
	case OUT_XPASS:
		printf("      expected to fail (%s), but passed\n", v->message ? v->message : "");
		return;
	default:
		break;
	}
	indented(v->message ? v->message : "");
	if (!rp->live && v->tr != NULL && v->tr->tail_count > 0 &&
	    tr_tail(v->tr, 6, "        ", &tail) == 0) {
		printf("      last transcript lines:\n%.*s", (int)tail.len, tail.p);
		buf_free(&tail);
	}
}

/* ---- TAP 14 ---- */

static int
buf_writer(void *data, unsigned char *p, size_t n)
{
	return buf_append(data, p, n) == 0;
}

static void
yaml_pair(yaml_emitter_t *e, const char *k, const char *v)
{
	yaml_event_t	 ev;

	if (v == NULL)
		return;
	yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)k, -1, 1, 1,
	    YAML_PLAIN_SCALAR_STYLE);
	yaml_emitter_emit(e, &ev);
	yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)v, -1, 1, 1,
	    YAML_ANY_SCALAR_STYLE);
	yaml_emitter_emit(e, &ev);
}

/* The YAML diagnostic block of a failed test point, indented two spaces. */
static void
tap_diag(const char *path, const struct view *v)
{
	yaml_emitter_t	 e;
	yaml_event_t	 ev;
	struct buf	 out = BUF_INIT;
	const char	*p, *nl;
	char		 dur[32];

	if (!yaml_emitter_initialize(&e))
		return;
	yaml_emitter_set_output(&e, buf_writer, &out);
	yaml_emitter_set_unicode(&e, 1);
	yaml_emitter_set_width(&e, -1);
	yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
	yaml_emitter_emit(&e, &ev);
	yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 0);
	yaml_emitter_emit(&e, &ev);
	yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE);
	yaml_emitter_emit(&e, &ev);
	yaml_pair(&e, "message", v->message);
	yaml_pair(&e, "severity", STATUS[v->outcome]);
	yaml_pair(&e, "kind", v->kind);
	yaml_pair(&e, "expected", v->expected);
	yaml_pair(&e, "got", v->got);
	yaml_pair(&e, "command", v->command);
	yaml_pair(&e, "at", v->at);
	yaml_pair(&e, "file", path);
	snprintf(dur, sizeof(dur), "%.3f", v->elapsed);
	yaml_pair(&e, "duration_s", dur);
	yaml_mapping_end_event_initialize(&ev);
	yaml_emitter_emit(&e, &ev);
	yaml_document_end_event_initialize(&ev, 0);
	yaml_emitter_emit(&e, &ev);
	yaml_stream_end_event_initialize(&ev);
	yaml_emitter_emit(&e, &ev);
	yaml_emitter_delete(&e);
	for (p = out.p; p && p < out.p + out.len; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(out.p + out.len - p))) == NULL)
			nl = out.p + out.len;
		printf("  %.*s\n", (int)(nl - p), p);
	}
	buf_free(&out);
}

/* A test point's description may not hold "#" unescaped (TAP 14). */
static void
tap_desc(const char *s)
{
	for (; s && *s; s++) {
		if (*s == '#' || *s == '\\')
			putchar('\\');
		putchar(*s == '\n' ? ' ' : *s);
	}
}

static void
tap(struct report *rp, const char *path, const struct view *v)
{
	int	 ok = v->outcome == OUT_PASS || v->outcome == OUT_SKIP ||
		    v->outcome == OUT_XPASS;

	printf("%sok %d - ", ok ? "" : "not ", rp->total);
	tap_desc(path);
	if (v->name) {
		printf(": ");
		tap_desc(v->name);
	}
	if (v->outcome == OUT_SKIP) {
		printf(" # SKIP ");
		tap_desc(v->message);
	} else if (v->outcome == OUT_XFAIL || v->outcome == OUT_XPASS) {
		printf(" # TODO ");
		tap_desc(v->message);
	}
	printf("\n");
	if (v->outcome == OUT_FAIL || v->outcome == OUT_ERROR || v->outcome == OUT_XFAIL)
		tap_diag(path, v);
}

/* ---- JUnit ---- */

/* XML text: markup escaped; characters XML 1.0 cannot hold shown as \xNN. */
static void
xml_textn(struct buf *b, const char *s, size_t n)
{
	char	 hex[8];
	size_t	 i;

	for (i = 0; s && i < n; i++, s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '&': buf_appendstr(b, "&amp;"); break;
		case '<': buf_appendstr(b, "&lt;"); break;
		case '>': buf_appendstr(b, "&gt;"); break;
		case '"': buf_appendstr(b, "&quot;"); break;
		case '\'': buf_appendstr(b, "&apos;"); break;
		default:
			if (c < 0x20 && c != '\n' && c != '\t' && c != '\r') {
				snprintf(hex, sizeof(hex), "\\x%02x", c);
				buf_appendstr(b, hex);
			} else
				buf_append(b, s, 1);
		}
	}
}

static void
xml_text(struct buf *b, const char *s)
{
	xml_textn(b, s, s ? strlen(s) : 0);
}

static void
xml_attr(struct buf *b, const char *name, const char *v)
{
	buf_append(b, " ", 1);
	buf_appendstr(b, name);
	buf_appendstr(b, "=\"");
	xml_text(b, v);
	buf_append(b, "\"", 1);
}

static void
junit_case(struct buf *b, const char *path, const struct view *v)
{
	char		 t[32];
	struct buf	 detail = BUF_INIT;
	const char	*tag = NULL;

	buf_appendstr(b, "    <testcase");
	xml_attr(b, "name", v->name ? v->name : path);
	xml_attr(b, "classname", path);
	snprintf(t, sizeof(t), "%.3f", v->elapsed);
	xml_attr(b, "time", t);
	buf_appendstr(b, ">\n");
	if (v->outcome == OUT_FAIL)
		tag = "failure";
	else if (v->outcome == OUT_ERROR)
		tag = "error";
	if (tag != NULL) {
		buf_appendstr(b, "      <");
		buf_appendstr(b, tag);
		xml_attr(b, "message", v->message ? v->message : "");
		xml_attr(b, "type", v->kind ? v->kind : tag);
		buf_appendstr(b, ">");
#define LINE(k, x) if (x) { buf_appendstr(&detail, k); buf_appendstr(&detail, x); \
		    buf_append(&detail, "\n", 1); }
		LINE("at: ", v->at)
		LINE("expected: ", v->expected)
		LINE("got: ", v->got)
		LINE("command: ", v->command)
#undef LINE
		buf_append(&detail, "", 1);
		xml_text(b, detail.p);
		buf_free(&detail);
		buf_appendstr(b, "</");
		buf_appendstr(b, tag);
		buf_appendstr(b, ">\n");
	} else if (v->outcome == OUT_SKIP || v->outcome == OUT_XFAIL) {
		buf_appendstr(b, "      <skipped");
		xml_attr(b, "message", v->outcome == OUT_XFAIL ? "expected failure" :
		    (v->message ? v->message : ""));
		buf_appendstr(b, "/>\n");
	}
	if (v->tr != NULL && v->tr->all.len > 0) {
		buf_appendstr(b, "      <system-out>");
		xml_textn(b, v->tr->all.p, v->tr->all.len);
		buf_appendstr(b, "</system-out>\n");
	}
	buf_appendstr(b, "    </testcase>\n");
}

static void
junit_suite(struct report *rp, const char *path, const struct view *v, size_t n)
{
	struct buf	 cases = BUF_INIT;
	int		 fail = 0, err = 0, skip = 0;
	double		 t = 0;
	char		 num[32];
	size_t		 i;

	for (i = 0; i < n; i++) {
		junit_case(&cases, path, &v[i]);
		fail += v[i].outcome == OUT_FAIL;
		err += v[i].outcome == OUT_ERROR;
		skip += v[i].outcome == OUT_SKIP || v[i].outcome == OUT_XFAIL;
		t += v[i].elapsed;
	}
	buf_appendstr(&rp->junit, "  <testsuite");
	xml_attr(&rp->junit, "name", path);
	snprintf(num, sizeof(num), "%zu", n);
	xml_attr(&rp->junit, "tests", num);
	snprintf(num, sizeof(num), "%d", fail);
	xml_attr(&rp->junit, "failures", num);
	snprintf(num, sizeof(num), "%d", err);
	xml_attr(&rp->junit, "errors", num);
	snprintf(num, sizeof(num), "%d", skip);
	xml_attr(&rp->junit, "skipped", num);
	snprintf(num, sizeof(num), "%.3f", t);
	xml_attr(&rp->junit, "time", num);
	buf_appendstr(&rp->junit, ">\n");
	buf_append(&rp->junit, cases.p, cases.len);
	buf_appendstr(&rp->junit, "  </testsuite>\n");
	buf_free(&cases);
}

/* ---- JSON Lines ---- */

static void
json_str(FILE *f, const char *s)
{
	if (s == NULL) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void
json_line(FILE *f, const char *path, const struct view *v)
{
	fputs("{\"file\":", f);
	json_str(f, path);
	fputs(",\"case\":", f);
	json_str(f, v->name);
	fputs(",\"status\":", f);
	json_str(f, STATUS[v->outcome]);
	fprintf(f, ",\"time\":%.3f,\"message\":", v->elapsed);
	json_str(f, v->message);
	fputs(",\"kind\":", f);
	json_str(f, v->kind);
	fputs(",\"at\":", f);
	json_str(f, v->at);
	fputs(",\"expected\":", f);
	json_str(f, v->expected);
	fputs(",\"got\":", f);
	json_str(f, v->got);
	fputs(",\"command\":", f);
	json_str(f, v->command);
	fputs("}\n", f);
	fflush(f);
}

/* ---- together ---- */

void
report_scenario(struct report *rp, const struct scenario *sc)
{
	struct view	*v = calloc(sc->ncases + 1, sizeof(*v));
	size_t		 n, i;

	if (v == NULL)
		return;
	if (sc->unreported) {
		free(v);
		return;
	}
	n = views(sc, v, sc->ncases + 1);

	rp->files++;
	for (i = 0; i < n; i++) {
		rp->total++;
		rp->n[v[i].outcome]++;
		if (rp->tap)
			tap(rp, sc->path, &v[i]);
		else
			human(rp, sc->path, &v[i]);
		if (rp->json != NULL)
			json_line(rp->json, sc->path, &v[i]);
	}
	if (rp->junit_path != NULL && n > 0)
		junit_suite(rp, sc->path, v, n);
	free(v);
	fflush(stdout);
}

int
report_finish(struct report *rp, int interrupted)
{
	FILE	*f;
	int	 rc = 0;
	char	 xp[64] = "";

	if (rp->tap) {
		printf("1..%d\n", rp->total);
		if (interrupted)
			printf("Bail out! interrupted\n");
	} else {
		if (rp->n[OUT_XPASS])
			snprintf(xp, sizeof(xp), ", %d unexpectedly passed", rp->n[OUT_XPASS]);
		printf("%d case%s in %d file%s: %d passed, %d failed, %d error%s, "
		    "%d skipped, %d known failure%s%s (%.2f s)\n", rp->total,
		    rp->total == 1 ? "" : "s", rp->files, rp->files == 1 ? "" : "s",
		    rp->n[OUT_PASS], rp->n[OUT_FAIL], rp->n[OUT_ERROR],
		    rp->n[OUT_ERROR] == 1 ? "" : "s", rp->n[OUT_SKIP], rp->n[OUT_XFAIL],
		    rp->n[OUT_XFAIL] == 1 ? "" : "s", xp, mono_now() - rp->t0);
	}
	fflush(stdout);
	if (rp->junit_path != NULL) {
		if ((f = fopen(rp->junit_path, "w")) == NULL) {
			fprintf(stderr, "smtprun: cannot write %s: %s\n", rp->junit_path,
			    strerror(errno));
			return -1;
		}
		fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		    "<testsuites name=\"smtprun\" tests=\"%d\" failures=\"%d\" errors=\"%d\" "
		    "skipped=\"%d\" time=\"%.3f\">\n", rp->total, rp->n[OUT_FAIL],
		    rp->n[OUT_ERROR], rp->n[OUT_SKIP] + rp->n[OUT_XFAIL], mono_now() - rp->t0);
		fwrite(rp->junit.p ? rp->junit.p : "", 1, rp->junit.len, f);
		fputs("</testsuites>\n", f);
		if (fclose(f) != 0) {
			fprintf(stderr, "smtprun: writing %s: %s\n", rp->junit_path,
			    strerror(errno));
			rc = -1;
		}
	}
	return rc;
}
