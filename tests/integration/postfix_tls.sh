#!/usr/bin/env bash
# TLS and CRAM-MD5 against the test suite's Postfix: STARTTLS verified with
# the test CA and AUTH inside it; an unknown CA; a host name the certificate
# is not for; verify=false; implicit TLS on the smtps port; CRAM-MD5 through
# Cyrus sasldb; a client certificate; the STARTTLS injection check.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${SRCDIR:?}/tests/integration/lib.sh" || exit 1
need_postfix
[ -n "${POSTFIX_SMTPS_PORT:-}" ] || { echo "skipped: the test Postfix has no TLS"; exit 77; }

s=$(scenario starttls.lua <<'LUA'
local s = smtp.connect()
s:greeting()
assert(s:ehlo("client.example.test").STARTTLS, "STARTTLS advertised")
local info = s:starttls{ cafile = vars.cafile }
assert(info.verified, "verified")
assert(info.chain[1].subject == "CN=mail.example.test", info.chain[1].subject)
assert(info.chain[1].issuer == "CN=smtprun test CA", info.chain[1].issuer)
local caps = s:ehlo("client.example.test")
s:auth_login(vars.user, vars.password)
s:mail_from(vars.user)
s:rcpt_to("someone@example.net")
s:data("Subject: over TLS\n\nhello\n")
s:quit()
LUA
)
run run --transcript "$T/starttls.log" --server "$SMTPRUN_SERVER" -D cafile="$POSTFIX_CAFILE" \
    -D user="$POSTFIX_USER" -D password="$POSTFIX_PASSWORD" "$s"
expect_rc 0
expect_lines "$T/starttls.log" " -> STARTTLS" "<-  220 2.0.0 Ready to start TLS" \
    "=== TLS started: TLSv1.3" "=== peer certificate: subject CN=mail.example.test, issuer CN=smtprun test CA" \
    "=== certificate verified" " ~> EHLO client.example.test" "<~  250-AUTH " \
    " ~> AUTH LOGIN" "<~  334 VXNlcm5hbWU6   (Username:)" " ~> [username redacted]" \
    " ~> [password redacted]" "<~  235 2.7.0 Authentication successful" \
    " ~> DATA" "<~  250 2.0.0 Ok: queued as " " ~> QUIT"
expect_not_in "$T/starttls.log" "$POSTFIX_PASSWORD"

# TLS 1.2 too, by request.
s=$(scenario tls12.lua <<'LUA'
local s = smtp.connect()
s:greeting(); s:ehlo("c.example.test")
local info = s:starttls{ cafile = vars.cafile, max_version = "TLSv1.2" }
assert(info.protocol == "TLSv1.2", info.protocol)
s:quit()
LUA
)
run run --server "$SMTPRUN_SERVER" -D cafile="$POSTFIX_CAFILE" "$s"; expect_rc 0

# An unknown CA, and a name the certificate is not for.
s=$(scenario verify.lua <<'LUA'
local s = smtp.connect{ host = vars.host }
s:greeting(); s:ehlo("c.example.test")
s:starttls{ cafile = vars.cafile }
LUA
)
run run --server "$SMTPRUN_SERVER" -D cafile="$POSTFIX_OTHER_CAFILE" -D host=127.0.0.1 "$s"
expect_rc 1
# (Postfix sends its CA along with its certificate: the chain ends in a
# self-signed CA nobody here trusts.)
expect_out "verify.lua:3: certificate verify failed for 127.0.0.1:$POSTFIX_PORT: self-signed certificate in certificate chain (subject CN=smtprun test CA, issuer CN=smtprun test CA); pass cafile= or verify=false"
run run --server "$SMTPRUN_SERVER" -D cafile="$POSTFIX_CAFILE" -D host=localhost "$s"
expect_rc 1
expect_out "verify.lua:3: certificate name mismatch for localhost:$POSTFIX_PORT: the certificate is for DNS:mail.example.test, IP:127.0.0.1 (subject CN=mail.example.test), not localhost"

