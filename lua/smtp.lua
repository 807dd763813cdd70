-- smtp.lua: the scripting API of smtprun, global `smtp` in every scenario.
--
-- The waiting primitives are C (smtprun.core): smtp.connect, and on a session
-- send, send_raw, expect, reply, expect_close, close. Everything here is
-- sugar on top of them: the SMTP verbs, EHLO parsing, AUTH exchanges, message
-- building. Errors raised here point at the scenario line that called the
-- helper, not at this file.

local core = require "smtprun.core"
local S = core.session          -- the methods of every session

local smtp = {
  connect = core.connect,
  listen = core.listen,
  spawn = core.spawn,
  wait_all = core.wait_all,
  set_target = core.set_target,
  b64encode = core.b64encode,
  b64decode = core.b64decode,
  sleep = core.sleep,
  now = core.now,
  note = core.note,
  fail = core.fail,
  config = core.config,
  session = S,
  server_session = core.server_session,
  default_helo = "localhost",
}

-- A variable given with -D, or a setup error (exit 2) naming it.
function smtp.need(name)
  local v = rawget(_G, "vars") and vars[name]
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
function S:data(message, opts)
  opts = opts or {}
  if type(message) == "table" then message = smtp.message(message) end
  if type(message) ~= "string" then
    core.fail("data: message must be a string or a table", "usage")
  end
  self:send("DATA", opts)
  self:expect(opts.expect_354 or 354, nil, opts)
  self:send_raw(core.dot_stuff(message), { label = "the message data", timeout = opts.timeout })
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
-- AUTH (RFC 4954). Secrets are sent with a stand-in for the transcript.

local function auth_opts(opts, why)
  return { kind = "auth", why = why, timeout = opts.timeout }
end

-- The server's 334 text decoded; notes (does not fail on) an unexpected one.
local function check_prompt(s, reply, want, what)
  local text = reply.text or ""
  local decoded = core.b64decode(text)
  if decoded == nil then
    smtp.note(("note: 334 challenge %q is not base64 (expected the %s prompt)"):format(text, what))
  elseif not decoded:lower():find(want) then
    smtp.note(("note: unexpected prompt %q (expected the %s prompt)"):format(decoded, what))
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
  local b64user = core.b64encode(user)
  if opts.initial then
    self:send("AUTH LOGIN " .. b64user,
      { redact = "AUTH LOGIN [username redacted]", timeout = opts.timeout })
  else
    self:send("AUTH LOGIN", opts)
    check_prompt(self, self:expect(334, nil, auth_opts(opts, "AUTH LOGIN refused")),
      "user", "user name")
    self:send(b64user, { redact = "[username redacted]", timeout = opts.timeout })
  end
  check_prompt(self, self:expect(334, nil, auth_opts(opts, "AUTH LOGIN refused")),
    "pass", "password")
  self:send(core.b64encode(pass), { redact = "[password redacted]", timeout = opts.timeout })
  return auth_result(self, opts)
end

-- AUTH PLAIN (RFC 4616): with the initial response by default;
-- opts.initial = false waits for the server's 334 first.
function S:auth_plain(user, pass, authzid, opts)
  if type(authzid) == "table" then authzid, opts = nil, authzid end
  opts = opts or {}
  local payload = core.sasl_plain(user, pass, authzid)
  if opts.initial == false then
    self:send("AUTH PLAIN", opts)
    self:expect(334, nil, auth_opts(opts, "AUTH PLAIN refused"))
    self:send(payload, { redact = "[credentials redacted]", timeout = opts.timeout })
  else
    self:send("AUTH PLAIN " .. payload,
      { redact = "AUTH PLAIN [credentials redacted]", timeout = opts.timeout })
  end
  return auth_result(self, opts)
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
