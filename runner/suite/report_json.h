/* report_json.h - JSON Lines (--json FILE): one object per case, written
 * and flushed as its file finishes. */
#ifndef SMTPRUN_REPORT_JSON_H
#define SMTPRUN_REPORT_JSON_H

#include "suite/report_format.h"

extern const struct report_format report_json;

#endif
