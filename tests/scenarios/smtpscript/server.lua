-- server.lua: the server the smtpscript files of this directory run against
-- (tests/integration/smtpscript.sh starts it with `smtprun serve`; it runs
-- until stopped). Mail for example.test is accepted, relaying never; it
-- offers STARTTLS with a self-signed certificate; and a few faults give the
-- replies smtpscript distinguishes:
--   RCPT TO:<busy@...>   451 (tempfail)
--   VRFY lines           a 550 reply of two lines
--   VRFY tab             a 550 reply with a tab in its text
--   NOOP shutdown        421, then the connection closed
--   anything unknown     502 (permfail)
local server = require "smtp.server"

local cert, key = smtp.tls_selfsigned("mail.example.test")
local srv = server.new{
  hostname = "mail.example.test",
  local_domains = { "example.test" },
  relay = "never",
  tls = { cert_pem = cert, key_pem = key },
  faults = {
    { on = "RCPT", match = "busy@", action = "reject", code = 451,
      text = "4.3.0 Try again later" },
    { on = "VRFY", match = "lines", action = "reject", code = 550,
      text = "5.1.1 first line\n5.1.1 second line" },
    { on = "VRFY", match = "tab", action = "reject", code = 550, text = "5.1.1 a\ttab" },
    { on = "NOOP", match = "shutdown", action = "shutdown" },
  },
}
srv:listen{}
srv:serve{}
