/*
 * lrunner.h - what lua/smtp/testing.lua and the scripts ask of the runner:
 * core.config(), core.set_target, the case hooks (case_begin, case_end,
 * filtered_out), core.transcript_text, core.script_error and
 * core.file_name (the name golden transcripts are saved under).
 */
#ifndef SMTPRUN_LRUNNER_H
#define SMTPRUN_LRUNNER_H

#include <lua.h>

/* Adds the functions to the module table on top of the stack. */
void	lrunner_register(lua_State *L);

#endif
