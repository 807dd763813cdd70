-- A file of many cases, each ending a different way (tests/integration/suite.sh).
local order = {}
setup(function() order[#order + 1] = "setup" end)
before_each(function() order[#order + 1] = "before" end)
after_each(function() order[#order + 1] = "after" end)

local function session()
  local s = smtp.connect()
  s:greeting()
  s:ehlo("suite.example.test")
  return s
end

test("hooks run in order", function()
  assert(table.concat(order, ",") == "setup,before", table.concat(order, ","))
end)

test("relay refused without auth", function()
  local s = session()
  s:mail_from("a@example.test")
  s:rcpt_to("b@example.net", { expect = "5xx" })
  s:quit()
end)

test("a failing expectation", function()
  local s = session()
  s:mail_from("a@example.test")
  s:rcpt_to("b@example.net")          -- refused: relaying without auth
end)

test("skipped on purpose", function()
  skip("not on this server")
end)

expect_failure("known bug", "bug 12: the server refuses this", function()
  local s = session()
  s:rcpt_to("nobody@example.net")
end)

expect_failure("fixed bug", "bug 13", function()
  session():quit()
end)

test("API misuse", function()
  session():expect("2yy")
end)

test("too slow", function()
  smtp.sleep(30)
end)
