/*
 * outfile.h - the files smtprun writes (transcripts, reports, golden
 * copies), opened so that a link planted at the path cannot redirect them.
 *
 * A symbolic link at the path is refused (O_NOFOLLOW; nothing is written
 * through it, its target is untouched). A path that does not exist is
 * created with O_EXCL. An existing regular file is truncated, or, with
 * OUT_FRESH, removed and created anew with O_EXCL (a hard link planted there
 * loses its name, not its content). A character device, FIFO or socket
 * already there (/dev/null, /dev/full, a tty) is opened as it is, never
 * created or truncated, and refused if it turns out to be a regular file.
 * /dev/stdout, /dev/stderr and /dev/fd/N name the descriptors this process
 * already has (they are links in /dev, so they are taken by number).
 */
#ifndef SMTPRUN_OUTFILE_H
#define SMTPRUN_OUTFILE_H

#include <stddef.h>
#include <stdio.h>

#define OUT_FRESH	0x1	/* replace a regular file by a new one */
#define OUT_PRIVATE	0x2	/* mode 0600 (else 0666 less the umask) */

/* A descriptor open for writing (close-on-exec, appending), or -1 and why
 * in err ("cannot write PATH: ..."). */
int	out_open(const char *path, int flags, char *err, size_t errlen);
/* The same as a stdio stream. */
FILE	*out_fopen(const char *path, int flags, char *err, size_t errlen);
/* Closes a stream, reporting a write error that happened at any time
 * (ferror) or at the close. Returns 0, or -1 with errno set. */
int	out_fclose(FILE *f);

#endif
