-- auth-cleartext.lua: does the server offer or accept AUTH before STARTTLS,
-- so that clients send their passwords in clear? It never sends real
-- credentials: it probes with a random throwaway user name and password,
-- by AUTH PLAIN (or LOGIN) without an initial response, so that a server
-- that refuses AUTH in clear answers before any secret is sent.
--
--   VULNERABLE    AUTH PLAIN or LOGIN advertised before STARTTLS (clients
--                 that trust the advertisement send the password with their
--                 AUTH line, before any refusal), or XOAUTH2 or OAUTHBEARER
--                 (the same for a bearer token, as good as a password while
--                 it lasts: never probed, a token is not made up), or the throwaway
--                 credentials were asked for in clear (a 334 to AUTH, then
--                 535, or worse 235)
--   SAFE          no password mechanism advertised in clear, and the probe
--                 refused before credentials (530 / 538 5.7.0 "Must issue a
--                 STARTTLS command first", 502, 503, 504): the safe setup
--                 advertises AUTH only after STARTTLS
--   INCONCLUSIVE  never: a session that is TLS from the start (implicit TLS)
--                 is SAFE
--
-- Target: --server HOST[:PORT]. Variables: helo (default check.example.test).
local check = require "smtp.check"

-- What the transcript and the evidence show of the throwaway secrets.
local REDACTED = "[throwaway credentials redacted]"

-- AUTH mech without initial response, then the throwaway credentials if
-- the server asks for them. Returns the last reply, a one-line account, and
-- whether the credentials were sent (a 334 came).
local function probe(s, mech)
  local user, pass = "smtprun-check-" .. check.token(), check.token(12)
  s:send("AUTH " .. mech)
  local r = s:reply()
  local said = check.exchange("AUTH " .. mech, r)
  if r.code ~= 334 then return r, said, false end
  if mech == "PLAIN" then
    s:send(smtp.sasl_plain(user, pass), { redact = REDACTED })
  else
    s:send(smtp.b64encode(user), { redact = REDACTED })
    r = s:reply()
    if r.code ~= 334 then return r, said .. "; " .. check.exchange(REDACTED, r), true end
    s:send(smtp.b64encode(pass), { redact = REDACTED })
  end
  r = s:reply()
  return r, said .. "; " .. check.exchange(REDACTED, r), true
end

check.define("auth-cleartext", function()
  local helo = vars.helo or "check.example.test"
  local s = check.connect()
  if s:tls_info() then
    check.safe("the session is TLS from the connection on (implicit TLS): no AUTH in clear")
  end
  local caps = check.ehlo(s, helo)
  local offered = caps.AUTH or {}
  local advertised = #offered > 0 and ("EHLO -> AUTH " .. table.concat(offered, " ")) or nil
  local in_clear = offered.PLAIN and "PLAIN" or offered.LOGIN and "LOGIN" or nil
  local _, said, sent = probe(s, in_clear or "PLAIN")
  local secret = "password"
  if not in_clear then
    -- Bearer tokens cross in clear too with these.
    in_clear = offered.XOAUTH2 and "XOAUTH2" or offered.OAUTHBEARER and "OAUTHBEARER" or nil
    secret = "bearer token"
  end
  s:quit()

  if sent then
    check.vulnerable(("%sthe server took throwaway credentials in clear, before STARTTLS: %s")
      :format(advertised and advertised .. " before STARTTLS; " or "AUTH not advertised, but ",
        said))
  end
  if in_clear then
    check.vulnerable(("%s before STARTTLS (a client sends its %s with AUTH %s " ..
      "before any refusal); %s"):format(advertised, secret, in_clear, said))
  end
  if advertised then
    check.safe(("%s before STARTTLS: no password mechanism in clear; %s"):format(advertised, said))
  end
  check.safe(("no AUTH advertised before STARTTLS%s; %s"):format(
    caps.STARTTLS and "" or " (and no STARTTLS)", said))
end)
