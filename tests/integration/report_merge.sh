#!/bin/bash
# report_merge.sh - smtprun report merge: JSON reports of load runs (made
# here by Python from known values, in HdrHistogram's layout) added bucket
# by bucket; totals, buckets, percentiles, errors, thresholds and exit
# codes; a malformed report is exit 2 naming the file.
. "$SRCDIR/tests/integration/lib.sh"

cat >"$T/hdr.py" <<'PY'
# HdrHistogram's layout at 3 significant figures (core/hist.c).
def index(v):
    bi = max((v | 2047).bit_length() - 11, 0)
    return ((bi + 1) << 10) + ((v >> bi) - 1024)
def value(i):
    bi, sbi = (i >> 10) - 1, (i & 1023) + 1024
    return i if bi < 0 else sbi << bi
def highest_equivalent(v):
    bi = max((v | 2047).bit_length() - 11, 0)
    return ((v >> bi) << bi) + (1 << bi) - 1
def percentile(buckets, p, mx):
    total = sum(c for _, c in buckets)
    want = max(int(p / 100 * total + 0.5), 1)
    seen = 0
    for i, c in sorted(buckets):
        seen += c
        if seen >= want:
            return min(highest_equivalent(value(i)), mx)
PY

# make.py FILE SEED SESSIONS FAILED START END: a report with phases connect
# and dot (and "custom" for seed 2), values from a fixed generator.
cat >"$T/make.py" <<'PY'
import json, random, sys
sys.path.insert(0, sys.argv[0].rsplit("/", 1)[0])
from hdr import index
path, seed, sessions, failed, start, end = sys.argv[1:7]
seed, sessions, failed = int(seed), int(sessions), int(failed)
rng = random.Random(seed)
def phase(values):
    b = {}
    for v in values:
        b[index(v)] = b.get(index(v), 0) + 1
    return {"count": len(values), "min_us": min(values), "max_us": max(values),
            "sum_us": sum(values), "clamped": 0,
            "buckets": [[i, c] for i, c in sorted(b.items())]}
phases = {"connect": phase([rng.randint(50, 5000) for _ in range(sessions)]),
          "dot": phase([rng.randint(1000, 200000 * seed) for _ in range(sessions)])}
if seed == 2:
    phases["custom"] = phase([rng.randint(1, 100) for _ in range(7)])
