/* report_check.h - the report of `smtprun check`: a verdict line per check
 * (SAFE, VULNERABLE, INCONCLUSIVE, or ERROR when it could not decide), its
 * evidence on the same line, and a summary. */
#ifndef SMTPRUN_REPORT_CHECK_H
#define SMTPRUN_REPORT_CHECK_H

#include "suite/report_format.h"

extern const struct report_format report_check;

/* The verdict word of a case run as a check (lua/smtp/check.lua). */
const char *check_verdict(const struct report_case *c);

#endif
