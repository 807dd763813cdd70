/*
 * options.h - the command line of run, serve and demo: one table of
 * options, each saying which commands it applies to and what it sets.
 */
#ifndef SMTPRUN_OPTIONS_H
#define SMTPRUN_OPTIONS_H

#include "suite/runner.h"

enum cmd { CMD_RUN, CMD_SERVE, CMD_DEMO, CMD_CHECK, CMD_CHECK_CLIENT, CMD_LOAD, CMD_REPORT };

/* The demo's account, unless --user and --password say otherwise. */
#define DEMO_USER	"alice@example.test"
#define DEMO_PASSWORD	"wonderland"

struct opts {
	enum cmd	 cmd;
	struct run	 r;
	char		*host;		/* --server / SMTPRUN_SERVER (owned) */
	char		*port;
	const char	**vars;		/* "NAME=VALUE": -D, and the config's */
	int		 nvars;
	const char	*user;		/* demo */
	const char	*password;
	int		 serve;		/* demo --serve */
	const char	*only;		/* check --only NAME,... */
	int		 once;		/* check-client --once */
	int		 bad_cert;	/* check-client --bad-cert */
	const char	*fail;		/* check-client --fail 421|451 */
	/* load (and report merge) */
	int		 concurrency;	/* -c */
	long long	 sessions;	/* -n (0: not given) */
	double		 duration;	/* -d (0: not given) */
	double		 rate;		/* --rate (0: none) */
	int		 threads;	/* --threads */
	long long	 max_errors;	/* --max-errors (-1: not given) */
	const char	**thresholds;	/* --threshold, NULL-terminated */
	int		 nthresholds;
	const char	*transcript_errors;	/* --transcript-errors DIR */
	const char	*hdr_log;	/* --hdr-log FILE */
	double		 start_at;	/* --start-at EPOCH (0: now) */
	const char	*config;	/* --config */
	int		 no_config;	/* --no-config: not ./smtprun.yaml */
	const char	*target;	/* --target */
	unsigned long	 given;		/* a bit per option of the table given */
	char		**owned;	/* strings kept for the run, freed at the end */
	int		 nowned;
};

/* Defaults for cmd; argc bounds how many -D there can be. 0, or -1. */
int	opts_init(struct opts *o, enum cmd cmd, int argc);
/* Parses argv; returns -1 to go on (operands from optind), else the exit
 * code (0 after --help; 2 after an error, said with the usage). */
int	opts_parse(struct opts *o, int argc, char **argv, const char *usage);
/* True when the option (by long name) was on the command line. */
int	opts_given(const struct opts *o, const char *name);
/* A copy of s kept until opts_free (NULL when out of memory). */
const char *opts_own(struct opts *o, const char *s);
void	opts_free(struct opts *o);

#endif
