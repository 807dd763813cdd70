-- smtp/smtpscript.lua: *.smtp files in the format of OpenSMTPD's regression
-- tool smtpscript, run as they run there, so existing suites move over.
-- The parser is our own; the format is smtpscript's:
--
--   # a comment, to the end of the line
--   name = "value"                 a macro; $name anywhere later is replaced by
--                                  its value, which is read again as words
--                                  (-D name=value defines one too, and wins)
--   include "other.smtp"           (relative to this file, under its directory)
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
local core = require "smtprun.core"
local testing = require "smtp.testing"
local Parser = require "smtp.smtpscript.parser"
local runner = require "smtp.smtpscript.runner"

-- The work is done in three layers, each a module:
--   smtp.smtpscript.lexer    the text into tokens
--   smtp.smtpscript.parser   the tokens into procs and test cases
--   smtp.smtpscript.runner   a test case run on smtprun's API

local M = {}

-- parse(path): the script's AST: { cases = {...}, procs = {name = ...} }.
function M.parse(path)
  local text, err = Parser.read_file(path)
  if not text then smtp.fail(("cannot open %s: %s"):format(path, tostring(err)), "setup") end
  local defines = {}
  local vars = rawget(_G, "vars")
  if type(vars) == "table" then
    for k, v in pairs(vars) do
      if type(k) == "string" then defines[k] = v end
    end
  end
  local script = Parser.new_script(defines)
  script.including[core.realpath(path) or path] = true
  Parser.new(script, path, text):file()
  return script
end

-- compile(path): the function that registers the file's test cases.
function M.compile(path)
  local script = M.parse(path)
  return function()
    for _, c in ipairs(script.cases) do
      if c.skip then
        testing.test(c.name, function() testing.skip("marked skip at " .. runner.where(c)) end)
      else
        testing.test(c.name, function() runner.run_case(c) end)
      end
    end
  end
end

return M
