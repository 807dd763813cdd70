#!/usr/bin/env bash
# smtprun load (issue 12) against the server role: counts exact, phases
# timed, injected faults classified exactly, --rate's schedule and the
# coordinated-omission correction, --threads, thresholds, --max-errors,
# --transcript-errors, smtp.phase, setup and usage errors, a signal.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${SRCDIR:?}/tests/integration/lib.sh" || exit 1
need_python

target="$SRCDIR/tests/scenarios/load_target.lua"
client="$SRCDIR/tests/scenarios/load_client.lua"

# jq-like checks of a JSON report: json FILE 'python expression over r'.
json() {
	python3 - "$1" "$2" <<'PY' || fail "JSON check failed: $2 ($1)"
import json, sys
r = json.load(open(sys.argv[1]))
ph = r.get("phases", {})
ok = eval(sys.argv[2])
if not ok:
    print("not true:", sys.argv[2], "\n", json.dumps({k: v for k, v in r.items() if k != "phases"}, indent=1),
          {k: {f: v[f] for f in v if f != "buckets"} for k, v in ph.items()}, file=sys.stderr)
    sys.exit(1)
PY
}

# The target: the server role in the background (run_bg stays free for
# the load run that gets a signal).
TPID=
start_target() {
	rm -f "$T/target.out"
	"$SMTPRUN" serve "$@" "$target" >"$T/target.out" 2>"$T/target.err" &
	TPID=$!
	wait_for "$T/target.out" "^listening on " "$TPID"
	S=$(sed -n 's/^listening on \(127\.0\.0\.1:[0-9]*\)$/\1/p' "$T/target.out")
	[ -n "$S" ] || fail "the target did not start: $(cat "$T/target.err")"
}
stop_target() { kill "$TPID"; wait "$TPID" 2>/dev/null; TPID=; }
trap '[ -n "$TPID" ] && kill "$TPID" 2>/dev/null; cleanup' EXIT

start_target

# 200 sessions, 20 at a time: every count exact, every phase timed once
# per session, the JSON report the same as the printed one.
run load -c 20 -n 200 -s "$S" --json "$T/a.json" "$client"; expect_rc 0
json "$T/a.json" 'r["sessions"] == 200 and r["failed"] == 0 and r["messages"] == 200'
json "$T/a.json" 'all(ph[p]["count"] == 200 for p in ("connect", "greeting", "ehlo", "mail", "rcpt", "data", "dot", "quit", "session"))'
json "$T/a.json" '"tls" not in ph and "auth" not in ph and r["errors"]["total"] == 0'
json "$T/a.json" 'r["bytes"] > 200 * 30 and r["duration_s"] > 0 and r["sessions_per_s"] > 0'
json "$T/a.json" 'ph["session"]["p50_ms"] <= ph["session"]["p99_ms"] <= ph["session"]["max_ms"]'
json "$T/a.json" 'sum(c for _, c in ph["dot"]["buckets"]) == 200'
python3 - "$T/a.json" "$T/out" <<'PY' || fail "the printed report does not match the JSON one"
import json, re, sys
r = json.load(open(sys.argv[1]))
text = open(sys.argv[2]).read()
for name, p in r["phases"].items():
    row = re.search(r"^\s*" + re.escape(name) + r"\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*$", text, re.M)
    assert row, "no row for " + name + " in:\n" + text
    count, *ms = row.groups()
    assert int(count) == p["count"], (name, count, p["count"])
    for shown, key in zip(ms, ("p50_ms", "p90_ms", "p99_ms", "p999_ms", "max_ms")):
        assert abs(float(shown) - p[key]) <= 0.0051 * max(1, p[key]), (name, key, shown, p[key])
PY
expect_out "sessions 200, failed 0"
# No progress line when stderr is not a terminal; one on a terminal.
! grep -q $'\r' "$T/err" || fail "a progress line on a pipe"
if command -v script >/dev/null; then
	script -qec "'$SMTPRUN' load -c 2 -d 0.8 -s $S '$client' >/dev/null" "$T/tty" \
	    >/dev/null 2>&1 || fail "load on a terminal failed: $(cat "$T/tty")"
	grep -qE $'\r.*[0-9]+ sessions +[0-9]+/s +0 failed +p99 [0-9.]+ ms' "$T/tty" ||
	    fail "no progress line on a terminal: $(od -c "$T/tty" | head)"
fi

