/* cmd_run.c - "smtprun run": run scenario files and report on each. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "loop.h"
#include "resolve.h"
#include "scenario.h"
#include "task.h"

#define DEFAULT_TIMEOUT	30.0

static const char usage[] =
"usage: smtprun run [options] SCENARIO.lua...\n"
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
"  -h, --help                this text\n"
"\n"
"Exit status: 0 all passed, 1 a scenario failed, 2 usage or setup error.\n";

struct run {
	struct scenario_opts	 so;
	const char		*transcript;
	int			 tr_dir;	/* transcript names a directory */
	int			 tr_fd;		/* the shared transcript file */
	char			*host;
	char			*port;
};

/* Splits "host", "host:port", "[v6]", "[v6]:port", "v6" into r->host/port. */
static int
parse_server(struct run *r, const char *arg)
{
	const char	*colon, *end;

	free(r->host);
	free(r->port);
	r->host = r->port = NULL;
	if (arg[0] == '[') {
		if ((end = strchr(arg, ']')) == NULL || end == arg + 1)
			return -1;
		r->host = strndup(arg + 1, (size_t)(end - arg - 1));
		if (end[1] == ':')
			r->port = strdup(end + 2);
		else if (end[1] != '\0')
			return -1;
	} else if ((colon = strchr(arg, ':')) != NULL && strchr(colon + 1, ':') == NULL) {
		r->host = strndup(arg, (size_t)(colon - arg));
		r->port = strdup(colon + 1);
	} else
		r->host = strdup(arg);
	if (r->host == NULL || r->host[0] == '\0' || (r->port && r->port[0] == '\0') ||
	    strpbrk(r->host, "[] \t") != NULL)
		return -1;
	return 0;
}

static int
parse_timeout(const char *arg, double *out)
{
	char	*end;
	double	 t;

	errno = 0;
	t = strtod(arg, &end);
	if (errno || end == arg || *end != '\0' || !(t > 0) || t > 86400 * 365)
		return -1;
	*out = t;
	return 0;
}

/* "dir/a b.lua" -> "dir-a_b.log" under the transcript directory. */
static char *
transcript_name(const char *dir, const char *path)
{
	struct buf	 b = BUF_INIT;
	const char	*p = path, *dot;
	size_t		 n;

	while (p[0] == '.' && p[1] == '/')
		p += 2;
	while (*p == '/')
		p++;
	dot = strrchr(p, '.');
	n = dot && dot > p && !strchr(dot, '/') ? (size_t)(dot - p) : strlen(p);
	buf_appendstr(&b, dir);
	if (b.len && b.p[b.len - 1] != '/')
		buf_append(&b, "/", 1);
	for (; n > 0; p++, n--) {
		char c = *p == '/' ? '-' : (*p == ' ' || *p == '\t') ? '_' : *p;
		buf_append(&b, &c, 1);
	}
	buf_appendstr(&b, ".log");
	buf_append(&b, "", 1);
	return b.p;
}

static int
open_transcripts(struct run *r)
{
	struct stat	 st;
	size_t		 n = strlen(r->transcript);

	if ((stat(r->transcript, &st) == 0 && S_ISDIR(st.st_mode)) ||
	    (n > 0 && r->transcript[n - 1] == '/')) {
		if (mkdir(r->transcript, 0777) == -1 && errno != EEXIST) {
			fprintf(stderr, "smtprun: cannot create %s: %s\n", r->transcript,
			    strerror(errno));
			return -1;
		}
		r->tr_dir = 1;
		return 0;
	}
	r->tr_fd = open(r->transcript, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND |
	    O_CLOEXEC, 0666);
	if (r->tr_fd == -1) {
		fprintf(stderr, "smtprun: cannot write %s: %s\n", r->transcript,
		    strerror(errno));
		return -1;
	}
	return 0;
}

static int
scenario_fd(struct run *r, const char *path, char **name)
{
	int	 fd;

	*name = NULL;
	if (r->transcript == NULL)
		return -1;
	if (!r->tr_dir) {
		*name = strdup(r->transcript);
		return dup(r->tr_fd);
	}
	*name = transcript_name(r->transcript, path);
	fd = open(*name, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0666);
	if (fd == -1)
		fprintf(stderr, "smtprun: cannot write %s: %s\n", *name, strerror(errno));
	return fd;
}

static int
scenario_done(void *arg)
{
	return ((struct scenario *)arg)->done;
}

static void
report(const struct scenario *sc, int color, int live)
{
	static const char *const word[] = { "PASS", "FAIL", "ERROR" };
	static const char *const col[] = { "\033[32m", "\033[31m", "\033[31;1m" };
	struct buf	 tail = BUF_INIT;

	printf("%s%-5s%s %s  (%.2f s)\n", color ? col[sc->outcome] : "",
	    word[sc->outcome], color ? "\033[0m" : "", sc->path, sc->elapsed);
	if (sc->outcome == OUT_PASS)
		return;
	printf("      %s\n", sc->message);
	if (!live && sc->tr.tail_count > 0 && tr_tail(&sc->tr, 6, "        ", &tail) == 0) {
		printf("      last transcript lines:\n%.*s", (int)tail.len, tail.p);
		buf_free(&tail);
	}
}

