#!/usr/bin/env bash
# What a misbehaving server gets: each fault is one clear message naming the
# exchange, exit 1, and the transcript kept up to the fault.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${SRCDIR:?}/tests/integration/lib.sh" || exit 1

ehlo=$(scenario ehlo.lua <<'LUA'
local s = smtp.connect()
s:expect(220)
s:ehlo("client.example.test")
s:quit()
LUA
)

# A greeting trickled one byte every 0.2 s: the deadline is total, so it
# still times out, and says what had arrived.
fake trickle
run run --timeout 1 --transcript "$T/trickle.log" --server "127.0.0.1:$FAKE_PORT" "$ehlo"
expect_rc 1
expect_out "ehlo.lua:2: timed out after 1 s waiting for a reply to the greeting (received so far: \"220 t"
expect_lines "$T/trickle.log" "=== Connected to 127.0.0.1 port $FAKE_PORT" "*** timed out after 1 s"
stop_fake

# A per-call timeout overrides the session's and the command line's.
fake silent
s=$(scenario percall.lua <<'LUA'
local s = smtp.connect()
s:settimeout(30)
s:expect(220, nil, { timeout = 0.3 })
LUA
)
run run --timeout 60 --server "127.0.0.1:$FAKE_PORT" "$s"; expect_rc 1
expect_out "percall.lua:3: timed out after 0.3 s waiting for a reply to the greeting (received so far: nothing)"
stop_fake

# ...and the session's overrides the command line's.
fake silent
s=$(scenario session.lua <<'LUA'
local s = smtp.connect()
s:settimeout(0.4)
s:expect(220)
LUA
)
run run --timeout 60 --server "127.0.0.1:$FAKE_PORT" "$s"; expect_rc 1
expect_out "timed out after 0.4 s"
stop_fake

# Malformed replies.
fake garbage
run run --transcript "$T/garbage.log" --server "127.0.0.1:$FAKE_PORT" "$ehlo"; expect_rc 1
expect_out "ehlo.lua:2: malformed reply to the greeting: reply line 1 does not start with a reply code"
expect_out '"HTTP/1.1 400 Bad Request"'
expect_lines "$T/garbage.log" "<** HTTP/1.1 400 Bad Request" "*** malformed reply"
wait_fake

fake mixed
run run --server "127.0.0.1:$FAKE_PORT" "$ehlo"; expect_rc 1
expect_out "ehlo.lua:3: malformed reply to 'EHLO client.example.test': reply line 2 has code 251, but the reply began with 250"
wait_fake

# ...and what the server sent after the bad line, not yet taken, is not
# shown as a line of the failed reply (it was, as a cut line, once more
# than line_max bytes were buffered behind the bad line).
fake mixedmore
s=$(scenario mixedmore.lua <<'LUA'
local s = smtp.connect{ line_max = 100 }
s:expect(220)
s:ehlo("client.example.test")
LUA
)
run run --transcript "$T/mixedmore.log" --server "127.0.0.1:$FAKE_PORT" "$s"; expect_rc 1
expect_out "reply line 2 has code 251, but the reply began with 250"
expect_lines "$T/mixedmore.log" "<** 250-mail.example.test" "<** 251-PIPELINING" "*** malformed reply"
expect_not_in "$T/mixedmore.log" "SIZE 1000"
stop_fake

fake nosep
run run --server "127.0.0.1:$FAKE_PORT" "$ehlo"; expect_rc 1
expect_out "code 250 is followed by neither a space nor a hyphen"
wait_fake

fake barelf
run run --transcript "$T/barelf.log" --server "127.0.0.1:$FAKE_PORT" "$ehlo"; expect_rc 1
expect_out "malformed reply to the greeting: reply line 1 ends in a bare LF, not CRLF"
expect_in "$T/barelf.log" "<** 220 mail.example.test ready   (bare LF)"
wait_fake

# A reply line over the session's cap.
fake record
s=$(scenario cap.lua <<'LUA'
local s = smtp.connect{ line_max = 16 }
s:expect(220)
LUA
)
run run --transcript "$T/cap.log" --server "127.0.0.1:$FAKE_PORT" "$s"; expect_rc 1
expect_out "cap.lua:2: malformed reply to the greeting: reply line longer than 16 bytes"
expect_in "$T/cap.log" "<** 220 mail.example.test ESMTP fake   (no line end)"
stop_fake

# The server hangs up instead of answering EHLO, or halfway through.
fake drop
run run --transcript "$T/drop.log" --server "127.0.0.1:$FAKE_PORT" "$ehlo"; expect_rc 1
expect_out "ehlo.lua:3: connection closed by server while waiting for a reply to 'EHLO client.example.test' (received: nothing)"
expect_lines "$T/drop.log" "<-  220 mail.example.test ESMTP fake" " -> EHLO client.example.test" "*** connection closed"
wait_fake

fake halfdrop
run run --transcript "$T/half.log" --server "127.0.0.1:$FAKE_PORT" "$ehlo"; expect_rc 1
expect_out '(received: "250-mail.example.test\r\n250-PIPEL")'
expect_lines "$T/half.log" "<** 250-mail.example.test" "<** 250-PIPEL   (no line end)" "*** connection closed" \
    "=== Connection closed by remote host."
wait_fake

# expect_close: the server closes (pass), stays open (timeout), or talks.
closing=$(scenario close.lua <<'LUA'
local s = smtp.connect()
s:expect(220)
s:send("QUIT")
s:expect(221)
s:expect_close{ timeout = 1 }
LUA
)
fake bye
run run --transcript "$T/bye.log" --server "127.0.0.1:$FAKE_PORT" "$closing"; expect_rc 0
expect_in "$T/bye.log" "=== Connection closed by remote host."
wait_fake

fake linger
run run --server "127.0.0.1:$FAKE_PORT" "$closing"; expect_rc 1
expect_out "close.lua:5: expected the server to close the connection after 'QUIT', but it stayed open for 1 s"
stop_fake

fake chatty
run run --transcript "$T/chatty.log" --server "127.0.0.1:$FAKE_PORT" "$closing"; expect_rc 1
expect_out "but it sent \"250 one more thing\\r\\n\""
expect_in "$T/chatty.log" "<** 250 one more thing"
stop_fake
exit 0
