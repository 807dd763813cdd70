#!/usr/bin/env bash
# bounds.sh - limits a script cannot get around: time limits without the
# Lua hook's cooperation (debug.sethook refused, a long C call ended by the
# watchdog, SIGTERM during one), the Lua memory limit, os.exit.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${SRCDIR:?}/tests/integration/lib.sh" || exit 1
need_python
unset SMTPRUN_SERVER

# elapsed CMD...: runs CMD, sets SECS to the whole seconds it took.
elapsed() {
	local t0 t1
	t0=$(date +%s%N)
	"$@"
	t1=$(date +%s%N)
	SECS=$(( (t1 - t0) / 1000000000 ))
}

json_ok() { python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$1" ||
	fail "$1 is not JSON Lines"; }
xml_ok() { python3 -c 'import sys,xml.dom.minidom as m; m.parse(sys.argv[1])' "$1" ||
	fail "$1 is not well-formed XML"; }

# debug.sethook is refused, naming itself...
s=$(scenario sethook.lua <<'LUA'
debug.sethook()
LUA
)
run run "$s"; expect_rc 2
expect_out "sethook.lua:1: debug.sethook is not available to scenarios"
# ...so a case that tries it and then spins still meets --case-timeout (and
# the next case runs).
s=$(scenario spin.lua <<'LUA'
test("spins", function() pcall(debug.sethook); while true do end end)
test("next", function() end)
LUA
)
elapsed run run --case-timeout 1 --file-timeout 60 "$s"; expect_rc 2
expect_out "spin.lua: spins"
expect_out "the case did not finish within its time limit of 1 s"
expect_out "PASS  $s: next"
[ "$SECS" -lt 10 ] || fail "the case timeout took $SECS s"
# A loop that catches the hook's error still stops.
s=$(scenario catch.lua <<'LUA'
while true do pcall(function() while true do end end) end
LUA
)
elapsed run run --file-timeout 1 "$s"; expect_rc 2
expect_out "the file did not finish within its time limit of 1 s"
[ "$SECS" -lt 10 ] || fail "the file timeout took $SECS s"

# A C call that backtracks for hours: the watchdog ends the run, the
# stuck case recorded as a timeout, the reports written and parseable. The
# file that finished before it got stuck (-j 2) is reported as it passed.
ok=$(scenario a-ok.lua <<'LUA'
assert(1 + 1 == 2)
LUA
)
bt=$(scenario b-backtrack.lua <<'LUA'
test("backtracks", function()
  string.find(("a"):rep(40), ("a?"):rep(40) .. ("a"):rep(40))
end)
LUA
)
elapsed run run -j 2 --case-timeout 1 --junit "$T/bt.xml" --json "$T/bt.json" \
    -T "$T/tr/" "$ok" "$bt"
expect_rc 2
[ "$SECS" -lt 10 ] || fail "the stuck case took $SECS s to end"
expect_err "b-backtrack.lua: the case did not finish within its time limit of 1 s (--case-timeout), and did not return to smtprun within 1 s more"
expect_out "PASS  $ok"
expect_out "ERROR $bt: backtracks"
json_ok "$T/bt.json"
xml_ok "$T/bt.xml"
expect_in "$T/bt.json" '"case":"backtracks","status":"error"'
expect_in "$T/bt.json" '"file":"'"$ok"'","case":null,"status":"pass"'
expect_in "$T/bt.xml" 'name="backtracks"'
ls "$T"/tr/*backtrack*backtracks* >/dev/null 2>&1 || fail "no transcript of the stuck case"
expect_in "$(ls "$T"/tr/*backtrack*backtracks*)" "did not return to smtprun"
# A file the stuck one kept from starting (-j 1) is reported, skipped.
later=$(scenario c-later.lua <<'LUA'
assert(true)
LUA
)
run run --case-timeout 1 --json "$T/nr.json" "$bt" "$later"; expect_rc 2
expect_in "$T/nr.json" '"file":"'"$later"'","case":null,"status":"skip","time":0.0,"insecure":false,"message":"the run ended early ('"$bt"' was stuck in a C call) before it started"'

# SIGTERM during such a call ends the run within about the grace period,
# with the signal's exit status and the reports written.
bt=$(scenario stuck.lua <<'LUA'
string.find(("a"):rep(40), ("a?"):rep(40) .. ("a"):rep(40))
LUA
)
run_bg run --json "$T/term.json" "$bt"
sleep 0.5
t0=$(date +%s%N)
signal_bg TERM; expect_rc 143
SECS=$(( ($(date +%s%N) - t0) / 1000000000 ))
[ "$SECS" -lt 4 ] || fail "SIGTERM took $SECS s"
expect_err "stuck.lua: stopped by Terminated"
json_ok "$T/term.json"
expect_in "$T/term.json" '"status":"error"'

# The Lua memory limit: a script that allocates without bound fails, naming
# the limit; the other file (-j 2) passes, and so does the next case.
hog=$(scenario hog.lua <<'LUA'
local t = {}
for i = 1, 1e9 do t[i] = ("x"):rep(1000) .. i end
LUA
)
cases=$(scenario hogcases.lua <<'LUA'
test("hogs", function() local t = {} for i = 1, 1e9 do t[i] = ("x"):rep(1000) .. i end end)
test("then works", function() local t = {} for i = 1, 1000 do t[i] = ("y"):rep(100) .. i end end)
LUA
)
other=$(scenario other.lua <<'LUA'
test("fine", function() smtp.sleep(0.2) end)
LUA
)
run run -j 2 --memory-limit 32 --json "$T/mem.json" "$hog" "$cases" "$other"; expect_rc 1
expect_lines "$T/out" "FAIL  $hog" "memory limit of 32 MB reached (--memory-limit)"
expect_lines "$T/out" "FAIL  $cases: hogs" "memory limit of 32 MB reached (--memory-limit)"
expect_out "PASS  $cases: then works"
expect_out "PASS  $other: fine"
json_ok "$T/mem.json"
expect_in "$T/mem.json" '"kind":"memory"'
# The default (1024 MB) leaves ordinary scripts alone; 0 is no limit.
run run --memory-limit 0 "$other"; expect_rc 0
run run --memory-limit 1x "$other"; expect_rc 2; expect_err 'bad --memory-limit "1x"'

# os.exit ends the case, not the run: the reports are written.
s=$(scenario exit.lua <<'LUA'
test("before", function() end)
test("exits", function() os.exit(0) end)
test("after", function() end)
LUA
)
run run --junit "$T/exit.xml" "$s"; expect_rc 1
expect_out "exit.lua:2: os.exit(0) called: a scenario cannot end the run"
expect_out "PASS  $s: after"
xml_ok "$T/exit.xml"
expect_in "$T/exit.xml" 'tests="3"'
exit 0
