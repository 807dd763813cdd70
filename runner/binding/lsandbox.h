/*
 * lsandbox.h - what a scenario may do with the Lua standard library.
 *
 * Always (trusted scenarios too): debug.sethook is refused, since the run's
 * time limits rely on the count hook (suite/scenario.c), and os.exit ends
 * the scenario as a failure instead of the process (the reports are still
 * written).
 *
 * Under --sandbox, for scenarios you did not write: no os.execute,
 * io.popen, os.exit, os.remove, os.rename, os.tmpname, io.tmpfile,
 * package.loadlib, no C modules through require, no binary chunks (load,
 * loadfile, dofile and require read text only), no debug library, and no
 * file opened for writing (io.open, io.output) except the golden
 * transcripts under --update-golden. Each refusal is a "usage" error naming
 * the function. Reading files stays allowed.
 *
 * The restriction is on the standard library's tables, installed after
 * smtprun's own modules have loaded: what those need (debug.traceback in
 * smtp.testing) they captured as they loaded.
 */
#ifndef SMTPRUN_LSANDBOX_H
#define SMTPRUN_LSANDBOX_H

#include <lua.h>

struct smtp_settings;

/* debug.sethook and os.exit, for every scenario. */
void	lsandbox_always(lua_State *L);
/* --sandbox: the refusals of docs/scenarios.md. */
void	lsandbox_open(lua_State *L);
/* Whether a sandboxed scenario may write path: only a golden transcript
 * (GOLDEN/NAME) under --update-golden. Also asked by core.write_file,
 * which module "smtprun.core" hands to any script that requires it. */
int	lsandbox_may_write(const struct smtp_settings *set, const char *path);

#endif
