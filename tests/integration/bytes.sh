#!/usr/bin/env bash
# Bytes shown as text (issue 9, defects 2, 6, 9, 10): a server that replies
# invalid UTF-8, C1 and C0 controls; every place that shows them (the
# transcript file, -v, the human lines, TAP, JUnit, JSON) is valid UTF-8
# without control codes, each such byte a \xNN, and every report parses.
# A failure outside test() carries its details in JSON and TAP as one
# inside does. A certificate's names and an XOAUTH2 error are peer text too.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${SRCDIR:?}/tests/integration/lib.sh" || exit 1
need_python
command -v xmllint >/dev/null || { echo "skipped: no xmllint"; exit 77; }
command -v perl >/dev/null || { echo "skipped: no perl"; exit 77; }

# text FILE...: each file is valid UTF-8 with no control codes but line
# ends and tabs (no ESC, no C1, no NUL): safe on a terminal, fit for XML.
text() {
	python3 - "$@" <<'PY' || fail "not text: $*"
import re, sys
for name in sys.argv[1:]:
    raw = open(name, "rb").read()
    try:
        s = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        sys.exit(f"{name}: not UTF-8: {e}")
    bad = re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff]", s)
    if bad:
        sys.exit(f"{name}: control code {bad.group()!r} at {bad.start()}")
PY
}

# tap FILE: read by TAP::Parser (Perl's own, which prove uses): no parse
# errors, and each YAML block well-formed; prints the blocks as JSON.
tap() {
	perl -MTAP::Parser -MJSON::PP -e '
		open my $f, "<:raw", $ARGV[0] or die; local $/; my $t = <$f>;
		my $p = TAP::Parser->new({ tap => $t });
		my @y;
		while (my $r = $p->next) {
			push @y, $r->data if $r->is_yaml;
		}
		die join("\n", "TAP parse errors:", $p->parse_errors), "\n" if $p->parse_errors;
		print JSON::PP->new->canonical->encode(\@y), "\n";
	' "$1" >"$T/tap.json" 2>"$T/tap.err" || { cat "$T/tap.err" >&2; fail "$1: TAP does not parse"; }
}

# A scenario prologue: replying(greeting, answer), a client session
# greeted (raw) by a one-connection server task, that has sent NOOP, which
# the task answers (raw).
prologue <<'LUA'
function replying(greeting, answer)
  local l = smtp.listen{ quiet = true }
  smtp.spawn(function()
    local c = l:accept{ timeout = 5 }
    c:send_raw(greeting .. "\r\n")
    c:expect_command("^NOOP")
    c:send_raw(answer .. "\r\n")
  end)
  local s = smtp.connect{ host = "127.0.0.1", port = l:port(), timeout = 5 }
  s:expect(220)
  s:send("NOOP")
  return s
end
LUA

# The issue's bytes: \xff\xfe (never UTF-8), \xc3\x28 (cut short),
# \xed\xa0\x80 (a surrogate), \xc0\xaf (overlong), \xc2\x9b (C1 CSI), and
# text that must pass: é, €, an emoji. The failing reply has Latin-1 é and
# an ESC sequence.
s=$(with bytes.lua <<'LUA'
local s = replying("220 hi \xff\xfe \xc3\x28 \xed\xa0\x80 \xc0\xaf \xc2\x9b31m caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa7",
  "550 caf\xe9 \xff\xfe \xc2\x9b2J \x1b[31m red")
s:expect(250)
LUA
)
line=$(lineof "$s" "s:expect(250)")
greeting='220 hi \xff\xfe \xc3( \xed\xa0\x80 \xc0\xaf \xc2\x9b31m café € 📧'
got='550 caf\xe9 \xff\xfe \xc2\x9b2J \x1b[31m red'

# Run several times: a Latin-1 byte once crashed or hung --tap now and then.
for _ in 1 2 3 4 5; do
	run run -v --transcript "$T/t.log" --junit "$T/j.xml" --json "$T/j.json" "$s"
	expect_rc 1
	expect_out "FAIL  $s"
	expect_out "$s:$line: expected 250, got $got (in reply to 'NOOP')"
	expect_err "$greeting"
	expect_in "$T/t.log" "$greeting"
	expect_in "$T/t.log" "$got"
	text "$T/out" "$T/err" "$T/t.log" "$T/j.xml" "$T/j.json"
	xmllint --noout --schema "$SRCDIR/tests/junit.xsd" "$T/j.xml" 2>"$T/xmllint.err" ||
	    { cat "$T/xmllint.err" >&2; fail "j.xml does not validate"; }
	expect_in "$T/j.xml" "$got"
	# JSON Lines; the details of a failure outside test() (defect 6).
	python3 - "$T/j.json" "$s" "$line" "$got" <<'PY' || fail "j.json"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
assert len(recs) == 1, recs
r = recs[0]
path, line, got = sys.argv[2], sys.argv[3], sys.argv[4]
assert r["status"] == "fail" and r["case"] is None, r
assert r["kind"] == "expect" and r["at"] == f"{path}:{line}", r
assert r["expected"] == "250" and r["got"] == got and r["command"] == "'NOOP'", r
PY
	run run --tap=13 "$s"; expect_rc 1
	text "$T/out"
	tap "$T/out"
	python3 - "$T/tap.json" "$s" "$line" "$got" <<'PY' || fail "TAP YAML"
import json, sys
blocks = json.load(open(sys.argv[1]))
path, line, got = sys.argv[2], sys.argv[3], sys.argv[4]
assert len(blocks) == 1, blocks
y = blocks[0]
assert y["severity"] == "fail" and y["kind"] == "expect", y
assert y["at"] == f"{path}:{line}" and y["expected"] == "250", y
assert y["got"] == got and y["command"] == "'NOOP'", y
assert got in y["message"], y
PY
done

