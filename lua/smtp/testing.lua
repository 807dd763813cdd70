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

local testing = {}

-- skip() raises this; it is not a failure.
local SKIP = {}
local SKIP_MT = { __tostring = function(e) return "skipped: " .. e.reason end }

-- What --list and --filter's first pass put in place of the calls that
-- reach the network: top-level code of a test file only registers cases.
local LISTING = setmetatable({}, { __tostring = function() return "listing" end })

local function describe(err)
  if type(err) == "table" and getmetatable(err) == SKIP_MT then
    return { status = "skip", message = err.reason }
  end
  if type(err) == "table" and err.kind then
    local setup = err.kind == "setup" or err.kind == "usage"
    return { status = setup and "error" or "fail", message = tostring(err), kind = err.kind,
             at = err.at, expected = err.expected, got = err.got, command = err.command }
  end
  return { status = "fail", message = tostring(err) }
end

local function stub_network(on)
  if on then
    local saved = {}
    for _, name in ipairs{ "connect", "listen", "spawn", "sleep", "wait_all" } do
      saved[name] = smtp[name]
      smtp[name] = function() error(LISTING, 0) end
    end
    return saved
  end
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

function testing.main(chunk, path)
  local cfg = core.config()
  local cases, hooks = {}, { setup = {}, teardown = {}, before_each = {}, after_each = {} }
  local names = {}

  local function add(name, fn, opts)
    if type(name) ~= "string" or type(fn) ~= "function" then
      core.fail("test: want test(\"name\", function() ... end)", "usage")
    end
    if names[name] then core.fail("test: two cases are named \"" .. name .. "\"", "usage") end
    names[name] = true
    cases[#cases + 1] = { name = name, fn = fn, todo = opts and opts.todo }
  end
  _G.test = function(name, fn) add(name, fn) end
  _G.expect_failure = function(name, why, fn)
    if type(why) == "function" then why, fn = "known to fail", why end
    add(name, fn, { todo = why })
  end
  for hook in pairs(hooks) do
    _G[hook] = function(fn) table.insert(hooks[hook], fn) end
  end
  _G.skip = function(reason)
    error(setmetatable({ reason = reason or "skipped" }, SKIP_MT), 0)
  end

  local matches_path = not cfg.filter or path:find(cfg.filter) ~= nil
  if chunk == nil then
    local ok, c = pcall(testing.compile, path)
    if not ok then
      if not matches_path then return core.filtered_out() end
      error(c, 0)
    end
    chunk = c
  end

  -- Register the cases. With --list, or a --filter the path does not
  -- match, the network stays out of reach: a plain file (no test()) stops
  -- at its first connect and is a single case named after the file.
  local dry = cfg.list or not matches_path
  local saved = dry and stub_network(true)
  local ok, err = xpcall(chunk, function(e)
    if e == LISTING or getmetatable(e) == SKIP_MT or
       (type(e) == "table" and e.kind) then
      return e
    end
    -- The script's own error: record where it came from while we know.
    core.note(debug.traceback(tostring(e), 2), "error")
    return core.script_error(tostring(e))
  end)
  restore(saved)
  if not ok and err == LISTING then
    if cfg.list and matches_path then io.stdout:write(path, "\n") end
    if not matches_path then core.filtered_out() end
    return
  end
  if not ok then
    if getmetatable(err) == SKIP_MT and #cases == 0 then
      core.case_begin(path)
      core.case_end{ status = "skip", message = err.reason }
      return
    end
    error(err, 0)
  end
  if #cases == 0 then
    if not matches_path then return core.filtered_out() end
    if cfg.list then io.stdout:write(path, "\n") end
    if cfg.golden and not cfg.list then
      local why = require("smtp.golden").check(cfg, path, nil, core.transcript_text() or "")
      if why then core.fail(why, "golden") end
    end
    return
  end

  local selected = {}
  for _, c in ipairs(cases) do
    if matches_path or (path .. ": " .. c.name):find(cfg.filter) then
      selected[#selected + 1] = c
    end
  end
  if cfg.list then
    for _, c in ipairs(selected) do io.stdout:write(path, ": ", c.name, "\n") end
    return
  end
  if #selected == 0 then return core.filtered_out() end

  for _, fn in ipairs(hooks.setup) do fn() end
  local limit = cfg.case_timeout > 0 and cfg.case_timeout or math.huge
  for _, c in ipairs(selected) do
    core.case_begin(c.name)
    local ok2, err2 = core.run_case(function()
      for _, fn in ipairs(hooks.before_each) do fn() end
      c.fn()
    end, limit)
    local r
    if ok2 then
      r = { status = "pass" }
    elseif err2 == "timeout" then
      r = { status = "error", kind = "timeout",
            message = ("the case did not finish within its time limit of %g s"):format(limit) }
      core.note(r.message, "error")
    else
      r = describe(err2)
      if type(err2) == "table" and err2.kind and not err2.recorded then
        core.note(tostring(err2), "error")
      end
    end
    -- after_each runs whatever happened; its own failure fails the case.
    if #hooks.after_each > 0 then
      local ok3, err3 = core.run_case(function()
        for _, fn in ipairs(hooks.after_each) do fn() end
      end, limit)
      if not ok3 and r.status == "pass" then
        r = err3 == "timeout" and { status = "error", message = "after_each timed out" }
          or describe(err3)
      end
    end
    if cfg.golden and (r.status == "pass" or r.status == "fail") then
      local why = require("smtp.golden").check(cfg, path, c.name, core.transcript_text() or "")
      if why and r.status == "pass" then
        core.note(why, "error")
        r = { status = "fail", kind = "golden", message = why }
      end
    end
    if c.todo and r.status ~= "skip" then
      r = r.status == "pass" and { status = "xpass", message = c.todo }
        or { status = "xfail", message = c.todo .. " (" .. (r.message or "") .. ")",
             kind = r.kind, at = r.at }
    end
    core.case_end(r)
  end
  for _, fn in ipairs(hooks.teardown) do fn() end
end

return testing
