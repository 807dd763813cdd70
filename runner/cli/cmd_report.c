/* cmd_report.c - "smtprun report merge A.json B.json ...": the reports of
 * load runs (the shards of one run, or several runs) added bucket by
 * bucket, printed, written as one, and judged by thresholds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cmd_report.h"
#include "cli/command.h"
#include "cli/env.h"
#include "core/loadstats.h"
#include "suite/hdrlog.h"
#include "suite/report_load.h"

static const char usage[] =
"usage: smtprun report merge REPORT.json... [--json FILE] [--threshold EXPR]...\n"
"                            [--max-errors N]\n"
"\n"
"Adds the JSON reports of load runs (smtprun load --json, one per shard)\n"
"histogram bucket by bucket, and prints the merged report as a run prints\n"
"its own. Exit 0, or 1 when a threshold fails or more sessions failed than\n"
"--max-errors allows, or 2 when a report cannot be read.\n"
"\n"
"      --json FILE           write the merged report there (the same format)\n"
"      --threshold EXPR      fail (exit 1) unless EXPR holds, e.g. dot.p99<50ms,\n"
"                            session.max<=2s, errors<1, error_rate<0.5%,\n"
"                            sessions_per_s>100 (repeatable)\n"
"      --max-errors N        fail (exit 1) when more than N sessions failed\n"
"                            (default: failed sessions do not fail the merge)\n"
"  -h, --help                this text\n";

#define SCENARIO_MAX	4096

/* The merge: every report added into st; the common scenario in scen. */
static int
merge(char **files, int nfiles, struct load_stats *st, char *scen)
{
	char	 err[512], one[SCENARIO_MAX];
	int	 i;

	for (i = 0; i < nfiles; i++) {
		if (load_report_read_json(files[i], st, one, sizeof(one), err,
		    sizeof(err)) == -1) {
			fprintf(stderr, "smtprun report merge: %s\n", err);
			return -1;
		}
		if (i == 0)
			memcpy(scen, one, sizeof(one));
		else if (strcmp(scen, one) != 0)
			scen[0] = '\0';
	}
	return 0;
}

int
cmd_report(int argc, char **argv)
{
	struct opts		 o;
	struct load_stats	 st;
	struct load_report	 r;
	struct threshold	*th = NULL;
	char			 scen[SCENARIO_MAX], err[512];
	int			 rc, failed;

	if ((rc = command_start(&o, CMD_REPORT, argc, argv, usage)) != -1)
		return rc;
	if (optind == argc)
		return command_usage(&o, "smtprun report: give a subcommand (merge)", usage);
	if (strcmp(argv[optind], "merge") != 0) {
		snprintf(err, sizeof(err), "smtprun report: unknown subcommand \"%.100s\" "
		    "(want merge)", argv[optind]);
		return command_usage(&o, err, usage);
	}
	if (optind + 1 == argc)
		return command_usage(&o, "smtprun report merge: give the JSON reports "
		    "to merge", usage);
	if (ls_init(&st) == -1 ||
	    (th = command_thresholds(&o)) == NULL) {
		fprintf(stderr, "smtprun report merge: out of memory\n");
		rc = EXIT_USAGE;
		goto out;
	}
	if (merge(argv + optind + 1, argc - optind - 1, &st, scen) == -1) {
		rc = EXIT_USAGE;
		goto out;
	}
	memset(&r, 0, sizeof(r));
	r.scenario = scen[0] ? scen : "merged";
	r.th = th;
	r.nth = (size_t)o.nthresholds;
	r.color = env_color(STDOUT_FILENO);
	failed = load_report_print(stdout, &st, &r);
	fflush(stdout);
	if (o.r.json && load_report_write_json(o.r.json, &st, &r, err, sizeof(err)) == -1) {
		fprintf(stderr, "smtprun report merge: %s\n", err);
		rc = EXIT_USAGE;
		goto out;
	}
	if (o.hdr_log && hdrlog_write(o.hdr_log, &st, r.scenario, err, sizeof(err)) == -1) {
		fprintf(stderr, "smtprun report merge: %s\n", err);
		rc = EXIT_USAGE;
		goto out;
	}
	rc = EXIT_PASS;
	if (failed > 0)
		rc = EXIT_FAILED;
	if (o.max_errors >= 0 && st.failed > o.max_errors) {
		fprintf(stderr, "smtprun report merge: %lld sessions failed, more than "
		    "--max-errors %lld\n", (long long)st.failed, o.max_errors);
		rc = EXIT_FAILED;
	}
out:
	free(th);
	ls_free(&st);
	opts_free(&o);
	return rc;
}
