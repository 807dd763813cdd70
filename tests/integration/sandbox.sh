#!/usr/bin/env bash
# sandbox.sh - --sandbox: every refused function, refused with an error that
# names it; what stays allowed; smtprun's own modules (golden files,
# smtpscript include, YAML) and the article's scenarios still work under it.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${SRCDIR:?}/tests/integration/lib.sh" || exit 1
need_python
unset SMTPRUN_SERVER

# Binary chunks to refuse, made by an ordinary run.
s=$(scenario mkbin.lua <<LUA
local f = assert(io.open("$T/bin.luac", "wb"))
f:write(string.dump(function() return 1 end)) f:close()
f = assert(io.open("$T/binmod.lua", "wb"))
f:write(string.dump(function() return {} end)) f:close()
LUA
)
run run "$s"; expect_rc 0

# One pcall per function: refused, and the message names it and --sandbox.
s=$(scenario refused.lua <<LUA
local n = 0
local function refused(name, fn, ...)
  local ok, err = pcall(fn, ...)
  assert(not ok, name .. " was allowed")
  local msg = tostring(err)
  assert(msg:find(name, 1, true) and msg:find("--sandbox", 1, true), name .. ": " .. msg)
  n = n + 1
end
refused("os.execute", function() return os.execute("true") end)
refused("io.popen", function() return io.popen("true") end)
refused("package.loadlib", function() return package.loadlib("libc.so.6", "puts") end)
refused("os.exit", function() os.exit(0) end)
refused("os.remove", function() return os.remove("$T/keep") end)
refused("os.rename", function() return os.rename("$T/keep", "$T/moved") end)
refused("os.tmpname", function() return os.tmpname() end)
refused("io.tmpfile", function() return io.tmpfile() end)
refused("io.open", function() return io.open("$T/written", "w") end)
refused("io.open", function() return io.open("$T/written", "a") end)
refused("io.open", function() return io.open("$T/keep", "r+") end)
refused("io.output", function() return io.output("$T/written") end)
refused("debug.getinfo", function() return debug.getinfo(1) end)
refused("debug.sethook", function() return debug.sethook() end)
refused("debug.traceback", function() return require("debug").traceback() end)
refused("load", function() return load(string.dump(function() end)) end)
refused("load", function() return load(string.dump(function() end), "x", "b") end)
refused("loadfile", function() return loadfile("$T/bin.luac") end)
refused("loadfile", function() return loadfile("$T/bin.luac", "b") end)
refused("dofile", function() return dofile("$T/bin.luac") end)
refused("require", function() return require("binmod") end)
-- smtprun's own module is in reach of any script: its file writer too.
refused("core.write_file", function() return require("smtprun.core").write_file("$T/written", "x") end)
refused("core.write_file", function() return package.preload["smtprun.core"]().write_file("$T/written", "x") end)
assert(package.cpath == "" and #package.searchers == 2, "C searchers left")
-- What stays allowed: text chunks, reading files, stdout, the environment.
assert(load("return 1")() == 1)
assert(io.open("$T/keep", "r")):close()
for _ in io.lines("$T/keep") do end
assert(type(os.getenv("PATH")) == "string")
io.stdout:write("refused: ", n, "\n")
LUA
)
echo kept >"$T/keep"
run run --sandbox "$s"; expect_rc 0
expect_out "refused: 23"
if [ ! -f "$T/keep" ] || [ -e "$T/moved" ] || [ -e "$T/written" ]; then
	fail "a refused call wrote"
fi
# Without --sandbox the same file fails: the functions are there.
run run "$s"; expect_rc 1; expect_out "os.execute was allowed"

# Refused outside pcall: the scenario's error names the function, with its
# line; a usage error (exit 2).
s=$(scenario exec.lua <<'LUA'
local x = 1
os.execute("touch /tmp/never")
LUA
)
run run --sandbox "$s"; expect_rc 2
expect_out "exec.lua:2: os.execute is not allowed under --sandbox"

# smtprun's own modules: a YAML case with a lua: step, an smtpscript file
# with include, golden transcripts written (--update-golden) and compared,
# against the article's server, all under --sandbox.
mkdir -p "$T/suite"
cat >"$T/suite/srv.lua" <<'LUA'
return function()
  local srv = require("smtp.article").new{ user = "alice@example.test", password = "pw" }
  local l = srv:listen{ quiet = true }
  srv:start()
  smtp.set_target("127.0.0.1", l:port())
end
LUA
cat >"$T/suite/article.lua" <<'LUA'
require("srv")()
local s = smtp.connect()
s:greeting()
s:ehlo("client.example.test")
s:auth_login("alice@example.test", "pw")
s:quit()
LUA
run run --sandbox --golden "$T/gold" --update-golden "$T/suite/article.lua"; expect_rc 0
ls "$T"/gold/*.txt >/dev/null 2>&1 || fail "no golden file written"
run run --sandbox --golden "$T/gold" "$T/suite/article.lua"; expect_rc 0
# ...but the script itself writes nothing there, golden directory or not
# (io.open follows links; smtprun's own writer refuses them).
s=$(scenario gold-write.lua <<LUA
local ok, err = pcall(io.open, "$T/gold/x.txt", "w")
assert(not ok and tostring(err):find("io.open for writing is not allowed under --sandbox", 1, true),
       "io.open wrote in the golden directory: " .. tostring(err))
LUA
)
run run --sandbox --golden "$T/gold" --update-golden "$s"; expect_rc 0
[ ! -e "$T/gold/x.txt" ] || fail "io.open wrote in the golden directory"
# The article's scenario and its YAML version, as shipped, against the demo
# server.
serve_bg demo --serve --port 0
run run --sandbox --server "127.0.0.1:$SERVE_PORT" -D user=alice@example.test \
    -D password=wonderland "$SRCDIR/scripts/article-auth-login.lua" \
    "$SRCDIR/examples/article-auth-login.yaml"
expect_rc 0
expect_out "4 passed"
signal_bg TERM
# An smtpscript file with include and procs, against its server.
dir="$SRCDIR/tests/scenarios/smtpscript"
serve_bg serve "$dir/server.lua"
run run --sandbox --server "127.0.0.1:$SERVE_PORT" -D port="$SERVE_PORT" \
    -D who="VRFY from-the-command-line" "$dir/session.smtp"
expect_rc 0
expect_out "PASS  $dir/session.smtp: plain session"
signal_bg TERM
exit 0
