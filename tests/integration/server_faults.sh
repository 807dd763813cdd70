#!/usr/bin/env bash
# Every fault of the built-in server (lua/smtp/server.lua), asserted from the
# client's side: its message (file:line included), the exit code, and the
# transcript intact up to the fault. Client and server share one process and
# one event loop (tests/scenarios/fault.lua).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${SRCDIR:?}/tests/integration/lib.sh" || exit 1

sc="$SRCDIR/tests/scenarios/fault.lua"
line() { grep -n "$1" "$sc" | head -1 | cut -d: -f1; }
GREET=$(line 's:greeting()')
EHLO=$(line 's:ehlo(')
MAIL=$(line 's:mail_from(')
RCPT=$(line 's:rcpt_to(')

# fault ARGS... : runs the scenario with these -D settings.
fault() { run run --transcript "$T/t.log" "$@" "$sc"; }

# No fault: a clean send.
fault; expect_rc 0
expect_lines "$T/t.log" "<-  220 mail.example.test ESMTP smtprun" " -> EHLO client.example.test" \
    "<-  250-PIPELINING" " -> DATA" "<-  354 " " -> ." "<-  250 2.0.0 Ok: queued as " \
    " -> QUIT" "<-  221 2.0.0 Bye"

# A reply trickled one byte at a time: read whole, if slowly...
fault -D on=EHLO -D action=trickle -D delay=0.002; expect_rc 0
expect_in "$T/t.log" "<-  250 SMTPUTF8"
# ...and past a total deadline it times out, saying what had arrived.
fault -D on=EHLO -D action=trickle -D delay=0.2 -D timeout=1; expect_rc 1
expect_out "fault.lua:$EHLO: timed out after 1 s waiting for a reply to 'EHLO client.example.test' (received so far: \"250-m"
expect_lines "$T/t.log" " -> EHLO client.example.test" "*** timed out after 1 s"

# A delay before the reply: within the deadline it passes, past it not.
fault -D on=MAIL -D action=delay -D seconds=0.2; expect_rc 0
fault -D on=MAIL -D action=delay -D seconds=3 -D timeout=0.5; expect_rc 1
expect_out "fault.lua:$MAIL: timed out after 0.5 s waiting for a reply to 'MAIL FROM:<a@example.test>' (received so far: nothing)"

# A reply never sent.
fault -D on=RCPT -D action=silent -D timeout=0.5; expect_rc 1
expect_out "fault.lua:$RCPT: timed out after 0.5 s waiting for a reply to 'RCPT TO:<b@example.test>' (received so far: nothing)"
expect_lines "$T/t.log" " -> MAIL FROM:<a@example.test>" "<-  250 2.1.0 Ok" \
    " -> RCPT TO:<b@example.test>" "*** timed out after 0.5 s"

# The connection closed in the middle of a reply.
fault -D on=EHLO -D action=close_mid_reply; expect_rc 1
expect_out "fault.lua:$EHLO: connection closed by server while waiting for a reply to 'EHLO client.example.test' (received: \"250-mail.example.test\\r\\n250-PIPELINING"
expect_lines "$T/t.log" "<** 250-mail.example.test" "<** 250-PIPELINING" "<** 250-" \
    "*** connection closed by server" "=== Connection closed by remote host."

# Garbage instead of a code: at the greeting and after EHLO.
fault -D on=greeting -D action=garbage; expect_rc 1
expect_out "fault.lua:$GREET: malformed reply to the greeting: reply line 1 does not start with a reply code"
expect_lines "$T/t.log" "=== Connected to 127.0.0.1" "<** HELLO THERE" "*** malformed reply to the greeting"
fault -D on=EHLO -D action=garbage -D text=HTTP/1.0_400; expect_rc 1
expect_out "fault.lua:$EHLO: malformed reply to 'EHLO client.example.test': reply line 1 does not start with a reply code (three digits: 2-5, 0-5, 0-9): \"HTTP/1.0_400\""

# Different codes inside one multi-line reply.
fault -D on=EHLO -D action=mixed_codes; expect_rc 1
expect_out "fault.lua:$EHLO: malformed reply to 'EHLO client.example.test': reply line 2 has code 251, but the reply began with 250"
expect_lines "$T/t.log" "<** 250-first line" "<** 251-second line" "*** malformed reply" \
    "=== Closing the connection: after a malformed reply"

# An over-long line (the client's cap is 64 KiB).
fault -D on=EHLO -D action=long_line -D length=70000; expect_rc 1
expect_out "fault.lua:$EHLO: malformed reply to 'EHLO client.example.test': reply line longer than 65536 bytes"
expect_in "$T/t.log" "<** 250 xxxxxxxx"
# ...cut at 256 bytes, saying how much of what had arrived is not shown.
grep -qE '^<\*\* 250 x{252} \[… [0-9]{5} more bytes\]$' "$T/t.log" || fail "no cut line in $T/t.log"

# A reply with bare LF line endings.
fault -D on=greeting -D action=bare_lf; expect_rc 1
expect_out "fault.lua:$GREET: malformed reply to the greeting: reply line 1 ends in a bare LF, not CRLF"
expect_in "$T/t.log" "<** 220 mail.example.test ESMTP smtprun   (bare LF)"

# 421 in mid-session, and the connection closed.
fault -D on=MAIL -D action=shutdown; expect_rc 1
expect_out "fault.lua:$MAIL: expected 250, got 421 4.3.2 Service shutting down (in reply to 'MAIL FROM:<a@example.test>')"
expect_in "$T/t.log" "<** 421 4.3.2 Service shutting down"

# A chosen command rejected with a chosen code.
fault -D on=RCPT -D action=reject -D code=451 -D "text=4.3.0 Try again later"; expect_rc 1
expect_out "fault.lua:$RCPT: expected one of 250, 251, got 451 4.3.0 Try again later (in reply to 'RCPT TO:<b@example.test>')"
fault -D on=MAIL -D action=reject -D code=553 -D "text=5.1.8 Sender refused"; expect_rc 1
expect_out "fault.lua:$MAIL: expected 250, got 553 5.1.8 Sender refused"

# Hidden EHLO extensions are not advertised (the scenario asserts it).
fault -D hide=PIPELINING; expect_rc 0
expect_not_in "$T/t.log" "PIPELINING"
expect_in "$T/t.log" "<-  250-SIZE 10240000"

# With the server's side recorded too, its markers mirror the client's.
fault -D server_transcript=1; expect_rc 0
expect_lines "$T/t.log" "=== Listening on 127.0.0.1 port" "=== Connection from 127.0.0.1" \
    " -> 220 mail.example.test ESMTP smtprun" "<-  220 mail.example.test ESMTP smtprun" \
    " -> EHLO client.example.test" "<-  EHLO client.example.test"
exit 0
