-- smtp/yamlscenario.lua: scenarios in YAML, for people who don't write Lua.
-- They compile onto the same API as Lua scenarios, so behaviour and
-- messages are the same; a failing step is reported at its line.
--
--   variables:                    # defaults for ${name} (-D and the config win)
--     to: relay-test@example.net
--   cases:
--     - name: relay refused without auth
--       steps:
--         - connect                 # or connect: {host:, port:, tls:, timeout:}
--         - expect: 220             # 250, "2xx", [250, 251], {code:, text:, timeout:}
--         - ehlo: {name: client.example.test, require: [AUTH], forbid: [XFOO]}
--         - mail_from: alice@example.test
--         - rcpt_to: {address: "${to}", expect: 5xx}
--         - quit
--
-- Steps: connect, send, send_raw, expect, reply, ehlo, helo, starttls, auth,
-- mail_from, rcpt_to, data, rset, noop, quit, expect_close, close, sleep,
-- and lua (a chunk run with the session as `s` and the variables as
-- `vars`: ${name} is not expanded in its code). A case may say
-- skip: "why" or expect_failure: "why". ${name} comes from the variables,
-- then the environment; ${name:-default} gives a default.

local smtp = require "smtp"
local testing = require "smtp.testing"
local Y = require "smtp.yaml"

local M = {}

local SPEC_KEYS = { code = true, text = true, timeout = true }

