#!/usr/bin/env python3
"""tests/bench/run, "STARTTLS+AUTH" row: the Python smtplib side.

smtplib_tls.py HOST PORT USER PASSWORD N (--cafile FILE | --insecure)

N sequential sessions, each EHLO, STARTTLS, EHLO, AUTH PLAIN (initial
response, as smtprun's auth_plain sends it), QUIT. --insecure is
verify=false: no trust store is loaded at all.
"""
import smtplib
import ssl
import sys


def main():
    args = sys.argv[1:]
    if args[5:] != ["--insecure"] and (len(args) != 7 or args[5] != "--cafile"):
        sys.exit(__doc__)
    host, port, user, password, n = args[:5]
    if args[5] == "--cafile":
        ctx = ssl.create_default_context(cafile=args[6])
    else:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    for _ in range(int(n)):
        s = smtplib.SMTP(host, int(port), local_hostname="bench.example.test")
        s.ehlo()
        s.starttls(context=ctx)
        s.ehlo()
        s.user, s.password = user, password
        code, _ = s.auth("PLAIN", s.auth_plain)
        if code != 235:
            sys.exit("AUTH PLAIN: %d" % code)
        s.quit()


if __name__ == "__main__":
    main()
