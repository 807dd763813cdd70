-- smtp/smtpscript/lexer.lua: the tokens of an smtpscript file (the format
-- is described in smtp/smtpscript.lua).
--
-- Tokens: {kind, v, line, col, file}, kind one of
--   "string" (a bare word, or quoted = true), "number" (v an integer,
--   text the digits), "kw" (a keyword, v the word), "macro" (v the name),
--   "nl", "eof", or the character itself ("{", "}", "%", "=", ...).
-- A token read from a macro's value also has macro = the macro's name.

local smtp = require "smtp"

local core = require "smtprun.core"
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

-- A string as messages show it: quoted, control bytes escaped as
-- everywhere in smtprun (core.escape), quotes and backslashes escaped.
local function quote(s)
  return '"' .. core.escape((s:gsub('["\\]', "\\%0"))) .. '"'
end
M.quote = quote                 -- a string as messages show it

-- Raises the syntax error: "<path>:<line>:<col>: <what>".
local function syntax_error(file, line, col, msg)
  smtp.fail(msg, "setup", { at = ("%s:%d:%d"):format(file, line, col) })
end
M.syntax_error = syntax_error

local Lexer = {}
Lexer.__index = Lexer

-- new(file, text [, at]): a lexer; lexer:next() is the next token. `at`
-- ({line, col, macro}) is given for a macro's value: every token then
-- carries the place of the $name, and a $ is only a character.
function M.new(file, text, at)
  return setmetatable({
    file = file, text = text, at = at,
    i = 1, line = 1, col = 1,
    back = {},                  -- characters given back: {c, line, col}
  }, Lexer)
end

-- The next character of the text, and its line and column.
function Lexer:raw()
  if self.i > #self.text then return nil, self.line, self.col end
  local c, l, co = self.text:sub(self.i, self.i), self.line, self.col
  self.i = self.i + 1
  if c == "\n" then self.line, self.col = self.line + 1, 1 else self.col = self.col + 1 end
  return c, l, co
end

-- The next character. Outside quotes a backslash and a newline join two
-- lines, and a backslash before any other character is dropped.
function Lexer:getc(inquote)
  if #self.back > 0 then
    local b = table.remove(self.back)
    return b[1], b[2], b[3]
  end
  local c, l, co = self:raw()
  if inquote then return c, l, co end
  while c == "\\" do
    local n, nl, nc = self:raw()
    if n ~= "\n" then return n, nl, nc end
    c, l, co = self:raw()
  end
  return c, l, co
end

function Lexer:ungetc(c, l, co)
  if c ~= nil then self.back[#self.back + 1] = { c, l, co } end
end

function Lexer:fail(l, co, msg)
  local at = self.at
  if at then
    syntax_error(self.file, at.line, at.col, msg .. " (in the value of $" .. at.macro .. ")")
  end
  syntax_error(self.file, l, co, msg)
end

-- $name: tok becomes the macro token.
function Lexer:macro(tok)
  local name = {}
  while true do
    local d, dl, dc = self:getc()
    if d == nil or not d:match("^[%w_]$") then self:ungetc(d, dl, dc); break end
    name[#name + 1] = d
  end
  tok.kind, tok.v = "macro", table.concat(name)
  return tok
end

-- A string in quotes q, which opened at line l, column co.
function Lexer:quoted(tok, q, l, co)
  local buf = {}
  while true do
    local d = self:getc(q)
    if d == nil then self:fail(l, co, "end of file inside a quoted string (it starts here)") end
    if d == "\\" then
      local n, nl, nc = self:getc(q)
      if n == nil then self:fail(l, co, "end of file inside a quoted string (it starts here)") end
      if n == q then
        d = n
      elseif n == "\n" then
        d = nil
      else
        self:ungetc(n, nl, nc)
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

-- A number, starting with c (a digit or -). Returns the token, or nil and
-- the first character to read again as something else (the characters
-- after it are given back).
function Lexer:number(tok, c, l, co)
  local buf, seen = {}, {}
  repeat
    buf[#buf + 1] = c
    seen[#seen + 1] = { c, l, co }
    c, l, co = self:getc()
  until c == nil or not c:match("^%d$")
  if not (#buf == 1 and buf[1] == "-") and ends_number(c) then
    self:ungetc(c, l, co)
    local digits = table.concat(buf)
    local n = math.tointeger(tonumber(digits))
    if n == nil then self:fail(tok.line, tok.col, quote(digits) .. " is not a valid number") end
    tok.kind, tok.v, tok.text = "number", n, digits
    return tok
  end
  -- Not a number after all: read the characters again as a word.
  self:ungetc(c, l, co)
  for k = #seen, 2, -1 do self:ungetc(seen[k][1], seen[k][2], seen[k][3]) end
  return nil, seen[1][1]
end

-- A bare word (or keyword), starting with c.
function Lexer:word(tok, c)
  local buf, l, co = {}
  repeat
    buf[#buf + 1] = c
    c, l, co = self:getc()
  until not word_char(c)
  self:ungetc(c, l, co)
  local w = table.concat(buf)
  tok.kind, tok.v = KEYWORDS[w] and "kw" or "string", w
  return tok
end

function Lexer:next()
  local at = self.at
  local c, l, co
  repeat c, l, co = self:getc() until c ~= " " and c ~= "\t" and c ~= "\r"
  if c == "#" then
    repeat c, l, co = self:getc() until c == "\n" or c == nil
  end
  local tok = { line = at and at.line or l, col = at and at.col or co, file = self.file,
                macro = at and at.macro }
  if c == nil then
    tok.kind, tok.v = "eof", ""
    return tok
  end
  if c == "$" and not at then return self:macro(tok) end
  if c == '"' or c == "'" then return self:quoted(tok, c, l, co) end
  if c == "-" or c:match("^%d$") then
    local number
    number, c = self:number(tok, c, l, co)
    if number then return number end
    if c == "-" then
      tok.kind, tok.v = "-", "-"
      return tok
    end
  end
  if c:match("^[%w:_]$") then return self:word(tok, c) end
  if c == "\n" then
    tok.kind, tok.v = "nl", "\n"
    return tok
  end
  tok.kind, tok.v = c, c
  return tok
end

return M
