-- smtp.lua: the scripting API of smtprun, global `smtp` in every scenario.
--
-- The waiting primitives are C (smtprun.core): connect, and on a session
-- send, send_raw, expect, reply, expect_close, close, tls_handshake.
-- Everything here is sugar on top of them: implicit TLS in smtp.connect, the
-- SMTP verbs, EHLO parsing, AUTH exchanges, message building. Errors raised
-- here point at the scenario line that called the helper, not at this file.

local core = require "smtprun.core"
local S = core.session          -- the methods of every session

local smtp = { session = S, default_helo = "localhost" }

-- What the binding offers as it is.
for name in ([[listen spawn wait_all set_target b64encode b64decode sleep now note
  fail config server_session tls_selfsigned random scram sasl_plain sasl_cram_md5
  sasl_xoauth2 sasl_oauthbearer scram_redact]]):gmatch("%S+") do
  smtp[name] = core[name]
end

-- smtp.connect{host=, port=, timeout=, tls=}: tls = true or a table of TLS
-- options makes it implicit TLS (RFC 8314): the handshake right after the
-- TCP connection.
function smtp.connect(opts)
  local s = core.connect(opts)
  local tls
  if type(opts) == "table" then tls = opts.tls end
  if tls == nil and core.config("implicit_tls") and not (type(opts) == "table" and opts.host) then
    tls = true      -- the configured target speaks TLS first
  end
  if tls then
    s:tls_handshake(tls == true and {} or tls)
  end
  return s
end

