/* transcripts.c - where the transcripts of a run go. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fname.h"
#include "io/outfile.h"
#include "suite/transcripts.h"

/* Transcripts may hold message data and credentials' surroundings: only
 * their owner reads them, and each is a new file (io/outfile.h). */
#define TR_OPEN		(OUT_FRESH | OUT_PRIVATE)

int
transcripts_open(struct transcripts *ts, const char *path, int flags)
{
	struct stat	 st;
	size_t		 n;
	char		 err[512];

	memset(ts, 0, sizeof(*ts));
	ts->fd = -1;
	ts->flags = flags;
	if ((ts->path = path) == NULL)
		return 0;
	n = strlen(path);
	/* lstat: a link to a directory is not a directory to write into. */
	if ((lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) || (n > 0 && path[n - 1] == '/')) {
		if (mkdir(path, 0777) == -1 && errno != EEXIST) {
			fprintf(stderr, "smtprun: cannot create %s: %s\n", path, strerror(errno));
			return -1;
		}
		ts->dir = 1;
		return 0;
	}
	if ((ts->fd = out_open(path, TR_OPEN, err, sizeof(err))) == -1) {
		fprintf(stderr, "smtprun: %s\n", err);
		return -1;
	}
	return 0;
}

int
transcripts_close(struct transcripts *ts)
{
	if (ts->fd >= 0 && close(ts->fd) == -1 && errno != EINTR) {
		fprintf(stderr, "smtprun: closing transcript %s: %s\n", ts->path,
		    strerror(errno));
		ts->errors++;
	}
	ts->fd = -1;
	return ts->errors ? -1 : 0;
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
	char			*fname = NULL, err[512];
	int			 fd = -1;

	if (tr == NULL)
		return NULL;
	if (ts->path != NULL && !ts->dir) {
		fname = strdup(ts->path);
		if ((fd = fcntl(ts->fd, F_DUPFD_CLOEXEC, 3)) == -1) {
			fprintf(stderr, "smtprun: cannot write %s: %s\n", ts->path,
			    strerror(errno));
			ts->errors++;
		}
	} else if (ts->path != NULL && (fname = file_for(ts->path, path, name)) != NULL) {
		if ((fd = out_open(fname, TR_OPEN, err, sizeof(err))) == -1) {
			fprintf(stderr, "smtprun: %s\n", err);
			ts->errors++;
		}
	}
	tr_init(tr, fd, fname, ts->flags);
	tr->errors = &ts->errors;
	free(fname);
	return tr;
}
