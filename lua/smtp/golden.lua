-- smtp/golden.lua: transcripts compared with saved ("golden") copies.
--
-- Before comparing, both sides are normalised: what varies from run to run
-- (timestamps, ports, queue and message IDs, dates, TLS details, SCRAM
-- nonces, directories) is replaced by a fixed word, in the spirit of Exim's
-- test-suite munging. --golden-rules FILE adds rules: a Lua file returning
-- { {pattern, replacement}, ... } (Lua patterns, applied to each line).

local smtp = require "smtp"

local core = require "smtprun.core"
local golden = {}

golden.rules = {
  { "^%[ *[%d.]+%] ", "[TIME] " },                              -- --timestamps
  { "port %d+", "port PORT" },
  { "(%d+%.%d+%.%d+%.%d+):%d+", "%1:PORT" },
  { "%[([%x:]+)%]:%d+", "[%1]:PORT" },
  { "queued as [%w]+", "queued as QUEUEID" },
  { "^( [-~]> Message%-ID: ).*", "%1<MESSAGEID>" },
  { "^( [-~]> Date: ).*", "%1DATE" },
  { "%a%a%a, +%d+ %a%a%a %d%d%d%d %d%d:%d%d:%d%d [+-]%d%d%d%d", "DATE" },
  { "^(=== TLS started: ).*", "%1TLS" },
  { "^(===   valid ).*", "%1DATES" },
  { "%x%x:%x%x:%x%x:[%x:]+", "FINGERPRINT" },
  { "^([<~-]+ +334 )[A-Za-z0-9+/=]+   %(r=.*%)$", "%1SCRAM-SERVER-FIRST" },
  { "^([<~-]+ +334 )[A-Za-z0-9+/=]+   %(v=.*%)$", "%1SCRAM-SERVER-FINAL" },
  -- SCRAM messages as recorded without --show-secrets (the same words).
  { "^([<~-]+ +334 )%[base64 redacted%]   %(r=.*%)$", "%1SCRAM-SERVER-FIRST" },
  { "^([<~-]+ +334 )%[base64 redacted%]   %(v=.*%)$", "%1SCRAM-SERVER-FINAL" },
  { "^([<~-]+ +334 )[A-Za-z0-9+/=]+   %(<.*>%)$", "%1CRAM-MD5-CHALLENGE" },
  { "^(=== scenario ).*/", "%1" },
  { "^(=== case ).*/", "%1" },
  { "^(=== Connection from [^ ]+ port )%S+", "%1PORT" },
}

function golden.normalise(text, extra)
  local out = {}
  for line in (text .. (text:sub(-1) == "\n" and "" or "\n")):gmatch("(.-)\n") do
    for _, rules in ipairs{ golden.rules, extra or {} } do
      for _, r in ipairs(rules) do line = line:gsub(r[1], r[2]) end
    end
    out[#out + 1] = line
  end
  return out
end

-- A unified diff (3 lines of context) of two lists of lines, or nil when
-- they are the same.
function golden.diff(a, b, name_a, name_b)
  local n, m = #a, #b
  -- lcs[i][j]: the longest common subsequence of a[i..] and b[j..].
  local lcs = {}
  for i = n + 1, 1, -1 do
    lcs[i] = {}
    for j = m + 1, 1, -1 do
      if i > n or j > m then lcs[i][j] = 0
      elseif a[i] == b[j] then lcs[i][j] = lcs[i + 1][j + 1] + 1
      else lcs[i][j] = math.max(lcs[i + 1][j], lcs[i][j + 1]) end
    end
  end
  local ops, i, j = {}, 1, 1          -- {" "|"-"|"+", text, line in a, line in b}
  while i <= n or j <= m do
    if i <= n and j <= m and a[i] == b[j] then
      ops[#ops + 1] = { " ", a[i], i, j }; i, j = i + 1, j + 1
    elseif i <= n and (j > m or lcs[i + 1][j] >= lcs[i][j + 1]) then
      ops[#ops + 1] = { "-", a[i], i, j }; i = i + 1
    else
      ops[#ops + 1] = { "+", b[j], i, j }; j = j + 1
    end
  end
  local out, k = { "--- " .. name_a, "+++ " .. name_b }, 1
  local changed = false
  while k <= #ops do
    if ops[k][1] ~= " " then
      changed = true
      local s = math.max(1, k - 3)
      local e = k
      -- extend the hunk while changes are within 6 lines of each other
      while true do
        local nxt = e + 1
        while nxt <= #ops and ops[nxt][1] == " " and nxt - e <= 6 do nxt = nxt + 1 end
        if nxt <= #ops and ops[nxt][1] ~= " " then e = nxt else break end
      end
      e = math.min(#ops, e + 3)
      local la, lb, ca, cb = ops[s][3], ops[s][4], 0, 0
      for x = s, e do
        if ops[x][1] ~= "+" then ca = ca + 1 end
        if ops[x][1] ~= "-" then cb = cb + 1 end
      end
      out[#out + 1] = ("@@ -%d,%d +%d,%d @@"):format(la, ca, lb, cb)
      for x = s, e do out[#out + 1] = ops[x][1] .. ops[x][2] end
      k = e + 1
    else
      k = k + 1
    end
  end
  return changed and table.concat(out, "\n") or nil
end

-- Compares text with the golden copy for path (and case name), or writes it
-- with --update-golden. Returns nil when all is well, else a message; or
-- nil and a setup error's message when the copy cannot be written.
function golden.check(cfg, path, name, text)
  local file = ("%s/%s.txt"):format(cfg.golden, core.file_name(path, name))
  local extra
  if cfg.golden_rules then
    local chunk, err = loadfile(cfg.golden_rules, "t")
    if not chunk then smtp.fail("golden rules: " .. err, "setup") end
    extra = chunk()
  end
  local got = golden.normalise(text, extra)
  if cfg.update_golden then
    -- Never through a link planted at the path (io/outfile.h).
    local ok, err = core.write_file(file, table.concat(got, "\n") .. "\n")
    if not ok then return nil, "golden transcript: " .. err end
    smtp.note("golden transcript written: " .. file)
    return nil
  end
  local f = io.open(file, "r")
  if not f then
    return ("no golden transcript %s (run with --update-golden to make it)"):format(file)
  end
  local want = golden.normalise(f:read("a"), extra)
  f:close()
  local d = golden.diff(want, got, file, "this run")
  return d and ("the transcript differs from %s:\n%s"):format(file, d) or nil
end

return golden
