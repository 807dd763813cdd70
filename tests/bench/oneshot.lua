-- tests/bench/run, "one-shot" row: one session, one message, as swaks and
-- `smtp-source -m 1` send it.
local s = smtp.connect()
s:greeting()
s:ehlo()
s:mail_from(vars.from or "bench@example.test")
s:rcpt_to(vars.to or "sink@example.test")
s:data("Subject: smtprun bench\r\n\r\nbench\r\n")
s:quit()
