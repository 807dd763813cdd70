/* cmd_check.c - "smtprun check": each security check (the .lua files of
 * scripts/security) against one server, a verdict line each. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cmd_check.h"
#include "cli/command.h"

#define MAX_CHECKS	64

static const char usage[] =
"usage: smtprun check [options] [--server HOST[:PORT]]\n"
"\n"
"Runs the security checks (scripts/security/*.lua) against one server and\n"
"prints a line for each: SAFE, VULNERABLE or INCONCLUSIVE, the check's\n"
"name, and the exchange that decided it (ERROR: the check could not decide).\n"
"\n"
"  -s, --server HOST[:PORT]  the server (env SMTPRUN_SERVER; port 25)\n"
"      --only NAME,...       only these checks\n"
"  -l, --list                name the checks, run nothing\n"
"  -D, --define NAME=VALUE   what the checks need: local_domain=, rcpt=,\n"
"                            valid_user=, ... (see smtprun(1))\n"
"      --junit FILE          JUnit XML (VULNERABLE a failure, INCONCLUSIVE a\n"
"                            skip)\n"
"      --json FILE           JSON Lines, one record per check\n"
"  -t, -T, -v, --timestamps, --show-secrets, --cafile, -k, --case-timeout,\n"
"      -c, --no-config, --target\n"
"                            as for smtprun run\n"
"  -h, --help                this text\n"
"\n"
"Exit status: 0 nothing vulnerable, 1 a check found the server vulnerable,\n"
"2 usage or setup error, or a check that could not decide.\n";

struct checks {
	char	 dir[PATH_MAX];
	char	*name[MAX_CHECKS];	/* "open-relay" (sorted) */
	size_t	 n;
};

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
checks_free(struct checks *c)
{
	while (c->n > 0)
		free(c->name[--c->n]);
}

/* The checks shipped next to the modules: scripts/security. */
static int
checks_find(struct checks *c, const struct opts *o)
{
	DIR		*d;
	struct dirent	*e;
	size_t		 len;

	c->n = 0;
	if (command_script(o, "check", "security", c->dir) == -1)
		return -1;
	if ((d = opendir(c->dir)) == NULL) {
		fprintf(stderr, "smtprun check: cannot read the checks in %s: %s\n", c->dir,
		    strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL && c->n < MAX_CHECKS) {
		len = strlen(e->d_name);
		if (len <= 4 || e->d_name[0] == '.' || strcmp(e->d_name + len - 4, ".lua") != 0)
			continue;
		if ((c->name[c->n] = strndup(e->d_name, len - 4)) == NULL) {
			closedir(d);
			checks_free(c);
			fprintf(stderr, "smtprun check: out of memory\n");
			return -1;
		}
		c->n++;
	}
	closedir(d);
	if (c->n == 0) {
		fprintf(stderr, "smtprun check: no checks in %s\n", c->dir);
		return -1;
	}
	qsort(c->name, c->n, sizeof(c->name[0]), by_name);
	return 0;
}

/* Keeps the checks --only names (a comma-separated list); -1 (said) when
 * one names no check. */
static int
checks_only(struct checks *c, const char *only)
{
	char	*list, *tok, *save = NULL;
	int	 keep[MAX_CHECKS] = { 0 }, found, named = 0;
	size_t	 i, k;

	if ((list = strdup(only)) == NULL)
		return -1;
	for (tok = strtok_r(list, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		tok += strspn(tok, " \t");
		tok[strcspn(tok, " \t")] = '\0';
		if (*tok == '\0')
			continue;
		named++;
		for (found = 0, i = 0; i < c->n; i++)
			if (strcmp(c->name[i], tok) == 0)
				keep[i] = found = 1;
		if (!found) {
			fprintf(stderr, "smtprun check: no check is named \"%s\" "
			    "(smtprun check --list names them)\n", tok);
			free(list);
			return -1;
		}
	}
	free(list);
	if (named == 0) {
		fprintf(stderr, "smtprun check: --only names no check "
		    "(smtprun check --list names them)\n");
		return -1;
	}
	for (i = k = 0; i < c->n; i++) {
		if (keep[i])
			c->name[k++] = c->name[i];
		else
			free(c->name[i]);
	}
	c->n = k;
	return 0;
}

int
cmd_check(int argc, char **argv)
{
	struct opts	 o;
	struct checks	 c;
	char		*files[MAX_CHECKS];
	size_t		 i;
	int		 rc;

	if ((rc = command_start(&o, CMD_CHECK, argc, argv, usage)) != -1)
		return rc;
	if (optind != argc)
		return command_usage(&o, "smtprun check: no operands (--only NAME,... picks "
		    "checks)", usage);
	if (checks_find(&c, &o) == -1 ||
	    (o.only != NULL && checks_only(&c, o.only) == -1)) {
		checks_free(&c);
		opts_free(&o);
		return EXIT_USAGE;
	}
	if (!o.r.so.set.list && o.r.so.set.host == NULL) {
		checks_free(&c);
		return command_usage(&o, "smtprun check: which server? give --server "
		    "HOST[:PORT] (or SMTPRUN_SERVER, or a target in smtprun.yaml)", usage);
	}
	if (o.r.so.set.list) {
		for (i = 0; i < c.n; i++)
			printf("%s\n", c.name[i]);
		checks_free(&c);
		opts_free(&o);
		return EXIT_PASS;
	}
	for (i = 0; i < c.n; i++)
		if (asprintf(&files[i], "%s/%s.lua", c.dir, c.name[i]) == -1) {
			while (i > 0)
				free(files[--i]);
			checks_free(&c);
			opts_free(&o);
			fprintf(stderr, "smtprun check: out of memory\n");
			return EXIT_USAGE;
		}
	o.r.check = 1;
	rc = command_run(&o, files, (int)c.n);
	for (i = 0; i < c.n; i++)
		free(files[i]);
	checks_free(&c);
	return rc;
}
