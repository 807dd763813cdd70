/*
 * unit.h - what every unit test starts with: cmocka (and the headers it
 * needs before it), and UNIT_MAIN, the main() that runs a list of tests.
 */
#ifndef SMTPRUN_UNIT_H
#define SMTPRUN_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/* main(): runs the tests listed (cmocka_unit_test(...), ...), exits with
 * the number that failed. */
#define UNIT_MAIN(...)							\
int									\
main(void)								\
{									\
	const struct CMUnitTest tests[] = { __VA_ARGS__ };		\
									\
	return cmocka_run_group_tests(tests, NULL, NULL);		\
}

#endif
