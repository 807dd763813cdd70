/* report_junit.c - JUnit XML. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/escape.h"
#include "io/outfile.h"
#include "suite/report_junit.h"

struct junit {
	const char	*path;		/* the command line's: lives as long as the run */
	FILE		*f;		/* opened at once: a bad path is a setup error
					 * before anything runs */
	struct buf	 suites;	/* the <testsuite> elements so far */
};

static int
junit_open(void *st, const struct report_options *o, char *err, size_t errlen)
{
	struct junit	*j = st;

	j->path = o->junit_path;
	return (j->f = out_fopen(j->path, OUT_PRIVATE, err, errlen)) ? 0 : -1;
}

/* XML text: escaped as everywhere (core/escape.h; lines kept), then the
 * markup characters as entities. */
static void
xml_textn(struct buf *b, const char *s, size_t n)
{
	struct buf	 e = BUF_INIT;
	size_t		 i;

	esc_append(&e, s ? s : "", s ? n : 0, ESC_MULTILINE);
	for (i = 0; i < e.len; i++) {
		switch (e.p[i]) {
		case '&': buf_appendstr(b, "&amp;"); break;
		case '<': buf_appendstr(b, "&lt;"); break;
		case '>': buf_appendstr(b, "&gt;"); break;
		case '"': buf_appendstr(b, "&quot;"); break;
		case '\'': buf_appendstr(b, "&apos;"); break;
		default: buf_append(b, e.p + i, 1);
		}
	}
	buf_free(&e);
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
xml_num(struct buf *b, const char *name, const char *fmt, double v)
{
	char	 num[32];

	snprintf(num, sizeof(num), fmt, v);
	xml_attr(b, name, num);
}

/* "at: ...\nexpected: ...\n": the details of a failure. */
static void
details(struct buf *b, const struct report_case *c)
{
	const char	*keys[] = { "at: ", "expected: ", "got: ", "command: " };
	const char	*vals[] = { c->at, c->expected, c->got, c->command };
	size_t		 i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (vals[i] == NULL)
			continue;
		xml_text(b, keys[i]);
		xml_text(b, vals[i]);
		buf_append(b, "\n", 1);
	}
}

static void
junit_case(struct buf *b, const struct report_case *c)
{
	const char	*tag = c->outcome == OUT_FAIL ? "failure" :
			    c->outcome == OUT_ERROR ? "error" : NULL;

	buf_appendstr(b, "    <testcase");
	xml_attr(b, "name", c->name ? c->name : c->path);
	xml_attr(b, "classname", c->path);
	xml_num(b, "time", "%.3f", c->elapsed);
	buf_appendstr(b, ">\n");
	if (c->insecure)
		buf_appendstr(b, "      <properties><property name=\"tls.insecure\" "
		    "value=\"true\"/></properties>\n");
	if (tag != NULL) {
		buf_appendstr(b, "      <");
		buf_appendstr(b, tag);
		xml_attr(b, "message", c->message ? c->message : "");
		xml_attr(b, "type", c->kind ? c->kind : tag);
		buf_appendstr(b, ">");
		details(b, c);
		buf_appendstr(b, "</");
		buf_appendstr(b, tag);
		buf_appendstr(b, ">\n");
	} else if (c->outcome == OUT_SKIP || c->outcome == OUT_XFAIL) {
		buf_appendstr(b, "      <skipped");
		xml_attr(b, "message", c->outcome == OUT_XFAIL ? "expected failure" :
		    (c->message ? c->message : ""));
		buf_appendstr(b, "/>\n");
	}
	if (c->tr != NULL && c->tr->all.len > 0) {
		buf_appendstr(b, "      <system-out>");
		xml_textn(b, c->tr->all.p, c->tr->all.len);
		buf_appendstr(b, "</system-out>\n");
	}
	buf_appendstr(b, "    </testcase>\n");
}

static void
junit_one(void *st, const struct report_case *c, int seq)
{
	(void)st;
	(void)c;
	(void)seq;
}

static void
junit_file(void *st, const struct report_case *c, size_t n)
{
	struct junit	*j = st;
	struct buf	 cases = BUF_INIT;
	int		 fail = 0, err = 0, skip = 0;
	double		 t = 0;
	size_t		 i;

	if (n == 0)
		return;
	for (i = 0; i < n; i++) {
		junit_case(&cases, &c[i]);
		fail += c[i].outcome == OUT_FAIL;
		err += c[i].outcome == OUT_ERROR;
		skip += c[i].outcome == OUT_SKIP || c[i].outcome == OUT_XFAIL;
		t += c[i].elapsed;
	}
	buf_appendstr(&j->suites, "  <testsuite");
	xml_attr(&j->suites, "name", c[0].path);
	xml_num(&j->suites, "tests", "%.0f", (double)n);
	xml_num(&j->suites, "failures", "%.0f", fail);
	xml_num(&j->suites, "errors", "%.0f", err);
	xml_num(&j->suites, "skipped", "%.0f", skip);
	xml_num(&j->suites, "time", "%.3f", t);
	buf_appendstr(&j->suites, ">\n");
	buf_append(&j->suites, cases.p, cases.len);
	buf_appendstr(&j->suites, "  </testsuite>\n");
	buf_free(&cases);
}

static int
junit_close(void *st, const struct report_totals *t)
{
	struct junit	*j = st;
	FILE		*f = j->f;
	int		 rc = 0;

	if (t->aborted) {
		fclose(f);
		goto out;
	}
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<testsuites name=\"smtprun\" tests=\"%d\" failures=\"%d\" errors=\"%d\" "
	    "skipped=\"%d\" time=\"%.3f\">\n", t->cases, t->n[OUT_FAIL],
	    t->n[OUT_ERROR], t->n[OUT_SKIP] + t->n[OUT_XFAIL], t->elapsed);
	fwrite(j->suites.p ? j->suites.p : "", 1, j->suites.len, f);
	fputs("</testsuites>\n", f);
	if (buf_ok(&j->suites) == -1 || out_fclose(f) != 0) {
		fprintf(stderr, "smtprun: writing %s: %s\n", j->path,
		    buf_ok(&j->suites) == -1 ? "out of memory" : strerror(errno));
		rc = -1;
	}
out:
	buf_free(&j->suites);
	return rc;
}

const struct report_format report_junit = {
	"junit", sizeof(struct junit), junit_open, junit_one, junit_file, junit_close
};
