#!/usr/bin/env bash
# The article's session, end to end, against the test suite's real Postfix:
# relay refused, AUTH LOGIN with its two 334 prompts, 235, relay accepted,
# DATA, QUIT -- and the password never in the transcript.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${SRCDIR:?}/tests/integration/lib.sh" || exit 1
need_postfix

article="$SRCDIR/scripts/article-auth-login.lua"
b64user=$("$SMTPRUN" b64 encode "$POSTFIX_USER")
b64pass=$("$SMTPRUN" b64 encode "$POSTFIX_PASSWORD")

run run --transcript "$T/article.log" --server "$SMTPRUN_SERVER" \
    -D user="$POSTFIX_USER" -D password="$POSTFIX_PASSWORD" "$article"
expect_rc 0
expect_out "PASS  $article"
expect_out "1 case in 1 file: 1 passed, 0 failed, 0 errors"
expect_lines "$T/article.log" \
    "=== Connected to 127.0.0.1 port $POSTFIX_PORT" \
    "<-  220 mail.example.test ESMTP" \
    " -> EHLO client.example.test" \
    "<-  250-AUTH " \
    " -> MAIL FROM:<$POSTFIX_USER>" \
    " -> RCPT TO:<relay-test@example.net>" \
    "<-  554 5.7.1 <relay-test@example.net>: Relay access denied" \
    " -> RSET" \
    " -> AUTH LOGIN" \
    "<-  334 VXNlcm5hbWU6   (Username:)" \
    " -> [username redacted]" \
    "<-  334 UGFzc3dvcmQ6   (Password:)" \
    " -> [password redacted]" \
    "<-  235 2.7.0 Authentication successful" \
    " -> MAIL FROM:<$POSTFIX_USER>" \
    " -> RCPT TO:<relay-test@example.net>" \
    "<-  250 2.1.5 Ok" \
    " -> DATA" \
    "<-  354 " \
    " -> Subject: SMTP-AUTH LOGIN test" \
    " -> ." \
    "<-  250 2.0.0 Ok: queued as " \
    " -> QUIT" \
    "<-  221 2.0.0 Bye"
# Secrets: neither the password nor the base64 lines are recorded.
expect_not_in "$T/article.log" "$POSTFIX_PASSWORD"
expect_not_in "$T/article.log" "$b64pass"
expect_not_in "$T/article.log" "$b64user"

# --show-secrets: the user asked, so the base64 lines are there.
run run --show-secrets --transcript "$T/shown.log" --server "$SMTPRUN_SERVER" \
    -D user="$POSTFIX_USER" -D password="$POSTFIX_PASSWORD" "$article"
expect_rc 0
expect_in "$T/shown.log" " -> $b64user"
expect_in "$T/shown.log" " -> $b64pass"

# A wrong password: the scenario fails at its AUTH line, naming the 535.
run run --transcript "$T/wrong.log" --server "$SMTPRUN_SERVER" \
    -D user="$POSTFIX_USER" -D password="not-$POSTFIX_PASSWORD" "$article"
expect_rc 1
expect_out "FAIL  $article"
line=$(grep -n 's:auth_login(user, password)' "$article" | cut -d: -f1)
expect_out "article-auth-login.lua:$line: authentication failed: expected 235, got 535"
expect_out "(in reply to '[password redacted]')"
expect_in "$T/wrong.log" "<** 535 5.7.8"
expect_not_in "$T/wrong.log" "not-$POSTFIX_PASSWORD"

# Required variables.
run run --server "$SMTPRUN_SERVER" -D user="$POSTFIX_USER" "$article"
expect_rc 2
expect_out "missing variable 'password': pass -D password=VALUE"

# The message really went through Postfix: the queue ID the first run was
# given is delivered (to the discard transport) to the relayed recipient.
qid=$(sed -n 's/^<-  250 2\.0\.0 Ok: queued as \([0-9A-F]*\)$/\1/p' "$T/article.log")
[ -n "$qid" ] || fail "no queue ID in the transcript"
wait_for "$POSTFIX_DIR/maillog" "discard\[[0-9]*\]: $qid: to=<relay-test@example.net>.*status=sent" ||
    fail "Postfix's log does not show message $qid delivered to relay-test@example.net"
exit 0
