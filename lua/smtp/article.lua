-- smtp/article.lua: a server that behaves like the one in the SMTP-AUTH LOGIN
-- article. Greeting 220; EHLO advertises AUTH LOGIN PLAIN; mail to
-- example.test is accepted, relaying anywhere else is refused
-- ("554 5.7.1 <...>: Relay access denied") until the client authenticates;
-- AUTH LOGIN answers "334 VXNlcm5hbWU6", "334 UGFzc3dvcmQ6" and
-- "235 2.7.0 Authentication successful". It also offers STARTTLS, with a
-- self-signed certificate for mail.example.test made at the first STARTTLS, and the
-- other SASL mechanisms smtprun knows (for XOAUTH2 and OAUTHBEARER the
-- password is the bearer token).
local smtp = require "smtp"
local server = require "smtp.server"

local article = {}

-- opts: user, password (the demo account), and any smtp.server option.
function article.new(opts)
  local cfg = {
    hostname = "mail.example.test",
    greeting = "mail.example.test ESMTP smtprun article server",
    auth = { "LOGIN", "PLAIN", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256", "XOAUTH2",
             "OAUTHBEARER" },
    tokens = { [opts.user] = opts.password },   -- the password doubles as a token
    -- Made at the first STARTTLS: the article's own session never uses it,
    -- and an RSA key is most of what the demo would otherwise spend.
    tls = function()
      local cert, key = smtp.tls_selfsigned("mail.example.test")
      return { cert_pem = cert, key_pem = key }
    end,
    users = { [opts.user] = opts.password },
    local_domains = { "example.test" },
    relay = "auth",
  }
  for k, v in pairs(opts) do
    if k ~= "user" and k ~= "password" then cfg[k] = v end
  end
  return server.new(cfg)
end

return article
