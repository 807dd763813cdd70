/* report_json.c - JSON Lines, a record per case. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

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

/* A JSON string of s shown as everywhere (core/escape.h: valid UTF-8,
 * no control codes but \n and \t), or null. */
static json_t *
json_str(const char *s)
{
	struct buf	 e = BUF_INIT;
	json_t		*j;

	if (s == NULL)
		return json_null();
	esc_append(&e, s, strlen(s), ESC_MULTILINE);
	j = buf_ok(&e) == 0 ? json_stringn(buf_cstr(&e), e.len) : NULL;
	buf_free(&e);
	return j;
}

/* One record: file, case, status, [verdict,] time, insecure, message, kind,
 * at, expected, got, command. */
static json_t *
json_record(const struct report_case *c, int check)
{
	const char	*keys[] = { "message", "kind", "at", "expected", "got", "command" };
	const char	*vals[] = { c->message, c->kind, c->at, c->expected, c->got,
			    c->command };
	json_t		*o;
	size_t		 i;

	o = json_pack("{s:o, s:o, s:s}", "file", json_str(c->path), "case",
	    json_str(c->name), "status", OUTCOMES[c->outcome].name);
	if (o != NULL && check &&
	    json_object_set_new(o, "verdict", json_string(check_verdict(c))) == -1)
		goto fail;
	/* The time to the millisecond, as the text has always had it. */
	if (o == NULL || json_object_update_new(o, json_pack("{s:f, s:b}",
	    "time", round(c->elapsed * 1e3) / 1e3, "insecure", c->insecure)) == -1)
		goto fail;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (json_object_set_new(o, keys[i], json_str(vals[i])) == -1)
			goto fail;
	return o;
fail:
	json_decref(o);
	return NULL;
}

static void
json_one(void *st, const struct report_case *c, int seq)
{
	struct json	*j = st;
	json_t		*o = json_record(c, j->check);

	(void)seq;
	if (o == NULL || json_dumpf(o, j->f, JSON_COMPACT | JSON_REAL_PRECISION(15)) == -1 ||
	    fputc('\n', j->f) == EOF || fflush(j->f) != 0) {
		if (j->err == 0)
			j->err = o == NULL ? ENOMEM : errno ? errno : EIO;
	}
	json_decref(o);
}

static int
json_close(void *st, const struct report_totals *t)
{
	struct json	*j = st;
	int		 rc = 0;

	(void)t;
	if (out_fclose(j->f) != 0 || j->err != 0) {
		fprintf(stderr, "smtprun: writing %s: %s\n", j->path,
		    strerror(j->err ? j->err : errno));
		rc = -1;
	}
	return rc;
}

const struct report_format report_json = {
	"json", sizeof(struct json), json_open, json_one, NULL, json_close
};
