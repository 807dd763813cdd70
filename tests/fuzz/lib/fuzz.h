/*
 * fuzz.h - what every libFuzzer target here starts with.
 *
 * A target is one file tests/fuzz/<name>.c defining LLVMFuzzerTestOneInput;
 * its seeds are tests/fuzz/corpus/<name>/ and its dictionary
 * tests/fuzz/<name>.dict or, without one, tests/fuzz/smtp.dict. A property
 * that does not hold is a finding: FUZZ_CHECK prints it and aborts, which
 * libFuzzer reports as a crash with the input saved.
 */
#ifndef SMTPRUN_FUZZ_H
#define SMTPRUN_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int	LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: property failed: %s\n",		\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

/* Takes the first byte of the input as a small choice (0 when empty). */
static inline unsigned
fuzz_byte(const uint8_t **data, size_t *size)
{
	unsigned	 b;

	if (*size == 0)
		return 0;
	b = **data;
	(*data)++;
	(*size)--;
	return b;
}

#endif
