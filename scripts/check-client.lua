-- check-client.lua: what "smtprun check-client" runs: a server that judges
-- the SMTP clients connecting to it (see lua/smtp/checkclient.lua and
-- docs/security.md). The command line passes its options as variables:
--
--   smtprun serve -D listen_host=127.0.0.1 -D once=1 -D bad_cert=1 \
--       -D fail=451 scripts/check-client.lua
--
-- listen_host, listen_port (0: any free one), once, bad_cert, fail (421 or
-- 451), json (a path), retry_window (seconds, 5), retry_limit (3),
-- hostname, and the server role's limits (max_size, command_timeout, ...).
local checkclient = require "smtp.checkclient"

local function flag(v) return v ~= nil and v ~= "" and v ~= "0" end

local opts = {}
for k, v in pairs(vars) do opts[k] = v end
opts.once, opts.bad_cert = flag(vars.once), flag(vars.bad_cert)
opts.fail = vars.fail ~= "" and vars.fail or nil
opts.json = vars.json ~= "" and vars.json or nil
opts.window, opts.retry_limit = vars.retry_window, vars.retry_limit
local judge = checkclient.new(opts)
judge:listen{ host = vars.listen_host or "127.0.0.1", port = tonumber(vars.listen_port) }
judge:run()
