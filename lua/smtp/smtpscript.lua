-- smtp/smtpscript.lua: *.smtp files in the format of OpenSMTPD's regression
-- tool smtpscript, run as they run there, so existing suites move over.
--
--   # comment                      name = "value"   ($name expands it later;
--                                  -D name=value defines one too)
--   include "other.smtp"           (relative to this file)
--   proc NAME [%param ...] { ... }
--   test-case [name "X"] [no-autoconnect] [expect fail] [skip] { ... }
--
-- Statements, one per line: { block }, repeat N statement, random { one of
-- these }, call NAME, noop, sleep N[s|m|h] (milliseconds by default),
-- fail "why", connect HOST [port N], disconnect, starttls (the handshake
-- only: the script sends STARTTLS itself; certificates are not checked, as
-- there), write "raw", writeln "line" (CRLF added), expect disconnect,
-- expect smtp [ok|helo|tempfail|permfail].
--
-- As in smtpscript: a test case connects to the target first unless it
-- says no-autoconnect (the target here is --server); "expect smtp ok" wants
-- a 2xx or 3xx reply on one line, "helo" the same on one or more lines,
-- "tempfail" a 4xx, "permfail" a 5xx, plain "expect smtp" any reply; a case
-- marked "expect fail" passes when it fails and fails when it passes; a case
-- without a name is called "<file:line>". This parser is our own.

local M = {}

---------------------------------------------------------------------------
-- Lexer: words, quoted strings, numbers, punctuation, newlines.

