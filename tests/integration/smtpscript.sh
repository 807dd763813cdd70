#!/usr/bin/env bash
# smtpscript files (OpenSMTPD's regression format, lua/smtp/smtpscript.lua)
# run the way users run them, `smtprun run x.smtp --server ...`, against
# `smtprun serve` on tests/scenarios/smtpscript/server.lua: every statement
# and test-case option, macros (and -D), include, procs and calls, expect
# fail and skip, failures at the file:line of their statement (inside procs
# too, with the calls that led there), errors, syntax errors at line:column
# (the other files of the run still run), --list.
# shellcheck disable=SC2016 # the $ in single quotes below are smtpscript macros
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${SRCDIR:?}/tests/integration/lib.sh" || exit 1
need_python
unset SMTPRUN_SERVER
cd "$T" || exit 1

dir="$SRCDIR/tests/scenarios/smtpscript"
ok="$dir/session.smtp"
bad="$dir/failing.smtp"

serve_bg serve "$dir/server.lua"           # lib.sh's cleanup stops it
port=$SERVE_PORT
S=(--server "127.0.0.1:$port")

# line_in FILE CASE STRING: the line of the first STRING at or after the line
# that names the case (name "CASE").
line_in() {
	WANT_CASE="name \"$2\"" WANT=$3 awk 'index($0, ENVIRON["WANT_CASE"]) { c = 1 }
	    c && index($0, ENVIRON["WANT"]) { print NR; exit }' "$1"
}
# log_of CASE: the transcript of a case of the last run with --transcript.
log_of() { ls "$T/tr/"*"--$1.log"; }

# ---- The passing suite: every statement and option.
run run "${S[@]}" -D port="$port" -D who="VRFY from-the-command-line" \
    --transcript "$T/tr/" "$ok"
expect_rc 0
for c in "plain session" "permfail and tempfail" "any reply" "random, noop, sleep, write" \
    "macros" "starttls by hand" "known to fail"; do
	expect_out "PASS  $ok: $c  ("
done
expect_out "SKIP  $ok: not today"
expect_out "skipped: marked skip at $ok:$(lineof "$ok" 'name "not today"')"
unnamed="<$ok:$(lineof "$ok" 'test-case {')>"
expect_out "PASS  $ok: $unnamed  ("
expect_out "9 cases in 1 file: 8 passed, 0 failed, 0 errors, 1 skipped, 0 known failures"

# A proc from the included file, its macro from the including one; DATA's
# 354 is "ok"; expect disconnect after QUIT.
expect_lines "$(log_of plain_session)" "<-  220 mail.example.test" " -> EHLO smtpscript.example.test" \
    "<-  250 STARTTLS" " -> MAIL FROM:<a@example.test>" " -> RCPT TO:<b@example.test>" \
    " -> DATA" "<-  354 " " -> Subject: from smtpscript" \
    " -> ..a line that starts with a dot, stuffed by hand" " -> ." "<-  250 2.0.0 Ok: queued" \
    " -> QUIT" "<-  221 " "=== Connection closed by remote host."
expect_not_in "$(log_of plain_session)" "***"
# repeat N { block }, repeat N statement (pipelined: two commands, then two replies).
expect_lines "$(log_of permfail_and_tempfail)" "<-  554 5.7.1 <someone@example.net>" \
    "<-  554 5.7.1 <someone@example.net>" "<-  554 5.7.1 <someone@example.net>" \
    " -> RCPT TO:<busy@example.test>" " -> RCPT TO:<busy@example.test>" \
    "<-  451 4.3.0 Try again later" "<-  451 4.3.0 Try again later"
# expect smtp (nothing more): any reply, one line or more.
expect_lines "$(log_of any_reply)" " -> FOO" "<-  502 " " -> EHLO smtpscript.example.test" \
    "<-  250 STARTTLS" " -> VRFY lines" "<-  550-5.1.1 first line" "<-  550 5.1.1 second line"
