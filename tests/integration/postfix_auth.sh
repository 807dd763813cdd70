#!/usr/bin/env bash
# AUTH against the real Postfix: LOGIN with and without an initial response,
# PLAIN with and without one, EHLO capabilities, the shipped examples, and a
# host name that resolves to more than one address.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${SRCDIR:?}/tests/integration/lib.sh" || exit 1
need_postfix

s=$(scenario auth.lua <<'LUA'
local function session()
  local s = smtp.connect()
  s:expect(220)
  return s, s:ehlo("client.example.test")
end

local s, caps = session()
assert(caps.AUTH and caps.AUTH.LOGIN and caps.AUTH.PLAIN, "AUTH LOGIN PLAIN advertised")
assert(type(caps.SIZE) == "number" and caps.SIZE > 0, "SIZE is a number")
assert(caps.PIPELINING == true and caps["8BITMIME"] == true, "PIPELINING, 8BITMIME")
assert(caps.domain == "mail.example.test", "domain " .. tostring(caps.domain))
assert(s:caps() == caps, "caps remembered")
local r = s:auth_login(vars.user, vars.password)
assert(r.code == 235 and r.enhanced == "2.7.0", "235 2.7.0")
s:quit()

s = session()
s:auth_login(vars.user, vars.password, { initial = true })
s:quit()

s = session()
s:auth_plain(vars.user, vars.password)
s:mail_from(vars.user)
s:rcpt_to("someone@example.net")
s:quit()

s = session()
s:auth_plain(vars.user, vars.password, { initial = false })
s:quit()

s = session()
local bad = s:auth_plain(vars.user, "wrong", { expect = 535 })
assert(bad.enhanced == "5.7.8", "535 5.7.8")
s:quit()
LUA
)
run run --transcript "$T/auth.log" --server "$SMTPRUN_SERVER" \
    -D user="$POSTFIX_USER" -D password="$POSTFIX_PASSWORD" "$s"
expect_rc 0
expect_lines "$T/auth.log" " -> AUTH LOGIN [username redacted]" \
    "<-  334 UGFzc3dvcmQ6   (Password:)" " -> [password redacted]" "<-  235 " \
    " -> AUTH PLAIN [credentials redacted]" "<-  235 " \
    " -> AUTH PLAIN" "<-  334" " -> [credentials redacted]" "<-  235 " \
    " -> AUTH PLAIN [credentials redacted]" "<-  535 5.7.8"
expect_not_in "$T/auth.log" "$POSTFIX_PASSWORD"

# A wrong password through auth_login: an "auth" failure naming the 535.
s=$(scenario wrong.lua <<'LUA'
local s = smtp.connect()
s:expect(220)
s:ehlo()
s:auth_login(vars.user, "wrong-password")
LUA
)
run run --server "$SMTPRUN_SERVER" -D user="$POSTFIX_USER" "$s"; expect_rc 1
expect_out "wrong.lua:4: authentication failed: expected 235, got 535 5.7.8"

# The examples shipped for new users.
for ex in plain-send relay-refused wrong-password capabilities; do
	run run --server "$SMTPRUN_SERVER" -D user="$POSTFIX_USER" \
	    "$SRCDIR/examples/$ex.lua"
	expect_rc 0
done

# "localhost" resolves to ::1 and 127.0.0.1; Postfix listens on the latter
# only, so the second address is tried after the first is refused.
run run -v --server "localhost:$POSTFIX_PORT" "$SRCDIR/examples/capabilities.lua"
expect_rc 0
expect_err "=== Connected to 127.0.0.1 port $POSTFIX_PORT (localhost)"
exit 0
