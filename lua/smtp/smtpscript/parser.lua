-- smtp/smtpscript/parser.lua: an smtpscript file's tokens into its procs and
-- test cases (the format is described in smtp/smtpscript.lua).
--
--   local Parser = require "smtp.smtpscript.parser"
--   local script = Parser.new_script(defines)   -- -D's macros, which win
--   Parser.new(script, path, text):file()       -- adds the file's procs and cases
--
-- script.cases: the test cases in order, script.procs: procs and cases by
-- name. Each is {name, file, line, col, body}, a case also with noconnect,
-- expect_fail and skip, a proc with params. A body is a list of statements,
-- each {op, file, line, col, ...}:
--   block {body}, repeat {count, body (one statement)}, random {body},
--   call {proc}, noop, disconnect, starttls, sleep {ms}, fail {reason},
--   connect {host, port}, write {data, shown}, expect_disconnect,
--   expect_smtp {want: "any", "ok", "helo", "tempfail" or "permfail"}.

local smtp = require "smtp"
local lexer = require "smtp.smtpscript.lexer"

local core = require "smtprun.core"

local quote, syntax_error = lexer.quote, lexer.syntax_error

local Parser = {}
Parser.__index = Parser

local SMTP_WANT = { ok = true, helo = true, tempfail = true, permfail = true }
local UNITS = { s = 1000, m = 60 * 1000, h = 3600 * 1000 }

-- How a token is named in a message.
local function describe(t)
  if t.kind == "eof" then return "the end of the file" end
  if t.kind == "nl" then return "the end of the line" end
  if t.kind == "number" then return t.text end
  if t.kind == "kw" then return "the keyword " .. t.v end
  if t.kind == "macro" then return "$" .. t.v end
  return quote(t.v)
end

local function is_kw(t, w) return t.kind == "kw" and t.v == w end

-- A file's text, or nil and the error.
function Parser.read_file(path)
  local f, err = io.open(path, "rb")
  if not f then return nil, err end
  local text = f:read("a")
  f:close()
  return text
end

-- The port a service name stands for, from /etc/services.
local function service_port(name)
  local known = { smtp = 25, submission = 587, smtps = 465, submissions = 465 }
  local text = Parser.read_file("/etc/services")
  if text then
    for l in text:gmatch("[^\n]+") do
      l = l:gsub("#.*", "")
      local words = {}
      for w in l:gmatch("%S+") do words[#words + 1] = w end
      local port = words[2] and words[2]:match("^(%d+)/tcp$")
      if port then
        for k = 1, #words do
          if k ~= 2 and words[k] == name then return tonumber(port) end
        end
      end
    end
  end
  return known[name]
end

-- The parse state shared by a file and the files it includes.
function Parser.new_script(defines)
  return { macros = {}, defines = defines, procs = {}, cases = {}, including = {} }
end

-- A parser of one file's text, adding to script (its procs, cases and
-- macros).
function Parser.new(script, file, text)
  return setmetatable({
    script = script,
    lexer = lexer.new(file, text),
    q = {},                     -- tokens read ahead, the next one last
    current = nil,              -- the proc or test-case being read
  }, Parser)
end

---------------------------------------------------------------------------
-- Tokens, with macros replaced by their values.

-- Raises the syntax error at token t.
local function fail(t, msg)
  if t.macro then msg = msg .. " (in the value of $" .. t.macro .. ")" end
  syntax_error(t.file, t.line, t.col, msg)
end

function Parser:macro_value(t)
  local v = self.script.defines[t.v]
  if v == nil then v = self.script.macros[t.v] end
  if v == nil then fail(t, ("macro '%s' not defined"):format(t.v)) end
  return tostring(v)
end

