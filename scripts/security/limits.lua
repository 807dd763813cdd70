-- limits.lua: does the server cope with what RFC 5321 section 4.5.3.1 bounds,
-- and bound what it should? Four probes, each on a connection of its own:
--
--   command line  "NOOP xxx..." of 1024 octets (the limit is 512, CRLF
--                 included). Clean: any reply (a refusal, or the NOOP's
--                 250: RFC 5321 4.5.3.1 asks servers to avoid limits, so
--                 taking a longer line is no defect), the connection open or
--                 closed after it. VULNERABLE: no reply within `timeout`
--                 seconds, the connection closed without a reply, or a
--                 malformed reply; or the server no longer greets a new
--                 connection afterwards (it crashed or hangs).
--   text line     in DATA, to the local recipient, a line of 2002 octets
--                 (the limit is 1000). The message is never ended (it would
--                 be delivered): after `wait` seconds the connection is
--                 closed, which aborts the transaction. Clean: silence (the
--                 server waits for more) or a 4xx/5xx. VULNERABLE: the
--                 connection closed without a reply, or no greeting on a new
--                 connection afterwards.
--   SIZE          when EHLO advertises SIZE n (n > 0): MAIL FROM:<...>
--                 SIZE=n+1 must be refused (RFC 1870: 552); VULNERABLE when
--                 accepted. Then RSET.
--   RCPT flood    MAIL FROM, then the local recipient again and again, up to
--                 max_rcpt + 1 RCPTs (pipelined in batches when PIPELINING
--                 is offered), stopping at the first refusal; then RSET.
--                 SAFE when a refusal comes (RFC 5321 4.5.3.1.8: at least
--                 100 must be taken; a limit below is noted); VULNERABLE when
--                 all max_rcpt + 1 are accepted: one message fanned out to
--                 that many recipients by an unauthenticated client, and no
--                 bound on a transaction's state. max_rcpt defaults to 1000,
--                 Postfix's smtpd_recipient_limit and ten times the RFC's
--                 minimum: a server that takes more is not limited in any
--                 sense a mail admin would mean.
--
-- The verdict: VULNERABLE when any probe is (the evidence names each);
-- else SAFE when at least one probe could judge, with the others noted;
-- else INCONCLUSIVE. Nothing is ever delivered: no DATA is ended, every
-- transaction ends with RSET or an aborted connection.
--
-- Target: --server HOST[:PORT]. Variables (-D NAME=VALUE):
--   rcpt          the local recipient (default postmaster@LOCAL)
--   local_domain  LOCAL (default: the domain of the greeting's host name)
--   from          the envelope sender (default smtprun-check@relay-test.example)
--   helo          the EHLO name (default check.smtprun.example)
--   max_rcpt      the most RCPTs a limited server may take (default 1000)
--   timeout       seconds to wait for a reply to the long command (default 10)
--   wait          seconds of quiet after the long text line (default 1)
local check = require "smtp.check"

local CMD_OCTETS = 1024    -- RFC 5321 4.5.3.1.4: 512
local TEXT_OCTETS = 2002   -- RFC 5321 4.5.3.1.6: 1000

local function session()
  local s = check.connect()
  return s, check.ehlo(s, check.helo())
end

-- The local recipient, or nil and why not.
local function local_rcpt(s)
  local local_domain = check.local_domain(s)
  local rcpt = rawget(_G, "vars").rcpt or (local_domain and "postmaster@" .. local_domain)
  if not rcpt then return nil, "no local recipient (-D rcpt= or -D local_domain=)" end
  check.assert_safe_rcpt(rcpt, local_domain)
  return rcpt, local_domain
end

-- MAIL FROM on s: true, or false and the exchange.
local function mail(s, params)
  local cmd = "MAIL FROM:<" .. check.sender() .. ">" .. (params and " " .. params or "")
  s:send(cmd)
  local r = s:reply()
  return r.code < 300, check.exchange(cmd, r), r
end

-- One reply, within timeout: the reply, or nil and what happened instead
-- ("no reply within N s", "connection closed without a reply", ...).
local function answer(s, timeout)
  local ok, r = pcall(s.reply, s, { timeout = timeout, silence_ok = true })
  if ok and r then return r end
  if ok then return nil, ("no reply within %g s"):format(timeout) end
  if type(r) == "table" and r.kind == "closed" then
    return nil, "connection closed without a reply"
  end
  return nil, type(r) == "table" and r.message or tostring(r)
end

-- Does the server still greet a new connection? nil, or the evidence.
local function still_up(after)
  local ok, s = pcall(check.connect, { timeout = check.number("timeout", 10) })
  if not ok then
    return ("no greeting on a new connection after %s: %s"):format(after,
      type(s) == "table" and s.message or tostring(s))
  end
  pcall(s.quit, s)
end

local probes = {}

function probes.command_line()
  local s = session()
  local line = "NOOP " .. ("x"):rep(CMD_OCTETS - 7)
  local what = ("a %d-octet command line"):format(CMD_OCTETS)
  s:send_raw(line .. "\r\n", { label = ("NOOP xxx... (%d octets)"):format(CMD_OCTETS) })
  local r, why = answer(s, check.number("timeout", 10))
  s:close()
  if not r then return "vulnerable", what .. ": " .. why end
  local down = still_up(what)
  if down then return "vulnerable", down, true end
  local how = r.code < 400 and " (accepted: RFC 5321 allows longer lines)" or ""
  return "safe", check.exchange(what, r) .. how
end

function probes.text_line()
  local s = session()
  local rcpt, local_domain = local_rcpt(s)
  if not rcpt then return "inconclusive", "text line: " .. local_domain end
  local ok, ev = mail(s)
  if not ok then return "inconclusive", "text line: " .. ev end
  local r = check.rcpt(s, rcpt, local_domain)
  if r.code >= 300 then
    return "inconclusive", "text line: " .. check.exchange("RCPT TO:<" .. rcpt .. ">", r)
  end
  s:send("DATA")
  r = s:reply()
  if r.code ~= 354 then return "inconclusive", "text line: " .. check.exchange("DATA", r) end
  local what = ("a %d-octet text line"):format(TEXT_OCTETS)
  s:send_raw("Subject: smtprun limits check\r\n\r\n" .. ("x"):rep(TEXT_OCTETS - 2) .. "\r\n",
    { label = ("a header, then xxx... (%d octets)"):format(TEXT_OCTETS) })
  local wait = check.number("wait", 1)
  local reply, why = answer(s, wait)
  -- Never ended: closing aborts the transaction, nothing is delivered.
  s:close()
  if not reply and why ~= ("no reply within %g s"):format(wait) then
    return "vulnerable", what .. ": " .. why
  end
  local down = still_up(what)
  if down then return "vulnerable", down, true end
  if reply then return "safe", check.exchange(what, reply) end
  return "safe", what .. ": no complaint (message abandoned, not delivered)"
end

function probes.size()
  local s, caps = session()
  if type(caps.SIZE) ~= "number" or caps.SIZE <= 0 then
    pcall(s.quit, s)
    return "inconclusive", caps.SIZE and "SIZE advertised without a limit" or
      "SIZE not advertised"
  end
  local ok, ev, r = mail(s, ("SIZE=%d"):format(caps.SIZE + 1))
  s:send("RSET")
  s:reply()
  pcall(s.quit, s)
  ev = ("SIZE %d advertised, %s"):format(caps.SIZE, ev)
  if ok then return "vulnerable", ev end
  if r.code < 400 then return "inconclusive", ev end
  return "safe", ev
end

function probes.rcpt_flood()
  local s, caps = session()
  local rcpt, local_domain = local_rcpt(s)
  if not rcpt then return "inconclusive", "RCPT flood: " .. local_domain end
  local ok, ev = mail(s)
  if not ok then return "inconclusive", "RCPT flood: " .. ev end
  local max = math.floor(check.number("max_rcpt", 1000))
  local batch = caps.PIPELINING and 50 or 1
  local cmd = "RCPT TO:<" .. rcpt .. ">"   -- rcpt is safe (local_rcpt)
  local accepted, refusal, gone = 0, nil, nil
  local n = 0
  while n < max + 1 and not refusal and not gone do
    local k = math.min(batch, max + 1 - n)
    for _ = 1, k do s:send(cmd) end
    for _ = 1, k do
      n = n + 1
      local r, why = answer(s, check.number("timeout", 10))
      if not r then
        gone = ("RCPT #%d: %s"):format(n, why)
        break
      end
      if r.code < 300 and not refusal then
        accepted = accepted + 1
      elseif not refusal then
        refusal = check.exchange(("%s (#%d)"):format(cmd, n), r)
      end
    end
  end
  if not gone then
    s:send("RSET")
    pcall(s.reply, s)
  end
  pcall(s.quit, s)
  if accepted == 0 then
    return "inconclusive", "RCPT flood: " .. (refusal or gone) .. " (give -D rcpt=)"
  end
  if not refusal and not gone then
    return "vulnerable", ("RCPT flood not limited: all %d RCPTs accepted in one " ..
      "transaction"):format(accepted)
  end
  local low = accepted < 100 and " (below the 100 RFC 5321 4.5.3.1.8 requires)" or ""
  return "safe", ("RCPT flood limited after %d: %s%s"):format(accepted, refusal or gone, low)
end

check.define("limits", function()
  local found = { safe = {}, vulnerable = {}, inconclusive = {} }
  for _, name in ipairs{ "command_line", "text_line", "size", "rcpt_flood" } do
    local verdict, evidence, down = probes[name]()
    table.insert(found[verdict], evidence)
    if down then break end   -- nothing more to ask
  end
  if #found.vulnerable > 0 then
    check.vulnerable(table.concat(found.vulnerable, "; "))
  end
  if #found.safe == 0 then
    check.inconclusive(table.concat(found.inconclusive, "; "))
  end
  local all = found.safe
  for _, ev in ipairs(found.inconclusive) do all[#all + 1] = "not judged: " .. ev end
  check.safe(table.concat(all, "; "))
end)
