#!/usr/bin/env bash
# Lint: shellcheck over every shell script of the project: each *.sh
# under tests/ (the integration tests, their lib.sh, this file) and
# the scripts without an extension named below. Sourced files are followed
# (-x), so each test is checked together with lib.sh.
#
# SRCDIR is the source tree (default: two levels above this file).
# Exit 0 when every script is clean, 1 on any finding (or a named script
# that is missing), 77 ("skipped" to ctest) when shellcheck is not
# installed. SHELLCHECK names another shellcheck binary.
set -u

SHELLCHECK=${SHELLCHECK:-shellcheck}
command -v "$SHELLCHECK" >/dev/null || {
	echo "skipped: $SHELLCHECK is not installed"
	exit 77
}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd) || exit 1
SRCDIR=${SRCDIR:-$(cd "$here/../.." && pwd)}
cd "$SRCDIR" || { echo "shellcheck.sh: no source tree at $SRCDIR" >&2; exit 1; }

# Shell scripts without the .sh extension.
named=(tests/run-all tests/fuzz/run tests/postfix/postfix-ctl tests/postfix/with-postfix
	.ci/run .ci/install-deps)

scripts=()
for f in "${named[@]}"; do
	[ -f "$f" ] || { echo "shellcheck.sh: $SRCDIR/$f is missing" >&2; exit 1; }
	scripts+=("$f")
done
mapfile -d '' -t found < <(find tests -name '*.sh' -type f -print0 | sort -z)
[ "${#found[@]}" -gt 0 ] || { echo "shellcheck.sh: no *.sh under $SRCDIR/tests" >&2; exit 1; }
scripts+=("${found[@]}")

"$SHELLCHECK" --version | sed -n 's/^version: /shellcheck /p'
if "$SHELLCHECK" -x "${scripts[@]}"; then
	echo "${#scripts[@]} scripts, no findings"
	exit 0
fi
echo "shellcheck.sh: findings above (in $SRCDIR)" >&2
exit 1
