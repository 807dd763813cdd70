#!/usr/bin/env bash
# A suite of Lua, YAML and smtpscript files (tests/scenarios/suite) with passing,
# failing, skipped, erroring and known-broken cases, run against the built-in
# article server: the exit code, the human lines, every report format (TAP
# read by prove, JUnit checked against tests/junit.xsd, JSON Lines), a
# transcript per case, --list, --filter, --shard, -j and --fail-fast.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${SRCDIR:?}/tests/integration/lib.sh" || exit 1
need_python
command -v xmllint >/dev/null || { echo "skipped: no xmllint"; exit 77; }
command -v prove >/dev/null || { echo "skipped: no prove"; exit 77; }

serve_bg demo --serve
port=$SERVE_PORT
suite="$SRCDIR/tests/scenarios/suite"
cp -r "$suite" "$T/suite"
cd "$T" || exit 1
S=(--server "127.0.0.1:$port" --case-timeout 1)

run run "${S[@]}" --transcript "$T/tr/" --junit "$T/junit.xml" --json "$T/cases.json" suite
expect_rc 2
expect_out "PASS  suite/01-cases.lua: hooks run in order"
expect_out "PASS  suite/01-cases.lua: relay refused without auth"
expect_out "FAIL  suite/01-cases.lua: a failing expectation"
expect_out "suite/01-cases.lua:$(lineof suite/01-cases.lua 's:rcpt_to("b@example.net")'): expected one of 250, 251, got 554 5.7.1 <b@example.net>: Relay access denied"
expect_out "SKIP  suite/01-cases.lua: skipped on purpose"
expect_out "skipped: not on this server"
expect_out "XFAIL suite/01-cases.lua: known bug"
expect_out "XPASS suite/01-cases.lua: fixed bug"
expect_out "ERROR suite/01-cases.lua: API misuse"
expect_out "ERROR suite/01-cases.lua: too slow"
expect_out "the case did not finish within its time limit of 1 s"
expect_out "PASS  suite/02-plain.lua"
expect_out "ERROR suite/03-broken.lua"
expect_out "suite/03-broken.lua:3: unexpected symbol near <eof>"
expect_out "PASS  suite/04-cases.yaml: EHLO advertises AUTH"
expect_out "FAIL  suite/04-cases.yaml: relay without auth"
expect_out "suite/04-cases.yaml:$(lineof suite/04-cases.yaml '- rcpt_to:'): expected 250, got 554"
expect_out "ERROR suite/05-broken.yaml"
expect_out 'suite/05-broken.yaml:3:5: unknown key "stpes" in case 1'
expect_out "PASS  suite/06-cases.smtp: greeting and EHLO"
expect_out "FAIL  suite/06-cases.smtp: VRFY is not ok"
expect_out "suite/06-cases.smtp:13: expected one of 2xx, 3xx, got 502 5.5.1 VRFY command is disabled (in reply to 'VRFY postmaster')"
expect_out "15 cases in 6 files: 5 passed, 3 failed, 4 errors, 1 skipped, 1 known failure, 1 unexpectedly passed"

# JUnit: valid against the schema, with the counts and a transcript.
xmllint --noout --schema "$SRCDIR/tests/junit.xsd" "$T/junit.xml" 2>"$T/xmllint.err" ||
    { cat "$T/xmllint.err" >&2; fail "junit.xml does not validate"; }
grep -q '<testsuites name="smtprun" tests="15" failures="3" errors="4" skipped="2"' "$T/junit.xml" ||
    fail "junit.xml totals: $(grep '<testsuites' "$T/junit.xml")"
grep -q '<testcase name="a failing expectation" classname="suite/01-cases.lua"' "$T/junit.xml" ||
    fail "no testcase element"
grep -q '<failure message="suite/01-cases.lua:.*Relay access denied' "$T/junit.xml" || fail "no failure"
grep -q '<skipped message="not on this server"/>' "$T/junit.xml" || fail "no skipped"
grep -q '<error message=".*time limit' "$T/junit.xml" || fail "no error"
grep -q '&lt;-  554 5.7.1 &lt;b@example.net&gt;: Relay access denied' "$T/junit.xml" ||
    fail "no transcript in system-out"

# JSON Lines: one record per case.
python3 - "$T/cases.json" <<'PY' || fail "cases.json"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
assert len(recs) == 15, len(recs)
by = {(r["file"], r["case"]): r for r in recs}
r = by[("suite/01-cases.lua", "a failing expectation")]
assert r["status"] == "fail" and r["kind"] == "expect" and r["got"].startswith("554"), r
assert r["expected"] == "one of 250, 251" and r["command"] == "'RCPT TO:<b@example.net>'", r
assert by[("suite/01-cases.lua", "known bug")]["status"] == "xfail"
assert by[("suite/02-plain.lua", None)]["status"] == "pass"
assert sorted(set(r["status"] for r in recs)) == ["error", "fail", "pass", "skip", "xfail", "xpass"]
PY

