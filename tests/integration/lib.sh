# lib.sh - shared by the integration tests (sourced; bash).
# shellcheck shell=bash
#
# The environment (set by ctest, see tests/CMakeLists.txt):
#   SMTPRUN      the binary under test
#   SRCDIR       the source tree
#   POSTFIX_DIR  where the test Postfix fixture runs (tests that need it)
#
# Each test gets a private directory $T, removed on exit. `run` runs
# smtprun and keeps its exit code in $RC, stdout in $T/out, stderr in $T/err;
# `run_bg` runs it in the background, and `wait_bg` or `signal_bg` fill in
# the same three once it ends. Exit 77 means "skipped" to ctest.

set -u
: "${SMTPRUN:?SMTPRUN must name the smtprun binary}"
: "${SRCDIR:?SRCDIR must name the source tree}"

T=$(mktemp -d "${TMPDIR:-/tmp}/smtprun-test.XXXXXX")
FAKE_PID=
BG_PID=
cleanup() {
	[ -n "$FAKE_PID" ] && kill "$FAKE_PID" 2>/dev/null
	[ -n "$BG_PID" ] && kill "$BG_PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
RC=0
LAST=

fail() {
	printf 'FAIL: %s\n' "$*" >&2
	if [ -f "$T/out" ]; then
		printf -- '--- last command: smtprun %s (exit %s)\n--- stdout:\n' "$LAST" "$RC" >&2
		cat "$T/out" >&2
		printf -- '--- stderr:\n' >&2
		cat "$T/err" >&2
	fi
	exit 1
}

# run ARGS...: smtprun ARGS, never failing the shell.
run() {
	LAST="$*"
	"$SMTPRUN" "$@" >"$T/out" 2>"$T/err"
	RC=$?
}

expect_rc() { [ "$RC" -eq "$1" ] || fail "exit code $RC, expected $1"; }
expect_out() { grep -qF -- "$1" "$T/out" || fail "stdout lacks: $1"; }
expect_err() { grep -qF -- "$1" "$T/err" || fail "stderr lacks: $1"; }
expect_no_out() { ! grep -qF -- "$1" "$T/out" || fail "stdout contains: $1"; }
expect_no_err() { ! grep -qF -- "$1" "$T/err" || fail "stderr contains: $1"; }
expect_in() { grep -qF -- "$2" "$1" || fail "$1 lacks: $2"; }
expect_not_in() { ! grep -qF -- "$2" "$1" || fail "$1 contains: $2"; }

# expect_lines FILE LINE...: each LINE (a fixed string) occurs in FILE, in
# this order, each on a later line than the one before.
expect_lines() {
	local file=$1 n=0 want
	shift
	for want in "$@"; do
		# ENVIRON, not -v: awk would expand backslashes in -v values.
		n=$(WANT=$want awk -v start="$n" \
		    'NR > start && index($0, ENVIRON["WANT"]) { print NR; found = 1; exit }
		     END { if (!found) print 0 }' "$file")
		[ "$n" -gt 0 ] || { echo "--- $file:" >&2; cat "$file" >&2;
			fail "$file lacks, in order: $want"; }
	done
}

# lineof FILE STRING: the number of the first line of FILE holding STRING.
lineof() { grep -nF -- "$2" "$1" | head -1 | cut -d: -f1; }

# scenario NAME: writes stdin to $T/NAME and prints the path.
scenario() { cat >"$T/$1"; printf '%s\n' "$T/$1"; }

# Scenarios with a prologue: `prologue` writes stdin (Lua shared by the
# test's scenarios) to $T/prologue.lua; `with NAME` is `scenario NAME` with
# a first line that runs that file, dofile('$T/prologue.lua'): the
# scenario's own lines start at line 2.
prologue() { cat >"$T/prologue.lua"; }
with() { { echo "dofile('$T/prologue.lua')"; cat; } | scenario "$1"; }

need_postfix() {
	[ -f "${POSTFIX_DIR:-/nonexistent}/env" ] || {
		echo "skipped: no test Postfix (it needs root; see tests/postfix)"
		exit 77
	}
	# shellcheck disable=SC1091 # written by postfix-ctl at run time
	. "$POSTFIX_DIR/env"
}

need_python() {
	command -v python3 >/dev/null || { echo "skipped: no python3"; exit 77; }
}

# fake MODE: starts tests/integration/fakeserver.py for one connection and
# sets FAKE_PORT. One at a time: end each with stop_fake or wait_fake (or
# leave the last to lib.sh's cleanup).
fake() {
	[ -z "$FAKE_PID" ] || fail "fake $1: the last fake server was not stopped"
	need_python
	rm -f "$T/fake.port" "$T/fake.recv"
	python3 "$SRCDIR/tests/integration/fakeserver.py" "$1" "$T/fake.port" \
	    "$T/fake.recv" &
	FAKE_PID=$!
	wait_for "$T/fake.port" . "$FAKE_PID" || fail "fake server did not start"
	# shellcheck disable=SC2034 # FAKE_PORT is for the tests that source this
	FAKE_PORT=$(cat "$T/fake.port")
}

# stop_fake: stops the fake server (if it has not ended yet) and reaps it.
# wait_fake: waits for a fake server that ends by itself (after its one
# connection) and reaps it. Either way, the next `fake` starts afresh.
stop_fake() {
	[ -n "$FAKE_PID" ] || return 0
	kill "$FAKE_PID" 2>/dev/null
	wait "$FAKE_PID" 2>/dev/null
	FAKE_PID=
}
wait_fake() {
	[ -n "$FAKE_PID" ] || return 0
	wait "$FAKE_PID" 2>/dev/null
	FAKE_PID=
}

# wait_for FILE PATTERN [PID]: waits until a line of FILE matches the grep
# PATTERN: returns 0 then, or 1 after 10 s, or as soon as process PID (when
# given) has ended without writing it.
wait_for() {
	for _ in $(seq 200); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		[ -z "${3:-}" ] || kill -0 "$3" 2>/dev/null || break
		sleep 0.05
	done
	grep -q -- "$2" "$1" 2>/dev/null
}

# run_bg ARGS...: `smtprun ARGS` in the background, stdout in $T/bg.out,
# stderr in $T/bg.err; sets BG_PID. One at a time: end it with wait_bg or
# signal_bg (or leave it to lib.sh's cleanup, which stops it).
run_bg() {
	[ -z "$BG_PID" ] || fail "run_bg $1: smtprun $BG_LAST still runs"
	BG_LAST="$*"
	# Gone first: the redirection below happens in the child, and a wait_for
	# in between must not read the last run's "listening on".
	rm -f "$T/bg.out" "$T/bg.err"
	"$SMTPRUN" "$@" >"$T/bg.out" 2>"$T/bg.err" &
	BG_PID=$!
}

# serve_bg ARGS...: run_bg ARGS (serve, or demo --serve); returns once it
# prints "listening on", with the port in SERVE_PORT.
serve_bg() {
	run_bg "$@"
	wait_for "$T/bg.out" "^listening on " "$BG_PID"
	SERVE_PORT=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$T/bg.out")
	if [ -z "$SERVE_PORT" ]; then
		cat "$T/bg.out" "$T/bg.err" >&2
		if kill -0 "$BG_PID" 2>/dev/null; then
			fail "smtprun $1 did not start (still running, not listening after 10 s)"
		fi
		wait "$BG_PID"
		fail "smtprun $1 did not start (it exited with status $?)"
	fi
}

# wait_bg: waits for the run_bg process to end; its exit code in RC, its
# output in $T/out and $T/err (for expect_rc, expect_out, ...).
# signal_bg SIGNAL: sends it SIGNAL (INT, TERM, KILL, ...), then wait_bg.
wait_bg() {
	[ -n "$BG_PID" ] || fail "wait_bg: nothing runs in the background"
	wait "$BG_PID" 2>/dev/null; RC=$?
	BG_PID=
	LAST="$BG_LAST (in the background)"; cp "$T/bg.out" "$T/out"; cp "$T/bg.err" "$T/err"
}
signal_bg() {
	[ -n "$BG_PID" ] || fail "signal_bg $1: nothing runs in the background"
	kill "-$1" "$BG_PID"
	wait_bg
}

# A port on 127.0.0.1 that nothing listens on (bound, then released).
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# rcpts_safe FILE: every RCPT TO: address in FILE (a transcript) names only
# example.test or reserved domains (RFC 2606, RFC 6761) after each "@" and
# "%", with no bang path or address literal: nothing a security check sends
# can leave the machine (issue 11).
rcpts_safe() {
	grep -o 'RCPT TO:<[^>]*>' "$1" | awk '{
		addr = substr($0, 10, length($0) - 10)
		if (addr ~ /[!\[]/ || addr !~ /@/) { print "unsafe: " addr; bad = 1; next }
		n = split(addr, parts, /[@%]/)
		for (i = 2; i <= n; i++) {
			d = tolower(parts[i]); sub(/[":,].*$/, "", d)
			if (d !~ /(^|\.)(example|invalid|test|localhost)$/ &&
			    d !~ /^example\.(com|net|org)$/) { print "unsafe: " addr; bad = 1 }
		}
	} END { exit bad }' >&2 || fail "$1: a recipient on a domain that is not reserved"
}

# Security checks (issue 11).
# run_check SERVER NAME RC ARGS...: scripts/security/NAME.lua run by `smtprun
# run --server SERVER ARGS`; its exit code must be RC. The verdict is then in
# $T/verdict ("pass|fail|skip EVIDENCE", from --json), the transcript in
# $T/transcript.N.log (N counts the runs, in CHECK_N).
CHECK_N=0
run_check() {
	local server=$1 name=$2 want=$3
	shift 3
	CHECK_N=$((CHECK_N + 1))
	run run --server "$server" --json "$T/$CHECK_N.json" \
	    --transcript "$T/transcript.$CHECK_N.log" "$@" "$SRCDIR/scripts/security/$name.lua"
	expect_rc "$want"
	python3 -c 'import json, sys
r = json.loads(open(sys.argv[1]).readline())
print(r["status"], r["message"])' "$T/$CHECK_N.json" >"$T/verdict" || fail "no JSON verdict"
}
# verdict STRING: the last check's verdict line holds STRING.
verdict() { grep -qF -- "$1" "$T/verdict" || fail "verdict: $(cat "$T/verdict"), expected: $1"; }
# rcpts_stay: rcpts_safe for every transcript of the checks run so far;
# the RCPT TO lines sent are collected in $T/rcpts.
rcpts_stay() {
	local f
	grep -h ' -> RCPT TO:' "$T"/transcript.*.log >"$T/rcpts" 2>/dev/null
	for f in "$T"/transcript.*.log; do
		[ -f "$f" ] && rcpts_safe "$f"
	done
	return 0
}
