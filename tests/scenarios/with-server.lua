-- with-server.lua: runs the scenario named by -D scenario=FILE against an
-- in-process smtp.server, made the default target. -D vulnerable=1 makes the
-- server keep plaintext sent before its STARTTLS handshake (CVE-2011-0411).
local server = require "smtp.server"

local cert, key = smtp.tls_selfsigned("mail.example.test")
local srv = server.new{
  relay = "open", tls = { cert_pem = cert, key_pem = key },
  starttls_vulnerable = vars.vulnerable == "1",
  auth = { "SCRAM-SHA-256", "PLAIN" }, users = { alice = "pw" },
}
local l = srv:listen{ quiet = true }
srv:start()
smtp.set_target("127.0.0.1", tostring(l:port()))
dofile(smtp.need("scenario"))
