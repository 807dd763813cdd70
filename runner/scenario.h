/*
 * scenario.h - one scenario file: its own Lua state, transcript and task.
 *
 * A scenario is loaded into a fresh Lua state (nothing leaks between
 * scenarios), its chunk becomes a task on the shared scheduler, and when the
 * task ends the outcome is classified: passed; failed (an expectation, a
 * timeout, a dropped connection, or an error the script raised); or a setup
 * error (the file does not load, nothing to connect to, a required variable
 * missing, the API misused).
 */
#ifndef SMTPRUN_SCENARIO_H
#define SMTPRUN_SCENARIO_H

#include <lua.h>

#include "lsmtp.h"
#include "transcript.h"

struct sched;

enum outcome { OUT_PASS, OUT_FAIL, OUT_ERROR };

struct scenario_opts {
	const char	*luadir;	/* where smtp.lua lives */
	const char	*host;		/* --server */
	const char	*port;
	double		 timeout;
	int		 show_secrets;
	int		 insecure;	/* --insecure */
	const char	*cafile;	/* --cafile */
	int		 timestamps;
	int		 live;		/* -v */
	int		 color;		/* ... in colour */
	const char	**vars;		/* "name=value", NULL-terminated */
	int		 listen_port;	/* smtp.listen's default port */
	int		 announce;	/* print "listening on ..." */
	const char	*prelude;	/* module whose function(vars) runs first */
};

struct scenario {
	const char		*path;
	lua_State		*L;
	struct smtp_ctx		 ctx;
	struct transcript	 tr;
	int			 done;
	enum outcome		 outcome;
	char			*message;	/* "file:line: why", for failures */
	double			 t0, elapsed;
};

/*
 * Prepares and queues the scenario. tr_fd: where its transcript goes (-1:
 * nowhere; the scenario closes it), tr_path names it in messages. On a load
 * error the scenario is done at once with OUT_ERROR.
 */
void	scenario_start(struct scenario *sc, struct sched *s, const char *path,
	    const struct scenario_opts *o, int tr_fd, const char *tr_path);
/* Frees everything (the Lua state closes its sessions). */
void	scenario_free(struct scenario *sc, struct sched *s);

#endif
