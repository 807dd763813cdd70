-- load_target.lua: the server role as the target of load tests. Serves until
-- a signal stops it. With -D faults=1, RCPT faults by the recipient's number
-- (u<session>@...), a known fraction each: ...0 (10%) 451 reject, ...3 (10%)
-- no reply (the client times out), ...7 (10%) connection closed mid-reply.
-- -D stall=S: the first MAIL FROM waits S seconds before its reply.
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
local srv = server.new{ relay = "open", auth = { "PLAIN", "LOGIN" },
                        users = { alice = "secret" }, faults = faults,
                        max_sessions = 5000, keep_messages = 0 }
srv:listen{}
srv:serve{}
