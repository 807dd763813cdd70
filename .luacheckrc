-- luacheck's settings for smtprun's Lua (tests/lint/luacheck.sh runs it on
-- lua/, scripts/, examples/, tests/scenarios/ and tests/bench/).
std = "lua54"

-- What the runner gives a scenario file: the smtp module and the -D
-- variables, and smtp.testing's functions for the cases of a test file.
-- The modules in lua/ get none of them: they require "smtp", read vars
-- with rawget(_G, "vars"), and testing.lua sets the test globals through _G.
local scenario = {
  read_globals = { "smtp", "vars", "test", "expect_failure", "setup", "teardown",
                   "before_each", "after_each", "skip" },
}
files["scripts"] = scenario
files["examples"] = scenario
files["tests/scenarios"] = scenario
files["tests/bench"] = scenario

-- A file that is broken on purpose (tests/integration/suite.sh).
exclude_files = { "tests/scenarios/suite/03-broken.lua" }
