/* files.c - the scenario files a run is given. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "suite/files.h"

static int
add_file(struct files *f, const char *path)
{
	char	**nv;

	if (f->n == f->cap) {
		if ((nv = realloc(f->v, (f->cap ? f->cap * 2 : 16) * sizeof(*nv))) == NULL)
			goto nomem;
		f->v = nv;
		f->cap = f->cap ? f->cap * 2 : 16;
	}
	if ((f->v[f->n] = strdup(path)) == NULL)
		goto nomem;
	f->n++;
	return 0;
nomem:
	fprintf(stderr, "smtprun: out of memory listing scenario files\n");
	return -1;
}

static int
is_scenario(const char *name)
{
	const char	*dot = strrchr(name, '.');

	return dot != NULL && (strcmp(dot, ".lua") == 0 || strcmp(dot, ".yaml") == 0 ||
	    strcmp(dot, ".yml") == 0 || strcmp(dot, ".smtp") == 0);
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
is_dir(const char *path)
{
	struct stat	 st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Scenario files under dir, recursively, skipping hidden entries. */
static int
walk(struct files *f, const char *dir)
{
	DIR		*d = opendir(dir);
	struct dirent	*e;
	struct stat	 st;
	struct files	 here = { NULL, 0, 0 };
	char		 path[4096];
	size_t		 i;
	int		 rc = 0;

	if (d == NULL) {
		fprintf(stderr, "smtprun: cannot read directory %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s%s%s", dir,
		    dir[strlen(dir) - 1] == '/' ? "" : "/", e->d_name);
		if (stat(path, &st) == 0 && (S_ISDIR(st.st_mode) ||
		    (S_ISREG(st.st_mode) && is_scenario(e->d_name))))
			rc |= add_file(&here, path);
	}
	closedir(d);
	qsort(here.v, here.n, sizeof(*here.v), by_name);
	for (i = 0; i < here.n; i++)
		rc |= is_dir(here.v[i]) ? walk(f, here.v[i]) : add_file(f, here.v[i]);
	files_free(&here);
	return rc;
}

int
files_collect(struct files *f, char **paths, int n)
{
	int	 i, rc = 0;

	for (i = 0; i < n; i++)
		rc |= is_dir(paths[i]) ? walk(f, paths[i]) : add_file(f, paths[i]);
	return rc;
}

void
files_shard(struct files *f, int k, int n)
{
	size_t	 i, kept = 0;

	for (i = 0; i < f->n; i++) {
		if ((int)(i % (size_t)n) == k - 1)
			f->v[kept++] = f->v[i];
		else
			free(f->v[i]);
	}
	f->n = kept;
}

void
files_free(struct files *f)
{
	size_t	 i;

	for (i = 0; i < f->n; i++)
		free(f->v[i]);
	free(f->v);
	f->v = NULL;
	f->n = f->cap = 0;
}
