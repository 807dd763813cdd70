#!/usr/bin/env bash
# The fast path (issue 12): nothing is formatted on success, and what is
# formatted later, when an error or a sink needs it, is what it was.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${SRCDIR:?}/tests/integration/lib.sh" || exit 1

# A server task that greets and answers each command with `answer`.
prologue <<'LUA'
function answering(answer, n)
  local l = smtp.listen{ quiet = true }
  smtp.spawn(function()
    local c = l:accept{ timeout = 5 }
    c:send_raw("220 hi\r\n")
    for _ = 1, n do
      c:read_command{ timeout = 5 }
      c:send_raw(answer .. "\r\n")
    end
  end)
  local s = smtp.connect{ host = "127.0.0.1", port = l:port(), timeout = 5 }
  s:expect(220)
  return s
end
LUA

# The last command is kept raw and quoted only when asked: the excerpt is
# cut between characters (an é across byte 200) and escaped as before.
s=$(with last.lua <<'LUA'
local s = answering("250 ok", 3)
local long = ("a"):rep(199) .. "\xc3\xa9" .. ("b"):rep(50)
s:send(long)
s:expect(250)
assert(s:last_command() == "'" .. ("a"):rep(199) .. "...'", s:last_command())
s:send("NOOP \x01\xff")
s:expect(250)
assert(s:last_command() == "'NOOP \\x01\\xff'", s:last_command())
s:send("RSET")
s:expect(550)
LUA
)
run run "$s"
expect_rc 1
expect_out "expected 550, got 250 ok (in reply to 'RSET')"
