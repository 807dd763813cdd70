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
local core = require "smtprun.core"
local server = require "smtp.server"

local checkclient = {}
local Judge = {}
Judge.__index = Judge

checkclient.CHECKS = { "starttls-used", "cert-verified", "cleartext-auth", "pipelining",
  "line-endings", "retry-behaviour" }
checkclient.BAD_NAME = "wrong-name.invalid"

local COMMAND_MAX = 512      -- octets of a command line with its CRLF (RFC 5321 4.5.3.1.4)
local AUTH_MAX = 12288       -- octets of an AUTH command line (RFC 4954 section 4)
local TEXT_MAX = 1000        -- octets of a text line with its CRLF (RFC 5321 4.5.3.1.6)
local EXCERPT = 80           -- bytes of a line shown in evidence

-- Bytes from a client made safe for one line of evidence: CR and LF shown
-- as <CR> and <LF>, the rest as smtprun shows bytes everywhere (core.escape:
-- no control codes, C1 bytes or broken UTF-8 reach the terminal or the
-- JSON), cut at about EXCERPT bytes (not inside a UTF-8 sequence).
local function shown(line)
  local n = #line
  if n > EXCERPT then
    n = EXCERPT
    for _ = 1, 3 do     -- back off a cut UTF-8 sequence (its continuation bytes)
      local b = line:byte(n + 1)
      if not b or b < 0x80 or b > 0xBF then break end
      n = n - 1
    end
  end
  local s = core.escape((line:sub(1, n):gsub("[\r\n]", { ["\r"] = "<CR>", ["\n"] = "<LF>" })))
  return n < #line and s .. "..." or s
end

-- Whether a command line is AUTH (also when its verb is run together with
-- control bytes: "AUTH\rPLAIN ..."), whose arguments are secrets.
local function is_auth(cmd)
  return cmd.verb == "AUTH" or cmd.line:sub(1, 4):upper() == "AUTH"
end

-- What evidence shows of a command: AUTH with its mechanism only, never its
-- initial response (nor anything else after the mechanism).
local function command_shown(cmd)
  if is_auth(cmd) then
    local mech, rest = cmd.line:sub(5):match("^%s*([%w_-]*)(.*)$")
    -- A SASL mechanism name is at most 20 characters; longer is no name.
    if #mech > 20 then mech = "[redacted]" end
    return "AUTH" .. (mech ~= "" and " " .. mech or "")
      .. (rest:find("%S") and " [initial response redacted]" or "")
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
    -- A connection after the failure, within the window: the client again
    -- (counted once it sends a command: a bare port probe is no client).
    rec.episode = ep
    return
  end
  -- Otherwise a client of its own (several at once are judged each).
  ep = { first = rec, reconnects = 0, repeats = 0 }
  rec.episode, rec.first = ep, true
  self.episodes[host] = ep
end

-- The reverse path of a MAIL FROM command (its <...>, or its first word).
local function reverse_path(cmd)
  local from = cmd.line:match("^%S+%s+[Ff][Rr][Oo][Mm]:%s*(.*)$") or ""
  return from:match("^<[^>]*>") or from:match("^%S*")
end

-- A transaction of the client's is over (the next MAIL, RSET, QUIT, the
-- connection's end, the window's end): after the failure, a repeat of the
-- failed MAIL FROM (the same reverse path, and the same recipients when the
-- client sent any for both) is a retry. Other mail is the client's next
-- message, not a retry.
local function end_transaction(rec)
  local tx, ep = rec.tx, rec.episode
  rec.tx = nil
  if not tx or not ep.fail_tx or tx == ep.fail_tx or ep.closed then return end
  local want = ep.fail_tx
  if tx.from ~= want.from then return end
  if #tx.to > 0 and #want.to > 0 and table.concat(tx.to, "\0") ~= table.concat(want.to, "\0") then
    return
  end
  ep.repeats = ep.repeats + 1
end

function Judge:command(c, cmd, st)
  local rec = self.sessions[c]
  if not rec then return end
  local ep = rec.episode
  if not rec.first and not rec.counted then
    rec.counted = true
    ep.reconnects = ep.reconnects + 1
  end
  if cmd.verb == "MAIL" or cmd.verb == "RSET" or cmd.verb == "QUIT" then end_transaction(rec) end
  if cmd.verb == "RCPT" and rec.tx then
    rec.tx.to[#rec.tx.to + 1] = cmd.line:match("^%S+%s+[Tt][Oo]:%s*(<[^>]*>)") or cmd.line
  end
  if cmd.verb == "MAIL" and self.fail then
    rec.tx = { from = reverse_path(cmd), to = {} }
    ep.recs = ep.recs or setmetatable({}, { __mode = "k" })
    ep.recs[rec] = true
    if not ep.failed_at then
      ep.failed_at, ep.fail_cmd, ep.fail_tx = smtp.now(), command_shown(cmd), rec.tx
      -- Judged when the window has passed, retries or not.
      smtp.spawn(function()
        smtp.sleep(self.window)
        for r in pairs(ep.recs) do end_transaction(r) end
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
    -- An AUTH line may be longer (RFC 4954); its evidence never shows the
    -- credentials (command_shown).
    local max = is_auth(cmd) and AUTH_MAX or COMMAND_MAX
    if cmd.bare_lf then
      rec.line_ending = ("bare %s in a command: %s"):format(
        cmd.line:find("\r", 1, true) and "CR" or "LF", command_shown(cmd))
    elseif #cmd.line + 2 > max then
      rec.line_ending = ("a command line of %d octets (%s: at most %d): %s"):format(
        #cmd.line + 2, max == AUTH_MAX and "RFC 4954" or "RFC 5321", max, command_shown(cmd))
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
  end_transaction(rec)
  if not rec.first then return end
  local ep = rec.episode
  if rec.cmds == 0 then
    -- Connected and left without a command (a "wait for the port" probe):
    -- no client to judge; --once waits on for one.
    ep.closed = true
    if self.episodes[rec.host] == ep then self.episodes[rec.host] = nil end
    smtp.note(("check-client: %s port %s sent no command: not judged"):format(rec.host,
      rec.port))
    return
  end
  if err then
    rec.error = type(err) == "table" and err.message or tostring(err)
  end
  rec.closed = true
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
  if rec.cmds == 0 then
    return verdict("INCONCLUSIVE", "line-endings", "the client sent no command")
  end
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
  local retries = ep.repeats
  local counts = ("%s and %s of that MAIL FROM within %g s"):format(
    count(ep.reconnects, "new connection"), count(ep.repeats, "repeat"), self.window)
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
      self.json:write(core.json_encode({ client = client, check = r.name,
        verdict = r.verdict, evidence = r.evidence }), "\n")
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
