#!/usr/bin/env bash
# A load run split into 4 shards by GNU parallel (examples/load/parallel.sh)
# against the server role, merged by `smtprun report merge`: its totals equal
# one unsharded run's, its histograms are the shards' added bucket by bucket,
# and its percentiles are those HdrHistogram's own library reads from the
# merged --hdr-log.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${SRCDIR:?}/tests/integration/lib.sh" || exit 1
need_python
command -v parallel >/dev/null || { echo "GNU parallel is not installed"; exit 77; }

serve_bg serve "$SRCDIR/tests/scenarios/load_target.lua"
S="127.0.0.1:$SERVE_PORT"
client="$SRCDIR/tests/scenarios/load_client.lua"

run load -c 8 -n 200 -s "$S" --json "$T/one.json" "$client"; expect_rc 0

LAST="examples/load/parallel.sh 4"
SMTPRUN="$SMTPRUN" OUT="$T/shards" DELAY=1 THRESHOLDS="session.p50<60s errors<1" \
    sh "$SRCDIR/examples/load/parallel.sh" 4 "$client" -c 2 -n 200 -s "$S" \
    >"$T/out" 2>"$T/err"
RC=$?
expect_rc 0
expect_out "session.p50<60s"
for k in 1 2 3 4; do [ -s "$T/shards/shard-$k.json" ] || fail "no shard $k"; done
run report merge "$T"/shards/shard-*.json --json "$T/merged.json" --hdr-log "$T/merged.hdr"
expect_rc 0

python3 - "$T/one.json" "$T/merged.json" "$T"/shards/shard-*.json <<'PY' || fail "the merge does not add up"
import json, sys
from collections import Counter
one, merged = (json.load(open(p)) for p in sys.argv[1:3])
shards = [json.load(open(p)) for p in sys.argv[3:]]
for key in ("sessions", "messages", "failed"):
    assert merged[key] == one[key] == sum(s[key] for s in shards), key
assert sorted(s["sessions"] for s in shards) == [50, 50, 50, 50]
assert set(merged["phases"]) == set(one["phases"])
for name, p in merged["phases"].items():
    assert p["count"] == one["phases"][name]["count"], name
    want = Counter()
    for s in shards:
        for i, c in s["phases"].get(name, {}).get("buckets", []):
            want[i] += c
    got = Counter({i: c for i, c in p["buckets"]})
    assert got == want, name
    assert p["max_ms"] == max(s["phases"][name]["max_ms"] for s in shards), name
    assert p["min_ms"] == min(s["phases"][name]["min_ms"] for s in shards), name
    assert p["p50_ms"] <= p["p90_ms"] <= p["p99_ms"] <= p["p999_ms"] <= p["max_ms"], name
PY
# HdrHistogram's JS library (tests/node: npm ci) reads the merged log as
# the merged report says (exit 77: the library is not installed).
if command -v node >/dev/null; then
	node "$SRCDIR/tests/integration/hdrlog_check.js" "$T/merged.hdr" "$T/merged.json" \
	    >"$T/node.out" 2>&1
	nrc=$?
	[ "$nrc" -eq 0 ] || [ "$nrc" -eq 77 ] ||
	    { cat "$T/node.out" >&2; fail "the merged hdr-log disagrees with the merged report"; }
fi

# A threshold the merged report does not meet: exit 1; a broken shard: 2.
run report merge "$T"/shards/shard-*.json --threshold 'session.max<1us'; expect_rc 1
echo '{"smtprun": "load"' >"$T/shards/broken.json"
run report merge "$T/shards/shard-1.json" "$T/shards/broken.json"; expect_rc 2
expect_err "broken.json"
exit 0
