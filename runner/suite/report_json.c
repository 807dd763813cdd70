/* report_json.c - JSON Lines, a record per case. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/escape.h"
#include "suite/report_json.h"

struct json {
	FILE	*f;
	char	*path;
};

static void *
json_open(const struct report_options *o, char *err, size_t errlen)
{
	struct json	*j = calloc(1, sizeof(*j));

	if (j == NULL || (j->path = strdup(o->json_path)) == NULL) {
		free(j);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if ((j->f = fopen(o->json_path, "w")) == NULL) {
		snprintf(err, errlen, "cannot write %s: %s", o->json_path, strerror(errno));
		free(j->path);
		free(j);
		return NULL;
	}
	return j;
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
	FILE	*f = ((struct json *)st)->f;

	(void)seq;
	fputs("{\"file\":", f);
	json_str(f, c->path);
	fputs(",\"case\":", f);
	json_str(f, c->name);
	fputs(",\"status\":", f);
	json_str(f, OUTCOMES[c->outcome].name);
	fprintf(f, ",\"time\":%.3f,\"message\":", c->elapsed);
	json_str(f, c->message);
	fputs(",\"kind\":", f);
	json_str(f, c->kind);
	fputs(",\"at\":", f);
	json_str(f, c->at);
	fputs(",\"expected\":", f);
	json_str(f, c->expected);
	fputs(",\"got\":", f);
	json_str(f, c->got);
	fputs(",\"command\":", f);
	json_str(f, c->command);
	fputs("}\n", f);
	fflush(f);
}

static int
json_close(void *st, const struct report_totals *t)
{
	struct json	*j = st;
	int		 rc = 0;

	(void)t;
	if (fclose(j->f) != 0) {
		fprintf(stderr, "smtprun: writing %s: %s\n", j->path, strerror(errno));
		rc = -1;
	}
	free(j->path);
	free(j);
	return rc;
}

const struct report_format report_json = {
	"json", json_open, json_one, NULL, json_close
};
