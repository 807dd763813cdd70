/* cmd_run.c - "smtprun run": scenario files against a server. */
#include <unistd.h>

#include "cli/cmd_run.h"
#include "cli/command.h"

static const char usage[] =
"usage: smtprun run [options] SCENARIO|DIR...\n"
"\n"
"Runs scenario files (*.lua, *.yaml, *.smtp; directories are searched).\n"
"\n"
"  -D, --define NAME=VALUE   set vars.NAME for the scenarios (repeatable)\n"
"  -s, --server HOST[:PORT]  default target (env SMTPRUN_SERVER; port 25)\n"
"  -t, --timeout SECONDS     default limit for every wait (default 30)\n"
"  -T, --transcript PATH     write transcripts: a file, or a directory\n"
"                            (existing, or PATH ending in /) with one file\n"
"                            per scenario\n"
"  -v, --verbose             echo transcripts live on stderr\n"
"      --timestamps          prefix transcript lines with elapsed seconds\n"
"      --show-secrets        do not redact AUTH payloads in transcripts\n"
"      --cafile FILE         trust these CA certificates for TLS (PEM)\n"
"  -k, --insecure            do not verify TLS certificates (noted in the\n"
"                            transcript)\n"
"      --require-tls-auth    the AUTH helpers refuse, before sending any\n"
"                            secret, on a session without TLS\n"
"  -j, --jobs N              run N files at once (default 1)\n"
"  -f, --filter PATTERN      only cases whose \"file: case\" matches (Lua pattern)\n"
"      --shard K/N           only every Nth file, from the Kth (1 <= K <= N)\n"
"      --fail-fast           stop at the first failure\n"
"  -l, --list                name the cases, run nothing\n"
"      --case-timeout SEC    wall-clock limit of one case (default 120)\n"
"      --file-timeout SEC    wall-clock limit of one file (default 600)\n"
"      --memory-limit MB     Lua memory of one file (default 1024, 0: none)\n"
"      --sandbox             no commands, file writes, C modules, bytecode or\n"
"                            debug library for the scenarios\n"
"  -c, --config FILE         settings: targets, timeouts, variables (default:\n"
"                            ./smtprun.yaml when there is one)\n"
"      --no-config           do not read ./smtprun.yaml (env SMTPRUN_NO_CONFIG=1)\n"
"      --target NAME         the config's target to run against\n"
"      --golden DIR          compare each case's transcript with DIR's copy\n"
"      --update-golden       write the golden transcripts instead\n"
"      --golden-rules FILE   more normalising rules (a Lua file returning\n"
"                            { {pattern, replacement}, ... })\n"
"      --tap[=13]            TAP version 14 on stdout (=13: labelled version 13,\n"
"                            for harnesses that predate TAP 14)\n"
"      --junit FILE          JUnit XML report\n"
"      --json FILE           JSON Lines report, one record per case\n"
"  -h, --help                this text\n"
"\n"
"Exit status: 0 all passed, 1 a scenario failed, 2 usage or setup error.\n";

int
cmd_run(int argc, char **argv)
{
	struct opts	 o;
	int		 rc;

	if ((rc = command_start(&o, CMD_RUN, argc, argv, usage)) != -1)
		return rc;
	if (optind >= argc)
		return command_usage(&o, "smtprun run: no scenario given", usage);
	return command_run(&o, argv + optind, argc - optind);
}
