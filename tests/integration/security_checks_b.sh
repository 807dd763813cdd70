#!/usr/bin/env bash
# Security checks (issue 11): starttls-injection, auth-cleartext,
# user-enumeration and tls, each run by `smtprun run --server` against the
# server role (tests/scenarios/checked_server.lua under `smtprun serve`)
# configured safe and vulnerable: exit 0 SAFE, 1 VULNERABLE, INCONCLUSIVE a
# skip, each with its evidence. Every RCPT TO the checks sent is local or on
# a reserved name. (The test Postfix: postfix_security_checks_b.sh.)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${SRCDIR:?}/tests/integration/lib.sh" || exit 1
need_python

SERVER="$SRCDIR/tests/scenarios/checked_server.lua"
check() { run_check "127.0.0.1:$SERVE_PORT" "$@"; }

# server -D ...: (re)starts the checked server with these settings.
server() {
	[ -z "$BG_PID" ] || signal_bg TERM
	serve_bg serve -D cert_out="$T/ca.pem" "$@" "$SERVER"
}

# --- Safe: TLS 1.2+, a certificate for mail.example.test, no injection,
# AUTH only after STARTTLS, VRFY disabled.
server
check starttls-injection 0 -D wait=0.5
verdict "pass STARTTLS<CRLF>RSET<CRLF> in one write -> 220, then nothing inside TLS within 0.5 s"
expect_in "$T/transcript.$CHECK_N.log" "=== Nothing unsolicited from the server within 0.5 s (s:pending)."
check auth-cleartext 0
verdict "pass no AUTH advertised before STARTTLS; AUTH PLAIN -> 530 5.7.0 Must issue a STARTTLS command first"
expect_not_in "$T/transcript.$CHECK_N.log" "redacted]"     # nothing was sent after the 530
check user-enumeration 0
verdict "skip VRFY disabled (502 5.5.1 VRFY command is disabled); no known user given (-D valid_user=)"
check user-enumeration 0 -D valid_user=alice
verdict "pass valid/random users answered alike: VRFY 502/502, EXPN 502/502, RCPT 250/250; RCPT time median "
verdict "for <alice@example.test>, "
verdict " for random users (10 tries each)"
# Never DATA: each RCPT probe is ended by RSET.
expect_not_in "$T/transcript.$CHECK_N.log" " -> DATA"
[ "$(grep -c ' -> RSET' "$T/transcript.$CHECK_N.log")" -eq 11 ] || fail "RSET count"
check tls 0 --cafile "$T/ca.pem"
verdict "pass STARTTLS -> TLSv1.3, TLS_AES_256_GCM_SHA384; certificate valid for mail.example.test; TLSv1 refused; TLSv1.1 refused"
# The certificate: untrusted (no CA given), or not for the name.
check tls 1
verdict "fail STARTTLS -> TLSv1.3, TLS_AES_256_GCM_SHA384; certificate verify failed for 127.0.0.1:$SERVE_PORT: self-signed certificate (subject CN=mail.example.test, issuer CN=mail.example.test); TLSv1 refused"
check tls 1 --cafile "$T/ca.pem" -D server_name=other.example.test
verdict "certificate name mismatch for 127.0.0.1:$SERVE_PORT: the certificate is for DNS:mail.example.test, IP:127.0.0.1 (subject CN=mail.example.test), not other.example.test; TLSv1 refused; TLSv1.1 refused"
# -k: the handshake goes on, the verdict is the same.
check tls 1 -k
verdict "fail STARTTLS -> TLSv1.3, TLS_AES_256_GCM_SHA384; certificate NOT valid for mail.example.test: self-signed certificate"