int
cmd_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "define", required_argument, NULL, 'D' },
		{ "server", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "transcript", required_argument, NULL, 'T' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "timestamps", no_argument, NULL, 1 },
		{ "show-secrets", no_argument, NULL, 2 },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct run		 r;
	struct scenario		 sc;
	struct loop		*lp = NULL;
	struct sched		*s = NULL;
	const char		**vars;
	const char		*env;
	char			*trname;
	int			 ch, i, nvars = 0, fd, color, rc = EXIT_USAGE;
	int			 count[3] = { 0, 0, 0 };

	memset(&r, 0, sizeof(r));
	r.tr_fd = -1;
	r.so.timeout = DEFAULT_TIMEOUT;
	if ((vars = calloc((size_t)argc + 1, sizeof(*vars))) == NULL)
		return EXIT_USAGE;
	if ((env = getenv("SMTPRUN_SERVER")) != NULL && *env && parse_server(&r, env) == -1) {
		fprintf(stderr, "smtprun: bad SMTPRUN_SERVER \"%s\" (want HOST[:PORT])\n", env);
		goto out;
	}
	optind = 1;
	while ((ch = getopt_long(argc, argv, "D:s:t:T:vh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'D':
			if (strchr(optarg, '=') == NULL || optarg[0] == '=') {
				fprintf(stderr, "smtprun: -D wants NAME=VALUE, not \"%s\"\n", optarg);
				goto out;
			}
			vars[nvars++] = optarg;
			break;
		case 's':
			if (parse_server(&r, optarg) == -1) {
				fprintf(stderr, "smtprun: bad --server \"%s\" (want HOST[:PORT])\n",
				    optarg);
				goto out;
			}
			break;
		case 't':
			if (parse_timeout(optarg, &r.so.timeout) == -1) {
				fprintf(stderr, "smtprun: bad --timeout \"%s\" (want seconds > 0)\n",
				    optarg);
				goto out;
			}
			break;
		case 'T':
			r.transcript = optarg;
			break;
		case 'v':
			r.so.live = 1;
			break;
		case 1:
			r.so.timestamps = 1;
			break;
		case 2:
			r.so.show_secrets = 1;
			break;
		case 'h':
			fputs(usage, stdout);
			rc = EXIT_PASS;
			goto out;
		default:
			fputs(usage, stderr);
			goto out;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "smtprun run: no scenario given\n%s", usage);
		goto out;
	}
	if ((r.so.luadir = cli_luadir()) == NULL) {
		fprintf(stderr, "smtprun: cannot find smtprun's Lua modules (smtp.lua); "
		    "set SMTPRUN_LUADIR\n");
		goto out;
	}
	r.so.host = r.host;
	r.so.port = r.port;
	r.so.vars = vars;
	if (r.transcript != NULL && open_transcripts(&r) == -1)
		goto out;
	if ((lp = loop_new()) == NULL || resolve_init(lp) == -1 ||
	    (s = sched_new(lp)) == NULL) {
		fprintf(stderr, "smtprun: cannot set up the event loop: %s\n", strerror(errno));
		goto out;
	}

	color = cli_color(STDOUT_FILENO);
	r.so.color = cli_color(STDERR_FILENO);
	for (i = optind; i < argc; i++) {
		fd = scenario_fd(&r, argv[i], &trname);
		scenario_start(&sc, s, argv[i], &r.so, fd, trname);
		free(trname);
		sched_run(s, scenario_done, &sc);
		if (!sc.done) {
			sc.outcome = OUT_ERROR;
			sc.message = strdup("internal error: the scenario stalled");
		}
		report(&sc, color, r.so.live);
		fflush(stdout);
		count[sc.outcome]++;
		scenario_free(&sc, s);
	}
	printf("%d scenario%s: %d passed, %d failed, %d error%s\n", argc - optind,
	    argc - optind == 1 ? "" : "s", count[OUT_PASS], count[OUT_FAIL],
	    count[OUT_ERROR], count[OUT_ERROR] == 1 ? "" : "s");
	rc = count[OUT_ERROR] ? EXIT_USAGE : count[OUT_FAIL] ? EXIT_FAILED : EXIT_PASS;
out:
	if (s != NULL)
		sched_free(s);
	resolve_shutdown();
	loop_free(lp);
	if (r.tr_fd >= 0)
		close(r.tr_fd);
	free(r.host);
	free(r.port);
	free(vars);
	return rc;
}
