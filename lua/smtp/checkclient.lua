-- smtp/checkclient.lua: a server that judges the SMTP clients connecting to
-- it (what `smtprun check-client` runs, through scripts/check-client.lua).
--
--   local checkclient = require "smtp.checkclient"
--   local judge = checkclient.new{ bad_cert = true, fail = 451, once = true }
--   judge:listen{ host = "127.0.0.1", port = 2525 }
--   judge:run()                  -- until the first client was judged (once)
--   judge.vulnerable             -- clients with a VULNERABLE check
--
-- The server is smtp.server with an observer on its sessions. It offers
-- STARTTLS (a self-signed certificate; with bad_cert, one for another name:
-- wrong-name.invalid), AUTH PLAIN LOGIN before and after TLS (any user and
-- password succeed), no PIPELINING, and relays to anyone (nothing is kept
-- or sent on). With fail = 421 or 451 every MAIL FROM is refused with that
-- code (421: and the connection closed).
--
-- Each client gets one verdict per check (CHECKS), judged on its first
-- connection; the connections from the same address within `window`
-- seconds of the failure (fail =) are its retries. The verdicts are printed
-- as lines `VERDICT  check  evidence`, then a summary line, and with
-- json = PATH written as JSON Lines there, one object per check.
local smtp = require "smtp"
local server = require "smtp.server"

local checkclient = {}
local Judge = {}
Judge.__index = Judge

checkclient.CHECKS = { "starttls-used", "cert-verified", "cleartext-auth", "pipelining",
  "line-endings", "retry-behaviour" }
checkclient.BAD_NAME = "wrong-name.invalid"

local COMMAND_MAX = 512      -- octets of a command line with its CRLF (RFC 5321 4.5.3.1.4)
local TEXT_MAX = 1000        -- octets of a text line with its CRLF (RFC 5321 4.5.3.1.6)
local EXCERPT = 80           -- bytes of a line shown in evidence

-- A line made safe for one line of evidence: control bytes shown as <CR>,
-- <LF> or \xNN, cut at EXCERPT bytes.
local function shown(line)
  local cut = #line > EXCERPT
  local s = line:sub(1, EXCERPT):gsub("[%c\127]", function(ch)
    if ch == "\r" then return "<CR>" elseif ch == "\n" then return "<LF>" end
    return ("\\x%02X"):format(ch:byte())
  end)
  return cut and s .. "..." or s
end

-- What evidence shows of a command: AUTH without its initial response.
local function command_shown(cmd)
  if cmd.verb == "AUTH" then
    local mech, initial = cmd.arg:match("^%s*(%S+)%s*(%S*)")
    return "AUTH " .. shown(mech or "") .. (initial ~= nil and initial ~= ""
      and " [initial response redacted]" or "")
  end
  return shown(cmd.line)
end

-- The longest line of a message (octets without its line end), and the
-- number of that line.
local function longest_line(data)
  local best, at, n, pos = 0, 0, 0, 1
  while pos <= #data do
    local e = data:find("\n", pos, true) or #data + 1
    n = n + 1
    local len = e - pos
    if len > 0 and data:byte(e - 1) == 13 and e <= #data then len = len - 1 end
    if len > best then best, at = len, n end
    pos = e + 1
  end
  return best, at
end

local function json_string(s)
  return '"' .. s:gsub('[%c"\\\127]', function(ch)
    if ch == '"' then return '\\"' elseif ch == "\\" then return "\\\\" end
    return ("\\u%04x"):format(ch:byte())
  end) .. '"'
end

