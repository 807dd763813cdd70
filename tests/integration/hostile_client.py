#!/usr/bin/env python3
"""hostile_client.py: a hostile SMTP client against smtprun's server role
(issue 10), for tests/integration/hostile_client.sh. Python 3, stdlib only.

    hostile_client.py ATTACK --port P [options]

One subcommand an attack (exhaust, sessions, slowloris, bigdata, many,
smuggle, authtab, lines, scram; alive is a plain session). Each is bounded
(socket timeouts, capped loops) and, after the attack, checks that a fresh
client still completes EHLO/MAIL/RCPT/DATA/QUIT. Every check passed prints
"ok: ..."; every check failed prints "FAIL: ..." and the attack goes on
where it can. Exit 0 when the server behaved as issue 10's contract says, 1
when it did not (2: bad arguments).

Times are scaled by 3 when SMTPRUN_SANITIZED=1 (the sanitizer builds).
"""

import argparse
import base64
import hashlib
import hmac
import os
import re
import socket
import sys
import threading
import time

HOST = "127.0.0.1"
SCALE = 3.0 if os.environ.get("SMTPRUN_SANITIZED") == "1" else 1.0
USER = "alice@example.test"

problems = []


class Abort(Exception):
    """A failure after which the attack cannot go on."""


def ok(msg):
    print("ok: " + msg, flush=True)


def check(cond, msg):
    """Notes a check; returns cond (the attack goes on either way)."""
    if cond:
        ok(msg)
    else:
        problems.append(msg)
        print("FAIL: " + msg, flush=True)
    return cond


def show(data, limit=200):
    """Bytes as a short printable string."""
    if isinstance(data, str):
        data = data.encode("utf-8", "replace")
    text = repr(data[:limit])
    return text + ("... (%d bytes)" % len(data) if len(data) > limit else "")


class Conn:
    """A client connection with a read buffer; every read has a deadline."""

    def __init__(self, port, timeout=10):
        self.s = socket.create_connection((HOST, port), timeout=timeout * SCALE)
        self.buf = b""
        self.eof = False
        self.reset = False

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.s.settimeout(30 * SCALE)
        self.s.sendall(data)

    def fill(self, deadline):
        """Reads once; False on timeout. EOF or a reset sets self.eof."""
        left = deadline - time.monotonic()
        if left <= 0 or self.eof:
            return False
        self.s.settimeout(left)
        try:
            d = self.s.recv(65536)
        except socket.timeout:
            return False
        except ConnectionResetError:
            self.eof = self.reset = True
            return True
        if not d:
            self.eof = True
        self.buf += d
        return True

    def line(self, timeout=10):
        """The next line (bytes, CRLF included), or None (EOF or timeout)."""
        deadline = time.monotonic() + timeout * SCALE
        while b"\n" not in self.buf:
            if self.eof or not self.fill(deadline):
                return None
        i = self.buf.index(b"\n") + 1
        line, self.buf = self.buf[:i], self.buf[i:]
        return line

    def reply(self, what, timeout=10):
        """One whole reply, as text (lines joined with "|"); Abort if none."""
        lines = []
        while True:
            ln = self.line(timeout)
            if ln is None:
                got = "|".join(lines) + show(self.buf) if lines or self.buf else "nothing"
                why = "connection closed" if self.eof else "timed out"
                raise Abort("no reply to %s (%s; received %s)" % (what, why, got))
            text = ln.decode("utf-8", "replace").rstrip("\r\n")
            lines.append(text)
            if len(text) < 4 or text[3] != "-":
                return "|".join(lines)

    def expect(self, prefix, what, timeout=10):
        """Abort unless the next reply starts with prefix (a regex)."""
        r = self.reply(what, timeout)
        if not re.match(prefix, r):
            raise Abort("%s: got %s, expected %s" % (what, show(r), prefix))
        return r

    def cmd(self, line, prefix, timeout=10):
        self.send(line + "\r\n")
        return self.expect(prefix, show(line, 60), timeout)

    def collect(self, quiet, first=10):
        """Everything the server sends until it stays quiet for `quiet` s
        (`first` s for the first byte), or EOF; at most 60 s."""
        end = time.monotonic() + 60 * SCALE
        deadline = time.monotonic() + first * SCALE
        got = len(self.buf)
        while not self.eof and time.monotonic() < end:
            if not self.fill(deadline):
                break
            if len(self.buf) > got:
                got = len(self.buf)
                deadline = time.monotonic() + quiet * SCALE
        data, self.buf = self.buf, b""
        return data

    def wait_eof(self, timeout=5):
        """True when the server closes within timeout (whatever came first
        stays in self.buf)."""
        deadline = time.monotonic() + timeout * SCALE
        while not self.eof:
            if not self.fill(deadline):
                return False
        return True


