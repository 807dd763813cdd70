/*
 * ltasks.h - concurrency inside a scenario: smtp.sleep, smtp.spawn,
 * smtp.wait_all, and core.run_case (a test case as a task of its own,
 * with a time limit).
 */
#ifndef SMTPRUN_LTASKS_H
#define SMTPRUN_LTASKS_H

#include <lua.h>

/* Adds the functions to the module table on top of the stack. */
void	ltasks_register(lua_State *L);

#endif
