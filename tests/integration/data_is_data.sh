#!/usr/bin/env bash
# Data is data (issue 9): Lua code and ${...} tricks in the string fields of
# YAML scenarios, the configuration and .smtp files are sent to the server
# as text or refused as text, never run (a marker file is never created);
# ${NAME} reaches a YAML lua: step as vars.NAME, never pasted into its code;
# an .smtp include reads only under the including file's directory and
# never shows another file's text; --no-config and SMTPRUN_NO_CONFIG skip
# ./smtprun.yaml.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${SRCDIR:?}/tests/integration/lib.sh" || exit 1
cd "$T" || exit 1

serve_bg demo --serve
export PORT=$SERVE_PORT
# The payloads: what would run, were a value pasted into Lua source.
export X='"); os.execute("touch pwned") --'
LONG=']] os.execute("touch pwned") --[['
no_marker() { [ ! -e "$T/pwned" ] || fail "$1: code from a data file ran"; }

# A YAML scenario: the payloads in every kind of string field, sent as text.
cat >inj.yaml <<YAML
description: '$LONG'
variables:
  v: '\${X} $LONG'
cases:
  - name: '\${X} $LONG'
    steps:
      - connect: {host: 127.0.0.1, port: "\${PORT}"}
      - expect: {code: 220, text: '$LONG'}
YAML
# (The case expects the greeting to hold the text: it fails, as text.)
cat >inj2.yaml <<YAML
variables:
  v: '\${X} $LONG'
cases:
  - name: '\${X} $LONG'
    skip: '$LONG'
    steps: [quit]
  - name: sent as text
    expect_failure: '$LONG'
    steps:
      - connect: {host: 127.0.0.1, port: "\${PORT}"}
      - expect: 220
      - ehlo: {name: "\${X}"}
      - send: "NOOP \${X}"
      - expect: 250
      - send: {line: "NOOP \${v}"}
      - expect: 250
      - helo: '$LONG'
      - mail_from: {address: "a\${X}@example.test"}
      - rcpt_to: "alice@example.test"
      - data: "Subject: \${X}\r\n\r\n]] os.execute(\"touch pwned\") --[[\r\n"
      - lua: s:send("NOOP " .. vars.X); s:expect(250); s:send("NOOP " .. vars.v); s:expect(250)
      - send: "FAIL-ON-PURPOSE"
      - expect: 250
