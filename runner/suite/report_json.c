/* report_json.c - JSON Lines, a record per case. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/escape.h"
#include "io/outfile.h"
#include "suite/report_check.h"
#include "suite/report_json.h"

struct json {
	FILE		*f;
	const char	*path;		/* the command line's: lives as long as the run */
	int		 err;		/* errno of the first failed write, or 0 */
	int		 check;		/* smtprun check: a "verdict" field too */
};

static int
json_open(void *st, const struct report_options *o, char *err, size_t errlen)
{
	struct json	*j = st;

	j->path = o->json_path;
	j->check = o->check;
	return (j->f = out_fopen(o->json_path, OUT_PRIVATE, err, errlen)) ? 0 : -1;
}

/* A JSON string of s shown as everywhere (core/escape.h), or null. */
static void
json_str(FILE *f, const char *s)
{
	struct buf	 e = BUF_INIT;
	const char	*p;

	if (s == NULL) {
		fputs("null", f);
		return;
	}
	esc_append(&e, s, strlen(s), ESC_MULTILINE);
	fputc('"', f);
	for (p = buf_cstr(&e); *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", f);
		else if (*p == '\t')
			fputs("\\t", f);
		else
			fputc(*p, f);
	}
	fputc('"', f);
	buf_free(&e);
}

static void
json_one(void *st, const struct report_case *c, int seq)
{
	FILE		*f = ((struct json *)st)->f;
	const char	*keys[] = { "file", "case", "status", "message", "kind", "at",
			    "expected", "got", "command" };
	const char	*vals[] = { c->path, c->name, OUTCOMES[c->outcome].name, c->message,
			    c->kind, c->at, c->expected, c->got, c->command };
	size_t		 i;

	(void)seq;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		fprintf(f, "%s\"%s\":", i ? "," : "{", keys[i]);
		json_str(f, vals[i]);
		if (i == 2 && ((struct json *)st)->check)
			fprintf(f, ",\"verdict\":\"%s\"", check_verdict(c));
		if (i == 2)		/* after the status: the time, TLS unverified */
			fprintf(f, ",\"time\":%.3f,\"insecure\":%s", c->elapsed,
			    c->insecure ? "true" : "false");
	}
	fputs("}\n", f);
	if (fflush(f) != 0 && ((struct json *)st)->err == 0)
		((struct json *)st)->err = errno;
}

static int
json_close(void *st, const struct report_totals *t)
{
	struct json	*j = st;
	int		 rc = 0;

	(void)t;
	if (out_fclose(j->f) != 0) {
		fprintf(stderr, "smtprun: writing %s: %s\n", j->path,
		    strerror(j->err ? j->err : errno));
		rc = -1;
	}
	return rc;
}

const struct report_format report_json = {
	"json", sizeof(struct json), json_open, json_one, NULL, json_close
};
