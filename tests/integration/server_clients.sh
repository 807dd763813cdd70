#!/usr/bin/env bash
# `smtprun serve` receiving mail from real clients, swaks and Python's
# smtplib: the envelope and the body the server script got, byte for byte,
# with lines that start with a dot.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${SRCDIR:?}/tests/integration/lib.sh" || exit 1
need_python
command -v swaks >/dev/null || { echo "skipped: no swaks"; exit 77; }

printf 'Subject: dots\r\n\r\nfirst\r\n.starts with a dot\r\n..two dots\r\n.\r\nlast\r\n' >"$T/body"

# swaks, with AUTH LOGIN.
serve_bg serve --transcript "$T/swaks.log" -D out="$T/swaks" "$SRCDIR/tests/scenarios/sink.lua"
swaks --server "127.0.0.1:$SERVE_PORT" --from sender@example.test \
    --to rcpt1@example.net,rcpt2@example.org --helo swaks.example.test \
    --auth LOGIN --auth-user alice --auth-password secret \
    --data "$T/body" >"$T/swaks.out" 2>&1 || { cat "$T/swaks.out" >&2; fail "swaks failed"; }
wait_bg; expect_rc 0
expect_out "PASS  $SRCDIR/tests/scenarios/sink.lua"
printf 'MESSAGE 1\nHELO swaks.example.test\nAUTH alice\nMAIL sender@example.test\nRCPT rcpt1@example.net\nRCPT rcpt2@example.org\n' >"$T/want.env"
cmp "$T/want.env" "$T/swaks.env" || { cat "$T/swaks.env" >&2; fail "envelope from swaks"; }
# swaks ends the data with CRLF "." CRLF of its own, after the body's own CRLF.
{ cat "$T/body"; printf '\r\n'; } >"$T/want.swaks"
cmp "$T/want.swaks" "$T/swaks.1" || { od -c "$T/swaks.1" | head >&2; fail "body from swaks"; }
# The server's transcript: commands received, the password redacted.
expect_lines "$T/swaks.log" "=== Connection from 127.0.0.1" " -> 220 " "<-  EHLO swaks.example.test" \
    "<-  AUTH LOGIN" " -> 334 VXNlcm5hbWU6   (Username:)" "<-  [username redacted]" \
    "<-  [password redacted]" " -> 235 2.7.0 Authentication successful" \
    "<-  ..starts with a dot" "<-  ." " -> 250 2.0.0 Ok: queued as " "<-  QUIT"
expect_not_in "$T/swaks.log" "$("$SMTPRUN" b64 encode secret)"

# Python's smtplib: two messages in one session, AUTH PLAIN.
serve_bg serve -D out="$T/py" "$SRCDIR/tests/scenarios/sink.lua"
python3 - "$SERVE_PORT" "$T/body" <<'PY' || fail "smtplib failed"
import smtplib, sys
body = open(sys.argv[2], "rb").read()
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), local_hostname="py.example.test")
s.login("alice", "secret")
s.sendmail("py@example.test", ["one@example.test"], body)
s.sendmail("py2@example.test", ["two@example.test", "three@example.test"], b"Subject: 2\r\n\r\n.\r\n")
s.quit()
PY
wait_bg; expect_rc 0
printf 'MESSAGE 1\nHELO py.example.test\nAUTH alice\nMAIL py@example.test\nRCPT one@example.test\nMESSAGE 2\nHELO py.example.test\nAUTH alice\nMAIL py2@example.test\nRCPT two@example.test\nRCPT three@example.test\n' >"$T/want.env"
cmp "$T/want.env" "$T/py.env" || { cat "$T/py.env" >&2; fail "envelope from smtplib"; }
cmp "$T/body" "$T/py.1" || { od -c "$T/py.1" | head >&2; fail "body from smtplib"; }
printf 'Subject: 2\r\n\r\n.\r\n' >"$T/want.2"
cmp "$T/want.2" "$T/py.2" || { od -c "$T/py.2" >&2; fail "second body from smtplib"; }

# SIGTERM stops a server that would otherwise wait for ever: exit 0, and the
# transcript says so.
serve_bg serve --transcript "$T/term.log" -D user=a -D password=b "$SRCDIR/scripts/article-server.lua"
signal_bg TERM; expect_rc 0
expect_out "PASS"
expect_lines "$T/term.log" "=== Listening on 127.0.0.1 port $SERVE_PORT" "=== stopped by Terminated"
exit 0
