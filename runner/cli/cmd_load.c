/* cmd_load.c - "smtprun load": one scenario as many concurrent sessions. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cmd_load.h"
#include "cli/command.h"
#include "cli/env.h"
#include "suite/hdrlog.h"
#include "suite/load.h"
#include "suite/report_load.h"

static const char usage[] =
"usage: smtprun load [options] SCENARIO\n"
"\n"
"Runs one scenario file (*.lua, *.yaml, *.smtp) as many virtual sessions\n"
"and reports rates and latency percentiles per SMTP phase.\n"
"\n"
"  -c, --concurrency N       sessions in flight (default 1)\n"
"  -n, --sessions TOTAL      run TOTAL sessions (across all shards)\n"
"  -d, --duration SECONDS    start sessions for this long\n"
"      --rate R              start R sessions per second, latency counted from\n"
"                            each session's due time (coordinated omission)\n"
"      --threads N           event loops, each with its own Lua state (default 1)\n"
"      --max-errors N        failed sessions allowed before exit 1 (default 0)\n"
"      --threshold EXPR      fail on latency or rates, e.g. 'dot.p99<50ms',\n"
"                            'session.max<=2s', 'error_rate<1%' (repeatable)\n"
"      --transcript-errors DIR  keep the transcript of each failed session\n"
"                            there (session-N.txt)\n"
"      --json FILE           the report as JSON (read by `smtprun report merge`)\n"
"      --hdr-log FILE        the histograms as an HdrHistogram interval log\n"
"      --shard K/N           run the Kth of N interleaved slices of the sessions\n"
"      --start-at EPOCH      start at this time (seconds since the epoch), so\n"
"                            that shards start together\n"
"  -D, --define NAME=VALUE   set vars.NAME (vars.session is each session's number)\n"
"  -s, --server HOST[:PORT]  target (env SMTPRUN_SERVER; port 25)\n"
"  -t, --timeout SECONDS     default limit for every wait (default 30)\n"
"      --cafile FILE         trust these CA certificates for TLS (PEM)\n"
"  -k, --insecure            do not verify TLS certificates\n"
"      --show-secrets        do not redact AUTH in kept transcripts\n"
"      --memory-limit MB     Lua memory of each thread (default 1024, 0: none)\n"
"      --sandbox             scenarios get no commands, file writes, C modules\n"
"      --config FILE, --no-config, --target NAME   as for run\n"
"  -h, --help                this text\n"
"\n"
"Exit status: 0 passed, 1 sessions failed (past --max-errors) or a threshold\n"
"failed, 2 usage or setup error.\n";

/* --transcript-errors DIR: there, or made (one level). */
static int
check_dir(const char *dir)
{
	struct stat	 st;

	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		fprintf(stderr, "smtprun load: cannot make --transcript-errors %s: %s\n",
		    dir, strerror(errno));
		return -1;
	}
	if (stat(dir, &st) == -1 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "smtprun load: --transcript-errors %s is not a directory\n", dir);
		return -1;
	}
	return 0;
}

static int
finish(struct opts *o, struct load_opts *lo, struct load_result *res)
{
	struct threshold	*th;
	struct load_report	 rep;
	char			 target[512], err[512];
	int			 bad, rc = EXIT_PASS;

	if ((th = command_thresholds(o)) == NULL) {
		fprintf(stderr, "smtprun load: out of memory\n");
		return EXIT_USAGE;
	}
	if (o->host != NULL)
		snprintf(target, sizeof(target), strchr(o->host, ':') ? "[%s]:%s" : "%s:%s",
		    o->host, o->port ? o->port : "25");
	memset(&rep, 0, sizeof(rep));
	rep.scenario = lo->path;
	rep.target = o->host ? target : NULL;
	rep.shard_k = lo->shard_k;
	rep.shard_n = lo->shard_n;
	rep.th = th;
	rep.nth = (size_t)o->nthresholds;
	rep.color = env_color(STDOUT_FILENO);
	bad = load_report_print(stdout, &res->st, &rep);
	fflush(stdout);
	if (res->first_failed > 0)
		fprintf(stderr, "smtprun load: first failure, session %lld: %s\n",
		    (long long)res->first_failed, res->first_failure);
	if (lo->transcript_errors != NULL && res->transcripts_written > 0)
		fprintf(stderr, "smtprun load: %lld transcript%s of failed sessions in %s\n",
		    (long long)res->transcripts_written,
		    res->transcripts_written == 1 ? "" : "s", lo->transcript_errors);
	if (o->r.json != NULL &&
	    load_report_write_json(o->r.json, &res->st, &rep, err, sizeof(err)) == -1) {
		fprintf(stderr, "smtprun load: %s\n", err);
		rc = EXIT_USAGE;
	}
	if (o->hdr_log != NULL &&
	    hdrlog_write(o->hdr_log, &res->st, lo->path, err, sizeof(err)) == -1) {
		fprintf(stderr, "smtprun load: %s\n", err);
		rc = EXIT_USAGE;
	}
	if (res->st.failed > (o->max_errors < 0 ? 0 : o->max_errors) || bad > 0)
		rc = rc == EXIT_PASS ? EXIT_FAILED : rc;
	free(th);
	return rc;
}

int
cmd_load(int argc, char **argv)
{
	struct opts		 o;
	struct load_opts	 lo;
	struct load_result	 res;
	int			 rc;

	if ((rc = command_start(&o, CMD_LOAD, argc, argv, usage)) != -1)
		return rc;
	if (optind >= argc)
		return command_usage(&o, "smtprun load: no scenario given", usage);
	if (argc - optind > 1)
		return command_usage(&o, "smtprun load: one scenario at a time", usage);
	if (o.sessions == 0 && o.duration == 0)
		return command_usage(&o, "smtprun load: say how much: -n SESSIONS or "
		    "-d SECONDS", usage);
	if (o.threads > o.concurrency)
		return command_usage(&o, "smtprun load: --threads cannot exceed "
		    "--concurrency (each thread runs at least one session)", usage);
	if (o.transcript_errors != NULL && check_dir(o.transcript_errors) == -1) {
		opts_free(&o);
		return EXIT_USAGE;
	}
	memset(&lo, 0, sizeof(lo));
	lo.so = o.r.so;
	lo.path = argv[optind];
	lo.concurrency = o.concurrency;
	lo.sessions = o.sessions;
	lo.duration = o.duration;
	lo.rate = o.rate;
	lo.threads = o.threads;
	lo.shard_k = o.r.shard_k;
	lo.shard_n = o.r.shard_n;
	lo.start_at = o.start_at;
	lo.transcript_errors = o.transcript_errors;
	lo.progress = isatty(STDERR_FILENO);
	if (load_run(&lo, &res) == -1) {
		fprintf(stderr, "smtprun load: %s\n", res.message);
		ls_free(&res.st);
		opts_free(&o);
		return EXIT_USAGE;
	}
	switch (res.end) {
	case LOAD_SETUP_ERROR:
		fprintf(stderr, "smtprun load: %s\n", res.message);
		rc = EXIT_USAGE;
		break;
	case LOAD_INTERRUPTED:
		rc = finish(&o, &lo, &res);
		fprintf(stderr, "smtprun load: interrupted by signal %d\n", res.signo);
		rc = EXIT_SIGNAL + res.signo;
		break;
	default:
		rc = finish(&o, &lo, &res);
		break;
	}
	ls_free(&res.st);
	opts_free(&o);
	return rc;
}