# A transcript per case.
[ -f "$T/tr/suite-01-cases--a_failing_expectation.log" ] || { ls "$T/tr" >&2; fail "no case transcript"; }
expect_in "$T/tr/suite-01-cases--a_failing_expectation.log" "<** 554 5.7.1 <b@example.net>: Relay access denied"
expect_not_in "$T/tr/suite-01-cases--relay_refused_without_auth.log" "<**"

# TAP version 14, and read by prove (labelled 13: Debian 12's prove
# predates TAP 14).
run run "${S[@]}" --tap suite; expect_rc 2
head -1 "$T/out" | grep -qx "TAP version 14" || fail "no TAP 14 header"
tail -1 "$T/out" | grep -qx "1..15" || fail "no plan"
expect_out "not ok 3 - suite/01-cases.lua: a failing expectation"
expect_out "ok 4 - suite/01-cases.lua: skipped on purpose # SKIP not on this server"
expect_out "not ok 5 - suite/01-cases.lua: known bug # TODO bug 12: the server refuses this"
expect_out "ok 6 - suite/01-cases.lua: fixed bug # TODO bug 13"
expect_lines "$T/out" "not ok 3 - " "  ---" "  message: " "  severity: fail" "  kind: expect" \
    "  expected: one of 250, 251" "  got: " "  command: " "  at: suite/01-cases.lua:" "  ..."
prove --exec "$SMTPRUN run --tap=13 --server 127.0.0.1:$port --case-timeout 1" \
    suite/01-cases.lua suite/02-plain.lua suite/04-cases.yaml >"$T/prove.out" 2>&1
grep -q "Failed tests:  3, 7-8" "$T/prove.out" || { cat "$T/prove.out" >&2; fail "prove: failed tests"; }
grep -q "TODO passed:   6" "$T/prove.out" || { cat "$T/prove.out" >&2; fail "prove: TODO"; }
grep -Eq "suite/02-plain.lua \.+ ok" "$T/prove.out" || { cat "$T/prove.out" >&2; fail "prove: plain"; }
! grep -q "Parse errors" "$T/prove.out" || { cat "$T/prove.out" >&2; fail "prove: parse errors"; }

# Bytes that are not UTF-8 in a failure (a server's greeting) cannot stop
# the TAP report: they are shown as \xNN, as everywhere, before libyaml
# sees them (this once hung or crashed with a double free; bytes.sh has more).
notutf8=$(scenario notutf8.lua <<'LUA'
local l = smtp.listen{ quiet = true }
smtp.spawn(function() l:accept{ timeout = 5 }:send_raw("220 caf\xe9 ready\r\n") end)
local s = smtp.connect{ host = "127.0.0.1", port = l:port(), timeout = 5 }
s:expect(250)
LUA
)
run run --tap "$notutf8"; expect_rc 1
expect_lines "$T/out" "TAP version 14" "not ok 1 - $notutf8" "  ---" \
    "  message: '$notutf8:4: expected 250, got 220 caf\\xe9 ready" "  ..." "1..1"

# --list names the cases without running any (nothing reaches the server);
# a file that cannot be read says so (exit 2).
run run "${S[@]}" --list suite; expect_rc 2
expect_err "smtprun: suite/03-broken.lua:3: unexpected symbol"
expect_out "suite/01-cases.lua: hooks run in order"
expect_out "suite/01-cases.lua: too slow"
expect_out "suite/02-plain.lua"
expect_out "suite/04-cases.yaml: relay without auth"
expect_out "suite/06-cases.smtp: VRFY is not ok"
expect_no_out "PASS"

# --filter on file and case names.
run run "${S[@]}" --filter "relay" suite; expect_rc 1
expect_out "PASS  suite/01-cases.lua: relay refused without auth"
expect_out "FAIL  suite/04-cases.yaml: relay without auth"
expect_out "2 cases in 2 files"
run run "${S[@]}" --filter "02%-plain" suite; expect_rc 0
expect_out "1 case in 1 file: 1 passed"

# --shard splits the files between machines: every file exactly once.
for k in 1 2 3; do
	run run "${S[@]}" --shard "$k/3" suite
	# each shard's exit status follows its own results
	if grep -q '^ERROR ' "$T/out"; then want=2
	elif grep -q '^FAIL ' "$T/out"; then want=1
	else want=0; fi
	expect_rc "$want"
	awk '/^(PASS|FAIL|ERROR|SKIP|XFAIL|XPASS) / { sub(/:.*/, "", $2); print $2 }' \
	    "$T/out" | sort -u >>"$T/shards"
done
twice=$(sort "$T/shards" | uniq -d)
[ -z "$twice" ] || fail "a file in two shards: $twice"
[ "$(sort -u "$T/shards" | wc -l)" -eq 6 ] || fail "not every file in a shard"

# -j: the same results, files at once on one loop.
run run "${S[@]}" -j 4 suite; expect_rc 2
expect_out "15 cases in 6 files: 5 passed, 3 failed, 4 errors, 1 skipped, 1 known failure, 1 unexpectedly passed"

# --fail-fast: nothing starts after the first failure.
run run "${S[@]}" --fail-fast suite; expect_rc 2
expect_out "FAIL  suite/01-cases.lua: a failing expectation"
expect_no_out "suite/02-plain.lua"
exit 0
