/* report_tap.h - TAP version 14 on stdout (or the same stream labelled 13,
 * for harnesses that predate 14): a test point per case, a YAML block of
 * diagnostics under each failure, the plan at the end. */
#ifndef SMTPRUN_REPORT_TAP_H
#define SMTPRUN_REPORT_TAP_H

#include "suite/report_format.h"

extern const struct report_format report_tap;

#endif
