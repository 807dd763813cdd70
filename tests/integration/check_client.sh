#!/usr/bin/env bash
# `smtprun check-client`: each check with swaks and Python's smtplib (and raw
# Python clients that break the protocol on purpose) as the clients under
# test, configured to pass and to fail; --json, serving several clients
# until SIGTERM, and the setup errors.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${SRCDIR:?}/tests/integration/lib.sh" || exit 1
need_python
command -v swaks >/dev/null || { echo "skipped: no swaks"; exit 77; }
# swaks speaks TLS only with Net::SSLeay (libnet-ssleay-perl).
SWAKS_TLS=1
swaks --support TLS >/dev/null 2>&1 || { SWAKS_TLS=; echo "note: swaks without TLS: its TLS cases skipped"; }

# cc ARGS...: check-client --once in the background, listening on a free
# port (SERVE_PORT), its sessions in $T/cc.log.
cc() { serve_bg check-client --listen 127.0.0.1:0 --once -T "$T/cc.log" "$@"; }
# judged: waits (at most 30 s) for check-client to judge its client and exit.
judged() {
	for _ in $(seq 300); do kill -0 "$BG_PID" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$BG_PID" 2>/dev/null; then
		kill "$BG_PID"; wait_bg
		fail "check-client did not exit within 30 s of its client"
	fi
	wait_bg
}
# py MODE: tests/integration/check_client.py MODE against check-client.
py() {
	timeout 30 python3 "$SRCDIR/tests/integration/check_client.py" "$1" "$SERVE_PORT" \
	    >"$T/py.out" 2>&1 || { cat "$T/py.out" >&2; fail "python client $1 failed"; }
}
# sw ARGS...: swaks against check-client (its own exit code does not matter:
# some of its runs fail on purpose).
sw() {
	timeout 30 swaks --server "127.0.0.1:$SERVE_PORT" --from sender@example.test \
	    --to rcpt@example.test --helo swaks.example.test "$@" >"$T/swaks.out" 2>&1
	[ $? -ne 124 ] || fail "swaks did not end within 30 s"
}
# verdict VERDICT CHECK [EVIDENCE]: that line (the evidence's start) on stdout.
verdict() { expect_out "$(printf '%-12s  %-18s  %s' "$1" "$2" "${3:-}")"; }
# Every recipient the clients used is on a reserved name.
reserved_rcpts() {
	if grep -ai 'RCPT TO:' "$T/cc.log" | grep -aviE 'RCPT TO:<[^>]*@[^>]*\.(test|example|invalid)>'; then
		fail "a recipient that is not on a reserved name"
	fi
}

# --- starttls-used and cleartext-auth ---

# swaks without --tls: mail in clear although STARTTLS was offered.
cc; sw; judged; expect_rc 1
verdict VULNERABLE starttls-used "MAIL FROM:<sender@example.test> sent in clear (STARTTLS was offered)"
verdict INCONCLUSIVE cert-verified "run with --bad-cert"
verdict INCONCLUSIVE cleartext-auth "the client did not authenticate"
verdict SAFE pipelining
verdict SAFE line-endings
verdict INCONCLUSIVE retry-behaviour "run with --fail 421 or --fail 451"
expect_out "client 127.0.0.1:"
expect_out ": 2 safe, 1 vulnerable, 3 inconclusive"
[ "$(head -1 "$T/out")" = "listening on 127.0.0.1:$SERVE_PORT" ] || fail "not listening first"
[ "$(wc -l <"$T/out")" -eq 8 ] || fail "not one line per check and a summary"
expect_no_out "PASS"
expect_no_out "case"
reserved_rcpts

# swaks AUTH in clear: credentials sent without TLS, never printed.
cc; sw --auth PLAIN --auth-user swaksuser --auth-password swaks-secret; judged; expect_rc 1
verdict VULNERABLE cleartext-auth "AUTH PLAIN [initial response redacted] sent in clear"
verdict VULNERABLE starttls-used "AUTH PLAIN [initial response redacted] sent in clear"
B64=$(printf '\0swaksuser\0swaks-secret' | base64)
expect_no_out "$B64"
expect_not_in "$T/cc.log" "$B64"
expect_not_in "$T/cc.log" "swaks-secret"

