#!/usr/bin/env python3
"""fakeserver.py MODE PORTFILE RECVFILE - a misbehaving SMTP server for tests.

Listens on 127.0.0.1 (a free port, written to PORTFILE), serves ONE
connection the way MODE says, records every byte it received in RECVFILE,
and exits. It never runs longer than 20 seconds.

Modes:
  record    220, then "250 ok" to every line (354 after DATA, 250 after
            the final dot, 221 and close after QUIT)
  silent    accepts, never says anything
  trickle   a greeting sent one byte every 0.2 s, forever
  garbage   "HTTP/1.1 400 Bad Request" instead of a greeting
  mixed     220, then a multi-line EHLO reply whose codes change
  mixedmore as mixed, with more lines of the reply sent at once after it
  nosep     220, then "250Ok" (no space or hyphen after the code)
  barelf    a greeting ending in a bare LF
  drop      220, then closes the connection when EHLO arrives
  halfdrop  220, then half a multi-line EHLO reply, then closes
  bye       220; QUIT gets 221 and the connection closed
  linger    220; QUIT gets 221 but the connection stays open
  chatty    220; QUIT gets 221 and then more text, connection open
  full      never accepts, and its accept queue is full: connects hang
"""
import os
import socket
import sys
import time

mode, portfile, recvfile = sys.argv[1], sys.argv[2], sys.argv[3]
deadline = time.monotonic() + 20

srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.bind(("127.0.0.1", 0))
port = srv.getsockname()[1]
fillers = []
if mode == "full":
    # Backlog 0 and a few connections nobody accepts: the kernel drops
    # further SYNs, so a client's connect neither succeeds nor fails.
    srv.listen(0)
    for _ in range(3):
        c = socket.socket()
        c.setblocking(False)
        try:
            c.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        fillers.append(c)
    time.sleep(0.2)
else:
    srv.listen(1)
srv.settimeout(20)
with open(portfile + ".tmp", "w") as f:
    f.write(str(port))
os.rename(portfile + ".tmp", portfile)
if mode == "full":
    time.sleep(20)
    sys.exit(0)

try:
    conn, _ = srv.accept()
except socket.timeout:
    sys.exit(0)
conn.settimeout(0.2)
received = open(recvfile, "wb")
pending = b""


def lines():
    """Yields each line received (with its ending) until EOF or deadline."""
    global pending
    while time.monotonic() < deadline:
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            yield line + b"\n"
        try:
            data = conn.recv(65536)
        except socket.timeout:
            continue
        except OSError:
            return
        if not data:
            return
        received.write(data)
        received.flush()
        pending += data


def send(b):
    conn.sendall(b)


def idle():
    for _ in lines():
        pass


if mode == "silent":
    idle()
elif mode == "trickle":
    for ch in b"220 this greeting never ends " * 100:
        if time.monotonic() > deadline:
            break
        try:
            send(bytes([ch]))
        except OSError:
            break
        time.sleep(0.2)
elif mode == "garbage":
    send(b"HTTP/1.1 400 Bad Request\r\n")
    idle()
elif mode == "barelf":
    send(b"220 mail.example.test ready\n")
    idle()
else:
    send(b"220 mail.example.test ESMTP fake\r\n")
    in_data = False
    for line in lines():
        verb = line.strip().upper()
        if in_data:
            if line == b".\r\n":
                in_data = False
                send(b"250 2.0.0 Ok: queued\r\n")
            continue
        if verb.startswith(b"EHLO"):
            if mode == "mixed":
                send(b"250-mail.example.test\r\n251-PIPELINING\r\n250 SIZE 1000\r\n")
                continue
            if mode == "mixedmore":
                send(b"250-mail.example.test\r\n251-PIPELINING\r\n" +
                     b"250-SIZE 1000\r\n" * 10 + b"250 8BITMIME\r\n")
                continue
            if mode == "nosep":
                send(b"250Ok\r\n")
                continue
            if mode == "drop":
                break
            if mode == "halfdrop":
                send(b"250-mail.example.test\r\n250-PIPEL")
                break
            send(b"250-mail.example.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n")
        elif verb == b"DATA":
            in_data = True
            send(b"354 End data with <CR><LF>.<CR><LF>\r\n")
        elif verb == b"QUIT":
            send(b"221 2.0.0 Bye\r\n")
            if mode == "linger":
                idle()
            elif mode == "chatty":
                send(b"250 one more thing\r\n")
                idle()
            break
        else:
            send(b"250 ok\r\n")
received.close()
conn.close()