# The same with two threads, several messages a session, a custom phase.
scenario phased.lua <<'LUA'
local s = smtp.connect()
s:greeting()
s:ehlo("client.example.test")
smtp.phase("think", function() smtp.sleep(0.005) end)
for _ = 1, 3 do
  s:mail_from("load@example.test")
  s:rcpt_to(("u%d@example.test"):format(vars.session))
  s:data("Subject: load\r\n\r\nsession " .. vars.session .. "\r\n")
end
s:quit()
LUA
run load -c 20 -n 200 --threads 2 -s "$S" --json "$T/b.json" "$T/phased.lua"; expect_rc 0
json "$T/b.json" 'r["sessions"] == 200 and r["failed"] == 0 and r["messages"] == 600'
json "$T/b.json" 'ph["mail"]["count"] == 600 and ph["dot"]["count"] == 600 and ph["session"]["count"] == 200'
json "$T/b.json" 'ph["think"]["count"] == 200 and ph["think"]["min_ms"] >= 5'
json "$T/b.json" 'list(ph)[-1] == "think" or list(ph).index("think") > list(ph).index("session")'

# Thresholds pass and fail as written.
run load -c 5 -n 20 -s "$S" --threshold 'session.p99<30s' --threshold 'errors<1' \
    --threshold 'error_rate<=0%' "$client"
expect_rc 0
run load -c 5 -n 20 -s "$S" --threshold 'session.p99<30s' --threshold 'dot.max<1us' \
    --json "$T/th.json" "$client"
expect_rc 1
expect_out "dot.max<1us"
json "$T/th.json" '[t["ok"] for t in r["thresholds"]] == [True, False]'
run load -n 1 -s "$S" --threshold 'dot.p99<fast' "$client"; expect_rc 2
expect_err "threshold"

stop_target

# Faults in a known fraction of the sessions (by the session's number):
# 451 to RCPT (…0), no reply (…3), the connection closed mid-reply (…7).
start_target -D faults=1
mkdir "$T/tr"
run load -c 20 -n 200 -t 1 -s "$S" --json "$T/f.json" --transcript-errors "$T/tr" "$client"
expect_rc 1
json "$T/f.json" 'r["sessions"] == 200 and r["failed"] == 60 and r["messages"] == 140'
json "$T/f.json" 'r["errors"]["kinds"] == {"expect": 20, "timeout": 20, "closed": 20}'
json "$T/f.json" 'r["errors"]["codes"] == {"451": 20} and r["errors"]["total"] == 60'
json "$T/f.json" 'ph["session"]["count"] == 140 and ph["rcpt"]["count"] == 160'
[ "$(find "$T/tr" -name 'session-*.txt' | wc -l)" -eq 60 ] || fail "not 60 transcripts: $(ls "$T/tr")"
expect_in "$T/tr/session-3.txt" "RCPT TO:<u3@example.test>"
expect_in "$T/tr/session-3.txt" "timed out after 1 s"
expect_in "$T/tr/session-10.txt" "<** 451 4.3.0 Try again later"
expect_in "$T/tr/session-17.txt" "connection closed by server"
[ ! -e "$T/tr/session-1.txt" ] || fail "a passed session's transcript was kept"
expect_err "first failure, session 3: timed out"
run load -c 20 -n 200 -t 1 -s "$S" --max-errors 60 "$client"; expect_rc 0
run load -c 20 -n 200 -t 1 -s "$S" --max-errors 59 "$client"; expect_rc 1
stop_target

# Full sessions under load: STARTTLS, AUTH (each mechanism), several
# messages of a chosen size; a wrong password is an "auth" failure.
start_target -D tls=1
for mech in PLAIN LOGIN CRAM-MD5 SCRAM-SHA-256; do
	run load -c 5 -n 10 -k -s "$S" -D starttls=1 -D user=alice -D password=secret \
	    -D mech=$mech -D messages=2 -D size=3000 --json "$T/t.json" \
	    "$SRCDIR/scripts/load/send.lua"
	expect_rc 0
	json "$T/t.json" 'r["sessions"] == 10 and r["messages"] == 20 and r["bytes"] > 20 * 3000'
	json "$T/t.json" 'ph["tls"]["count"] == 10 and ph["auth"]["count"] == 10 and ph["ehlo"]["count"] == 20'
done
run load -c 5 -n 10 -k -s "$S" -D starttls=1 -D user=alice -D password=wrong \
    --json "$T/t.json" "$SRCDIR/scripts/load/send.lua"
expect_rc 1
json "$T/t.json" 'r["errors"]["kinds"] == {"auth": 10} and r["errors"]["codes"] == {"535": 10}'
stop_target