# random picks one statement and says which; write sends no line end;
# sleep 100 (ms) and $wait (a macro read again as "sleep 10").
expect_lines "$(log_of random__noop__sleep__write)" \
    "=== random at $ok:$(lineof "$ok" 'random {'): statement " " -> NO   (no line end)" " -> OP" \
    "<-  250 2.0.0 Ok"
secs=$(sed -n 's/^PASS .*: random, noop, sleep, write  (\([0-9.]*\) s)$/\1/p' "$T/out")
awk -v s="$secs" 'BEGIN { exit !(s >= 0.11) }' || fail "sleep 100 and sleep 10 took $secs s"
# Macros: a quoted value, -D over the file's definition, no $ inside quotes.
expect_lines "$(log_of macros)" " -> quoted value" " -> VRFY from-the-command-line" \
    " -> \$who is not a macro inside quotes"
expect_not_in "$(log_of macros)" "VRFY nobody"
# no-autoconnect, connect HOST port $port, starttls (no certificate check),
# disconnect, connect again.
expect_lines "$(log_of starttls_by_hand)" "=== Trying 127.0.0.1 port $port" " -> EHLO before.tls" \
    " -> STARTTLS" "<-  220 2.0.0 Ready to start TLS" "=== certificate verification off (verify=false)" \
    "=== TLS started: " " ~> EHLO after.tls" "<~  250 SMTPUTF8" \
    "=== Connection closed with remote host." "=== Trying 127.0.0.1 port $port" "<-  220 "
# expect fail: failing is passing.
expect_in "$(log_of known_to_fail)" "=== failed, as expect fail wants: $ok:$(($(lineof "$ok" 'VRFY postmaster') + 1)): expected one of 2xx, 3xx, got 502 "
[ "$(grep -c . "$(log_of not_today)")" -eq 1 ] || fail "a skip case ran"
expect_lines "$(ls "$T/tr/"*"--_"*"session.smtp_"*"_.log")" " -> NOOP shutdown" "<-  421 " \
    "=== Connection closed by remote host."

# Without -D who, the file's definition; without -D port, no such macro.
run run "${S[@]}" -D port="$port" --transcript "$T/tr2/" --filter macros "$ok"
expect_rc 0
expect_in "$(ls "$T/tr2/"*"--macros.log")" " -> VRFY nobody"
run run "${S[@]}" "$ok"
expect_rc 2
expect_out "ERROR $ok"
expect_out "$ok:$(lineof "$ok" 'port $port'):27: macro 'port' not defined"

