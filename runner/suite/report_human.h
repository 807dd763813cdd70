/* report_human.h - the human report: a line per case on stdout, why a
 * case failed and the last transcript lines under it, and a summary. */
#ifndef SMTPRUN_REPORT_HUMAN_H
#define SMTPRUN_REPORT_HUMAN_H

#include "suite/report_format.h"

extern const struct report_format report_human;

#endif
