#!/usr/bin/env bash
# The built binary is hardened (issue 9; CMakeLists.txt): a PIE with full
# RELRO (BIND_NOW), the stack protector, and _FORTIFY_SOURCE's checked
# functions in optimised builds. Registered only for builds with
# SMTPRUN_HARDEN and without the sanitizers.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${SRCDIR:?}/tests/integration/lib.sh" || exit 1

command -v readelf >/dev/null || { echo "skipped: no readelf"; exit 77; }

readelf -h "$SMTPRUN" >"$T/header" || fail "readelf -h $SMTPRUN"
grep -Eq '^ *Type: +DYN ' "$T/header" || fail "not a PIE: $(grep Type: "$T/header")"
readelf -d "$SMTPRUN" >"$T/dynamic" || fail "readelf -d $SMTPRUN"
grep -Eq '\(FLAGS\) +BIND_NOW|\(FLAGS_1\) +Flags:.* NOW' "$T/dynamic" ||
    fail "no BIND_NOW (full RELRO): $(grep FLAGS "$T/dynamic")"
readelf -lW "$SMTPRUN" | grep -q GNU_RELRO || fail "no GNU_RELRO segment"
readelf --dyn-syms -W "$SMTPRUN" >"$T/syms" || fail "readelf --dyn-syms $SMTPRUN"
grep -q ' __stack_chk_fail' "$T/syms" || fail "no stack protector (__stack_chk_fail)"
case "${BUILD_TYPE:-}" in
Debug|"")
	echo "note: _FORTIFY_SOURCE is for optimised builds (this is '${BUILD_TYPE:-}')" ;;
*)
	grep -Eq ' __[a-z]+_chk(@|$)' "$T/syms" ||
	    fail "no _FORTIFY_SOURCE checked functions (__*_chk)" ;;
esac
exit 0
