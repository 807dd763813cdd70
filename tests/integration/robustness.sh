#!/usr/bin/env bash
# What a script can do to the runner, and what it must survive: waits where
# no wait is possible, a bad pattern, an error object that cannot be shown,
# a task that yields for ever, a loop that never waits, SIGINT, stale DATA.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${SRCDIR:?}/tests/integration/lib.sh" || exit 1

# A wait inside a C callback (string.gsub) is refused before it changes
# anything: the session stays usable.
s=$(scenario gsub.lua <<'LUA'
local l = smtp.listen{ quiet = true }
smtp.spawn(function()
  local c = l:accept{ timeout = 5 }
  c:reply(220, "hi")
  c:expect_command("^NOOP")
  c:reply(250, "ok")
end)
local s = smtp.connect{ host = "127.0.0.1", port = l:port() }
local ok, err = pcall(string.gsub, "x", ".", function() return s:expect(220) end)
assert(not ok and err.kind == "usage" and err.message:find("cannot wait here"), tostring(err))
s:expect(220)
-- A bad pattern fails the call, and leaves the session usable.
s:send("NOOP")
ok, err = pcall(s.expect, s, 250, "[x")
assert(not ok and err.kind == "usage" and err.message:find("bad pattern"), tostring(err))
s:close()
LUA
)
run run "$s"; expect_rc 0

# An error object whose __tostring fails is reported, not a crash.
s=$(scenario tostr.lua <<'LUA'
error(setmetatable({}, { __tostring = function() error("no text for you") end }))
LUA
)
run run "$s"; expect_rc 1
expect_out "FAIL  $s"
expect_out "1 case in 1 file: 0 passed, 1 failed"
s=$(scenario tostr2.lua <<'LUA'
smtp.spawn(function()
  error(setmetatable({}, { __tostring = function() return {} end }))
end)
smtp.sleep(1)
LUA
)
run run "$s"; expect_rc 1
expect_out "(an error object that cannot be shown as text)"

# A task that yields in a loop does not starve the others.
s=$(scenario yields.lua <<'LUA'
local woke = false
smtp.spawn(function() smtp.sleep(0.1); woke = true end)
while not woke do coroutine.yield() end
LUA
)
run run --file-timeout 10 "$s"; expect_rc 0

# A loop that never waits still meets its file's time limit...
s=$(scenario cpu.lua <<'LUA'
local n = 0
while true do n = n + 1 end
LUA
)
run run --file-timeout 0.5 "$s"; expect_rc 1
expect_out "cpu.lua:2: the file did not finish within its time limit"
# A file without test() is one case under --case-timeout, waiting or not;
# in a file with cases, each case has its own limit.
s=$(scenario plain-wait.lua <<'LUA'
smtp.sleep(30)
LUA
)
run run --case-timeout 0.5 "$s"; expect_rc 2
expect_out "the code outside test() cases did not finish within the case time limit of 0.5 s (--case-timeout)"
run run --case-timeout 0.5 "$T/cpu.lua"; expect_rc 2
expect_out "did not finish within the case time limit of 0.5 s (--case-timeout)"
s=$(scenario cases.lua <<'LUA'
test("a", function() smtp.sleep(0.4) end)
test("b", function() smtp.sleep(0.4) end)
LUA
)
run run --case-timeout 0.6 "$s"; expect_rc 0
expect_out "2 cases in 1 file: 2 passed"

# A file stopped in the middle of a case: the stop is that case's error,
# reported once (not again as a record for the file).
s=$(scenario stopped.lua <<'LUA'
test("a", function() end)
test("b", function() smtp.sleep(30) end)
LUA
)
run run --file-timeout 0.5 --json "$T/stopped.json" "$s"; expect_rc 2
expect_out "2 cases in 1 file: 1 passed, 0 failed, 1 error"
[ "$(wc -l <"$T/stopped.json")" -eq 2 ] || fail "not 2 JSON records: $(cat "$T/stopped.json")"
expect_in "$T/stopped.json" '"case":"b","status":"error"'

# A case that runs out of time in the middle of a reply: what it read is
# in its transcript as a failed reply, and the session is closed, so the
# next case does not take the rest of that reply for its own answer.
s=$(scenario abandoned.lua <<'LUA'
local l = smtp.listen{ quiet = true }
smtp.spawn(function()
  local c = l:accept{ timeout = 10 }
  c:send_raw("220-first part\r\n")
  smtp.sleep(1.5)
  pcall(c.send_raw, c, "220 rest\r\n")
end)
local s
test("one", function()
  s = smtp.connect{ host = "127.0.0.1", port = l:port() }
  s:greeting()
end)
test("two", function()
  smtp.sleep(0.7)
  s:noop()
end)
LUA
)
run run --case-timeout 1 --transcript "$T/ab/" "$s"; expect_rc 2
expect_out "abandoned.lua:15: the session was closed after a wait abandoned in the middle of the reply to the greeting"
stem=$(printf '%s' "${T#/}/abandoned" | tr '/' '-')
expect_lines "$T/ab/$stem--one.log" "<** 220-first part" \
    "=== Closing the connection: the wait for the reply was abandoned in the middle of it"
