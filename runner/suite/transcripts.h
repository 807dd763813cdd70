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
};

/* Prepares the target: creates the directory, or opens the file. Returns
 * 0, or -1 (said on stderr). */
int	transcripts_open(struct transcripts *ts, const char *path, int flags);
void	transcripts_close(struct transcripts *ts);
/* The scenario's tr_factory: a new transcript for a file (name NULL) or
 * one of its cases; the caller closes and frees it. */
struct transcript *transcripts_new(void *ts, const char *path, const char *name);

#endif
