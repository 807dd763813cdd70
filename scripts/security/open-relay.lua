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
-- Each reply is taken for what it is: 2xx accepted, 5xx refused, 4xx a
-- temporary refusal (greylisting) that proves nothing.
--   VULNERABLE    the plain probe, or the one after the failed AUTH, was
--                 accepted; or an address trick was accepted while a random
--                 local user (nobody-<random>@LOCAL, the control) is refused
--                 with a 5xx: the server told the trick from a local mailbox
--                 and took it
--   SAFE          the plain probe refused with a 5xx, and no probe accepted
--                 (tricks refused, or not tried without a local domain)
--   INCONCLUSIVE  the plain probe got no 5xx but a 4xx ("temporary refusal;
--                 rerun later"); or an address trick was accepted but so is
--                 the control (a catch-all local domain: any address @LOCAL
--                 is taken as a mailbox, so the trick's acceptance says
--                 nothing without sending the message, which the check never
--                 does); or the server ended every session (421)
-- A server that ends the session with a 421 (after too many errors, like
-- Postfix's smtpd_hard_error_limit) is reconnected to, and the check goes
-- on in the new session.
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
local function probe(ss, addr, local_domain)
  local r, refused = ss:rcpt(addr, local_domain, check.sender())
  ss:rset()
  return r, refused
end

-- The failed AUTH: a mechanism the server offers, with a random user and
-- password. Returns the reply (nil when the session ended under it), and a
-- description for the evidence.
local function failed_auth(ss, caps)
  local offered = caps.AUTH
  local mech
  for _, m in ipairs{ "PLAIN", "LOGIN", "CRAM-MD5" } do
    if offered[m] then mech = m; break end
  end
  mech = mech or offered[1]
  local user = "relay-check-" .. check.token(4)
  local ok, r = pcall(ss.s.auth, ss.s, mech, user, check.token(12),
    { expect = { "2xx", "4xx", "5xx" } })
  if not ok and not (type(r) == "table" and r.kind == "closed") then error(r, 0) end
  if not ok or r.code == 421 then
    ss.dead = true
    ss.ended = ok and check.exchange("AUTH " .. mech, r) or ("AUTH " .. mech .. " -> " ..
      tostring(r.message))
    return nil, ("AUTH %s (random credentials) -> %s"):format(mech,
      ok and r.code or "connection lost")
  end
  return r, ("AUTH %s (random credentials) -> %d"):format(mech, r.code)
end

check.define("open-relay", function()
  local ss = check.session(check.helo())
  local caps = ss.caps
  local local_domain = check.local_domain(ss.s)

  local probes = { { name = "unauthenticated", addr = "relay-test@" .. EXTERNAL } }
  if local_domain then
    for _, p in ipairs{
      { "percent hack", "user%" .. EXTERNAL .. "@" .. local_domain },
      { "source route", "@" .. local_domain .. ":user@" .. EXTERNAL },
      { "quoted local part", '"user@' .. EXTERNAL .. '"@' .. local_domain },
      { "double @", "user@" .. EXTERNAL .. "@" .. local_domain },
    } do
      probes[#probes + 1] = { name = p[1], addr = p[2], trick = true }
    end
  end

  local accepted, tricks_ok, decisive, plain = {}, {}, nil, nil
  for _, p in ipairs(probes) do
    local r, refused = probe(ss, p.addr, local_domain)
    if not r then
      check.inconclusive(refused .. " (give a sender it accepts: -D from=)")
    end
    local ev = check.exchange("RCPT TO:<" .. p.addr .. ">", r) .. " (" .. p.name .. ")"
    if not plain then plain = { r = r, ev = ev } end
    if r.code < 300 then
      local list = p.trick and tricks_ok or accepted
      list[#list + 1] = { ev = ev, name = p.name }
    elseif r.code >= 500 and not decisive then
      decisive = ev
    end
  end

  -- A trick accepted: is any address @LOCAL accepted (a catch-all)? Then
  -- the trick may be taken for a mailbox, and its acceptance proves nothing.
  local control
  if #tricks_ok > 0 then
    local addr = ("nobody-%s@%s"):format(check.token(), local_domain)
    local r, refused = probe(ss, addr, local_domain)
    if not r then check.inconclusive(refused .. " (give a sender it accepts: -D from=)") end
    control = { r = r, ev = check.exchange("RCPT TO:<" .. addr .. ">", r) .. " (control)" }
    if r.code >= 500 then
      for _, t in ipairs(tricks_ok) do accepted[#accepted + 1] = t end
    end
  end

  -- After a failed AUTH: some servers relay once AUTH was tried at all.
  -- The probe belongs in the AUTH's session: no new one when it ends. A
  -- fresh session for it, so that the errors of the probes above do not
  -- count towards a server's error limit.
  local after_auth = "AUTH not offered"
  if caps.AUTH and #caps.AUTH > 0 then
    ss:quit()
    ss:revive()
    local r, what = failed_auth(ss, caps)
    local addr = "relay-test@" .. EXTERNAL
    local m = r and ss:exchange("MAIL FROM:<" .. check.sender() .. ">")
    if m and m.code // 100 ~= 2 then
      check.inconclusive(check.exchange("MAIL FROM:<" .. check.sender() .. ">", m) ..
        " after " .. what)
    end
    check.assert_safe_rcpt(addr, local_domain)
    local rr = m and ss:exchange("RCPT TO:<" .. addr .. ">")
    ss:rset()
    if not rr then
      after_auth = ("the session ended after %s (%s): nothing to relay in it"):format(what,
        ss.ended)
    else
      local ev = check.exchange("RCPT TO:<" .. addr .. ">", rr) .. " (after " .. what .. ")"
      if rr.code < 300 then
        accepted[#accepted + 1] = { ev = ev, name = "after " .. what }
      elseif rr.code >= 500 then
        after_auth = "also refused after " .. what
      else
        after_auth = "temporary refusal after " .. what .. ": " .. ev
      end
    end
  end
  ss:quit()

  if #accepted > 0 then
    local others = {}
    for i = 2, #accepted do others[#others + 1] = accepted[i].name end
    check.vulnerable(accepted[1].ev .. (#others > 0 and "; also accepted: " ..
      table.concat(others, ", ") or "") ..
      (control and control.r.code >= 500 and "; a random local user refused: " ..
        control.ev or ""))
  end
  if plain.r.code < 500 then
    check.inconclusive(("temporary refusal; rerun later: %s%s; %s"):format(plain.ev,
      decisive and "; but " .. decisive or "", after_auth))
  end
  if #tricks_ok > 0 then
    local names = {}
    for _, t in ipairs(tricks_ok) do names[#names + 1] = t.name end
    check.inconclusive(("%s accepted, but so is a random local user: %s (a catch-all " ..
      "local domain: a trick cannot be told from a mailbox without sending mail); " ..
      "plain relay refused: %s; %s"):format(table.concat(names, ", "), control.ev,
      decisive, after_auth))
  end
  local tricks = local_domain and ("the 4 address tricks refused")
    or "address tricks not tried (no local domain: -D local_domain=)"
  check.safe(("%s; %s; %s"):format(decisive, tricks, after_auth))
end)
