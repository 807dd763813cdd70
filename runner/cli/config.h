/*
 * config.h - the configuration file (--config FILE, or ./smtprun.yaml):
 * targets, TLS, timeouts and variables, read by lua/smtp/config.lua in a
 * Lua state of its own. The target, TLS, the wait timeout and the
 * variables apply where the command line said nothing (--server,
 * --cafile, --timeout, -D win); the case and file timeouts replace the
 * command line's. --no-config or SMTPRUN_NO_CONFIG skip ./smtprun.yaml
 * (the file is as trusted as a script: see docs/trust.md).
 */
#ifndef SMTPRUN_CONFIG_H
#define SMTPRUN_CONFIG_H

#include "cli/options.h"

/* Reads and applies it. Returns 0 (also when there is no file), or -1
 * after printing the error with file:line:column. */
int	config_apply(struct opts *o);

#endif
