-- sink.lua: accepts mail from a real client (swaks, smtplib) for the tests.
-- Serves vars.sessions connections (default 1), then writes what arrived:
-- vars.out .. ".env" gets "MAIL <from>", "RCPT <to>"... per message and
-- vars.out .. ".N" the message data N exactly as received (dot-stuffing undone).
local server = require "smtp.server"

local out = smtp.need("out")
local srv = server.new{ relay = "open", auth = { "LOGIN", "PLAIN" },
                        users = { alice = "secret" }, strict = true }
srv:listen{}
srv:serve{ sessions = tonumber(vars.sessions) or 1, timeout = 20 }
smtp.wait_all{ timeout = 20 }

local env = assert(io.open(out .. ".env", "w"))
for i, m in ipairs(srv.messages) do
  env:write(("MESSAGE %d\nHELO %s\nAUTH %s\nMAIL %s\n"):format(i, m.helo, m.user or "-", m.from))
  for _, to in ipairs(m.to) do env:write(("RCPT %s\n"):format(to)) end
  local f = assert(io.open(out .. "." .. i, "wb"))
  f:write(m.data)
  f:close()
end
env:close()
