-- smtp/smtpscript/runner.lua: an smtpscript test case (as the parser makes
-- it, smtp/smtpscript/parser.lua) run on smtprun's API, as smtpscript runs it.

local smtp = require "smtp"
local quote = require("smtp.smtpscript.lexer").quote

local core = require "smtprun.core"

local M = {}

local function where(st) return ("%s:%d"):format(st.file, st.line) end
M.where = where                 -- "file:line" of a statement or case

local SPEC = {
  any = { "2xx", "3xx", "4xx", "5xx" }, ok = { "2xx", "3xx" }, helo = { "2xx", "3xx" },
  tempfail = "4xx", permfail = "5xx",
}
local MULTILINE = { any = true, helo = true }

-- One run of a case: its session (s, nil when not connected, and why),
-- and the calls being made (the call statements, innermost last).
local Run = {}
Run.__index = Run

function Run.new()
  return setmetatable({ calls = {}, s = nil, why = nil }, Run)
end

-- Raises err (an smtprun error, or any value) again, at statement st, with
-- the calls that led there.
function Run:fail_at(st, err)
  local fields = {}
  local message, kind
  if type(err) == "table" and err.kind then
    for k, v in pairs(err) do fields[k] = v end
    message, kind = err.message, err.kind
  else
    message, kind = tostring(err), "script"
  end
  if #self.calls > 0 then
    local chain = {}
    for k = #self.calls, 1, -1 do
      local c = self.calls[k]
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
function Run:session(what)
  if self.s == nil then
    smtp.fail(("%s: not connected (%s)")
      :format(what, self.why or "no-autoconnect, and no connect before"), "usage")
  end
  return self.s
end

function Run:close()
  if self.s then self.s:close() end
  self.s = nil
end

-- The statements that talk to the server (or wait), by op.
local LEAF = {}

function LEAF.noop() end

function LEAF.sleep(_, st) smtp.sleep(st.ms / 1000) end

function LEAF.fail(_, st) smtp.fail(st.reason, "expect") end

function LEAF.connect(run, st)
  run:close()
  run.s = smtp.connect{ host = st.host, port = st.port }
end

function LEAF.disconnect(run, st)
  run:close()
  run.why = "disconnect at " .. where(st)
end

function LEAF.starttls(run)
  run:session("starttls"):tls_handshake{ verify = false }
end

function LEAF.write(run, st)
  run:session(st.shown):send_raw(st.data)
end

function LEAF.expect_disconnect(run, st)
  run:session("expect disconnect"):expect_close()
  run.s = nil
  run.why = "the server closed the connection, at " .. where(st)
end

function LEAF.expect_smtp(run, st)
  local s = run:session("expect smtp")
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

function Run:statement(st)
  local op = st.op
  if op == "block" then
    self:statements(st.body)
  elseif op == "repeat" then
    for _ = 1, st.count do self:statement(st.body) end
  elseif op == "random" then
    if #st.body > 0 then
      local k = math.random(#st.body)
      smtp.note(("random at %s: statement %d of %d (line %d)")
        :format(where(st), k, #st.body, st.body[k].line))
      self:statement(st.body[k])
    end
  elseif op == "call" then
    self.calls[#self.calls + 1] = st
    self:statements(st.proc.body)
    self.calls[#self.calls] = nil
  else
    local ok, err = pcall(LEAF[op], self, st)
    if not ok then self:fail_at(st, err) end
  end
end

function Run:statements(list)
  for _, st in ipairs(list) do self:statement(st) end
end

-- The runner stopping the file (its time limit, a signal): never a failure
-- that expect fail could turn into a pass.
local function stopped(err)
  return err.kind == "timeout" and type(err.message) == "string" and
    (err.message:find("^stopped by ") or err.message:find("^the file did not finish")) ~= nil
end

-- run_case(c): one test case, as smtpscript runs it.
function M.run_case(c)
  local run = Run.new()
  local ok, err = pcall(function()
    if not c.noconnect then
      local okc, e = pcall(smtp.connect)
      if not okc then run:fail_at(c, e) end
      run.s = e
    end
    run:statements(c.body)
  end)
  -- The failure in the transcript before the connection's end.
  if not ok and type(err) == "table" and err.kind and not err.recorded and not stopped(err) then
    smtp.note(tostring(err), "error")
    err.recorded = "transcript"
  end
  pcall(run.close, run)
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
  if type(err) ~= "table" or core.is_setup_error(err.kind) or stopped(err) then error(err, 0) end
  smtp.note("failed, as expect fail wants: " .. tostring(err))
end

return M
