#!/usr/bin/env bash
# Security checks (issue 11) against the test Postfix: it offers AUTH in
# clear (smtpd_tls_auth_only = no), so auth-cleartext is VULNERABLE; its
# certificate (the test CA's, for mail.example.test) is valid, but it takes
# TLS 1.0 and 1.1 (Postfix's default smtpd_tls_protocols, >=TLSv1), so tls
# is VULNERABLE too; starttls-injection is SAFE. Every RCPT TO is local or
# reserved.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${SRCDIR:?}/tests/integration/lib.sh" || exit 1
need_postfix
need_python
[ -n "${POSTFIX_SMTPS_PORT:-}" ] || { echo "skipped: the test Postfix has no TLS"; exit 77; }
check() { run_check "$SMTPRUN_SERVER" "$@"; }

check auth-cleartext 1
verdict "fail EHLO -> AUTH "
verdict " before STARTTLS; the server took throwaway credentials in clear, before STARTTLS: AUTH PLAIN -> 334; [throwaway credentials redacted] -> 535 5.7.8 Error: authentication failed"
expect_in "$T/transcript.$CHECK_N.log" " -> [throwaway credentials redacted]"

check tls 1 --cafile "$POSTFIX_CAFILE"
verdict "fail TLSv1 accepted (TLSv1, "
verdict "; TLSv1.1 accepted (TLSv1.1, "
verdict "; STARTTLS -> TLSv1.3, TLS_AES_256_GCM_SHA384; certificate valid for mail.example.test"
check tls 1 --cafile "$POSTFIX_OTHER_CAFILE"
verdict "fail STARTTLS -> TLSv1.3, "
verdict "certificate verify failed for $SMTPRUN_SERVER"

check starttls-injection 0 --cafile "$POSTFIX_CAFILE" -D wait=1
verdict "pass STARTTLS<CRLF>RSET<CRLF> in one write -> 220, then nothing inside TLS within 1 s"

check user-enumeration 0
verdict "skip "

rcpts_stay
exit 0
