#!/usr/bin/env bash
# Connecting: refused (IPv4 and IPv6), a name that does not resolve, a name
# that resolves to several addresses, no target at all. Each is a setup
# error (exit 2) whose message names host and port.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${SRCDIR:?}/tests/integration/lib.sh" || exit 1
need_python

s=$(scenario connect.lua <<'LUA'
local s = smtp.connect()
s:expect(220)
s:quit()
LUA
)
port=$(free_port)

run run --server "127.0.0.1:$port" "$s"; expect_rc 2
expect_out "ERROR $s"
expect_out "connect.lua:1: cannot connect to 127.0.0.1 port $port: Connection refused"

run run --server "[::1]:$port" "$s"; expect_rc 2
expect_out "cannot connect to ::1 port $port:"

# A name: resolved off the loop, then every address tried in turn.
run run --timeout 5 --server "localhost:$port" -v "$s"; expect_rc 2
expect_out "cannot connect to localhost port $port:"
expect_err "=== Trying 127.0.0.1 port $port..."

run run --timeout 5 --server "no-such-host.invalid:2525" "$s"; expect_rc 2
expect_out "cannot resolve no-such-host.invalid port 2525"

# No --server, no host=: say how to give one.
SMTPRUN_SERVER="" run run "$s"; expect_rc 2
expect_out "no server to connect to: pass host= to smtp.connect, or --server"

# host= and port= in the script win over --server.
s2=$(scenario explicit.lua <<LUA
local s = smtp.connect{host = "127.0.0.1", port = $port, timeout = 2}
LUA
)
run run --server "192.0.2.1:25" "$s2"; expect_rc 2
expect_out "cannot connect to 127.0.0.1 port $port: Connection refused"

# A connect that never completes (the listener's accept queue is full, so
# the kernel drops our SYN) hits the connect timeout.
fake full
s3=$(scenario hang.lua <<LUA
smtp.connect{host = "127.0.0.1", port = $FAKE_PORT, timeout = 1}
LUA
)
run run "$s3"; expect_rc 2
expect_out "cannot connect to 127.0.0.1 port $FAKE_PORT: timed out after 1 s"
exit 0