# --rate: 100 sessions a second for 2 s is 200 sessions, whatever the
# server does; one stall of 0.5 s shows as latency of the sessions due
# during it (coordinated omission), not as fewer sessions.
start_target -D stall=0.5
run load -c 1 --rate 100 -d 2 -s "$S" --json "$T/r.json" "$client"; expect_rc 0
json "$T/r.json" '180 <= r["sessions"] <= 220 and r["failed"] == 0'
json "$T/r.json" 'ph["mail"]["max_ms"] >= 450'
# Sessions due during the stall waited for it: far more than one is slow.
json "$T/r.json" 'ph["session"]["p90_ms"] >= 100 and ph["session"]["max_ms"] >= 450'
run load -c 4 --threads 2 --rate 100 -d 2 -s "$S" --json "$T/r2.json" "$client"; expect_rc 0
json "$T/r2.json" '180 <= r["sessions"] <= 220 and r["failed"] == 0'

# Shards: the sessions of 2 shards are the run's, each numbered as in it.
run load -c 5 -n 11 --shard 1/2 -s "$S" --json "$T/s1.json" "$client"; expect_rc 0
run load -c 5 -n 11 --shard 2/2 -s "$S" --json "$T/s2.json" "$client"; expect_rc 0
json "$T/s1.json" 'r["sessions"] == 6 and r["shard"] == "1/2"'
json "$T/s2.json" 'r["sessions"] == 5'

# A signal stops a long run: the report of what was done, exit 128 + 2.
run_bg load -c 2 -d 60 -s "$S" "$client"
sleep 1
signal_bg INT
expect_rc 130
expect_out "sessions"
expect_err "interrupted"

# --start-at: nothing starts before that time, every shard starts with it.
at=$(python3 -c 'import time; print(round(time.time() + 1.5, 3))')
run load -n 2 -s "$S" --start-at "$at" --json "$T/at.json" "$client"; expect_rc 0
json "$T/at.json" "r['started_at'] >= $at - 0.01 and r['sessions'] == 2"

# A Lua file as luaL_loadfile takes it: a "#!" line and a UTF-8 BOM, its
# lines still numbered as in the file.
printf '\357\273\277#!/usr/bin/env smtprun\nlocal s = smtp.connect()\nerror("line three")\n' \
    >"$T/shebang.lua"
run load -n 2 -s "$S" "$T/shebang.lua"; expect_rc 1
expect_err "shebang.lua:3: line three"

# Reports that cannot be written: exit 2 naming them, after the report.
run load -n 2 -s "$S" --json "$T/no/such/dir/r.json" "$client"; expect_rc 2
expect_out "sessions 2, failed 0"
expect_err "$T/no/such/dir/r.json"
run load -n 2 -s "$S" --hdr-log "$T/no/such/dir/r.hdr" "$client"; expect_rc 2
expect_err "$T/no/such/dir/r.hdr"
: >"$T/plainfile"
run load -n 2 -s "$S" --transcript-errors "$T/plainfile" "$client"; expect_rc 2
expect_err "is not a directory"

# Setup and usage errors: exit 2, one message naming the problem.
run load -n 5 -s "$S" "$SRCDIR/tests/scenarios/no-such-file.lua"; expect_rc 2
expect_err "no-such-file.lua"
scenario broken.lua <<'LUA'
local s = smtp.connect(
LUA
run load -n 5 -s "$S" "$T/broken.lua"; expect_rc 2
expect_err "broken.lua:2"
scenario needs.lua <<'LUA'
smtp.need("rcpt")
LUA
run load -c 2 -n 50 -s "$S" "$T/needs.lua"; expect_rc 2
expect_err "missing variable 'rcpt'"
run load -s "$S" "$client"; expect_rc 2
expect_err "-n SESSIONS or -d SECONDS"
run load -c 2 --threads 3 -n 5 -s "$S" "$client"; expect_rc 2
run load -n 5 -s "$S" "$client" "$client"; expect_rc 2
run load -n 0 -s "$S" "$client"; expect_rc 2
run load -c 0 -n 5 -s "$S" "$client"; expect_rc 2
run load -n 5 --rate 0 -s "$S" "$client"; expect_rc 2
# -c is --concurrency for load, --config for run.
run load -c 3 -n 3 -s 127.0.0.1:1 "$client"; expect_rc 1
json_kinds=$(grep -c "" "$T/out")
[ "$json_kinds" -gt 0 ] || fail "no report"
expect_err "first failure, session 1: cannot connect"
exit 0
