-- smtp/testing.lua: test cases inside scenario files, and how a file runs.
--
-- A file may hold many cases:
--
--   setup(function() ... end)             -- once, before the first case
--   teardown(function() ... end)          -- once, after the last
--   before_each(function() ... end)       -- before every case
--   after_each(function() ... end)        -- after every case, even a failed one
--   test("relay refused without auth", function() ... end)
--   expect_failure("bug 12: 8BITMIME", "the server drops 8-bit mail", function() ... end)
--   skip("why")                           -- in a case: skip it; at top level: the file
--
-- Each case passes or fails on its own, within a wall-clock limit
-- (--case-timeout), with its own transcript. A file without test() is one
-- case: itself. YAML (*.yaml) and smtpscript (*.smtp) files are compiled to
-- cases by smtp.yamlscenario and smtp.smtpscript.

local core = require "smtprun.core"
local smtp = require "smtp"

-- Taken now: under --sandbox, scenarios get no debug library.
local traceback = debug.traceback

local testing = {}

-- skip() raises a table with this metatable: it is not a failure.
local SKIP_MT = { __tostring = function(e) return "skipped: " .. e.reason end }

-- What a dry run (--list, or a --filter the path does not match) puts in
-- place of the calls that reach the network: there, the top-level code of a
-- test file only registers cases.
local LISTING = setmetatable({}, { __tostring = function() return "listing" end })

-- The verdict of a security check (smtp.check): SAFE passes, VULNERABLE
-- fails (kind "vulnerable"), INCONCLUSIVE is skipped; the evidence is the
-- message, even of a pass.
testing.VERDICT_MT = { __tostring = function(e) return e.verdict .. ": " .. e.evidence end }
local VERDICT_STATUS = { SAFE = "pass", VULNERABLE = "fail", INCONCLUSIVE = "skip" }

-- A case's error as a result for core.case_end.
local function describe(err)
  if type(err) == "table" and getmetatable(err) == SKIP_MT then
    return { status = "skip", message = err.reason }
  end
  if type(err) == "table" and getmetatable(err) == testing.VERDICT_MT then
    if err.verdict == "VULNERABLE" then core.note(tostring(err), "error") end
    return { status = VERDICT_STATUS[err.verdict], message = err.evidence,
             verdict = err.verdict, kind = err.verdict == "VULNERABLE" and "vulnerable" or nil }
  end
  if type(err) == "table" and err.kind then
    return { status = core.is_setup_error(err.kind) and "error" or "fail",
             message = tostring(err), kind = err.kind, at = err.at,
             expected = err.expected, got = err.got, command = err.command }
  end
  return { status = "fail", message = tostring(err) }
end

-- Puts LISTING in place of the calls that reach the network; returns what
-- was there, for restore.
local function stub_network()
  local saved = {}
  for _, name in ipairs{ "connect", "listen", "spawn", "sleep", "wait_all" } do
    saved[name] = smtp[name]
    smtp[name] = function() error(LISTING, 0) end
  end
  return saved
end

local function restore(saved)
  for name, fn in pairs(saved or {}) do smtp[name] = fn end
end

-- The chunk of a non-Lua scenario file.
function testing.compile(path)
  if path:match("%.ya?ml$") then
    return require("smtp.yamlscenario").compile(path)
  elseif path:match("%.smtp$") then
    return require("smtp.smtpscript").compile(path)
  end
  core.fail("cannot tell what kind of scenario " .. path .. " is (want .lua, .yaml or .smtp)",
    "setup")
end

-- The file being run (the runner gives each file a Lua state of its own),
-- its cases and hooks, and what --list and --filter make of it.
local File = {}
File.__index = File

local current                   -- the File whose cases test() registers

function File.new(path, cfg)
  local matches_path = not cfg.filter or path:find(cfg.filter) ~= nil
  return setmetatable({
    path = path,
    cfg = cfg,
    matches_path = matches_path,
    dry = cfg.list or not matches_path,       -- the top-level code without the network
    cases = {},
    names = {},
    hooks = { setup = {}, teardown = {}, before_each = {}, after_each = {} },
  }, File)
end

---------------------------------------------------------------------------
-- Register: the functions a test file calls, and the cases they collect.

