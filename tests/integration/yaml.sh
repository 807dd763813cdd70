#!/usr/bin/env bash
# YAML: each kind of error in a scenario and in the configuration names
# file:line:column; the configuration's targets, timeouts and variables
# (with ${NAME} and ${NAME:-default} from the environment); and the YAML
# steps run the same API as Lua, at their own lines.
. "${SRCDIR:?}/tests/integration/lib.sh" || exit 1
need_python
cd "$T"

# Scenario errors: one per kind.
printf 'cases:\n  - name: x\n    steps:\n      - expect: [250\n' >syntax.yaml
printf 'cases:\n  - name: x\n    steps:\n      - sleep: soon\n' >type.yaml
printf 'cases:\n  - name: x\n    stpes: []\n' >unknown.yaml
printf 'cases:\n  - steps: []\n' >missing.yaml
printf 'cases:\n  - name: x\n    steps:\n      - frobnicate: 1\n' >step.yaml
printf 'cases:\n  - name: x\n    steps:\n      - send: "${NOPE_NOT_SET}"\n' >var.yaml
printf 'cases: 3\n' >notalist.yaml
run run syntax.yaml; expect_rc 2
expect_out "syntax.yaml:5:1: did not find expected ',' or ']' while parsing a flow sequence"
run run type.yaml; expect_rc 2
expect_out 'type.yaml:4:16: sleep: expected a number, got "soon"'
run run unknown.yaml; expect_rc 2
expect_out 'unknown.yaml:3:5: unknown key "stpes" in case 1 (expected one of: expect_failure, name, skip, steps)'
run run missing.yaml; expect_rc 2
expect_out 'missing.yaml:2:5: case 1: missing "name"'
run run step.yaml; expect_rc 2
expect_out 'step.yaml:4:9: unknown step "frobnicate"'
run run var.yaml; expect_rc 2
expect_out 'var.yaml:4:15: ${NOPE_NOT_SET} is not set'
run run notalist.yaml; expect_rc 2
expect_out 'notalist.yaml:1:8: cases: expected a list, got "3"'
# All of them in one run: each reported, the run goes on.
run run syntax.yaml type.yaml unknown.yaml missing.yaml; expect_rc 2
expect_out "4 cases in 4 files: 0 passed, 0 failed, 4 errors"

# Configuration errors, named the same way.
printf 'targets:\n  t:\n    hots: x\n' >bad.yaml
printf 'targets:\n  t:\n    host: 127.0.0.1\n    port: many\n' >port.yaml
printf 'targets: [1\n' >broken.yaml
printf 'timeouts:\n  wait: -1\n' >neg.yaml
printf 'colour: blue\n' >top.yaml
printf 'assert(true)\n' >ok.lua
run run -c bad.yaml --target t ok.lua; expect_rc 2
expect_err 'bad.yaml:3:5: unknown key "hots" in target t (expected one of: cafile, host, password, port, tls, user, verify)'
run run -c port.yaml --target t ok.lua; expect_rc 2
expect_err 'port.yaml:4:11: port: expected a number, got "many"'
run run -c broken.yaml ok.lua; expect_rc 2
expect_err "broken.yaml:2:1: did not find expected ',' or ']'"
run run -c neg.yaml ok.lua; expect_rc 2
expect_err "neg.yaml:2:9: timeouts.wait: expected seconds > 0"
run run -c top.yaml ok.lua; expect_rc 2
expect_err 'top.yaml:1:1: unknown key "colour" in the configuration'
run run -c bad.yaml --target nope ok.lua; expect_rc 2
expect_err 'no target named "nope" (there are: t)'
run run --target t ok.lua; expect_rc 2
expect_err "--target t: no --config file"

# A working configuration, found as ./smtprun.yaml: target, timeouts,
# variables with ${NAME} from the environment, and -D over all of them.
serve_bg demo --serve
port=$SERVE_PORT
cat >smtprun.yaml <<YAML
targets:
  demo:
    host: 127.0.0.1
    port: \${DEMO_PORT}
    user: alice@example.test
    password: \${DEMO_PASSWORD:-wonderland}
  elsewhere:
    host: 192.0.2.1
target: demo
timeouts: { wait: 7, case: 60 }
variables:
  to: friend@example.net
  helo: yaml.example.test
YAML
cat >vars.lua <<'LUA'
assert(vars.user == "alice@example.test" and vars.password == "wonderland", "target vars")
assert(vars.to == vars.want_to, "to is " .. tostring(vars.to))
assert(smtp.config().timeout == 7, "wait timeout")
LUA
DEMO_PORT=$port run run -D want_to=friend@example.net vars.lua; expect_rc 0
DEMO_PORT=$port run run -D to=x@example.org -D want_to=x@example.org vars.lua; expect_rc 0
run run vars.lua; expect_rc 2
expect_err 'smtprun.yaml:4:11: ${DEMO_PORT} is not set'

# The article as YAML, against the configured target.
DEMO_PORT=$port run run --transcript "$T/art/" "$SRCDIR/examples/article-auth-login.yaml"
expect_rc 0
expect_out "3 cases in 1 file: 3 passed"
expect_in "$T/art/$(printf '%s' "${SRCDIR#/}" | tr '/' '-')-examples-article-auth-login--AUTH_LOGIN__then_the_relay_is_accepted.log" \
    "<-  235 2.7.0 Authentication successful"

# --golden: written, then compared; a difference is a diff and a failure.
DEMO_PORT=$port run run --golden gold --update-golden "$SRCDIR/examples/article-auth-login.yaml"
expect_rc 0
DEMO_PORT=$port run run --golden gold "$SRCDIR/examples/article-auth-login.yaml"
expect_rc 0
g=$(ls gold/*relaying_is_refused*)
sed -i 's/Relay access denied/Relay denied/' "$g"
DEMO_PORT=$port run run --golden gold "$SRCDIR/examples/article-auth-login.yaml"
expect_rc 1
expect_out "the transcript differs from $g:"
expect_out "      -<-  554 5.7.1 <friend@example.net>: Relay denied"
expect_out "      +<-  554 5.7.1 <friend@example.net>: Relay access denied"
# Ports, queue IDs, dates and message IDs vary; the golden files do not.
grep -q "queued as QUEUEID" gold/*then_the_relay*.txt || fail "queue ID not normalised"
grep -q "port PORT" gold/*then_the_relay*.txt || fail "port not normalised"
DEMO_PORT=$port run run --golden nonexistent ok.lua; expect_rc 2
expect_err "--golden nonexistent: no such directory"
exit 0
