/*
 * spec.h - which reply codes an expectation accepts: 250, "2xx", "25x", or
 * a list of them ({250, 251}). Pure: no I/O. The Lua binding reads a
 * script's spec into one of these; the reply's code is matched against it.
 */
#ifndef SMTPRUN_SPEC_H
#define SMTPRUN_SPEC_H

#include <stddef.h>

#include "core/buf.h"

#define SPEC_MAX	16	/* codes and classes in one spec */

/* Three characters each: a digit or 'x' (any digit), for messages; and
 * the codes each accepts as integers, lo..hi, for matching ("25x": 250 to
 * 259). An 'x' before a digit ("2x0") also sets `digits`: then the code's
 * digits are compared one by one as well. */
struct spec {
	int	 n;		/* 0: any reply */
	char	 pat[SPEC_MAX][4];
	short	 lo[SPEC_MAX], hi[SPEC_MAX];
	char	 digits[SPEC_MAX];
};

enum spec_status {
	SPEC_OK = 0,
	SPEC_FULL,		/* already SPEC_MAX entries */
	SPEC_BAD		/* not a code 200-599 nor a class like "2xx" */
};

void	spec_clear(struct spec *sp);
/* Adds a code, 200 to 599. */
enum spec_status spec_add_code(struct spec *sp, long code);
/* Adds "250", "2xx", "25X": three characters, the first 2-5, the others a
 * digit or x (either case). */
enum spec_status spec_add_pattern(struct spec *sp, const char *s, size_t len);
/* True when the code is accepted (always, by an empty spec). */
int	spec_match(const struct spec *sp, int code);
/* "250", "one of 250, 251, 4xx"; "any reply" for an empty spec. */
int	spec_describe(const struct spec *sp, struct buf *out);

#endif
