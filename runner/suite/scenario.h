/*
 * scenario.h - one scenario file: its own Lua state, transcript and task.
 *
 * A scenario is loaded into a fresh Lua state (nothing leaks between
 * scenarios) and runs as a task on the shared scheduler, through
 * lua/smtp/testing.lua: a file is one case, or holds many (test(...) blocks,
 * YAML cases, smtpscript test-cases), each recorded here with its outcome and
 * its own transcript. An outcome is passed; failed (an expectation, a
 * timeout, a dropped connection, or an error the script raised); a setup
 * error (the file does not load, nothing to connect to, a required variable
 * missing, the API misused); skipped; or a known failure (expect_failure),
 * which may unexpectedly pass.
 */
#ifndef SMTPRUN_SCENARIO_H
#define SMTPRUN_SCENARIO_H

#include <lua.h>

#include "binding/lctx.h"
#include "io/transcript.h"
#include "suite/outcome.h"

struct sched;
struct scenario;

/* Makes the transcript for a file (case NULL) or one of its cases. */
typedef struct transcript *tr_factory(void *arg, const char *path, const char *name);

struct case_result {
	char			*name;		/* NULL: the file as a whole */
	enum outcome		 outcome;
	char			*message;	/* why it failed, was skipped, ... */
	char			*kind;		/* the error's kind */
	char			*at;		/* file:line */
	char			*expected, *got, *command;
	double			 elapsed;
	int			 insecure;	/* TLS without verification in it */
	struct transcript	*tr;		/* its own, text kept if asked */
};

struct scenario_opts {
	struct smtp_settings set;	/* what the binding sees */
	const char	*luadir;	/* where smtp.lua lives */
	int		 timestamps;
	int		 live;		/* -v */
	const char	**vars;		/* "name=value", NULL-terminated */
	const char	*prelude;	/* module whose function(vars) runs first */
	tr_factory	*new_tr;	/* NULL: transcripts go nowhere */
	void		*new_tr_arg;
	/* Asked while Lua computes: a reason to stop this scenario, or NULL. */
	const char	*(*should_stop)(void *arg, struct scenario *sc);
	void		*should_stop_arg;
};

struct scenario {
	const char		*path;
	const struct scenario_opts *o;
	lua_State		*L;
	struct smtp_ctx		 ctx;
	struct transcript	*tr;		/* the file's */
	int			 done;
	enum outcome		 outcome;	/* the file's own (top level) */
	char			*message;
	char			*kind, *at;	/* the details of its own failure, */
	char			*expected, *got, *command; /* as a case's (or NULL) */
	struct case_result	*cases;		/* test(...) cases, in order */
	size_t			 ncases;
	int			 in_case;	/* a case is running */
	int			 stopped_in_case; /* the stop was the case's error */
	double			 case_t0;
	int			 case_insecure0;	/* ctx.insecure when it began */
	double			 t0, elapsed;
	_Atomic double		 deadline;	/* the file's time limit (0: none);
						 * read by the watchdog's thread */
	int			 unreported;	/* --filter left nothing of it */
	int			 hook_raised;	/* the count hook raised a stop once */
};

/* What a new Lua state for a scenario file needs (also load mode's). */
struct scenario_prep {
	struct smtp_ctx			*ctx;
	const struct scenario_opts	*o;
	const char			*path;
	int				 count_hook;	/* stops busy scripts */
};

/* A new Lua state whose allocator counts its bytes in ctx and refuses past
 * ctx->set.memory_limit (MB, 0: none); NULL when out of memory. */
lua_State *scenario_new_state(struct smtp_ctx *ctx);
/* Sets up L for the file: Lua's libraries, smtprun's modules, the vars,
 * package.path, the prelude, the sandbox. 0, or -1 with the message on top
 * of L. */
int	scenario_prepare(lua_State *L, const struct scenario_prep *p);

/* Prepares and queues the scenario. On a load error it is done at once with
 * OUT_ERROR. */
void	scenario_start(struct scenario *sc, struct sched *s, const char *path,
	    const struct scenario_opts *o);
/* Marks the scenario stopped from outside (a time limit, a signal). */
void	scenario_stop(struct scenario *sc, enum outcome o, const char *why);
/* Frees everything (the Lua state closes its sessions). */
void	scenario_free(struct scenario *sc, struct sched *s);

#endif
