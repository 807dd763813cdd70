#!/usr/bin/env bash
# `smtprun check` itself, with checks of its own (a copy of the modules
# next to a scripts/security of test checks, through SMTPRUN_LUADIR): the
# verdict lines, --list, --only, the exit codes (0 nothing vulnerable, 1
# something is, 2 a check that could not decide), JUnit (VULNERABLE a
# failure, INCONCLUSIVE a skip) and JSON. The real checks have their own
# tests (security_checks_*.sh).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${SRCDIR:?}/tests/integration/lib.sh" || exit 1
need_python

tree="$T/tree"
mkdir -p "$tree/scripts/security"
cp -r "$SRCDIR/lua" "$tree/lua"
sec="$tree/scripts/security"
# relay-probe: VULNERABLE when the server relays, else SAFE.
cat >"$sec/relay-probe.lua" <<'LUA'
local check = require "smtp.check"
check.define("relay-probe", function()
  local s = check.connect()
  s:ehlo("check.example.test")
  local dom = check.local_domain(s)
  s:mail_from("probe@" .. dom)
  local r = check.rcpt(s, "relay-test@relay-test.example", dom)
  s:send("RSET")
  s:reply()
  s:quit()
  local ev = check.exchange("RCPT TO:<relay-test@relay-test.example>", r)
  if r.code // 100 == 2 then check.vulnerable(ev) end
  check.safe(ev)
end)
LUA
cat >"$sec/maybe.lua" <<'LUA'
local check = require "smtp.check"
check.define("maybe", function()
  check.inconclusive("no valid user given (-D valid_user=)")
end)
LUA
cat >"$sec/undecided.lua" <<'LUA'
local check = require "smtp.check"
check.define("undecided", function()
  if vars.decide then check.safe("decided") end
end)
LUA
cat >"$sec/leaky.lua" <<'LUA'
local check = require "smtp.check"
check.define("leaky", function()
  local s = check.connect()
  check.rcpt(s, "someone@gmail.com", check.local_domain(s))
end)
LUA
export SMTPRUN_LUADIR="$tree/lua"
cat >"$T/srv.lua" <<'LUA'
local server = require "smtp.server"
local srv = server.new{ relay = vars.relay or "auth", local_domains = { "example.test" } }
srv:listen{}
srv:serve()
LUA

run check --list; expect_rc 0
printf 'leaky\nmaybe\nrelay-probe\nundecided\n' >"$T/want"
cmp -s "$T/want" "$T/out" || fail "--list"
run check --only nope; expect_rc 2
expect_err 'no check is named "nope"'
run check stray; expect_rc 2
expect_err "no operands"
for empty in "" "," " , "; do
	run check --server 127.0.0.1:1 --only "$empty"; expect_rc 2
	expect_err "--only names no check"
done
# No server at all: said once, before any check runs.
SMTPRUN_SERVER='' run check --no-config; expect_rc 2
expect_err "which server? give --server HOST[:PORT]"
expect_no_out "ERROR"

serve_bg serve "$T/srv.lua"
srv=127.0.0.1:$SERVE_PORT
# Safe, inconclusive: exit 0, a line each, the evidence on it.
run check --server "$srv" --only " relay-probe, maybe " -D decide=1; expect_rc 0
expect_lines "$T/out" "INCONCLUSIVE  maybe               no valid user given (-D valid_user=)" \
    "SAFE          relay-probe         RCPT TO:<relay-test@relay-test.example> -> 554 5.7.1" \
    "2 checks: 1 safe, 0 vulnerable, 1 inconclusive, 0 errors"
# A check that cannot decide: ERROR, exit 2, where and why.
run check --server "$srv" --only undecided; expect_rc 2
expect_out "ERROR         undecided           $sec/undecided.lua:2: check undecided could not decide: it ended without a verdict"
# A recipient that could leave the machine is refused before it is sent.
run check --server "$srv" --only leaky -T "$T/leaky.log"; expect_rc 2
expect_out "refusing to send RCPT TO:<someone@gmail.com>: gmail.com is not a reserved or local domain"
expect_not_in "$T/leaky.log" " -> RCPT TO"
signal_bg TERM

serve_bg serve -D relay=open "$T/srv.lua"
srv=127.0.0.1:$SERVE_PORT
# Vulnerable outranks the error in the exit code.
run check --server "$srv" --junit "$T/j.xml" --json "$T/j.json"; expect_rc 1
expect_out "VULNERABLE    relay-probe         RCPT TO:<relay-test@relay-test.example> -> 250 2.1.5 Ok"
expect_out "4 checks: 0 safe, 1 vulnerable, 1 inconclusive, 2 errors"
if command -v xmllint >/dev/null; then
	xmllint --noout --schema "$SRCDIR/tests/junit.xsd" "$T/j.xml" 2>"$T/xmllint.err" ||
	    { cat "$T/xmllint.err" >&2; fail "j.xml does not validate"; }
fi
python3 - "$T/j.xml" "$T/j.json" <<'PY' || fail "the JUnit or JSON report"
import json, sys, xml.etree.ElementTree as ET
cases = {c.get("name"): c for c in ET.parse(sys.argv[1]).iter("testcase")}
assert cases["relay-probe"].find("failure").get("type") == "vulnerable", "failure"
assert cases["maybe"].find("skipped") is not None, "skip"
recs = {r["case"]: r for r in map(json.loads, open(sys.argv[2]))}
assert recs["relay-probe"]["status"] == "fail" and recs["relay-probe"]["kind"] == "vulnerable"
assert recs["maybe"]["status"] == "skip"
assert recs["undecided"]["status"] == "error" and recs["undecided"]["kind"] == "setup"
verdicts = {k: r["verdict"] for k, r in recs.items()}
assert verdicts == {"relay-probe": "VULNERABLE", "maybe": "INCONCLUSIVE",
                    "undecided": "ERROR", "leaky": "ERROR"}, verdicts
PY
signal_bg TERM
exit 0
