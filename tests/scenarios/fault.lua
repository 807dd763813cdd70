-- fault.lua: a client session against the built-in server with one fault
-- switched on. -D on=VERB -D action=NAME (and code, text, seconds, delay,
-- length, hide); -D timeout for the client's waits. The client does a plain
-- send; the test checks how it fails.
local server = require "smtp.server"

local faults = {}
if vars.action then
  faults[1] = { on = smtp.need("on"), action = vars.action, code = tonumber(vars.code),
                text = vars.text, seconds = tonumber(vars.seconds),
                delay = tonumber(vars.delay), length = tonumber(vars.length) }
end
local srv = server.new{ relay = "open", faults = faults,
                        hide = vars.hide and { vars.hide } or nil }
local l = srv:listen{ quiet = vars.server_transcript == nil }
srv:start()

local s = smtp.connect{ host = "127.0.0.1", port = l:port(),
                        timeout = tonumber(vars.timeout) or 2 }
s:greeting()
local caps = s:ehlo("client.example.test")
if vars.hide then
  assert(not caps[vars.hide], vars.hide .. " advertised although hidden")
end
s:mail_from("a@example.test")
s:rcpt_to("b@example.test")
s:data("Subject: fault test\n\nhello\n")
s:quit()
assert(#srv.messages == 1 and srv.messages[1].data == "Subject: fault test\r\n\r\nhello\r\n",
  "the server got the message")
