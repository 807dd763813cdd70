-- starttls-injection.lua: is the server open to STARTTLS command injection
-- (CVE-2011-0411 and its kin)? It sends "STARTTLS\r\nRSET\r\n" in one write.
-- A safe server throws away the RSET that came before the TLS handshake; a
-- vulnerable one keeps it and answers it inside TLS, where a man in the
-- middle could have put any command.
--
--   VULNERABLE    the injected RSET was answered inside TLS (within the
--                 wait, or later: a reply to the EHLO sent after the wait
--                 that is not an EHLO reply is the injected one)
--   SAFE          nothing came back inside TLS
--   INCONCLUSIVE  no STARTTLS offered (or refused, or no handshake)
--
-- Target: --server HOST[:PORT]. Variables (-D NAME=VALUE):
--   wait     seconds to wait for an injected reply (default 2)
--   cafile   verify the certificate against this CA (also --cafile; default:
--            no verification, noted in the transcript: the check is about
--            the protocol, not the certificate)
--   helo     the EHLO name (default check.example.test)
local check = require "smtp.check"

check.define("starttls-injection", function()
  local helo = vars.helo or "check.example.test"
  local wait = tonumber(vars.wait) or 2
  local cafile = vars.cafile or smtp.config().cafile
  local s = check.connect()
  local caps = check.ehlo(s, helo)
  if not caps.STARTTLS then
    check.inconclusive("EHLO " .. helo .. " -> no STARTTLS offered: nothing to inject into")
  end

  s:send_raw("STARTTLS\r\nRSET\r\n", { label = "'STARTTLS' and 'RSET' in one write" })
  local r = s:reply()
  if r.code ~= 220 then
    check.inconclusive(check.exchange("STARTTLS", r) .. " (STARTTLS offered but refused)")
  end
  local ok, err = pcall(s.tls_handshake, s, { verify = cafile ~= nil, cafile = cafile })
  if not ok then
    check.inconclusive("STARTTLS -> 220, then the TLS handshake failed: " ..
      tostring(type(err) == "table" and err.message or err))
  end

  -- Whatever the server says unasked inside TLS (the silence hoped for is
  -- noted as "===" in the transcript, not an error).
  local got = s:pending(wait)
  if got then
    local line = got:match("^([^\r\n]*)")
    check.vulnerable(("STARTTLS<CRLF>RSET<CRLF> in one write -> 220, then %s inside TLS: " ..
      "the RSET sent before TLS was answered (CVE-2011-0411)"):format(line))
  end
  -- A reply that comes after the wait is read by the EHLO: a reply that is
  -- not the EHLO's (a status code first, not the server's name) is the
  -- injected one, late.
  s:send("EHLO " .. helo)
  local e = s:reply()
  local first = (e.lines and e.lines[1]) or e.text or ""
  local word = first:match("^(%S*)")
  local name = s:data_table().greeting_name or ""
  local ehlo_like = e.code // 100 == 5 or (#(e.lines or {}) > 1 and not
    word:find("^%d%.%d+%.%d+$")) or word:lower() == name:lower() or
    (word:find("%.") and not word:find("^%d%.%d+%.%d+$"))
  if not ehlo_like then
    pcall(s.reply, s)      -- the EHLO's own reply, after it
    pcall(s.quit, s)
    check.vulnerable(("STARTTLS<CRLF>RSET<CRLF> in one write -> 220, then %d %s inside " ..
      "TLS after the %g s wait (read where the EHLO's reply was due): the RSET sent " ..
      "before TLS was answered (CVE-2011-0411)"):format(e.code, first, wait))
  end
  pcall(s.quit, s)
  check.safe(("STARTTLS<CRLF>RSET<CRLF> in one write -> 220, then nothing inside TLS " ..
    "within %g s: the RSET sent before TLS was discarded"):format(wait))
end)
