-- attacked_server.lua: the ready server role (smtp.server) for the
-- hostile-client suite (tests/integration/hostile_client.sh, issue 10),
-- run by `smtprun serve`. The hardening options come from -D variables:
--
--   max_sessions, keep_messages, max_size, record_max, command_timeout,
--   data_timeout, line_max, scram_iterations   numbers
--   strict_line_endings                        "1" or "true"
--   on_message=1     a callback takes each message (nothing stored)
--   status=FILE      what the server holds, rewritten as it changes:
--                    "stored=N accepted=A dropped=D taken=T bare_lf=B"
--                    (A, D "nil" when the server role does not count them;
--                    B the newest message's bare_lf)
--
-- The account is alice@example.test / secret (LOGIN, PLAIN, SCRAM-SHA-256);
-- mail to example.test is accepted without AUTH.
local server = require "smtp.server"

local function num(name)
  local v = vars[name]
  if v == nil then return nil end
  return assert(tonumber(v), ("-D %s=%s: not a number"):format(name, v))
end

local strict = vars.strict_line_endings
local taken, last_bare_lf = 0, nil
local srv
srv = server.new{
  hostname = "mail.example.test",
  users = { ["alice@example.test"] = "secret" },
  auth = { "LOGIN", "PLAIN", "SCRAM-SHA-256" },
  local_domains = { "example.test" },
  max_sessions = num "max_sessions",
  keep_messages = num "keep_messages",
  max_size = num "max_size",
  record_max = num "record_max",
  command_timeout = num "command_timeout",
  data_timeout = num "data_timeout",
  line_max = num "line_max",
  scram_iterations = num "scram_iterations",
  strict_line_endings = strict ~= nil and (strict == "1" or strict == "true") or nil,
  on_message = vars.on_message == "1" and function(msg, s)
    assert(s == srv, "on_message: the second argument is not the server")
    taken = taken + 1
    last_bare_lf = msg.bare_lf
  end or nil,
}

local function status()
  local newest = srv.messages[#srv.messages]
  local bare = last_bare_lf
  if vars.on_message ~= "1" then bare = newest and newest.bare_lf end
  return ("stored=%d accepted=%s dropped=%s taken=%d bare_lf=%s\n"):format(#srv.messages,
    tostring(srv.accepted), tostring(srv.dropped), taken, tostring(bare == true))
end

-- Written to FILE.tmp, then renamed: a reader never sees half a line.
if vars.status then
  local path = vars.status
  smtp.spawn(function()
    local last
    while true do
      local s = status()
      if s ~= last then
        local f = assert(io.open(path .. ".tmp", "w"))
        f:write(s)
        f:close()
        assert(os.rename(path .. ".tmp", path))
        last = s
      end
      smtp.sleep(0.05)
    end
  end)
end

srv:listen{}
srv:serve()
