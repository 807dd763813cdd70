#!/usr/bin/env bash
# `smtprun demo`: the article's session against the built-in article server,
# in one process; `demo --serve` for typing the session by hand.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${SRCDIR:?}/tests/integration/lib.sh" || exit 1
need_python

run demo; expect_rc 0
expect_out "demo account: user alice@example.test, password wonderland"
expect_out "PASS  "
expect_lines "$T/err" "<-  220 mail.example.test ESMTP" " -> EHLO client.example.test" \
    "<-  250 AUTH LOGIN PLAIN" " -> RCPT TO:<relay-test@example.net>" \
    "<-  554 5.7.1 <relay-test@example.net>: Relay access denied" " -> RSET" \
    " -> AUTH LOGIN" "<-  334 VXNlcm5hbWU6   (Username:)" " -> [username redacted]" \
    "<-  334 UGFzc3dvcmQ6   (Password:)" " -> [password redacted]" \
    "<-  235 2.7.0 Authentication successful" " -> RCPT TO:<relay-test@example.net>" \
    "<-  250 2.1.5 Ok" "<-  354 " "<-  250 2.0.0 Ok: queued as" "<-  221 2.0.0 Bye"
expect_no_err "wonderland"

run demo --user bob@example.test --password 's3cret!' --transcript "$T/demo.log"; expect_rc 0
expect_out "demo account: user bob@example.test, password s3cret!"
expect_in "$T/demo.log" " -> MAIL FROM:<bob@example.test>"
run demo --frobnicate; expect_rc 2; expect_err "unrecognized option '--frobnicate'"
run demo --server 127.0.0.1:25; expect_rc 2; expect_err "does not apply here"

# The article's scenario against the article's server with the wrong
# password: the scenario fails at AUTH, naming the 535.
s=$(scenario wrongpw.lua <<'LUA'
local srv = require("smtp.article").new{ user = "alice@example.test", password = "right" }
local l = srv:listen{ quiet = true }
srv:start()
local s = smtp.connect{ host = "127.0.0.1", port = l:port() }
s:greeting()
s:ehlo("client.example.test")
s:auth_login("alice@example.test", "wrong")
LUA
)
run run "$s"; expect_rc 1
expect_out "wrongpw.lua:7: authentication failed: expected 235, got 535 5.7.8 Error: authentication failed"

# --serve: the server alone, for telnet or nc. A client typed by hand (here,
# Python's socket) gets the article's prompts.
port=$(free_port)
serve_bg demo --serve --port "$port"
expect_in "$T/bg.out" "listening on 127.0.0.1:$port"
expect_in "$T/bg.out" "demo account: user alice@example.test, password wonderland"
python3 - "$port" <<'PY' >"$T/typed.out" || fail "typed session"
import base64, socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
f = s.makefile("rb")
def say(line):
    s.sendall(line.encode() + b"\r\n")
def reply():
    lines = []
    while True:
        l = f.readline().decode().rstrip("\r\n")
        lines.append(l)
        if l[3:4] != "-":
            return lines
print(reply()[0])
say("EHLO telnet.example.test"); print(reply()[-1])
say("MAIL FROM:<alice@example.test>"); print(reply()[0])
say("RCPT TO:<friend@example.net>"); print(reply()[0])
say("RSET"); print(reply()[0])
say("AUTH LOGIN"); print(reply()[0])
say(base64.b64encode(b"alice@example.test").decode()); print(reply()[0])
say(base64.b64encode(b"wonderland").decode()); print(reply()[0])
say("MAIL FROM:<alice@example.test>"); print(reply()[0])
say("RCPT TO:<friend@example.net>"); print(reply()[0])
say("QUIT"); print(reply()[0])
PY
# The demo server also offers STARTTLS (a certificate made at start) and
# every mechanism smtprun knows.
s=$(scenario demotls.lua <<'LUA'
for _, mech in ipairs{ "LOGIN", "PLAIN", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256",
                       "XOAUTH2", "OAUTHBEARER" } do
  local s = smtp.connect()
  s:greeting()
  assert(s:ehlo("c.example.test").STARTTLS, "STARTTLS offered")
  local info = s:starttls{ verify_name = "mail.example.test" }
  assert(info.chain[1].subject == "CN=mail.example.test")
  s:ehlo("c.example.test")
  s:auth(mech, "alice@example.test", "wonderland")
  s:quit()
end
LUA
)
run run --insecure --server "127.0.0.1:$port" "$s"; expect_rc 0
signal_bg INT; expect_rc 0
cat >"$T/want" <<'TXT'
220 mail.example.test ESMTP smtprun article server
250 AUTH LOGIN PLAIN CRAM-MD5 SCRAM-SHA-1 SCRAM-SHA-256 XOAUTH2 OAUTHBEARER
250 2.1.0 Ok
554 5.7.1 <friend@example.net>: Relay access denied
250 2.0.0 Ok
334 VXNlcm5hbWU6
334 UGFzc3dvcmQ6
235 2.7.0 Authentication successful
250 2.1.0 Ok
250 2.1.5 Ok
221 2.0.0 Bye
TXT
diff "$T/want" "$T/typed.out" >&2 || fail "the typed session differs"
exit 0
