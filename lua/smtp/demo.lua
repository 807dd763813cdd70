-- smtp/demo.lua: what "smtprun demo" runs before the article's scenario:
-- the article's server on 127.0.0.1 (a free port, or --port), quiet, serving
-- in a task of its own, and made the scenario's default target.
local smtp = require "smtp"
local article = require "smtp.article"
local server = require "smtp.server"

return function(vars)
  local opts = server.limits_from(vars)
  opts.user, opts.password = vars.user, vars.password
  local srv = article.new(opts)
  local l = srv:listen{ host = "127.0.0.1", port = smtp.config().listen_port, quiet = true }
  io.stdout:write(("demo account: user %s, password %s\n"):format(vars.user, vars.password))
  io.stdout:flush()
  smtp.set_target("127.0.0.1", tostring(l:port()))
  srv:start()
end
