/* transcripts.c - where the transcripts of a run go. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fname.h"
#include "suite/transcripts.h"

#define OPEN_FLAGS	(O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC)

int
transcripts_open(struct transcripts *ts, const char *path, int flags)
{
	struct stat	 st;
	size_t		 n;

	memset(ts, 0, sizeof(*ts));
	ts->fd = -1;
	ts->flags = flags;
	if ((ts->path = path) == NULL)
		return 0;
	n = strlen(path);
	if ((stat(path, &st) == 0 && S_ISDIR(st.st_mode)) || (n > 0 && path[n - 1] == '/')) {
		if (mkdir(path, 0777) == -1 && errno != EEXIST) {
			fprintf(stderr, "smtprun: cannot create %s: %s\n", path, strerror(errno));
			return -1;
		}
		ts->dir = 1;
		return 0;
	}
	if ((ts->fd = open(path, OPEN_FLAGS, 0666)) == -1) {
		fprintf(stderr, "smtprun: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

void
transcripts_close(struct transcripts *ts)
{
	if (ts->fd >= 0)
		close(ts->fd);
	ts->fd = -1;
}

/* "<dir>/<stem>.log" for the scenario at path (and case name). */
static char *
file_for(const char *dir, const char *path, const char *name)
{
	struct buf	 b = BUF_INIT;

	buf_appendstr(&b, dir);
	if (b.len && b.p[b.len - 1] != '/')
		buf_append(&b, "/", 1);
	fname_stem(&b, path, name);
	buf_appendstr(&b, ".log");
	buf_append(&b, "", 1);
	if (buf_ok(&b) == -1) {
		buf_free(&b);
		return NULL;
	}
	return b.p;
}

struct transcript *
transcripts_new(void *arg, const char *path, const char *name)
{
	struct transcripts	*ts = arg;
	struct transcript	*tr = calloc(1, sizeof(*tr));
	char			*fname = NULL;
	int			 fd = -1;

	if (tr == NULL)
		return NULL;
	if (ts->path != NULL && !ts->dir) {
		fname = strdup(ts->path);
		fd = dup(ts->fd);
	} else if (ts->path != NULL && (fname = file_for(ts->path, path, name)) != NULL) {
		if ((fd = open(fname, OPEN_FLAGS, 0666)) == -1)
			fprintf(stderr, "smtprun: cannot write %s: %s\n", fname, strerror(errno));
	}
	tr_init(tr, fd, fname, ts->flags);
	free(fname);
	return tr;
}
