-- starttls-injection.lua: is the server vulnerable to STARTTLS command
-- injection (CVE-2011-0411 and its kin)? It sends "STARTTLS\r\nRSET\r\n" in
-- one write. A safe server throws away the RSET that came before the TLS
-- handshake; a vulnerable one keeps it and answers it inside TLS, where a
-- man in the middle could have put any command.
--
-- Passes when nothing comes back inside TLS; fails (exit 1) when the server
-- answers the injected RSET.
--
-- Target: --server HOST[:PORT]. Variables (-D NAME=VALUE):
--   wait     seconds to wait for an injected reply (default 2)
--   cafile   verify the certificate against this CA (default: no verification,
--            noted in the transcript: the check is about the protocol)
--   helo     the EHLO name (default injection-check.example.test)

local helo = vars.helo or "injection-check.example.test"
local s = smtp.connect()
s:greeting()
local caps = s:ehlo(helo)
if not caps.STARTTLS then
  smtp.fail("the server does not offer STARTTLS: nothing to check", "setup")
end

s:send_raw("STARTTLS\r\nRSET\r\n", { label = "'STARTTLS' and 'RSET' in one write" })
s:expect(220, nil, { kind = "tls", why = "STARTTLS refused" })
s:tls_handshake{ verify = vars.cafile ~= nil, cafile = vars.cafile }

local r = s:reply{ timeout = tonumber(vars.wait) or 2, silence_ok = true }  -- "===" if none
if r then
  smtp.fail(("VULNERABLE to STARTTLS command injection: the server answered %d %s " ..
    "inside TLS to the RSET sent before TLS (CVE-2011-0411)"):format(r.code, r.text), "expect")
end
smtp.note("not vulnerable: nothing came back inside TLS for the RSET sent before it")
s:ehlo(helo)
s:quit()