# The same failure inside test(): the same details.
s=$(with incase.lua <<'LUA'
test("latin-1", function()
  replying("220 hi", "550 caf\xe9"):expect(250)
end)
LUA
)
run run --json "$T/c.json" --junit "$T/c.xml" "$s"; expect_rc 1
text "$T/out" "$T/c.json" "$T/c.xml"
xmllint --noout --schema "$SRCDIR/tests/junit.xsd" "$T/c.xml" || fail "c.xml does not validate"
python3 - "$T/c.json" <<'PY' || fail "c.json"
import json, sys
r = json.loads(open(sys.argv[1]).readline())
assert r["case"] == "latin-1" and r["kind"] == "expect" and r["got"] == "550 caf\\xe9", r
assert r["expected"] == "250" and r["command"] == "'NOOP'" and r["at"].endswith(":3"), r
PY

# A plain file's own error() and a setup error: their kind (and place), in
# JSON and TAP.
s=$(scenario scripterr.lua <<'LUA'
local x = 1
error("broken \xff here")
LUA
)
run run --json "$T/e.json" --tap=13 "$s"; expect_rc 1
text "$T/out" "$T/e.json"
tap "$T/out"
python3 - "$T/e.json" "$T/tap.json" "$s" <<'PY' || fail "script error details"
import json, sys
r = json.loads(open(sys.argv[1]).readline())
y = json.load(open(sys.argv[2]))[0]
path = sys.argv[3]
for d in (r, y):
    assert d["kind"] == "script", d
    assert d["message"] == f"{path}:2: broken \\xff here", d
PY
s=$(scenario setup.lua <<'LUA'
local v = smtp.need("NOPE")
LUA
)
run run --json "$T/v.json" "$s"; expect_rc 2
python3 - "$T/v.json" "$s" <<'PY' || fail "setup error details"
import json, sys
r = json.loads(open(sys.argv[1]).readline())
assert r["status"] == "error" and r["kind"] == "setup" and r["at"] == sys.argv[2] + ":1", r
PY

# XOAUTH2: the server's error JSON, decoded, with an ESC sequence, a line
# end and a C1 byte, cannot draw on the terminal or forge a PASS line.
s=$(scenario xoauth2.lua <<'LUA'
local l = smtp.listen{ quiet = true }
smtp.spawn(function()
  local c = l:accept{ timeout = 5 }
  c:reply(220, "hi")
  c:expect_command("^AUTH XOAUTH2 ")
  c:reply(334, smtp.b64encode('{"status":"401\x1b[2J\nPASS  forged.lua\xc2\x9b"}'))
  c:read_command()
  c:reply(535, "5.7.8 no")
end)
local s = smtp.connect{ host = "127.0.0.1", port = l:port(), timeout = 5 }
s:greeting()
local ok, err = pcall(s.auth_xoauth2, s, "a@example.test", "tok")
assert(not ok and err.kind == "auth", tostring(err))
assert(not err.message:find("[\0-\31\127]") and not err.message:find("\xc2\x9b", 1, true),
  "raw bytes in the message: " .. err.message)
error(err)
LUA
)
run run -v --json "$T/x.json" "$s"; expect_rc 1
expect_out 'XOAUTH2: {"status":"401\x1b[2J\nPASS  forged.lua\xc2\x9b"}'
text "$T/out" "$T/err" "$T/x.json"
! grep -Eq '^ *(PASS|\*\*\*) +forged' "$T/out" "$T/err" || fail "a forged line"

# A certificate's names are the peer's text: a SAN with an ESC sequence and
# a BEL, a subject with a C1 byte. Shown escaped on the FAIL line, in the
# transcript, and in tls_info (a NUL would otherwise hide the rest).
command -v openssl >/dev/null || { echo "skipped (the rest): no openssl"; exit 0; }
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -keyout "$T/evil.key" -out "$T/evil.crt" -utf8 -subj $'/CN=evil\xc2\x9b31m.test' \
    -addext $'subjectAltName=DNS:mail\x1b[2J.example.test,email:a\x07b@example.test' \
    2>"$T/openssl.err" || { cat "$T/openssl.err" >&2; fail "openssl req"; }
s=$(scenario san.lua <<LUA
local server = require "smtp.server"
local function slurp(name) local f = assert(io.open(name)); local t = f:read("a"); f:close(); return t end
local SRV = server.new{ relay = "open", tls = { cert_pem = slurp("$T/evil.crt"),
                                                key_pem = slurp("$T/evil.key") } }
local l = SRV:listen{ quiet = true }
SRV:start()
local function client()
  local s = smtp.connect{ host = "127.0.0.1", port = l:port(), timeout = 5 }
  s:greeting(); s:ehlo("client.example.test")
  return s
end
local leaf = client():starttls{ verify = false }.chain[1]
assert(leaf.sans == "DNS:mail\\\\x1b[2J.example.test, email:a\\\\x07b@example.test", leaf.sans)
assert(leaf.subject == "CN=evil\\\\xc2\\\\x9b31m.test", leaf.subject)
client():starttls{ cafile = "$T/evil.crt", verify_name = "other.example.test" }
LUA
)
run run -v --transcript "$T/san.log" --junit "$T/san.xml" "$s"; expect_rc 1
expect_out 'the certificate is for DNS:mail\x1b[2J.example.test, email:a\x07b@example.test (subject CN=evil\xc2\x9b31m.test), not other.example.test'
expect_in "$T/san.log" 'peer certificate: subject CN=evil\xc2\x9b31m.test'
text "$T/out" "$T/err" "$T/san.log" "$T/san.xml"
xmllint --noout --schema "$SRCDIR/tests/junit.xsd" "$T/san.xml" || fail "san.xml does not validate"
exit 0
