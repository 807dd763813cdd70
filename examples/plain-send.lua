-- plain-send.lua: deliver one message to a local recipient, no AUTH.
--   smtprun run --server 127.0.0.1:25 -D to=postmaster@example.test examples/plain-send.lua
local to = vars.to or "postmaster@example.test"
local from = vars.from or "sender@example.test"

local s = smtp.connect()
s:expect(220)                          -- the greeting
local caps = s:ehlo("client.example.test")
s:mail_from(from, caps["8BITMIME"] and "BODY=8BITMIME" or nil)
s:rcpt_to(to)
s:data(smtp.message { from = from, to = to, subject = "hello from smtprun",
                      body = "Lines that start with a dot\n.are dot-stuffed for you.\n" })
s:quit()