if [ -n "$SWAKS_TLS" ]; then
	# swaks --tls: STARTTLS before AUTH and mail.
	cc; sw --tls --auth LOGIN --auth-user swaksuser --auth-password swaks-secret; judged
	expect_rc 0
	verdict SAFE starttls-used "STARTTLS, then AUTH LOGIN over TLS"
	verdict SAFE cleartext-auth "AUTH LOGIN only over TLS"
	expect_out ": 4 safe, 0 vulnerable, 2 inconclusive"
fi

# smtplib without starttls(): mail in clear.
cc; py plain; judged; expect_rc 1
verdict VULNERABLE starttls-used "mail FROM:<client@example.test> size="
# smtplib login() in clear.
cc; py login_clear; judged; expect_rc 1
verdict VULNERABLE cleartext-auth "AUTH PLAIN [initial response redacted] sent in clear"
B64=$(printf '\0user\0cleartext-password' | base64)
expect_no_out "$B64"
expect_not_in "$T/cc.log" "$B64"
# smtplib starttls(), then login(): safe on both counts.
cc; py starttls_login; judged; expect_rc 0
verdict SAFE starttls-used "STARTTLS, then AUTH PLAIN [initial response redacted] over TLS"
verdict SAFE cleartext-auth "AUTH PLAIN [initial response redacted] only over TLS"
verdict SAFE pipelining "8 commands, each after the reply to the one before"

# --- cert-verified ---

# smtplib with a verifying context: it refuses the certificate.
cc --bad-cert; py starttls_verify; judged; expect_rc 0
expect_in "$T/py.out" "refused the certificate"
verdict SAFE cert-verified "the client refused a self-signed certificate for wrong-name.invalid: TLS handshake"
verdict INCONCLUSIVE starttls-used "the client sent neither AUTH nor MAIL FROM"
# smtplib's starttls() without a context verifies nothing.
cc --bad-cert; py starttls_login; judged; expect_rc 1
verdict VULNERABLE cert-verified "the client accepted a self-signed certificate for wrong-name.invalid, then sent AUTH PLAIN [initial response redacted]"
if [ -n "$SWAKS_TLS" ]; then
	cc --bad-cert; sw --tls --tls-verify; judged; expect_rc 0
	verdict SAFE cert-verified "the client refused a self-signed certificate"
	cc --bad-cert; sw --tls; judged; expect_rc 1
	verdict VULNERABLE cert-verified "the client accepted a self-signed certificate for wrong-name.invalid, then sent MAIL FROM:<sender@example.test>"
fi

# --- pipelining (read_command's and read_data's `pipelined`) ---

# MAIL and RCPT in one write, though PIPELINING was not advertised.
cc; py pipelined; judged; expect_rc 1
verdict VULNERABLE pipelining "RCPT TO:<rcpt@example.test> sent before the reply to MAIL FROM:<client@example.test> (PIPELINING not advertised)"
# The final dot and QUIT in one write.
cc; py pipelined_quit; judged; expect_rc 1
verdict VULNERABLE pipelining "QUIT sent before the reply to the message's final ."
# swaks --pipeline pipelines only where PIPELINING is advertised: here not.
cc; sw --pipeline; judged
verdict SAFE pipelining "5 commands, each after the reply to the one before"
expect_not_in "$T/cc.log" "PIPELINING"

# --- line-endings ---

