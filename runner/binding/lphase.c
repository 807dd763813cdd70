/* lphase.c - the SMTP phases a load run times, from the session's calls. */
#include <string.h>
#include <strings.h>

#include <lauxlib.h>

#include "binding/lphase.h"
#include "core/clock.h"
#include "core/loadstats.h"

/* Not in a phase (and LS_* >= 0 when in one). */
#define PH_NONE		(-1)

static void
record(struct phase *ph, struct load_stats *st, int phase)
{
	ls_record(st, phase, ls_usec(mono_now() - ph->t0));
}

void
phase_connect_begin(struct phase *ph, struct load_stats *st)
{
	(void)st;
	ph->now = LS_CONNECT;
	ph->t0 = mono_now();
}

void
phase_connected(struct phase *ph, struct load_stats *st)
{
	if (ph->now == LS_CONNECT)
		record(ph, st, LS_CONNECT);
	ph->now = LS_GREETING;		/* the clock runs from the connection */
	ph->t0 = mono_now();
}

/* The phase a command line begins, from its verb. */
static int
verb_phase(const char *p, size_t n)
{
	static const struct { const char *verb; int phase; } V[] = {
		{ "MAIL", LS_MAIL }, { "RCPT", LS_RCPT }, { "DATA", LS_DATA },
		{ "EHLO", LS_EHLO }, { "HELO", LS_EHLO }, { "LHLO", LS_EHLO },
		{ "QUIT", LS_QUIT }, { "AUTH", LS_AUTH }, { "STARTTLS", LS_TLS },
	};
	size_t	 i, len;

	for (i = 0; i < sizeof(V) / sizeof(V[0]); i++) {
		len = strlen(V[i].verb);
		if (n >= len && strncasecmp(p, V[i].verb, len) == 0 &&
		    (n == len || p[len] == ' ' || p[len] == ':'))
			return V[i].phase;
	}
	return PH_NONE;
}

void
phase_sent_queued(struct phase *ph, struct load_stats *st, const char *p, size_t n,
    int line)
{
	(void)st;
	if (!line) {
		/* The message after DATA's 354 (or any raw bytes: then no phase,
		 * unless they follow a 354). */
		ph->now = ph->after == LS_DOT ? LS_DOT : PH_NONE;
		ph->bytes += n;
		return;
	}
	/* An AUTH exchange goes on while the server says 334. */
	if (ph->now == LS_AUTH && ph->after == LS_AUTH)
		return;
	ph->now = verb_phase(p, n);
	ph->after = PH_NONE;
	ph->bytes = 0;
	ph->t0 = 0;
}

void
phase_sent(struct phase *ph, struct load_stats *st)
{
	(void)st;
	if (ph->now != PH_NONE && (ph->t0 == 0 || ph->now == LS_DOT))
		ph->t0 = mono_now();
}

void
phase_reply(struct phase *ph, struct load_stats *st, int code)
{
	switch (ph->now) {
	case PH_NONE:
		return;
	case LS_AUTH:
		if (code == 334) {
			ph->after = LS_AUTH;	/* the client answers next */
			return;
		}
		break;
	case LS_TLS:
		if (code / 100 != 2)		/* refused: nothing was timed */
			ph->now = PH_NONE;
		return;				/* else the handshake ends it */
	case LS_DATA:
		record(ph, st, LS_DATA);
		ph->now = PH_NONE;
		ph->after = code == 354 ? LS_DOT : PH_NONE;
		ph->bytes = 0;
		return;
	case LS_DOT:
		if (code / 100 == 2) {
			st->messages++;
			st->bytes += (int64_t)ph->bytes;
		}
		break;
	default:
		break;
	}
	record(ph, st, ph->now);
	ph->now = PH_NONE;
	ph->after = PH_NONE;
}

void
phase_tls_begin(struct phase *ph, struct load_stats *st)
{
	(void)st;
	if (ph->now != LS_TLS) {	/* implicit TLS: from the handshake */
		ph->now = LS_TLS;
		ph->t0 = mono_now();
	}
}

void
phase_tls_end(struct phase *ph, struct load_stats *st)
{
	if (ph->now == LS_TLS)
		record(ph, st, LS_TLS);
	ph->now = PH_NONE;
	ph->after = PH_NONE;
}

int
lphase_record(lua_State *L)
{
	struct smtp_ctx	*ctx = lctx_get(L);
	const char	*name = luaL_checkstring(L, 1);
	double		 t0 = luaL_checknumber(L, 2);
	int		 i;

	if (ctx->load == NULL)
		return 0;
	if ((i = ls_phase_index(ctx->load, name, 1)) == -1)
		return luaL_error(L, "smtp.phase: cannot time \"%s\" (a name of 1 to %d "
		    "bytes, at most %d phases)", name, LS_NAME_MAX - 1, LS_MAX_PHASES);
	ls_record(ctx->load, i, ls_usec(mono_now() - t0));
	return 0;
}

int
lphase_active(lua_State *L)
{
	lua_pushboolean(L, lctx_get(L)->load != NULL);
	return 1;
}
