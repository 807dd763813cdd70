#!/usr/bin/env bash
# TLS defaults (issue 9, defect 16): TLS 1.2 at least unless min_version
# lowers it; a TLS stream cut without close_notify in the middle of a reply
# is reported as truncated, while a server that closes that way after its
# 221 is no error; a session without certificate verification (-k,
# verify=false) is marked in the summary line, TAP, JUnit and JSON.
# (Renegotiation refused and the options themselves: unit.tls_ctx.)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${SRCDIR:?}/tests/integration/lib.sh" || exit 1

prologue <<LUA
local server = require "smtp.server"
CERT, KEY = smtp.tls_selfsigned("mail.example.test")
function start(tls)
  tls.cert_pem, tls.key_pem = CERT, KEY
  local srv = server.new{ relay = "open", tls = tls }
  local l = srv:listen{ quiet = true }
  srv:start()
  return function(opts)
    local s = smtp.connect{ host = "127.0.0.1", port = l:port(), timeout = 5 }
    s:greeting(); s:ehlo("client.example.test")
    return s:starttls(opts), s
  end
end
LUA

# A legacy server (TLS 1.0 and 1.1 only, at security level 0 so OpenSSL
# allows them at all): refused by default, even at the client's security
# level 0; min_version lowers the floor.
s=$(with legacy.lua <<'LUA'
local starttls = start{ min_version = "TLSv1", max_version = "TLSv1.1",
                        ciphers = "DEFAULT:@SECLEVEL=0" }
local ok, err = pcall(starttls, { verify = false, ciphers = "DEFAULT:@SECLEVEL=0" })
assert(not ok, "a TLS 1.1 session was accepted by default")
smtp.note("default: " .. err.message)
local info = starttls{ verify = false, min_version = "TLSv1.1", ciphers = "DEFAULT:@SECLEVEL=0" }
smtp.note("lowered: " .. info.protocol)
LUA
)
run run --transcript "$T/legacy.log" "$s"
if grep -q "no protocols available" "$T/legacy.log"; then
	echo "note: this OpenSSL has no TLS 1.1 at all; the version part is skipped"
else
	expect_rc 0
	expect_in "$T/legacy.log" "=== default: TLS handshake with 127.0.0.1:"
	expect_in "$T/legacy.log" "no TLS version both sides accept (TLS 1.2 or later unless min_version= says otherwise"
	expect_in "$T/legacy.log" "=== lowered: TLSv1.1"
fi

# A TLS server (Python's ssl) that cuts its reply to EHLO mid-line and
# closes without close_notify; then one that does so only after its 221.
need_python
run run -D out="$T/cert.pem" "$(scenario cert.lua <<'LUA'
local cert, key = smtp.tls_selfsigned("mail.example.test")
local f = assert(io.open(vars.out, "w")); f:write(cert, key); f:close()
LUA
)"
expect_rc 0
cat >"$T/tlsfake.py" <<'PY'
import socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[1])
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(1)
with open(sys.argv[2] + ".tmp", "w") as f:
    f.write(str(srv.getsockname()[1]))
import os
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
def line(t):
    b = b""
    while not b.endswith(b"\n"):
        c = t.recv(1)
        if not c:
            break
        b += c
    return b
for mode in sys.argv[3:]:
    c, _ = srv.accept()
    t = ctx.wrap_socket(c, server_side=True)
    t.sendall(b"220 tls.example.test ESMTP\r\n")
    line(t)
    if mode == "cut":
        t.sendall(b"250-tls.example.test\r\n250-PIPEL")
    else:
        t.sendall(b"250 tls.example.test\r\n")
        line(t)
        t.sendall(b"221 2.0.0 Bye\r\n")
    # close() without unwrap(): no close_notify, the socket just ends.
    t.close()
