-- smtp/server.lua: a ready SMTP server for scenarios, well behaved by
-- default and misbehaving on demand.
--
--   local server = require "smtp.server"
--   local srv = server.new{
--     hostname = "mail.example.test",
--     auth = { "LOGIN", "PLAIN" },            -- mechanisms offered
--     users = { ["alice@example.test"] = "secret" },
--     local_domains = { "example.test" },     -- always accepted
--     relay = "auth",                         -- "auth", "open" or "never"
--     hide = { "PIPELINING" },                -- EHLO keywords left out
--     tls = { cert = "srv.crt", key = "srv.key" },   -- offers STARTTLS
--     implicit_tls = true,                    -- handshake on connect
--     tokens = { ["alice@example.test"] = "tok" },   -- XOAUTH2, OAUTHBEARER
--     faults = { { on = "RCPT", action = "reject", code = 451,
--                  text = "4.3.0 Try again later" } },
--   }
--   local l = srv:listen{ port = 0 }          -- smtp.listen options
--   srv:start()                               -- serves in a spawned task
--   ... drive a client against l:port() ...
--   srv.messages[1].from, .to, .data          -- what it accepted
--
-- Limits, so that no client can stop it, fill its memory or hold it:
--   max_sessions = 256        concurrent sessions; the excess gets
--                             "421 4.3.2 Too many connections"
--   max_size = 10240000       bytes of a message; past it the rest is read
--                             and dropped, then 552 5.3.4
--   keep_messages = 100       srv.messages keeps the newest (srv.accepted,
--                             srv.dropped count); on_message = function(msg,
--                             srv) takes each message instead
--   record_max = 65536        transcript bytes of each message body
--   command_timeout = 300     for each command line (idle_timeout: its old name)
--   data_timeout = 600        for the whole DATA; then 421 4.4.2, closed
--   strict_line_endings       refuse a bare LF or CR (500 / 550 5.5.2)
--   scram_iterations = 4096   what SCRAM offers (at most 100000)
--   max_recipients = 100      RCPTs accepted in one transaction (RFC 5321
--                             4.5.3.1.8: at least 100); the excess gets
--                             452 4.5.3; 0: no limit (unsafe)
--   line_max                  the listener's longest line (default 64 KiB);
--                             a longer one gets 500 5.5.2 and is closed
--
-- Unsafe on purpose, for showing what scripts/security/ finds:
--   open_relay = true         relay = "open" (relays for anyone)
--   smuggling = "lf"          a bare-LF "." line ends DATA too (SMTP
--                             smuggling: <LF>.<LF>, <CR><LF>.<LF>, ...)
--   long_lines = "close"      a line past line_max: closed without a reply
--   ignore_size = true        MAIL FROM SIZE= over max_size accepted
--   relay_tricks = true       an address is judged by the domain it seems
--                             to be for (the last "@", or a source route's
--                             first hop), so user%host@local,
--                             @local:user@host, "user@host"@local and
--                             user@host@local pass as local; by default
--                             every domain in the address must be local
--   error_limit = N           after the Nth error reply (4xx, 5xx) of a
--                             session: 421 4.7.0 "Error: too many errors",
--                             closed (Postfix's smtpd_hard_error_limit)
--   unknown_users = "refuse"  RCPT to a plain local address (no relay trick
--                             in it) that is not a known user (users,
--                             postmaster): 550 5.1.1 User unknown; default:
--                             every local address accepted (a catch-all)
--
-- Security settings (what scripts/security/*.lua judge):
--   vrfy = true               VRFY answers 250 for a known user (users,
--                             postmaster), 550 for others: open to user
--                             enumeration (default: 502, disabled)
--   auth_requires_tls = true  AUTH neither advertised nor accepted before
--                             STARTTLS (530 5.7.0); default: offered in clear
--   starttls_vulnerable       keep what came before the TLS handshake
--                             (CVE-2011-0411)
--   tls = { min_version = "TLSv1", ciphers = "DEFAULT:@SECLEVEL=0" }
--                             accept TLS 1.0 and 1.1 (OpenSSL 3 wants the
--                             security level 0 for them)
--
-- Faults ({ on = VERB | "greeting" | "DATA_END", action = ..., match =
-- pattern on the command line, times = n }):
--   trickle          the normal reply, one byte every `delay` s (0.05)
--   delay            `seconds` of silence, then the normal reply
--   silent           no reply at all; waits for the client to go away
--   close_mid_reply  the first half of the normal reply, then the connection
--                    closed
--   garbage          `text` (default "HELLO THERE") instead of a reply
--   mixed_codes      a multi-line reply whose codes change (250-, 251-, 250)
--   long_line        a reply line of `length` bytes (default 70000)
--   bare_lf          the normal reply with bare LF line endings
--   shutdown         421 4.3.2 Service shutting down, then closed
--   reject           `code` and `text` instead of the normal reply
--   flood            `250-xxx...` continuation lines (`length` bytes each,
--                    default 72) at full speed, never a last line, until the
--                    client goes away (or `seconds`, default 60, pass)
--
-- observer = { session = fn(obs, c), command = fn(obs, c, cmd, st),
--              data = fn(obs, c, data, info, st), close = fn(obs, c, err) }:
-- hooks that watch each session (smtp.checkclient judges clients with
-- them). command sees the commands of the session loop (never the lines of
-- an AUTH exchange); close gets the session's error, or nil.
--
-- A client that misbehaves does not stop the server: errors in a session
-- are noted in the transcript and kept in srv.errors (strict = true makes
-- them fail the scenario instead).

local smtp = require "smtp"

local core = require "smtprun.core"
local server = {}
local Server = {}
Server.__index = Server

local DEFAULT_EXTENSIONS = {
  "PIPELINING", "SIZE", "ENHANCEDSTATUSCODES", "8BITMIME", "SMTPUTF8",
}

-- cfg[name] as a whole number in [lo, hi], or dflt; a clear error otherwise.
local function number_opt(cfg, name, dflt, lo, hi)
  local v = cfg[name]
  if v == nil then return dflt end
  local n = math.tointeger(tonumber(v))
  if n == nil or n < lo or n > (hi or math.maxinteger) then
    error(("server option %s must be a whole number%s, not %s"):format(name,
      hi and (" from %d to %d"):format(lo, hi) or (" of at least %d"):format(lo),
      tostring(v)), 3)
  end
  return n
end

local function seconds_opt(cfg, name, dflt)
  local v = cfg[name]
  if v == nil then return dflt end
  local n = tonumber(v)
  if n == nil or n <= 0 then
    error(("server option %s must be a number of seconds above 0, not %s"):format(name,
      tostring(v)), 3)
  end
  return n
end

local function set_of(list)
  local set = {}
  for _, v in ipairs(list or {}) do set[v:upper()] = true end
  return set
end

function server.new(cfg)
  cfg = cfg or {}
  local self = setmetatable({}, Server)
  self.hostname = cfg.hostname or "mail.example.test"
  self.greeting = cfg.greeting or (self.hostname .. " ESMTP smtprun")
  self.extensions = cfg.extensions or DEFAULT_EXTENSIONS
  self.auth = cfg.auth or {}
  self.users = cfg.users or {}
  self.tokens = cfg.tokens or {}
  -- {cert=, key=} or {cert_pem=, key_pem=}, or a function returning one,
  -- called the first time TLS is used (a certificate made only if needed).
  self.tls = cfg.tls
  self.implicit_tls = cfg.implicit_tls
  self.starttls_vulnerable = cfg.starttls_vulnerable
  self.vrfy = cfg.vrfy
  self.auth_requires_tls = cfg.auth_requires_tls
  self.scram_wrong_signature = cfg.scram_wrong_signature
  self.local_domains = set_of(cfg.local_domains)
  self.relay = cfg.relay or "auth"
  if cfg.open_relay == true or cfg.open_relay == "1" or cfg.open_relay == "true" then
    self.relay = "open"
  end
  self.hidden = set_of(cfg.hide)
  self.faults = cfg.faults or {}
  self.max_size = number_opt(cfg, "max_size", 10240000, 1, 1 << 30)
  self.max_sessions = number_opt(cfg, "max_sessions", 256, 1)
  self.keep_messages = number_opt(cfg, "keep_messages", 100, 0)
  self.record_max = number_opt(cfg, "record_max", 65536, 0, 1 << 30)
  self.scram_iterations = number_opt(cfg, "scram_iterations", 4096, 1, 100000)
  self.command_timeout = seconds_opt(cfg, "command_timeout",
    seconds_opt(cfg, "idle_timeout", 300))
  self.idle_timeout = self.command_timeout
  self.data_timeout = seconds_opt(cfg, "data_timeout", 600)
  local strict_le = cfg.strict_line_endings
  self.strict_line_endings = strict_le == true or strict_le == "1" or strict_le == "true"
    or strict_le == "yes"
  -- Security-check knobs (see the list at the top).
  self.max_recipients = number_opt(cfg, "max_recipients", 100, 0)
  self.line_max = cfg.line_max and number_opt(cfg, "line_max", nil, 16, 1 << 30)
  self.smuggling = cfg.smuggling
  assert(self.smuggling == nil or self.smuggling == "lf", "smuggling must be \"lf\"")
  self.long_lines = cfg.long_lines
  assert(self.long_lines == nil or self.long_lines == "close", "long_lines must be \"close\"")
  if self.long_lines == "close" then self.too_long_reply = false end   -- no reply
  self.relay_tricks = cfg.relay_tricks == true or cfg.relay_tricks == "1"
    or cfg.relay_tricks == "true"
  self.ignore_size = cfg.ignore_size == true or cfg.ignore_size == "1"
    or cfg.ignore_size == "true"
  self.error_limit = cfg.error_limit and number_opt(cfg, "error_limit", nil, 1)
  self.unknown_users = cfg.unknown_users
  assert(self.unknown_users == nil or self.unknown_users == "refuse",
    "unknown_users must be \"refuse\"")
  self.on_message = cfg.on_message
  assert(self.on_message == nil or type(self.on_message) == "function",
    "on_message must be a function")
  self.strict = cfg.strict
  self.observer = cfg.observer
  self.messages = {}
  self.accepted = 0       -- messages accepted, kept or not
  self.dropped = 0        -- the oldest, gone from srv.messages (keep_messages)
  self.active = 0         -- sessions open now
  self.errors = {}
  self.sessions = 0
  self.queue_id = 0
  self.timeout_reply = ("421 4.4.2 %s Error: timeout exceeded"):format(self.hostname)
  assert(({ auth = true, open = true, never = true })[self.relay],
    "relay must be \"auth\", \"open\" or \"never\"")
  return self
end

-- The limits above, from -D NAME=VALUE variables (smtprun serve, demo):
-- a table for server.new, holding those of them that vars sets.
server.LIMITS = { "max_sessions", "max_size", "keep_messages", "record_max",
  "command_timeout", "data_timeout", "strict_line_endings", "scram_iterations",
  "max_recipients", "line_max" }

function server.limits_from(vars)
  local t = {}
  for _, k in ipairs(server.LIMITS) do t[k] = vars and vars[k] end
  return t
end

-- The TLS options, made now if cfg.tls was a function (once).
function Server:tls_options()
  if type(self.tls) == "function" then self.tls = self.tls() end
  return self.tls
end

function Server:listen(opts)
  opts = opts or {}
  if self.implicit_tls then opts.tls = opts.tls or self:tls_options() end
  if opts.line_max == nil then opts.line_max = self.line_max end
  self.listener = smtp.listen(opts)
  return self.listener
end

-- Accepts connections and handles each in a task of its own, at most
-- max_sessions at a time: the excess is refused with a 421 and closed.
-- opts.sessions: stop accepting after that many; opts.timeout: how long to
-- wait for each connection (default: for ever).
function Server:serve(opts)
  opts = opts or {}
  if opts.max_sessions ~= nil then
    smtp.fail("serve{max_sessions=} is now serve{sessions=} (stop after that many); "
      .. "max_sessions is a server.new setting (sessions at a time)", "usage")
  end
  local n = 0
  while not opts.sessions or n < opts.sessions do
    local c = self.listener:accept{ timeout = opts.timeout or math.huge, handshake = false }
    if self.active >= self.max_sessions then
      if self.implicit_tls then
        -- Plaintext on a TLS port would be garbage, and a handshake costs
        -- what the limit is there to save: closed without a reply.
        smtp.note("server: too many connections: closed without a reply (implicit TLS)")
      else
        -- A fresh socket takes a short reply at once: no wait, no task.
        pcall(c.reply, c, 421, "4.3.2 Too many connections", { timeout = 1 })
      end
      c:close()
    else
      n = n + 1
      self.active = self.active + 1
      local ok, err = pcall(smtp.spawn, function()
        local done, why = pcall(self.handle, self, c)
        self.active = self.active - 1
        if not done then error(why, 0) end
      end)
      if not ok then
        self.active = self.active - 1
        c:close()
        error(err, 0)
      end
    end
  end
end

-- serve() in a task of its own; returns at once.
function Server:start(opts)
  smtp.spawn(function() self:serve(opts) end)
end

-- Polls until `n` messages were accepted, or raises after `timeout` s.
function Server:wait_messages(n, timeout)
  local deadline = smtp.now() + (timeout or 10)
  while self.accepted < n do
    if smtp.now() >= deadline then
      smtp.fail(("the server accepted %d message(s), expected %d"):format(self.accepted, n),
        "timeout")
    end
    smtp.sleep(0.01)
  end
  return self.messages
end

-- Calls the observer's hook for event, if there is one.
function Server:observe(event, ...)
  local o = self.observer
  if o and o[event] then o[event](o, ...) end
end

---------------------------------------------------------------------------
-- Replies, and faults applied to them.

-- The reply's bytes exactly as c:reply sends them (eol "\n" for bare LF).
local format_reply = core.format_reply
server.format_reply = format_reply

-- The fault for this point of the session, if any (and counts its use).
function Server:fault_for(on, line)
  for _, f in ipairs(self.faults) do
    if f.on:upper() == on and (not f.match or (line or ""):find(f.match))
       and (f.times == nil or (f.used or 0) < f.times) then
      f.used = (f.used or 0) + 1
      return f
    end
  end
end

-- Sends a reply, or what the fault for `on` makes of it. Returns false when
-- the connection is gone, and then true when a fault put another reply (or
-- none) in the place of this one.
local REPLACING = { garbage = true, mixed_codes = true, long_line = true, reject = true }

-- error_limit: counts an error reply sent; past the limit, 421 and closed
-- (false: the session is over).
function Server:count_error(c, st, code)
  if not self.error_limit or code < 400 or code == 421 then return true end
  st.errors = (st.errors or 0) + 1
  if st.errors < self.error_limit then return true end
  c:reply(421, ("4.7.0 %s Error: too many errors"):format(self.hostname))
  c:close()
  return false
end

function Server:respond(c, st, on, code, lines)
  local f = self:fault_for(on, st.line)
  if not f then
    c:reply(code, lines)
    return self:count_error(c, st, code), false
  end
  local a = f.action
  if a == "trickle" then
    local bytes = format_reply(code, lines)
    for i = 1, #bytes do
      c:send_raw(bytes:sub(i, i))
      smtp.sleep(f.delay or 0.05)
    end
  elseif a == "delay" then
    smtp.sleep(f.seconds or 1)
    c:reply(code, lines)
  elseif a == "silent" then
    repeat until not c:read_command{ timeout = f.seconds or math.huge }
    return false
  elseif a == "close_mid_reply" then
    local bytes = format_reply(code, lines)
    c:send_raw(bytes:sub(1, math.max(1, #bytes // 2)))
    c:close()
    return false
  elseif a == "garbage" then
    c:send_raw((f.text or "HELLO THERE") .. "\r\n")
  elseif a == "mixed_codes" then
    c:send_raw("250-first line\r\n251-second line\r\n250 third line\r\n")
  elseif a == "long_line" then
    c:send_raw(("%03d "):format(code) .. ("x"):rep((f.length or 70000) - 4) .. "\r\n")
  elseif a == "bare_lf" then
    c:send_raw(format_reply(code, lines, "\n"))
  elseif a == "shutdown" then
    c:reply(421, (f.text or "4.3.2 Service shutting down"))
    c:close()
    return false
  elseif a == "reject" then
    c:reply(f.code or 550, f.text or "5.7.1 Rejected")
    if not self:count_error(c, st, f.code or 550) then return false end
  elseif a == "flood" then
    -- 64 lines a write: the client, not the server, is what is tested.
    local block = (("%03d-"):format(code) .. ("x"):rep(math.max(0, (f.length or 72) - 4))
      .. "\r\n"):rep(64)
    local stop = smtp.now() + (f.seconds or 60)
    while smtp.now() < stop and pcall(c.send_raw, c, block, { timeout = 5 }) do end
    return false
  else
    error("unknown fault action " .. tostring(a))
  end
  return true, REPLACING[a] or false
end

---------------------------------------------------------------------------
-- The SMTP session.

local function domain_of(addr)
  return (addr:match("@([^@>]+)$") or ""):lower()
end

-- "FROM:<a@b> SIZE=10" -> "a@b", "SIZE=10"; nil when malformed.
local function parse_path(arg, keyword)
  local kw, rest = arg:match("^(%a+):%s*(.*)$")
  if not kw or kw:upper() ~= keyword then return nil end
  return rest:match("^<([^>]*)>%s*(.*)$")
end

function Server:ehlo_lines(st)
  local lines = { self.hostname }
  local function add(ext)
    local kw = ext:match("^(%S+)"):upper()
    if ext:upper() == "SIZE" then ext = "SIZE " .. self.max_size end  -- RFC 1870
    if not self.hidden[kw] then lines[#lines + 1] = ext end
  end
  for _, ext in ipairs(self.extensions) do add(ext) end
  if self.tls and not st.tls then add("STARTTLS") end
  if #self.auth > 0 and not (self.auth_requires_tls and not st.tls) then
    add("AUTH " .. table.concat(self.auth, " "))
  end
  return lines
end

-- The next command line, within command_timeout (then 421 and closed).
function Server:command(c, redact)
  return c:read_command{ timeout = self.command_timeout, redact = redact,
    timeout_reply = self.timeout_reply,
    too_long_reply = self.too_long_reply }
end

local function reset(st)
  st.from, st.to = nil, {}
end

function Server:check_password(user, pass)
  local want = self.users[user]
  return want ~= nil and want == pass
end

-- AUTH LOGIN / PLAIN. Returns false when the connection is gone.
function Server:authenticate(c, st, mech, initial)
  if st.user then
    c:reply(503, "5.5.1 Error: already authenticated")
    return true
  end
  if st.from then
    c:reply(503, "5.5.1 Error: MAIL transaction is in progress")
    return true
  end
  if not set_of(self.auth)[mech] then
    return self:respond(c, st, "AUTH", 535, "5.7.8 Error: authentication failed: " ..
      "Invalid authentication mechanism")
  end
  -- A 334 and the client's answer: the line, or false when the client
  -- aborted with "*" (answered already), or nil when it hung up.
  -- shown: what the record shows of the prompt (a SCRAM message's secrets
  -- stay out of it).
  local function ask(prompt, redact, shown)
    c:reply(334, prompt, shown and { redact = shown } or nil)
    local cmd = self:command(c, redact)
    if not cmd then return nil end
    if cmd.line == "*" then
      c:reply(501, "5.7.0 Authentication aborted")
      return false
    end
    return cmd.line
  end
  local user, pass
  if mech == "LOGIN" then
    -- With an initial response (RFC 4954 section 4) the first prompt is skipped.
    local u = initial or ask("VXNlcm5hbWU6", "[username redacted]")
    if not u then return u == false end
    local p = ask("UGFzc3dvcmQ6", "[password redacted]")
    if not p then return p == false end
    user, pass = smtp.b64decode(u), smtp.b64decode(p)
  elseif mech == "PLAIN" then -- authzid NUL user NUL password
    local payload = initial or ask("", "[credentials redacted]")
    if not payload then return payload == false end
    local decoded = smtp.b64decode(payload)
    if decoded then
      local _, u, p = decoded:match("^([^%z]*)%z([^%z]*)%z([^%z]*)$")
      user, pass = u, p
    end
  elseif mech == "CRAM-MD5" then
    local chal = ("<%d.%d@%s>"):format(string.unpack("I4", smtp.random(4)), os.time(),
      self.hostname)
    local resp = ask(smtp.b64encode(chal), "[CRAM-MD5 response redacted]")
    if not resp then return resp == false end
    local u = (smtp.b64decode(resp) or ""):match("^(.*) %x+$")
    if u == nil then
      c:reply(501, "5.5.2 Cannot decode response")
      return true
    end
    local ok = self.users[u] ~= nil and
      smtp.sasl_cram_md5(u, self.users[u], chal) == resp
    return self:auth_done(c, st, u, ok)
  elseif mech == "XOAUTH2" or mech == "OAUTHBEARER" then
    local payload = initial or ask("", "[token redacted]")
    if not payload then return payload == false end
    local decoded = smtp.b64decode(payload) or ""
    local u, tok
    if mech == "XOAUTH2" then
      u, tok = decoded:match("^user=([^\1]*)\1auth=Bearer ([^\1]*)\1\1$")
    else
      u = decoded:match("^n,a=([^,]*),")
      tok = decoded:match("\1auth=Bearer ([^\1]*)\1")
    end
    if u and tok and self.tokens[u] == tok then return self:auth_done(c, st, u, true) end
    -- The failure dance: a JSON error in a 334, the client's answer, 535.
    local err = mech == "XOAUTH2" and '{"status":"401","schemes":"Bearer","scope":"smtp"}'
      or '{"status":"invalid_token","scope":"smtp"}'
    c:reply(334, smtp.b64encode(err))
    if not self:command(c) then return false end
    return self:respond(c, st, "AUTH", 535, "5.7.8 Username and token not accepted")
  elseif mech:match("^SCRAM%-SHA%-") then
    local sc = smtp.scram(mech)
    -- A SCRAM message from the client, base64-decoded; nil and a 501 sent
    -- when it is not base64.
    local function decoded(line)
      local d = smtp.b64decode(line)
      if not d then c:reply(501, "5.5.2 Cannot decode response") end
      return d
    end
    local first = initial or ask("", "[client-first-message redacted]")
    if not first then return first == false end
    first = decoded(first)
    if not first then return true end
    local u, why = sc:server_start(first)
    if not u then
      c:reply(501, "5.5.2 " .. why)
      return true
    end
    -- An unknown user gets a password nobody has, so the proof fails.
    local sf = sc:server_first(self.users[u] or smtp.random(32), smtp.random(16),
      self.scram_iterations)
    local sf64 = smtp.b64encode(sf)
    local fin = ask(sf64, "[SCRAM proof redacted]", smtp.scram_redact("334 " .. sf64))
    if not fin then return fin == false end
    fin = decoded(fin)
    if not fin then return true end
    local ok, final = sc:server_final(fin)
    if ok == nil then
      c:reply(501, "5.5.2 " .. final)
      return true
    end
    if not ok or not self.users[u] then return self:auth_done(c, st, u, false) end
    if self.scram_wrong_signature then final = "v=" .. smtp.b64encode(smtp.random(32)) end
    -- The server's proof, then the client's empty answer, then 235.
    local final64 = smtp.b64encode(final)
    local done = ask(final64, nil, smtp.scram_redact("334 " .. final64))
    if done == nil then return false end
    if done == false then return true end
    return self:auth_done(c, st, u, true)
  end
  if user == nil or pass == nil then
    c:reply(501, "5.5.2 Cannot decode response")
    return true
  end
  return self:auth_done(c, st, user, self:check_password(user, pass))
end

-- 235 or 535, through the faults for AUTH.
function Server:auth_done(c, st, user, ok)
  if ok then
    st.user = user
    return self:respond(c, st, "AUTH", 235, "2.7.0 Authentication successful")
  end
  return self:respond(c, st, "AUTH", 535,
    "5.7.8 Error: authentication failed: authentication failure")
end

-- True when addr is for this server alone: every domain it names (the
-- relay tricks hide one in the local part: user%host@local, source routes
-- @local:user@host, "user@host"@local, user@host@local) is local, and no
-- bang path. With relay_tricks, only the domain it seems to be for counts.
function Server:is_local(addr)
  if self.relay_tricks then
    return self.local_domains[(addr:match("^@([^,:]+)") or domain_of(addr)):upper()] ~= nil
  end
  if addr:find("!", 1, true) or not addr:find("@", 1, true) then return false end
  for d in addr:gmatch("[@%%]([^@%%,:\"]*)") do
    if not self.local_domains[d:upper()] then return false end
  end
  return true
end

function Server:rcpt_allowed(st, addr)
  if self:is_local(addr) then return true end
  if self.relay == "open" then return true end
  return self.relay == "auth" and st.user ~= nil
end

local handlers = {}

function handlers.EHLO(self, c, st, cmd)
  if cmd.arg == "" then return self:respond(c, st, "EHLO", 501, "5.5.4 Syntax: EHLO hostname") end
  st.helo = cmd.arg
  reset(st)
  return self:respond(c, st, "EHLO", 250, self:ehlo_lines(st))
end

function handlers.HELO(self, c, st, cmd)
  if cmd.arg == "" then return self:respond(c, st, "HELO", 501, "5.5.4 Syntax: HELO hostname") end
  st.helo = cmd.arg
  reset(st)
  return self:respond(c, st, "HELO", 250, self.hostname)
end

function handlers.MAIL(self, c, st, cmd)
  if not st.helo then return self:respond(c, st, "MAIL", 503, "5.5.1 Error: send HELO/EHLO first") end
  if st.from then return self:respond(c, st, "MAIL", 503, "5.5.1 Error: nested MAIL command") end
  local path, params = parse_path(cmd.arg, "FROM")
  if not path then return self:respond(c, st, "MAIL", 501, "5.5.4 Syntax: MAIL FROM:<address>") end
  -- RFC 1870: SIZE=<digits>, refused up front when over the limit.
  local size = (" " .. params):upper():match("%sSIZE=(%S*)")
  if size and not size:match("^%d+$") or size and #size > 20 then   -- 1*20DIGIT
    return self:respond(c, st, "MAIL", 501, "5.5.4 Syntax: SIZE=<digits>")
  end
  size = size and size:gsub("^0+", "")
  if size and not self.ignore_size and (#size > 15 or (tonumber(size) or 0) > self.max_size) then
    return self:respond(c, st, "MAIL", 552, "5.3.4 Message size exceeds fixed limit")
  end
  st.from = path
  return self:respond(c, st, "MAIL", 250, "2.1.0 Ok")
end

function handlers.RCPT(self, c, st, cmd)
  if not st.from then return self:respond(c, st, "RCPT", 503, "5.5.1 Error: need MAIL command") end
  local path = parse_path(cmd.arg, "TO")
  if not path or path == "" then
    return self:respond(c, st, "RCPT", 501, "5.5.4 Syntax: RCPT TO:<address>")
  end
  if not self:rcpt_allowed(st, path) then
    return self:respond(c, st, "RCPT", 554, ("5.7.1 <%s>: Relay access denied"):format(path))
  end
  if self.unknown_users == "refuse" and not path:find("[%%:\"!]") and
     select(2, path:gsub("@", "")) == 1 and self.local_domains[domain_of(path):upper()] and
     not self:known_user(path) then
    return self:respond(c, st, "RCPT", 550, ("5.1.1 <%s>: Recipient address rejected: " ..
      "User unknown in local recipient table"):format(path))
  end
  if self.max_recipients > 0 and #st.to >= self.max_recipients then
    return self:respond(c, st, "RCPT", 452, "4.5.3 Error: too many recipients")
  end
  st.to[#st.to + 1] = path
  return self:respond(c, st, "RCPT", 250, "2.1.5 Ok")
end

function handlers.DATA(self, c, st)
  if #st.to == 0 then
    return self:respond(c, st, "DATA", 554, "5.5.1 Error: no valid recipients")
  end
  local alive, replaced = self:respond(c, st, "DATA", 354, "End data with <CR><LF>.<CR><LF>")
  if not alive or replaced then return alive end
  -- Read to the real end (CRLF "." CRLF) whatever happens, so that the
  -- client and the server stay in step; past max_size nothing is kept.
  local data, info = c:read_data{ timeout = self.data_timeout, max_size = self.max_size,
    record_max = self.record_max, timeout_reply = self.timeout_reply,
    bare_lf_end = self.smuggling == "lf",
    too_long_reply = self.too_long_reply }
  self:observe("data", c, data, info, st)
  if info.too_big then
    reset(st)
    return self:respond(c, st, "DATA_END", 552, "5.3.4 Message size exceeds fixed limit")
  end
  if info.bare_lf and self.strict_line_endings then
    reset(st)
    return self:respond(c, st, "DATA_END", 550, "5.5.2 Error: bare <CR> or <LF> received")
  end
  self.queue_id = self.queue_id + 1
  local id = ("%X%05X"):format(self.sessions, self.queue_id)
  local msg = { from = st.from, to = st.to, data = data, helo = st.helo, user = st.user,
                id = id, size = info.size, bare_lf = info.bare_lf or nil }
  reset(st)
  local ok, err = self:keep(msg)
  if not ok then
    self.errors[#self.errors + 1] = err
    smtp.note("server: on_message: " ..
      tostring(type(err) == "table" and err.message or err))
    return self:respond(c, st, "DATA_END", 451, "4.3.0 Error: queue file write error")
  end
  return self:respond(c, st, "DATA_END", 250, "2.0.0 Ok: queued as " .. id)
end

-- An accepted message: to on_message, or into srv.messages (the newest
-- keep_messages of them). Returns false and the error when on_message fails.
function Server:keep(msg)
  if self.on_message then
    local ok, err = pcall(self.on_message, msg, self)
    if ok then self.accepted = self.accepted + 1 end
    return ok, err
  end
  self.accepted = self.accepted + 1
  local list = self.messages
  list[#list + 1] = msg
  while #list > self.keep_messages do
    table.remove(list, 1)
    self.dropped = self.dropped + 1
  end
  return true
end

function handlers.RSET(self, c, st)
  reset(st)
  return self:respond(c, st, "RSET", 250, "2.0.0 Ok")
end

function handlers.NOOP(self, c, st)
  return self:respond(c, st, "NOOP", 250, "2.0.0 Ok")
end

-- True when name (a local part, or an address) is a user of this server:
-- a key of users, or postmaster (RFC 5321 section 4.5.1).
function Server:known_user(name)
  name = name:match("^%s*<?([^<>%s]*)>?%s*$") or name
  local lp, dom = name:lower():match("^([^@]*)@?(.*)$")
  if lp == "postmaster" and (dom == "" or self.local_domains[dom:upper()]) then return true end
  for u in pairs(self.users) do
    u = u:lower()
    if u == name:lower() or (dom == "" and u:match("^([^@]*)") == lp) then return true end
  end
  return false
end

function handlers.VRFY(self, c, st, cmd)
  if not self.vrfy then
    return self:respond(c, st, "VRFY", 502, "5.5.1 VRFY command is disabled")
  end
  if cmd.arg == "" then return self:respond(c, st, "VRFY", 501, "5.5.4 Syntax: VRFY address") end
  if self:known_user(cmd.arg) then
    return self:respond(c, st, "VRFY", 250, "2.1.5 <" .. cmd.arg:gsub("[<>]", "") .. ">")
  end
  return self:respond(c, st, "VRFY", 550, ("5.1.1 <%s>: Recipient address rejected: " ..
    "User unknown"):format((cmd.arg:gsub("[<>]", ""))))
end

function handlers.STARTTLS(self, c, st)
  if not self.tls then
    return self:respond(c, st, "STARTTLS", 502, "5.5.1 Error: command not implemented")
  end
  if st.tls then return self:respond(c, st, "STARTTLS", 554, "5.5.1 Error: TLS already active") end
  local alive, replaced = self:respond(c, st, "STARTTLS", 220, "2.0.0 Ready to start TLS")
  if not alive or replaced then return alive end
  local opts = {}
  for k, v in pairs(self:tls_options()) do opts[k] = v end
  -- A vulnerable server (CVE-2011-0411) keeps what came before the handshake.
  opts.keep_plaintext = self.starttls_vulnerable
  opts.timeout = opts.timeout or self.command_timeout
  c:tls_handshake(opts)
  -- RFC 3207: everything learnt before TLS is forgotten.
  st.tls, st.helo, st.user = true, nil, nil
  reset(st)
  return true
end

function handlers.QUIT(self, c, st)
  self:respond(c, st, "QUIT", 221, "2.0.0 Bye")
  c:close()
  return false
end

function handlers.AUTH(self, c, st, cmd)
  if self.auth_requires_tls and not st.tls then
    return self:respond(c, st, "AUTH", 530, "5.7.0 Must issue a STARTTLS command first")
  end
  local mech, initial = cmd.arg:match("^%s*(%S+)%s*(%S*)%s*$")
  if not mech then
    return self:respond(c, st, "AUTH", 501, "5.5.4 Syntax: AUTH mechanism")
  end
  return self:authenticate(c, st, mech:upper(), initial ~= "" and initial or nil)
end

-- One SMTP session on server session c, to the end.
function Server:session(c)
  local st = { to = {} }
  self.sessions = self.sessions + 1
  if self.implicit_tls then
    local opts = { timeout = self.command_timeout }
    for k, v in pairs(self:tls_options()) do opts[k] = v end
    c:tls_handshake(opts)
    st.tls = true
  end
  if not self:respond(c, st, "GREETING", 220, self.greeting) then return end
  while true do
    local cmd = self:command(c)
    if not cmd then return end
    st.line = cmd.line
    self:observe("command", c, cmd, st)
    local h = handlers[cmd.verb]
    local alive
    if cmd.line:find("\0", 1, true) then
      alive = self:respond(c, st, cmd.verb, 501, "5.5.2 Syntax error: NUL in command")
    elseif cmd.bare_lf and self.strict_line_endings then
      alive = self:respond(c, st, cmd.verb, 500, "5.5.2 Error: bare <CR> or <LF> received")
    elseif h then
      alive = h(self, c, st, cmd)
    else
      alive = self:respond(c, st, cmd.verb, 502, "5.5.2 Error: command not recognized")
    end
    if not alive then return end
  end
end

-- session(), with a misbehaving client noted instead of failing the scenario.
-- (serve() counts the sessions open around it, for max_sessions.)
function Server:handle(c)
  self:observe("session", c)
  local ok, err = pcall(self.session, self, c)
  self:observe("close", c, not ok and err or nil)
  if not ok and self.strict then
    c:close()
    error(err, 0)
  end
  if not ok then
    self.errors[#self.errors + 1] = err
    -- Where a server-side error arose in the scenario says nothing useful:
    -- the client it was serving does.
    local host, port = c:peer()
    local why = type(err) == "table" and err.message or tostring(err)
    smtp.note(("server: session from %s port %s: %s"):format(host, port, why))
  end
  c:close()
end

return server
