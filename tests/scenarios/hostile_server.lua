-- hostile_server.lua: the built-in server with one fault, for `smtprun
-- serve` (tests/integration/hostile_peer.sh): the client under test runs in
-- another process, so its time, memory and signals are its own.
-- -D on=VERB -D action=NAME (and code, text, seconds, delay, length), or
-- -D raw=nul|utf8: a reply with NUL bytes / with invalid UTF-8 and C1 bytes
-- (sent as the `garbage` fault's text).
local server = require "smtp.server"

local RAW = {
  nul = "250-mx.example.test\0hidden\r\n250-PIPELINING\0\0\0\r\n250 SIZE 1000",
  utf8 = "250-mx.example.test\r\n250-X-\xc2\x9b31m \xff\xfe \xc3\x28 \xed\xa0\x80 " ..
    "\xc0\xaf\r\n250 SIZE 1000",
}

local faults = {}
if vars.raw then
  faults[1] = { on = vars.on or "EHLO", action = "garbage",
                text = assert(RAW[vars.raw], "raw must be nul or utf8") }
elseif vars.action then
  faults[1] = { on = smtp.need("on"), action = vars.action, code = tonumber(vars.code),
                text = vars.text, seconds = tonumber(vars.seconds),
                delay = tonumber(vars.delay), length = tonumber(vars.length) }
end
local srv = server.new{ relay = "open", faults = faults }
srv:listen{ quiet = true }
srv:serve()
