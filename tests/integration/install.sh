#!/usr/bin/env bash
# cmake --install puts the binary, the Lua modules, the scenarios, the
# examples, the documentation and the man page in place, and the installed
# binary finds its modules there (not in the source tree).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${SRCDIR:?}/tests/integration/lib.sh" || exit 1
: "${BUILD_DIR:?}"

cmake --install "$BUILD_DIR" --prefix "$T/inst" >"$T/install.log" 2>&1 ||
    { cat "$T/install.log" >&2; fail "cmake --install failed"; }
for f in bin/smtprun share/smtprun/lua/smtp.lua \
    share/smtprun/scripts/article-auth-login.lua share/man/man1/smtprun.1 \
    share/doc/smtprun/examples/plain-send.lua share/doc/smtprun/scenarios.md; do
	[ -f "$T/inst/$f" ] || fail "not installed: $f"
done

s=$(scenario where.lua <<'LUA'
local src = debug.getinfo(smtp.need, "S").source
assert(src:find(vars.want, 1, true), "smtp.lua loaded from " .. src)
assert(smtp.b64decode(smtp.b64encode("x\0y")) == "x\0y")
LUA
)
SMTPRUN="$T/inst/bin/smtprun" run run -D want="$T/inst/share/smtprun/lua/smtp.lua" "$s"
expect_rc 0
# SMTPRUN_LUADIR wins over both.
cp -r "$SRCDIR/lua" "$T/other"
SMTPRUN_LUADIR="$T/other" SMTPRUN="$T/inst/bin/smtprun" run run -D want="$T/other/smtp.lua" "$s"
expect_rc 0
# A directory without smtp.lua: a setup error that says so.
SMTPRUN_LUADIR="$T" SMTPRUN="$T/inst/bin/smtprun" run run "$s"
expect_rc 2
expect_err "cannot find smtprun's Lua modules"
man -l "$T/inst/share/man/man1/smtprun.1" >/dev/null 2>&1 ||
    ! command -v man >/dev/null || fail "the man page does not render"
exit 0
