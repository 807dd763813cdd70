-- open-relay.lua: does the server relay mail for a client that has not
-- authenticated? An open relay forwards anyone's mail to anywhere.
--
-- Each probe is one transaction: MAIL FROM, one RCPT, then RSET (never
-- DATA, so nothing is sent even through a truly open relay; and the
-- external recipients are on the reserved name relay-test.example, which
-- cannot be delivered to). The probes:
--   plain         RCPT TO:<relay-test@relay-test.example>, unauthenticated
--   after AUTH    the same after an AUTH with a random, throwaway user name
--                 and password was refused (when AUTH is offered; never real
--                 credentials)
--   the address tricks relays have fallen for, with LOCAL the local domain:
--   percent hack  user%relay-test.example@LOCAL
--   source route  @LOCAL:user@relay-test.example
--   quoted        "user@relay-test.example"@LOCAL
--   double @      user@relay-test.example@LOCAL
--
-- VULNERABLE when the server accepts (2xx) any probe's RCPT, naming it;
-- SAFE when it refuses (4xx or 5xx) every one, with the plain probe's
-- refusal as evidence. A trick address accepted may be taken for a local
-- mailbox rather than relayed; without sending the message the check cannot
-- tell, and a relay that accepts it is what the trick looks for.
--
-- Target: --server HOST[:PORT]. Variables (-D NAME=VALUE):
--   local_domain  the server's own domain (default: the domain of the
--                 greeting's host name: mail.example.test -> example.test);
--                 without one the address tricks are left out
--   from          the envelope sender (default smtprun-check@relay-test.example)
--   helo          the EHLO name (default check.smtprun.example)
local check = require "smtp.check"

local EXTERNAL = "relay-test.example"

-- MAIL FROM, RCPT TO:<addr>, RSET: the RCPT's reply, or nil and the
-- evidence when the MAIL was refused.
local function probe(s, addr, local_domain)
  s:send("MAIL FROM:<" .. check.sender() .. ">")
  local m = s:reply()
  if m.code >= 300 then
    return nil, check.exchange("MAIL FROM:<" .. check.sender() .. ">", m)
  end
  local r = check.rcpt(s, addr, local_domain)
  s:send("RSET")
  s:reply()
  return r
end

-- The failed AUTH: a mechanism the server offers, with a random user and
-- password. Returns the reply, and a description for the evidence.
local function failed_auth(s, caps)
  local offered = caps.AUTH
  local mech
  for _, m in ipairs{ "PLAIN", "LOGIN", "CRAM-MD5" } do
    if offered[m] then mech = m; break end
  end
  mech = mech or offered[1]
  local user = "relay-check-" .. check.token(4)
  local r = s:auth(mech, user, check.token(12), { expect = { "2xx", "4xx", "5xx" } })
  return r, ("AUTH %s (random credentials) -> %d"):format(mech, r.code)
end

check.define("open-relay", function()
  local s = check.connect()
  local caps = check.ehlo(s, check.helo())
  local local_domain = check.local_domain(s)

  local probes = { { name = "unauthenticated", addr = "relay-test@" .. EXTERNAL } }
  if local_domain then
    for _, p in ipairs{
      { "percent hack", "user%" .. EXTERNAL .. "@" .. local_domain },
      { "source route", "@" .. local_domain .. ":user@" .. EXTERNAL },
      { "quoted local part", '"user@' .. EXTERNAL .. '"@' .. local_domain },
      { "double @", "user@" .. EXTERNAL .. "@" .. local_domain },
    } do
      probes[#probes + 1] = { name = p[1], addr = p[2] }
    end
  end

  local accepted, decisive = {}, nil
  for _, p in ipairs(probes) do
    local r, refused = probe(s, p.addr, local_domain)
    if not r then
      check.inconclusive(refused .. " (give a sender it accepts: -D from=)")
    end
    local ev = check.exchange("RCPT TO:<" .. p.addr .. ">", r) .. " (" .. p.name .. ")"
    if r.code < 300 then
      accepted[#accepted + 1] = { ev = ev, name = p.name }
    elseif not decisive then
      decisive = ev
    end
  end

  -- After a failed AUTH: some servers relay once AUTH was tried at all.
  local after_auth = "AUTH not offered"
  if caps.AUTH and #caps.AUTH > 0 then
    local r, what = failed_auth(s, caps)
    local addr = "relay-test@" .. EXTERNAL
    if r.code == 235 then
      -- It took random credentials: whatever comes next is relaying for
      -- anyone.
      after_auth = what
    end
    local rr, refused = probe(s, addr, local_domain)
    if not rr then check.inconclusive(refused .. " after " .. what) end
    local ev = check.exchange("RCPT TO:<" .. addr .. ">", rr) .. " (after " .. what .. ")"
    if rr.code < 300 then
      accepted[#accepted + 1] = { ev = ev, name = "after " .. what }
    else
      after_auth = "also refused after " .. what
    end
  end
  pcall(s.quit, s)

  if #accepted > 0 then
    local others = {}
    for i = 2, #accepted do others[#others + 1] = accepted[i].name end
    check.vulnerable(accepted[1].ev .. (#others > 0 and "; also accepted: " ..
      table.concat(others, ", ") or ""))
  end
  local tricks = local_domain and ("the 4 address tricks refused")
    or "address tricks not tried (no local domain: -D local_domain=)"
  check.safe(("%s; %s; %s"):format(decisive, tricks, after_auth))
end)
