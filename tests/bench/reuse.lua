-- tests/bench/run, "transcript" and "instructions (run)" rows: one
-- connection, vars.messages messages over it (default 100).
local n = tonumber(vars.messages or "100")
local msg = "Subject: smtprun bench\r\n\r\nbench\r\n"
local s = smtp.connect()
s:greeting()
s:ehlo()
for _ = 1, n do
  s:mail_from("bench@example.test")
  s:rcpt_to("sink@example.test")
  s:data(msg)
end
s:quit()
