#!/usr/bin/env bash
# The security checks open-relay, smuggling and limits (scripts/security/,
# issue 11), each run with `smtprun run --server` against the server role
# (tests/scenarios/checks_a_target.lua under `smtprun serve`) configured safe
# (exit 0, SAFE evidence in the JSON report) and vulnerable (exit 1, the
# VULNERABLE evidence on stdout). Every recipient in every transcript must be
# local (example.test) or on a reserved name.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${SRCDIR:?}/tests/integration/lib.sh" || exit 1

TARGET=$SRCDIR/tests/scenarios/checks_a_target.lua
N=0

# verdict CHECK RC SERVE-ARGS -- RUN-ARGS: serves the target with SERVE-ARGS,
# runs CHECK against it with RUN-ARGS, expects exit RC; the transcript is
# $T/CHECK.N.log, the report $T/CHECK.N.json (N counts the runs).
verdict() {
	local name=$1 rc=$2 serve=() args=()
	shift 2
	while [ $# -gt 0 ] && [ "$1" != -- ]; do serve+=("$1"); shift; done
	[ $# -gt 0 ] && shift
	args=("$@")
	N=$((N + 1))
	LOG=$T/$name.$N.log JSON=$T/$name.$N.json
	serve_bg serve "${serve[@]}" "$TARGET"
	run run --transcript "$LOG" --json "$JSON" --server "127.0.0.1:$SERVE_PORT" \
	    "${args[@]}" "$SRCDIR/scripts/security/$name.lua"
	local got=$RC
	cp "$T/out" "$T/check.out"; cp "$T/err" "$T/check.err"
	if kill -0 "$BG_PID" 2>/dev/null; then signal_bg TERM; else wait_bg; fi
	cp "$T/check.out" "$T/out"; cp "$T/check.err" "$T/err"
	RC=$got LAST="run ... $name.lua against serve ${serve[*]}"
	expect_rc "$rc"
	[ "$rc" -eq 2 ] || rcpts_safe "$LOG"
}

# --- open-relay -------------------------------------------------------------
verdict open-relay 0 --
expect_in "$JSON" '"status":"pass"'
expect_in "$JSON" 'RCPT TO:<relay-test@relay-test.example> -> 554 5.7.1 <relay-test@relay-test.example>: Relay access denied (unauthenticated); the 4 address tricks refused; also refused after AUTH PLAIN (random credentials) -> 535'
expect_lines "$LOG" ' -> RCPT TO:<user%relay-test.example@example.test>' \
    ' -> RCPT TO:<@example.test:user@relay-test.example>' \
    ' -> RCPT TO:<"user@relay-test.example"@example.test>' \
    ' -> RCPT TO:<user@relay-test.example@example.test>' \
    ' -> AUTH PLAIN [credentials redacted]' '<-  535 ' ' -> RCPT TO:<relay-test@relay-test.example>'
# Never DATA; every RCPT is followed by an RSET.
expect_not_in "$LOG" ' -> DATA'
[ "$(grep -c ' -> RCPT TO:' "$LOG")" -eq "$(grep -c ' -> RSET' "$LOG")" ] ||
	fail "open-relay: not one RSET per RCPT"

verdict open-relay 1 -D open_relay=1 -D known_users=1 --
expect_out 'RCPT TO:<relay-test@relay-test.example> -> 250 2.1.5 Ok (unauthenticated); also accepted: percent hack, source route, quoted local part, double @, after AUTH PLAIN (random credentials) -> 535; a random local user refused: RCPT TO:<nobody-'
expect_out '*** VULNERABLE: '
expect_not_in "$LOG" ' -> DATA'
# An open relay with a catch-all local domain: the tricks prove nothing,
# the plain probe is enough.
verdict open-relay 1 -D open_relay=1 --
expect_out 'RCPT TO:<relay-test@relay-test.example> -> 250 2.1.5 Ok (unauthenticated); also accepted: after AUTH PLAIN (random credentials) -> 535'

verdict open-relay 1 -D relay_tricks=1 -D known_users=1 --
expect_out 'RCPT TO:<user%relay-test.example@example.test> -> 250 2.1.5 Ok (percent hack); also accepted: source route, quoted local part, double @; a random local user refused: RCPT TO:<nobody-'
expect_out '> -> 550 5.1.1 <nobody-'
expect_no_out 'after AUTH'

# A catch-all local domain (any address @example.test is a mailbox, relay
# refused): the tricks' acceptance is no proof, INCONCLUSIVE (review #4).
verdict open-relay 0 -D catch_all=1 --
expect_in "$JSON" '"status":"skip"'
expect_in "$JSON" 'percent hack, source route, quoted local part, double @ accepted, but so is a random local user: RCPT TO:<nobody-'
expect_in "$JSON" '> -> 250 2.1.5 Ok (control) (a catch-all local domain: a trick cannot be told from a mailbox without sending mail); plain relay refused: RCPT TO:<relay-test@relay-test.example> -> 554 5.7.1 '
# The tricks refused, a catch-all or not: SAFE, no control needed.
verdict open-relay 0 -D known_users=1 --
expect_in "$JSON" '"status":"pass"'
expect_not_in "$LOG" ' -> RCPT TO:<nobody-'

# Greylisting: 450 to every RCPT is no refusal (review #8).
verdict open-relay 0 -D greylist=1 --
expect_in "$JSON" '"status":"skip"'
expect_in "$JSON" 'temporary refusal; rerun later: RCPT TO:<relay-test@relay-test.example> -> 450 4.2.0 Greylisted'

# A server that ends the session after N errors with 421 (Postfix's
# smtpd_hard_error_limit): a new session, and on; never ERROR.
for n in 1 2; do
	verdict open-relay 0 -D error_limit=$n --
	expect_in "$JSON" '"status":"pass"'
	expect_in "$JSON" 'RCPT TO:<relay-test@relay-test.example> -> 554 5.7.1 <relay-test@relay-test.example>: Relay access denied (unauthenticated); the 4 address tricks refused; '
	expect_in "$LOG" '421 4.7.0 mail.example.test Error: too many errors'
	if [ $n = 1 ]; then
		expect_in "$JSON" 'the session ended after AUTH PLAIN (random credentials) -> 535 (MAIL FROM:<smtprun-check@relay-test.example> -> 421 4.7.0 mail.example.test Error: too many errors): nothing to relay in it'
	else
		expect_in "$JSON" 'also refused after AUTH PLAIN (random credentials) -> 535'
	fi
done
verdict open-relay 1 -D error_limit=1 -D known_users=1 -D relay_tricks=1 --
expect_out 'RCPT TO:<user%relay-test.example@example.test> -> 250 2.1.5 Ok (percent hack); also accepted: source route, quoted local part, double @; a random local user refused: RCPT TO:<nobody-'

# No AUTH offered, and the local domain given.
verdict open-relay 0 -D no_auth=1 -- -D local_domain=example.test
expect_in "$JSON" 'the 4 address tricks refused; AUTH not offered'
expect_not_in "$LOG" ' -> AUTH'

# --- smuggling ----------------------------------------------------------------
# A safe server has no second reply to wait for: a short quiet time suffices.
verdict smuggling 0 -- -D wait=0.3
expect_in "$JSON" '8 of 8 variants stayed inside one message; 8 test message(s) accepted for postmaster@example.test, subject'
expect_lines "$LOG" ' -> .   (bare LF)' ' -> MAIL FROM:<smtprun-check@relay-test.example>' \
    ' -> RCPT TO:<postmaster@example.test>' ' -> DATA' ' -> Subject: smtprun smuggled '

verdict smuggling 0 -D strict_line_endings=1 -- -D wait=0.3
expect_in "$JSON" '2 of 8 variants stayed inside one message; <LF>.<LF>, <LF>.<CR><LF>, <CR><LF>.<LF>, <CR>.<CR>, <CR>.<CR><LF>, <CR><LF>.<CR> -> 550 5.5.2 Error: bare <CR> or <LF> received; 2 test message(s) accepted'

verdict smuggling 1 -D smuggling=lf --
expect_out '<LF>.<LF>, <LF>.<CR><LF>, <CR><LF>.<LF> ended DATA: the smuggled transaction was answered (250 2.0.0 Ok: queued as '
expect_out ', 250, 250, 354, 250 2.0.0 Ok: queued as '
expect_out '; 11 test message(s) accepted for postmaster@example.test'

verdict smuggling 0 -- -D rcpt=someone@example.test -D wait=0.3
expect_in "$LOG" ' -> RCPT TO:<someone@example.test>'
expect_in "$JSON" 'accepted for someone@example.test'

# A recipient elsewhere is refused before anything is sent: a usage error
# (exit 2) at the check's line. (The transcript has no RCPT to scan.)
verdict smuggling 2 -- -D rcpt=someone@gmail.com
expect_out "smuggling.lua:$(lineof "$SRCDIR/scripts/security/smuggling.lua" 'check.assert_safe_rcpt(rcpt'): check smuggling could not decide: check: refusing to send RCPT TO:<someone@gmail.com>: gmail.com is not a reserved or local domain"
expect_not_in "$LOG" ' -> RCPT TO:<someone@gmail.com>'

# --- limits -------------------------------------------------------------------
verdict limits 0 --
expect_in "$JSON" 'a 1024-octet command line -> 250 2.0.0 Ok (accepted: RFC 5321 allows longer lines); a 2002-octet text line: no complaint (message abandoned, not delivered); SIZE 10240000 advertised, MAIL FROM:<smtprun-check@relay-test.example> SIZE=10240001 -> 552 5.3.4 Message size exceeds fixed limit; RCPT flood limited after 100: RCPT TO:<postmaster@example.test> (#101) -> 452 4.5.3 Error: too many recipients'
# Nothing delivered: the one DATA is never ended.
[ "$(grep -c '^ -> \.$' "$LOG")" -eq 0 ] || fail "limits: a message was ended"

verdict limits 0 -D line_max=512 --
expect_in "$JSON" 'a 1024-octet command line -> 500 5.5.2 Line too long; a 2002-octet text line -> 500 5.5.2 Line too long'

verdict limits 1 -D line_max=512 -D long_lines=close --
expect_out 'a 1024-octet command line: connection closed without a reply; a 2002-octet text line: connection closed without a reply'

verdict limits 1 -D silent_long=1 -- -D timeout=1
expect_out 'a 1024-octet command line: no reply within 1 s'

# The server gone after the first session: no greeting for the next (the
# connect is refused, or, while the process is exiting, taken and reset).
verdict limits 1 -D sessions=1 -- -D timeout=2
expect_out 'no greeting on a new connection after a 1024-octet command line: '
grep -qE 'command line: (cannot connect to 127\.0\.0\.1|connection lost while waiting for a reply to the greeting)' \
    "$T/out" || fail "why there was no greeting"

verdict limits 1 -D ignore_size=1 --
expect_out 'SIZE 10240000 advertised, MAIL FROM:<smtprun-check@relay-test.example> SIZE=10240001 -> 250 2.1.0 Ok'

verdict limits 1 -D max_recipients=0 --
expect_out 'RCPT flood not limited: all 1001 RCPTs accepted in one transaction'
# 1001 in the flood, 1 for the text line.
[ "$(grep -c ' -> RCPT TO:<postmaster@example.test>' "$LOG")" -eq 1002 ] ||
	fail "limits: not 1001 RCPTs in the flood"

verdict limits 0 -D max_recipients=50 -- -D max_rcpt=200
expect_in "$JSON" 'RCPT flood limited after 50: RCPT TO:<postmaster@example.test> (#51) -> 452 4.5.3 Error: too many recipients (below the 100 RFC 5321 4.5.3.1.8 requires)'

# Recipients the domain scan cannot judge are refused too (usage, exit 2).
verdict limits 2 -- -D 'rcpt=user!evil.com@example.test'
expect_out 'refusing to send RCPT TO:<user!evil.com@example.test>: a bang path or address literal'
verdict limits 2 -- -D rcpt=postmaster
expect_out 'refusing to send RCPT TO:<postmaster>: no domain'

# --- servers the checks must not misjudge (review of issue 11) ------------
# An SMTP server that knows only HELO: every check still decides.
serve_bg serve -D no_ehlo=1 "$TARGET"
run check --server "127.0.0.1:$SERVE_PORT" -D wait=0.3 -T "$T/helo/"
cp "$T/out" "$T/helo.out"
signal_bg TERM
grep -q '^ERROR' "$T/helo.out" && fail "a check could not decide against a HELO-only server: $(cat "$T/helo.out")"
grep -q '^VULNERABLE    tls ' "$T/helo.out" || fail "tls without STARTTLS: $(cat "$T/helo.out")"
for f in "$T"/helo/*; do rcpts_safe "$f"; done
# A greeting that names an address: no local domain is guessed from it.
verdict open-relay 0 -D hostname=192.0.2.1 --
expect_not_in "$LOG" "@0.2.1"
expect_not_in "$LOG" "%relay-test.example@"
verdict smuggling 0 -D hostname=192.0.2.1 --
expect_in "$JSON" '"status":"skip"'
expect_in "$JSON" 'no local recipient: give -D rcpt= or -D local_domain='
# A server that relays for us gets no test message to a guessed domain...
verdict smuggling 0 -D open_relay=1 --
expect_in "$JSON" '"status":"skip"'
expect_in "$JSON" 'the server relays for this client, so a message to postmaster@example.test might leave the machine'
expect_not_in "$LOG" " -> DATA"
# ... unless the recipient is given.
verdict smuggling 0 -D open_relay=1 -- -D rcpt=postmaster@example.test -D wait=0.3
expect_in "$LOG" " -> DATA"
# Under --sandbox the checks still run.
serve_bg serve "$TARGET"
run check --sandbox --only open-relay --server "127.0.0.1:$SERVE_PORT"
cp "$T/out" "$T/sandbox.out"
signal_bg TERM
grep -q '^SAFE          open-relay' "$T/sandbox.out" || fail "--sandbox: $(cat "$T/sandbox.out")"
exit 0