cc; py bare_lf; judged; expect_rc 1
verdict VULNERABLE line-endings "bare LF in the message data (message 1)"
cc; py bare_cr_command; judged; expect_rc 1
verdict VULNERABLE line-endings "bare CR in a command: NOOP<CR>NOOP"
cc; py long_line; judged; expect_rc 1
verdict VULNERABLE line-endings "a message line of 1202 octets (RFC 5321: at most 1000): line 3 of message 1"
cc; py plain; judged
verdict SAFE line-endings "5 commands and 1 message, longest line 23 octets, CRLF only"
# A real client library: smtplib sends a bytes message's bare LF as it is.
cc; py smtplib_bare_lf; judged; expect_rc 1
verdict VULNERABLE line-endings "bare LF in the message data (message 1)"

# The evidence never shows credentials: an AUTH line with a bare LF, nor
# the answers to a 334 (on stdout and in --json).
cc --json "$T/cc.json"; py auth_bare_lf; judged; expect_rc 1
verdict VULNERABLE line-endings "bare LF in a command: AUTH PLAIN [initial response redacted]"
B64=$(printf '\0user\0bare-lf-password' | base64)
expect_no_out "$B64"; expect_no_out "${B64:0:12}"; expect_not_in "$T/cc.json" "${B64:0:12}"
cc --json "$T/cc.json"; py auth_login_bare_lf; judged; expect_rc 1
verdict VULNERABLE cleartext-auth "AUTH LOGIN sent in clear"
for secret in login-user login-bare-lf-password; do
	B64=$(printf '%s' "$secret" | base64)
	expect_no_out "$B64"; expect_not_in "$T/cc.json" "$B64"
done
# An AUTH line may be up to 12288 octets (RFC 4954): smtplib login() with a
# 600-character password is no line-endings fault, and is not printed.
cc; py login_long; judged; expect_rc 1
verdict SAFE line-endings "3 commands, CRLF only"
verdict VULNERABLE cleartext-auth "AUTH PLAIN [initial response redacted] sent in clear"
B64=$(printf '\0user\0%s' "$(printf 'p%.0s' $(seq 600))" | base64 -w0)
expect_no_out "${B64:0:12}"
# Over 12288 octets it is one, still redacted.
cc; py auth_too_long; judged; expect_rc 1
verdict VULNERABLE line-endings "a command line of 13213 octets (RFC 4954: at most 12288): AUTH PLAIN [initial response redacted]"
expect_no_out "QUFBQUFB"

# What a client sent is escaped as smtprun shows bytes everywhere: a C1
# control and a byte that is no UTF-8 reach neither the terminal nor the JSON.
cc --json "$T/cc.json"; py odd_bytes; judged; expect_rc 1
verdict VULNERABLE starttls-used 'MAIL FROM:<c1\xc2\x9b[31m\xff@example.test> sent in clear'
python3 - "$T/out" "$T/cc.json" <<'PY' || fail "raw bytes of the client in the output"
import json, re, sys
for path in sys.argv[1:]:
    text = open(path, "rb").read().decode("utf-8")    # valid UTF-8
    assert not re.search("[\x80-\x9f]", text), path
rows = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
assert "\\xc2\\x9b" in rows[0]["evidence"], rows[0]
PY

# A port probe (connect, close: a CI "wait for the port" loop) is no
# client: --once waits on for the real one.
cc; py probe_then_plain; judged; expect_rc 1
verdict VULNERABLE starttls-used "mail FROM:<client@example.test> size="
verdict SAFE line-endings "5 commands and 1 message"
[ "$(grep -c '^client 127.0.0.1:' "$T/out")" -eq 1 ] || fail "the probe was judged"
expect_in "$T/cc.log" "sent no command: not judged"

# --- retry-behaviour ---

