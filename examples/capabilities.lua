-- capabilities.lua: check what the server advertises after EHLO.
--   smtprun run --server 127.0.0.1:25 examples/capabilities.lua
local s = smtp.connect()
s:expect(220)
local caps = s:ehlo("client.example.test")

assert(caps.PIPELINING, "PIPELINING not advertised")
assert(type(caps.SIZE) == "number", "SIZE not advertised")
assert(caps.AUTH, "no AUTH mechanisms")
smtp.note("AUTH mechanisms: " .. table.concat(caps.AUTH, " "))
smtp.note("message size limit: " .. caps.SIZE)
s:quit()
