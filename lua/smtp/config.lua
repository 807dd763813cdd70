-- smtp/config.lua: the --config file (or ./smtprun.yaml), read strictly.
--
--   targets:
--     staging:
--       host: mail.staging.example.com
--       port: 587
--       tls: starttls            # none | starttls | implicit
--       verify: true
--       cafile: ca.pem
--       user: qa@example.com
--       password: ${SMTP_PASSWORD}   # ${NAME} / ${NAME:-default}: the environment
--   target: staging              # used when --target is not given
--   timeouts: { wait: 30, case: 120, file: 600 }
--   variables: { from: qa@example.com }
--
-- load(path, target) returns the settings the runner applies (-D and
-- --server still win over them).

local Y = require "smtp.yaml"

local config = {}

local TOP = { targets = true, target = true, timeouts = true, variables = true }
local TARGET = { host = true, port = true, tls = true, verify = true, cafile = true,
                 user = true, password = true }
local TIMEOUTS = { wait = true, case = true, file = true }

function config.load(path, want)
  local root = Y.load(path, "a mapping of targets, target, timeouts or variables")
  local c = Y.checker(path, os.getenv)
  local out = { vars = {} }
  local top = c.map(root, "the configuration", TOP)

  local name = want or (top.target and c.str(top.target, "target"))
  if top.targets then
    local targets = c.map(top.targets, "targets", setmetatable({}, { __index = function() return true end }))
    if name and not targets[name] then
      local names = {}
      for _, k in ipairs(top.targets.keys) do names[#names + 1] = k end
      Y.fail(path, want and nil or top.target, ("no target named %q (there are: %s)")
        :format(name, #names > 0 and table.concat(names, ", ") or "none"))
    end
    if name then
      local t = c.map(targets[name], "target " .. name, TARGET, { "host" })
      out.target = name
      out.host = c.str(t.host, "host")
      if t.port then
        local p = c.num(t.port, "port")
        if p < 1 or p > 65535 or p % 1 ~= 0 then Y.fail(path, t.port, "port: expected 1-65535") end
        out.port = tostring(p)
      end
      if t.tls then
        out.tls = c.str(t.tls, "tls")
        if out.tls ~= "none" and out.tls ~= "starttls" and out.tls ~= "implicit" then
          Y.fail(path, t.tls, "tls: expected none, starttls or implicit, got " .. out.tls)
        end
      end
      if t.verify then out.verify = c.bool(t.verify, "verify") end
      if t.cafile then out.cafile = c.str(t.cafile, "cafile") end
      if t.user then out.vars.user = c.str(t.user, "user") end
      if t.password then out.vars.password = c.str(t.password, "password") end
      if out.tls then out.vars.tls = out.tls end
    end
  elseif want then
    Y.fail(path, nil, ("no target named %q: the file has no targets"):format(want))
  end
  if top.timeouts then
    local t = c.map(top.timeouts, "timeouts", TIMEOUTS)
    for k, node in pairs(t) do
      local v = c.num(node, "timeouts." .. k)
      if v <= 0 then Y.fail(path, node, "timeouts." .. k .. ": expected seconds > 0") end
      out[k .. "_timeout"] = v
    end
  end
  if top.variables then
    local v = c.map(top.variables, "variables", setmetatable({}, { __index = function() return true end }))
    for k, node in pairs(v) do out.vars[k] = c.str(node, "variable " .. k) end
  end
  return out
end

return config
