/* report_junit.h - JUnit XML (--junit FILE): a <testsuite> per file, a
 * <testcase> per case with its transcript as system-out; failures are
 * <failure>, setup errors <error>, skips and known failures <skipped>.
 * Written when the run ends. */
#ifndef SMTPRUN_REPORT_JUNIT_H
#define SMTPRUN_REPORT_JUNIT_H

#include "suite/report_format.h"

extern const struct report_format report_junit;

#endif