YAML
run run -T "$T/tr/" inj.yaml inj2.yaml; expect_rc 1
no_marker "a YAML scenario"
expect_out "1 failed, 0 errors, 1 skipped, 1 known failure"
tr=$(ls "$T"/tr/*sent_as_text*)
expect_lines "$tr" \
    " -> EHLO $X" \
    " -> NOOP $X" \
    " -> NOOP $X $LONG" \
    " -> HELO $LONG" \
    " -> MAIL FROM:<a$X@example.test>" \
    " -> Subject: $X" \
    " -> $LONG" \
    " -> NOOP $X" \
    " -> NOOP $X $LONG"
# ${NAME} in a lua: step's code is refused (the value would be code); the
# step gets vars.NAME instead.
# shellcheck disable=SC2016 # ${X} is the YAML's own syntax
printf 'cases:\n  - name: x\n    steps:\n      - lua: print("${X}")\n' >code.yaml
run run code.yaml; expect_rc 2
no_marker "\${X} in a lua: step"
# shellcheck disable=SC2016
expect_out 'code.yaml:4:14: lua: ${X} is not expanded in Lua code (the value would run as code); write vars.X'

# The configuration: the payloads in its fields reach the scenario as
# values; a field that must be a number refuses them as text.
cat >conf.yaml <<YAML
targets:
  '$LONG':
    host: 127.0.0.1
    port: \${PORT}
    user: "\${X}"
    password: '$LONG'
target: '$LONG'
variables:
  a: "\${X}"
  b: '$LONG'
YAML
cat >conf.lua <<'LUA'
local s = smtp.connect()
s:expect(220)
for _, k in ipairs{ "user", "password", "a", "b" } do
  s:send("NOOP " .. vars[k]); s:expect(250)
end
s:quit()
LUA
run run -c conf.yaml -T "$T/conf.log" conf.lua; expect_rc 0
no_marker "the configuration"
expect_lines "$T/conf.log" " -> NOOP $X" " -> NOOP $LONG" " -> NOOP $X" " -> NOOP $LONG"
# shellcheck disable=SC2016 # ${X} is the YAML's own syntax
printf 'targets:\n  t:\n    host: 127.0.0.1\n    port: "${X}"\ntarget: t\n' >badport.yaml
run run -c badport.yaml conf.lua; expect_rc 2
no_marker "a configuration port"
# shellcheck disable=SC2016
expect_err 'badport.yaml:4:11: port: expected a number, got "${X}"'

# An .smtp file: payloads in macros (-D and the file's), strings, names and
# fail reasons are text.
cat >inj.smtp <<SMTP
long = '$LONG'
test-case name '$LONG' {
	expect smtp ok
	writeln \$long
	expect smtp
	writeln 'NOOP $X'
	expect smtp ok
	writeln \$x
	expect smtp ok
	fail '$LONG'
}
SMTP
run run -s "127.0.0.1:$PORT" -D "x=NOOP ]]os.exit(3)--[[" -T "$T/smtp.log" inj.smtp
expect_rc 1
no_marker "an .smtp file"
expect_out "$LONG"
expect_lines "$T/smtp.log" " -> $LONG" " -> NOOP $X" " -> NOOP ]]os.exit(3)--[["

# include: only under the including file's directory; no escape by "..",
# an absolute path or a symlink; the included file's text is never shown.
mkdir -p inc/sub
printf 'root:x:0:0:hunter2 is the secret\n' >inc/secret.txt
printf 'root:x:0:0:hunter2 is the secret\n' >inc/sub/notsmtp.txt
printf 'proc greet {\n\texpect smtp ok\n}\n' >inc/sub/lib.smtp
ln -s ../secret.txt inc/sub/link.smtp
# including NAME: inc/sub/main.smtp including NAME, run against the demo.
including() {
	printf 'include "%s"\ntest-case name "t" {\n\tcall greet\n\twriteln "QUIT"\n\texpect smtp ok\n}\n' \
	    "$1" >inc/sub/main.smtp
	run run -s "127.0.0.1:$PORT" inc/sub/main.smtp
}
including lib.smtp; expect_rc 0
including "$T/inc/sub/lib.smtp"; expect_rc 0
# (a missing file out there gets the same answer: no existence oracle)
for bad in ../secret.txt "$T/inc/secret.txt" link.smtp /etc/passwd ../sub/../secret.txt \
    ../missing.smtp /nonexistent/x.smtp; do
	including "$bad"; expect_rc 2
	expect_out "inc/sub/main.smtp:1:9: include \"$bad\": not under \"$(cd inc/sub && pwd -P)\""
	expect_no_out hunter2
done
including notsmtp.txt; expect_rc 2
expect_out 'inc/sub/main.smtp:1:9: the included file "inc/sub/notsmtp.txt" does not parse (at inc/sub/notsmtp.txt:1:'
expect_no_out hunter2
expect_no_out root:x
run run --list inc/sub/main.smtp; expect_rc 2
expect_no_err hunter2

# --no-config and SMTPRUN_NO_CONFIG=1: ./smtprun.yaml (here one that would
# fail the run) is not read; an explicit --config still is.
printf 'assert(vars.from_config == nil, "the config was read")\n' >noconf.lua
printf 'variables:\n  from_config: "yes"\n' >smtprun.yaml
run run noconf.lua; expect_rc 1
run run --no-config noconf.lua; expect_rc 0
SMTPRUN_NO_CONFIG=1 run run noconf.lua; expect_rc 0
SMTPRUN_NO_CONFIG=0 run run noconf.lua; expect_rc 1
SMTPRUN_NO_CONFIG=1 run run -c smtprun.yaml noconf.lua; expect_rc 1
run run --no-config -c smtprun.yaml noconf.lua; expect_rc 2
expect_err "--config and --no-config contradict each other"
printf 'cases: [' >smtprun.yaml         # broken: read, it would stop the run
run run --no-config noconf.lua; expect_rc 0
run run noconf.lua; expect_rc 2
expect_err "smtprun.yaml:"
SMTPRUN_NO_CONFIG=1 run run --target t noconf.lua; expect_rc 2
expect_err "--target t: no --config file (and SMTPRUN_NO_CONFIG skips ./smtprun.yaml)"
printf 'smtp.listen():close()\n' >srv.lua
run serve --no-config srv.lua; expect_rc 0
no_marker "the whole test"
exit 0
