#!/usr/bin/env bash
# YAML: each kind of error in a scenario and in the configuration names
# file:line:column; the configuration's targets, timeouts and variables
# (with ${NAME} and ${NAME:-default} from the environment); and the YAML
# steps run the same API as Lua, at their own lines.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${SRCDIR:?}/tests/integration/lib.sh" || exit 1
need_python
cd "$T" || exit 1

# Scenario errors: one per kind.
# bad_scenario NAME TEXT MESSAGE: NAME.yaml holding TEXT (printf %b) is a
# setup error (exit 2) reported as NAME.yaml:MESSAGE.
bad_scenario() {
	printf '%b' "$2" >"$1.yaml"
	run run "$1.yaml"; expect_rc 2
	expect_out "$1.yaml:$3"
}
bad_scenario syntax 'cases:\n  - name: x\n    steps:\n      - expect: [250\n' \
    "5:1: did not find expected ',' or ']' while parsing a flow sequence"
bad_scenario type 'cases:\n  - name: x\n    steps:\n      - sleep: soon\n' \
    '4:16: sleep: expected a number, got "soon"'
bad_scenario unknown 'cases:\n  - name: x\n    stpes: []\n' \
    '3:5: unknown key "stpes" in case 1 (expected one of: expect_failure, name, skip, steps)'
bad_scenario missing 'cases:\n  - steps: []\n' '2:5: case 1: missing "name"'
bad_scenario step 'cases:\n  - name: x\n    steps:\n      - frobnicate: 1\n' \
    '4:9: unknown step "frobnicate"'
# shellcheck disable=SC2016 # ${NAME} is the YAML's own syntax, not the shell's
bad_scenario var 'cases:\n  - name: x\n    steps:\n      - send: "${NOPE_NOT_SET}"\n' \
    '4:15: ${NOPE_NOT_SET} is not set'
bad_scenario notalist 'cases: 3\n' '1:8: cases: expected a list, got "3"'
# All of them in one run: each reported, the run goes on.
run run syntax.yaml type.yaml unknown.yaml missing.yaml; expect_rc 2
expect_out "4 cases in 4 files: 0 passed, 0 failed, 4 errors"

# Configuration errors, named the same way.
# bad_config NAME TEXT MESSAGE [ARGS...]: `run -c NAME.yaml ARGS ok.lua`,
# NAME.yaml holding TEXT (printf %b), is a setup error (exit 2) reported as
# NAME.yaml:MESSAGE on stderr.
printf 'assert(true)\n' >ok.lua
bad_config() {
	printf '%b' "$2" >"$1.yaml"
	run run -c "$1.yaml" "${@:4}" ok.lua; expect_rc 2
	expect_err "$1.yaml:$3"
}
bad_config bad 'targets:\n  t:\n    hots: x\n' \
    '3:5: unknown key "hots" in target t (expected one of: cafile, host, password, port, tls, user, verify)' \
    --target t
bad_config port 'targets:\n  t:\n    host: 127.0.0.1\n    port: many\n' \
    '4:11: port: expected a number, got "many"' --target t
bad_config broken 'targets: [1\n' "2:1: did not find expected ',' or ']'"
bad_config neg 'timeouts:\n  wait: -1\n' "2:9: timeouts.wait: expected seconds > 0"
bad_config top 'colour: blue\n' '1:1: unknown key "colour" in the configuration'
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
# shellcheck disable=SC2016 # the message quotes the YAML's own ${NAME}
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