PY
python3 "$T/tlsfake.py" "$T/cert.pem" "$T/tls.port" cut bye bye &
FAKE_PID=$!
wait_for "$T/tls.port" . "$FAKE_PID" || fail "the TLS server did not start"
port=$(cat "$T/tls.port")
s=$(scenario cut.lua <<LUA
local s = smtp.connect{ host = "127.0.0.1", port = $port, tls = { verify = false } }
s:greeting()
s:ehlo("client.example.test")
LUA
)
run run "$s"; expect_rc 1
expect_out "connection closed by server without TLS close_notify (the TLS stream was truncated) while waiting for a reply to 'EHLO client.example.test'"
s=$(scenario bye.lua <<LUA
local s = smtp.connect{ host = "127.0.0.1", port = $port, tls = { verify = false } }
s:greeting()
s:ehlo("client.example.test")
s:quit()
LUA
)
run run "$s"; expect_rc 0
s=$(scenario byeclose.lua <<LUA
local s = smtp.connect{ host = "127.0.0.1", port = $port, tls = { verify = false } }
s:greeting()
s:ehlo("client.example.test")
s:send("QUIT")
s:expect(221)
s:expect_close()
LUA
)
run run --transcript "$T/bye.log" "$s"; expect_rc 0
expect_in "$T/bye.log" "=== Connection closed by remote host (without TLS close_notify)."
wait_fake

# Unverified TLS is marked in every report: a case with verify=false, one
# verified, and -k for a whole run.
s=$(with insecure.lua <<'LUA'
local starttls = start{}
test("unverified", function() starttls{ verify = false } end)
test("verified", function()
  local f = assert(io.open(vars.ca, "w")); f:write(CERT); f:close()
  starttls{ cafile = vars.ca }
end)
LUA
)
run run -D ca="$T/ca.pem" --junit "$T/i.xml" --json "$T/i.json" "$s"; expect_rc 0
expect_out "2 cases in 1 file: 2 passed, 0 failed, 0 errors, 0 skipped, 0 known failures, 1 with TLS not verified (-k or verify=false)"
grep -q '"case":"unverified","status":"pass","time":[0-9.]*,"insecure":true' "$T/i.json" ||
    fail "JSON: no insecure:true for the unverified case: $(cat "$T/i.json")"
grep -q '"case":"verified","status":"pass","time":[0-9.]*,"insecure":false' "$T/i.json" ||
    fail "JSON: no insecure:false for the verified case"
expect_lines "$T/i.xml" '<testcase name="unverified"' \
    '<properties><property name="tls.insecure" value="true"/></properties>' \
    '<testcase name="verified"'
[ "$(grep -c 'tls.insecure' "$T/i.xml")" -eq 1 ] || fail "JUnit: more than one case marked"
if command -v xmllint >/dev/null; then
	xmllint --noout --schema "$SRCDIR/tests/junit.xsd" "$T/i.xml" 2>"$T/xmllint" ||
	    fail "JUnit does not validate: $(cat "$T/xmllint")"
fi
# A session made unverified in one case and used in the next marks both.
s2=$(with insecure-reused.lua <<'LUA'
local starttls, s = start{}, nil
test("handshake", function() s = select(2, starttls{ verify = false }) end)
test("reuse", function() s:ehlo("client.example.test"); s:quit() end)
LUA
)
run run --json "$T/r.json" "$s2"; expect_rc 0
grep -q '"case":"reuse","status":"pass","time":[0-9.]*,"insecure":true' "$T/r.json" ||
    fail "JSON: the case reusing an unverified session is not marked: $(cat "$T/r.json")"
run run -D ca="$T/ca.pem" --tap "$s"; expect_rc 0
expect_lines "$T/out" "ok 1 - $s: unverified" "# TLS certificate not verified (-k or verify=false)" \
    "ok 2 - $s: verified"
[ "$(grep -c '^# TLS certificate not verified' "$T/out")" -eq 1 ] || fail "TAP: marks"
run run -k -D ca="$T/ca.pem" "$s"; expect_rc 0
expect_out ", 2 with TLS not verified (-k or verify=false)"
exit 0
