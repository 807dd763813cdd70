-- checked_server.lua: the ready server role (smtp.server) configured safe or
-- vulnerable for the security checks (tests/integration/security_checks_b.sh),
-- run by `smtprun serve`. Safe by default; -D variables change it:
--
--   tls=0            no STARTTLS at all
--   cert_out=FILE    write the server's self-signed certificate there (the
--                    test's --cafile)
--   cert_name=NAME   the name the certificate is for (mail.example.test)
--   tls_min=TLSv1    accept TLS versions from this one (at security level 0)
--   injection=1      keep what came before the TLS handshake (CVE-2011-0411)
--   auth_clear=1     offer and take AUTH before STARTTLS (else 530 5.7.0)
--   vrfy=1           VRFY answers 250 / 550 for known / unknown users
--   slow_unknown=S   RCPTs for nobody-* (the checks' random users) answered
--                    after S seconds of silence: a timing oracle
--   error_limit=N    421 and closed after N error replies in a session
--                    (Postfix's smtpd_hard_error_limit)
--   auth=MECHS       the AUTH mechanisms offered, comma-separated (default
--                    PLAIN,LOGIN), e.g. XOAUTH2,OAUTHBEARER
--   slow_rset=S      RSET answered after S seconds (a late injected reply)
--
-- Mail domain example.test, users alice@example.test and postmaster.
local server = require "smtp.server"

local cert, key = smtp.tls_selfsigned(vars.cert_name or "mail.example.test")
if vars.cert_out then
  local f = assert(io.open(vars.cert_out, "w"))
  f:write(cert)
  f:close()
end
local tls
if vars.tls ~= "0" then
  tls = { cert_pem = cert, key_pem = key }
  if vars.tls_min then tls.min_version, tls.ciphers = vars.tls_min, "DEFAULT:@SECLEVEL=0" end
end
local faults = {}
if vars.slow_unknown then
  faults[1] = { on = "RCPT", match = "<nobody%-", action = "delay",
                seconds = assert(tonumber(vars.slow_unknown), "slow_unknown: seconds") }
end
if vars.slow_rset then
  faults[#faults + 1] = { on = "RSET", action = "delay",
                          seconds = assert(tonumber(vars.slow_rset), "slow_rset: seconds") }
end
local auth = { "PLAIN", "LOGIN" }
if vars.auth then
  auth = {}
  for m in vars.auth:gmatch("[^,]+") do auth[#auth + 1] = m end
end

local srv = server.new{
  hostname = "mail.example.test",
  users = { ["alice@example.test"] = "secret" },
  auth = auth,
  error_limit = vars.error_limit,
  local_domains = { "example.test" },
  tls = tls,
  starttls_vulnerable = vars.injection == "1",
  auth_requires_tls = vars.auth_clear ~= "1",
  vrfy = vars.vrfy == "1",
  faults = faults,
}
srv:listen{}
srv:serve()
