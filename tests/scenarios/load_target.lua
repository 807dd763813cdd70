-- load_target.lua: the server role as the target of load tests. Serves until
-- a signal stops it. With -D faults=1, RCPT faults by the recipient's number
-- (u<session>@...), a known fraction each: ...0 (10%) 451 reject, ...3 (10%)
-- no reply (the client times out), ...7 (10%) connection closed mid-reply.
-- -D stall=S: the first MAIL FROM waits S seconds before its reply.
-- -D tls=1: STARTTLS offered (a self-signed certificate, made at the first).
local server = require "smtp.server"

local faults = {}
if vars.faults == "1" then
  faults = {
    { on = "RCPT", match = "<u%d*0@", action = "reject", code = 451,
      text = "4.3.0 Try again later" },
    { on = "RCPT", match = "<u%d*3@", action = "silent" },
    { on = "RCPT", match = "<u%d*7@", action = "close_mid_reply" },
  }
end
if vars.stall then
  faults[#faults + 1] = { on = "MAIL", action = "delay", seconds = tonumber(vars.stall),
                          times = 1 }
end
local tls
if vars.tls == "1" then
  tls = function()
    local cert, key = smtp.tls_selfsigned("mail.example.test")
    return { cert_pem = cert, key_pem = key }
  end
end
local srv = server.new{ relay = "open", auth = { "PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-256" },
                        users = { alice = "secret" }, faults = faults, tls = tls,
                        max_sessions = 5000, keep_messages = 0 }
srv:listen{}
srv:serve{}
