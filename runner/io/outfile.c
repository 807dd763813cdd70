/* outfile.c - output files that links cannot redirect. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/outfile.h"

#define BASE_FLAGS	(O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY)

/* /dev/stdout, /dev/stderr, /dev/fd/N: the descriptor's number, else -1. */
static int
fd_named(const char *path)
{
	char	*end;
	long	 n;

	if (strcmp(path, "/dev/stdout") == 0)
		return STDOUT_FILENO;
	if (strcmp(path, "/dev/stderr") == 0)
		return STDERR_FILENO;
	if (strncmp(path, "/dev/fd/", 8) != 0 || path[8] == '\0')
		return -1;
	n = strtol(path + 8, &end, 10);
	return *end == '\0' && n >= 0 && n < 1024 ? (int)n : -1;
}

static int
fail(char *err, size_t errlen, const char *path, const char *why)
{
	snprintf(err, errlen, "cannot write %s: %s", path, why);
	return -1;
}

/* Something that is not a regular file (a device, a FIFO): opened as it
 * is, without O_CREAT or O_TRUNC; O_NONBLOCK so a FIFO without a reader
 * fails instead of hanging, then cleared. */
static int
open_special(const char *path, char *err, size_t errlen)
{
	struct stat	 st;
	int		 fd, fl;

	if ((fd = open(path, BASE_FLAGS | O_NONBLOCK)) == -1)
		return fail(err, errlen, path, errno == ENXIO ? "a FIFO with no reader" :
		    strerror(errno));
	if (fstat(fd, &st) == -1 || S_ISREG(st.st_mode) ||
	    (fl = fcntl(fd, F_GETFL)) == -1 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == -1) {
		close(fd);
		return fail(err, errlen, path, "it changed while it was being opened");
	}
	return fd;
}

int
out_open(const char *path, int flags, char *err, size_t errlen)
{
	struct stat	 st;
	mode_t		 mode = flags & OUT_PRIVATE ? 0600 : 0666;
	int		 fd, n;

	if ((n = fd_named(path)) >= 0) {
		if ((fd = fcntl(n, F_DUPFD_CLOEXEC, 3)) == -1)
			return fail(err, errlen, path, strerror(errno));
		return fd;
	}
	if (lstat(path, &st) == 0) {
		if (S_ISLNK(st.st_mode))
			return fail(err, errlen, path, "it is a symbolic link (refused: "
			    "transcripts and reports are never written through a link)");
		if (S_ISDIR(st.st_mode))
			return fail(err, errlen, path, strerror(EISDIR));
		if (!S_ISREG(st.st_mode))
			return open_special(path, err, errlen);
		if (!(flags & OUT_FRESH)) {
			/* O_NOFOLLOW: a link put there since lstat is refused too. */
			if ((fd = open(path, BASE_FLAGS | O_TRUNC)) == -1)
				return fail(err, errlen, path, errno == ELOOP ?
				    "it is a symbolic link" : strerror(errno));
			if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
				close(fd);
				return fail(err, errlen, path, "it changed while it was "
				    "being opened");
			}
			if (flags & OUT_PRIVATE)
				(void)fchmod(fd, 0600);	/* not ours: it stays as is */
			return fd;
		}
		if (unlink(path) == -1 && errno != ENOENT)
			return fail(err, errlen, path, strerror(errno));
	} else if (errno != ENOENT)
		return fail(err, errlen, path, strerror(errno));
	/* A new file: whatever appeared at the path since makes this fail. */
	if ((fd = open(path, BASE_FLAGS | O_CREAT | O_EXCL, mode)) == -1)
		return fail(err, errlen, path, errno == EEXIST ? "something else created "
		    "it meanwhile" : strerror(errno));
	return fd;
}

FILE *
out_fopen(const char *path, int flags, char *err, size_t errlen)
{
	FILE	*f;
	int	 fd;

	if ((fd = out_open(path, flags, err, errlen)) == -1)
		return NULL;
	if ((f = fdopen(fd, "a")) == NULL) {
		fail(err, errlen, path, strerror(errno));
		close(fd);
	}
	return f;
}

int
out_fclose(FILE *f)
{
	int	 bad = ferror(f), saved = EIO;

	/* An earlier failure's errno is gone: EIO says "a write failed". */
	if (fflush(f) != 0) {
		bad = 1;
		saved = errno;
	}
	if (fclose(f) != 0)
		return -1;
	if (bad) {
		errno = saved;
		return -1;
	}
	return 0;
}
