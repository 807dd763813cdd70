-- smtp/yaml.lua: reading YAML files strictly, with errors that name the
-- file, line and column. core.yaml_load (libyaml) gives node trees; these
-- helpers check them against what a config or a scenario may hold: unknown
-- keys, wrong types and missing fields are errors, never ignored.

local core = require "smtprun.core"

local Y = {}

-- Raises a setup error "path:line:col: msg" (the runner's exit 2).
function Y.fail(path, node, msg)
  local at = node and ("%s:%d:%d"):format(path, node.line, node.col) or path
  core.fail(msg, "setup", { at = at })     -- shown as "path:line:col: msg"
end

-- The root node of the file, or a setup error; an empty file (nothing, or
-- only comments) is an error saying what `what` (e.g. "cases") it should hold.
function Y.load(path, what)
  local root, err = core.yaml_load(path)
  if not root and err then
    local at, msg = err:match("^(.-:%d+:%d+): (.*)$")
    core.fail(msg or err, "setup", { at = at or path })
  end
  if not root then
    Y.fail(path, { line = 1, col = 1 }, ("the file is empty (no YAML, only comments or "
      .. "blank lines): expected %s"):format(what))
  end
  return root
end

local function describe(node)
  if node.kind == "scalar" then return ("%q"):format(node.value) end
  return node.kind == "map" and "a mapping" or "a list"
end

-- ${NAME} and ${NAME:-default} in s, from lookup(name) (nil: undefined).
function Y.expand(path, node, s, lookup)
  return (s:gsub("%${([%w_]+)(:?%-?)([^}]*)}", function(name, dash, default)
    local v = lookup(name)
    if v == nil or (v == "" and dash == ":-") then
      if dash == ":-" or dash == "-" then return default end
      Y.fail(path, node, ("${%s} is not set (give it a value, or write ${%s:-default})")
        :format(name, name))
    end
    return v
  end))
end

-- A checker bound to one file and one way of expanding ${...}.
function Y.checker(path, lookup)
  local C = {}

  function C.fail(node, msg) Y.fail(path, node, msg) end

  function C.str(node, what)
    if node.kind ~= "scalar" then
      C.fail(node, ("%s: expected text, got %s"):format(what, describe(node)))
    end
    return lookup and Y.expand(path, node, node.value, lookup) or node.value
  end

  function C.num(node, what)
    local s = node.kind == "scalar" and C.str(node, what)
    local n = s and tonumber(s)
    if not n then C.fail(node, ("%s: expected a number, got %s"):format(what, describe(node))) end
    return n
  end

  function C.bool(node, what)
    local s = node.kind == "scalar" and C.str(node, what)
    if s == "true" or s == "yes" or s == "on" then return true end
    if s == "false" or s == "no" or s == "off" then return false end
    C.fail(node, ("%s: expected true or false, got %s"):format(what, describe(node)))
  end

  function C.list(node, what)
    if node.kind ~= "seq" then
      C.fail(node, ("%s: expected a list, got %s"):format(what, describe(node)))
    end
    return node.items
  end

  -- A mapping whose keys must be among `allowed` (a set), with `required`
  -- ones present. Returns key -> node.
  function C.map(node, what, allowed, required)
    if node.kind ~= "map" then
      C.fail(node, ("%s: expected a mapping, got %s"):format(what, describe(node)))
    end
    for _, k in ipairs(node.keys) do
      if not allowed[k] then
        local names = {}
        for name in pairs(allowed) do names[#names + 1] = name end
        table.sort(names)
        C.fail(node.keynode[k], ("unknown key %q in %s (expected one of: %s)")
          :format(k, what, table.concat(names, ", ")))
      end
    end
    for _, k in ipairs(required or {}) do
      if not node.map[k] then C.fail(node, ("%s: missing %q"):format(what, k)) end
    end
    return node.map
  end

  return C
end

return Y
