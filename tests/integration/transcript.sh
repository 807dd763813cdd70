#!/usr/bin/env bash
# Transcripts: one file or one per scenario, live on stderr with -v,
# timestamps, and every line on disk as it happens (a kill loses nothing).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${SRCDIR:?}/tests/integration/lib.sh" || exit 1

ok=$(scenario ok.lua <<'LUA'
local s = smtp.connect()
s:expect(220)
s:noop()
s:quit()
LUA
)
mkdir -p "$T/sub"
cp "$ok" "$T/sub/two.lua"

# One file for all scenarios.
fake record
run run --transcript "$T/all.log" --server "127.0.0.1:$FAKE_PORT" "$ok"; expect_rc 0
expect_lines "$T/all.log" "=== scenario $ok" "=== Trying 127.0.0.1 port $FAKE_PORT..." \
    "=== Connected to 127.0.0.1 port $FAKE_PORT" "<-  220 mail.example.test ESMTP fake" \
    " -> NOOP" "<-  250 ok" " -> QUIT" "<-  221 2.0.0 Bye" "=== Connection closed with remote host."
wait_fake

# A directory (given with a trailing slash: created): a file per scenario.
fake record
run run --transcript "$T/dir/" --server "127.0.0.1:$FAKE_PORT" "$T/sub/two.lua"; expect_rc 0
name=$(printf '%s' "${T#/}/sub/two" | tr '/' '-')
[ -f "$T/dir/$name.log" ] || { ls -l "$T/dir" >&2; fail "no per-scenario transcript $name.log"; }
expect_in "$T/dir/$name.log" " -> QUIT"
wait_fake

# -v: the same lines, live on stderr; --timestamps prefixes elapsed seconds.
fake record
run run -v --timestamps --server "127.0.0.1:$FAKE_PORT" "$ok"; expect_rc 0
grep -Eq '^\[ +[0-9]+\.[0-9]{3}\]  -> NOOP$' "$T/err" || fail "no timestamped NOOP on stderr"
grep -Eq '^\[ +[0-9]+\.[0-9]{3}\] <-  221 2.0.0 Bye$' "$T/err" || fail "no timestamped 221"
# Piped stderr gets no colour codes.
expect_no_err $'\033'
wait_fake

# A session opened before the cases records each case's lines in that
# case's transcript, not in the one it was opened in.
fake record
shared=$(scenario shared.lua <<'LUA'
local s = smtp.connect()
s:expect(220)
test("first", function() s:send("NOOP first"); s:expect(250) end)
test("second", function() s:send("NOOP second"); s:expect(250); s:quit() end)
LUA
)
run run --transcript "$T/cases/" --server "127.0.0.1:$FAKE_PORT" "$shared"; expect_rc 0
stem=$(printf '%s' "${T#/}/shared" | tr '/' '-')
expect_in "$T/cases/$stem--first.log" " -> NOOP first"
expect_not_in "$T/cases/$stem--first.log" "NOOP second"
expect_in "$T/cases/$stem--second.log" " -> NOOP second"
expect_in "$T/cases/$stem--second.log" " -> QUIT"
wait_fake

# Killed mid-scenario: what happened so far is on disk already.
fake silent
slow=$(scenario slow.lua <<'LUA'
local s = smtp.connect()
s:expect(220, nil, { timeout = 30 })
LUA
)
run_bg run --transcript "$T/killed.log" --server "127.0.0.1:$FAKE_PORT" "$slow"
wait_for "$T/killed.log" "=== Connected" "$BG_PID"
signal_bg KILL; expect_rc 137
expect_lines "$T/killed.log" "=== scenario $slow" "=== Connected to 127.0.0.1 port $FAKE_PORT"
stop_fake
exit 0
