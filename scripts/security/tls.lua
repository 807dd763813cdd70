-- tls.lua: does the server protect mail with TLS as it should? Three
-- questions, each answered with the protocol and cipher negotiated:
--   - is STARTTLS offered (without it, mail to this server travels in clear)?
--   - are the protocol versions below TLS 1.2 refused? (a TLS 1.0 and a
--     TLS 1.1 handshake are tried, each alone, at OpenSSL's security level 0
--     so that the client side offers them at all)
--   - is the certificate valid for the server's name (--cafile, -D cafile=,
--     or the system's store)?
--
--   VULNERABLE    no STARTTLS (or refused), TLS 1.0 or 1.1 accepted, or the
--                 certificate not valid for the name
--   SAFE          STARTTLS offered, TLS 1.2 or later only, certificate valid
--                 (an old version this OpenSSL cannot speak is named "not
--                 tested" in the evidence: SAFE speaks only for what was
--                 tested)
--   INCONCLUSIVE  the handshake failed for another reason than the
--                 certificate (and no old version was accepted); or neither
--                 TLS 1.0 nor TLS 1.1 could be tested (this OpenSSL cannot
--                 speak them at all): the versions question is unanswered
--
-- Target: --server HOST[:PORT] (or an implicit TLS target: the versions and
-- the certificate are checked on connections that start with TLS).
-- Variables (-D NAME=VALUE):
--   server_name  the name the certificate must be valid for (default: the
--                target's host name, or, for an address, the host name in
--                the server's greeting)
--   cafile       the CA to verify against (also --cafile)
--   helo         the EHLO name (default check.example.test)
local check = require "smtp.check"

local OLD = { "TLSv1", "TLSv1.1" }

local function is_address(h)
  return h:match("^%d+%.%d+%.%d+%.%d+$") ~= nil or h:find(":", 1, true) ~= nil
end

-- An error's message, without the advice meant for scripts ("; pass ...").
local function message(err)
  return (tostring(type(err) == "table" and err.message or err):gsub("; pass %S+ or .*$", ""))
end

local function describe(info)
  return ("%s, %s"):format(info.protocol, info.cipher)
end

check.define("tls", function()
  local helo = vars.helo or "check.example.test"
  local cfg = smtp.config()
  local cafile = vars.cafile
  local implicit = cfg.implicit_tls
  local name = vars.server_name
  if not name and cfg.host and not is_address(cfg.host) then name = cfg.host end

  -- A session in TLS with these options: true and the TLS info, or false
  -- and why the handshake failed (other failures are errors).
  local function handshake(opts)
    opts.cafile, opts.verify_name = cafile, name
    if implicit then
      local ok, s = pcall(check.connect, { tls = opts })
      if not ok then
        if type(s) == "table" and s.kind == "tls" then return false, message(s) end
        error(s, 0)
      end
      local info = s:tls_info()
      s:quit()
      return true, info
    end
    local s = check.connect()
    check.ehlo(s, helo)
    s:send("STARTTLS")
    local r = s:reply()
    if r.code ~= 220 then return false, check.exchange("STARTTLS", r) end
    local ok, info = pcall(s.tls_handshake, s, opts)
    if not ok then
      if type(info) == "table" and info.kind == "tls" then return false, message(info) end
      error(info, 0)
    end
    s:quit()
    return true, info
  end

  if not implicit then
    local s = check.connect()
    name = name or s:data_table().greeting_name
    local caps = check.ehlo(s, helo)
    if not caps.STARTTLS then
      s:quit()
      check.vulnerable("EHLO " .. helo .. " -> no STARTTLS offered: mail to and from this " ..
        "server travels in clear")
    end
    s:send("STARTTLS")
    local r = s:reply()
    s:close()
    if r.code ~= 220 then
      check.vulnerable(check.exchange("STARTTLS", r) .. ": STARTTLS offered, then refused")
    end
  end

  -- The handshake with this client's defaults, the certificate verified
  -- (unless -k: then info.verified still says whether it would have been).
  local bad, good, failed, untested = {}, {}, nil, 0
  local start = implicit and "TLS" or "STARTTLS"
  local ok, info = handshake({})
  local cert_ok
  if ok then
    cert_ok = info.verified
    if cert_ok then
      good[#good + 1] = ("%s -> %s; certificate valid for %s"):format(start, describe(info),
        name or "the address")
    else
      bad[#bad + 1] = ("%s -> %s; certificate NOT valid for %s: %s"):format(start,
        describe(info), name or "the address", info.verify_error or "not verified")
    end
  elseif info:find("^certificate ") then
    cert_ok = false
    -- Again, unverified, for the protocol and cipher it gets.
    local ok2, info2 = handshake({ verify = false })
    bad[#bad + 1] = ("%s -> %s; %s"):format(start, ok2 and describe(info2) or info2, info)
  else
    failed = start .. " handshake failed: " .. info
  end

  -- The old versions, each alone. Verified when the certificate is valid
  -- (no unverified session without need), else not (it is judged already).
  for _, v in ipairs(OLD) do
    local got, res = handshake({ verify = cert_ok == true, min_version = v, max_version = v,
                                 ciphers = "DEFAULT:@SECLEVEL=0" })
    if got then
      bad[#bad + 1] = ("%s accepted (%s)"):format(v, describe(res))
    elseif res:find("no protocols available", 1, true) then
      good[#good + 1] = ("%s not tested (this OpenSSL cannot speak it)"):format(v)
      untested = untested + 1
    else
      good[#good + 1] = v .. " refused"
    end
  end

  if #bad > 0 then
    for _, g in ipairs(good) do bad[#bad + 1] = g end
    check.vulnerable(table.concat(bad, "; "))
  end
  if failed then
    good[#good + 1] = failed
    check.inconclusive(failed .. "; " .. table.concat(good, "; ", 1, #good - 1))
  end
  if untested == #OLD then
    check.inconclusive(table.concat(good, "; ") .. ": whether versions below TLS 1.2 are " ..
      "refused is not known")
  end
  check.safe(table.concat(good, "; "))
end)
