#!/usr/bin/env python3
"""Clients under test for tests/integration/check_client.sh: Python's smtplib
used well and badly, and raw clients that break the protocol on purpose.

usage: check_client.py MODE PORT

Every mode ends within about 15 s, whatever the server does.
"""
import base64
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


def smtplib_bare_lf(port):
    """smtplib sends a bytes message as given: its bare LF goes out."""
    s = smtp(port)
    s.sendmail(FROM, TO, b"Subject: check-client\nbare LF from smtplib\r\n")
    s.quit()


def probe_then_plain(port):
    """A "wait for the port" probe (connect, close), then a real client."""
    socket.create_connection((HOST, port), timeout=TIMEOUT).close()
    time.sleep(0.5)
    plain(port)


def b64(text):
    return base64.b64encode(text.encode()).decode()


def auth_bare_lf(port):
    """AUTH PLAIN with its initial response, the line ended by a bare LF."""
    auth = "AUTH PLAIN " + b64("\0user\0bare-lf-password") + "\n"
    raw(port, [(b"EHLO raw.example.test\r\n", 1), (auth.encode(), 1)] + QUIT)


def auth_login_bare_lf(port):
    """AUTH LOGIN, the answers to its 334s ended by bare LFs."""
    raw(port, [(b"EHLO raw.example.test\r\n", 1), (b"AUTH LOGIN\r\n", 1),
               ((b64("login-user") + "\n").encode(), 1),
               ((b64("login-bare-lf-password") + "\n").encode(), 1)] + QUIT)


def login_long(port):
    """smtplib login() with a 600-character password: an AUTH PLAIN line of
    over 800 octets (RFC 4954 allows 12288)."""
    s = smtp(port)
    s.login("user", "p" * 600)
    s.quit()


def auth_too_long(port):
    """An AUTH line over RFC 4954's 12288 octets."""
    raw(port, [(b"EHLO raw.example.test\r\n", 1),
               (b"AUTH PLAIN " + b"QUFB" * 3300 + b"\r\n", 1)] + QUIT)


def odd_bytes(port):
    """A C1 control (U+009B, CSI) and a byte that is no UTF-8 in MAIL FROM."""
    raw(port, [(b"EHLO raw.example.test\r\n", 1),
               (b"MAIL FROM:<c1\xc2\x9b[31m\xff@example.test>\r\n", 1),
               (b"RCPT TO:<rcpt@example.test>\r\n", 1)] + QUIT)


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


def several_senders(port):
    """Five messages from five senders on one connection, each refused:
    the next message is not a retry of the one before."""
    s = smtp(port)
    for i in range(5):
        try:
            s.sendmail("sender%d@example.test" % i, TO, BODY)
        except smtplib.SMTPException as e:
            print("failed:", e)
    s.quit()


def several_rcpts(port):
    """Five transactions from one sender to five recipients (each RCPT sent
    although MAIL FROM was refused)."""
    chunks = [(b"EHLO raw.example.test\r\n", 1)]
    for i in range(5):
        chunks += [(b"MAIL FROM:<client@example.test>\r\n", 1),
                   (b"RCPT TO:<rcpt%d@example.test>\r\n" % i, 1), (b"RSET\r\n", 1)]
    raw(port, chunks + QUIT)


def retry_same(port):
    """The same message again and again on one connection."""
    s = smtp(port)
    for _ in range(5):
        try:
            s.sendmail(FROM, TO, BODY)
        except smtplib.SMTPException as e:
            print("failed:", e)
    s.quit()


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
                                  pipelined_quit, retry_loop, give_up, overlap,
                                  smtplib_bare_lf, probe_then_plain, auth_bare_lf,
                                  auth_login_bare_lf, login_long, auth_too_long, odd_bytes,
                                  several_senders, several_rcpts, retry_same)}

if __name__ == "__main__":
    MODES[sys.argv[1]](int(sys.argv[2]))
