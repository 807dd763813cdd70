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