-- opts: hostname, bad_cert, fail (421 or 451), window (seconds, 5),
-- retry_limit (3), once, json (a path), out (a file, io.stdout), and the
-- server role's limits (server.LIMITS).
function checkclient.new(opts)
  opts = opts or {}
  local self = setmetatable({}, Judge)
  self.hostname = opts.hostname or "mail.example.test"
  self.bad_cert = opts.bad_cert
  self.fail = opts.fail and math.tointeger(tonumber(opts.fail))
  if opts.fail and self.fail ~= 421 and self.fail ~= 451 then
    smtp.fail(("--fail wants 421 or 451, not %s"):format(tostring(opts.fail)), "usage")
  end
  self.window = tonumber(opts.window or 5)
  self.retry_limit = math.tointeger(tonumber(opts.retry_limit or 3))
  if not self.window or self.window <= 0 or not self.retry_limit or self.retry_limit < 0 then
    smtp.fail("retry_window must be seconds above 0 and retry_limit a whole number "
      .. "of at least 0", "usage")
  end
  self.once = opts.once
  self.out = opts.out or io.stdout
  if opts.json then
    local f, err = io.open(opts.json, "w")
    if not f then smtp.fail("cannot write --json file: " .. tostring(err), "setup") end
    self.json = f
  end
  self.cert_name = self.bad_cert and checkclient.BAD_NAME or self.hostname
  local cert, key = smtp.tls_selfsigned(self.cert_name)
  local cfg = {}
  for _, k in ipairs(server.LIMITS) do cfg[k] = opts[k] end
  cfg.hostname = self.hostname
  cfg.auth = { "PLAIN", "LOGIN" }
  cfg.relay = "open"
  cfg.hide = { "PIPELINING" }
  cfg.tls = { cert_pem = cert, key_pem = key }
  cfg.keep_messages = 0
  cfg.observer = self
  if self.fail == 421 then
    cfg.faults = { { on = "MAIL", action = "shutdown", text = "4.3.2 Try again later" } }
  elseif self.fail == 451 then
    cfg.faults = { { on = "MAIL", action = "reject", code = 451,
      text = "4.3.0 Try again later" } }
  end
  self.srv = server.new(cfg)
  -- Any user and password: the check is whether they were sent, not what.
  self.srv.check_password = function() return true end
  self.sessions = setmetatable({}, { __mode = "k" })   -- c -> its record
  self.episodes = {}      -- client address -> the open episode
  self.judged = 0         -- clients judged
  self.vulnerable = 0     -- of them, with a VULNERABLE check
  return self
end

function Judge:listen(opts)
  return self.srv:listen(opts)
end

---------------------------------------------------------------------------
-- The observer: what each session shows.

function Judge:session(c)
  local host, port = c:peer()
  local ep = self.episodes[host]
  local rec = { host = host, port = port, cmds = 0, messages = 0 }
  self.sessions[c] = rec
  if ep and not ep.closed and ep.failed_at then
    -- A connection after the failure, within the window: a retry, counted.
    rec.episode = ep
    ep.reconnects = ep.reconnects + 1
    return
  end
  -- Otherwise a client of its own (several at once are judged each).
  ep = { first = rec, reconnects = 0, mails_after = 0 }
  rec.episode, rec.first = ep, true
  self.episodes[host] = ep
end

