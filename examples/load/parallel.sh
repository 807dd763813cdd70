#!/bin/sh
# parallel.sh: one load run split into N shards with GNU parallel, on this
# machine or over ssh, then merged into one report.
#
#   examples/load/parallel.sh N SCENARIO [smtprun load options...]
#   examples/load/parallel.sh 4 scripts/load/send.lua -n 100000 -c 50 -s mail.example.test:25
#
# Every shard runs `smtprun load --shard K/N` with the same options and
# starts at the same moment (--start-at, DELAY seconds from now); -n and
# --rate are the whole run's (each shard does its Nth). Their JSON
# reports go to OUT/shard-K.json and `smtprun report merge` adds them up into
# OUT/all.json (histograms bucket by bucket) and applies THRESHOLDS.
#
# Environment:
#   SMTPRUN     the smtprun binary (default: smtprun on PATH)
#   OUT         where the reports go (default: load-<epoch>)
#   DELAY       seconds until the shards start (default 2; more over ssh)
#   SSHLOGIN    GNU parallel's --sshlogin (e.g. "4/gen1,4/gen2"): run the
#               shards on those hosts (smtprun installed there); the scenario
#               is copied over and each report brought back
#   THRESHOLDS  --threshold expressions for the merged report, blank-separated
#
# Exit status: that of `smtprun report merge` (0, 1 a threshold or
# --max-errors failed), or 2 when a shard left no report.
set -eu

[ $# -ge 2 ] || { echo "usage: $0 N SCENARIO [smtprun load options...]" >&2; exit 2; }
n=$1
scenario=$2
shift 2
smtprun=${SMTPRUN:-smtprun}
out=${OUT:-load-$(date +%s)}
command -v parallel >/dev/null || { echo "$0: GNU parallel is not installed" >&2; exit 2; }
mkdir -p "$out"
start=$(( $(date +%s) + ${DELAY:-2} ))

# Shards exit 1 when a session failed: that is for the merged report to say.
if [ -n "${SSHLOGIN:-}" ]; then
	parallel --sshlogin "$SSHLOGIN" --basefile "$scenario" --return "$out/shard-{}.json" \
	    "mkdir -p $out && $smtprun load --shard {}/$n --start-at $start --json $out/shard-{}.json $* $scenario" \
	    ::: $(seq 1 "$n") || true
else
	parallel --line-buffer "$smtprun" load --shard "{}/$n" --start-at "$start" \
	    --json "$out/shard-{}.json" "$@" "$scenario" ::: $(seq 1 "$n") || true
fi

set --
for k in $(seq 1 "$n"); do
	[ -s "$out/shard-$k.json" ] || { echo "$0: shard $k/$n left no report" >&2; exit 2; }
	set -- "$@" "$out/shard-$k.json"
done
set -f		# a threshold is one word, never a glob
for t in ${THRESHOLDS:-}; do
	set -- "$@" --threshold "$t"
done
exec "$smtprun" report merge "$@" --json "$out/all.json"
