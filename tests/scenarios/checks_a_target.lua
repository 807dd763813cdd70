-- checks_a_target.lua: the ready server role (smtp.server) as the target of
-- the security checks open-relay, smuggling and limits
-- (tests/integration/security_checks_a.sh), run by `smtprun serve`.
-- Safe by default; -D variables make it vulnerable one way at a time:
--
--   open_relay=1        relays for anyone
--   relay_tricks=1      user%host@local, @local:user@host, ... pass as local
--   smuggling=lf        a bare-LF "." line ends DATA
--   line_max=N          the longest line it reads (default 64 KiB)
--   long_lines=close    a line past line_max: closed without a reply
--   silent_long=1       a NOOP of over 500 octets gets no reply at all
--   ignore_size=1       MAIL FROM SIZE= over max_size accepted
--   max_recipients=N    RCPTs per transaction (default 100; 0: no limit)
--   max_size=N          the SIZE it advertises
--   strict_line_endings=1  bare LF and CR refused (safe)
--   no_auth=1           no AUTH offered
--   sessions=N          serve N sessions, then end (a server gone down)
--   no_ehlo=1           EHLO refused with 502: an SMTP (HELO only) server
--   hostname=NAME       the name in the greeting (default mail.example.test)
--   catch_all=1         any address @example.test accepted as a mailbox, the
--                       trick addresses too (the same acceptance as
--                       relay_tricks: the check cannot tell them apart)
--   known_users=1       RCPT to an unknown plain local user: 550 5.1.1
--   greylist=1          every RCPT answered 450 4.2.0 (greylisting)
--   error_limit=N       421 and closed after N error replies in a session
--
-- Local domain example.test (hostname mail.example.test); the account is
-- alice@example.test / secret (LOGIN, PLAIN).
local server = require "smtp.server"

local opts = server.limits_from(vars)
opts.hostname = vars.hostname or "mail.example.test"
opts.users = { ["alice@example.test"] = "secret" }
opts.auth = vars.no_auth == "1" and {} or { "LOGIN", "PLAIN" }
opts.local_domains = { "example.test" }
opts.open_relay = vars.open_relay
opts.relay_tricks = vars.relay_tricks
if vars.catch_all == "1" then opts.relay_tricks = true end
if vars.known_users == "1" then opts.unknown_users = "refuse" end
opts.error_limit = vars.error_limit
opts.smuggling = vars.smuggling
opts.long_lines = vars.long_lines
opts.ignore_size = vars.ignore_size
opts.faults = {}
if vars.silent_long == "1" then
  opts.faults[#opts.faults + 1] = { on = "NOOP", match = ("."):rep(500), action = "silent",
    seconds = 30 }
end
if vars.no_ehlo == "1" then
  opts.faults[#opts.faults + 1] = { on = "EHLO", action = "reject", code = 502,
    text = "5.5.1 Error: command not recognized" }
end
if vars.greylist == "1" then
  opts.faults[#opts.faults + 1] = { on = "RCPT", action = "reject", code = 450,
    text = "4.2.0 Greylisted, see http://postgrey.schweikert.ch/help/example.test.html" }
end

local srv = server.new(opts)
srv:listen{}
srv:serve{ sessions = tonumber(vars.sessions) }
smtp.wait_all{ timeout = 10 }
