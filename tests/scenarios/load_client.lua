-- load_client.lua: one message to u<session>@example.test (load tests).
local s = smtp.connect()
s:greeting()
s:ehlo("client.example.test")
s:mail_from("load@example.test")
s:rcpt_to(("u%d@example.test"):format(vars.session))
s:data("Subject: load\r\n\r\nsession " .. vars.session .. "\r\n")
s:quit()
