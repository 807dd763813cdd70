-- api_checks.lua: the API the security checks stand on (issue 11), client
-- and server in one process (tests/integration/api_checks.sh). vars.part
-- picks the part:
--   pending     s:pending: bytes no command asked for, already buffered or
--               arriving later, a partial line at the deadline, nil and
--               "timeout" on silence, nil and "closed" when the server goes;
--               the reply to an injected RSET inside TLS (a vulnerable
--               smtp.server), nothing from a safe one
--   discarded   the handshake's `discarded` on both roles: the client's
--               (bytes after the 220), the server's (a client's
--               "STARTTLS\r\nRSET\r\n" in one write), and "" when nothing
--   raw         s:data(msg, {raw = true}): the bytes as given, the
--               script's own terminator; wait = false; a table refused
--   require     AUTH helpers with require_tls on a session without TLS:
--               refused before anything is sent (run with --show-secrets,
--               so that a secret sent would show); then inside TLS they work
--   flag        --require-tls-auth: every AUTH helper refused in clear,
--               require_tls = false does not lift it, STARTTLS then AUTH works
--   cleartext   AUTH in clear without the policy: noted with "***", passes
--   uncaught    a refused AUTH not caught: the case fails (kind "tls")
local server = require "smtp.server"
local part = smtp.need("part")

local USER, PASS = "alice@example.test", "Wonderland-7f3a"
local CERT, KEY = smtp.tls_selfsigned("mail.example.test")

-- A client of a one-connection server task that says "220 hi" and then
-- runs handler(c).
local function scripted(handler)
  local l = smtp.listen{ port = 0 }
  smtp.spawn(function()
    local c = l:accept{ timeout = 5 }
    c:reply(220, "hi")
    handler(c)
  end)
  local s = smtp.connect{ host = "127.0.0.1", port = l:port(), timeout = 5 }
  s:greeting()
  return s
end

-- A ready server with STARTTLS and AUTH; cfg adds to it.
local function start(cfg)
  cfg = cfg or {}
  cfg.tls = { cert_pem = CERT, key_pem = KEY }
  cfg.auth = { "PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-256", "XOAUTH2" }
  cfg.users = { [USER] = PASS }
  cfg.tokens = { [USER] = PASS }
  local srv = server.new(cfg)
  local l = srv:listen{ port = 0 }
  srv:start()
  local s = smtp.connect{ host = "127.0.0.1", port = l:port(), timeout = 5 }
  s:greeting()
  s:ehlo("client.example.test")
  return s, srv
end

-- STARTTLS (the certificate not checked) and EHLO again.
local function secure(s)
  s:starttls{ verify = false }
  s:ehlo("client.example.test")
end

local function expect_error(kind, pattern, f, ...)
  local ok, err = pcall(f, ...)
  assert(not ok, "no error")
  assert(type(err) == "table" and err.kind == kind,
    ("kind %s, wanted %s: %s"):format(type(err) == "table" and err.kind, kind,
      type(err) == "table" and err.message or tostring(err)))
  assert(err.message:find(pattern), err.message)
  return err
end

if part == "pending" then
  local s = scripted(function(c)
    c:expect_command("^NOOP")
    c:send_raw("250 ok\r\n251 unasked\r\n")       -- one write: buffered with the 250
    c:expect_command("^NOOP")
    c:reply(250, "ok")                             -- then silence
    c:expect_command("^NOOP")
    c:reply(250, "ok")
    smtp.sleep(0.3)
    c:send_raw("252 late\r\n")                     -- arrives while pending waits
    c:expect_command("^NOOP")
    c:send_raw("250 ok\r\npartial")                -- a line that never ends
    c:expect_command("^QUIT")
    c:reply(221, "bye")
    c:close()
  end)
  s:noop()
  assert(s:pending(3) == "251 unasked\r\n", "what was buffered")
  expect_error("usage", "timeout must be a positive number", s.pending, s, 0)
  s:noop()
  local t0 = smtp.now()
  local got, why = s:pending(0.5)
  assert(got == nil and why == "timeout", "silence: " .. tostring(got))
  assert(smtp.now() - t0 >= 0.45, "returned before the timeout")
  s:noop()
  t0 = smtp.now()
  got = s:pending(20)
  assert(got == "252 late\r\n", "late: " .. tostring(got))
  assert(smtp.now() - t0 < 10, "waited for the whole timeout, not for the line")
  s:noop()
  assert(s:pending(0.5) == "partial", "a partial line at the deadline")
  s:send("QUIT")
  s:expect(221)
  got, why = s:pending(3)
  assert(got == nil and why == "closed" and not s:is_open(), "closed: " .. tostring(why))

  -- STARTTLS injection without fixed sleeps: a vulnerable server answers
  -- the RSET sent before TLS, inside TLS; a safe one says nothing.
  s = start{ starttls_vulnerable = true }
  s:send_raw("STARTTLS\r\nRSET\r\n", { label = "'STARTTLS' and 'RSET' in one write" })
  s:expect(220)
  s:tls_handshake{ verify = false }
  got = s:pending(5)
  assert(got == "250 2.0.0 Ok\r\n", "vulnerable: " .. tostring(got))
  s:quit()
  s = start()
  s:send_raw("STARTTLS\r\nRSET\r\n", { label = "'STARTTLS' and 'RSET' in one write" })
  s:expect(220)
  s:tls_handshake{ verify = false }
  got, why = s:pending(0.5)
  assert(got == nil and why == "timeout", "safe: " .. tostring(got))
  s:quit()