# --- Vulnerable: injection kept, AUTH in clear, VRFY on, TLS 1.0 accepted.
server -D injection=1 -D auth_clear=1 -D vrfy=1 -D tls_min=TLSv1
check starttls-injection 1 -D wait=2
verdict "fail STARTTLS<CRLF>RSET<CRLF> in one write -> 220, then 250 2.0.0 Ok inside TLS: the RSET sent before TLS was answered (CVE-2011-0411)"
check auth-cleartext 1
verdict "fail EHLO -> AUTH PLAIN LOGIN before STARTTLS; the server took throwaway credentials in clear, before STARTTLS: AUTH PLAIN -> 334; [throwaway credentials redacted] -> 535 5.7.8"
# The throwaway secret is neither in the transcript nor in the evidence.
grep -q '^ -> [A-Za-z0-9+/=]\{20,\}$' "$T/transcript.$CHECK_N.log" && fail "a credential line in clear"
expect_in "$T/transcript.$CHECK_N.log" " -> [throwaway credentials redacted]"
check user-enumeration 1
verdict "fail VRFY postmaster@example.test -> 250 2.1.5 <postmaster@example.test> vs VRFY nobody-"
verdict "-> 550 5.1.1 <nobody-"
check user-enumeration 1 -D valid_user=alice@example.test
verdict "fail VRFY alice@example.test -> 250 2.1.5 <alice@example.test> vs VRFY nobody-"
verdict "; RCPT time median "
check tls 1 --cafile "$T/ca.pem"
verdict "fail TLSv1 accepted (TLSv1, "
verdict "; TLSv1.1 accepted (TLSv1.1, "
verdict "; STARTTLS -> TLSv1.3, TLS_AES_256_GCM_SHA384; certificate valid for mail.example.test"
expect_not_in "$T/out" "TLS not verified"        # a valid certificate: all verified

# --- A timing oracle alone: unknown users answered 0.5 s later.
server -D slow_unknown=0.5
check user-enumeration 1 -D valid_user=alice
verdict "fail RCPT time median "
verdict " for random users (10 tries each): a clear difference"

# --- No STARTTLS at all.
server -D tls=0 -D auth_clear=1
check tls 1
verdict "fail EHLO check.example.test -> no STARTTLS offered: mail to and from this server travels in clear"
check starttls-injection 0
verdict "skip EHLO check.example.test -> no STARTTLS offered: nothing to inject into"
check auth-cleartext 1
verdict "fail EHLO -> AUTH PLAIN LOGIN before STARTTLS"

# --- Review of issue 11.
# A server that ends the session with 421 after each error (Postfix's
# smtpd_hard_error_limit): user-enumeration reconnects, never ERROR.
server -D error_limit=1
check user-enumeration 0
verdict "skip VRFY disabled (502 5.5.1 VRFY command is disabled)"
check user-enumeration 0 -D valid_user=alice
verdict "pass valid/random users answered alike: VRFY 502/502, EXPN 502/502, RCPT 250/250"
expect_in "$T/transcript.$CHECK_N.log" "421 4.7.0 mail.example.test Error: too many errors"
server -D error_limit=1 -D vrfy=1
check user-enumeration 1 -D valid_user=alice
verdict "fail VRFY alice@example.test -> 250 2.1.5 <alice@example.test> vs VRFY nobody-"
# Bearer-token mechanisms advertised in clear count as cleartext AUTH.
server -D auth_clear=1 -D auth=XOAUTH2,OAUTHBEARER
check auth-cleartext 1
verdict "fail EHLO -> AUTH XOAUTH2 OAUTHBEARER before STARTTLS (a client sends its bearer token with AUTH XOAUTH2 before any refusal)"
# The injected reply arrives after the wait: the EHLO after it reads it.
server -D injection=1 -D slow_rset=1.5
check starttls-injection 1 -D wait=0.3
verdict "fail STARTTLS<CRLF>RSET<CRLF> in one write -> 220, then 250 2.0.0 Ok inside TLS after the 0.3 s wait (read where the EHLO's reply was due)"
# An OpenSSL that cannot speak TLS 1.0 nor 1.1 (here: a configuration that
# takes them out): those are "not tested", and the verdict claims nothing.
server
printf '%s\n' 'openssl_conf = c' '[c]' 'ssl_conf = s' '[s]' 'system_default = d' '[d]' \
    'Protocol = -TLSv1, -TLSv1.1' >"$T/no-old-tls.cnf"
OPENSSL_CONF=$T/no-old-tls.cnf check tls 0 --cafile "$T/ca.pem"
verdict "skip STARTTLS -> TLSv1.3, TLS_AES_256_GCM_SHA384; certificate valid for mail.example.test; TLSv1 not tested (this OpenSSL cannot speak it); TLSv1.1 not tested (this OpenSSL cannot speak it): whether versions below TLS 1.2 are refused is not known"

# Nothing a check sent could leave: every RCPT TO is local or reserved.
rcpts_stay
[ -s "$T/rcpts" ] || fail "no RCPT TO in the transcripts"
exit 0
