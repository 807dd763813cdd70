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
exit 0
