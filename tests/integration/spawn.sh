#!/usr/bin/env bash
# The server-side primitives and concurrency in one scenario: smtp.listen,
# accept, reply, read_command, expect_command, read_data, smtp.spawn and
# smtp.wait_all, on the one event loop.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${SRCDIR:?}/tests/integration/lib.sh" || exit 1

s=$(scenario both.lua <<'LUA'
local l = smtp.listen{ port = 0 }
assert(l:port() > 0, "port 0 picks a free port")
local got = {}

smtp.spawn(function()
  local c = l:accept{ timeout = 5 }
  c:reply(220, "srv.example.test ready")
  local cmd = c:read_command()
  assert(cmd.verb == "EHLO" and cmd.arg == "client.example.test" and
         cmd.line == "ehlo client.example.test", "command fields")
  c:reply(250, { "srv.example.test", "PIPELINING", "SIZE 1000" })
  c:expect_command("^MAIL FROM:<a@example.test>$")
  c:reply(250, "2.1.0 Ok")
  cmd = c:read_command()
  assert(cmd.verb == "AUTH" and cmd.bare_lf, "bare LF noticed")
  c:reply(235, "2.7.0 ok")
  c:expect_command("^DATA")
  c:reply(354, "go ahead")
  got.data = c:read_data()
  c:reply(250, "2.0.0 queued\nsecond line")
  got.closed = c:read_command()
end)

local s = smtp.connect{ host = "127.0.0.1", port = l:port(), timeout = 5 }
s:expect(220)
s:send("ehlo client.example.test")
local caps = smtp.parse_caps(s:expect(250))
assert(caps.SIZE == 1000 and caps.PIPELINING, "multi-line reply")
s:mail_from("a@example.test")
s:send_raw("AUTH PLAIN AGFsaWNlAHNlY3JldA==\n", { redact = "AUTH PLAIN [mine]" })
s:expect(235)
local r = s:data("Subject: x\n\n.hidden dot\nend")
assert(#r.lines == 2 and r.lines[2] == "second line", "reply split at newlines")
s:close()
smtp.wait_all{ timeout = 5 }
assert(got.data == "Subject: x\r\n\r\n.hidden dot\r\nend\r\n", "read_data: " .. got.data)
assert(got.closed == nil, "read_command returns nil when the client hangs up")
LUA
)
run run --transcript "$T/both.log" "$s"; expect_rc 0
expect_lines "$T/both.log" "=== Listening on 127.0.0.1 port" "=== Connection from 127.0.0.1" \
    " -> 220 srv.example.test ready" "<-  220 srv.example.test ready" \
    " -> 250-srv.example.test" "<-  250-srv.example.test" \
    "<-  AUTH PLAIN [initial response redacted]" "<-  ..hidden dot" \
    "=== Connection closed by remote host."
expect_not_in "$T/both.log" "AGFsaWNlAHNlY3JldA=="

# A spawned task that fails fails the scenario, at its own line.
s=$(scenario spawnfail.lua <<'LUA'
local l = smtp.listen{ quiet = true }
smtp.spawn(function()
  local c = l:accept{ timeout = 5 }
  c:reply(220, "hi")
  c:expect_command("^HELO")
end)
local s = smtp.connect{ host = "127.0.0.1", port = l:port() }
s:expect(220)
s:send("EHLO x")
s:expect(250, nil, { timeout = 10 })
LUA
)
run run "$s"; expect_rc 1
expect_out "spawnfail.lua:5: expected a command matching \"^HELO\", got 'EHLO x'"

# wait_all has a deadline too; tasks left at the end are stopped and noted.
s=$(scenario waitall.lua <<'LUA'
smtp.spawn(function() smtp.sleep(30) end)
smtp.wait_all{ timeout = 0.2 }
LUA
)
run run "$s"; expect_rc 1
expect_out "waitall.lua:2: timed out after 0.2 s waiting for 1 spawned task"
s=$(scenario left.lua <<'LUA'
smtp.spawn(function() smtp.sleep(30) end)
LUA
)
run run --transcript "$T/left.log" "$s"; expect_rc 0
expect_in "$T/left.log" "=== 1 spawned task still running: stopped with the scenario"

# accept has a deadline; listen reports what stops it.
s=$(scenario accept.lua <<'LUA'
local l = smtp.listen{}
l:accept{ timeout = 0.2 }
LUA
)
run run "$s"; expect_rc 1
expect_out "accept.lua:2: timed out after 0.2 s waiting for a connection on 127.0.0.1 port"
s=$(scenario inuse.lua <<'LUA'
local a = smtp.listen{}
smtp.listen{ port = a:port() }
LUA
)
run run "$s"; expect_rc 2
expect_out "inuse.lua:2: cannot listen on 127.0.0.1 port"
expect_out "Address already in use"
s=$(scenario badhost.lua <<'LUA'
smtp.listen{ host = "localhost" }
LUA
)
run run "$s"; expect_rc 2
expect_out 'badhost.lua:1: listen: host must be an IPv4 or IPv6 address, not "localhost"'
# A client session has no server methods, and the other way round.
s=$(scenario roles.lua <<'LUA'
local l = smtp.listen{ quiet = true }
smtp.spawn(function() l:accept{ timeout = 5 }:reply(220, "x") end)
local s = smtp.connect{ host = "127.0.0.1", port = l:port() }
s:read_command()
LUA
)
run run "$s"; expect_rc 1
expect_out "attempt to call a nil value (method 'read_command')"
# A round of the scheduler ends even when a task of it kills the one queued
# last (a case past its limit, woken in the same turn as its waiter): the
# next case, yielding in a loop, once kept the round going forever, and the
# loop's timers (--case-timeout, --file-timeout) never fired.
s=$(scenario round.lua <<'LUA'
smtp.spawn(function() smtp.sleep(0.1); os.execute("sleep 1") end)
test("one", function() smtp.sleep(0.6) end)
test("two", function() while true do coroutine.yield() end end)
LUA
)
LAST="run --case-timeout 0.5 $s"
timeout 20 "$SMTPRUN" run --case-timeout 0.5 "$s" >"$T/out" 2>"$T/err"; RC=$?
expect_rc 2
expect_lines "$T/out" "ERROR $s: one" "the case did not finish within its time limit of 0.5 s" \
    "ERROR $s: two" "the case did not finish within its time limit of 0.5 s"
exit 0
