-- user-enumeration.lua: can a stranger tell the server's users from names
-- that do not exist? It compares the answers to VRFY, EXPN and RCPT TO for
-- a user that exists (-D valid_user=) and for random ones on the local
-- domain (nobody-<random>@LOCAL), and how long RCPT takes for each (the
-- median of at least 10 tries each, reported with the figures).
--
--   VULNERABLE    VRFY, EXPN or RCPT answer the valid user with another code
--                 than the random ones; or RCPT is clearly slower for one of
--                 them (medians at least timing_threshold apart and the slow
--                 one at least 3 times the fast one: noisy machines make
--                 small differences meaningless). Without valid_user, only
--                 VRFY is compared, with postmaster@LOCAL as the known user
--                 (RFC 5321 requires it)
--   SAFE          all answers alike, no clear timing difference
--   INCONCLUSIVE  no valid user given and VRFY disabled (252, 502) or alike
--                 for postmaster and random users; or the valid user was
--                 refused at RCPT (is -D valid_user= right?)
--
-- RCPT probes are ended with RSET, never DATA: nothing is ever sent.
-- A server that ends the session with a 421 (after too many errors, like
-- Postfix's smtpd_hard_error_limit) is reconnected to, and the command
-- sent again in the new session.
--
-- Target: --server HOST[:PORT]. Variables (-D NAME=VALUE):
--   valid_user        a user that exists (local part or address)
--   local_domain      the mail domain (default: from the greeting's name)
--   mail_from         the reverse path of the RCPT probes (default: <>)
--   tries             timing tries for each side (default and minimum 10)
--   timing_threshold  seconds the medians must differ by (default 0.25)
--   helo              the EHLO name (default check.example.test)
local check = require "smtp.check"

local TRIES_MIN = 10
local PER_SESSION = 5     -- unknown users per timed session: servers slow down
                          -- or cut sessions with many errors (Postfix: 10, 20)

local function median(list)
  local t = { table.unpack(list) }
  table.sort(t)
  local n = #t
  if n % 2 == 1 then return t[(n + 1) // 2] end
  return (t[n // 2] + t[n // 2 + 1]) / 2
end

local function ms(seconds) return ("%.2f ms"):format(seconds * 1000) end

-- Two replies tell users apart when their codes differ (4xx: a transient
-- answer, which tells nothing).
local function differ(a, b)
  return a.code ~= b.code and a.code // 100 ~= 4 and b.code // 100 ~= 4
end

check.define("user-enumeration", function()
  local helo = vars.helo or "check.example.test"
  local tries = math.max(TRIES_MIN, math.tointeger(tonumber(vars.tries)) or TRIES_MIN)
  local threshold = tonumber(vars.timing_threshold) or 0.25
  local mail_from = vars.mail_from or ""
  -- A server that ends the session (421 after too many errors) gets a new
  -- one, and the check goes on (check.session).
  local ss = check.session(helo)
  local dom = check.local_domain(ss.s)
  if not dom then smtp.fail("no local domain: pass -D local_domain=", "setup") end
  local function random_user() return ("nobody-%s@%s"):format(check.token(), dom) end
  local valid = vars.valid_user
  if valid == "" then valid = nil end
  if valid and not valid:find("@", 1, true) then valid = valid .. "@" .. dom end

  -- cmd for the known user and two random ones: the three replies and a
  -- difference found (or nil), with its evidence.
  local function compare(verb, known)
    local function ask(arg)
      return ss:ask(verb .. " " .. arg), verb .. " " .. arg
    end
    local rk, ck = ask(known)
    local r1, c1 = ask(random_user())
    local r2 = ask(random_user())
    local found = differ(rk, r1) and r1.code == r2.code
    local ev = check.exchange(ck, rk) .. " vs " .. check.exchange(c1, r1)
    return found, ev, ("%s %d/%d"):format(verb, rk.code, r1.code), r1
  end

  if not valid then
    local found, ev, _, r1 = compare("VRFY", "postmaster@" .. dom)
    ss:quit()
    if found then check.vulnerable(ev .. " (postmaster, as RFC 5321 requires, against a random user)") end
    if r1.code == 252 or r1.code == 502 or r1.code == 500 then
      check.inconclusive(("VRFY disabled (%d %s); no known user given (-D valid_user=)")
        :format(r1.code, r1.text))
    end
    check.inconclusive(ev .. ": alike; no known user given (-D valid_user=)")
  end

  local found, figures = {}, {}
  for _, verb in ipairs{ "VRFY", "EXPN" } do
    local diff, ev, fig = compare(verb, valid)
    if diff then found[#found + 1] = ev end
    figures[#figures + 1] = fig
  end

  -- RCPT answers, in one transaction ended by RSET.
  local function rcpt(addr)
    local r, refused = ss:rcpt(addr, dom, mail_from)
    if not r then check.inconclusive(refused .. ": no RCPT probes (pass -D mail_from=)") end
    return r
  end
  local rk = rcpt(valid)
  local u1, u2 = random_user(), random_user()
  local r1 = rcpt(u1)
  local r2 = rcpt(u2)
  ss:rset()
  ss:quit()
  local rcpt_ev = check.exchange("RCPT TO:<" .. valid .. ">", rk) .. " vs " ..
    check.exchange("RCPT TO:<" .. u1 .. ">", r1)
  if differ(rk, r1) and r1.code == r2.code then found[#found + 1] = rcpt_ev end
  figures[#figures + 1] = ("RCPT %d/%d"):format(rk.code, r1.code)
  if rk.code // 100 ~= 2 and #found == 0 then
    check.inconclusive(rcpt_ev .. ": the valid user was refused (is -D valid_user= right?)")
  end

  -- RCPT timing: valid and random users in turn, each timed from the
  -- command to its reply, in fresh sessions of PER_SESSION pairs.
  local tv, tr = {}, {}
  local function timed(addr)
    local ok, refused = ss:mail(mail_from)      -- the transaction, untimed
    if not ok then check.inconclusive(refused .. ": no RCPT probes (pass -D mail_from=)") end
    local t0 = smtp.now()
    rcpt(addr)
    return smtp.now() - t0
  end
  for i = 1, tries do
    if (i - 1) % PER_SESSION == 0 then ss = check.session(helo) end
    if i % 2 == 0 then
      tv[#tv + 1] = timed(valid)
      tr[#tr + 1] = timed(random_user())
    else
      tr[#tr + 1] = timed(random_user())
      tv[#tv + 1] = timed(valid)
    end
    ss:rset()
    if i % PER_SESSION == 0 or i == tries then ss:quit() end
  end
  local mv, mr = median(tv), median(tr)
  local slow, fast = math.max(mv, mr), math.min(mv, mr)
  local timing = ("RCPT time median %s for <%s>, %s for random users (%d tries each)")
    :format(ms(mv), valid, ms(mr), tries)
  if slow - fast >= threshold and slow >= 3 * fast then
    found[#found + 1] = timing .. ": a clear difference"
  end

  if #found > 0 then
    if not found[#found]:find("RCPT time", 1, true) then found[#found + 1] = timing end
    check.vulnerable(table.concat(found, "; "))
  end
  check.safe(("valid/random users answered alike: %s; %s"):format(table.concat(figures, ", "),
    timing))
end)