-- An expectation: a code, a class, a list of them, or {code=, text=, timeout=}.
local function spec_of(c, node, what)
  if node.kind == "seq" then
    local list = {}
    for _, item in ipairs(node.items) do
      local v = c.str(item, what)
      list[#list + 1] = tonumber(v) or v
    end
    return list
  end
  if node.kind == "map" then
    local m = c.map(node, what, SPEC_KEYS, { "code" })
    local spec = spec_of(c, m.code, what .. ".code")
    return spec, m.text and c.str(m.text, what .. ".text"),
      m.timeout and c.num(m.timeout, what .. ".timeout")
  end
  local v = c.str(node, what)
  return tonumber(v) or v
end

-- Each step kind: how to read its argument (a node, maybe nil), returning
-- the function that runs it on the case's state {s = session}.
local STEPS = {}

local function no_arg(name, run)
  STEPS[name] = function(c, node)
    if node and not (node.kind == "scalar" and node.value == "") and
       not (node.kind == "map" and #node.keys == 0) then
      c.map(node, name, { timeout = true, expect = true })
    end
    local o = node and node.kind == "map" and node.map or {}
    local opts = { timeout = o.timeout and c.num(o.timeout, name .. ".timeout"),
                   expect = o.expect and spec_of(c, o.expect, name .. ".expect") }
    return function(st) return run(st, opts) end
  end
end

-- Steps that take a text argument, or {<key>=, params=, expect=, timeout=}.
local function text_arg(name, key, run)
  STEPS[name] = function(c, node, _, where)
    local text, opts = nil, {}
    if node and node.kind == "map" then
      local m = c.map(node, name, { [key] = true, params = true, expect = true, timeout = true },
        { key })
      text = c.str(m[key], name .. "." .. key)
      opts.params = m.params and c.str(m.params, name .. ".params")
      opts.expect = m.expect and spec_of(c, m.expect, name .. ".expect")
      opts.timeout = m.timeout and c.num(m.timeout, name .. ".timeout")
    elseif node then
      text = c.str(node, name)
    else
      c.fail(where, name .. ": needs a value")
    end
    return function(st) return run(st, text, opts) end
  end
end

STEPS.connect = function(c, node)
  local o = {}
  if node and node.kind == "map" then
    local m = c.map(node, "connect", { host = true, port = true, tls = true, timeout = true,
                                        verify = true, cafile = true, verify_name = true })
    o.host = m.host and c.str(m.host, "connect.host")
    o.port = m.port and c.num(m.port, "connect.port")
    o.timeout = m.timeout and c.num(m.timeout, "connect.timeout")
    if m.tls and c.bool(m.tls, "connect.tls") then
      o.tls = { verify = m.verify and c.bool(m.verify, "connect.verify"),
                cafile = m.cafile and c.str(m.cafile, "connect.cafile"),
                verify_name = m.verify_name and c.str(m.verify_name, "connect.verify_name") }
    end
  end
  return function(st) st.s = smtp.connect(o) end
end

text_arg("send", "line", function(st, text, o) st.s:send(text, o) end)
text_arg("send_raw", "bytes", function(st, text, o) st.s:send_raw(text, o) end)

STEPS.expect = function(c, node, _, where)
  if not node then c.fail(where, "expect: needs a reply code") end
  local spec, text, timeout = spec_of(c, node, "expect")
  return function(st) st.s:expect(spec, text, { timeout = timeout }) end
end
no_arg("reply", function(st, o) st.s:reply(o) end)

STEPS.ehlo = function(c, node)
  local name, req, forbid, timeout
  if node and node.kind == "map" then
    local m = c.map(node, "ehlo", { name = true, require = true, forbid = true, timeout = true })
    name = m.name and c.str(m.name, "ehlo.name")
    timeout = m.timeout and c.num(m.timeout, "ehlo.timeout")
    local function names(n, what)
      local out = {}
      for _, item in ipairs(c.list(n, what)) do out[#out + 1] = { c.str(item, what):upper(), item } end
      return out
    end
    req = m.require and names(m.require, "ehlo.require")
    forbid = m.forbid and names(m.forbid, "ehlo.forbid")
  elseif node then
    name = c.str(node, "ehlo")
  end
  return function(st)
    local caps = st.s:ehlo(name, { timeout = timeout })
    local function has(kw)
      local mech = kw:match("^AUTH[ =](.+)$")
      if mech then return caps.AUTH and caps.AUTH[mech] end
      return caps[kw] ~= nil
    end
    for _, k in ipairs(req or {}) do
      if not has(k[1]) then
        smtp.fail(("EHLO does not advertise %s"):format(k[1]), "expect",
          { expected = k[1], got = table.concat(caps.reply.lines, " / ") })
      end
    end
    for _, k in ipairs(forbid or {}) do
      if has(k[1]) then
        smtp.fail(("EHLO advertises %s, which it must not"):format(k[1]), "expect",
          { expected = "no " .. k[1] })
      end
    end
  end
end
text_arg("helo", "name", function(st, text, o) st.s:helo(text, o) end)

STEPS.starttls = function(c, node)
  local o = {}
  if node and node.kind == "map" then
    local m = c.map(node, "starttls", { verify = true, cafile = true, verify_name = true,
                                         sni = true, timeout = true, min_version = true,
                                         max_version = true })
    for k, n in pairs(m) do
      if k == "verify" then o[k] = c.bool(n, "starttls.verify")
      elseif k == "timeout" then o[k] = c.num(n, "starttls.timeout")
      else o[k] = c.str(n, "starttls." .. k) end
    end
  end
  return function(st) st.s:starttls(o) end
end

STEPS.auth = function(c, node, _, where)
  if not node then c.fail(where, "auth: needs {user:, password:}") end
  local m = c.map(node, "auth", { mechanism = true, user = true, password = true,
                                   token = true, expect = true, timeout = true }, { "user" })
  local mech = m.mechanism and c.str(m.mechanism, "auth.mechanism")
  local user = c.str(m.user, "auth.user")
  local secret = m.password and c.str(m.password, "auth.password") or
    m.token and c.str(m.token, "auth.token")
  if not secret then c.fail(node, "auth: missing \"password\" (or \"token\")") end
  local opts = { expect = m.expect and spec_of(c, m.expect, "auth.expect"),
                 timeout = m.timeout and c.num(m.timeout, "auth.timeout") }
  return function(st) st.s:auth(mech, user, secret, opts) end
end

text_arg("mail_from", "address", function(st, text, o) st.s:mail_from(text, o.params, o) end)
text_arg("rcpt_to", "address", function(st, text, o) st.s:rcpt_to(text, o.params, o) end)
text_arg("data", "message", function(st, text, o) st.s:data(text, o) end)
no_arg("rset", function(st, o) st.s:rset(o) end)
no_arg("noop", function(st, o) st.s:noop(o) end)
no_arg("quit", function(st, o) st.s:quit(o) end)
no_arg("expect_close", function(st, o) st.s:expect_close(o) end)
no_arg("close", function(st) st.s:close() end)

STEPS.sleep = function(c, node, _, where)
  if not node then c.fail(where, "sleep: needs seconds") end
  local secs = c.num(node, "sleep")
  return function() smtp.sleep(secs) end
end

-- The code of a lua: step is the file's own text: ${NAME} is not expanded
-- in it (a value pasted into code would run as code); the values reach it
-- as `vars`, where vars.NAME is what ${NAME} is in the other fields.
STEPS.lua = function(c, node, path, where, vars)
  if not node then c.fail(where, "lua: needs code") end
  if node.kind ~= "scalar" then c.fail(node, "lua: expected text (Lua code), got a " ..
    (node.kind == "map" and "mapping" or "list")) end
  local code = node.value
  local name = code:match("%${([%w_]+)")
  if name then
    c.fail(node, ("lua: ${%s} is not expanded in Lua code (the value would run as code); "
      .. "write vars.%s"):format(name, name))
  end
  local chunk, err = load("local s, vars = ...; " .. code, ("=%s:%d"):format(path, node.line), "t")
  if not chunk then c.fail(node, "lua: " .. err) end
  return function(st) chunk(st.s, vars) end
end

local ANY_KEY = { __index = function() return true end }
local CASE_KEYS = { name = true, steps = true, skip = true, expect_failure = true }

-- Runs a step; an error is re-raised at the step's line.
local function run_step(path, step, st)
  if step.needs_session and not st.s then
    smtp.fail(step.name .. ": no session yet (start with a connect step)", "usage",
      { at = ("%s:%d"):format(path, step.line) })
  end
  local ok, err = pcall(step.fn, st)
  if ok then return end
  if type(err) == "table" and err.kind then
    local fields = {}
    for k, v in pairs(err) do fields[k] = v end
    fields.at = ("%s:%d"):format(path, step.line)
    smtp.fail(err.message, err.kind, fields)
  end
  smtp.fail(("%s: %s"):format(step.name, tostring(err)), "script",
    { at = ("%s:%d"):format(path, step.line) })
end

function M.compile(path)
  local root = Y.load(path, "a mapping with cases")
  local vars = rawget(_G, "vars")        -- the runner's global: -D and the config
  local lookup = function(name)
    local v = vars and vars[name]
    if v == nil then v = os.getenv(name) end
    return v
  end
  -- The file's own variables give defaults for ${...}; -D and the config win.
  local top = Y.checker(path, nil).map(root, "the scenario",
    { description = true, variables = true, cases = true }, { "cases" })
  local defaults = {}
  if top.variables then
    local vc = Y.checker(path, lookup)
    local m = vc.map(top.variables, "variables", setmetatable({}, ANY_KEY))
    for _, k in ipairs(top.variables.keys) do
      defaults[k] = vc.str(m[k], "variables." .. k)
    end
  end
  local function lookup_all(name)
    local v = lookup(name)
    if v == nil then v = defaults[name] end
    return v
  end
  local c = Y.checker(path, lookup_all)
  -- What lua: steps see as `vars`: the same values as ${NAME}.
  local step_vars = setmetatable({}, { __index = function(_, k)
    return type(k) == "string" and lookup_all(k) or nil
  end })

  local cases = {}
  for i, cnode in ipairs(c.list(top.cases, "cases")) do
    local m = c.map(cnode, ("case %d"):format(i), CASE_KEYS, { "name", "steps" })
    local case = { name = c.str(m.name, "name"), steps = {} }
    case.skip = m.skip and c.str(m.skip, "skip")
    case.todo = m.expect_failure and c.str(m.expect_failure, "expect_failure")
    for _, snode in ipairs(c.list(m.steps, "steps")) do
      local name, arg
      if snode.kind == "scalar" then
        name = snode.value
      elseif snode.kind == "map" and #snode.keys == 1 then
        name = snode.keys[1]
        arg = snode.map[name]
      else
        c.fail(snode, "a step is one name, or one name and its value (e.g. \"expect: 250\")")
      end
      local make = STEPS[name]
      if not make then
        local names = {}
        for k in pairs(STEPS) do names[#names + 1] = k end
        table.sort(names)
        c.fail(snode.kind == "map" and snode.keynode[name] or snode,
          ("unknown step %q (expected one of: %s)"):format(name, table.concat(names, ", ")))
      end
      case.steps[#case.steps + 1] = {
        name = name, line = snode.line, fn = make(c, arg, path, snode, step_vars),
        needs_session = name ~= "connect" and name ~= "sleep" and name ~= "lua",
      }
    end
    cases[#cases + 1] = case
  end

  return function()
    for _, case in ipairs(cases) do
      local body = function()
        if case.skip then testing.skip(case.skip) end
        local st = {}
        for _, step in ipairs(case.steps) do run_step(path, step, st) end
      end
      if case.todo then
        testing.expect_failure(case.name, case.todo, body)
      else
        testing.test(case.name, body)
      end
    end
  end
end

return M
