/*
 * lsmtp.h - the Lua binding: module "smtprun.core" and the session userdata.
 *
 * lua/smtp.lua builds the scripting API on top of this; everything that waits
 * is here, in C, and yields the scenario's coroutine through sched.h.
 */
#ifndef SMTPRUN_LSMTP_H
#define SMTPRUN_LSMTP_H

#include <stddef.h>
#include <stdint.h>

#include <lua.h>

struct sched;
struct transcript;

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

/* What the runner tells the binding about one Lua state (one scenario). */
struct smtp_ctx {
	struct sched		*sched;
	struct transcript	*tr;
	void			*owner;		/* tasks spawned here belong to it */
	const char		*host;		/* default target, or NULL */
	const char		*port;		/* default port, or NULL: 25 */
	double			 timeout;	/* default for every wait, seconds */
	int			 show_secrets;
	int			 insecure;	/* --insecure: TLS verify off */
	int			 implicit_tls;	/* the target speaks TLS first */
	const char		*cafile;	/* --cafile */
	size_t			 line_max;
	size_t			 reply_max;
	int			 nsessions;	/* sessions opened so far */
	int			 nspawned;	/* spawned tasks still running */
	void			*joiner;	/* the task in smtp.wait_all */
	/* Called when a spawned task fails; its error is on top of co. */
	void			(*spawn_failed)(void *owner, lua_State *co);
	int			 listen_port;	/* smtp.listen's default port (0: any) */
	const char		*filter;	/* --filter */
	double			 case_timeout;	/* --case-timeout */
	int			 list;		/* --list */
	const char		*golden;	/* --golden DIR */
	int			 update_golden;
	const char		*golden_rules;
	void			(*case_begin)(void *owner, const char *name);
	void			(*case_end)(void *owner, const struct case_info *ci);
	void			(*filtered_out)(void *owner);
	int			 announce;	/* print "listening on ..." to stdout */
};


/* Makes require("smtprun.core") available in L; ctx must outlive L. */
void	lsmtp_open(lua_State *L, struct smtp_ctx *ctx);
struct smtp_ctx *lsmtp_ctx(lua_State *L);
/* Resolves a timeout: opts.timeout if the table at idx has one, else dflt. */
double	lsmtp_timeout(lua_State *L, int idx, double dflt);
/* The running task's serial, for marking an object busy; a usage error
 * where no wait is possible (checked before the call changes anything). */
uint64_t lsmtp_claim(lua_State *L);
/* True while the task with this serial (0: none) still exists. */
int	lsmtp_busy(lua_State *L, uint64_t serial);
struct buf;
/* Pushes b's bytes and frees b; rc != 0 (out of memory) raises instead. */
int	lsmtp_push_buf(lua_State *L, struct buf *b, int rc);
/* A size option (bytes, 16 B to 1 GiB) of the table at idx (0: none), or dflt. */
size_t	lsmtp_optsize(lua_State *L, int idx, const char *name, size_t dflt);

/* lsession.c: sets .session and .server_session (the methods tables of each
 * role) on the table on top of the stack. */
void	lsession_register(lua_State *L);
/* lclient.c */
int	lsession_connect(lua_State *L);
/* lsasl.c: adds the SASL functions to the module table on top. */
void	lsasl_register(lua_State *L);
/* lyaml.c: adds core.yaml_load. */
void	lyaml_register(lua_State *L);
/* lserver.c */
int	lserver_listen(lua_State *L);
void	lserver_register(lua_State *L);

#endif