def replies_of(data):
    """The replies in raw bytes: a list of texts ("250 ...|..."), and the
    bytes of an unfinished last line if any."""
    out, cur = [], []
    lines = data.split(b"\n")
    rest = lines.pop()
    for ln in lines:
        text = ln.decode("utf-8", "replace").rstrip("\r")
        cur.append(text)
        if len(text) < 4 or text[3] != "-":
            out.append("|".join(cur))
            cur = []
    return out, rest


def session_start(port, ehlo="hostile.example.test"):
    c = Conn(port)
    c.expect("220 ", "the greeting")
    c.cmd("EHLO " + ehlo, "250")
    return c


def alive(port, label="after the attack"):
    """A fresh client completes a whole session."""
    try:
        c = session_start(port, "alive.example.test")
        c.cmd("MAIL FROM:<alive@example.test>", "250 ")
        c.cmd("RCPT TO:<bob@example.test>", "250 ")
        c.cmd("DATA", "354 ")
        c.send("Subject: alive\r\n\r\nstill serving\r\n.\r\n")
        c.expect("250 ", "the end of the data")
        c.cmd("QUIT", "221 ")
        c.close()
    except (Abort, OSError) as e:
        check(False, "%s, a fresh client completes a session: %s" % (label, e))
        return False
    return check(True, "%s, a fresh client completes EHLO/MAIL/RCPT/DATA/QUIT" % label)


# ---- what the server reports: /proc and the status file ----

