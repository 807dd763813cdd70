-- wrong-password.lua: AUTH LOGIN with a bad password must get 535, and the
-- server must still talk to us afterwards.
--   smtprun run --server 127.0.0.1:25 -D user=alice@example.test examples/wrong-password.lua
local user = smtp.need("user")

local s = smtp.connect()
s:expect(220)
local caps = s:ehlo("client.example.test")
assert(caps.AUTH and caps.AUTH.LOGIN, "the server does not offer AUTH LOGIN")
local r = s:auth_login(user, "certainly-not-the-password", { expect = 535 })
smtp.note("rejected as it should be: " .. r.code .. " " .. r.text)
s:noop()
s:quit()
