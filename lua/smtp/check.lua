-- smtp/check.lua: security checks with verdicts (scripts/security/*.lua,
-- run one by one with `smtprun run`, or all with `smtprun check`).
--
--   local check = require "smtp.check"
--   check.define("open-relay", function()
--     local s = check.connect()                 -- the target, greeting read
--     ...
--     check.vulnerable("RCPT TO:<x@relay-test.example> -> 250 2.1.5 Ok")
--   end)
--
-- A check ends with exactly one verdict, each with its evidence (one line:
-- the exchange that decided it, secrets redacted):
--   check.safe(evidence)           passes (SAFE)
--   check.vulnerable(evidence)     fails, kind "vulnerable" (exit 1)
--   check.inconclusive(evidence)   skipped (INCONCLUSIVE)
-- A check that ends without one, or cannot reach one (nothing to talk to, a
-- timeout, a script error), is an error (ERROR, exit 2).
--
-- Nothing a check sends may leave the machine: recipients go through
-- check.rcpt(), which refuses any domain that is neither the server's local
-- domain nor a reserved name (.example, .invalid, .test, .localhost,
-- example.com/net/org).
local smtp = require "smtp"
local testing = require "smtp.testing"

local check = {}

-- Taken now, and without touching what --sandbox stands in for the debug
-- library (whose fields raise).
local dbg = rawget(_G, "debug")
local getinfo = type(dbg) == "table" and rawget(dbg, "getinfo") or nil

-- Raised by the verdict functions; smtp.testing turns it into the case's
-- result (testing.VERDICT_MT).
local function verdict(v, evidence)
  if type(evidence) ~= "string" or evidence == "" then
    error("check: a verdict needs its evidence (a string)", 3)
  end
  error(setmetatable({ verdict = v, evidence = evidence }, testing.VERDICT_MT), 0)
end

function check.safe(evidence) verdict("SAFE", evidence) end
function check.vulnerable(evidence) verdict("VULNERABLE", evidence) end
function check.inconclusive(evidence) verdict("INCONCLUSIVE", evidence) end

-- check.define(name, fn): the check, as a test case named name. What keeps
-- it from a verdict (the server unreachable, a timeout, the script's own
-- error) is an error of kind "setup": exit 2, never taken for VULNERABLE.
function check.define(name, fn)
  local info = getinfo and getinfo(2, "Sl")
  local where = info and ("%s:%d"):format(info.source:match("^@(.*)") or info.short_src,
    info.currentline)
  testing.test(name, function()
    local ok, err = pcall(fn)
    if not ok and getmetatable(err) == testing.VERDICT_MT then error(err, 0) end
    local why = ok and "it ended without a verdict" or
      (type(err) == "table" and err.message) or tostring(err)
    smtp.fail(("check %s could not decide: %s"):format(name, why), "setup",
      { at = type(err) == "table" and err.at or where })
  end)
end

-- A session with the target (--server, or the config's), greeting read.
function check.connect(opts)
  local s = smtp.connect(opts)
  local r = s:greeting()
  s:data_table().greeting_name = (r.lines and r.lines[1] or r.text or ""):match("^(%S+)")
  return s
end

-- The local domain: -D local_domain=, else the domain of the greeting's
-- host name (mail.example.test -> example.test; a two-label name is its own
-- domain), else nil: an address (192.0.2.1, [127.0.0.1]) or a single label
-- names no domain.
function check.local_domain(s)
  local vars = rawget(_G, "vars") or {}    -- the runner's global: -D and the config
  if vars.local_domain then return vars.local_domain:lower() end
  local name = s and s:data_table().greeting_name
  if not name then return nil end
  name = name:lower()
  if name:find("^%[") or name:find("^[%d.]+$") or name:find(":") or
     not name:find("^[%w-]+%.[%w.-]+$") then
    return nil
  end
  return name:match("^[^.]+%.(.+%..+)$") or name
end

-- True when the local domain was given (-D local_domain= or -D rcpt=), not
-- guessed from the greeting.
function check.local_given()
  local vars = rawget(_G, "vars") or {}
  return vars.local_domain ~= nil or vars.rcpt ~= nil
end

-- EHLO, or HELO when the server does not know EHLO (RFC 5321 section
-- 4.1.4): the capabilities, none after HELO (caps.helo_only = true).
function check.ehlo(s, name)
  s:send("EHLO " .. name)
  local r = s:expect({ "2xx", "5xx" })
  local caps
  if r.code // 100 == 2 then
    caps = smtp.parse_caps(r)
  else
    s:send("HELO " .. name)
    caps = { helo_only = true, reply = s:expect(250) }
  end
  s:data_table().caps = caps
  return caps
end

-- A session that outlives the server ending it. Servers end a session
-- after too many errors with a 421 (Postfix's smtpd_hard_error_limit sends
-- "421 4.7.0 Error: too many errors" right after the last error reply, then
-- closes): a check that goes on writing gets "Broken pipe". check.session
-- notes the 421 (or the lost connection) and opens a new session for the
-- next command instead:
--   local ss = check.session(helo)   -- connected, greeting read, EHLO done
--   ss.s, ss.caps                    -- the session now, its capabilities
--   ss:ask(line)                     -- the reply; a command the session
--                                    -- ended under is sent once more in a
--                                    -- new one (twice ended: INCONCLUSIVE,
--                                    -- the 421 as evidence)
--   ss:rcpt(addr, local_domain, from)  -- MAIL FROM (when no transaction is
--                                    -- open) and RCPT, the same way
--   ss:rset(), ss:quit()             -- never raise for a session ended
--   ss.ended                         -- the last "CMD -> 421 ..." seen, or nil
local Session = {}
Session.__index = Session

function check.session(helo, opts)
  local self = setmetatable({ helo = helo, opts = opts, reopened = 0 }, Session)
  self:open()
  return self
end

function Session:open()
  self.s = check.connect(self.opts)
  self.caps = check.ehlo(self.s, self.helo)
  self.dead, self.in_mail = false, false
end

-- Opens a new session when the last one ended; INCONCLUSIVE when that fails
-- or the server keeps ending them (at most 100 new sessions in a check).
function Session:revive()
  if not self.dead then return end
  self.reopened = self.reopened + 1
  local ok, err = true, nil
  if self.reopened <= 100 then ok, err = pcall(self.open, self) end
  if self.reopened > 100 or not ok then
    if getmetatable(err) == testing.VERDICT_MT then error(err, 0) end
    check.inconclusive(("the server ended the session (%s) and %s"):format(self.ended,
      ok and "went on ending new ones" or "a new one could not be opened: " ..
      tostring(type(err) == "table" and err.message or err)))
  end
end

-- One command: its reply, or nil when the session ended under it (a 421,
-- or the connection lost).
function Session:exchange(line)
  local ok, r = pcall(function()
    self.s:send(line)
    return self.s:reply()
  end)
  if ok and r.code ~= 421 then return r end
  if not ok and not (type(r) == "table" and r.kind == "closed") then error(r, 0) end
  self.ended = ok and check.exchange(line, r) or
    (line .. " -> " .. tostring(r.message):gsub("\n.*", ""))
  self.dead, self.in_mail = true, false
  pcall(self.s.close, self.s)
  return nil
end

function Session:ask(line)
  self:revive()
  local r = self:exchange(line)
  if r then return r end
  self:revive()
  r = self:exchange(line)
  if r then return r end
  check.inconclusive(("the server ended the session twice in a row (%s)"):format(self.ended))
end

-- MAIL FROM:<from> when no transaction is open: nil and the evidence when
-- it was refused.
function Session:mail(from)
  if self.in_mail and not self.dead then return true end
  local r = self:ask("MAIL FROM:<" .. from .. ">")
  if r.code // 100 ~= 2 then return nil, check.exchange("MAIL FROM:<" .. from .. ">", r) end
  self.in_mail = true
  return true
end

-- RCPT TO:<addr> (after check.assert_safe_rcpt) in a transaction from
-- `from`: the reply, or nil and the MAIL's refusal.
function Session:rcpt(addr, local_domain, from)
  check.assert_safe_rcpt(addr, local_domain)
  for _ = 1, 2 do
    local ok, why = self:mail(from)
    if not ok then return nil, why end
    local r = self:exchange("RCPT TO:<" .. addr .. ">")
    if r then return r end
  end
  check.inconclusive(("the server ended the session twice in a row (%s)"):format(self.ended))
end

function Session:rset()
  if not self.dead then self:exchange("RSET") end
  self.in_mail = false
end

function Session:quit()
  if not self.dead then pcall(self.s.quit, self.s) end
  self.dead = true
end

local RESERVED = { "%.example$", "%.invalid$", "%.test$", "%.localhost$", "^example$",
  "^invalid$", "^test$", "^localhost$", "^example%.com$", "^example%.net$", "^example%.org$" }

-- True when mail to this domain cannot leave the machine or reach anyone:
-- a reserved name (RFC 2606, RFC 6761), or the server's own local domain.
function check.safe_domain(domain, local_domain)
  domain = (domain or ""):lower()
  if local_domain and (domain == local_domain or domain:sub(-#local_domain - 1) ==
      "." .. local_domain) then
    return true
  end
  for _, p in ipairs(RESERVED) do
    if domain:find(p) then return true end
  end
  return false
end

-- The domain mail to addr would go to: after the last "@", with source
-- routes and quoting as a relay would read them.
local function final_domain(addr)
  return (addr:match("@([^@>]*)>?$") or ""):lower()
end

-- Every domain an address names (the relay tricks hide one in the local part:
-- user%host@local, @local:user@host, "user@host"@local).
local function domains_in(addr)
  local out = {}
  for d in addr:gmatch("[@%%]([%w%-%.]+)") do out[#out + 1] = d:lower() end
  out[#out + 1] = final_domain(addr)
  return out
end

-- Raises a usage error (exit 2: a recipient given with -D, or written in a
-- check, is a mistake, not a verdict) unless every domain in addr is safe (a
-- check must never send mail that could leave); for recipients a check
-- writes itself too, as in a smuggled transaction or a pipelined batch. A bang path (host!user) or
-- an address literal ([192.0.2.1]) names a host the scan cannot judge, and
-- an address with no domain at all goes wherever the server sends it:
-- refused too.
function check.assert_safe_rcpt(addr, local_domain)
  local bad
  if addr:find("[!%[]") then
    bad = "a bang path or address literal"
  elseif final_domain(addr) == "" then
    bad = "no domain"
  else
    for _, d in ipairs(domains_in(addr)) do
      if d ~= "" and not check.safe_domain(d, local_domain) then
        bad = d .. " is not a reserved or local domain"
        break
      end
    end
  end
  if bad then
    smtp.fail(("check: refusing to send RCPT TO:<%s>: %s"):format(addr, bad), "usage")
  end
end

-- RCPT TO:<addr> on s, after check.assert_safe_rcpt. Returns the reply
-- (any code).
function check.rcpt(s, addr, local_domain)
  check.assert_safe_rcpt(addr, local_domain)
  s:send("RCPT TO:<" .. addr .. ">")
  return s:reply()
end

-- The envelope sender checks use: -D from=, else an address on a reserved
-- domain (nothing can bounce to it).
function check.sender()
  local vars = rawget(_G, "vars") or {}
  return vars.from or "smtprun-check@relay-test.example"
end

-- The EHLO name checks use: -D helo=, else a reserved name.
function check.helo()
  local vars = rawget(_G, "vars") or {}
  return vars.helo or "check.smtprun.example"
end

-- A number from -D name=, else dflt; a setup error when it is no number.
function check.number(name, dflt)
  local vars = rawget(_G, "vars") or {}
  local v = vars[name]
  if v == nil then return dflt end
  local n = tonumber(v)
  if not n or n <= 0 then
    smtp.fail(("-D %s=%s: a positive number is needed"):format(name, v), "setup")
  end
  return n
end

-- A random token (hex), to recognise what a check sent.
function check.token(n)
  return (smtp.random(n or 6):gsub(".", function(ch) return ("%02x"):format(ch:byte()) end))
end

-- "CMD -> 250 text" (the first line of the reply), for evidence.
function check.exchange(cmd, r)
  if not r then return cmd .. " -> (no reply)" end
  local first = (r.lines and r.lines[1]) or r.text or ""
  return first == "" and ("%s -> %d"):format(cmd, r.code) or
    ("%s -> %d %s"):format(cmd, r.code, first)
end

return check
