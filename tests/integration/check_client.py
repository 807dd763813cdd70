#!/usr/bin/env python3
"""Clients under test for tests/integration/check_client.sh: Python's smtplib
used well and badly, and raw clients that break the protocol on purpose.

usage: check_client.py MODE PORT

Every mode ends within about 15 s, whatever the server does.
"""
import smtplib
import socket
import ssl
import sys
import time

HOST = "127.0.0.1"
FROM = "client@example.test"
TO = ["rcpt@example.test"]
BODY = b"Subject: check-client\r\n\r\nhello\r\n"
TIMEOUT = 10


def smtp(port):
    return smtplib.SMTP(HOST, port, local_hostname="client.example.test", timeout=TIMEOUT)


def plain(port):
    """Mail in clear, no STARTTLS although it is offered."""
    s = smtp(port)
    s.sendmail(FROM, TO, BODY)
    s.quit()


def login_clear(port):
    """AUTH in clear."""
    s = smtp(port)
    s.login("user", "cleartext-password")
    s.sendmail(FROM, TO, BODY)
    s.quit()


def starttls_login(port, context=None):
    """STARTTLS, then AUTH and mail; context None: no verification."""
    s = smtp(port)
    s.starttls(context=context)
    s.login("user", "tls-password")
    s.sendmail(FROM, TO, BODY)
    s.quit()


def starttls_verify(port):
    """STARTTLS verifying the certificate (the system's CAs): a self-signed
    one makes it give up."""
    try:
        starttls_login(port, ssl.create_default_context())
    except ssl.SSLError as e:
        print("refused the certificate:", e)
        return
    sys.exit("the verifying client accepted the certificate")


def raw(port, chunks):
    """Sends each chunk (bytes, and how many replies it gets) once the replies
    to the one before came: a chunk of several commands is pipelining."""
    with socket.create_connection((HOST, port), timeout=TIMEOUT) as s:
        f = s.makefile("rb")

        def reply():
            while True:
                line = f.readline()
                if not line or line[3:4] != b"-":
                    return line

        reply()
        for data, replies in chunks:
            s.sendall(data)
            for _ in range(replies):
                reply()


MESSAGE = [(b"EHLO raw.example.test\r\n", 1), (b"MAIL FROM:<client@example.test>\r\n", 1),
           (b"RCPT TO:<rcpt@example.test>\r\n", 1), (b"DATA\r\n", 1)]
QUIT = [(b"QUIT\r\n", 1)]


def bare_lf(port):
    raw(port, MESSAGE + [(b"Subject: x\nbare LF\r\n.\r\n", 1)] + QUIT)


def bare_cr_command(port):
    raw(port, [(b"EHLO raw.example.test\r\n", 1), (b"NOOP\rNOOP\r\n", 1)] + QUIT)


def long_line(port):
    raw(port, MESSAGE + [(b"Subject: x\r\n\r\n" + b"y" * 1200 + b"\r\n.\r\n", 1)] + QUIT)


def pipelined(port):
    """MAIL and RCPT in one write, though PIPELINING was not offered."""
    raw(port, [(b"EHLO raw.example.test\r\n", 1),
               (b"MAIL FROM:<client@example.test>\r\nRCPT TO:<rcpt@example.test>\r\n", 2)]
        + QUIT)


def pipelined_quit(port):
    """The message's final dot and QUIT in one write."""
    raw(port, MESSAGE + [(b"Subject: x\r\n\r\nhi\r\n.\r\nQUIT\r\n", 2)])


def retry_loop(port):
    """Retries at once, again and again, until the server goes away."""
    deadline = time.monotonic() + 15
    tries = 0
    while time.monotonic() < deadline:
        try:
            s = smtp(port)
            s.sendmail(FROM, TO, BODY)
            s.quit()
        except ConnectionRefusedError:
            break
        except (smtplib.SMTPException, OSError):
            tries += 1
            time.sleep(0.05)
    print("tries:", tries)


def give_up(port):
    """Fails once, QUITs, does not retry."""
    s = smtp(port)
    try:
        s.sendmail(FROM, TO, BODY)
    except smtplib.SMTPException as e:
        print("failed:", e)
    try:
        s.quit()
    except smtplib.SMTPException:
        pass


def overlap(port):
    """Two clients at once from one address: one waits in its session
    while the other sends a message."""
    with socket.create_connection((HOST, port), timeout=TIMEOUT) as a:
        f = a.makefile("rb")
        f.readline()
        plain(port)
        a.sendall(b"QUIT\r\n")
        f.readline()


MODES = {f.__name__: f for f in (plain, login_clear, starttls_login, starttls_verify,
                                  bare_lf, bare_cr_command, long_line, pipelined,
                                  pipelined_quit, retry_loop, give_up, overlap)}

if __name__ == "__main__":
    MODES[sys.argv[1]](int(sys.argv[2]))
