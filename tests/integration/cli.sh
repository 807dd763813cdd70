#!/usr/bin/env bash
# The command line: help, version, usage errors, and the b64 subcommand.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${SRCDIR:?}/tests/integration/lib.sh" || exit 1

# The binary is where the README's quick start runs it: build/smtprun.
[ "$SMTPRUN" -ef "${BUILD_DIR:?}/smtprun" ] ||
	fail "the binary under test is $SMTPRUN, not \$BUILD_DIR/smtprun"

run --help; expect_rc 0; expect_out "usage: smtprun COMMAND"
run --version; expect_rc 0; expect_out "smtprun "
run; expect_rc 2; expect_err "usage: smtprun"
run frobnicate; expect_rc 2; expect_err 'unknown command "frobnicate"'
run run --help; expect_rc 0; expect_out "--transcript PATH"
run run; expect_rc 2; expect_err "no scenario given"
run run --bogus x.lua; expect_rc 2; expect_err "usage: smtprun run"
run run -D novalue x.lua; expect_rc 2; expect_err '-D wants NAME=VALUE, not "novalue"'
run run --server 'host:' x.lua; expect_rc 2; expect_err 'bad --server "host:"'
run run --server '[::1' x.lua; expect_rc 2; expect_err 'bad --server'
run run --timeout 0 x.lua; expect_rc 2; expect_err 'bad --timeout "0"'
run run --timeout abc x.lua; expect_rc 2; expect_err 'bad --timeout "abc"'
SMTPRUN_SERVER='::1]' run run x.lua; expect_rc 2; expect_err 'bad SMTPRUN_SERVER'

# A scenario file that is not there: a setup error naming it.
run run "$T/missing.lua"; expect_rc 2
expect_out "ERROR $T/missing.lua"; expect_out "cannot open $T/missing.lua"
expect_out "1 case in 1 file: 0 passed, 0 failed, 1 error, 0 skipped"

# A transcript that cannot be written.
run run --transcript /nonexistent-dir/x.log "$T/missing.lua"; expect_rc 2
expect_err "cannot write /nonexistent-dir/x.log"

# A report file that cannot be written: said before anything runs, and no
# other report (no summary, no TAP plan, no JUnit file) is written.
run run --tap --junit "$T/j.xml" --json /nonexistent-dir/j.json "$T/missing.lua"
expect_rc 2; expect_err "cannot write /nonexistent-dir/j.json"
[ ! -s "$T/out" ] || fail "stdout is not empty"
[ ! -e "$T/j.xml" ] || fail "a JUnit file was written"
# --list checks it the same way.
run run --list --json /nonexistent-dir/j.json "$T/missing.lua"
expect_rc 2; expect_err "cannot write /nonexistent-dir/j.json"

# b64: the article's Eb64 / Db64.
run b64 encode 'alice@example.test'; expect_rc 0
[ "$(cat "$T/out")" = "YWxpY2VAZXhhbXBsZS50ZXN0" ] || fail "encode: $(cat "$T/out")"
run b64 decode VXNlcm5hbWU6; expect_rc 0
[ "$(cat "$T/out")" = "Username:" ] || fail "decode: $(cat "$T/out")"
printf 'Password:' | "$SMTPRUN" b64 encode >"$T/enc" || fail "encode from stdin"
[ "$(cat "$T/enc")" = "UGFzc3dvcmQ6" ] || fail "stdin encode: $(cat "$T/enc")"
echo UGFzc3dvcmQ6 | "$SMTPRUN" b64 decode >"$T/dec" || fail "decode from stdin"
[ "$(cat "$T/dec")" = "Password:" ] || fail "stdin decode: $(cat "$T/dec")"
# Binary survives a round trip through stdin.
head -c 1000 /dev/urandom >"$T/bin"
"$SMTPRUN" b64 encode <"$T/bin" | "$SMTPRUN" b64 decode >"$T/bin2" || fail "round trip"
cmp -s "$T/bin" "$T/bin2" || fail "binary round trip differs"
run b64 decode 'VXNlcm5hbWU6!'; expect_rc 2; expect_err "invalid base64 input"
run b64 decode 'VXNlcm5hbWU'; expect_rc 2; expect_err "not a multiple of 4"
run b64 rot13 x; expect_rc 2; expect_err "usage: smtprun b64"
exit 0
