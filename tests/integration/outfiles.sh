#!/usr/bin/env bash
# Output files (issue 9, defect 15): transcripts, reports and golden copies
# are never written through a symbolic link planted at their path (refused
# with a setup error naming the path, the link's target untouched); each
# transcript is a new file of mode 0600 (a hard link planted there keeps
# its content); a write or close that fails (/dev/full) is a setup error
# naming the file; /dev/stderr and /dev/null still work. A golden copy that
# cannot be written is its case's setup error; the other cases still run.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${SRCDIR:?}/tests/integration/lib.sh" || exit 1

ok=$(scenario ok.lua <<'LUA'
smtp.note("a line of transcript")
test("one", function() smtp.note("in case one") end)
LUA
)
cd "$T" || fail "cd $T"
precious() { printf 'precious\n' >"$T/target"; }
untouched() { [ "$(cat "$T/target")" = precious ] || fail "the link's target was written"; }
mode_of() { stat -c %a "$1"; }
refused() {		# refused PATH: exit 2, the path named, the target intact
	expect_rc 2
	expect_err "cannot write $1: it is a symbolic link"
	untouched
}

# A link at the single transcript file, at --junit, at --json: refused
# before anything runs.
for opt in --transcript --junit --json; do
	precious
	ln -sfn "$T/target" "$T/link"
	run run "$opt" "$T/link" "$ok"; refused "$T/link"
	expect_no_out "PASS"
	[ -L "$T/link" ] || fail "$opt: the link itself was replaced"
done

# A link at a per-case transcript in a -T directory: that file is refused,
# the run ends with a setup error, the others are written.
precious
run run --list "$ok"
mkdir -p "$T/dir"
run run --transcript "$T/dir/" "$ok"; expect_rc 0
case_log=$(find "$T/dir" -name '*one.log' | head -1)
[ -n "$case_log" ] || { ls -l "$T/dir" >&2; fail "no per-case transcript"; }
rm -f "$case_log"; ln -s "$T/target" "$case_log"
run run --transcript "$T/dir/" "$ok"; refused "$case_log"

# Mode 0600, whatever the umask, for new and for replaced transcripts; a
# hard link at the path keeps its content (the transcript is a new file).
rm -rf "$T/dir"; mkdir "$T/dir"
(umask 000; "$SMTPRUN" run --transcript "$T/dir/" "$ok" >/dev/null 2>&1) || fail "run -T dir/"
for f in "$T"/dir/*.log; do
	[ "$(mode_of "$f")" = 600 ] || fail "$f has mode $(mode_of "$f"), not 600"
done
precious
ln "$T/target" "$T/hard.log"
(umask 000; "$SMTPRUN" run --transcript "$T/hard.log" "$ok" >/dev/null 2>&1) ||
    fail "run -T over a hard link"
untouched
expect_in "$T/hard.log" "=== a line of transcript"
[ "$(mode_of "$T/hard.log")" = 600 ] || fail "hard.log has mode $(mode_of "$T/hard.log")"
(umask 000; "$SMTPRUN" run --junit "$T/r.xml" --json "$T/r.json" "$ok" >/dev/null 2>&1) ||
    fail "run --junit --json"
for f in "$T/r.xml" "$T/r.json"; do
	[ "$(mode_of "$f")" = 600 ] || fail "$f has mode $(mode_of "$f"), not 600"
done

# A failed write is a setup error naming the file.
if [ -w /dev/full ]; then
	run run --transcript /dev/full "$ok"; expect_rc 2
	expect_err "writing transcript /dev/full: No space left on device"
	run run --junit /dev/full "$ok"; expect_rc 2; expect_err "writing /dev/full"
	run run --json /dev/full "$ok"; expect_rc 2
	expect_err "writing /dev/full: No space left on device"
fi

# Devices and the standard streams still work.
run run --transcript /dev/stderr "$ok"; expect_rc 0; expect_err "=== in case one"
run run --junit /dev/stdout "$ok"; expect_rc 0; expect_out '<testsuites name="smtprun"'
run run --transcript /dev/null --json /dev/null "$ok"; expect_rc 0

# --update-golden: not through a link either.
mkdir -p "$T/gold"
run run --golden "$T/gold" --update-golden "$ok"; expect_rc 0
gold=$(find "$T/gold" -name '*one.txt' | head -1)
[ -n "$gold" ] || { ls -l "$T/gold" >&2; fail "no golden file"; }
precious
rm -f "$gold"; ln -s "$T/target" "$gold"
run run --golden "$T/gold" --update-golden "$ok"; expect_rc 2
expect_out "cannot write $gold: it is a symbolic link"
untouched
# That is the case's setup error, reported with its message; the next case
# still runs and is reported (it was a file error, with no message for the
# case and the next case lost).
two=$(scenario two.lua <<'LUA'
test("first", function() end)
test("second", function() end)
LUA
)
run run --golden "$T/gold" --update-golden "$two"; expect_rc 0
gold=$(find "$T/gold" -name '*first.txt' | head -1)
rm -f "$gold"; ln -s "$T/target" "$gold"
run run --golden "$T/gold" --update-golden --json "$T/two.json" "$two"; expect_rc 2
untouched
expect_in "$T/two.json" '"case":"first","status":"error"'
expect_in "$T/two.json" '"message":"golden transcript: cannot write '"$gold"': it is a symbolic link'
expect_in "$T/two.json" '"kind":"setup"'
expect_in "$T/two.json" '"case":"second","status":"pass"'
[ "$(grep -c . "$T/two.json")" -eq 2 ] || fail "expected two records in $T/two.json"
# A file without test(): the file is the place, not "?".
plain=$(scenario plain.lua <<'LUA'
smtp.note("plain")
LUA
)
run run --golden "$T/gold" --update-golden "$plain"; expect_rc 0
gold=$(find "$T/gold" -name '*plain.txt' | head -1)
rm -f "$gold"; ln -s "$T/target" "$gold"
run run --golden "$T/gold" --update-golden "$plain"; expect_rc 2
expect_out "plain.lua: golden transcript: cannot write $gold: it is a symbolic link"
expect_no_out "?: golden"
untouched
exit 0
