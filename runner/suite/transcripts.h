/*
 * transcripts.h - where the transcripts of a run go (-T PATH): one file
 * for everything, or a directory with a file per scenario and per case
 * (named by core/fname.h, ".log"); and what else each transcript does
 * (-v live on stderr, colour, timestamps, secrets shown, text kept for
 * reports and golden files).
 */
#ifndef SMTPRUN_TRANSCRIPTS_H
#define SMTPRUN_TRANSCRIPTS_H

#include "io/transcript.h"

struct transcripts {
	const char	*path;		/* -T, or NULL: no file */
	int		 flags;		/* TR_F_* for every transcript */
	int		 dir;		/* path is a directory */
	int		 fd;		/* the single file, or -1 */
	int		 errors;	/* files that could not be opened, written
					 * or closed (each said on stderr) */
};

/* Prepares the target: creates the directory, or opens the file (mode
 * 0600, a new file each run, never through a link: io/outfile.h). Returns
 * 0, or -1 (said on stderr). */
int	transcripts_open(struct transcripts *ts, const char *path, int flags);
/* Closes the single file. Returns -1 when any transcript file could not be
 * opened, written or closed (the run's setup error), else 0. */
int	transcripts_close(struct transcripts *ts);
/* The scenario's tr_factory: a new transcript for a file (name NULL) or
 * one of its cases; the caller closes and frees it. */
struct transcript *transcripts_new(void *ts, const char *path, const char *name);

#endif
