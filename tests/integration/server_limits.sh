#!/usr/bin/env bash
# The server role's limits from inside one process
# (tests/scenarios/server_limits.lua): read_data past max_size, the
# transcript cap, CRLF.CRLF only, a timeout or a line too long, and
# smtp.server's SIZE, strict line endings, keep_messages, on_message and
# settings. tests/integration/hostile_client.sh attacks from outside.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${SRCDIR:?}/tests/integration/lib.sh" || exit 1

sc="$SRCDIR/tests/scenarios/server_limits.lua"

run run --transcript "$T/p.log" -D part=primitives "$sc"; expect_rc 0
# The message past record_max: its first line, then the summary, then ".".
# (Client and server sessions are open at once: lines carry session tags.)
expect_lines "$T/p.log" "<-  0123456789" "=== [message: 3 lines, 36 bytes]" "<-  ." \
    " -> 552 5.3.4 too big"
[ "$(grep -c '^\(\[[0-9]*\] \)\?<-  0123456789' "$T/p.log")" -eq 1 ] || fail "recorded past record_max"
# The smuggling attempt is one message, recorded as it came.
expect_lines "$T/p.log" "<-  a   (bare LF)" "<-  .   (bare LF)" "<-  MAIL FROM:<x@y>" "<-  ." \
    " -> 250 one message"
expect_lines "$T/p.log" "*** timed out after 0.2 s waiting for a command" " -> 250 still here"
# The line too long: its start, the reply, the error, the close.
expect_lines "$T/p.log" "<** xxxxxxxxxx" " -> 500 5.5.6 Way too long" \
    "*** line longer than 1000 bytes while waiting for a command" "=== Closed: a line too long."
# An AUTH line too long shows no credentials.
expect_lines "$T/p.log" "<** [line redacted] [… " " -> 500 5.5.2 Line too long"
expect_not_in "$T/p.log" "QUJDQUJD"
# Cut short by a timeout or a client gone: by its length, no credentials.
expect_lines "$T/p.log" "<** [line redacted] [… 19 bytes, no line end]" " -> 421 4.4.2 slow" \
    "<** [line redacted] [… 8 bytes, no line end]"
expect_not_in "$T/p.log" "REVGREVG"
expect_not_in "$T/p.log" "R0hJR0hJ"
# A message cut short past record_max=0: how much came, not what.
expect_in "$T/p.log" "=== [message so far: 2 lines, 14 bytes, then 500 bytes of a line]"
expect_not_in "$T/p.log" "<-  line1"

run run --transcript "$T/s.log" -D part=server "$sc"; expect_rc 0
expect_lines "$T/s.log" " -> 552 5.3.4 Message size exceeds fixed limit" \
    " -> 501 5.5.4 Syntax: SIZE=<digits>" "<-  NOOP   (bare LF)" \
    " -> 500 5.5.2 Error: bare <CR> or <LF> received"
expect_in "$T/s.log" " -> 451 4.3.0"
expect_in "$T/s.log" "=== server: on_message: "
expect_in "$T/s.log" "=== server: too many connections: closed without a reply (implicit TLS)"
for want in "server option max_sessions must be a whole number of at least 1, not 0" \
    "server option keep_messages must be a whole number of at least 0, not -1" \
    "server option max_size must be a whole number from 1 to 1073741824, not lots" \
    "server option command_timeout must be a number of seconds above 0, not 0" \
    "server option scram_iterations must be a whole number from 1 to 100000, not 100001"; do
	expect_in "$T/s.log" "$want"
done
exit 0
