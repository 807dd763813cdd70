#!/usr/bin/env bash
# The Lua helpers that need no server: EHLO capability parsing, message
# building, base64, and the error objects scenarios can inspect.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${SRCDIR:?}/tests/integration/lib.sh" || exit 1

s=$(scenario api.lua <<'LUA'
local caps = smtp.parse_caps{ code = 250, lines = {
  "mail.example.test Hello client",
  "PIPELINING", "SIZE 52428800", "AUTH PLAIN LOGIN", "AUTH=LOGIN CRAM-MD5",
  "8BITMIME", "SMTPUTF8", "CHUNKING", "DSN", "STARTTLS", "size", "X-FOO a b",
  "ENHANCEDSTATUSCODES" } }
assert(caps.domain == "mail.example.test", "domain")
assert(caps.greeting == "mail.example.test Hello client", "greeting")
assert(#caps.AUTH == 3 and caps.AUTH[1] == "PLAIN" and caps.AUTH[3] == "CRAM-MD5",
       "AUTH list: " .. table.concat(caps.AUTH, ","))
assert(caps.AUTH.LOGIN and caps.AUTH["CRAM-MD5"] and not caps.AUTH.XOAUTH2, "AUTH set")
assert(caps.SIZE == 0, "a later bare SIZE means no limit")
for _, k in ipairs{ "PIPELINING", "8BITMIME", "SMTPUTF8", "CHUNKING", "DSN",
                    "STARTTLS", "ENHANCEDSTATUSCODES" } do
  assert(caps[k] == true, k)
end
assert(caps["X-FOO"][1] == "a" and caps["X-FOO"][2] == "b", "X-FOO params")
assert(smtp.parse_caps{ code = 250, lines = { "x", "SIZE 1000" } }.SIZE == 1000)

local m = smtp.message{ from = "a@example.test", to = { "b@example.test", "c@example.test" },
  subject = "hi", body = "line\n", headers = { "X-Test: 1" }, date = "Thu, 1 Jan 1970 00:00:00 +0000",
  message_id = "<1@example.test>" }
assert(m == "Date: Thu, 1 Jan 1970 00:00:00 +0000\r\nFrom: a@example.test\r\n" ..
  "To: b@example.test, c@example.test\r\nSubject: hi\r\nMessage-ID: <1@example.test>\r\n" ..
  "X-Test: 1\r\n\r\nline\n", m)
assert(smtp.message{ body = "" }:find("^Date: .-\r\nMessage%-ID: <.->\r\n\r\n$"), "defaults")

assert(smtp.b64encode("Username:") == "VXNlcm5hbWU6")
local d, why = smtp.b64decode("not base64!")
assert(d == nil and why:find("invalid base64"), "b64decode reports")

local ok, err = pcall(smtp.fail, "custom", "auth", { got = "535" })
assert(not ok and err.kind == "auth" and err.got == "535", "fail fields")
assert(tostring(err):find("api.lua:%d+: custom$"), tostring(err))

local t0 = smtp.now()
smtp.sleep(0.05)
assert(smtp.now() - t0 >= 0.05, "sleep waits")
assert(smtp.config().timeout == 7, "config timeout")
LUA
)
run run --timeout 7 "$s"; expect_rc 0

# core.json_encode (jansson): what Lua values become, and what it refuses
# (a usage error, exit 2).
s=$(scenario json.lua <<'LUA'
local core = require "smtprun.core"
local function eq(v, want)
  local got = core.json_encode(v)
  assert(got == want, ("%s, want %s"):format(got, want))
end
eq({ b = 1, a = { true, false, "x" }, c = {} }, '{"a":[true,false,"x"],"b":1,"c":{}}')
eq('tab\t"q" \\ \1 \xc3\xa9', [["tab\t\"q\" \\ \u0001 ]] .. "\xc3\xa9" .. '"')
eq("\xff", [["\\xff"]])		-- not UTF-8: shown as smtprun shows bytes
eq(1.5, "1.5"); eq(-3, "-3"); eq(nil, "null"); eq({ 1, 2, 3 }, "[1,2,3]")
local function refused(v, why)
  local ok, err = pcall(core.json_encode, v)
  assert(not ok and err.kind == "usage" and err.message:find(why, 1, true), tostring(err))
end
local cyc = {}; cyc.self = cyc
refused(cyc, "a cycle")
refused({ f = print }, "a function has no JSON")
refused({ [1] = "a", [3] = "c" }, "keys other than strings")
refused({ [true] = 1 }, "keys other than strings")
refused(0/0, "NaN")
local deep = {}
for _ = 1, 100 do deep = { deep } end
refused(deep, "nested too deep")
LUA
)
run run "$s"; expect_rc 0
exit 0