local function lexer(path, text)
  local toks, i, line, col = {}, 1, 1, 1
  local n = #text
  local function tok(kind, value, l, c) toks[#toks + 1] = { kind = kind, value = value, line = l, col = c } end
  local function fail(l, c, msg)
    smtp.fail(msg, "setup", { at = ("%s:%d:%d"):format(path, l, c) })
  end
  local function adv(k)
    for _ = 1, k do
      if text:sub(i, i) == "\n" then line, col = line + 1, 1 else col = col + 1 end
      i = i + 1
    end
  end
  while i <= n do
    local ch = text:sub(i, i)
    if ch == " " or ch == "\t" or ch == "\r" then
      adv(1)
    elseif ch == "\\" and text:sub(i + 1, i + 1) == "\n" then
      adv(2)                                     -- a continued line
    elseif ch == "#" then
      while i <= n and text:sub(i, i) ~= "\n" do adv(1) end
    elseif ch == "\n" then
      tok("nl", "\n", line, col); adv(1)
    elseif ch == '"' or ch == "'" then
      local l, c, buf = line, col, {}
      adv(1)
      while true do
        if i > n then fail(l, c, "end of file inside a quoted string") end
        local d = text:sub(i, i)
        if d == ch then adv(1); break end
        if d == "\\" then
          local nx = text:sub(i + 1, i + 1)
          if nx == ch then buf[#buf + 1] = nx; adv(2)
          elseif nx == "\n" then adv(2)
          else buf[#buf + 1] = d; adv(1) end
        else
          buf[#buf + 1] = d; adv(1)
        end
      end
      tok("string", table.concat(buf), l, c)
    elseif ch == "$" then
      local l, c = line, col
      local name = text:match("^[%w_]+", i + 1)
      if not name then fail(l, c, "a macro name after $") end
      tok("macro", name, l, c)      -- resolved by the parser, in file order
      adv(#name + 1)
    elseif ch:match("[{}=%%]") then
      tok(ch, ch, line, col); adv(1)
    elseif ch:match("[%w:_%-%./@<>]") then
      local l, c = line, col
      local word = text:match("^[%w:_%-%.@/<>%[%]%+%*%?&;|~^`!]+", i)
      tok(word:match("^%-?%d+$") and "number" or "word", word, l, c)
      adv(#word)
    else
      fail(line, col, ("unexpected character %q"):format(ch))
    end
  end
  tok("eof", "", line, col)
  return toks
end

---------------------------------------------------------------------------
-- Parser: a list of test cases and procedures, statements with lines.

local function parser(path, text)
  local macros, procs, cases = {}, {}, {}
  local toks = lexer(path, text)
  local p = 1
  local function fail(t, msg)
    smtp.fail(msg, "setup", { at = ("%s:%d:%d"):format(path, t.line, t.col) })
  end
  -- $name: a macro defined above (or -D name=value), as a string.
  local function resolve(t)
    if t.kind ~= "macro" then return t end
    local v = macros[t.value]
    if v == nil then v = vars and vars[t.value] end
    if v == nil then fail(t, ("macro '%s' not defined"):format(t.value)) end
    return { kind = "string", value = v, line = t.line, col = t.col }
  end
  local function peek(k) return resolve(toks[p + (k or 0)]) end
  local function next_tok() p = p + 1; return resolve(toks[p - 1]) end
  local function is_word(t, w) return t.kind == "word" and t.value == w end
  local function expect_kind(kind, what)
    local t = next_tok()
    if t.kind ~= kind then fail(t, ("expected %s, got %q"):format(what, t.value)) end
    return t
  end
  local function text_of(t) return t.kind == "string" or t.kind == "word" or t.kind == "number" end
  local function skip_nl() while peek().kind == "nl" do p = p + 1 end end
  local function end_of_statement()
    local t = peek()
    if t.kind ~= "nl" and t.kind ~= "}" and t.kind ~= "eof" then
      fail(t, ("expected the end of the line, got %q"):format(t.value))
    end
  end

  local block
  local function statement()
    local t = next_tok()
    local st = { line = t.line }
    if t.kind == "{" then
      p = p - 1
      st.op, st.body = "block", block()
      return st
    end
    if t.kind ~= "word" then fail(t, ("expected a statement, got %q"):format(t.value)) end
    local w = t.value
    if w == "repeat" then
      local nt = expect_kind("number", "a count after repeat")
      st.op, st.count = "repeat", tonumber(nt.value)
      skip_nl()
      st.body = { statement() }
      return st
    elseif w == "random" then
      st.op = "random"
      if peek().kind ~= "{" then fail(peek(), "expected { after random") end
      st.body = block()
      return st
    elseif w == "call" then
      local nt = next_tok()
      if not text_of(nt) then fail(nt, "expected a procedure name after call") end
      st.op, st.name, st.tok = "call", nt.value, nt
    elseif w == "noop" or w == "disconnect" or w == "starttls" then
      st.op = w
    elseif w == "sleep" then
      local nt = expect_kind("number", "a duration after sleep")
      local ms = tonumber(nt.value)
      if ms < 0 then fail(nt, "invalid duration: " .. nt.value) end
      local q = peek()
      if q.kind == "word" and (q.value == "s" or q.value == "m" or q.value == "h") and
         q.line == nt.line then
        ms = ms * ({ s = 1000, m = 60000, h = 3600000 })[q.value]
        p = p + 1
      end
      st.op, st.ms = "sleep", ms
    elseif w == "fail" then
      local nt = next_tok()
      if not text_of(nt) then fail(nt, "expected a reason after fail") end
      st.op, st.reason = "fail", nt.value
    elseif w == "connect" then
      local nt = next_tok()
      if not text_of(nt) then fail(nt, "expected a host after connect") end
      st.op, st.host, st.port = "connect", nt.value, 25
      if is_word(peek(), "port") then
        p = p + 1
        local pt = next_tok()
        local num = tonumber(pt.value)
        if not num or num <= 0 or num >= 65535 then fail(pt, "invalid port: " .. pt.value) end
        st.port = num
      end
    elseif w == "write" or w == "writeln" then
      local nt = next_tok()
      if not text_of(nt) then fail(nt, "expected a string after " .. w) end
      st.op, st.data = "write", nt.value .. (w == "writeln" and "\r\n" or "")
    elseif w == "expect" then
      local nt = next_tok()
      if is_word(nt, "disconnect") then
        st.op = "expect_disconnect"
      elseif is_word(nt, "smtp") then
        st.op, st.want = "expect_smtp", "any"
        local q = peek()
        if q.kind == "word" and (q.value == "ok" or q.value == "helo" or
           q.value == "tempfail" or q.value == "permfail") then
          st.want = q.value
          p = p + 1
        end
      else
        fail(nt, ("expected smtp or disconnect after expect, got %q"):format(nt.value))
      end
    else
      fail(t, ("unknown statement %q"):format(w))
    end
    end_of_statement()
    return st
  end

  block = function()
    expect_kind("{", "{")
    local list = {}
    skip_nl()
    while peek().kind ~= "}" do
      if peek().kind == "eof" then fail(peek(), "end of file inside a block: missing }") end
      list[#list + 1] = statement()
      if peek().kind ~= "}" then expect_kind("nl", "a new line") end
      skip_nl()
    end
    p = p + 1
    return list
  end

  while peek().kind ~= "eof" do
    local t = next_tok()
    if t.kind == "nl" then
      goto continue                              -- a blank line
    elseif is_word(t, "include") then
      local nt = next_tok()
      if not text_of(nt) then fail(nt, "expected a file name after include") end
      local file = nt.value
      if not file:match("^/") then file = (path:match("^(.*/)") or "") .. file end
      local f = io.open(file, "r")
      if not f then fail(nt, "failed to include file " .. file) end
      local sub = parser(file, f:read("a"))
      f:close()
      for k, v in pairs(sub.procs) do procs[k] = v end
      for _, c in ipairs(sub.cases) do cases[#cases + 1] = c end
    elseif is_word(t, "proc") then
      local nt = next_tok()
      if not text_of(nt) then fail(nt, "expected a procedure name after proc") end
      if procs[nt.value] then fail(nt, ("procedure %q already exists"):format(nt.value)) end
      local params = {}
      while peek().kind == "%" do
        p = p + 1
        params[#params + 1] = expect_kind("word", "a parameter name").value
      end
      skip_nl()
      procs[nt.value] = { name = nt.value, body = block(), params = params, tok = nt }
    elseif is_word(t, "test-case") then
      local c = { line = t.line, name = ("<%s:%d>"):format(path, t.line) }
      while peek().kind == "word" do
        local o = next_tok()
        if o.value == "name" then
          local nt = next_tok()
          if not text_of(nt) then fail(nt, "expected a name after name") end
          c.name = nt.value
        elseif o.value == "no-autoconnect" then c.noconnect = true
        elseif o.value == "expect" then
          local f = next_tok()
          if not is_word(f, "fail") then fail(f, "expected fail after expect") end
          c.expect_fail = true
        elseif o.value == "skip" then c.skip = true
        else fail(o, ("unknown test-case option %q"):format(o.value)) end
      end
      skip_nl()
      c.body = block()
      cases[#cases + 1] = c
    elseif text_of(t) and peek().kind == "=" then
      p = p + 1
      local v = next_tok()
      if not text_of(v) then fail(v, "expected a value after =") end
      macros[t.value] = v.value
    else
      fail(t, ("expected proc, test-case, include or a macro, got %q"):format(t.value))
    end
    if peek().kind ~= "eof" and peek().kind ~= "nl" then
      fail(peek(), ("expected the end of the line, got %q"):format(peek().value))
    end
    ::continue::
  end
  -- Calls are checked once every procedure is known.
  local function check(list, inproc)
    for _, st in ipairs(list) do
      if st.op == "call" then
        if not procs[st.name] then fail(st.tok, ("call to undefined proc %q"):format(st.name)) end
        if st.name == inproc then fail(st.tok, ("recursive call to proc %q"):format(st.name)) end
      end
      if st.body then check(st.body, inproc) end
    end
  end
  for name, pr in pairs(procs) do check(pr.body, name) end
  for _, c in ipairs(cases) do check(c.body) end
  return { procs = procs, cases = cases }
end

---------------------------------------------------------------------------
-- Running.

local run_list

local function at(path, st) return ("%s:%d"):format(path, st.line) end

-- Fails the case at the statement's line, keeping the error's details.
local function fail_at(path, st, err)
  if type(err) == "table" and err.kind then
    local fields = {}
    for k, v in pairs(err) do fields[k] = v end
    fields.at = at(path, st)
    smtp.fail(err.message, err.kind, fields)
  end
  smtp.fail(tostring(err), "expect", { at = at(path, st) })
end

local WANT = {
  any = { "2xx", "3xx", "4xx", "5xx" }, ok = { "2xx", "3xx" }, helo = { "2xx", "3xx" },
  tempfail = { "4xx" }, permfail = { "5xx" },
}

local function run_one(ctx, st)
  local path = ctx.path
  local op = st.op
  if op == "block" then
    run_list(ctx, st.body)
  elseif op == "repeat" then
    for _ = 1, st.count do run_list(ctx, st.body) end
  elseif op == "random" then
    if #st.body > 0 then run_list(ctx, { st.body[math.random(#st.body)] }) end
  elseif op == "call" then
    run_list(ctx, ctx.procs[st.name].body)
  elseif op == "noop" then
    -- nothing
  elseif op == "sleep" then
    smtp.sleep(st.ms / 1000)
  elseif op == "fail" then
    smtp.fail(st.reason, "expect", { at = at(path, st) })
  elseif op == "connect" then
    if ctx.s then ctx.s:close() end
    ctx.s = nil
    local ok, s = pcall(smtp.connect, { host = st.host, port = st.port })
    if not ok then fail_at(path, st, s) end
    ctx.s = s
  elseif op == "disconnect" then
    if ctx.s then ctx.s:close() end
    ctx.s = nil
  else
    if not ctx.s or not ctx.s:is_open() then
      smtp.fail("not connected", "expect", { at = at(path, st) })
    end
    local ok, err = pcall(function()
      if op == "starttls" then
        ctx.s:tls_handshake{ verify = false }
      elseif op == "write" then
        ctx.s:send_raw(st.data)
      elseif op == "expect_disconnect" then
        ctx.s:expect_close()
        ctx.s = nil
      elseif op == "expect_smtp" then
        local r = ctx.s:expect(WANT[st.want])
        if #r.lines > 1 and st.want ~= "any" and st.want ~= "helo" then
          smtp.fail(("single line response expected, got %d lines (%d %s)")
            :format(#r.lines, r.code, r.lines[1]), "expect",
            { got = r.code .. " " .. r.lines[1] })
        end
      end
    end)
    if not ok then fail_at(path, st, err) end
  end
end

run_list = function(ctx, list)
  for _, st in ipairs(list) do run_one(ctx, st) end
end

-- compile(path): the function that registers the file's test cases.
function M.compile(path)
  local f, err = io.open(path, "r")
  if not f then smtp.fail("cannot open " .. path .. ": " .. tostring(err), "setup") end
  local text = f:read("a")
  f:close()
  local script = parser(path, text)
  return function()
    for _, c in ipairs(script.cases) do
      local function body()
        if c.skip then skip("marked skip in the script") end
        local ctx = { path = path, procs = script.procs }
        if not c.noconnect then
          local ok, s = pcall(smtp.connect)
          if not ok then fail_at(path, c, s) end
          ctx.s = s
        end
        if not c.expect_fail then
          run_list(ctx, c.body)
          return
        end
        -- "expect fail": as in smtpscript, failing is passing, and the other way.
        local ok, e = pcall(run_list, ctx, c.body)
        if ok then
          smtp.fail("should have failed (test-case expect fail)", "expect", { at = at(path, c) })
        end
        smtp.note("failed as expected: " .. tostring(e))
      end
      test(c.name, body)
    end
  end
end

return M
