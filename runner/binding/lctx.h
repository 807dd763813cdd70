/*
 * lctx.h - what the runner tells the binding about one Lua state (one
 * scenario file), and what the binding tells it back (cases as they end).
 */
#ifndef SMTPRUN_LCTX_H
#define SMTPRUN_LCTX_H

#include <stddef.h>

#include <lua.h>

struct sched;
struct transcript;
struct load_stats;

/* A test case's outcome, from lua/smtp/testing.lua to the runner. */
struct case_info {
	const char	*status;	/* pass fail error skip xfail xpass */
	const char	*message;
	const char	*kind;
	const char	*at;
	const char	*expected;
	const char	*got;
	const char	*command;
};

/* The run's settings, as a scenario sees them (smtp.config() shows them). */
struct smtp_settings {
	const char	*host;		/* default target, or NULL */
	const char	*port;		/* default port, or NULL: 25 */
	double		 timeout;	/* default for every wait, seconds */
	int		 show_secrets;
	int		 insecure;	/* --insecure: TLS verify off */
	int		 require_tls_auth;	/* --require-tls-auth: no AUTH in clear */
	int		 implicit_tls;	/* the target speaks TLS first */
	const char	*cafile;	/* --cafile */
	int		 listen_port;	/* smtp.listen's default port (0: any) */
	int		 announce;	/* print "listening on ..." to stdout */
	const char	*filter;	/* --filter */
	double		 case_timeout;	/* --case-timeout */
	int		 list;		/* --list */
	const char	*golden;	/* --golden DIR */
	int		 update_golden;
	const char	*golden_rules;
	double		 memory_limit;	/* --memory-limit, MB (0: none) */
	int		 sandbox;	/* --sandbox */
};

/* A load run's virtual session, as the binding sees it: the transcript its
 * sessions record into (or NULL) and the list of those still open
 * (lsession_close_owned closes them when it ends). */
struct session;
struct lowner {
	struct transcript	*tr;
	struct session		*sessions;
};

struct smtp_ctx {
	struct smtp_settings	 set;		/* host and port change with set_target */
	struct sched		*sched;
	struct transcript	*tr;		/* the file's, or the running case's */
	void			*owner;		/* tasks spawned here belong to it */
	size_t			 line_max;	/* 0: the default */
	size_t			 reply_max;	/* 0: the default */
	int			 nsessions;	/* sessions opened so far */
	int			 insecure;	/* client TLS handshakes begun without
						 * verification (-k, verify=false) */
	int			 nspawned;	/* spawned tasks still running */
	void			*joiner;	/* the task in smtp.wait_all */
	/* A load run's figures (suite/load.c), or NULL: the sessions time
	 * their phases into it (binding/lphase.h). */
	struct load_stats	*load;
	/* When set (a load run), what each task's owner (a virtual session)
	 * holds: its transcript, and the sessions it opened. */
	struct lowner		*(*owner_of)(void *owner);
	/* The running case's limit (mono_now() seconds, 0: none): checked by
	 * the count hook, read by the watchdog thread. */
	_Atomic double		 case_deadline;
	/* The Lua allocator's count and cap (suite/scenario.c). */
	size_t			 mem_used, mem_limit;
	int			 mem_hit;	/* an allocation was refused */
	int			 mem_relax;	/* > 0: smtprun reports, no cap */
	/* Called when a spawned task fails; its error is on top of co. */
	void			(*spawn_failed)(void *owner, lua_State *co);
	void			(*case_begin)(void *owner, const char *name);
	void			(*case_end)(void *owner, const struct case_info *ci);
	void			(*filtered_out)(void *owner);
};

/* Makes ctx L's context; ctx must outlive L. */
void	lctx_set(lua_State *L, struct smtp_ctx *ctx);
/* L's context (an error outside smtprun). */
struct smtp_ctx *lctx_get(lua_State *L);
/* What the running task's owner holds (owner_of), or NULL. */
struct lowner *lctx_owner(lua_State *L, const struct smtp_ctx *ctx);
/* The transcript the running task records into: its owner's, or ctx->tr. */
struct transcript *lctx_tr(lua_State *L, const struct smtp_ctx *ctx);
/* The error of a refused allocation, naming the limit. */
const char *lctx_memory_message(const struct smtp_ctx *ctx, char *buf, size_t len);
/* True when msg is Lua's out-of-memory message after the cap refused. */
int	lctx_memory_hit(const struct smtp_ctx *ctx, const char *msg);

#endif