kinds = {"timeout": failed - failed // 2, "expect": failed // 2} if failed else {}
codes = {"421": failed // 2} if failed else {}
json.dump({"smtprun": "load", "version": 1, "scenario": "send.lua", "shard": "%d/3" % seed,
           "started_at": float(start), "ended_at": float(end), "duration_s": 0,
           "sessions": sessions, "failed": failed, "messages": sessions - failed,
           "bytes": 1000 * (sessions - failed), "sessions_per_s": 0, "messages_per_s": 0,
           "bytes_per_s": 0,
           "errors": {"total": failed, "kinds": kinds, "codes": codes, "other": 0},
           "histogram": {"unit": "us", "highest": 3600000000, "sigfigs": 3},
           "phases": phases, "thresholds": []}, open(path, "w"))
PY
python3 "$T/make.py" "$T/s1.json" 1 100 0 1000 1010 || fail "make s1"
python3 "$T/make.py" "$T/s2.json" 2 150 4 1002 1020 || fail "make s2"
python3 "$T/make.py" "$T/s3.json" 3 50 1 1001 1015 || fail "make s3"

run report merge "$T/s1.json" "$T/s2.json" "$T/s3.json" --json "$T/m.json"
expect_rc 0
expect_out "scenario send.lua"
expect_out "sessions 300, failed 5, in 20.000 s: 15.0 sessions/s"
expect_out "messages 295: 14.8 messages/s"
expect_out "by kind: timeout 3, expect 2"
expect_out "by code: 421 2"
[ "$(stat -c %a "$T/m.json")" = 600 ] || fail "the merged report is not mode 0600"

# The merged report: totals, every bucket the sum of the inputs', the
# percentiles those of the merged buckets, and it parses as the printed one.
python3 - "$T" <<'PY' || fail "the merged JSON"
import json, sys
sys.path.insert(0, sys.argv[1])
from hdr import percentile
T = sys.argv[1]
ins = [json.load(open("%s/s%d.json" % (T, k))) for k in (1, 2, 3)]
m = json.load(open(T + "/m.json"))
assert m["smtprun"] == "load" and m["version"] == 1, m
assert m["scenario"] == "send.lua" and m["shard"] is None, m
assert (m["sessions"], m["failed"], m["messages"], m["bytes"]) == (300, 5, 295, 295000), m
assert (m["started_at"], m["ended_at"], m["duration_s"]) == (1000, 1020, 20), m
assert m["sessions_per_s"] == 15 and m["messages_per_s"] == 14.75, m
assert m["errors"] == {"total": 5, "kinds": {"timeout": 3, "expect": 2},
                       "codes": {"421": 2}, "other": 0}, m["errors"]
assert m["histogram"] == {"unit": "us", "highest": 3600000000, "sigfigs": 3}
assert list(m["phases"]) == ["connect", "dot", "custom"], list(m["phases"])
for name, p in m["phases"].items():
    want = {}
    for r in ins:
        for i, c in r["phases"].get(name, {"buckets": []})["buckets"]:
            want[i] = want.get(i, 0) + c
    assert dict(p["buckets"]) == want, name
    assert [i for i, _ in p["buckets"]] == sorted(want), name
    srcs = [r["phases"][name] for r in ins if name in r["phases"]]
    assert p["count"] == sum(s["count"] for s in srcs), name
    assert p["min_us"] == min(s["min_us"] for s in srcs), name
    assert p["max_us"] == max(s["max_us"] for s in srcs), name
    assert p["sum_us"] == sum(s["sum_us"] for s in srcs), name
    assert p["max_ms"] == p["max_us"] / 1000 and p["min_ms"] == p["min_us"] / 1000, name
    assert abs(p["mean_ms"] - p["sum_us"] / p["count"] / 1000) < 1e-9, name
    for key, pct in (("p50_ms", 50), ("p90_ms", 90), ("p99_ms", 99), ("p999_ms", 99.9)):
        exp = percentile(p["buckets"], pct, p["max_us"]) / 1000
        assert abs(p[key] - exp) < 1e-9, (name, key, p[key], exp)
# The printed table says the same.
out = open(T + "/out").read()
dot = m["phases"]["dot"]
row = "%-10s %10d %11.3f %11.3f %11.3f %11.3f %11.3f" % ("dot", dot["count"],
    dot["p50_ms"], dot["p90_ms"], dot["p99_ms"], dot["p999_ms"], dot["max_ms"])
assert row in out, (row, out)
PY

# Merging the merged report alone gives it back (buckets, totals).
run report merge "$T/m.json" --json "$T/m2.json"; expect_rc 0
python3 - "$T/m.json" "$T/m2.json" <<'PY' || fail "merge of the merge"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
assert a == b, (a, b)
PY

# Thresholds: exit 1 when one fails, each shown with its value.
dot99=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["phases"]["dot"]["p99_ms"])' "$T/m.json")
run report merge "$T/s1.json" "$T/s2.json" "$T/s3.json" --threshold "dot.p99<=${dot99}ms" \
	--threshold 'errors<6' --threshold 'error_rate < 2%' --threshold 'sessions_per_s>=15'
expect_rc 0
expect_out "  ok     dot.p99<=${dot99}ms  (${dot99} ms)"
expect_out "  ok     errors<6  (5)"
expect_out "  ok     error_rate < 2%  (1.66667%)"
run report merge "$T/s1.json" "$T/s2.json" "$T/s3.json" --threshold "dot.p99<${dot99}ms" \
	--threshold 'errors<6' --json "$T/t.json"
expect_rc 1
expect_out "  FAILED dot.p99<${dot99}ms  (${dot99} ms)"
expect_out "  ok     errors<6  (5)"
python3 - "$T/t.json" "$dot99" <<'PY' || fail "thresholds in the JSON"
import json, sys
t = json.load(open(sys.argv[1]))["thresholds"]
assert t == [{"expr": "dot.p99<%sms" % sys.argv[2], "value": float(sys.argv[2]), "ok": False},
             {"expr": "errors<6", "value": 5, "ok": True}], t
PY
run report merge "$T/s1.json" --threshold 'tls.p99<1s'; expect_rc 1
expect_out "FAILED tls.p99<1s  (the phase never ran)"
run report merge "$T/s1.json" --threshold 'dot.p99<1'; expect_rc 1
run report merge "$T/s1.json" --threshold 'dot.p99<'; expect_rc 2
expect_err 'bad --threshold: threshold "dot.p99<": no number'

# Failed sessions fail the merge only past --max-errors.
run report merge "$T/s2.json"; expect_rc 0
run report merge "$T/s2.json" --max-errors 4; expect_rc 0
run report merge "$T/s2.json" --max-errors 3; expect_rc 1
expect_err "4 sessions failed, more than --max-errors 3"
run report merge "$T/s2.json" --max-errors -1; expect_rc 2

# Different scenarios: "merged".
sed 's/"send.lua"/"other.lua"/' "$T/s3.json" >"$T/o.json"
run report merge "$T/s1.json" "$T/o.json"; expect_rc 0
expect_out "scenario merged"

# Malformed reports: exit 2, the file and what is wrong named.
printf '{"smtprun": "load",' >"$T/cut.json"
run report merge "$T/s1.json" "$T/cut.json"; expect_rc 2
expect_err "smtprun report merge: $T/cut.json: not a smtprun load report (not JSON"
printf '[]' >"$T/arr.json"
run report merge "$T/arr.json"; expect_rc 2
expect_err "$T/arr.json: not a smtprun load report"
sed 's/"sigfigs": 3/"sigfigs": 2/' "$T/s1.json" >"$T/sig.json"
run report merge "$T/s1.json" "$T/sig.json"; expect_rc 2
expect_err "$T/sig.json: histogram: highest 3600000000, sigfigs 2"
sed 's/"buckets": \[\[/"buckets": [[99999999, 1], [/' "$T/s1.json" >"$T/idx.json"
run report merge "$T/idx.json"; expect_rc 2
expect_err "$T/idx.json: phases.connect.buckets[0]: index out of range"
sed 's/"sessions": 100/"sessions": "100"/' "$T/s1.json" >"$T/type.json"
run report merge "$T/type.json"; expect_rc 2
expect_err "$T/type.json: sessions: not an integer in [0, 2^53]"
run report merge "$T/s1.json" "$T/nosuch.json"; expect_rc 2
expect_err "cannot read $T/nosuch.json"
run report merge "$T/s1.json" --json "$T/nodir/m.json"; expect_rc 2
expect_err "$T/nodir/m.json"

# Usage.
run report; expect_rc 2; expect_err "give a subcommand (merge)"
run report split "$T/s1.json"; expect_rc 2; expect_err 'unknown subcommand "split"'
run report merge; expect_rc 2; expect_err "give the JSON reports to merge"
run report merge -s 127.0.0.1 "$T/s1.json"; expect_rc 2
expect_err "option --server does not apply here"
run report --help; expect_rc 0; expect_out "usage: smtprun report merge"
echo "ok"
