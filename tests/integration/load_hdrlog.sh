#!/usr/bin/env bash
# `smtprun load --hdr-log`: 50 sessions against the server role, then the
# HdrHistogram interval log read back with HdrHistogram's own JS library
# (hdrlog_check.js): every phase of the JSON report there as a tag, with the
# same counts index for index and the same percentiles to the bucket.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${SRCDIR:?}/tests/integration/lib.sh" || exit 1
need_python

# The server: takes the 50 sessions, then ends.
srv=$(scenario srv.lua <<'LUA'
local server = require "smtp.server"
local srv = server.new{ relay = "open" }
srv:listen{}
srv:serve{ sessions = 50, timeout = 60 }
smtp.wait_all{ timeout = 60 }
LUA
)
serve_bg serve "$srv"
run load -c 5 -n 50 -s "127.0.0.1:$SERVE_PORT" -D from=load@example.test -D to=sink@example.test \
    --json "$T/r.json" --hdr-log "$T/r.hdr" "$SRCDIR/scripts/load/send.lua"
expect_rc 0
# The server saw every session end.
wait_bg; expect_rc 0
[ -s "$T/r.hdr" ] || fail "no --hdr-log file: $(ls -l "$T")"
[ -s "$T/r.json" ] || fail "no --json file"

# The log's frame, as HdrHistogram's writers put it.
expect_lines "$T/r.hdr" "#[Histogram log format version 1.3]" \
    "#[StartTime: " "#[BaseTime: " \
    '"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"'
# One tag per phase that ran (no TLS, no AUTH here), each a V2 compressed
# histogram ("HISTF" is the base64 of its cookie 0x1c849314).
for phase in connect greeting ehlo mail rcpt data dot quit session; do
	grep -q "^Tag=$phase,0\.000,[0-9.]*,[0-9.]*,HISTF" "$T/r.hdr" || fail "no tag $phase in: $(cut -c1-60 "$T/r.hdr")"
done
expect_not_in "$T/r.hdr" "Tag=tls,"
expect_not_in "$T/r.hdr" "Tag=auth,"

# Read back with hdr-histogram-js, against the JSON report.
command -v node >/dev/null || { echo "skipped: no node for hdrlog_check.js"; exit 77; }
node "$SRCDIR/tests/integration/hdrlog_check.js" "$T/r.hdr" "$T/r.json" >"$T/check.out" 2>&1
rc=$?
cat "$T/check.out"
[ "$rc" -eq 77 ] && exit 77
[ "$rc" -eq 0 ] || fail "hdrlog_check.js: the log and the report differ (exit $rc)"
grep -q "session" "$T/check.out" || fail "hdrlog_check.js checked no session phase"
python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["phases"]["session"]["count"]; sys.exit(c != 50)' \
    "$T/r.json" || fail "the report does not count 50 sessions"
exit 0