# ---- Failures, each at the line of its statement.
closed=$(free_port)
run run "${S[@]}" -t 1 -D closed="$closed" --json "$T/fail.json" "$bad"
expect_rc 2
expect_out "FAIL  $bad: wrong class"
expect_out "$bad:$(line_in "$bad" "wrong class" tempfail): expected 4xx, got 250 mail.example.test (+6 more lines) (in reply to 'EHLO x')"
expect_out "FAIL  $bad: one line wanted"
expect_out "$bad:$(($(line_in "$bad" "one line wanted" EHLO) + 1)): single line response expected, got 250 mail.example.test (+6 more lines) (in reply to 'EHLO x')"
expect_out "FAIL  $bad: a permfail of two lines"
expect_out "$bad:$(line_in "$bad" "a permfail of two lines" "expect smtp permfail"): single line response expected, got 550 5.1.1 first line (+1 more line) (in reply to 'VRFY lines')"
expect_out "FAIL  $bad: a tab in a reply"
expect_out "$bad:$(line_in "$bad" "a tab in a reply" "expect smtp permfail"): non-printable character in reply: 550 \"5.1.1 a\\ttab\""
expect_out "FAIL  $bad: fail statement"
expect_out "$bad:$(line_in "$bad" "fail statement" 'fail "'): the script says so"
expect_out "FAIL  $bad: in a proc"
expect_out "$bad:$(lineof "$bad" 'expect smtp ok'): expected one of 2xx, 3xx, got 451 4.3.0 Try again later (in reply to 'RCPT TO:<busy@example.test>') (in proc \"rcpt-busy\" called at $bad:$(lineof "$bad" 'call rcpt-busy'), in proc \"envelope\" called at $bad:$(lineof "$bad" 'call envelope'))"
expect_out "FAIL  $bad: should have failed"
expect_out "$bad:$(lineof "$bad" 'name "should have failed"'): the case passed, but it is marked expect fail"
expect_out "FAIL  $bad: server stays"
expect_out "$bad:$(line_in "$bad" "server stays" 'expect disconnect'): expected the server to close the connection after the greeting, but it stayed open for 1 s"
expect_out "ERROR $bad: write after disconnect"
expect_out "$bad:$(line_in "$bad" "write after disconnect" QUIT): writeln \"QUIT\": not connected (disconnect at $bad:$(line_in "$bad" "write after disconnect" $'\tdisconnect'))"
expect_out "ERROR $bad: nobody listens"
expect_out "$bad:$(line_in "$bad" "nobody listens" 'connect "'): cannot connect to 127.0.0.1 port $closed: Connection refused"
expect_out "10 cases in 1 file: 0 passed, 8 failed, 2 errors, 0 skipped, 0 known failures"
python3 - "$T/fail.json" "$bad" "$(lineof "$bad" 'expect smtp ok')" <<'PY' || fail "fail.json"
import json, sys
recs = {r["case"]: r for r in map(json.loads, open(sys.argv[1]))}
r = recs["in a proc"]
assert r["status"] == "fail" and r["kind"] == "expect", r
assert r["at"] == "%s:%s" % (sys.argv[2], sys.argv[3]), r
assert r["expected"] == "one of 2xx, 3xx" and r["got"].startswith("451 4.3.0"), r
assert r["command"] == "'RCPT TO:<busy@example.test>'", r
assert recs["write after disconnect"]["status"] == "error", recs
assert recs["server stays"]["kind"] == "timeout", recs
PY
# The transcript of a failure: the reply, then the failure, then the close.
run run "${S[@]}" -D closed="$closed" --transcript "$T/tr3/" --filter "one line" "$bad"
expect_rc 1
expect_lines "$(ls "$T/tr3/"*"--one_line_wanted.log")" "<-  250 STARTTLS" \
    "*** $bad:$(($(line_in "$bad" "one line wanted" EHLO) + 1)): single line response expected" \
    "=== Connection closed with remote host."

# ---- Syntax errors: line:column, before any case runs; the other files
# of the run still run.
run run "${S[@]}" -D port="$port" "$dir/broken.smtp" "$ok"
expect_rc 2
expect_out "ERROR $dir/broken.smtp  ("
expect_out "$dir/broken.smtp:4:9: expected smtp or disconnect after expect, got \"smpt\""
expect_out "10 cases in 2 files: 8 passed, 0 failed, 1 error, 1 skipped"
run run --list "$dir/broken.smtp"
expect_rc 2
expect_err "$dir/broken.smtp:4:9: expected smtp or disconnect after expect"

