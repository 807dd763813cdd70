-- article-server.lua: the server of the SMTP-AUTH LOGIN article, to type the
-- session by hand (what "smtprun demo --serve" runs):
--
--   smtprun serve --port 2525 -D user=alice@example.test -D password=secret \
--       scripts/article-server.lua
--
-- It prints "listening on 127.0.0.1:PORT" once it accepts connections and
-- serves until SIGINT or SIGTERM. Mail to example.test is accepted; relaying
-- elsewhere needs AUTH LOGIN or PLAIN with the account given.
local article = require "smtp.article"
local server = require "smtp.server"

local user, password = smtp.need("user"), smtp.need("password")
-- -D max_sessions=, max_size=, keep_messages=, command_timeout=, ... (the
-- server role's limits; see docs/server.md).
local opts = server.limits_from(vars)
opts.user, opts.password = user, password
local srv = article.new(opts)
srv:listen{ host = vars.host or "127.0.0.1" }
io.stdout:write(("demo account: user %s, password %s\n"):format(user, password))
io.stdout:flush()
srv:serve()
