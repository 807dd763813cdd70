/* spec.c - fuzz the reply-spec parser (core/spec.c): the input is a list
 * of entries split at ","; an entry "#N" is a number (spec_add_code), any
 * other a pattern ("250", "2xx"). Properties: an entry is taken exactly
 * when it is valid and there is room; spec_match agrees, for every code
 * 0..999, with matching the entries taken; the description is never empty. */
#include <stdlib.h>
#include <string.h>

#include "core/spec.h"
#include "lib/fuzz.h"

static int
valid_pattern(const char *s, size_t len)
{
	size_t	 i;

	if (len != 3 || s[0] < '2' || s[0] > '5')
		return 0;
	for (i = 1; i < 3; i++)
		if (s[i] != 'x' && s[i] != 'X' && (s[i] < '0' || s[i] > '9'))
			return 0;
	return 1;
}

static int
pattern_matches(const char *pat, int code)
{
	char	 c[4];
	int	 k;

	c[0] = (char)('0' + code / 100);
	c[1] = (char)('0' + code / 10 % 10);
	c[2] = (char)('0' + code % 10);
	for (k = 0; k < 3; k++)
		if (pat[k] != 'x' && pat[k] != 'X' && pat[k] != c[k])
			return 0;
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spec	 sp;
	struct buf	 d = BUF_INIT;
	char		 taken[SPEC_MAX][4], num[24];
	const char	*s = (const char *)data, *end = s + size, *comma;
	size_t		 len;
	int		 n = 0, code, any, i;
	long		 v;
	enum spec_status st;

	spec_clear(&sp);
	while (s < end) {
		comma = memchr(s, ',', (size_t)(end - s));
		len = comma ? (size_t)(comma - s) : (size_t)(end - s);
		if (len > 1 && s[0] == '#' && len < sizeof(num)) {
			memcpy(num, s + 1, len - 1);
			num[len - 1] = '\0';
			v = strtol(num, NULL, 10);
			st = spec_add_code(&sp, v);
			FUZZ_CHECK(st == (v < 200 || v > 599 ? SPEC_BAD :
			    n == SPEC_MAX ? SPEC_FULL : SPEC_OK));
			if (st == SPEC_OK)
				snprintf(taken[n++], 4, "%03ld", v);
		} else {
			st = spec_add_pattern(&sp, s, len);
			FUZZ_CHECK(st == (!valid_pattern(s, len) ? SPEC_BAD :
			    n == SPEC_MAX ? SPEC_FULL : SPEC_OK));
			if (st == SPEC_OK) {
				memcpy(taken[n], s, 3);
				taken[n++][3] = '\0';
			}
		}
		FUZZ_CHECK(sp.n == n);
		s += len + (comma != NULL);
	}
	for (code = 0; code <= 999; code++) {
		for (any = n == 0, i = 0; i < n && !any; i++)
			any = pattern_matches(taken[i], code);
		FUZZ_CHECK(spec_match(&sp, code) == any);
	}
	FUZZ_CHECK(spec_describe(&sp, &d) == 0 && d.len > 0);
	buf_free(&d);
	return 0;
}
