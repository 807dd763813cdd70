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

# A reply's lines and enhanced code are made when read: the same fields as
# ever, through r.x, pairs(r), and the error's reply.
s=$(with reply.lua <<'LUA'
local s = answering("250-2.1.0 first\r\n250-\r\n250 last one", 4)
s:send("NOOP")
local r = s:expect(250)
assert(r.code == 250 and r.text == "2.1.0 first\n\nlast one", r.text)
assert(r.enhanced == "2.1.0", tostring(r.enhanced))
assert(#r.lines == 3 and r.lines[1] == "2.1.0 first" and r.lines[2] == "" and
  r.lines[3] == "last one")
assert(r.lines == r.lines, "lines are made once")
assert(r.invalid_utf8 == nil and r.nonsense == nil)
s:send("NOOP")
local seen = {}
for k, v in pairs(s:expect(250)) do seen[k] = v end
assert(seen.code == 250 and seen.enhanced == "2.1.0" and #seen.lines == 3, "pairs")
s:send("NOOP")
local ok, err = pcall(s.expect, s, 550)
assert(not ok and err.reply.code == 250 and err.reply.lines[3] == "last one")
s:send("NOOP")
local mine = s:expect(250)
mine.lines = { "x" }                    -- a script's own fields stay its own
assert(mine.lines[1] == "x")
LUA
)
run run "$s"
expect_rc 0

# An enhanced code of another class than the reply's is none (RFC 3463).
s=$(with class.lua <<'LUA'
local s = answering("250 5.1.1 odd", 1)
s:send("NOOP")
local r = s:expect(250)
assert(r.enhanced == nil and r.lines[1] == "5.1.1 odd")
LUA
)
run run "$s"
expect_rc 0

# The count hook costs every VM instruction while installed: no step has it
# until a limit passes or a signal comes (then the watchdog arms it).
s=$(scenario nohook.lua <<'LUA'
assert(debug.gethook() == nil, "the count hook is installed")
smtp.spawn(function() assert(debug.gethook() == nil, "in a task") end)
smtp.wait_all()
LUA
)
run run "$s"
expect_rc 0
# Armed, it stops a loop in a coroutine the script made (resume and wrap),
# as a clean failure at the script's line, not the watchdog's last resort.
for how in 'coroutine.wrap(spin)()' 'print(coroutine.resume(coroutine.create(spin))) while true do end'; do
	s=$(scenario spin.lua <<LUA
local function spin() local n = 0 while true do n = n + 1 end end
$how
LUA
)
	SECONDS=0
	run run --file-timeout 1 "$s"
	[ "$SECONDS" -lt 10 ] || fail "the file limit took $SECONDS s"
	expect_out "the file did not finish within its time limit"
	expect_no_out "did not return to smtprun"
done

# TLS: one context per set of options for the run (the CA file is read once
# for five handshakes), verify=false reads no trust store, and the client's
# socket acknowledges at once after its handshake (TCP_QUICKACK).
if command -v strace >/dev/null; then
	cat >"$T/tlsprologue.lua" <<LUA
local server = require "smtp.server"
CERT, KEY = smtp.tls_selfsigned("mail.example.test")
local f = assert(io.open("$T/ca.pem", "w")); f:write(CERT); f:close()
local srv = server.new{ relay = "open", tls = { cert_pem = CERT, key_pem = KEY } }
PORT = srv:listen{ quiet = true }:port()
srv:start()
function starttls(opts)
  local s = smtp.connect{ host = "127.0.0.1", port = PORT }
  s:greeting(); s:ehlo("client.example.test")
  local info = s:starttls(opts)
  s:quit()
  return info
end
LUA
	s=$(scenario tlsctx.lua <<LUA
dofile("$T/tlsprologue.lua")
for _ = 1, 5 do assert(starttls{ cafile = "$T/ca.pem" }.verified) end
for _ = 1, 3 do assert(starttls{ verify = false }.verified == false) end
LUA
)
	LAST="strace ... run $s"
	# LeakSanitizer cannot work under ptrace (the sanitizer builds).
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	strace -f -qq -o "$T/strace" -e trace=openat,setsockopt "$SMTPRUN" run \
	    --transcript "$T/tlsctx.log" "$s" >"$T/out" 2>"$T/err"
	RC=$?
	expect_rc 0
	n=$(grep -c "ca\.pem\", O_RDONLY" "$T/strace")
	[ "$n" -eq 1 ] || fail "the CA file was opened $n times for 5 handshakes"
	! grep -E "ca-certificates|/ssl/cert\.pem|/ssl/certs\"" "$T/strace" ||
	    fail "verify=false loaded the system's trust store"
	n=$(grep -c "TCP_QUICKACK, \[1\]" "$T/strace")
	[ "$n" -eq 16 ] || fail "TCP_QUICKACK set $n times for 8 client handshakes (want 2 each)"
	expect_in "$T/tlsctx.log" "=== certificate NOT verified (verify=false, no trust store loaded): self-signed certificate"
else
	echo "no strace: the TLS context checks are skipped"
fi

# Sessions open at once on one transcript are told apart: from the first
# line recorded while two are open, each session's lines carry its tag
# (its number: the server role's quiet sessions count too, so a, b = 1, 3).
# One session at a time (even several, one after another) stays untagged.
prologue <<'LUA'
local server = require "smtp.server"
local srv = server.new{ relay = "open" }
PORT = srv:listen{ quiet = true }:port()
srv:start()
function open()
  local s = smtp.connect{ host = "127.0.0.1", port = PORT }
  s:greeting()
  return s
end
LUA
s=$(with tags.lua <<'LUA'
local a, b = open(), open()
local done = 0
smtp.spawn(function() a:ehlo("a.example"); a:mail_from("x@a.example"); a:quit(); done = done + 1 end)
smtp.spawn(function() b:ehlo("b.example"); b:mail_from("y@b.example"); b:quit(); done = done + 1 end)
while done < 2 do smtp.sleep(0.01) end    -- (the server's task runs on)
LUA
)
run run --transcript "$T/tags.log" "$s"
expect_rc 0
expect_lines "$T/tags.log" "=== Connected to 127.0.0.1" "<-  220 " "[3] === Connected to 127.0.0.1" \
    "[3] <-  220 "
expect_in "$T/tags.log" "[1]  -> MAIL FROM:<x@a.example>"
expect_in "$T/tags.log" "[3]  -> MAIL FROM:<y@b.example>"
expect_in "$T/tags.log" "[1] <-  221 "
expect_in "$T/tags.log" "[3] <-  221 "
# Not a line of either session untagged once both were open.
awk '/^\[3\] === Connected/ { on = 1 } on && /^(<-| ->|<\*\*)/ { bad = 1 } END { exit bad }' \
    "$T/tags.log" || fail "a session line without its tag after both were open"
# A failure's tail (no -T: formatted from the raw ring) carries the tags too.
s=$(with tagfail.lua <<'LUA'
local a, b = open(), open()
a:ehlo("a.example")
b:ehlo("b.example")
b:mail_from("y@b.example", { expect = 550 })
LUA
)
run run "$s"
expect_rc 1
expect_out "[3] <** 250 2.1.0 Ok"
s=$(with single.lua <<'LUA'
for _ = 1, 2 do
  local s = open()
  s:ehlo("one.example"); s:mail_from("x@one.example"); s:quit()
end
LUA
)
run run --transcript "$T/single.log" "$s"
expect_rc 0
expect_in "$T/single.log" " -> MAIL FROM:<x@one.example>"
expect_not_in "$T/single.log" "[1] "
expect_not_in "$T/single.log" "[3] "