elseif part == "discarded" then
  -- Client role: what the server sent after its 220.
  local s = scripted(function(c)
    c:expect_command("^STARTTLS")
    c:send_raw("220 go\r\n250 injected\r\n")
    c:tls_handshake{ cert_pem = CERT, key_pem = KEY }
    c:expect_command("^NOOP")
    c:reply(250, "inside")
    c:expect_command("^QUIT")
  end)
  local info = s:starttls{ verify = false }
  assert(info.discarded == "250 injected\r\n", ("client: %q"):format(info.discarded))
  assert(s:noop().text == "inside", "the injected line was read as a reply")
  s:send("QUIT")

  -- Server role: a client's "STARTTLS\r\nRSET\r\n" in one write.
  local seen, after
  s = scripted(function(c)
    c:expect_command("^STARTTLS")
    c:reply(220, "go")
    seen = c:tls_handshake{ cert_pem = CERT, key_pem = KEY }.discarded
    after = c:read_command().line
    c:reply(250, "ok")
    c:expect_command("^QUIT")
  end)
  s:send_raw("STARTTLS\r\nRSET\r\n", { label = "'STARTTLS' and 'RSET' in one write" })
  s:expect(220)
  info = s:tls_handshake{ verify = false }
  assert(info.discarded == "", ("nothing came after the 220: %q"):format(info.discarded))
  s:noop()
  assert(seen == "RSET\r\n", ("server: %q"):format(tostring(seen)))
  assert(after == "NOOP", "the server read " .. tostring(after))
  s:send("QUIT")

  -- The ready server (keep_plaintext false): its transcript says what it dropped.
  s = start()
  s:send_raw("STARTTLS\r\nRSET\r\n", { label = "'STARTTLS' and 'RSET' in one write" })
  s:expect(220)
  s:tls_handshake{ verify = false }
  s:ehlo("client.example.test")
  s:quit()

elseif part == "raw" then
  local got = {}
  local s = scripted(function(c)
    for _ = 1, 2 do
      c:expect_command("^DATA")
      c:reply(354, "go")
      local data, info = c:read_data()
      got[#got + 1] = { data = data, bare_lf = info.bare_lf }
      c:reply(250, "queued")
    end
    got.next = c:read_command().line
    c:reply(221, "bye")
  end)
  -- Bare LFs, a bare-LF "." (content to this server), the script's own
  -- CRLF.CRLF: on the wire as given, nothing added after it.
  local r = s:data("one\ntwo\n.\nthree\r\n.\r\n", { raw = true })
  assert(r.code == 250, "the reply to the script's terminator")
  assert(got[1].data == "one\ntwo\n.\nthree\r\n" and got[1].bare_lf,
    ("raw: %q"):format(got[1].data))
  -- wait = false: nothing read; the script ends the data and reads the reply.
  assert(s:data("x\r\n", { raw = true, wait = false }) == nil)
  s:send_raw(".\r\n")
  s:expect(250)
  assert(got[2].data == "x\r\n", ("raw, wait = false: %q"):format(got[2].data))
  -- A table has no exact bytes: refused before anything is sent.
  expect_error("usage", "raw = true the message must be a string", s.data, s,
    { from = "a@example.test", body = "x" }, { raw = true })
  s:send("QUIT")
  s:expect(221)
  assert(got.next == "QUIT", "something was sent after the terminator: " .. tostring(got.next))

elseif part == "require" then
  local s = start()
  assert(not smtp.config().require_tls_auth, "--require-tls-auth not given")
  local rt = { require_tls = true }
  expect_error("tls", "AUTH PLAIN refused by require_tls: the session is not encrypted",
    s.auth_plain, s, USER, PASS, rt)
  expect_error("tls", "AUTH LOGIN refused by require_tls", s.auth_login, s, USER, PASS, rt)
  expect_error("tls", "AUTH CRAM%-MD5 refused", s.auth_cram_md5, s, USER, PASS, rt)
  expect_error("tls", "AUTH SCRAM%-SHA%-256 refused", s.auth_scram, s, "SCRAM-SHA-256",
    USER, PASS, rt)
  expect_error("tls", "AUTH XOAUTH2 refused", s.auth_xoauth2, s, USER, PASS, rt)
  expect_error("tls", "no credentials were sent", s.auth, s, nil, USER, PASS, rt)
  -- Nothing went out: the session is still in step, and inside TLS the
  -- same call works.
  s:noop()
  secure(s)
  assert(s:auth_plain(USER, PASS, rt).code == 235)
  s:quit()

elseif part == "flag" then
  assert(smtp.config().require_tls_auth == true, "smtp.config().require_tls_auth")
  local s = start()
  expect_error("tls", "AUTH LOGIN refused by %-%-require%-tls%-auth", s.auth_login, s,
    USER, PASS)
  expect_error("tls", "AUTH PLAIN refused by %-%-require%-tls%-auth", s.auth_plain, s,
    USER, PASS, { require_tls = false })
  secure(s)
  assert(s:auth_login(USER, PASS).code == 235)
  s:quit()

elseif part == "cleartext" then
  local s = start()
  assert(s:auth_plain(USER, PASS).code == 235)
  s:quit()
  s = start()
  assert(s:auth("LOGIN", USER, PASS).code == 235)
  s:quit()
  s = start()
  secure(s)
  assert(s:auth_plain(USER, PASS).code == 235)
  s:quit()

elseif part == "uncaught" then
  local s = start()
  s:auth_plain(USER, PASS, { require_tls = true })
  error("unreachable: AUTH went on")
end