function File:add(name, fn, opts)
  if type(name) ~= "string" or type(fn) ~= "function" then
    core.fail("test: want test(\"name\", function() ... end)", "usage")
  end
  if self.names[name] then core.fail("test: two cases are named \"" .. name .. "\"", "usage") end
  self.names[name] = true
  self.cases[#self.cases + 1] = { name = name, fn = fn, todo = opts and opts.todo }
end

-- The globals test, expect_failure and skip, also for the modules that
-- compile other formats into cases (smtp.yamlscenario, smtp.smtpscript).
function testing.test(name, fn) current:add(name, fn) end

function testing.expect_failure(name, why, fn)
  if type(why) == "function" then why, fn = "known to fail", why end
  current:add(name, fn, { todo = why })
end

function testing.skip(reason)
  error(setmetatable({ reason = reason or "skipped" }, SKIP_MT), 0)
end

-- Makes this the file that test() adds to, and sets the globals.
function File:register()
  current = self
  _G.test = testing.test
  _G.expect_failure = testing.expect_failure
  for hook, list in pairs(self.hooks) do
    _G[hook] = function(fn) table.insert(list, fn) end
  end
  _G.skip = testing.skip
end

-- The chunk of a YAML or smtpscript file; nil when it does not compile but
-- --filter leaves the file out anyway.
function File:compile()
  local ok, chunk = pcall(testing.compile, self.path)
  if ok then return chunk end
  if not self.matches_path then
    core.filtered_out()
    return nil
  end
  error(chunk, 0)
end

-- The error handler of a file's top-level code (which registers the cases,
-- or in a plain file without test() is the one case).
local function top_level_error(e)
  if e == LISTING or getmetatable(e) == SKIP_MT or
     (type(e) == "table" and e.kind) then
    return e
  end
  -- The script's own error: record where it came from while we know.
  core.note(traceback(tostring(e), 2), "error")
  return core.script_error(tostring(e))
end

---------------------------------------------------------------------------
-- Select: --list and --filter.

-- The top-level code stopped with err: a dry run that reached the network
-- (the file is one case, named after it), skip() before any test(), or a
-- failure of the file.
function File:stopped(err)
  if err == LISTING then
    if self.cfg.list and self.matches_path then io.stdout:write(core.escape(self.path), "\n") end
    if not self.matches_path then core.filtered_out() end
    return
  end
  if getmetatable(err) == SKIP_MT and #self.cases == 0 then
    core.case_begin(self.path)
    core.case_end{ status = "skip", message = err.reason }
    return
  end
  error(err, 0)
end

-- A file without test() has run as its own case (or been listed); what is
-- left is its golden check.
function File:plain()
  if not self.matches_path then return core.filtered_out() end
  if self.cfg.list then io.stdout:write(core.escape(self.path), "\n") end
  if self.cfg.golden and not self.cfg.list then
    -- At the end of the file no line of it is running: the file is the place.
    local why, broke = self:golden(nil)
    if broke then core.fail(broke, "setup", { at = self.path }) end
    if why then core.fail(why, "golden", { at = self.path }) end
  end
end

