/*
 * outcome.h - what became of a case or a file, and the one table of the
 * outcomes' names: "pass" and the others are what lua/smtp/testing.lua
 * reports, what JSON and TAP print; "PASS" is the human report's word.
 */
#ifndef SMTPRUN_OUTCOME_H
#define SMTPRUN_OUTCOME_H

enum outcome {
	OUT_PASS,
	OUT_FAIL,		/* an expectation, a timeout, a dropped connection */
	OUT_ERROR,		/* a setup error: the test could not be run */
	OUT_SKIP,
	OUT_XFAIL,		/* a known failure (expect_failure) */
	OUT_XPASS,		/* ... that unexpectedly passed */
	OUT_COUNT
};

struct outcome_info {
	const char	*name;		/* "pass" */
	const char	*word;		/* "PASS" */
	const char	*color;		/* its ANSI colour in the human report */
	int		 bad;		/* fails the run (and --fail-fast) */
};

extern const struct outcome_info OUTCOMES[OUT_COUNT];

/* The outcome named so; OUT_ERROR for NULL or an unknown name. */
enum outcome outcome_of(const char *name);

#endif