-- A listener made with tls = {cert=, key=} (or cert_pem=, key_pem=) does the
-- server's handshake in accept (implicit TLS), unless accept is given
-- handshake = false (then c:tls_handshake is the caller's to call).
local L = core.listener
local raw_accept = L.accept
function L:accept(opts)
  local c = raw_accept(self, opts)
  local tls = (self:options() or {}).tls
  if tls and not (opts and opts.handshake == false) then
    c:tls_handshake(tls)
  end
  return c
end

-- smtp.phase(name, fn, ...): runs fn(...) and returns what it returns; in a
-- load run (smtprun load) its duration is reported as the phase `name`, with
-- the automatic ones (connect, tls, greeting, ehlo, auth, mail, rcpt, data,
-- dot, quit, session). Only calls that return are timed.
local now, phase_record, load_active = core.now, core.phase_record, core.load_active
local function phase_done(name, t0, ...)
  phase_record(name, t0)
  return ...
end
function smtp.phase(name, fn, ...)
  if type(name) ~= "string" or type(fn) ~= "function" then
    core.fail("smtp.phase: want smtp.phase(\"name\", function() ... end)", "usage")
  end
  if not load_active() then return fn(...) end
  return phase_done(name, now(), fn(...))
end

-- A variable given with -D, or a setup error (exit 2) naming it.
function smtp.need(name)
  local vars = rawget(_G, "vars")       -- the runner's global: -D and the config
  local v = vars and vars[name]
  if v == nil or v == "" then
    core.fail(("missing variable '%s': pass -D %s=VALUE"):format(name, name), "setup")
  end
  return v
end

-- Helpers take (arg, params, opts) or (arg, opts): sort out which is which.
local function split(params, opts)
  if type(params) == "table" then return nil, params end
  return params, opts or {}
end

-- Sends a command and expects its reply; opts.expect overrides the
-- expected spec and opts.match adds a text pattern.
local function command(s, line, spec, opts, send_opts)
  s:send(line, send_opts or opts)
  return s:expect(opts.expect or spec, opts.match, opts)
end

---------------------------------------------------------------------------
-- Greeting, EHLO/HELO, envelope, DATA, and the small verbs.

function S:greeting(opts)
  opts = opts or {}
  return self:expect(opts.expect or 220, opts.match, opts)
end

-- Parses EHLO reply lines 2.. into a capability table:
--   caps.AUTH = {"PLAIN", "LOGIN", PLAIN = true, LOGIN = true}
--   caps.SIZE = 10240000 (0 when no limit is given)
--   caps.STARTTLS = true, caps.PIPELINING = true, ...
--   caps["X-FOO"] = {"param", ...} for any other keyword with parameters
--   caps.domain, caps.greeting, caps.reply: the first line and the reply
function smtp.parse_caps(reply)
  local first = reply.lines[1] or ""
  local caps = { domain = first:match("^(%S+)"), greeting = first, reply = reply }
  for i = 2, #reply.lines do
    local kw, rest = reply.lines[i]:match("^([^%s=]+)[%s=]*(.-)%s*$")
    if kw then
      kw = kw:upper()
      local params = {}
      for p in rest:gmatch("%S+") do params[#params + 1] = p end
      if kw == "AUTH" then          -- also the old "AUTH=LOGIN PLAIN" form
        local list = caps.AUTH or {}
        for _, p in ipairs(params) do
          p = p:upper()
          if not list[p] then list[#list + 1] = p; list[p] = true end
        end
        caps.AUTH = list
      elseif kw == "SIZE" then
        caps.SIZE = tonumber(params[1]) or 0
      elseif #params == 0 then
        caps[kw] = true
      else
        caps[kw] = params
      end
    end
  end
  return caps
end

function S:ehlo(name, opts)
  if type(name) == "table" then name, opts = nil, name end
  opts = opts or {}
  local r = command(self, "EHLO " .. (name or smtp.default_helo), 250, opts)
  local caps = smtp.parse_caps(r)
  self:data_table().caps = caps
  return caps
end

-- The capabilities of the last EHLO on this session (nil before one).
function S:caps()
  return self:data_table().caps
end

function S:helo(name, opts)
  if type(name) == "table" then name, opts = nil, name end
  return command(self, "HELO " .. (name or smtp.default_helo), 250, opts or {})
end

local function path_cmd(verb, addr, params)
  local line = ("%s:<%s>"):format(verb, addr or "")
  if params and params ~= "" then line = line .. " " .. params end
  return line
end

function S:mail_from(addr, params, opts)
  params, opts = split(params, opts)
  return command(self, path_cmd("MAIL FROM", addr, params), 250, opts)
end

function S:rcpt_to(addr, params, opts)
  params, opts = split(params, opts)
  return command(self, path_cmd("RCPT TO", addr, params), { 250, 251 }, opts)
end

-- DATA: 354, then the message with line endings made CRLF, dot-stuffed
-- (RFC 5321 section 4.5.2) and ended by the lone ".", then 250.
-- message: a string, or a table for smtp.message.
-- opts.raw = true: the string's bytes exactly as given, nothing normalised,
-- stuffed or added: the script writes its own end of data (CRLF.CRLF, or
-- the variant under test). Then the reply to that end, as usual, unless
-- opts.wait = false (nothing read: s:reply or s:pending is the script's).
function S:data(message, opts)
  opts = opts or {}
  if opts.raw and type(message) ~= "string" then
    core.fail("data: with raw = true the message must be a string (its exact bytes)", "usage")
  end
  if type(message) == "table" then message = smtp.message(message) end
  if type(message) ~= "string" then
    core.fail("data: message must be a string or a table", "usage")
  end
  self:send("DATA", opts)
  self:expect(opts.expect_354 or 354, nil, opts)
  local bytes = opts.raw and message or core.dot_stuff(message)
  self:send_raw(bytes, { label = opts.raw and "the raw message data" or "the message data",
                         timeout = opts.timeout })
  if opts.raw and opts.wait == false then return nil end
  return self:expect(opts.expect or 250, opts.match, opts)
end

function S:rset(opts) return command(self, "RSET", 250, opts or {}) end
function S:noop(opts) return command(self, "NOOP", 250, opts or {}) end

-- QUIT, 221, and the connection closed on our side.
function S:quit(opts)
  local r = command(self, "QUIT", 221, opts or {})
  self:close()
  return r
end

---------------------------------------------------------------------------
-- STARTTLS (RFC 3207).

-- STARTTLS, 220, and the handshake (options as for smtp.connect's tls=).
-- The capabilities learnt before are forgotten: send EHLO again.
function S:starttls(opts)
  opts = opts or {}
  self:send("STARTTLS", opts)
  self:expect(opts.expect or 220, nil, { kind = "tls", why = "STARTTLS refused",
                                         timeout = opts.timeout })
  self:data_table().caps = nil
  return self:tls_handshake(opts)
end

---------------------------------------------------------------------------
-- AUTH (RFC 4954). Secrets are sent with a stand-in for the transcript.

-- What each mechanism puts on the wire, for the cleartext note.
local EXPOSED = {
  LOGIN = "the user name and password", PLAIN = "the user name and password",
  XOAUTH2 = "the user name and bearer token", OAUTHBEARER = "the user name and bearer token",
}

-- Before any secret: opts.require_tls (or --require-tls-auth for the whole
-- run; a script cannot lift that) refuses AUTH on a session without TLS;
-- otherwise AUTH in clear is noted with a "***" line, and goes on.
local function auth_policy(s, mech, opts)
  if s:tls_info() then return end
  local by = opts.require_tls and "require_tls" or
    core.config().require_tls_auth and "--require-tls-auth"
  if by then
    local msg = ("AUTH %s refused by %s: the session is not encrypted (use STARTTLS " ..
      "or implicit TLS first); no credentials were sent"):format(mech, by)
    smtp.note(msg, "error")       -- in the transcript even when the script catches it
    core.fail(msg, "tls", { recorded = "transcript" })
  end
  smtp.note(("AUTH %s on a session without TLS: %s cross the network in clear " ..
    "(require_tls = true or --require-tls-auth refuses this)"):format(mech,
    EXPOSED[mech] or "the user name and the response (open to offline guessing)"), "error")
end

-- Notes an AUTH the server did not advertise (allowed: servers get tested);
-- checks the TLS policy (auth_policy).
local function auth_begin(s, mech, opts)
  auth_policy(s, mech, opts)
  local caps = s:caps()
  if caps and not (caps.AUTH and caps.AUTH[mech]) then
    smtp.note(("note: AUTH %s was not advertised by the server (it offered: %s)")
      :format(mech, caps.AUTH and table.concat(caps.AUTH, " ") or "no AUTH"))
  end
end

-- redact = "scram": the reply carries a SCRAM message, whose nonces, salt
-- and signature stay out of the record (they would allow offline guessing).
local function auth_opts(opts, why, redact)
  return { kind = "auth", why = why, timeout = opts.timeout, redact = redact }
end

-- Expects a 334 in the middle of an AUTH exchange; with opts.expect (say
-- 535, or "5xx") the final reply may come early instead, and is returned as
-- the second value.
local function step(s, opts, why, redact)
  local spec = opts.expect and { 334, opts.expect } or 334
  local r = s:expect(spec, nil, auth_opts(opts, why, redact))
  if r.code ~= 334 then return nil, r end
  return r
end

-- Text from the server in a message: quoted, and shown as smtprun shows
-- bytes everywhere (core.escape): its control codes and broken UTF-8 never
-- reach a terminal or a report raw.
local function quoted(text)
  return '"' .. core.escape(text) .. '"'
end

-- The server's 334 text decoded; notes (does not fail on) an unexpected one.
local function check_prompt(reply, want, what)
  local text = reply.text or ""
  local decoded = core.b64decode(text)
  if decoded == nil then
    smtp.note(("note: 334 challenge %s is not base64 (expected the %s prompt)")
      :format(quoted(text), what))
  elseif not decoded:lower():find(want) then
    smtp.note(("note: unexpected prompt %s (expected the %s prompt)"):format(quoted(decoded), what))
  end
  return decoded
end

-- 235, or what opts.expect says (e.g. 535 to check a wrong password fails).
local function auth_result(s, opts)
  return s:expect(opts.expect or 235, nil, auth_opts(opts, "authentication failed"))
end

-- AUTH LOGIN as in the article: 334 "Username:", base64(user), 334
-- "Password:", base64(password), 235. opts.initial: send the user name
-- with the command (RFC 4954 section 4), skipping the first prompt.
function S:auth_login(user, pass, opts)
  opts = opts or {}
  if type(user) ~= "string" or type(pass) ~= "string" then
    core.fail("auth_login: user and password must be strings", "usage")
  end
  auth_begin(self, "LOGIN", opts)
  local b64user = core.b64encode(user)
  if opts.initial then
    self:send("AUTH LOGIN " .. b64user,
      { redact = "AUTH LOGIN [username redacted]", timeout = opts.timeout })
  else
    self:send("AUTH LOGIN", opts)
    local r, early = step(self, opts, "AUTH LOGIN refused")
    if early then return early end
    check_prompt(r, "user", "user name")
    self:send(b64user, { redact = "[username redacted]", timeout = opts.timeout })
  end
  local r, early = step(self, opts, "AUTH LOGIN refused")
  if early then return early end
  check_prompt(r, "pass", "password")
  self:send(core.b64encode(pass), { redact = "[password redacted]", timeout = opts.timeout })
  return auth_result(self, opts)
end

-- AUTH PLAIN (RFC 4616): with the initial response by default;
-- opts.initial = false waits for the server's 334 first.
function S:auth_plain(user, pass, authzid, opts)
  if type(authzid) == "table" then authzid, opts = nil, authzid end
  opts = opts or {}
  auth_begin(self, "PLAIN", opts)
  local payload = core.sasl_plain(user, pass, authzid)
  if opts.initial == false then
    self:send("AUTH PLAIN", opts)
    local _, early = step(self, opts, "AUTH PLAIN refused")
    if early then return early end
    self:send(payload, { redact = "[credentials redacted]", timeout = opts.timeout })
  else
    self:send("AUTH PLAIN " .. payload,
      { redact = "AUTH PLAIN [credentials redacted]", timeout = opts.timeout })
  end
  return auth_result(self, opts)
end

-- The 334 challenge decoded (or nil and the early final reply), or a
-- protocol failure.
local function challenge(s, opts, why, redact)
  local r, early = step(s, opts, why, redact)
  if early then return nil, early end
  local text = core.b64decode(r.text)
  if not text then
    core.fail(("%s: the server's 334 challenge is not base64: %s"):format(why,
      redact and "[redacted]" or quoted(r.text)), "protocol")
  end
  return text
end

-- AUTH CRAM-MD5 (RFC 2195): HMAC-MD5 of the server's challenge.
function S:auth_cram_md5(user, pass, opts)
  opts = opts or {}
  auth_begin(self, "CRAM-MD5", opts)
  self:send("AUTH CRAM-MD5", opts)
  local chal, early = challenge(self, opts, "AUTH CRAM-MD5 refused")
  if early then return early end
  self:send(core.sasl_cram_md5(user, pass, chal),
    { redact = "[CRAM-MD5 response redacted]", timeout = opts.timeout })
  return auth_result(self, opts)
end

-- XOAUTH2 and OAUTHBEARER: a bearer token. A refusal comes as a 334 with a
-- JSON error; the client answers it (empty, or ^A) and the server says 535.
local function auth_bearer(s, mech, payload, ack, opts)
  auth_begin(s, mech, opts)
  s:send("AUTH " .. mech .. " " .. payload,
    { redact = "AUTH " .. mech .. " [token redacted]", timeout = opts.timeout })
  local r = s:reply(opts)
  if r.code == 334 then
    -- The server's JSON error, decoded: its bytes, shown as text.
    local err = core.escape(core.b64decode(r.text) or r.text)
    s:send(ack, opts)
    return s:expect(opts.expect or 235, nil,
      auth_opts(opts, "authentication failed (" .. mech .. ": " .. err .. ")"))
  end
  if r.code ~= (opts.expect or 235) then
    local got = r.code .. " " .. core.escape(r.lines[1] or "")
    core.fail(("authentication failed: expected %s, got %s (in reply to 'AUTH %s')")
      :format(tostring(opts.expect or 235), got, mech), "auth", { reply = r, got = got })
  end
  return r
end

function S:auth_xoauth2(user, token, opts)
  opts = opts or {}
  return auth_bearer(self, "XOAUTH2", core.sasl_xoauth2(user, token), "", opts)
end

-- opts.host / opts.port: what the token is for (default: the session's peer).
function S:auth_oauthbearer(user, token, opts)
  opts = opts or {}
  local host, port = self:peer()
  return auth_bearer(self, "OAUTHBEARER",
    core.sasl_oauthbearer(user, token, opts.host or host, tostring(opts.port or port)),
    "AQ==", opts)
end

-- SCRAM-SHA-1 / SCRAM-SHA-256 (RFC 5802, RFC 7677): the client proves it
-- knows the password, and the server must prove it too: a wrong server
-- signature is an error even when the server says 235.
function S:auth_scram(mech, user, pass, opts)
  opts = opts or {}
  mech = mech:upper()
  auth_begin(self, mech, opts)
  local sc = core.scram(mech)
  local first = core.b64encode(sc:client_first(user, opts.nonce))
  self:send("AUTH " .. mech .. " " .. first,
    { redact = "AUTH " .. mech .. " [client-first-message redacted]", timeout = opts.timeout })
  local sf, early = challenge(self, opts, "AUTH " .. mech .. " refused", "scram")
  if early then return early end
  local final, why = sc:client_final(sf, pass)
  if not final then
    self:send("*", opts)
    self:reply(opts)
    core.fail("AUTH " .. mech .. ": " .. core.escape(why), "protocol")
  end
  self:send(core.b64encode(final), { redact = "[SCRAM proof redacted]", timeout = opts.timeout })
  local r = self:expect({ 334, opts.expect or 235 }, nil,
    auth_opts(opts, "authentication failed", "scram"))
  if r.code == 334 or (r.code == 235 and core.b64decode(r.text or "")) then
    local ok, bad = sc:client_verify(core.b64decode(r.text) or "")
    if not ok then core.fail("AUTH " .. mech .. ": " .. core.escape(bad), "auth") end
    if r.code == 334 then
      self:send("", opts)
      r = auth_result(self, opts)
    end
  elseif r.code == 235 then
    core.fail("AUTH " .. mech .. ": the server said 235 without proving it knows the " ..
      "password (no server signature)", "auth")
  end
  return r
end

-- The strongest first, for s:auth() without a mechanism.
local STRENGTH = { "SCRAM-SHA-256", "SCRAM-SHA-1", "CRAM-MD5", "PLAIN", "LOGIN" }

-- s:auth([mech,] user, secret [, opts]): by name, or (mech nil) the strongest
-- the server advertised. For XOAUTH2 and OAUTHBEARER the secret is the token.
function S:auth(mech, user, pass, opts)
  opts = opts or {}
  if mech == nil then
    local caps = self:caps()
    if not (caps and caps.AUTH) then
      core.fail("auth: no mechanism given, and the server advertised none " ..
        "(call s:ehlo first)", "usage")
    end
    for _, m in ipairs(STRENGTH) do
      if caps.AUTH[m] then mech = m; break end
    end
    if not mech then
      core.fail("auth: none of the server's mechanisms (" ..
        core.escape(table.concat(caps.AUTH, " ")) ..
        ") works with a password", "auth")
    end
    smtp.note("AUTH: picked " .. mech .. " (offered: " .. table.concat(caps.AUTH, " ") .. ")")
  end
  mech = mech:upper()
  if mech == "LOGIN" then return self:auth_login(user, pass, opts)
  elseif mech == "PLAIN" then return self:auth_plain(user, pass, opts)
  elseif mech == "CRAM-MD5" then return self:auth_cram_md5(user, pass, opts)
  elseif mech == "XOAUTH2" then return self:auth_xoauth2(user, pass, opts)
  elseif mech == "OAUTHBEARER" then return self:auth_oauthbearer(user, pass, opts)
  elseif mech:match("^SCRAM%-SHA%-") then return self:auth_scram(mech, user, pass, opts)
  end
  core.fail("auth: unknown mechanism " .. mech, "usage")
end

---------------------------------------------------------------------------
-- Messages.

-- Builds an RFC 5322 message: {from=, to= (string or list), subject=,
-- body=, headers = {"Name: value", ...}, date=, message_id=}. Date and
-- Message-ID are filled in when absent.
function smtp.message(m)
  local to = m.to
  if type(to) == "table" then to = table.concat(to, ", ") end
  local h = {}
  local function add(name, value)
    if value ~= nil and value ~= false then h[#h + 1] = name .. ": " .. value end
  end
  add("Date", m.date or os.date("!%a, %d %b %Y %H:%M:%S +0000"))
  add("From", m.from)
  add("To", to)
  add("Subject", m.subject)
  add("Message-ID", m.message_id or ("<%d.%d@smtprun.invalid>"):format(os.time(),
    math.random(1, 1 << 30)))
  for _, line in ipairs(m.headers or {}) do h[#h + 1] = line end
  return table.concat(h, "\r\n") .. "\r\n\r\n" .. (m.body or "")
end

return smtp