expect_not_in "$T/ab/$stem--two.log" "first part"
expect_not_in "$T/ab/$stem--two.log" "NOOP"

# A bad pattern in expect is a usage error raised after the reply it was
# to judge is recorded and taken: the next command gets its own reply.
s=$(scenario badpattern.lua <<'LUA'
local l = smtp.listen{ quiet = true }
smtp.spawn(function()
  local c = l:accept{ timeout = 10 }
  c:send_raw("220-first\r\n220 second\r\n")
  c:read_command{ timeout = 5 }
  c:reply(250, "ok")
end)
local s = smtp.connect{ host = "127.0.0.1", port = l:port() }
local ok, err = pcall(s.expect, s, 220, "[bad")
assert(not ok and tostring(err):find("bad pattern", 1, true), tostring(err))
s:noop()
LUA
)
run run --transcript "$T/bp.log" "$s"; expect_rc 0
expect_lines "$T/bp.log" "<** 220-first" "<** 220 second" " -> NOOP" "<-  250 ok"

# A malformed line in a SCRAM exchange (redact = "scram") is not shown,
# neither recorded nor quoted in the error: it may hold the salt or nonces.
s=$(scenario scram-long.lua <<'LUA'
local l = smtp.listen{ quiet = true }
smtp.spawn(function()
  local c = l:accept{ timeout = 10 }
  c:send_raw("334 " .. ("cj1zZWNyZXRub25jZQ"):rep(60) .. "\r\n")
  smtp.sleep(1)
end)
local s = smtp.connect{ host = "127.0.0.1", port = l:port(), line_max = 512 }
s:expect(334, nil, { redact = "scram" })
LUA
)
run run --transcript "$T/sc.log" "$s"; expect_rc 1
expect_out "malformed reply to the greeting: a reply line too long (the SCRAM text redacted)"
expect_in "$T/sc.log" "<** [SCRAM message redacted] [… 1084 bytes]"
expect_no_out cj1zZWNyZXRub25jZQ
expect_not_in "$T/sc.log" cj1zZWNyZXRub25jZQ

# A file that ends under a running case (a spawned task failed) says so in
# that case, not with an empty message.
s=$(scenario spawn-fails.lua <<'LUA'
smtp.spawn(function() smtp.sleep(0.3); error("spawned failed") end)
test("waits", function() smtp.sleep(5) end)
LUA
)
run run "$s"; expect_rc 2
expect_out "the file stopped before the case ended: $s:1: spawned failed"

# ...and SIGINT (sent once the loop is running, not before).
s=$(scenario cpu-marked.lua <<LUA
local f = io.open("$T/started", "w"); f:write("started\\n"); f:close()
local n = 0
while true do n = n + 1 end
LUA
)
run_bg run --json "$T/int.json" "$s" "$T/cases.lua"
wait_for "$T/started" started "$BG_PID" || fail "the scenario did not start"
signal_bg INT; expect_rc 130
expect_out "stopped by Interrupt"
# the file never started is in the reports, skipped, saying why
expect_out "skipped: the run was stopped by Interrupt before it started"
expect_in "$T/int.json" '"file":"'"$T"'/cases.lua","case":null,"status":"skip"'

# A TLS handshake that times out closes the session: nothing more goes out
# on it in plaintext.
s=$(scenario tlsto.lua <<'LUA'
local l = smtp.listen{ quiet = true }
smtp.spawn(function()
  local c = l:accept{ timeout = 5 }
  c:reply(220, "hi")
  smtp.sleep(2)                     -- never answers the ClientHello
end)
local s = smtp.connect{ host = "127.0.0.1", port = l:port() }
s:expect(220)
local ok, err = pcall(s.tls_handshake, s, { timeout = 0.3, verify = false })
assert(not ok and err.kind == "timeout" and err.message:find("in the TLS handshake"), tostring(err))
assert(not s:is_open(), "the session is closed")
ok, err = pcall(s.send, s, "EHLO after")
assert(not ok and err.message:find("closed session"), tostring(err))
LUA
)
run run "$s"; expect_rc 0

# read_data after a failed attempt starts afresh.
s=$(scenario stale.lua <<'LUA'
local l = smtp.listen{ quiet = true }
local got
smtp.spawn(function()
  local c = l:accept{ timeout = 5 }
  c:reply(354, "go")
  assert(not pcall(c.read_data, c, { timeout = 0.3 }))
  got = c:read_data{ timeout = 5 }
end)
local s = smtp.connect{ host = "127.0.0.1", port = l:port() }
s:expect(354)
s:send_raw("Subject: first attempt\r\n")
smtp.sleep(0.6)
s:send_raw("Subject: second\r\n.\r\n")
smtp.wait_all{ timeout = 5 }
assert(got == "Subject: second\r\n", "got " .. tostring(got))
LUA
)
run run "$s"; expect_rc 0
exit 0
