#!/usr/bin/env bash
# Errors on the scenario side: each names the scenario file and line, and
# the exit code says whether a scenario failed (1) or could not run (2).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${SRCDIR:?}/tests/integration/lib.sh" || exit 1

# An expectation that fails: file:line, what was expected, what arrived,
# and the command it answered; the reply is marked "<**".
fake record
s=$(scenario wrongcode.lua <<'LUA'
local s = smtp.connect()
s:expect(220)
s:send("NOOP")

s:expect(354)
LUA
)
run run --transcript "$T/w.log" --server "127.0.0.1:$FAKE_PORT" "$s"; expect_rc 1
expect_out "FAIL  $s"
expect_out "wrongcode.lua:5: expected 354, got 250 ok (in reply to 'NOOP')"
expect_out "last transcript lines:"
expect_lines "$T/w.log" " -> NOOP" "<** 250 ok" "*** expected 354, got 250 ok"
stop_fake

# A class, a list, and a text pattern; the error object carries the reply.
fake record
s=$(scenario specs.lua <<'LUA'
local s = smtp.connect()
local g = s:expect("2xx", "ESMTP")
assert(g.code == 220 and g.text == "mail.example.test ESMTP fake")
s:send("NOOP")
s:expect({ 221, "25x" })
s:send("NOOP")
local ok, err = pcall(s.expect, s, 250, "^queued")
assert(not ok and err.kind == "expect" and err.reply.code == 250, tostring(err))
assert(err.expected == '250 matching "^queued"', err.expected)
assert(err.command == "'NOOP'", err.command)
s:send("HELP")
s:expect({ 500, 502 })
LUA
)
run run --server "127.0.0.1:$FAKE_PORT" "$s"; expect_rc 1
expect_out "specs.lua:12: expected one of 500, 502, got 250 ok (in reply to 'HELP')"
stop_fake

# The script's own errors: a failure, at its line.
s=$(scenario own.lua <<'LUA'
local x = 1
assert(x == 2, "x should be 2")
LUA
)
run run "$s"; expect_rc 1
expect_out "own.lua:2: x should be 2"

# A syntax error, a bad reply spec, a missing variable: setup errors (2).
s=$(scenario syntax.lua <<'LUA'
local s = smtp.connect(
LUA
)
run run "$s"; expect_rc 2; expect_out "syntax.lua:2:"

fake record
s=$(scenario badspec.lua <<'LUA'
local s = smtp.connect()
s:expect("2yy")
LUA
)
run run --server "127.0.0.1:$FAKE_PORT" "$s"; expect_rc 2
expect_out "badspec.lua:2: bad argument #1 to 'expect' (bad reply spec \"2yy\""
stop_fake

s=$(scenario needvar.lua <<'LUA'
local user = smtp.need("user")
LUA
)
run run "$s"; expect_rc 2
expect_out "needvar.lua:1: missing variable 'user': pass -D user=VALUE"

# -D values reach vars; several scenarios, one summary, the worst exit code.
s=$(scenario vars.lua <<'LUA'
assert(vars.greeting == "hello=world", "vars.greeting is " .. tostring(vars.greeting))
LUA
)
run run -D greeting=hello=world "$s"; expect_rc 0
run run -D greeting=hello=world "$s" "$T/own.lua"; expect_rc 1
expect_out "2 cases in 2 files: 1 passed, 1 failed, 0 errors"
run run -D greeting=hello=world "$s" "$T/own.lua" "$T/needvar.lua"; expect_rc 2
expect_out "3 cases in 3 files: 1 passed, 1 failed, 1 error,"

# A call that must wait, inside a coroutine the script made, is refused
# clearly (the silent server makes sure it has to wait).
fake silent
s=$(scenario co.lua <<'LUA'
local s = smtp.connect()
local co = coroutine.wrap(function() s:expect(220) end)
co()
LUA
)
run run --server "127.0.0.1:$FAKE_PORT" "$s"; expect_rc 2
expect_out "co.lua:2: cannot wait here"
stop_fake

# A closed session says so.
fake record
s=$(scenario closed.lua <<'LUA'
local s = smtp.connect()
s:expect(220)
s:close()
s:send("NOOP")
LUA
)
run run --server "127.0.0.1:$FAKE_PORT" "$s"; expect_rc 2
expect_out "closed.lua:4: attempt to use a closed session"
stop_fake
exit 0
