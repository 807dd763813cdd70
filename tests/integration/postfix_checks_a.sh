#!/usr/bin/env bash
# The security checks open-relay, limits and smuggling against the test
# Postfix (tests/postfix: relays only after AUTH, smtpd_recipient_limit 1000,
# SIZE 10240000). Every recipient in the transcripts must be local
# (example.test) or on a reserved name; Postfix discards what it accepts.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${SRCDIR:?}/tests/integration/lib.sh" || exit 1
need_postfix

check() {
	LOG=$T/$1.log JSON=$T/$1.json
	run run --transcript "$LOG" --json "$JSON" --server "$SMTPRUN_SERVER" \
	    "$SRCDIR/scripts/security/$1.lua"
	rcpts_safe "$LOG"
}

# open-relay: SAFE, every probe refused (the local domain from the greeting,
# mail.example.test -> example.test).
check open-relay
expect_rc 0
expect_in "$JSON" '"status":"pass"'
expect_in "$JSON" 'RCPT TO:<relay-test@relay-test.example> -> 554 5.7.1 <relay-test@relay-test.example>: Relay access denied (unauthenticated); the 4 address tricks refused; also refused after AUTH PLAIN (random credentials) -> 535'
expect_in "$LOG" ' -> RCPT TO:<"user@relay-test.example"@example.test>'
expect_not_in "$LOG" ' -> DATA'
expect_not_in "$LOG" "$POSTFIX_PASSWORD"

# limits: SAFE; the flood meets smtpd_recipient_limit.
check limits
expect_rc 0
expect_in "$JSON" 'SIZE=10240001 -> 552 5.3.4 Message size exceeds fixed limit'
expect_in "$JSON" 'RCPT flood limited after 1000: RCPT TO:<postmaster@example.test> (#1001) -> 452 4.5.3 Error: too many recipients'

# smuggling: as Postfix is configured. smtpd_forbid_bare_newline = no (the
# default before Postfix 3.9) takes <LF>.<LF> for the end of data.
command -v postconf >/dev/null || { echo "skipped the smuggling part: no postconf"; exit 0; }
bare=$(postconf -c "$POSTFIX_DIR" -h smtpd_forbid_bare_newline 2>/dev/null || echo unknown)
check smuggling
case $bare in
no)
	expect_rc 1
	expect_out '<LF>.<LF>, <LF>.<CR><LF>, <CR><LF>.<LF> ended DATA: the smuggled transaction was answered (250 2.0.0 Ok: queued as '
	;;
normalize|reject|yes)
	expect_rc 0
	;;
*)
	echo "smtpd_forbid_bare_newline: $bare (exit $RC): not judged"
	;;
esac