-- The tokens of the value of macro t.
local function macro_tokens(t, value)
  local sub = lexer.new(t.file, value, { line = t.line, col = t.col, macro = t.v })
  local list = {}
  while true do
    local s = sub:next()
    if s.kind == "eof" then return list end
    list[#list + 1] = s
  end
end

function Parser:raw_peek()
  local q = self.q
  if #q == 0 then q[1] = self.lexer:next() end
  return q[#q]
end

-- The next token, with $name replaced by the words of its value.
function Parser:peek()
  local q = self.q
  while true do
    local t = self:raw_peek()
    if t.kind ~= "macro" then return t end
    table.remove(q)
    local list = macro_tokens(t, self:macro_value(t))
    for k = #list, 1, -1 do q[#q + 1] = list[k] end
  end
end

function Parser:take()
  local t = self:peek()
  table.remove(self.q)
  return t
end

function Parser:skip_nl()
  while self:peek().kind == "nl" do self:take() end
end

function Parser:take_string(what)
  local t = self:take()
  if t.kind ~= "string" then
    local hint = t.kind == "kw" and (" (write \"" .. t.v .. "\" to use it as a string)") or ""
    fail(t, ("expected %s, got %s%s"):format(what, describe(t), hint))
  end
  return t
end

-- The operand of write, writeln and fail: as above, except that a macro
-- stands for its whole value, "EHLO client.example.test" as one string
-- (in smtpscript its words would be a syntax error there).
function Parser:take_operand(what)
  local t = self:raw_peek()
  if t.kind ~= "macro" then return self:take_string(what) end
  table.remove(self.q)
  local v = self:macro_value(t)
  local list = macro_tokens(t, v)
  if #list == 1 and list[1].quoted then v = list[1].v end
  return { kind = "string", v = v, line = t.line, col = t.col, file = t.file }
end

---------------------------------------------------------------------------
-- Statements.

function Parser:block()
  local open = self:take()
  if open.kind ~= "{" then fail(open, ("expected {, got %s"):format(describe(open))) end
  local list = {}
  self:skip_nl()
  while self:peek().kind ~= "}" do
    if self:peek().kind == "eof" then
      fail(self:peek(), ("expected } before the end of the file (the block opened at line %d)")
        :format(open.line))
    end
    list[#list + 1] = self:statement()
    local t = self:peek()
    if t.kind ~= "}" then
      if t.kind ~= "nl" then
        fail(t, ("expected the end of the line or }, got %s"):format(describe(t)))
      end
      self:skip_nl()
    end
  end
  self:take()
  return list
end

-- What follows each statement keyword, read into st (w: the keyword).
local STATEMENT = {}

STATEMENT["repeat"] = function(self, st)
  local n = self:take()
  if n.kind ~= "number" then
    fail(n, ("expected a number after repeat, got %s"):format(describe(n)))
  end
  if self:peek().kind == "nl" then
    fail(self:peek(), ("expected a statement after repeat %s, on the same line"):format(n.text))
  end
  st.op, st.count, st.body = "repeat", n.v, self:statement()
end

function STATEMENT.random(self, st)
  if self:peek().kind ~= "{" then
    fail(self:peek(), ("expected { after random, got %s"):format(describe(self:peek())))
  end
  st.op, st.body = "random", self:block()
end

function STATEMENT.call(self, st)
  local n = self:take_string("a proc name after call")
  local p = self.script.procs[n.v]
  if not p then fail(n, ("call to undefined proc %s"):format(quote(n.v))) end
  if p == self.current then fail(n, ("recursive call to proc %s"):format(quote(n.v))) end
  st.op, st.proc = "call", p
end

local function simple(_, st, w) st.op = w end
STATEMENT.noop, STATEMENT.disconnect, STATEMENT.starttls = simple, simple, simple

function STATEMENT.sleep(self, st)
  local n = self:take()
  local ms, unit
  if n.kind == "number" then
    ms = n.v
    local u = self:peek()
    if u.kind == "string" and not u.quoted and UNITS[u.v] then
      self:take()
      unit = u.v
    end
  elseif n.kind == "string" and not n.quoted and n.v:match("^%d+[smh]$") then
    ms, unit = math.tointeger(tonumber(n.v:sub(1, -2))), n.v:sub(-1)
  end
  if ms == nil then
    fail(n, ("expected a duration after sleep (milliseconds, or a number and s, m or h)"
      .. ", got %s"):format(describe(n)))
  end
  if ms < 0 then fail(n, ("invalid duration: %d"):format(ms)) end
  st.op, st.ms = "sleep", ms * (unit and UNITS[unit] or 1)
end

function STATEMENT.fail(self, st)
  st.op, st.reason = "fail", self:take_operand("a reason after fail").v
end

function STATEMENT.connect(self, st)
  local h = self:take_string("a host after connect")
  st.op, st.host, st.port = "connect", h.v, 25
  if is_kw(self:peek(), "port") then
    self:take()
    local pt = self:take()
    if pt.kind == "number" then
      if pt.v <= 0 or pt.v > 65535 then fail(pt, "invalid port: " .. pt.text) end
      st.port = pt.v
    elseif pt.kind == "string" then
      st.port = service_port(pt.v)
      if not st.port then fail(pt, ("port %s is invalid"):format(quote(pt.v))) end
    else
      fail(pt, ("expected a port number or service name after port, got %s")
        :format(describe(pt)))
    end
  end
end

function STATEMENT.write(self, st, w)
  local s = self:take_operand("a string after " .. w)
  st.op, st.data = "write", s.v .. (w == "writeln" and "\r\n" or "")
  st.shown = w .. " " .. quote(s.v)
end
STATEMENT.writeln = STATEMENT.write

function STATEMENT.expect(self, st)
  local n = self:take()
  if is_kw(n, "disconnect") then
    st.op = "expect_disconnect"
  elseif is_kw(n, "smtp") then
    st.op, st.want = "expect_smtp", "any"
    local k = self:peek()
    if k.kind == "kw" and SMTP_WANT[k.v] then
      self:take()
      st.want = k.v
    elseif k.kind ~= "nl" and k.kind ~= "}" and k.kind ~= "eof" then
      fail(k, ("expected ok, helo, tempfail, permfail or the end of the line after "
        .. "expect smtp, got %s"):format(describe(k)))
    end
  else
    fail(n, ("expected smtp or disconnect after expect, got %s"):format(describe(n)))
  end
end

function Parser:statement()
  local t = self:peek()
  local st = { file = t.file, line = t.line, col = t.col }
  if t.kind == "{" then
    st.op, st.body = "block", self:block()
    return st
  end
  if t.kind ~= "kw" then
    fail(t, ("expected a statement, got %s"):format(describe(t)))
  end
  self:take()
  local read = STATEMENT[t.v]
  if not read then
    fail(t, ("expected a statement, got %s"):format(describe(t)))
  end
  read(self, st, t.v)
  return st
end

---------------------------------------------------------------------------
-- The top level: test cases, procs, includes and macros.

-- A name proc and test-case share, unique in the script.
function Parser:claim(name_tok, what)
  if self.script.procs[name_tok.v] then
    fail(name_tok, ("%s: a proc or test-case named %s already exists")
      :format(what, quote(name_tok.v)))
  end
end

local ORDER = { "name", "no-autoconnect", "expect", "skip" }
local RANK = { name = 1, ["no-autoconnect"] = 2, expect = 3, skip = 4 }

-- test-case (t: the keyword) [options] { ... }
function Parser:testcase(t)
  local procs = self.script.procs
  local c = { file = t.file, line = t.line, col = t.col,
              name = ("<%s:%d>"):format(t.file, t.line), body = {} }
  procs[c.name] = c
  self.current = c
  local last = 0
  while self:peek().kind == "kw" and RANK[self:peek().v] do
    local o = self:take()
    if RANK[o.v] <= last then
      fail(o, ("test-case options come in this order: name, no-autoconnect, expect fail, "
        .. "skip (%s is out of place)"):format(o.v == "expect" and "expect fail" or o.v))
    end
    last = RANK[o.v]
    if o.v == "name" then
      local n = self:take_string("a name after name")
      self:claim(n, "test-case")
      procs[c.name] = nil
      c.name = n.v
      procs[c.name] = c
    elseif o.v == "no-autoconnect" then
      c.noconnect = true
    elseif o.v == "expect" then
      local f = self:take()
      if not is_kw(f, "fail") then
        fail(f, ("expected fail after expect, got %s"):format(describe(f)))
      end
      c.expect_fail = true
    else
      c.skip = true
    end
  end
  if self:peek().kind ~= "{" then
    local opts = {}
    for k = last + 1, #ORDER do opts[#opts + 1] = ORDER[k] == "expect" and "expect fail" or ORDER[k] end
    fail(self:peek(), ("expected %s{, got %s"):format(#opts > 0 and (table.concat(opts, ", ") .. " or ")
      or "", describe(self:peek())))
  end
  c.body = self:block()
  self.current = nil
  self.script.cases[#self.script.cases + 1] = c
end

-- proc NAME [%param ...] { ... }
function Parser:proc()
  local n = self:take_string("a proc name after proc")
  self:claim(n, "proc")
  local p = { name = n.v, file = n.file, line = n.line, col = n.col, params = {}, body = {} }
  self.script.procs[p.name] = p
  self.current = p
  while self:peek().kind == "%" do
    self:take()
    local v = self:take_string("a parameter name after %")
    for _, have in ipairs(p.params) do
      if have == v.v then fail(v, ("cannot add parameter %s: it is there already"):format(v.v)) end
    end
    p.params[#p.params + 1] = v.v
  end
  p.body = self:block()
  self.current = nil
end

local include

-- One line of the top level, after its first token t.
function Parser:toplevel(t)
  if is_kw(t, "test-case") then
    self:testcase(t)
  elseif is_kw(t, "proc") then
    self:proc()
  elseif t.kind == "string" and not t.quoted and t.v == "include" and
         self:peek().kind == "string" then
    -- (smtpscript's grammar has include; its keyword table lacks it)
    local f = self:take()
    include(self.script, f.v, t.file, f)
  elseif t.kind == "string" and self:peek().kind == "=" then
    self:take()
    local v = self:take()
    if v.kind ~= "string" and v.kind ~= "number" then
      fail(v, ("expected a value after %s =, got %s"):format(t.v, describe(v)))
    end
    self.script.macros[t.v] = v.kind == "number" and v.text or v.v
  elseif t.kind == "string" then
    fail(self:peek(), ("expected = after %s (a macro), got %s"):format(quote(t.v),
      describe(self:peek())))
  elseif t.kind == "kw" and self:peek().kind == "=" then
    fail(t, ("%s is a keyword: it cannot name a macro"):format(t.v))
  else
    fail(t, ("expected proc, test-case, include or NAME = VALUE, got %s"):format(describe(t)))
  end
  local e = self:peek()
  if e.kind ~= "nl" and e.kind ~= "eof" then
    fail(e, ("expected the end of the line, got %s"):format(describe(e)))
  end
end

-- Parses the whole text.
function Parser:file()
  while true do
    local t = self:peek()
    if t.kind == "eof" then break end
    self:take()
    if t.kind ~= "nl" then self:toplevel(t) end
  end
end

-- The real path of `name` included from `from`, which must be under from's
-- directory (symlinks resolved: no ".." or link out of it), and the path
-- shown for it; or a setup error at tok.
local function include_path(name, from, tok)
  local dir = from:match("^(.*/)") or ""
  local base, err = core.realpath(dir == "" and "." or dir)
  if not base then
    syntax_error(tok.file, tok.line, tok.col, ("failed to include file %s: %s")
      :format(core.escape(dir .. name), err))
  end
  local function outside()
    syntax_error(tok.file, tok.line, tok.col, ("include %s: not under %s, the directory of "
      .. "the including file (an include may only read the files there)")
      :format(quote(name), quote(base)))
  end
  -- ".." and absolute names elsewhere are refused before the file system
  -- is asked, so the error cannot tell whether a file exists out there.
  local under = base == "/" and base or base .. "/"
  local absolute = name:sub(1, 1) == "/"
  if ("/" .. name .. "/"):find("/%.%./") or (absolute and name:sub(1, #under) ~= under) then
    outside()
  end
  local shown = absolute and name or dir .. name
  local real
  real, err = core.realpath(shown)
  if not real then
    syntax_error(tok.file, tok.line, tok.col, ("failed to include file %s: %s")
      :format(core.escape(shown), err))
  end
  if real:sub(1, #under) ~= under then outside() end
  return real, shown
end

-- Reads and parses `name`, included from `from` (a file) at token `tok`. A
-- syntax error in the included file is reported without its text: a script
-- must not show what a file it did not write says (it names the place only,
-- and the file runs on its own to show the whole error).
include = function(script, name, from, tok)
  local real, path = include_path(name, from, tok)
  local text, err = Parser.read_file(real)
  if not text then
    syntax_error(tok.file, tok.line, tok.col, ("failed to include file %s"):format(err))
  end
  if script.including[real] then
    syntax_error(tok.file, tok.line, tok.col, ("%s includes itself"):format(core.escape(path)))
  end
  script.including[real] = true
  local ok, e = pcall(function() Parser.new(script, path, text):file() end)
  script.including[real] = nil
  if ok then return end
  if type(e) == "table" and e.kind and not e.included then
    local fields = { included = true,
      at = ("%s:%d:%d"):format(tok.file, tok.line, tok.col) }
    smtp.fail(("the included file %s does not parse (at %s; its text is not shown: "
      .. "run it on its own to see why)"):format(quote(path), e.at or "?"), e.kind, fields)
  end
  error(e, 0)
end

return Parser
