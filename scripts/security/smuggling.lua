-- smuggling.lua: is the server open to SMTP smuggling (the 2023 disclosure)?
-- A server that takes something other than <CR><LF>.<CR><LF> as the end of
-- a message lets a sender hide a second transaction inside the first
-- message's body, which an outbound server passes on unchanged: the hidden
-- message then arrives with whatever sender the attacker wrote.
--
-- For each end-of-data lookalike below, on a connection of its own: MAIL,
-- RCPT to a local recipient, DATA, then (in one write) a first message, the
-- lookalike, a complete second transaction (MAIL, RCPT, DATA, a message
-- marked with a random token), and the real <CR><LF>.<CR><LF>. Then every
-- reply is read, until none comes for `wait` seconds:
--   <LF>.<LF>  <LF>.<CR><LF>  <CR><LF>.<LF>  <CR>.<CR>  <CR>.<CR><LF>
--   <CR><LF>.<CR>  <CR><LF><NUL>.<CR><LF>  <CR><LF>.<NUL><CR><LF>
--
-- VULNERABLE when, for one DATA, a second 250 comes (the server answered
-- the smuggled transaction), naming the variants that got through; SAFE
-- when each variant stays inside one message (one reply) or is refused
-- (a 4xx or 5xx for bare line endings is safe). INCONCLUSIVE when the
-- server answered more than once but accepted nothing smuggled, or when it
-- takes no message to the recipient.
--
-- This sends real messages: up to one per variant, to the local recipient,
-- each with the subject "smtprun smuggling check TOKEN #N" (the evidence
-- says how many). With the recipient's domain guessed from the greeting
-- (no -D rcpt= or -D local_domain=), only to a server that refuses to relay
-- for this client (RCPT TO:<relay-test@relay-test.example> first): one that
-- relays might carry them off the machine, and the check is INCONCLUSIVE.
--
-- Target: --server HOST[:PORT]. Variables (-D NAME=VALUE):
--   rcpt          the local recipient (default postmaster@LOCAL)
--   local_domain  LOCAL (default: the domain of the greeting's host name)
--   from          the envelope sender (default smtprun-check@relay-test.example)
--   helo          the EHLO name (default check.smtprun.example)
--   wait          seconds of quiet that end the reading of replies (default 1)
local check = require "smtp.check"

local VARIANTS = {
  { "<LF>.<LF>", "\n.\n" },
  { "<LF>.<CR><LF>", "\n.\r\n" },
  { "<CR><LF>.<LF>", "\r\n.\n" },
  { "<CR>.<CR>", "\r.\r" },
  { "<CR>.<CR><LF>", "\r.\r\n" },
  { "<CR><LF>.<CR>", "\r\n.\r" },
  { "<CR><LF><NUL>.<CR><LF>", "\r\n\0.\r\n" },
  { "<CR><LF>.<NUL><CR><LF>", "\r\n.\0\r\n" },
}

local function short(r)
  local first = (r.lines and r.lines[1]) or r.text or ""
  return ("%d %s"):format(r.code, first)
end

-- One variant on a connection of its own. Returns the replies to the real
-- end (the first, then any more), or nil and the evidence of why no message
-- could be sent.
local function try(i, name, seq, token)
  local s = check.connect()
  check.ehlo(s, check.helo())
  local local_domain = check.local_domain(s)
  local rcpt = rawget(_G, "vars").rcpt or (local_domain and "postmaster@" .. local_domain)
  if not rcpt then
    return nil, "no local recipient: give -D rcpt= or -D local_domain="
  end
  check.assert_safe_rcpt(rcpt, local_domain)
  local from = check.sender()
  s:send("MAIL FROM:<" .. from .. ">")
  local r = s:reply()
  if r.code >= 300 then
    return nil, check.exchange("MAIL FROM:<" .. from .. ">", r) .. " (give -D from=)"
  end
  -- A local domain guessed from the greeting may be hosted elsewhere: a
  -- server that relays for this client could then carry the test messages
  -- off the machine. No message unless it refuses to relay, or the
  -- recipient was given.
  if not check.local_given() then
    r = check.rcpt(s, "relay-test@relay-test.example", local_domain)
    if r.code // 100 == 2 then
      return nil, check.exchange("RCPT TO:<relay-test@relay-test.example>", r) ..
        (": the server relays for this client, so a message to %s might leave the " ..
        "machine; give -D rcpt= of a mailbox on it"):format(rcpt)
    end
  end
  r = check.rcpt(s, rcpt, local_domain)
  if r.code >= 300 then
    return nil, check.exchange("RCPT TO:<" .. rcpt .. ">", r) .. " (give -D rcpt=)"
  end
  s:send("DATA")
  r = s:reply()
  if r.code ~= 354 then return nil, check.exchange("DATA", r) end
  local mark = ("%s #%d"):format(token, i)
  s:send_raw(("Subject: smtprun smuggling check %s\r\n\r\n"):format(mark) ..
    "The first message of the smtprun smuggling check." .. seq ..
    "MAIL FROM:<" .. from .. ">\r\nRCPT TO:<" .. rcpt .. ">\r\nDATA\r\n" ..
    ("Subject: smtprun smuggled %s\r\n\r\nSmuggled %s.\r\n.\r\n"):format(mark, mark),
    { label = ("a message, %s, a second transaction, <CR><LF>.<CR><LF>"):format(name) })
  local replies = { s:reply() }
  local wait = check.number("wait", 1)
  for _ = 1, 8 do   -- a smuggled transaction gets 4 replies
    local ok, more = pcall(s.reply, s, { timeout = wait, silence_ok = true })
    if not ok or not more then break end
    replies[#replies + 1] = more
  end
  pcall(s.quit, s)
  return replies, rcpt
end

check.define("smuggling", function()
  local token = check.token()
  local through, split, inside, queued = {}, {}, 0, 0
  local refused, refusals = {}, {}   -- reply -> the variants it refused
  local rcpt, detail
  for i, v in ipairs(VARIANTS) do
    local replies, to = try(i, v[1], v[2], token)
    if not replies then check.inconclusive(v[1] .. ": " .. to) end
    rcpt = to
    local first = replies[1]
    if first.code == 250 then queued = queued + 1 end
    if #replies > 1 then
      local accepted = false
      local shown = {}
      for k, r in ipairs(replies) do
        if k > 1 and r.code == 250 then accepted = true end
        shown[#shown + 1] = k == 1 and short(r) or tostring(r.code)
      end
      shown[#shown] = short(replies[#replies])
      if accepted then
        queued = queued + 1
        through[#through + 1] = v[1]
        detail = detail or ("(%s)"):format(table.concat(shown, ", "))
      else
        split[#split + 1] = v[1]
      end
    elseif first.code >= 400 then
      local why = short(first)
      if not refusals[why] then
        refusals[why] = {}
        refused[#refused + 1] = why
      end
      table.insert(refusals[why], v[1])
    else
      inside = inside + 1
    end
  end
  local sent = ("%d test message(s) accepted for %s, subject \"smtprun smuggling check " ..
    "%s #N\""):format(queued, rcpt, token)
  if #through > 0 then
    check.vulnerable(("%s ended DATA: the smuggled transaction was answered %s; %s")
      :format(table.concat(through, ", "), detail, sent))
  end
  if #split > 0 then
    check.inconclusive(("%s ended DATA: more than one reply, but nothing smuggled " ..
      "accepted; %s"):format(table.concat(split, ", "), sent))
  end
  local parts = {}
  if inside > 0 then
    parts[#parts + 1] = ("%d of %d variants stayed inside one message"):format(inside,
      #VARIANTS)
  end
  for _, why in ipairs(refused) do
    parts[#parts + 1] = ("%s -> %s"):format(table.concat(refusals[why], ", "), why)
  end
  check.safe(("%s; %s"):format(table.concat(parts, "; "), sent))
end)
