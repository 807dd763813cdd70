#!/usr/bin/env bash
# Exactly the bytes the script says reach the server: send adds CRLF,
# send_raw adds nothing (bare LF, NUL, a line split across writes), and DATA
# is CRLF-normalised and dot-stuffed. The transcript shows each of them.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${SRCDIR:?}/tests/integration/lib.sh" || exit 1

fake record
s=$(scenario raw.lua <<'LUA'
local s = smtp.connect()
s:expect(220)
s:send("EHLO client.example.test")
local r = s:expect(250)
assert(#r.lines == 3 and r.lines[2] == "PIPELINING", "EHLO lines")
s:send_raw("NO")
s:send_raw("OP\r\n")
s:expect(250)
s:send_raw("NOOP\n")
s:expect("2xx")
s:send_raw("X-NUL \0 byte\r\n")
s:expect({ 250, 251 })
s:data("Subject: dots\n\n.one\n..two\r\nlast line without newline")
s:quit()
LUA
)
run run --transcript "$T/raw.log" --server "127.0.0.1:$FAKE_PORT" "$s"; expect_rc 0
wait_fake
printf 'EHLO client.example.test\r\nNOOP\r\nNOOP\nX-NUL \0 byte\r\nDATA\r\nSubject: dots\r\n\r\n..one\r\n...two\r\nlast line without newline\r\n.\r\nQUIT\r\n' >"$T/want"
cmp "$T/want" "$T/fake.recv" || { od -c "$T/fake.recv" | head -20; fail "bytes on the wire differ"; }
expect_lines "$T/raw.log" " -> NO   (no line end)" " -> OP" " -> NOOP   (bare LF)" \
    ' -> X-NUL \0 byte' " -> DATA" "<-  354 " " -> ..one" " -> ...two" \
    " -> last line without newline" " -> ." "<-  250 2.0.0 Ok: queued" " -> QUIT"

# send refuses a line with CR or LF in it (that is what send_raw is for).
fake record
s=$(scenario crlf.lua <<'LUA'
local s = smtp.connect()
s:expect(220)
s:send("NOOP\r\nNOOP")
LUA
)
run run --server "127.0.0.1:$FAKE_PORT" "$s"; expect_rc 2
expect_out "crlf.lua:3: send: the line contains CR or LF"
exit 0