-- The cases to run: all of them when --filter matches the path, else those
-- whose "path: name" it matches. With --list they are printed instead, and
-- nil is returned, as when none is left.
function File:select()
  local selected = {}
  for _, c in ipairs(self.cases) do
    if self.matches_path or (self.path .. ": " .. c.name):find(self.cfg.filter) then
      selected[#selected + 1] = c
    end
  end
  if self.cfg.list then
    for _, c in ipairs(selected) do
      io.stdout:write(core.escape(self.path .. ": " .. c.name), "\n")
    end
    return nil
  end
  if #selected == 0 then
    core.filtered_out()
    return nil
  end
  return selected
end

---------------------------------------------------------------------------
-- Run: the cases, between the hooks, each with its golden check.

-- The transcript compared with its golden copy: nil, or why it differs.
function File:golden(name)
  return require("smtp.golden").check(self.cfg, self.path, name, core.transcript_text() or "")
end

-- The result of a case's run (ok, err from core.run_case).
local function outcome(ok, err, limit)
  if ok then return { status = "pass" } end
  if err == "timeout" then
    local r = { status = "error", kind = "timeout",
                message = ("the case did not finish within its time limit of %g s"):format(limit) }
    core.note(r.message, "error")
    return r
  end
  if type(err) == "table" and err.kind and not err.recorded then
    core.note(tostring(err), "error")
  end
  return describe(err)
end

-- One case, with before_each and after_each; its result for core.case_end.
function File:run_case(c, limit)
  local hooks = self.hooks
  local ok, err = core.run_case(function()
    for _, fn in ipairs(hooks.before_each) do fn() end
    c.fn()
  end, limit)
  local r = outcome(ok, err, limit)
  -- after_each runs whatever happened; its own failure fails the case.
  if #hooks.after_each > 0 then
    local ok_after, err_after = core.run_case(function()
      for _, fn in ipairs(hooks.after_each) do fn() end
    end, limit)
    if not ok_after and r.status == "pass" then
      r = err_after == "timeout" and { status = "error", message = "after_each timed out" }
        or describe(err_after)
    end
  end
  if self.cfg.golden and (r.status == "pass" or r.status == "fail") then
    local why, broke = self:golden(c.name)
    if broke then
      -- Not written (a link planted there): this case's setup error; the
      -- other cases still run and are reported.
      core.note(broke, "error")
      r = { status = "error", kind = "setup", message = broke }
    elseif why and r.status == "pass" then
      core.note(why, "error")
      r = { status = "fail", kind = "golden", message = why }
    end
  end
  -- expect_failure: a failure is expected, a pass is news.
  if c.todo and r.status ~= "skip" then
    r = r.status == "pass" and { status = "xpass", message = c.todo }
      or { status = "xfail", message = c.todo .. " (" .. (r.message or "") .. ")",
           kind = r.kind, at = r.at }
  end
  return r
end

function File:run(selected)
  for _, fn in ipairs(self.hooks.setup) do fn() end
  local limit = self.cfg.case_timeout > 0 and self.cfg.case_timeout or math.huge
  for _, c in ipairs(selected) do
    core.case_begin(c.name)
    core.case_end(self:run_case(c, limit))
  end
  for _, fn in ipairs(self.hooks.teardown) do fn() end
end

---------------------------------------------------------------------------
-- smtprun load: one virtual session runs the file's top-level code, then the
-- cases it registered, in order, between its hooks; the first failure ends
-- the session. env (a Lua file's own globals for this session) gets test()
-- and the hooks; YAML and smtpscript files register through testing.test.
-- Known failures (expect_failure) do not run; skip() ends the session as a
-- pass.

local NO_CONFIG = {}

local function load_cases(file)
  local hooks = file.hooks
  for _, fn in ipairs(hooks.setup) do fn() end
  for _, c in ipairs(file.cases) do
    if not c.todo then
      for _, fn in ipairs(hooks.before_each) do fn() end
      c.fn()
      for _, fn in ipairs(hooks.after_each) do fn() end
    end
  end
  for _, fn in ipairs(hooks.teardown) do fn() end
end

function testing.load_session(chunk, env, path)
  local file = File.new(path, NO_CONFIG)
  current = file
  if env then
    env.test = function(name, fn) file:add(name, fn) end
    env.expect_failure = function(name, why, fn)
      if type(why) == "function" then why, fn = "known to fail", why end
      file:add(name, fn, { todo = why })
    end
    for hook, list in pairs(file.hooks) do
      env[hook] = function(fn) list[#list + 1] = fn end
    end
  end
  local ok, err = pcall(chunk, env)
  if ok and #file.cases > 0 then ok, err = pcall(load_cases, file) end
  if not ok and getmetatable(err) ~= SKIP_MT then error(err, 0) end
end

-- The chunk of a YAML or smtpscript file, compiled once for a load run.
function testing.load_compile(path)
  local file = File.new(path, NO_CONFIG)
  file:register()
  return file:compile()
end

---------------------------------------------------------------------------

-- testing.main(chunk, path): runs one scenario file; chunk is nil for the
-- files compiled here (YAML, smtpscript).
function testing.main(chunk, path)
  local file = File.new(path, core.config())
  file:register()
  chunk = chunk or file:compile()
  if chunk == nil then return end
  -- The top-level code registers the cases. On a dry run (--list, or a
  -- --filter the path does not match) the network is out of reach: a plain
  -- file stops at its first connect. (Inline rather than in a method: the
  -- traceback of a script error, in the transcript, would gain a frame.)
  local saved = file.dry and stub_network()
  local ok, err = xpcall(chunk, top_level_error)
  restore(saved)
  if not ok then
    file:stopped(err)
  elseif #file.cases == 0 then
    file:plain()
  else
    local selected = file:select()
    if selected then file:run(selected) end
  end
end

return testing
