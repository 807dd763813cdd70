-- article-auth-login.lua: the SMTP-AUTH LOGIN session of the classic telnet
-- article ("Connecting to Your SMTP Server with the SMTP-AUTH Login Command"),
-- replayed step by step.
--
--   1. greeting, EHLO, MAIL FROM, RCPT TO an external address: refused (5xx),
--      because the server does not relay for unauthenticated clients;
--   2. RSET, then AUTH LOGIN: 334 "Username:", base64(user), 334 "Password:",
--      base64(password), 235;
--   3. MAIL FROM, the same RCPT TO, now accepted; DATA with a short message;
--      QUIT.
--
-- It asserts what the article shows, not one server's wording, so it passes
-- against any server with the same policy (Postfix, Exim, OpenSMTPD, ...).
--
-- Target: --server HOST[:PORT] (or SMTPRUN_SERVER).
-- Variables (-D NAME=VALUE):
--   user      required: the account to authenticate as (e.g. alice@example.test)
--   password  required: its password (redacted in transcripts)
--   from      envelope sender; default: user if it is an address,
--             else smtprun@example.test
--   to        a recipient in a domain the server does not handle, so that
--             sending to it is relaying; default: relay-test@example.net
--   helo      the EHLO name; default: client.example.test
--
-- Example:
--   smtprun run -v --server 127.0.0.1:25 -D user=alice@example.test \
--       -D password=secret scripts/article-auth-login.lua

local user = smtp.need("user")
local password = smtp.need("password")
local from = vars.from or (user:find("@") and user) or "smtprun@example.test"
local to = vars.to or "relay-test@example.net"
local helo = vars.helo or "client.example.test"

local s = smtp.connect()
s:greeting()
local caps = s:ehlo(helo)
if not (caps.AUTH and caps.AUTH.LOGIN) then
  smtp.note("note: the server does not advertise AUTH LOGIN; trying it all the same")
end

-- Without authentication, an external recipient is relaying: refused.
s:mail_from(from)
s:rcpt_to(to, { expect = "5xx" })

-- Start the envelope again, authenticated this time.
s:rset()
s:auth_login(user, password)          -- 334 Username: / 334 Password: / 235
s:mail_from(from)
s:rcpt_to(to)                         -- the same recipient, now accepted
s:data(smtp.message {
  from = from,
  to = to,
  subject = "SMTP-AUTH LOGIN test",
  body = "This message was sent by smtprun, replaying the SMTP-AUTH LOGIN\n" ..
         "session of the telnet article after authenticating.\n",
})
s:quit()
