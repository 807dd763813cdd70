#!/usr/bin/env bash
# The API the security checks stand on (issue 11), client and server role
# in one process (tests/scenarios/api_checks.lua): s:pending, the
# handshake's `discarded` on both roles, s:data{raw = true}, the AUTH
# helpers' require_tls and --require-tls-auth, and the "***" note for AUTH
# in clear.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${SRCDIR:?}/tests/integration/lib.sh" || exit 1

sc="$SRCDIR/tests/scenarios/api_checks.lua"

# s:pending: buffered, silence, late, a partial line, a close; an injected
# RSET answered inside TLS by a vulnerable server, nothing from a safe one.
run run --transcript "$T/p.log" -D part=pending "$sc"; expect_rc 0
expect_lines "$T/p.log" \
    "=== unsolicited: 13 bytes the server sent that no command asked for (s:pending):" \
    "<-  251 unasked" "=== Nothing unsolicited from the server within 0.5 s (s:pending)." \
    "=== unsolicited: 10 bytes" "<-  252 late" \
    "=== unsolicited: 7 bytes" "<-  partial   (no line end)" \
    "=== unsolicited: 14 bytes" "<~  250 2.0.0 Ok" \
    "=== Nothing unsolicited from the server within 0.5 s (s:pending)."

# discarded: the client's (after the 220), the server's (a client's
# STARTTLS and RSET in one write), both recorded with an excerpt and count.
run run --transcript "$T/d.log" -D part=discarded "$sc"; expect_rc 0
expect_lines "$T/d.log" "*** discarded 14 bytes the server sent after its 220 to STARTTLS" \
    '=== discarded: "250 injected\r\n" (14 bytes, never read as commands or replies)'
[ "$(grep -cF '=== discarded: "RSET\r\n" (6 bytes' "$T/d.log")" -eq 2 ] ||
	fail "the server role's discarded RSET: not recorded twice (primitive, smtp.server)"

# data{raw = true}: the bytes as given (bare LFs, a bare-LF "."), the
# script's own terminator, nothing after it.
run run --transcript "$T/r.log" -D part=raw "$sc"; expect_rc 0
expect_lines "$T/r.log" " -> one   (bare LF)" " -> two   (bare LF)" " -> .   (bare LF)" \
    " -> three" " -> ." "<-  250 queued" " -> x" " -> ." "<-  250 queued" " -> QUIT"

# require_tls: refused before anything is sent. With --show-secrets, a
# secret sent would be in the transcript as it went.
b64user=$("$SMTPRUN" b64 encode alice@example.test)
run run --show-secrets --transcript "$T/q.log" -D part=require "$sc"; expect_rc 0
[ "$(grep -c '^\*\*\* AUTH .* refused by require_tls: the session is not encrypted' \
    "$T/q.log")" -eq 6 ] || fail "six AUTH calls refused"
expect_in "$T/q.log" "no credentials were sent"
! grep -E '^( -> |<-  )AUTH' "$T/q.log" || fail "an AUTH line went out in clear"
! grep -E "^( -> |<-  ).*$b64user" "$T/q.log" || fail "the user name went out in clear"
# (and inside TLS the same call sent its credentials, shown: the check above can fail)
expect_in "$T/q.log" " ~> AUTH PLAIN AGFsaWNlQGV4YW1wbGUudGVzdA"

# --require-tls-auth: for the whole run, not lifted by require_tls = false.
run run --require-tls-auth --transcript "$T/f.log" -D part=flag "$sc"; expect_rc 0
expect_in "$T/f.log" "*** AUTH LOGIN refused by --require-tls-auth"
expect_in "$T/f.log" "*** AUTH PLAIN refused by --require-tls-auth"
! grep -E '^( -> |<-  )AUTH' "$T/f.log" || fail "an AUTH line went out in clear"
expect_in "$T/f.log" " ~> AUTH LOGIN"
run run --help; expect_out "--require-tls-auth"

# Without the policy, AUTH in clear goes on, noted once per AUTH ("***");
# inside TLS, no note.
run run --transcript "$T/c.log" -D part=cleartext "$sc"; expect_rc 0
expect_lines "$T/c.log" "*** AUTH PLAIN on a session without TLS: the user name and password cross the network in clear" \
    " -> AUTH PLAIN [credentials redacted]" \
    "*** AUTH LOGIN on a session without TLS" " -> AUTH LOGIN" " ~> AUTH PLAIN"
[ "$(grep -c '^\*\*\* AUTH .* on a session without TLS' "$T/c.log")" -eq 2 ] ||
	fail "one note per AUTH in clear, none inside TLS"

# Not caught: the case fails (kind tls, exit 1) at the scenario's line,
# recorded once.
line=$(lineof "$sc" 's:auth_plain(USER, PASS, { require_tls = true })')
run run --transcript "$T/u.log" -D part=uncaught "$sc"; expect_rc 1
expect_out "api_checks.lua:$line: AUTH PLAIN refused by require_tls"
[ "$(grep -c '^\*\*\* AUTH PLAIN refused' "$T/u.log")" -eq 1 ] || fail "recorded once"
! grep -E '^( -> |<-  )AUTH' "$T/u.log" || fail "an AUTH line went out in clear"
exit 0
