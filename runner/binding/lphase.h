/*
 * lphase.h - the SMTP phases a load run times (issue 12), taken from the
 * session's own calls, so a scenario needs no code for them: connect, tls
 * (STARTTLS to the end of the handshake, or the handshake of implicit TLS),
 * greeting, ehlo, auth (AUTH to its last reply, 334s between), mail, rcpt,
 * data (DATA to 354), dot (the message sent to its reply), quit.
 *
 * A phase starts when its command is handed to the kernel and ends with
 * the reply that answers it, whatever its code; a call that fails midway
 * records nothing. Every hook costs one test when no load run is going on
 * (ctx->load is NULL): PHASE(s, fn(...)).
 */
#ifndef SMTPRUN_LPHASE_H
#define SMTPRUN_LPHASE_H

#include <stddef.h>

#include <lua.h>

#include "binding/lctx.h"

struct load_stats;

/* Where a client session is (in struct session). */
struct phase {
	int		 now, after;	/* LS_* or -1; after: what the next send is */
	double		 t0;
	size_t		 bytes;		/* of the message being sent */
};

#define PHASE_INIT(ph)	((ph)->now = (ph)->after = -1)
/* PHASE(s, phase_reply, code): the hook, for client sessions in a load run. */
#define PHASE(s, fn, ...) do {						\
	if ((s)->ctx->load != NULL && !(s)->server)			\
		fn(&(s)->ph, (s)->ctx->load, ##__VA_ARGS__);		\
} while (0)

void	phase_connect_begin(struct phase *ph, struct load_stats *st);
void	phase_connected(struct phase *ph, struct load_stats *st);
/* A command line (line = 1) or raw bytes (the message data) queued. */
void	phase_sent_queued(struct phase *ph, struct load_stats *st, const char *p,
	    size_t n, int line);
/* What was queued goes to the kernel now: the phase's clock starts (for the
 * message, at the last write of it). */
void	phase_sent(struct phase *ph, struct load_stats *st);
void	phase_reply(struct phase *ph, struct load_stats *st, int code);
void	phase_tls_begin(struct phase *ph, struct load_stats *st);
void	phase_tls_end(struct phase *ph, struct load_stats *st);

/* core.phase_record(name, t0): a custom phase (smtp.phase) that began at
 * mono time t0 ended now; nothing outside a load run. */
int	lphase_record(lua_State *L);
/* core.load_active(): true in a load run. */
int	lphase_active(lua_State *L);

#endif