function Judge:command(c, cmd, st)
  local rec = self.sessions[c]
  if not rec then return end
  local ep = rec.episode
  if cmd.verb == "MAIL" and self.fail then
    if ep.failed_at then
      ep.mails_after = ep.mails_after + 1
    else
      ep.failed_at, ep.fail_cmd = smtp.now(), command_shown(cmd)
      -- Judged when the window has passed, retries or not.
      smtp.spawn(function()
        smtp.sleep(self.window)
        self:finish(ep)
      end)
    end
  end
  if rec.first and ep.failed_at and cmd.verb ~= "MAIL" then
    rec.after_fail = rec.after_fail or cmd.verb     -- QUIT, RSET, ...
  end
  if not rec.first then return end
  rec.cmds = rec.cmds + 1
  if rec.pipelined_after and not rec.pipelined then
    rec.pipelined = ("%s sent before the reply to %s (PIPELINING not advertised)"):format(
      command_shown(cmd), rec.pipelined_after)
  end
  if cmd.pipelined and not rec.pipelined then rec.pipelined_after = command_shown(cmd) end
  if cmd.verb == "STARTTLS" and not st.tls then rec.starttls = true end
  if st.tls then rec.tls = true end
  if (cmd.verb == "MAIL" or cmd.verb == "AUTH") and not rec.first_use then
    rec.first_use = { cmd = command_shown(cmd), tls = st.tls }
  end
  if cmd.verb == "AUTH" and not rec.auth then
    rec.auth = { cmd = command_shown(cmd), tls = st.tls }
  end
  if not rec.line_ending then
    if cmd.bare_lf then
      rec.line_ending = ("bare %s in a command: %s"):format(
        cmd.line:find("\r", 1, true) and "CR" or "LF", shown(cmd.line))
    elseif #cmd.line + 2 > COMMAND_MAX then
      rec.line_ending = ("a command line of %d octets (RFC 5321: at most %d): %s"):format(
        #cmd.line + 2, COMMAND_MAX, shown(cmd.line))
    end
  end
  if cmd.verb == "QUIT" then rec.quit = true end
end

function Judge:data(c, data, info)
  local rec = self.sessions[c]
  if not rec or not rec.first then return end
  rec.messages = rec.messages + 1
  if rec.pipelined_after and not rec.pipelined then
    rec.pipelined = ("message data sent before the reply to %s (PIPELINING not "
      .. "advertised)"):format(rec.pipelined_after)
  end
  if info.pipelined and not rec.pipelined then rec.pipelined_after = "the message's final ." end
  if rec.line_ending or not data then return end
  local n, at = longest_line(data)
  rec.longest = math.max(rec.longest or 0, n)
  if info.bare_lf then
    local cr = data:find("\r[^\n]") or data:sub(-1) == "\r"
    rec.line_ending = ("bare %s in the message data (message %d)"):format(
      cr and "CR" or "LF", rec.messages)
  elseif n + 2 > TEXT_MAX then
    rec.line_ending = ("a message line of %d octets (RFC 5321: at most %d): line %d of "
      .. "message %d"):format(n + 2, TEXT_MAX, at, rec.messages)
  end
end

function Judge:close(c, err)
  local rec = self.sessions[c]
  if not rec then return end
  self.sessions[c] = nil
  if not rec.first then return end
  if err then
    rec.error = type(err) == "table" and err.message or tostring(err)
  end
  rec.closed = true
  local ep = rec.episode
  if not ep.failed_at then self:finish(ep) end
end

---------------------------------------------------------------------------
-- The verdicts.

local function count(n, what)
  return ("%d %s%s"):format(n, what, n == 1 and "" or "s")
end

local function verdict(v, name, evidence) return { verdict = v, name = name, evidence = evidence } end

local function starttls_used(rec)
  local u = rec.first_use
  if not u then
    return verdict("INCONCLUSIVE", "starttls-used", "the client sent neither AUTH nor MAIL FROM")
  end
  if u.tls then
    return verdict("SAFE", "starttls-used", ("STARTTLS, then %s over TLS"):format(u.cmd))
  end
  return verdict("VULNERABLE", "starttls-used",
    ("%s sent in clear (STARTTLS was offered)"):format(u.cmd))
end

function Judge:cert_verified(rec)
  local name = "cert-verified"
  if not self.bad_cert then
    return verdict("INCONCLUSIVE", name, "run with --bad-cert to test certificate checking")
  end
  local what = ("a self-signed certificate for %s"):format(self.cert_name)
  if not rec.starttls then
    return verdict("INCONCLUSIVE", name, "the client did not send STARTTLS")
  end
  if not rec.tls then
    if rec.error then
      return verdict("SAFE", name, ("the client refused %s: %s"):format(what,
        shown(rec.error)))
    end
    return verdict("SAFE", name, ("the client left after STARTTLS (%s)"):format(what))
  end
  local u = rec.first_use
  if u and u.tls then
    return verdict("VULNERABLE", name, ("the client accepted %s, then sent %s"):format(what,
      u.cmd))
  end
  return verdict("SAFE", name, ("TLS with %s, then neither AUTH nor mail"):format(what))
end

local function cleartext_auth(rec)
  local a, name = rec.auth, "cleartext-auth"
  if not a then
    return verdict("INCONCLUSIVE", name,
      "the client did not authenticate (AUTH PLAIN LOGIN offered before and after STARTTLS)")
  end
  if a.tls then
    return verdict("SAFE", name, ("%s only over TLS (AUTH was offered in clear too)"):format(
      a.cmd))
  end
  return verdict("VULNERABLE", name, ("%s sent in clear"):format(a.cmd))
end

local function pipelining(rec)
  if rec.pipelined then return verdict("VULNERABLE", "pipelining", rec.pipelined) end
  if rec.cmds < 2 then
    return verdict("INCONCLUSIVE", "pipelining", ("only %s sent"):format(count(rec.cmds, "command")))
  end
  return verdict("SAFE", "pipelining",
    ("%s, each after the reply to the one before"):format(count(rec.cmds, "command")))
end

local function line_endings(rec)
  if rec.line_ending then return verdict("VULNERABLE", "line-endings", rec.line_ending) end
  local msg = rec.messages > 0 and (" and %s, longest line %d octets"):format(
    count(rec.messages, "message"), (rec.longest or 0) + 2) or ""
  return verdict("SAFE", "line-endings", ("%s%s, CRLF only"):format(count(rec.cmds, "command"),
    msg))
end

function Judge:retry_behaviour(rec, ep)
  local name = "retry-behaviour"
  if not self.fail then
    return verdict("INCONCLUSIVE", name, "run with --fail 421 or --fail 451 to test")
  end
  if not ep.failed_at then
    return verdict("INCONCLUSIVE", name, "the client sent no MAIL FROM to fail")
  end
  local after = ("after %s -> %d"):format(ep.fail_cmd, self.fail)
  local retries = math.max(ep.reconnects, ep.mails_after)
  local counts = ("%s and %d more MAIL FROM within %g s"):format(
    count(ep.reconnects, "new connection"), ep.mails_after, self.window)
  if retries > self.retry_limit then
    return verdict("VULNERABLE", name, ("%s: %s (at most %d allowed)"):format(after, counts,
      self.retry_limit))
  end
  local how = self.fail == 421 and "the server closed the connection"
    or rec.after_fail == "QUIT" and "the client sent QUIT"
    or rec.after_fail and ("the client sent " .. rec.after_fail)
    or "the client closed the connection without QUIT"
  return verdict("SAFE", name, ("%s: %s; %s"):format(after, how, counts))
end

-- The episode of a client is over: its verdicts, printed.
function Judge:finish(ep)
  if ep.closed then return end
  ep.closed = true
  local rec = ep.first
  if self.episodes[rec.host] == ep then self.episodes[rec.host] = nil end
  local results = {
    starttls_used(rec), self:cert_verified(rec), cleartext_auth(rec),
    pipelining(rec), line_endings(rec), self:retry_behaviour(rec, ep),
  }
  local client = rec.host:find(":", 1, true) and ("[%s]:%s"):format(rec.host, rec.port)
    or ("%s:%s"):format(rec.host, rec.port)
  local n = { SAFE = 0, VULNERABLE = 0, INCONCLUSIVE = 0 }
  for _, r in ipairs(results) do
    n[r.verdict] = n[r.verdict] + 1
    self.out:write(("%-12s  %-18s  %s\n"):format(r.verdict, r.name, r.evidence))
    if self.json then
      self.json:write(("{\"client\":%s,\"check\":%s,\"verdict\":%s,\"evidence\":%s}\n"):format(
        json_string(client), json_string(r.name), json_string(r.verdict),
        json_string(r.evidence)))
    end
  end
  self.out:write(("client %s: %d safe, %d vulnerable, %d inconclusive\n"):format(client,
    n.SAFE, n.VULNERABLE, n.INCONCLUSIVE))
  self.out:flush()
  if self.json then self.json:flush() end
  self.judged = self.judged + 1
  if n.VULNERABLE > 0 then self.vulnerable = self.vulnerable + 1 end
end

-- Serves until the first client was judged (once), or for ever (until a
-- signal stops the run). With once, fails (kind "vulnerable") when that
-- client had a VULNERABLE check.
function Judge:run()
  if not self.once then
    self.srv:serve()
    return
  end
  smtp.spawn(function() pcall(self.srv.serve, self.srv) end)
  while self.judged == 0 do smtp.sleep(0.05) end
  self.srv.listener:close()
  if self.json then self.json:close() end
  if self.vulnerable > 0 then
    smtp.fail("the client is vulnerable", "vulnerable")
  end
end

return checkclient
