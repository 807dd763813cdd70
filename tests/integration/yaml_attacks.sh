#!/usr/bin/env bash
# YAML that attacks the reader (issue 9, defects 13 and 14): a cyclic alias,
# nesting deeper than the C stack, aliases that multiply ("billion laughs"),
# and files that hold no mapping where one is expected (empty, only
# comments, a scalar, a list, `variables:` not a mapping). Each is a setup
# error (exit 2) naming file:line:col, as a scenario, as --config, as
# ./smtprun.yaml (read by default) and with --list. The attack files run
# under a memory cap and a time bound, so a regression fails the test
# instead of eating the machine.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${SRCDIR:?}/tests/integration/lib.sh" || exit 1
cd "$T" || exit 1

# bounded ARGS...: `run ARGS` in a subshell with 1 GB of memory and 20 s (a
# run that needs more was the defect: 22 GB, or minutes). Under ASan, whose
# shadow memory needs terabytes of address space, its own RSS limit.
bounded() {
	LAST="$* (bounded)"
	if [ "${SMTPRUN_SANITIZED:-0}" = 1 ]; then
		(export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}hard_rss_limit_mb=1024"
		 exec timeout -s KILL 20 "$SMTPRUN" "$@") >"$T/out" 2>"$T/err"
	else
		(ulimit -v 1048576; exec timeout -s KILL 20 "$SMTPRUN" "$@") >"$T/out" 2>"$T/err"
	fi
	RC=$?
}

printf 'assert(true)\n' >ok.lua

# The attack files. The cycle: the 4 lines of the report.
cat >cycle.yaml <<'YAML'
cases:
  - name: x
    steps:
      - expect: &e {code: *e}
YAML
# 50,000 levels of flow nesting (the C stack), and of block nesting.
python3 -c "print('cases: ' + '[' * 50000 + ']' * 50000)" >deep.yaml 2>/dev/null ||
	awk 'BEGIN { printf "cases: "; for (i = 0; i < 50000; i++) printf "["
		for (i = 0; i < 50000; i++) printf "]"; print "" }' >deep.yaml
awk 'BEGIN { print "cases:"; s = "  "
	for (i = 0; i < 2000; i++) { print s "- a:"; s = s "    " } print s "x" }' >deepblock.yaml
# Billion laughs that the scenario compiler would walk: 300 cases, each of
# 300 steps, each expecting one of 300 codes (27 million entries).
{
	printf 'description:\n  codes: &c ['
	for _ in $(seq 299); do printf '250, '; done; printf '250]\n'
	printf '  steps: &s ['
	for _ in $(seq 299); do printf '{expect: *c}, '; done; printf '{expect: *c}]\n'
	printf '  case: &k {name: x, steps: *s}\ncases: ['
	for _ in $(seq 299); do printf '*k, '; done; printf '*k]\n'
} >laughs.yaml
# Many aliases of one long value: each use of it is work on 1 MiB (the
# scenario compiler took 10 ms an alias: 100,000 aliases, under a budget
# that counted a scalar as one node whatever its length, were 17 minutes).
{
	printf 'description:\n  big: &b "'
	head -c 1048576 /dev/zero | tr '\0' x
	printf '"\ncases:\n  - name: x\n    steps: ['
	for _ in $(seq 4999); do printf '{send: *b}, '; done; printf '{send: *b}]\n'
} >longlaughs.yaml
: NAME.yaml as a scenario, with --list, as
# --config and as ./smtprun.yaml: each exit 2, naming NAME.yaml:LINE:COL.
attack() {
	bounded run "$1.yaml"; expect_rc 2
	expect_out "$1.yaml:$2: $3"
	bounded run --list "$1.yaml"; expect_rc 2
	expect_err "smtprun: $1.yaml:$2: $3"  # the path once
	bounded run --config "$1.yaml" ok.lua; expect_rc 2
	expect_err "$1.yaml:$2: $3"
	cp "$1.yaml" smtprun.yaml
	bounded run ok.lua; expect_rc 2
	expect_err "smtprun.yaml:$2: $3"
	bounded run --list ok.lua; expect_rc 2
	expect_err "smtprun.yaml:$2: $3"
	rm smtprun.yaml
}
attack cycle 4:27 "alias inside the node it names (a cycle)"
attack deep 1:71 "nested more than 64 levels deep"
attack deepblock 33:129 "nested more than 64 levels deep"
attack laughs 4:29 "aliases expand to more than"
attack longlaughs 5:200 "aliases expand to more than"

# 64 levels are fine (the cap is not lower than it says).
python3 -c "print('description: ' + '[' * 63 + ']' * 63 + '\ncases: []')" >deep64.yaml
run run deep64.yaml; expect_rc 0
expect_out "PASS  deep64.yaml"

# Files with no mapping where one is expected: setup errors at file:line.
# not_a_mapping NAME TEXT SCENARIO-MESSAGE CONFIG-MESSAGE
not_a_mapping() {
	printf '%b' "$2" >"$1.yaml"
	run run "$1.yaml"; expect_rc 2
	expect_out "$1.yaml:$3"
	expect_no_out "attempt to index"
	run run --config "$1.yaml" ok.lua; expect_rc 2
	expect_err "$1.yaml:$4"
	expect_no_err "attempt to index"
	cp "$1.yaml" smtprun.yaml
	run run ok.lua; expect_rc 2
	expect_err "smtprun.yaml:$4"
	rm smtprun.yaml
}
not_a_mapping empty '' \
    "1:1: the file is empty (no YAML, only comments or blank lines): expected a mapping with cases" \
    "1:1: the file is empty (no YAML, only comments or blank lines): expected a mapping of targets"
not_a_mapping comments '# nothing\n\n# here\n' \
    "1:1: the file is empty" "1:1: the file is empty"
not_a_mapping scalar 'hello\n' \
    '1:1: the scenario: expected a mapping, got "hello"' \
    '1:1: the configuration: expected a mapping, got "hello"'
not_a_mapping list '- a\n- b\n' \
    "1:1: the scenario: expected a mapping, got a list" \
    "1:1: the configuration: expected a mapping, got a list"
# variables: that is not a mapping.
printf 'variables: 3\ncases: []\n' >vars.yaml
run run vars.yaml; expect_rc 2
expect_out 'vars.yaml:1:12: variables: expected a mapping, got "3"'
printf 'variables: [a, b]\ncases: []\n' >vars.yaml
run run vars.yaml; expect_rc 2
expect_out 'vars.yaml:1:12: variables: expected a mapping, got a list'
printf 'variables: [a, b]\n' >varsconf.yaml
run run --config varsconf.yaml ok.lua; expect_rc 2
expect_err 'varsconf.yaml:1:12: variables: expected a mapping, got a list'
# The config's errors are shown as text: a target named with an escape
# sequence does not reach the terminal raw.
printf 'targets:\n  "\\e[31mevil": {host: x}\n' >esc.yaml
bounded run --config esc.yaml --target nope ok.lua; expect_rc 2
expect_err 'no target named "nope" (there are: \x1b[31mevil)'
expect_no_err $'\033'
exit 0
