-- smtp/smtpscript.lua: *.smtp files in the format of OpenSMTPD's regression
-- tool smtpscript, run as they run there, so existing suites move over.
-- The parser is our own; the format is smtpscript's:
--
--   # a comment, to the end of the line
--   name = "value"                 a macro; $name anywhere later is replaced by
--                                  its value, which is read again as words
--                                  (-D name=value defines one too, and wins)
--   include "other.smtp"           (relative to this file, else to the cwd)
--   proc NAME [%param ...] { ... }
--   test-case [name "X"] [no-autoconnect] [expect fail] [skip] { ... }
--                                  (the options in this order, as there)
--
-- Statements, one per line (or `{ a }` on one), inside { }:
--
--   { ... }                        a block
--   repeat N statement             N times (e.g. repeat 3 { ... })
--   random { a \n b \n c }         one of the block's statements, at random
--   call NAME                      a proc (or a named test-case) defined above
--   noop
--   sleep N                        milliseconds (N s, N m, N h, also 5s: ours)
--   fail "why"                     fails the case
--   connect HOST [port N|SERVICE]  (port 25 by default, as there)
--   disconnect
--   starttls                       the TLS handshake only: the script sends
--                                  STARTTLS itself; no certificate check
--   write "bytes"                  exactly these bytes
--   writeln "line"                 the line and CRLF
--   expect disconnect              the server must close, sending nothing more
--   expect smtp                    any reply (2xx to 5xx, one or more lines)
--   expect smtp ok                 2xx or 3xx, on one line
--   expect smtp helo               2xx or 3xx, on one line or more
--   expect smtp tempfail           4xx, on one line
--   expect smtp permfail           5xx, on one line
--                                  (a reply's text must be printable ASCII)
--
-- Strings are "..." or '...' (a newline inside is dropped, \" is a quote,
-- other backslashes stay) or bare words. As in smtpscript: a test case
-- connects to the target (here --server) before its first statement unless
-- it says no-autoconnect; nothing is expected of the greeting (the script's
-- first `expect smtp` reads it); the first failing statement ends the case;
-- a case marked `expect fail` passes when it fails and fails when it
-- passes; a case marked `skip` does not run; a case without a name is
-- called "<file:line>". Failures name the file and line of the statement
-- (and the calls that led there); syntax errors the line and column.

local smtp = require "smtp"
local testing = require "smtp.testing"

local M = {}

local KEYWORDS = {}
for w in ([[call connect disconnect expect fail helo name no-autoconnect noop ok
  permfail port proc random repeat skip sleep smtp starttls tempfail test-case
  write writeln]]):gmatch("%S+") do
  KEYWORDS[w] = true
end

-- Characters that may continue a bare word: letters, digits and punctuation
-- except ( ) { } < > ! = # , (smtpscript's set).
local function word_char(c)
  return c ~= nil and (c:match("^%w$") ~= nil or
    (c:match("^%p$") ~= nil and not c:match("^[(){}<>!=#,]$")))
end

-- What may follow the digits of a number (else the whole is a word).
local function ends_number(c)
  return c == nil or c:match("^[%s),/}=]$") ~= nil
end

local function quote(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    if c == '"' or c == "\\" then return "\\" .. c end
    return ("\\x%02x"):format(c:byte())
  end) .. '"'
end

-- Raises the syntax error: "<path>:<line>:<col>: <what>".
local function syntax_error(file, line, col, msg)
  smtp.fail(msg, "setup", { at = ("%s:%d:%d"):format(file, line, col) })
end

---------------------------------------------------------------------------
-- Lexer. Tokens: {kind, v, line, col, file}, kind one of
--   "string" (a bare word, or quoted = true), "number" (v an integer,
--   text the digits), "kw" (a keyword, v the word), "macro" (v the name),
--   "nl", "eof", or the character itself ("{", "}", "%", "=", ...).

-- lexer(file, text [, at]): a function returning the next token. `at`
-- ({line, col, macro}) is given for a macro's value: every token then
-- carries the place of the $name, and a $ is only a character.
local function lexer(file, text, at)
  local i, line, col = 1, 1, 1
  local back = {}             -- characters given back: {c, line, col}

  local function raw()
    if i > #text then return nil, line, col end
    local c, l, co = text:sub(i, i), line, col
    i = i + 1
    if c == "\n" then line, col = line + 1, 1 else col = col + 1 end
    return c, l, co
  end
  -- The next character. Outside quotes a backslash and a newline join two
  -- lines, and a backslash before any other character is dropped.
  local function getc(inquote)
    if #back > 0 then
      local b = table.remove(back)
      return b[1], b[2], b[3]
    end
    local c, l, co = raw()
    if inquote then return c, l, co end
    while c == "\\" do
      local n, nl, nc = raw()
      if n ~= "\n" then return n, nl, nc end
      c, l, co = raw()
    end
    return c, l, co
  end
  local function ungetc(c, l, co)
    if c ~= nil then back[#back + 1] = { c, l, co } end
  end
  local function fail(l, co, msg)
    if at then
      syntax_error(file, at.line, at.col, msg .. " (in the value of $" .. at.macro .. ")")
    end
    syntax_error(file, l, co, msg)
  end

  return function()
    local c, l, co
    repeat c, l, co = getc() until c ~= " " and c ~= "\t" and c ~= "\r"
    if c == "#" then
      repeat c, l, co = getc() until c == "\n" or c == nil
    end
    local tok = { line = at and at.line or l, col = at and at.col or co, file = file,
                  macro = at and at.macro }
    if c == nil then
      tok.kind, tok.v = "eof", ""
      return tok
    end
    if c == "$" and not at then
      local name = {}
      while true do
        local d, dl, dc = getc()
        if d == nil or not d:match("^[%w_]$") then ungetc(d, dl, dc); break end
        name[#name + 1] = d
      end
      tok.kind, tok.v = "macro", table.concat(name)
      return tok
    end
    if c == '"' or c == "'" then
      local q, buf = c, {}
      while true do
        local d = getc(q)
        if d == nil then fail(l, co, "end of file inside a quoted string (it starts here)") end
        if d == "\\" then
          local n, nl, nc = getc(q)
          if n == nil then fail(l, co, "end of file inside a quoted string (it starts here)") end
          if n == q then
            d = n
          elseif n == "\n" then
            d = nil
          else
            ungetc(n, nl, nc)
          end
        elseif d == "\n" then
          d = nil                       -- a newline inside quotes is dropped
        elseif d == q then
          break
        end
        if d then buf[#buf + 1] = d end
      end
      tok.kind, tok.v, tok.quoted = "string", table.concat(buf), true
      return tok
    end
    local buf = {}
    if c == "-" or c:match("^%d$") then
      local seen = {}
      repeat
        buf[#buf + 1] = c
        seen[#seen + 1] = { c, l, co }
        c, l, co = getc()
      until c == nil or not c:match("^%d$")
      if not (#buf == 1 and buf[1] == "-") and ends_number(c) then
        ungetc(c, l, co)
        local digits = table.concat(buf)
        local n = math.tointeger(tonumber(digits))
        if n == nil then fail(tok.line, tok.col, quote(digits) .. " is not a valid number") end
        tok.kind, tok.v, tok.text = "number", n, digits
        return tok
      end
      -- Not a number after all: read the characters again as a word.
      ungetc(c, l, co)
      for k = #seen, 2, -1 do ungetc(seen[k][1], seen[k][2], seen[k][3]) end
      c, buf = seen[1][1], {}
      if c == "-" then
        tok.kind, tok.v = "-", "-"
        return tok
      end
    end
    if c:match("^[%w:_]$") then
      repeat
        buf[#buf + 1] = c
        c, l, co = getc()
      until not word_char(c)
      ungetc(c, l, co)
      local w = table.concat(buf)
      tok.kind, tok.v = KEYWORDS[w] and "kw" or "string", w
      return tok
    end
    if c == "\n" then
      tok.kind, tok.v = "nl", "\n"
      return tok
    end
    tok.kind, tok.v = c, c
    return tok
  end
end

local function describe(t)
  if t.kind == "eof" then return "the end of the file" end
  if t.kind == "nl" then return "the end of the line" end
  if t.kind == "number" then return t.text end
  if t.kind == "kw" then return "the keyword " .. t.v end
  if t.kind == "macro" then return "$" .. t.v end
  return quote(t.v)
end

---------------------------------------------------------------------------
-- Parser: statements into an AST, each node with its file, line and column.

local SMTP_WANT = { ok = true, helo = true, tempfail = true, permfail = true }
local UNITS = { s = 1000, m = 60 * 1000, h = 3600 * 1000 }

local function read_file(path)
  local f, err = io.open(path, "rb")
  if not f then return nil, err end
  local text = f:read("a")
  f:close()
  return text
end

-- The port a service name stands for, from /etc/services.
local function service_port(name)
  local known = { smtp = 25, submission = 587, smtps = 465, submissions = 465 }
  local text = read_file("/etc/services")
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
local function new_script(defines)
  return { macros = {}, defines = defines, procs = {}, cases = {}, including = {} }
end

local parse_file

-- Parses one file's text into script (its procs, cases and macros).
local function parse_text(script, file, text)
  local lex = lexer(file, text)
  local q = {}                    -- tokens read ahead, the next one last

  local function fail(t, msg)
    if t.macro then msg = msg .. " (in the value of $" .. t.macro .. ")" end
    syntax_error(t.file, t.line, t.col, msg)
  end
  local function macro_value(t)
    local v = script.defines[t.v]
    if v == nil then v = script.macros[t.v] end
    if v == nil then fail(t, ("macro '%s' not defined"):format(t.v)) end
    return tostring(v)
  end
  local function macro_tokens(t, value)
    local sub = lexer(t.file, value, { line = t.line, col = t.col, macro = t.v })
    local list = {}
    while true do
      local s = sub()
      if s.kind == "eof" then return list end
      list[#list + 1] = s
    end
  end
  local function raw_peek()
    if #q == 0 then q[1] = lex() end
    return q[#q]
  end
  -- The next token, with $name replaced by the words of its value.
  local function peek()
    while true do
      local t = raw_peek()
      if t.kind ~= "macro" then return t end
      table.remove(q)
      local list = macro_tokens(t, macro_value(t))
      for k = #list, 1, -1 do q[#q + 1] = list[k] end
    end
  end
  local function take() local t = peek(); table.remove(q); return t end
  local function is_kw(t, w) return t.kind == "kw" and t.v == w end
  local function skip_nl() while peek().kind == "nl" do take() end end

  local function take_string(what)
    local t = take()
    if t.kind ~= "string" then
      local hint = t.kind == "kw" and (" (write \"" .. t.v .. "\" to use it as a string)") or ""
      fail(t, ("expected %s, got %s%s"):format(what, describe(t), hint))
    end
    return t
  end
  -- The operand of write, writeln and fail: as above, except that a macro
  -- stands for its whole value, "EHLO client.example.test" as one string
  -- (in smtpscript its words would be a syntax error there).
  local function take_operand(what)
    local t = raw_peek()
    if t.kind ~= "macro" then return take_string(what) end
    table.remove(q)
    local v = macro_value(t)
    local list = macro_tokens(t, v)
    if #list == 1 and list[1].quoted then v = list[1].v end
    return { kind = "string", v = v, line = t.line, col = t.col, file = t.file }
  end

  local current                   -- the proc or test-case being read
  local statement

  local function block()
    local open = take()
    if open.kind ~= "{" then fail(open, ("expected {, got %s"):format(describe(open))) end
    local list = {}
    skip_nl()
    while peek().kind ~= "}" do
      if peek().kind == "eof" then
        fail(peek(), ("expected } before the end of the file (the block opened at line %d)")
          :format(open.line))
      end
      list[#list + 1] = statement()
      local t = peek()
      if t.kind ~= "}" then
        if t.kind ~= "nl" then
          fail(t, ("expected the end of the line or }, got %s"):format(describe(t)))
        end
        skip_nl()
      end
    end
    take()
    return list
  end

  statement = function()
    local t = peek()
    local st = { file = t.file, line = t.line, col = t.col }
    if t.kind == "{" then
      st.op, st.body = "block", block()
      return st
    end
    if t.kind ~= "kw" then
      fail(t, ("expected a statement, got %s"):format(describe(t)))
    end
    take()
    local w = t.v
    if w == "repeat" then
      local n = take()
      if n.kind ~= "number" then
        fail(n, ("expected a number after repeat, got %s"):format(describe(n)))
      end
      if peek().kind == "nl" then
        fail(peek(), ("expected a statement after repeat %s, on the same line"):format(n.text))
      end
      st.op, st.count, st.body = "repeat", n.v, statement()
    elseif w == "random" then
      if peek().kind ~= "{" then
        fail(peek(), ("expected { after random, got %s"):format(describe(peek())))
      end
      st.op, st.body = "random", block()
    elseif w == "call" then
      local n = take_string("a proc name after call")
      local p = script.procs[n.v]
      if not p then fail(n, ("call to undefined proc %s"):format(quote(n.v))) end
      if p == current then fail(n, ("recursive call to proc %s"):format(quote(n.v))) end
      st.op, st.proc = "call", p
    elseif w == "noop" or w == "disconnect" or w == "starttls" then
      st.op = w
    elseif w == "sleep" then
      local n = take()
      local ms, unit
      if n.kind == "number" then
        ms = n.v
        local u = peek()
        if u.kind == "string" and not u.quoted and UNITS[u.v] then
          take()
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
    elseif w == "fail" then
      st.op, st.reason = "fail", take_operand("a reason after fail").v
    elseif w == "connect" then
      local h = take_string("a host after connect")
      st.op, st.host, st.port = "connect", h.v, 25
      if is_kw(peek(), "port") then
        take()
        local pt = take()
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
    elseif w == "write" or w == "writeln" then
      local s = take_operand("a string after " .. w)
      st.op, st.data = "write", s.v .. (w == "writeln" and "\r\n" or "")
      st.shown = w .. " " .. quote(s.v)
    elseif w == "expect" then
      local n = take()
      if is_kw(n, "disconnect") then
        st.op = "expect_disconnect"
      elseif is_kw(n, "smtp") then
        st.op, st.want = "expect_smtp", "any"
        local k = peek()
        if k.kind == "kw" and SMTP_WANT[k.v] then
          take()
          st.want = k.v
        elseif k.kind ~= "nl" and k.kind ~= "}" and k.kind ~= "eof" then
          fail(k, ("expected ok, helo, tempfail, permfail or the end of the line after "
            .. "expect smtp, got %s"):format(describe(k)))
        end
      else
        fail(n, ("expected smtp or disconnect after expect, got %s"):format(describe(n)))
      end
    else
      fail(t, ("expected a statement, got %s"):format(describe(t)))
    end
    return st
  end

  -- A name proc and test-case share, unique in the script.
  local function claim(name_tok, what)
    if script.procs[name_tok.v] then
      fail(name_tok, ("%s: a proc or test-case named %s already exists")
        :format(what, quote(name_tok.v)))
    end
  end

  local function testcase(t)
    local c = { file = t.file, line = t.line, col = t.col,
                name = ("<%s:%d>"):format(t.file, t.line), body = {} }
    script.procs[c.name] = c
    current = c
    local ORDER = { "name", "no-autoconnect", "expect", "skip" }
    local RANK = { name = 1, ["no-autoconnect"] = 2, expect = 3, skip = 4 }
    local last = 0
    while peek().kind == "kw" and RANK[peek().v] do
      local o = take()
      if RANK[o.v] <= last then
        fail(o, ("test-case options come in this order: name, no-autoconnect, expect fail, "
          .. "skip (%s is out of place)"):format(o.v == "expect" and "expect fail" or o.v))
      end
      last = RANK[o.v]
      if o.v == "name" then
        local n = take_string("a name after name")
        claim(n, "test-case")
        script.procs[c.name] = nil
        c.name = n.v
        script.procs[c.name] = c
      elseif o.v == "no-autoconnect" then
        c.noconnect = true
      elseif o.v == "expect" then
        local f = take()
        if not is_kw(f, "fail") then
          fail(f, ("expected fail after expect, got %s"):format(describe(f)))
        end
        c.expect_fail = true
      else
        c.skip = true
      end
    end
    if peek().kind ~= "{" then
      local opts = {}
      for k = last + 1, #ORDER do opts[#opts + 1] = ORDER[k] == "expect" and "expect fail" or ORDER[k] end
      fail(peek(), ("expected %s{, got %s"):format(#opts > 0 and (table.concat(opts, ", ") .. " or ")
        or "", describe(peek())))
    end
    c.body = block()
    current = nil
    script.cases[#script.cases + 1] = c
  end

  local function proc()
    local n = take_string("a proc name after proc")
    claim(n, "proc")
    local p = { name = n.v, file = n.file, line = n.line, col = n.col, params = {}, body = {} }
    script.procs[p.name] = p
    current = p
    while peek().kind == "%" do
      take()
      local v = take_string("a parameter name after %")
      for _, have in ipairs(p.params) do
        if have == v.v then fail(v, ("cannot add parameter %s: it is there already"):format(v.v)) end
      end
      p.params[#p.params + 1] = v.v
    end
    p.body = block()
    current = nil
  end

  while true do
    local t = peek()
    if t.kind == "eof" then break end
    if t.kind == "nl" then
      take()
    else
      take()
      if is_kw(t, "test-case") then
        testcase(t)
      elseif is_kw(t, "proc") then
        proc()
      elseif t.kind == "string" and not t.quoted and t.v == "include" and
             peek().kind == "string" then
        -- (smtpscript's grammar has include; its keyword table lacks it)
        local f = take()
        parse_file(script, f.v, t.file, f)
      elseif t.kind == "string" and peek().kind == "=" then
        take()
        local v = take()
        if v.kind ~= "string" and v.kind ~= "number" then
          fail(v, ("expected a value after %s =, got %s"):format(t.v, describe(v)))
        end
        script.macros[t.v] = v.kind == "number" and v.text or v.v
      elseif t.kind == "string" then
        fail(peek(), ("expected = after %s (a macro), got %s"):format(quote(t.v), describe(peek())))
      elseif t.kind == "kw" and peek().kind == "=" then
        fail(t, ("%s is a keyword: it cannot name a macro"):format(t.v))
      else
        fail(t, ("expected proc, test-case, include or NAME = VALUE, got %s"):format(describe(t)))
      end
      local e = peek()
      if e.kind ~= "nl" and e.kind ~= "eof" then
        fail(e, ("expected the end of the line, got %s"):format(describe(e)))
      end
    end
  end
end

-- Reads and parses `name`, included from `from` (a file) at token `tok`.
parse_file = function(script, name, from, tok)
  local path = name
  if not name:match("^/") then
    local dir = from:match("^(.*/)") or ""
    if read_file(dir .. name) then path = dir .. name end
  end
  local text, err = read_file(path)
  if not text then
    syntax_error(tok.file, tok.line, tok.col, ("failed to include file %s"):format(err))
  end
  if script.including[path] then
    syntax_error(tok.file, tok.line, tok.col, ("%s includes itself"):format(path))
  end
  script.including[path] = true
  parse_text(script, path, text)
  script.including[path] = nil
end

---------------------------------------------------------------------------
-- Running: each statement on smtprun's API.

local ERROR_KINDS = { setup = true, usage = true }

local function where(st) return ("%s:%d"):format(st.file, st.line) end

-- Raises err (an smtprun error, or any value) again, at statement st, with
-- the calls that led there.
local function fail_at(ctx, st, err)
  local fields = {}
  local message, kind
  if type(err) == "table" and err.kind then
    for k, v in pairs(err) do fields[k] = v end
    message, kind = err.message, err.kind
  else
    message, kind = tostring(err), "script"
  end
  if #ctx.calls > 0 then
    local chain = {}
    for k = #ctx.calls, 1, -1 do
      local c = ctx.calls[k]
      chain[#chain + 1] = ("in proc %s called at %s"):format(quote(c.proc.name), where(c))
    end
    message = ("%s (%s)"):format(message, table.concat(chain, ", "))
  end
  fields.at = where(st)
  fields.message = nil
  fields.kind = nil
  smtp.fail(message, kind, fields)
end

-- The case's session, or an error (a script that talks with no connection).
local function session(ctx, what)
  if ctx.s == nil then
    smtp.fail(("%s: not connected (%s)")
      :format(what, ctx.why or "no-autoconnect, and no connect before"), "usage")
  end
  return ctx.s
end

local SPEC = {
  any = { "2xx", "3xx", "4xx", "5xx" }, ok = { "2xx", "3xx" }, helo = { "2xx", "3xx" },
  tempfail = "4xx", permfail = "5xx",
}
local MULTILINE = { any = true, helo = true }

local run_list

local function close(ctx)
  if ctx.s then ctx.s:close() end
  ctx.s = nil
end

local LEAF = {}

function LEAF.noop() end

function LEAF.sleep(_, st) smtp.sleep(st.ms / 1000) end

function LEAF.fail(_, st) smtp.fail(st.reason, "expect") end

function LEAF.connect(ctx, st)
  close(ctx)
  ctx.s = smtp.connect{ host = st.host, port = st.port }
end

function LEAF.disconnect(ctx, st)
  close(ctx)
  ctx.why = "disconnect at " .. where(st)
end

function LEAF.starttls(ctx, st)
  session(ctx, "starttls"):tls_handshake{ verify = false }
end

function LEAF.write(ctx, st)
  session(ctx, st.shown):send_raw(st.data)
end

function LEAF.expect_disconnect(ctx, st)
  session(ctx, "expect disconnect"):expect_close()
  ctx.s = nil
  ctx.why = "the server closed the connection, at " .. where(st)
end

function LEAF.expect_smtp(ctx, st)
  local s = session(ctx, "expect smtp")
  local r = s:expect(SPEC[st.want])
  for _, l in ipairs(r.lines) do        -- as smtpscript: printable ASCII only
    if l:find("[^\32-\126]") then
      smtp.fail(("non-printable character in reply: %d %s"):format(r.code, quote(l)),
        "protocol", { got = ("%d %s"):format(r.code, quote(l)) })
    end
  end
  if #r.lines > 1 and not MULTILINE[st.want] then
    local got = ("%d %s (+%d more line%s)"):format(r.code, r.lines[1], #r.lines - 1,
      #r.lines > 2 and "s" or "")
    local cmd = s:last_command()
    if cmd == nil or cmd == "" then cmd = "the greeting" end
    smtp.fail(("single line response expected, got %s (in reply to %s)"):format(got, cmd),
      "expect", { expected = "a reply of one line", got = got, command = cmd })
  end
end

local function run_one(ctx, st)
  local op = st.op
  if op == "block" then
    run_list(ctx, st.body)
  elseif op == "repeat" then
    for _ = 1, st.count do run_one(ctx, st.body) end
  elseif op == "random" then
    if #st.body > 0 then
      local k = math.random(#st.body)
      smtp.note(("random at %s: statement %d of %d (line %d)")
        :format(where(st), k, #st.body, st.body[k].line))
      run_one(ctx, st.body[k])
    end
  elseif op == "call" then
    ctx.calls[#ctx.calls + 1] = st
    run_list(ctx, st.proc.body)
    ctx.calls[#ctx.calls] = nil
  else
    local ok, err = pcall(LEAF[op], ctx, st)
    if not ok then fail_at(ctx, st, err) end
  end
end

run_list = function(ctx, list)
  for _, st in ipairs(list) do run_one(ctx, st) end
end

-- The runner stopping the file (its time limit, a signal): never a failure
-- that expect fail could turn into a pass.
local function stopped(err)
  return err.kind == "timeout" and type(err.message) == "string" and
    (err.message:find("^stopped by ") or err.message:find("^the file did not finish")) ~= nil
end

-- One test case, as smtpscript runs it.
local function run_case(c)
  local ctx = { calls = {} }
  local ok, err = pcall(function()
    if not c.noconnect then
      local okc, e = pcall(smtp.connect)
      if not okc then fail_at(ctx, c, e) end
      ctx.s = e
    end
    run_list(ctx, c.body)
  end)
  -- The failure in the transcript before the connection's end.
  if not ok and type(err) == "table" and err.kind and not err.recorded and not stopped(err) then
    smtp.note(tostring(err), "error")
    err.recorded = "transcript"
  end
  pcall(close, ctx)
  if not c.expect_fail then
    if not ok then error(err, 0) end
    return
  end
  -- expect fail: failing is passing, and the other way round; an error
  -- (a connection refused, a script that writes without a connection)
  -- stays one.
  if ok then
    smtp.fail("the case passed, but it is marked expect fail", "expect", { at = where(c) })
  end
  if type(err) ~= "table" or ERROR_KINDS[err.kind] or stopped(err) then error(err, 0) end
  smtp.note("failed, as expect fail wants: " .. tostring(err))
end

---------------------------------------------------------------------------

-- parse(path): the script's AST: { cases = {...}, procs = {name = ...} }.
function M.parse(path)
  local text, err = read_file(path)
  if not text then smtp.fail(("cannot open %s: %s"):format(path, tostring(err)), "setup") end
  local defines = {}
  local vars = rawget(_G, "vars")
  if type(vars) == "table" then
    for k, v in pairs(vars) do
      if type(k) == "string" then defines[k] = v end
    end
  end
  local script = new_script(defines)
  script.including[path] = true
  parse_text(script, path, text)
  return script
end

-- compile(path): the function that registers the file's test cases.
function M.compile(path)
  local script = M.parse(path)
  return function()
    for _, c in ipairs(script.cases) do
      if c.skip then
        testing.test(c.name, function() testing.skip("marked skip at " .. where(c)) end)
      else
        testing.test(c.name, function() run_case(c) end)
      end
    end
  end
end

return M
