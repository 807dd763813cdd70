#!/usr/bin/env bash
# smtpscript files (OpenSMTPD's regression format) run by smtprun against
# its built-in article server: procs and calls, macros (and -D), repeat,
# random, sleep, write/writeln, expect smtp ok|helo|tempfail|permfail,
# expect disconnect, no-autoconnect with connect, starttls, expect fail,
# skip; failures at their lines; syntax errors at line:column.
. "${SRCDIR:?}/tests/integration/lib.sh" || exit 1
need_python

port=$(free_port)
"$SMTPRUN" demo --serve --port "$port" >"$T/demo.out" 2>&1 &
FAKE_PID=$!
for _ in $(seq 100); do grep -q "^listening" "$T/demo.out" && break; sleep 0.05; done
dir="$SRCDIR/tests/scenarios/smtpscript"

run run --server "127.0.0.1:$port" -D port="$port" --transcript "$T/tr/" "$dir/session.smtp"
expect_rc 0
expect_out "PASS  $dir/session.smtp: plain session"
expect_out "PASS  $dir/session.smtp: relay refused"
expect_out "PASS  $dir/session.smtp: random and sleep"
expect_out "PASS  $dir/session.smtp: known to fail"
expect_out "SKIP  $dir/session.smtp: not today"
expect_out "PASS  $dir/session.smtp: starttls by hand"
expect_out "6 cases in 1 file: 5 passed, 0 failed, 0 errors, 1 skipped"
tr() { ls "$T/tr/"*"--$1.log"; }
expect_lines "$(tr plain_session)" " -> EHLO smtpscript.example.test" " -> DATA" \
    " -> .a line that starts with a dot, stuffed by hand" " -> ." "<-  250 2.0.0 Ok: queued" \
    " -> QUIT" "=== Connection closed by remote host."
expect_lines "$(tr relay_refused)" "<-  554 5.7.1 <someone@example.net>" \
    "<-  554 5.7.1 <someone@example.net>" "<-  554 5.7.1 <someone@example.net>"
expect_lines "$(tr random_and_sleep)" " -> NO   (no line end)" " -> OP"
expect_lines "$(tr starttls_by_hand)" " -> STARTTLS" "<-  220 2.0.0 Ready to start TLS" \
    "=== certificate verification off (verify=false)" "=== TLS started: " " ~> EHLO after.tls"
expect_in "$(tr known_to_fail)" "=== failed as expected: "

# Failures, at their lines.
run run --server "127.0.0.1:$port" "$dir/failing.smtp"; expect_rc 1
expect_out "FAIL  $dir/failing.smtp: wrong expectation"
expect_out "failing.smtp:5: expected 4xx, got 250 mail.example.test (+"
expect_out "failing.smtp:11: single line response expected, got "
expect_out "FAIL  $dir/failing.smtp: should have failed"
expect_out "failing.smtp:14: should have failed (test-case expect fail)"

# Syntax errors at line:column; the other files of the run still run.
run run --server "127.0.0.1:$port" -D port="$port" "$dir/broken.smtp" "$dir/session.smtp"
expect_rc 2
expect_out "broken.smtp:4:9: expected smtp or disconnect after expect, got \"smpt\""
expect_out "7 cases in 2 files: 5 passed, 0 failed, 1 error, 1 skipped"
cd "$T"
printf 'test-case {\n\tcall nowhere\n}\n' >undef.smtp
printf 'test-case {\n\twriteln "EHLO x\n' >quote.smtp
printf 'test-case {\n\twriteln $nope\n}\n' >macro.smtp
printf 'proc p {\n\tcall p\n}\n' >recurse.smtp
printf 'test-case {\n\tsleep soon\n}\n' >sleep.smtp
run run undef.smtp; expect_rc 2; expect_out 'undef.smtp:2:7: call to undefined proc "nowhere"'
run run quote.smtp; expect_rc 2; expect_out "quote.smtp:2:10: end of file inside a quoted string"
run run macro.smtp; expect_rc 2; expect_out "macro.smtp:2:10: macro 'nope' not defined"
run run recurse.smtp; expect_rc 2; expect_out 'recurse.smtp:2:7: recursive call to proc "p"'
run run sleep.smtp; expect_rc 2; expect_out 'sleep.smtp:2:8: expected a duration after sleep, got "soon"'
# An unnamed case is named after its place; --list knows it.
printf 'test-case {\n\texpect smtp ok\n}\n' >unnamed.smtp
run run --list unnamed.smtp; expect_rc 0
expect_out "unnamed.smtp: <unnamed.smtp:1>"
exit 0
