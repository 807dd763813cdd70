-- send.lua: the transaction of a load run, set with -D (every one optional).
--   smtprun load -c 10 -n 1000 -s 127.0.0.1:2525 scripts/load/send.lua
--
--   messages=N    messages per connection (1); each is MAIL, RCPT, DATA
--   rcpts=N       recipients per message (1)
--   size=BYTES    body size of each message (about 100 bytes when not set)
--   from=, to=    the envelope (to gets the session's number: user+N@...)
--   helo=NAME     the EHLO name (load.example.test)
--   starttls=1    STARTTLS after EHLO (then EHLO again); tls=1: implicit TLS
--   user=, password=  AUTH after EHLO (mech=PLAIN by default, or LOGIN,
--                 CRAM-MD5, SCRAM-SHA-256, ...)
local n = tonumber(vars.messages or 1)
local rcpts = tonumber(vars.rcpts or 1)
local from = vars.from or "load@example.test"
local to = vars.to or "sink@example.test"
local helo = vars.helo or "load.example.test"

local body
if vars.size then
  local line = ("x"):rep(76) .. "\r\n"
  local size = tonumber(vars.size)
  body = line:rep(size // #line) .. ("y"):rep(size % #line)
else
  body = "A message of smtprun's load mode.\r\n"
end
local message = "From: <" .. from .. ">\r\nTo: <" .. to .. ">\r\nSubject: load " ..
  vars.session .. "\r\n\r\n" .. body .. "\r\n"

local s = smtp.connect{ tls = vars.tls == "1" or nil }
s:greeting()
local caps = s:ehlo(helo)
if vars.starttls == "1" then
  s:starttls()
  caps = s:ehlo(helo)
end
if vars.user then
  s:auth(vars.mech or (caps.AUTH and caps.AUTH.PLAIN and "PLAIN") or "LOGIN",
         vars.user, smtp.need("password"))
end
for _ = 1, n do
  s:mail_from(from)
  for r = 1, rcpts do
    s:rcpt_to(rcpts == 1 and to or to:gsub("@", "+" .. r .. "@"))
  end
  s:data(message)
end
s:quit()
