/*
 * fname.h - the file name a scenario (and one of its cases) is saved
 * under: transcripts (.log) and golden transcripts (.txt) alike. Pure.
 *
 *	"./dir/a b.lua"            ->  "dir-a_b"
 *	"./dir/a b.lua", "x y"     ->  "dir-a_b--x_y"
 *
 * The path loses its extension (a last "." followed by letters and digits
 * only); then the path and the case name each lose one leading "./" and
 * any leading "/", "/" becomes "-", and every byte but letters, digits,
 * ".", "-" and "_" becomes "_". Golden directories in use depend on these
 * names: the rule must not change.
 */
#ifndef SMTPRUN_FNAME_H
#define SMTPRUN_FNAME_H

#include "core/buf.h"

/* Appends the stem for path (and case name, or NULL) to out. 0 or -1. */
int	fname_stem(struct buf *out, const char *path, const char *name);

#endif
