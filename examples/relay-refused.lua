-- relay-refused.lua: an unauthenticated client must not relay to an outside
-- domain. Any 5xx passes (Postfix says "554 5.7.1 ... Relay access denied").
--   smtprun run --server 127.0.0.1:25 examples/relay-refused.lua
local s = smtp.connect()
s:expect(220)
s:ehlo("client.example.test")
s:mail_from(vars.from or "sender@example.test")
local r = s:rcpt_to(vars.to or "someone@example.net", { expect = "5xx" })
smtp.note(("relay refused with %d %s"):format(r.code, r.enhanced or ""))
s:quit()