def proc_kb(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for ln in f:
            if ln.startswith(key + ":"):
                return int(ln.split()[1])
    raise Abort("no %s in /proc/%d/status" % (key, pid))


def reset_peak(pid):
    """Resets VmHWM to the current RSS (Linux 4.0+); False if it cannot."""
    try:
        with open("/proc/%d/clear_refs" % pid, "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


class Memory:
    """The server's peak RSS during an attack, over its RSS before it."""

    def __init__(self, pid):
        self.pid = pid
        self.reset = pid and reset_peak(pid)
        self.before = pid and proc_kb(pid, "VmRSS")

    def check(self, bound_mb, what):
        if not self.pid:
            return
        peak = proc_kb(self.pid, "VmHWM")
        grew = (peak - self.before) / 1024
        note = "" if self.reset else " (VmHWM not reset: the peak since the start)"
        check(grew < bound_mb, "%s: the server's peak RSS %.1f MB, %.1f MB over its %.1f MB "
              "before (bound: %g MB)%s" % (what, peak / 1024, grew, self.before / 1024,
                                           bound_mb, note))


def status(path):
    """The status file of tests/scenarios/attacked_server.lua, as a dict."""
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        return None
    return dict(kv.split("=", 1) for kv in text.split())


def count_of(st, on_message):
    """How many messages the server has accepted (taken, with on_message)."""
    if on_message:
        return int(st["taken"])
    if st["accepted"] != "nil":
        return int(st["accepted"])
    return int(st["stored"])     # a server role that does not count


def wait_status(path, pred, timeout=3):
    """The status once pred(status) holds, or the last one after timeout."""
    deadline = time.monotonic() + timeout * SCALE
    while True:
        st = status(path)
        if st is not None and pred(st):
            return st
        if time.monotonic() >= deadline:
            return st
        time.sleep(0.05)


def transcript_from(path, offset):
    """The transcript from offset, without the session tags ("[3] ") that
    lines carry while several sessions are open at once."""
    with open(path, "rb") as f:
        f.seek(offset)
        return re.sub(rb"(?m)^\[\d+\] ", b"", f.read())


def size_of(path):
    return os.path.getsize(path) if path else 0


# ---- the attacks ----

def attack_exhaust(a):
    """Descriptor exhaustion: the server runs under a low `ulimit -n`;
    a.conns connections are opened and held: the server notes it backs off
    (once while the episode lasts), then serves again once they close."""
    port = a.port
    note = re.compile(rb"^=== accept on 127\.0\.0\.1 port %d: Too many open files; "
                      rb"backing off$" % port, re.M)
    start = size_of(a.transcript)
    socks = []
    for _ in range(a.conns):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex((HOST, port))
        socks.append(s)
    # Greetings from the sessions the server could open.
    deadline = time.monotonic() + 1.5 * SCALE
    greeted = set()
    while time.monotonic() < deadline and len(greeted) < len(socks):
        for i, s in enumerate(socks):
            if i in greeted:
                continue
            try:
                if s.recv(4096).startswith(b"220"):
                    greeted.add(i)
            except OSError:
                pass
        time.sleep(0.1)
    print("%d of %d connections greeted with 220" % (len(greeted), len(socks)))
    deadline = time.monotonic() + 5 * SCALE
    seen = []
    while time.monotonic() < deadline:
        seen = note.findall(transcript_from(a.transcript, start))
        if seen:
            break
        time.sleep(0.1)
    check(len(seen) >= 1, "the transcript notes \"=== accept on 127.0.0.1 port %d: Too many "
          "open files; backing off\" (%d greeted)" % (port, len(greeted)))
    # The episode lasts while the connections are held: the server retries
    # (10 ms doubling to 1 s) without noting it again.
    time.sleep(2.5)
    seen = note.findall(transcript_from(a.transcript, start))
    check(len(seen) == 1, "the note is written once during the episode (%d times after 2.5 s "
          "of retries)" % len(seen))
    for s in socks:
        s.close()
    # Served again: the first greeting may wait for the end of a back-off (1 s).
    deadline = time.monotonic() + 10 * SCALE
    served = False
    while not served and time.monotonic() < deadline:
        try:
            c = Conn(a.port, timeout=3)
            served = (c.line(3) or b"").startswith(b"220")
            c.close()
        except ConnectionRefusedError:
            break               # nothing listens any more
        except OSError:
            pass
        if not served:
            time.sleep(0.2)
    check(served, "a new connection gets a 220 after the flood ends")
    total = len(note.findall(transcript_from(a.transcript, start)))
    print("back-off notes in the transcript after the flood: %d" % total)


def attack_sessions(a):
    """a.conns connections against max_sessions = a.max: exactly a.max get
    220 (held open), every other one gets exactly "421 4.3.2 Too many
    connections" and then EOF; once they close, a new client is served."""
    refusal = b"421 4.3.2 Too many connections\r\n"
    held, refused, other = [], 0, []
    for first in range(0, a.conns, 100):
        batch = []
        for _ in range(first, min(a.conns, first + 100)):
            try:
                batch.append(Conn(a.port, timeout=5))
            except OSError as e:
                other.append("connect: %s" % e)
        for c in batch:
            ln = c.line(5)
            if ln is not None and ln.startswith(b"220"):
                held.append(c)
                continue
            if ln == refusal and c.wait_eof(5) and c.buf == b"":
                refused += 1
            else:
                other.append("%s then %s%s" % (show(ln), show(c.buf),
                                               ", EOF" if c.eof else ", no EOF"))
            c.close()
    print("%d greeted, %d refused, %d other" % (len(held), refused, len(other)))
    check(len(held) == a.max, "exactly max_sessions=%d of %d connections get a 220 (got %d)"
          % (a.max, a.conns, len(held)))
    check(refused == a.conns - a.max, "the other %d get \"421 4.3.2 Too many connections\" "
          "and EOF (got %d)" % (a.conns - a.max, refused))
    check(not other, "no other answer (got %d: %s)" % (len(other), "; ".join(other[:3])))
    for c in held:
        c.close()
    # The server sees the held sessions end: a new client gets 220 soon.
    deadline = time.monotonic() + 5 * SCALE
    got = None
    while time.monotonic() < deadline:
        c = Conn(a.port)
        got = c.line(5)
        c.close()
        if got is not None and got.startswith(b"220"):
            break
        time.sleep(0.05)
    check(got is not None and got.startswith(b"220"), "once they close, a new client gets "
          "220 (last answer: %s)" % show(got))


def trickle(c, bound, every, piece):
    """Sends piece(i) every `every` s until the server answers or closes, or
    `bound` s pass; returns the seconds it took."""
    t0 = time.monotonic()
    i = 0
    while time.monotonic() - t0 < bound and not c.eof and b"\n" not in c.buf:
        try:
            c.s.sendall(piece(i))
        except OSError:
            pass
        i += 1
        c.fill(time.monotonic() + every)
    return time.monotonic() - t0


def slow_command(a, out):
    """Trickles "NOOP" one byte every 0.3 s, never a CRLF."""
    c = Conn(a.port)
    c.expect("220 ", "the greeting")
    secs = trickle(c, (a.command_timeout + 7) * SCALE, 0.3, lambda i: b"NOOP"[i % 4:i % 4 + 1])
    out["command"] = (secs, c)


def slow_data(a, out):
    """Complete DATA lines, one every 0.2 s, for ever."""
    c = session_start(a.port)
    c.cmd("MAIL FROM:<slow@example.test>", "250 ")
    c.cmd("RCPT TO:<bob@example.test>", "250 ")
    c.cmd("DATA", "354 ")
    secs = trickle(c, (a.data_timeout + 6) * SCALE, 0.2,
                   lambda i: b"line %d of a message that never ends\r\n" % i)
    out["data"] = (secs, c)


def attack_slowloris(a):
    """Slowloris per command (command_timeout) and per DATA (data_timeout):
    421 4.4.2 and closed within generous bounds, never before the timeout;
    meanwhile another client is served."""
    out = {}
    errors = []

    def run(f):
        try:
            f(a, out)
        except (Abort, OSError) as e:
            errors.append("%s: %s" % (f.__name__, e))

    threads = [threading.Thread(target=run, args=(f,)) for f in (slow_command, slow_data)]
    for t in threads:
        t.start()
    time.sleep(0.5)
    alive(a.port, "while two clients trickle")
    for t in threads:
        t.join()
    for e in errors:
        check(False, e)
    want = re.compile(r"^421 4\.4\.2 \S+ Error: timeout exceeded\r\n$")
    for kind, timeout in (("command", a.command_timeout), ("data", a.data_timeout)):
        if kind not in out:
            continue
        secs, c = out[kind]
        reply = c.buf.decode("utf-8", "replace")
        if not c.eof and b"\n" in c.buf:
            c.buf = c.buf[c.buf.index(b"\n") + 1:]
            closed = c.wait_eof(5)
        else:
            closed = c.eof
        line = reply.split("\n")[0] + "\n" if "\n" in reply else reply
        check(want.match(line), "slowloris per %s (%s_timeout=%g): \"421 4.4.2 <hostname> "
              "Error: timeout exceeded\" (got %s after %.1f s)" % (kind, kind, timeout,
                                                                   show(reply), secs))
        bound = (timeout + (5 if kind == "command" else 4)) * SCALE
        check(timeout * 0.9 <= secs < bound, "slowloris per %s: the reply after %.1f s "
              "(between %g and %g s)" % (kind, secs, timeout * 0.9, bound))
        check(closed, "slowloris per %s: the connection closed after the 421" % kind)
        c.close()


def attack_bigdata(a):
    """A DATA of a.mb MB against max_size: 552 5.3.4 at its end, the
    session goes on, peak RSS near the cap, the transcript a summary.
    Before it, MAIL FROM SIZE= over max_size: 552 5.3.4."""
    mem = Memory(a.pid)
    start = size_of(a.transcript)
    c = session_start(a.port)
    r = c.cmd("MAIL FROM:<big@example.test> SIZE=%d" % (a.max_size * 2), r"\d")
    check(r.startswith("552 5.3.4"), "MAIL FROM SIZE=%d over max_size=%d: 552 5.3.4 (got %s)"
          % (a.max_size * 2, a.max_size, show(r)))
    if r.startswith("2"):
        c.cmd("RSET", "250 ")
    c.cmd("MAIL FROM:<big@example.test>", "250 ")
    c.cmd("RCPT TO:<bob@example.test>", "250 ")
    c.cmd("DATA", "354 ")
    nlines = a.mb * 1000
    chunk = (b"x" * 998 + b"\r\n") * 1000
    head = b"Subject: big\r\n\r\n"
    c.send(head)
    t0 = time.monotonic()
    for _ in range(nlines // 1000):
        c.send(chunk)
    c.send(b".\r\n")
    r = c.reply("the end of %d MB of data" % a.mb, timeout=60)
    print("%d MB sent and answered in %.1f s" % (a.mb, time.monotonic() - t0))
    check(r.startswith("552 5.3.4"), "%d MB of DATA over max_size=%d: 552 5.3.4 (got %s)"
          % (a.mb, a.max_size, show(r)))
    c.cmd("NOOP", "250 ")
    ok("the session goes on after the 552 (NOOP: 250)")
    c.cmd("QUIT", "221 ")
    c.close()
    mem.check(a.rss_mb, "%d MB of DATA" % a.mb)
    if not a.transcript:
        return
    tr = transcript_from(a.transcript, start)
    check(len(tr) < 2 * 1024 * 1024, "the transcript grew by %d bytes for %d MB of DATA "
          "(bound: 2 MB)" % (len(tr), a.mb))
    m = re.search(rb"^=== \[message: (\d+) lines, (\d+) bytes\]", tr, re.M)
    lines = nlines + 2
    with_crlf = len(head) + nlines * 1000
    without = with_crlf - 2 * lines
    check(m and int(m.group(1)) == lines and int(m.group(2)) in (with_crlf, without),
          "the transcript summarises the message: \"=== [message: %d lines, %d bytes]\" "
          "(or %d bytes without line ends; got %s)"
          % (lines, with_crlf, without, show(m.group(0)) if m else "none"))


def attack_many(a):
    """a.count messages in one session, pipelined, against keep_messages:
    every one gets 250; the server keeps a.keep and counts the rest
    (status file); memory stays bounded."""
    before = status(a.status) if a.status else None
    mem = Memory(a.pid)
    c = session_start(a.port)
    line = b"y" * 998 + b"\r\n"
    body = line * (a.size // 1000)
    msgs = [b"MAIL FROM:<many@example.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n"
            b"Subject: %d\r\n\r\n%s.\r\n" % (i, body) for i in range(a.count)]
    errors = []

    def writer():
        try:
            for i in range(0, a.count, 10):
                c.s.sendall(b"".join(msgs[i:i + 10]))
        except OSError as e:
            errors.append(str(e))

    c.s.settimeout(30 * SCALE)
    t = threading.Thread(target=writer)
    t.start()
    t0 = time.monotonic()
    queued = 0
    try:
        for i in range(a.count):
            for what, want in (("MAIL", "250 "), ("RCPT", "250 "), ("DATA", "354 "),
                               ("the end of the data", "250 ")):
                c.expect(want, "%s of message %d" % (what, i + 1), timeout=30)
            queued += 1
    finally:
        t.join()
    print("%d messages in %.1f s" % (queued, time.monotonic() - t0))
    check(queued == a.count and not errors, "%d pipelined messages of %d bytes: each "
          "250 (%s)" % (a.count, len(msgs[0]), "; ".join(errors) or "no send error"))
    c.cmd("QUIT", "221 ")
    c.close()
    mem.check(a.rss_mb, "%d messages (keep_messages=%d)" % (a.count, a.keep))
    if before is None:
        return
    acc0 = int(before["accepted"]) if before["accepted"] != "nil" else None
    st = wait_status(a.status, lambda s: s["accepted"] != "nil" and acc0 is not None and
                     int(s["accepted"]) >= acc0 + a.count)
    check(acc0 is not None and st["accepted"] == str(acc0 + a.count),
          "srv.accepted counts all %d (before: %s, after: %s)"
          % (a.count, before["accepted"], st["accepted"]))
    total = int(st["accepted"]) if st["accepted"] != "nil" else None
    check(total is not None and st["stored"] == str(min(a.keep, total)),
          "srv.messages keeps keep_messages=%d (has %s of %s)"
          % (a.keep, st["stored"], st["accepted"]))
    check(total is not None and st["dropped"] == str(total - min(a.keep, total)),
          "srv.dropped counts the rest (%s of %s accepted)" % (st["dropped"], st["accepted"]))


# The SMTP smuggling variants (SEC Consult, December 2023): what might end
# the data for a server that is lax about line endings.
SMUGGLE = [
    ("\\n.\\n", b"\n.\n"),
    ("\\n.\\r\\n", b"\n.\r\n"),
    ("\\r\\n.\\n", b"\r\n.\n"),
    ("\\r.\\r\\n", b"\r.\r\n"),
    ("\\r\\n.\\r", b"\r\n.\r"),
    ("\\r.\\n", b"\r.\n"),
    ("\\n.\\r", b"\n.\r"),
    ("\\r.\\r", b"\r.\r"),
    ("\\r\\n\\x00.\\r\\n", b"\r\n\x00.\r\n"),
]
SMUGGLED = (b"MAIL FROM:<admin@example.test>\r\nRCPT TO:<victim@example.test>\r\n"
            b"DATA\r\nSubject: smuggled\r\n\r\nsmuggled body\r\n.\r\n")


def attack_smuggle(a):
    """Each smuggling variant inside one DATA, a smuggled MAIL/RCPT/DATA and
    body after it, then the real CRLF.CRLF: exactly one reply (250, or
    550 5.5.2 with strict_line_endings for a bare CR or LF), exactly one
    message more on the server, with bare_lf set; QUIT then gets 221."""
    for name, seq in SMUGGLE:
        bare = b"\x00" not in seq
        before = status(a.status) if a.status else None
        c = session_start(a.port)
        c.cmd("MAIL FROM:<sender@example.test>", "250 ")
        c.cmd("RCPT TO:<bob@example.test>", "250 ")
        c.cmd("DATA", "354 ")
        c.send(b"Subject: smuggling " + name.encode() + b"\r\n\r\nhello" + seq + SMUGGLED)
        got, rest = replies_of(c.collect(quiet=0.5))
        if a.strict and bare:
            want = r"^550 5\.5\.2 Error: bare <CR> or <LF> received$"
        else:
            want = r"^250 "
        check(len(got) == 1 and re.match(want, got[0]) and not rest,
              "%s: one reply, %s (got %d: %s)" % (name, want, len(got), " / ".join(got)
                                                  + (" " + show(rest) if rest else "")))
        try:
            c.cmd("QUIT", "221 ")
        except (Abort, OSError) as e:
            check(False, "%s: QUIT after it: %s" % (name, e))
        c.close()
        if before is None:
            continue
        n0 = count_of(before, a.on_message)
        want_n = n0 + (0 if a.strict and bare else 1)
        st = wait_status(a.status, lambda s: count_of(s, a.on_message) >= want_n)
        time.sleep(0.2)
        st = status(a.status)
        check(count_of(st, a.on_message) == want_n, "%s: the server %s (%d before, %d after)"
              % (name, "took none" if a.strict and bare else "got exactly one message",
                 n0, count_of(st, a.on_message)))
        if want_n > n0:
            check(st["bare_lf"] == ("true" if bare else "false"), "%s: the message's bare_lf "
                  "is %s (got %s)" % (name, str(bare).lower(), st["bare_lf"]))
    if a.strict:
        c = session_start(a.port)
        c.send(b"NOOP\n")
        got, rest = replies_of(c.collect(quiet=0.5))
        check(len(got) == 1 and got[0] == "500 5.5.2 Error: bare <CR> or <LF> received",
              "strict_line_endings: a command ended by a bare LF gets \"500 5.5.2 Error: "
              "bare <CR> or <LF> received\" (got %s)" % (" / ".join(got) or show(rest)))
        c.close()


def attack_authtab(a):
    """AUTH PLAIN with the initial response after a TAB or several spaces:
    235, and neither the response nor the password in the transcript."""
    blob = base64.b64encode(b"\0" + USER.encode() + b"\0" + a.password.encode()).decode()
    start = size_of(a.transcript)
    for name, sep in (("a space", " "), ("a TAB", "\t"), ("three spaces", "   "),
                      ("space TAB space", " \t ")):
        c = session_start(a.port)
        r = c.cmd("AUTH PLAIN" + sep + blob, r"\d")
        check(r.startswith("235 "), "AUTH PLAIN, initial response after %s: 235 (got %s)"
              % (name, show(r)))
        c.cmd("QUIT", "221 ")
        c.close()
    if not a.transcript:
        return
    tr = transcript_from(a.transcript, start)
    check(blob.encode() not in tr, "the base64 initial response is not in the transcript")
    check(a.password.encode() not in tr, "the password is not in the transcript")
    shown = re.findall(rb"^<-  AUTH PLAIN.*$", tr, re.M)
    check(len(shown) == 4 and all(b"redacted" in s for s in shown),
          "each AUTH PLAIN line is recorded redacted (%s)" % show(b" / ".join(shown), 400))


def attack_lines(a):
    """A 200 KB line: "500 5.5.2 Line too long", then closed. NUL bytes in
    commands: 501 5.5.2 and the session goes on."""
    start = size_of(a.transcript)
    c = session_start(a.port)
    try:
        c.send(b"NOOP " + b"x" * 200000 + b"\r\n")
    except OSError as e:
        print("sending the long line: %s (the server may close first)" % e)
    data = c.collect(quiet=2, first=10)
    got, rest = replies_of(data)
    check(got[:1] == ["500 5.5.2 Line too long"], "a 200 KB line: \"500 5.5.2 Line too long\" "
          "(got %s%s)" % (" / ".join(got) or "nothing", ", reset" if c.reset else ""))
    check(c.eof and len(got) <= 1 and not rest, "then the connection is closed (%s, %d "
          "replies)" % ("EOF" if c.eof else "still open", len(got)))
    c.close()
    c = session_start(a.port)
    for line in (b"MAIL FROM:<a\x00b@example.test>", b"NO\x00OP"):
        c.send(line + b"\r\n")
        r = c.reply(show(line))
        check(r.startswith("501 5.5.2"), "%s: 501 5.5.2 (got %s)" % (show(line), show(r)))
        c.cmd("NOOP", "250 ")
        ok("the session goes on (NOOP: 250)")
    c.cmd("RSET", "250 ")
    c.cmd("MAIL FROM:<a@example.test>", "250 ")
    c.send(b"RCPT TO:<b\x00c@example.test>\r\n")
    r = c.reply("RCPT with a NUL")
    check(r.startswith("501 5.5.2"), "RCPT TO:<b\\x00c@...>: 501 5.5.2 (got %s)" % show(r))
    c.cmd("RCPT TO:<bob@example.test>", "250 ")
    c.cmd("QUIT", "221 ")
    c.close()
    if a.transcript:
        tr = transcript_from(a.transcript, start)
        try:
            tr.decode("utf-8")
            utf8 = True
        except UnicodeDecodeError:
            utf8 = False
        check(utf8 and b"\x00" not in tr, "the transcript is UTF-8, the NUL bytes escaped")


def b64(s):
    return base64.b64encode(s.encode()).decode()


def scram_final(cfirst_bare, sfirst, password):
    """RFC 5802: the client-final-message and the server signature expected."""
    attrs = dict(kv.split("=", 1) for kv in sfirst.split(","))
    salt, iters = base64.b64decode(attrs["s"]), int(attrs["i"])
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iters)
    ckey = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored = hashlib.sha256(ckey).digest()
    without = "c=biws,r=" + attrs["r"]
    authmsg = ",".join((cfirst_bare, sfirst, without)).encode()
    sig = hmac.new(stored, authmsg, hashlib.sha256).digest()
    proof = bytes(x ^ y for x, y in zip(ckey, sig))
    skey = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    ssig = hmac.new(skey, authmsg, hashlib.sha256).digest()
    return (without + ",p=" + base64.b64encode(proof).decode(),
            "v=" + base64.b64encode(ssig).decode(), iters)


def attack_scram(a):
    """Malformed SCRAM-SHA-256: a 300-byte client nonce, garbage base64,
    garbage messages: 501 and the session goes on; then a real login."""
    long_first = "n,,n=%s,r=%s" % (USER, "A" * 300)
    cases = [
        ("a 300-byte nonce, initial response", [("AUTH SCRAM-SHA-256 " + b64(long_first),
                                                  "501 5.5.2")]),
        ("a 300-byte nonce, after the 334", [("AUTH SCRAM-SHA-256", "334"),
                                              (b64(long_first), "501 5.5.2")]),
        ("garbage base64, initial response", [("AUTH SCRAM-SHA-256 %%%not*base64%%%",
                                                "501")]),
        ("garbage base64, after the 334", [("AUTH SCRAM-SHA-256", "334"),
                                            ("!!!!", "501")]),
        ("a client-first without attributes", [("AUTH SCRAM-SHA-256 " + b64("n,,garbage"),
                                                 "501 5.5.2")]),
        ("a malformed client-final", [("AUTH SCRAM-SHA-256 " + b64("n,,n=%s,r=abcdefghijkl"
                                                                   % USER), "334"),
                                       (b64("no attributes here"), "501 5.5.2")]),
    ]
    for name, steps in cases:
        try:
            c = session_start(a.port)
            for line, want in steps:
                r = c.cmd(line, r"\d")
                if not r.startswith(want):
                    break
            check(r.startswith(want), "SCRAM, %s: %s (got %s)" % (name, want, show(r)))
            c.cmd("NOOP", "250 ")
            ok("SCRAM, %s: the session goes on (NOOP: 250)" % name)
            c.cmd("QUIT", "221 ")
            c.close()
        except (Abort, OSError) as e:
            check(False, "SCRAM, %s: %s" % (name, e))
        alive(a.port, "after SCRAM, %s" % name)
    # A real login still works, with an iteration count within the cap.
    c = session_start(a.port)
    bare = "n=%s,r=%s" % (USER, base64.b64encode(os.urandom(18)).decode())
    r = c.cmd("AUTH SCRAM-SHA-256 " + b64("n,," + bare), "334 ")
    sfirst = base64.b64decode(r[4:]).decode()
    final, want_v, iters = scram_final(bare, sfirst, a.password)
    check(iters <= 100000, "SCRAM: the iteration count offered, %d, is at most 100000" % iters)
    r = c.cmd(b64(final), "334 ")
    check(base64.b64decode(r[4:]).decode() == want_v, "SCRAM: the server's signature verifies")
    c.cmd("", "235 ")
    ok("SCRAM-SHA-256 login: 235")
    c.cmd("QUIT", "221 ")
    c.close()


def attack_alive(a):
    """Nothing: only the fresh client's session that ends every attack."""


ATTACKS = {
    "exhaust": attack_exhaust, "sessions": attack_sessions, "slowloris": attack_slowloris,
    "bigdata": attack_bigdata, "many": attack_many, "smuggle": attack_smuggle,
    "authtab": attack_authtab, "lines": attack_lines, "scram": attack_scram,
    "alive": attack_alive,
}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("attack", choices=sorted(ATTACKS))
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--pid", type=int, default=0, help="the server's (for /proc)")
    p.add_argument("--transcript", help="the server's -T file")
    p.add_argument("--status", help="attacked_server.lua's status file")
    p.add_argument("--password", default="secret", help="alice@example.test's")
    p.add_argument("--conns", type=int, default=200)
    p.add_argument("--max", type=int, default=50, help="max_sessions")
    p.add_argument("--command-timeout", type=float, default=1)
    p.add_argument("--data-timeout", type=float, default=2)
    p.add_argument("--max-size", type=int, default=1000000)
    p.add_argument("--mb", type=int, default=50, help="the big DATA's size")
    p.add_argument("--count", type=int, default=1000, help="messages")
    p.add_argument("--size", type=int, default=20000, help="each message's bytes")
    p.add_argument("--keep", type=int, default=100, help="keep_messages")
    p.add_argument("--rss-mb", type=float, default=30, help="peak RSS growth bound")
    p.add_argument("--strict", action="store_true", help="strict_line_endings is on")
    p.add_argument("--on-message", action="store_true", help="on_message takes them")
    a = p.parse_args()
    try:
        ATTACKS[a.attack](a)
    except Abort as e:
        check(False, str(e))
    except Exception as e:      # noqa: BLE001 - any failure is the server's answer
        check(False, "%s: %s: %s" % (a.attack, type(e).__name__, e))
    alive(a.port)
    if problems:
        print("%s: %d check(s) failed" % (a.attack, len(problems)))
        for msg in problems:
            print("  - " + msg)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
