-- tests/bench/run, "idle sessions" row, for `smtprun load`: each session
-- connects, reads the greeting and holds the connection vars.hold seconds
-- (default 10) before QUIT, so that all of them are open at once.
local s = smtp.connect()
s:greeting()
smtp.sleep(tonumber(vars.hold or "10"))
s:quit()
