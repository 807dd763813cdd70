#!/usr/bin/env bash
# luacheck over smtprun's Lua: the modules (lua/), the shipped scripts
# (scripts/), the examples, the test and benchmark scenarios, with the settings of
# .luacheckrc at the top of the source tree (which globals a scenario gets).
# Any warning or error fails; exit 77 (skipped) when luacheck is missing.
#
#   SRCDIR   the source tree (default: the one this script is in)
SRCDIR=${SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}

if ! command -v luacheck >/dev/null 2>&1; then
	echo "skipped: luacheck is not installed (Debian: lua-check)"
	exit 77
fi
# The paths in .luacheckrc are relative to the source tree.
cd "$SRCDIR" || { echo "luacheck.sh: no source tree at $SRCDIR" >&2; exit 1; }
# luacheck exits 1 on warnings, 2 on syntax errors, 3 and 4 on fatal ones.
exec luacheck --no-color --codes --config .luacheckrc lua scripts examples tests/scenarios tests/bench
