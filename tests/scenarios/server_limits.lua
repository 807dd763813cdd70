-- server_limits.lua: the server role's limits, client and server in one
-- process (tests/integration/server_limits.sh). vars.part picks the part:
--   primitives  read_data's max_size, record_max and info; the end of data
--               only at CRLF.CRLF; a timeout without timeout_reply leaves
--               the session open; too_long_reply; an AUTH line too long
--   server      smtp.server: SIZE in EHLO and on MAIL, strict_line_endings
--               for commands, keep_messages and on_message, the settings'
--               checks
local server = require "smtp.server"
local part = smtp.need("part")

local function client(port)
  local s = smtp.connect{ host = "127.0.0.1", port = port, timeout = 5 }
  s:expect(220)
  return s
end

if part == "primitives" then
  local l = smtp.listen{ port = 0, line_max = 1000 }
  smtp.spawn(function()
    local c = l:accept{ timeout = 5 }
    c:reply(220, "ready")
    -- Past max_size: read to the end, nothing kept, counted.
    local data, info = c:read_data{ max_size = 20, record_max = 12 }
    assert(data == nil, "a message past max_size is not kept")
    assert(info.too_big and info.size == 36 and info.lines == 3 and not info.bare_lf,
      ("info: size %s lines %s"):format(info.size, info.lines))
    c:reply(552, "5.3.4 too big")
    -- A bare LF "." is content: one message, flagged.
    data, info = c:read_data{}
    assert(data == "a\n.\nMAIL FROM:<x@y>\r\n", ("smuggled: %q"):format(data))
    assert(info.bare_lf and not info.too_big and info.size == #data)
    c:reply(250, "one message")
    -- A timeout without timeout_reply: an error, the session still open.
    local ok, err = pcall(c.read_command, c, { timeout = 0.2 })
    assert(not ok and err.kind == "timeout" and c:is_open(), "timeout leaves it open")
    c:reply(250, "still here")
    -- A line too long: the chosen reply, then closed.
    ok, err = pcall(c.read_command, c, { too_long_reply = "500 5.5.6 Way too long" })
    assert(not ok and err.kind == "protocol" and not c:is_open(), "too long closes")
    -- An AUTH line too long is recorded by its length only.
    c = l:accept{ timeout = 5 }
    c:reply(220, "ready")
    ok = pcall(c.read_command, c)
    assert(not ok and not c:is_open())
    -- So is one cut short by a timeout, or by the client going away
    -- (the answer to a 334, read with redact).
    c = l:accept{ timeout = 5 }
    c:reply(220, "ready")
    ok = pcall(c.read_command, c, { timeout = 0.3, timeout_reply = "421 4.4.2 slow" })
    assert(not ok and not c:is_open())
    c = l:accept{ timeout = 5 }
    c:reply(334, "UGFzc3dvcmQ6")
    ok, err = pcall(c.read_command, c, { redact = "[password redacted]" })
    assert(not ok and err.kind == "closed")
    -- A message cut short past record_max: the note says how much came.
    c = l:accept{ timeout = 5 }
    c:reply(354, "go")
    ok, err = pcall(c.read_data, c, { record_max = 0 })
    assert(not ok and err.kind == "closed")
  end)
  local s = client(l:port())
  s:send_raw(("0123456789\r\n"):rep(3) .. ".\r\n")
  s:expect(552)
  s:send_raw("a\n.\nMAIL FROM:<x@y>\r\n.\r\n")
  s:expect(250)
  s:expect(250, nil, { timeout = 3 })
  s:send_raw(("x"):rep(1500) .. "\r\n")
  s:expect(500)
  s:expect_close()
  s = client(l:port())
  s:send_raw("AUTH PLAIN " .. ("QUJD"):rep(400) .. "\r\n", { redact = "AUTH PLAIN [long]" })
  s:expect(500)
  s = client(l:port())
  s:send_raw("AUTH PLAIN REVGREVG", { redact = "AUTH PLAIN [cut]" })
  s:expect(421)
  s = smtp.connect{ host = "127.0.0.1", port = l:port(), timeout = 5 }
  s:expect(334)
  s:send_raw("R0hJR0hJ", { redact = "[cut]" })
  s:close()
  s = smtp.connect{ host = "127.0.0.1", port = l:port(), timeout = 5 }
  s:expect(354)
  s:send_raw("line1\r\nline2\r\n" .. ("z"):rep(500))
  s:close()
  smtp.wait_all{ timeout = 5 }
elseif part == "server" then
  local kept = {}
  local srv = server.new{ max_size = 1000, keep_messages = 2, strict_line_endings = true,
    local_domains = { "example.test" } }
  local l = srv:listen{ port = 0 }
  srv:start()
  local s = client(l:port())
  local caps = s:ehlo("client.example.test")
  assert(caps.SIZE == 1000, "EHLO advertises max_size")
  s:send("MAIL FROM:<a@example.test> SIZE=1001")
  s:expect(552)
  s:send("MAIL FROM:<a@example.test> SIZE=12x")
  s:expect(501)
  s:send("MAIL FROM:<a@example.test> SIZE=" .. ("1"):rep(21))   -- RFC 1870: 1*20DIGIT
  s:expect(501)
  s:send("MAIL FROM:<a@example.test> SIZE=00000000000000000001")
  s:expect(250)
  s:send("RSET")
  s:expect(250)
  s:send_raw("NOOP\n")
  s:expect(500)
  s:send("MAIL FROM:<a@example.test> SIZE=999")
  s:expect(250)
  s:rcpt_to("b@example.test")
  for i = 1, 5 do
    s:data("Subject: " .. i .. "\r\n\r\nbody\r\n")
    if i < 5 then s:mail_from("a@example.test"); s:rcpt_to("b@example.test") end
  end
  s:quit()
  srv:wait_messages(5)
  assert(#srv.messages == 2 and srv.accepted == 5 and srv.dropped == 3,
    ("kept %d, accepted %d, dropped %d"):format(#srv.messages, srv.accepted, srv.dropped))
  assert(srv.messages[1].data:find("Subject: 4") and srv.messages[2].data:find("Subject: 5"),
    "the newest are kept")
  -- on_message takes each message; nothing is kept.
  local srv2 = server.new{ local_domains = { "example.test" },
    on_message = function(m) kept[#kept + 1] = m.size end }
  local function one_message(srv_, opts)
    local port = srv_:listen{ port = 0 }:port()
    srv_:start()
    local c = client(port)
    c:ehlo("client.example.test")
    c:mail_from("a@example.test")
    c:rcpt_to("b@example.test")
    c:data("Subject: x\r\n\r\nbody\r\n", opts)
    c:quit()
  end
  one_message(srv2)
  srv2:wait_messages(1)
  assert(#srv2.messages == 0 and #kept == 1 and kept[1] == #"Subject: x\r\n\r\nbody\r\n")
  -- An on_message that fails: 451, noted, not counted.
  local srv3 = server.new{ local_domains = { "example.test" },
    on_message = function() error("disk full") end }
  one_message(srv3, { expect = 451 })
  assert(srv3.accepted == 0 and #srv3.errors == 1, "a failed on_message is not counted")
  -- serve{max_sessions=} (the old name of sessions=) is refused, not ignored.
  local refused, why = pcall(srv3.serve, srv3, { max_sessions = 1 })
  assert(not refused and why.kind == "usage" and why.message:find("sessions=", 1, true),
    "serve{max_sessions=}")
  -- tls as a function: made at the first handshake, once; never without one.
  local made = 0
  local pem_cert, pem_key = smtp.tls_selfsigned("mail.example.test")
  local srv5 = server.new{ local_domains = { "example.test" },
    tls = function() made = made + 1; return { cert_pem = pem_cert, key_pem = pem_key } end }
  local port5 = srv5:listen{ port = 0 }:port()
  srv5:start()
  s = client(port5)
  assert(s:ehlo("client.example.test").STARTTLS, "STARTTLS offered before the certificate exists")
  s:quit()
  assert(made == 0, "no certificate without STARTTLS")
  for _ = 1, 2 do
    s = client(port5)
    s:ehlo("client.example.test")
    s:starttls{ verify = false }
    s:quit()
  end
  assert(made == 1, ("the certificate made %d times"):format(made))
  -- With implicit TLS the connection past max_sessions is closed unanswered.
  local cert, key = smtp.tls_selfsigned("mail.example.test")
  local srv4 = server.new{ implicit_tls = true, max_sessions = 1,
    tls = { cert_pem = cert, key_pem = key } }
  local l4 = srv4:listen{ port = 0 }
  srv4:start()
  local first = smtp.connect{ host = "127.0.0.1", port = l4:port(), tls = { verify = false },
    timeout = 5 }
  first:expect(220)
  s = smtp.connect{ host = "127.0.0.1", port = l4:port(), timeout = 5 }
  s:expect_close()
  first:quit()
  -- The settings are checked.
  for _, bad in ipairs{ { max_sessions = 0 }, { keep_messages = -1 }, { max_size = "lots" },
                        { command_timeout = 0 }, { scram_iterations = 100001 } } do
    local ok, err = pcall(server.new, bad)
    assert(not ok, "refused: " .. next(bad))
    smtp.note("setting refused: " .. tostring(type(err) == "table" and err.message or err))
  end
end