# verify=false (and --insecure): no verification, said in the transcript.
run run --insecure --transcript "$T/insecure.log" --server "$SMTPRUN_SERVER" \
    -D cafile="$POSTFIX_OTHER_CAFILE" -D host=127.0.0.1 "$s"
expect_rc 0
expect_in "$T/insecure.log" "=== certificate verification off (--insecure)"
expect_in "$T/insecure.log" "=== certificate NOT verified (verify=false): it would have failed: self-signed certificate in certificate chain"

# Implicit TLS on the smtps port, AUTH PLAIN inside, the name given apart
# from the address connected to.
s=$(scenario smtps.lua <<'LUA'
local s = smtp.connect{ host = "127.0.0.1", port = tonumber(vars.port),
                        tls = { cafile = vars.cafile, verify_name = "mail.example.test" } }
s:greeting()
s:ehlo("c.example.test")
s:auth_plain(vars.user, vars.password)
s:quit()
LUA
)
run run --transcript "$T/smtps.log" -D port="$POSTFIX_SMTPS_PORT" -D cafile="$POSTFIX_CAFILE" \
    -D user="$POSTFIX_USER" -D password="$POSTFIX_PASSWORD" "$s"
expect_rc 0
expect_lines "$T/smtps.log" "=== Connected to 127.0.0.1 port $POSTFIX_SMTPS_PORT" \
    "=== TLS started: " "=== certificate verified" "<~  220 mail.example.test ESMTP Postfix" \
    " ~> AUTH PLAIN [credentials redacted]" "<~  235 "

# CRAM-MD5 through Cyrus SASL's sasldb, and s:auth() choosing it.
s=$(scenario cram.lua <<'LUA'
local s = smtp.connect()
s:greeting(); s:ehlo("c.example.test")
s:auth_cram_md5(vars.user, vars.password)
s:quit()
s = smtp.connect()
s:greeting(); s:ehlo("c.example.test")
s:auth(nil, vars.user, vars.password)
s:quit()
s = smtp.connect()
s:greeting(); s:ehlo("c.example.test")
s:auth("CRAM-MD5", vars.user, "wrong", { expect = 535 })
s:quit()
LUA
)
run run --transcript "$T/cram.log" --server "$SMTPRUN_SERVER" -D user="$POSTFIX_USER" \
    -D password="$POSTFIX_PASSWORD" "$s"
expect_rc 0
expect_lines "$T/cram.log" " -> AUTH CRAM-MD5" "<-  334 " " -> [CRAM-MD5 response redacted]" \
    "<-  235 2.7.0 Authentication successful" "=== AUTH: picked CRAM-MD5" "<-  235 " \
    " -> AUTH CRAM-MD5" "<-  535 "

# A client certificate from the test CA, presented to Postfix (which asks).
s=$(scenario ccert.lua <<'LUA'
local s = smtp.connect()
s:greeting(); s:ehlo("c.example.test")
s:starttls{ cafile = vars.cafile, cert = vars.cert, key = vars.key }
s:ehlo("c.example.test")
s:quit()
LUA
)
run run --server "$SMTPRUN_SERVER" -D cafile="$POSTFIX_CAFILE" -D cert="$POSTFIX_CLIENT_CERT" \
    -D key="$POSTFIX_CLIENT_KEY" "$s"
expect_rc 0
# Postfix says "Trusted" when the client's certificate checked out.
wait_for "$POSTFIX_DIR/maillog" "Trusted TLS connection.*client-signature" ||
    fail "Postfix's log does not show a verified client certificate"

# Postfix is not open to STARTTLS command injection.
run run --server "$SMTPRUN_SERVER" -D cafile="$POSTFIX_CAFILE" -D wait=1 \
    --transcript "$T/inj.log" "$SRCDIR/scripts/security/starttls-injection.lua"
expect_rc 0
expect_in "$T/inj.log" "=== Nothing unsolicited from the server within 1 s (s:pending)."
exit 0
