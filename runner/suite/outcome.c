/* outcome.c - the one table of outcome names. */
#include <string.h>

#include "suite/outcome.h"

const struct outcome_info OUTCOMES[OUT_COUNT] = {
	[OUT_PASS] = { "pass", "PASS", "\033[32m", 0 },
	[OUT_FAIL] = { "fail", "FAIL", "\033[31m", 1 },
	[OUT_ERROR] = { "error", "ERROR", "\033[31;1m", 1 },
	[OUT_SKIP] = { "skip", "SKIP", "\033[33m", 0 },
	[OUT_XFAIL] = { "xfail", "XFAIL", "\033[33m", 0 },
	[OUT_XPASS] = { "xpass", "XPASS", "\033[33m", 0 },
};

enum outcome
outcome_of(const char *name)
{
	int	 i;

	for (i = 0; name != NULL && i < OUT_COUNT; i++)
		if (strcmp(name, OUTCOMES[i].name) == 0)
			return (enum outcome)i;
	return OUT_ERROR;
}