# A client that reconnects at once after 421, again and again.
cc --fail 421 -D retry_window=2; py retry_loop; judged; expect_rc 1
expect_out "VULNERABLE    retry-behaviour     after mail FROM:<client@example.test> size=32 -> 421: "
expect_out "within 2 s (at most 3 allowed)"
# smtplib failing once (451), then RSET and QUIT, no retry.
cc --fail 451 -D retry_window=1; py give_up; judged
verdict SAFE retry-behaviour "after mail FROM:<client@example.test> size=32 -> 451: the client sent RSET; 0 new connections and 0 repeats of that MAIL FROM within 1 s"
# Several messages after a failure are no retries: other senders, or one
# sender to other recipients (smtplib, then a raw client that sends RCPT).
cc --fail 451 -D retry_window=2; py several_senders; judged; expect_rc 1
verdict SAFE retry-behaviour "after mail FROM:<sender0@example.test> size=32 -> 451: the client sent RSET; 0 new connections and 0 repeats of that MAIL FROM within 2 s"
cc --fail 451 -D retry_window=2; py several_rcpts; judged; expect_rc 1
verdict SAFE retry-behaviour "after MAIL FROM:<client@example.test> -> 451: the client sent RCPT; 0 new connections and 0 repeats"
# The same message again and again on one connection is.
cc --fail 451 -D retry_window=2; py retry_same; judged; expect_rc 1
verdict VULNERABLE retry-behaviour "after mail FROM:<client@example.test> size=32 -> 451: 0 new connections and 4 repeats of that MAIL FROM within 2 s (at most 3 allowed)"
# swaks after 451: QUIT.
cc --fail 451 -D retry_window=1; sw; judged
verdict SAFE retry-behaviour "after MAIL FROM:<sender@example.test> -> 451: the client sent QUIT; 0 new connections"
expect_in "$T/cc.log" "451 4.3.0 Try again later"
reserved_rcpts

# --- --json, and serving until SIGTERM ---

serve_bg check-client --listen 127.0.0.1:0 --json "$T/cc.json" -T "$T/cc.log"
py plain
py starttls_login
wait_for "$T/bg.out" ": 4 safe, 0 vulnerable, 2 inconclusive" "$BG_PID" || fail "second client not judged"
signal_bg TERM; expect_rc 0
[ "$(grep -c '^client 127.0.0.1:' "$T/out")" -eq 2 ] || fail "not two clients judged"
python3 - "$T/cc.json" <<'PY' || fail "--json"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert len(rows) == 12, rows
assert len({r["client"] for r in rows}) == 2, rows
assert [r["check"] for r in rows[:6]] == ["starttls-used", "cert-verified", "cleartext-auth",
    "pipelining", "line-endings", "retry-behaviour"], rows
assert rows[0]["verdict"] == "VULNERABLE" and rows[6]["verdict"] == "SAFE", rows
assert all(set(r) == {"client", "check", "verdict", "evidence"} for r in rows), rows
PY

# Two clients at once from one address: each judged (without --fail none
# is taken for the other's retry).
serve_bg check-client --listen 127.0.0.1:0
py overlap
wait_for "$T/bg.out" ": 1 safe, 0 vulnerable, 5 inconclusive" "$BG_PID" || fail "first client not judged"
signal_bg TERM; expect_rc 0
[ "$(grep -c '^client 127.0.0.1:' "$T/out")" -eq 2 ] || fail "not both clients judged"
verdict VULNERABLE starttls-used "mail FROM:<client@example.test> size="

# --- setup errors: exit 2 ---

run check-client --listen 127.0.0.1:0 --fail 500; expect_rc 2
expect_err "--fail wants 421 or 451"
run check-client --once; expect_rc 2
expect_err "give --listen HOST:PORT"
run check-client --listen 127.0.0.1:70000; expect_rc 2
expect_err 'bad --listen port "70000"'
run check-client --listen 127.0.0.1:0 --once --json "$T/no/such/dir/x.json"; expect_rc 2
expect_err "cannot write --json file"
python3 -c 'import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
print(s.getsockname()[1], flush=True); time.sleep(30)' >"$T/busy" &
BUSY_PID=$!
wait_for "$T/busy" . "$BUSY_PID" || fail "no busy port"
BUSY=$(cat "$T/busy")
run check-client --listen "127.0.0.1:$BUSY" --once; expect_rc 2
expect_err "cannot listen on 127.0.0.1 port $BUSY"
kill "$BUSY_PID"
exit 0