syntax() {  # syntax NAME TEXT MESSAGE: NAME.smtp holding TEXT fails with MESSAGE
	printf '%b' "$2" >"$1.smtp"
	run run "${S[@]}" "$1.smtp"
	expect_rc 2
	expect_out "ERROR $1.smtp  ("
	expect_out "$1.smtp:$3"
	expect_no_out "PASS"
}
syntax undef 'test-case {\n\tcall nowhere\n}\n' '2:7: call to undefined proc "nowhere"'
syntax later 'test-case {\n\tcall p\n}\nproc p {\n\tnoop\n}\n' '2:7: call to undefined proc "p"'
syntax recurse 'proc p {\n\tcall p\n}\n' '2:7: recursive call to proc "p"'
syntax quote 'test-case {\n\twriteln "EHLO x\n}\n' '2:10: end of file inside a quoted string (it starts here)'
syntax macro 'test-case {\n\twriteln $nope\n}\n' "2:10: macro 'nope' not defined"
syntax keyword 'helo = "x"\n' '1:1: helo is a keyword: it cannot name a macro'
syntax kwname 'test-case {\n\tcall ok\n}\n' '2:7: expected a proc name after call, got the keyword ok (write "ok" to use it as a string)'
syntax sleep 'test-case {\n\tsleep soon\n}\n' '2:8: expected a duration after sleep (milliseconds, or a number and s, m or h), got "soon"'
syntax negative 'test-case {\n\tsleep -5\n}\n' '2:8: invalid duration: -5'
syntax order 'test-case no-autoconnect name "x" {\n}\n' '1:26: test-case options come in this order: name, no-autoconnect, expect fail, skip (name is out of place)'
syntax options 'test-case name "x" (\n' '1:20: expected no-autoconnect, expect fail, skip or {, got "("'
syntax expectfail 'test-case expect {\n}\n' '1:18: expected fail after expect, got "{"'
syntax twice 'proc a {\n}\ntest-case name "a" {\n}\n' '3:16: test-case: a proc or test-case named "a" already exists'
syntax unclosed 'test-case {\n\tnoop\n' '3:1: expected } before the end of the file (the block opened at line 1)'
syntax repeat 'test-case {\n\trepeat 3\n\tnoop\n}\n' '2:10: expected a statement after repeat 3, on the same line'
syntax two 'test-case {\n\tnoop noop\n}\n' '2:7: expected the end of the line or }, got the keyword noop'
syntax smtpwant 'test-case {\n\texpect smtp good\n}\n' '2:14: expected ok, helo, tempfail, permfail or the end of the line after expect smtp, got "good"'
syntax port 'test-case {\n\tconnect "h" port 0\n}\n' '2:19: invalid port: 0'
syntax service 'test-case {\n\tconnect "h" port nosuchservice\n}\n' '2:19: port "nosuchservice" is invalid'
syntax statement 'test-case {\n\tEHLO x\n}\n' '2:2: expected a statement, got "EHLO"'
syntax toplevel '{\n}\n' '1:1: expected proc, test-case, include or NAME = VALUE, got "{"'
syntax include 'include "nothere.inc"\n' '1:9: failed to include file nothere.inc: No such file or directory'
syntax itself 'include "itself.smtp"\n' '1:9: itself.smtp includes itself'
syntax expanded 'm = "expect smpt"\ntest-case {\n\t$m\n}\n' '3:2: expected smtp or disconnect after expect, got "smpt" (in the value of $m)'
syntax expansion 'm = "writeln"\ntest-case {\n\t$m ok\n}\n' '3:5: expected a string after writeln, got the keyword ok'

# ---- include: relative to the including file, and only under its directory
# (not the current directory's, as smtpscript; see data_is_data.sh).
mkdir sub
printf 'proc from-cwd {\n\tnoop\n}\n' >cwd.inc
printf 'proc from-sub {\n\tnoop\n}\n' >sub/here.inc
printf 'include "here.inc"\ntest-case name "both" no-autoconnect {\n\tcall from-sub\n}\n' >sub/inc.smtp
run run sub/inc.smtp
expect_rc 0
expect_out "PASS  sub/inc.smtp: both"
printf 'include "cwd.inc"\n' >sub/cwd.smtp
run run sub/cwd.smtp
expect_rc 2
expect_out "sub/cwd.smtp:1:9: failed to include file sub/cwd.inc: No such file or directory"

# ---- --list names the cases, unnamed ones by their place; nothing connects.
run run --list -D port=1 "$ok"
expect_rc 0
expect_out "$ok: plain session"
expect_out "$ok: not today"
expect_out "$ok: $unnamed"
[ "$(grep -c . "$T/out")" -eq 9 ] || fail "--list: not 9 cases"

# ---- A case connects before its first statement: to --server, else nowhere.
printf 'test-case name "greeting" {\n\texpect smtp ok\n}\n' >auto.smtp
run run auto.smtp
expect_rc 2
expect_out "auto.smtp:1: no server to connect to"
run run "${S[@]}" auto.smtp
expect_rc 0
expect_out "PASS  auto.smtp: greeting"
exit 0
