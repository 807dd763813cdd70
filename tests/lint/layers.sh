#!/usr/bin/env bash
# layers.sh - the include rules of runner/ hold (tests/lint/layers.py), and
# the check itself catches each kind of break: an include going up a layer,
# a forbidden system header, a cycle, a function declared in another
# module's header.
set -u
SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
check="$SRCDIR/tests/lint/layers.py"
T=$(mktemp -d "${TMPDIR:-/tmp}/smtprun-layers.XXXXXX")
trap 'rm -rf "$T"' EXIT

python3 "$check" "$SRCDIR/runner" || exit 1

# broken NAME FILE LINE MESSAGE: a copy of runner/ with LINE added at the
# top of FILE must fail with MESSAGE.
broken() {
	local name=$1 file=$2 line=$3 want=$4 out
	rm -rf "${T:?}/${name:?}"
	cp -r "$SRCDIR/runner" "$T/$name"
	{ printf '%s\n' "$line"; cat "$T/$name/$file"; } >"$T/$name/$file.new"
	mv "$T/$name/$file.new" "$T/$name/$file"
	if out=$(python3 "$check" "$T/$name"); then
		echo "FAIL: layers.py passed a tree with $name"; exit 1
	fi
	grep -qF -- "$want" <<<"$out" || {
		echo "FAIL: $name: layers.py said:"; echo "$out"
		echo "expected: $want"; exit 1; }
}

broken upward core/buf.c '#include "suite/report.h"' \
	'core includes "suite/report.h" from the higher suite layer'
broken lua-in-core core/escape.c '#include <lua.h>' 'the core layer may not include <lua.h>'
broken epoll-in-core core/spec.c '#include <sys/epoll.h>' \
	'the core layer may not include <sys/epoll.h>'
broken unnamed io/tcp.c '#include "conn.h"' 'does not name its layer'
broken cycle io/conn.h '#include "io/tcp.h"' 'include cycle: io/conn -> io/tcp -> io/conn'
broken misplaced binding/lcore.h 'void	session_close(struct session *s, const char *why);' \
	'session_close() is declared here but defined in binding/lsession.c'
echo "layers: the check catches every kind of break"
