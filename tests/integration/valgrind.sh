#!/usr/bin/env bash
# valgrind memcheck over real sessions: the article against Postfix, a
# failing AUTH, a timeout, a malformed reply, a refused connection and a
# name lookup, load mode. Any error or leak fails the test.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${SRCDIR:?}/tests/integration/lib.sh" || exit 1
command -v valgrind >/dev/null || { echo "skipped: no valgrind"; exit 77; }
need_postfix

vg() {
	LAST="(valgrind) $*"
	# --run-libc-freeres=no: glibc's exit-time cleanup trips over its own
	# getaddrinfo_a helper thread (a false report inside __libc_freeres).
	valgrind --quiet --error-exitcode=99 --leak-check=full --run-libc-freeres=no \
	    --errors-for-leak-kinds=definite,indirect,possible \
	    --suppressions="$SRCDIR/tests/valgrind.supp" \
	    "$SMTPRUN" "$@" >"$T/out" 2>"$T/err"
	RC=$?
	[ "$RC" -ne 99 ] || fail "valgrind reported errors"
}

vg run --server "$SMTPRUN_SERVER" -D user="$POSTFIX_USER" \
    -D password="$POSTFIX_PASSWORD" "$SRCDIR/scripts/article-auth-login.lua"
expect_rc 0
vg run --server "$SMTPRUN_SERVER" -D user="$POSTFIX_USER" -D password=wrong \
    "$SRCDIR/scripts/article-auth-login.lua"
expect_rc 1

s=$(scenario greet.lua <<'LUA'
local s = smtp.connect()
s:expect(220, nil, { timeout = 0.5 })
s:ehlo()
LUA
)
fake silent
vg run --server "127.0.0.1:$FAKE_PORT" "$s"; expect_rc 1
stop_fake
fake mixed
vg run --server "127.0.0.1:$FAKE_PORT" "$s"; expect_rc 1
wait_fake
vg run --timeout 5 --server "localhost:$(free_port)" "$s"; expect_rc 2
vg b64 encode 'alice@example.test'; expect_rc 0
# The server role: the demo in one process, and faults on both sides.
vg demo; expect_rc 0
vg run -D on=EHLO -D action=close_mid_reply "$SRCDIR/tests/scenarios/fault.lua"; expect_rc 1
vg run -D on=RCPT -D action=silent -D timeout=0.3 "$SRCDIR/tests/scenarios/fault.lua"; expect_rc 1
# Suites: cases, abandoned cases, YAML, reports, -j.
serve_bg demo --serve
port=$SERVE_PORT
vg run -j 2 --server "127.0.0.1:$port" --case-timeout 1 --junit "$T/j.xml" --tap \
    "$SRCDIR/tests/scenarios/suite"
expect_rc 2
# Load mode: two threads, sessions that fail and keep their transcripts,
# sessions left open, a name resolved per thread, the reports.
vg load -c 4 -n 12 --threads 2 -s "localhost:$port" -D user=alice@example.test \
    -D password=wonderland --json "$T/l.json" --hdr-log "$T/l.hdr" \
    "$SRCDIR/scripts/article-auth-login.lua"
expect_rc 0
vg load -c 3 -n 6 --threads 2 -s "127.0.0.1:$port" -D user=alice@example.test \
    -D password=wrong --transcript-errors "$T/tre" "$SRCDIR/scripts/article-auth-login.lua"
expect_rc 1
vg report merge "$T/l.json" "$T/l.json" --json "$T/m.json"; expect_rc 0
exit 0
