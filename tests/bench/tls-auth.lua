-- tests/bench/run, "STARTTLS+AUTH" row: vars.n sequential sessions (default
-- 100), each EHLO, STARTTLS, EHLO, AUTH PLAIN, QUIT. Trust comes from the
-- command line: --cafile FILE, or -k for verify=false.
local n = tonumber(vars.n or "100")
local user, password = smtp.need("user"), smtp.need("password")
for _ = 1, n do
  local s = smtp.connect()
  s:greeting()
  s:ehlo("bench.example.test")
  s:starttls()
  s:ehlo("bench.example.test")
  s:auth_plain(user, password)
  s:quit()
end
