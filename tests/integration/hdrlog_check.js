#!/usr/bin/env node
// hdrlog_check.js LOG.hdr REPORT.json: reads an `smtprun load --hdr-log`
// file with HdrHistogram's own JS library (npm hdr-histogram-js) and checks
// it against the run's --json report, phase by phase:
//   - the same phases (one tag each, no other line), the run's span;
//   - every count at every index equal to the report's "buckets", and the
//     same total, highest trackable value and significant digits;
//   - min, max, p50, p90, p99, p99.9 in the same bucket as the report's.
// Percentiles: HdrHistogram's implementations differ in the rank they take
// for p% of N values: C (and smtprun) round p*N/100 to the nearest, Java and
// JS round it up. So each is asked of the library as the percentile 100*r/N
// that names smtprun's rank r, and must then fall in the same bucket (equal
// lowest equivalent values): the report's value is clamped to the exact max,
// the library's is its bucket's highest value, and nothing else may differ.
// Exit 0 when all agree, 1 with every mismatch listed, 2 on bad input,
// 77 when the library is not installed (see tests/node/package.json).
"use strict";

const fs = require("fs");
const path = require("path");

function die(code, msg) {
  process.stderr.write(`hdrlog_check: ${msg}\n`);
  process.exit(code);
}

if (process.argv.length !== 4) die(2, "usage: hdrlog_check.js LOG.hdr REPORT.json");
const modules = process.env.SMTPRUN_NODE_MODULES ||
  path.join(__dirname, "..", "node", "node_modules");
let hdr;
try {
  hdr = require(path.join(modules, "hdr-histogram-js"));
} catch (e) {
  die(77, `skipped: no hdr-histogram-js in ${modules} (npm ci --prefix tests/node)`);
}

let log, report;
try {
  log = fs.readFileSync(process.argv[2], "utf8");
  report = JSON.parse(fs.readFileSync(process.argv[3], "utf8"));
} catch (e) {
  die(2, e.message);
}
if (report.smtprun !== "load" || typeof report.phases !== "object")
  die(2, `${process.argv[3]}: not the JSON report of smtprun load`);

// A phase's tag: smtprun writes commas, blanks and control bytes as "_".
const tagOf = (name) => name.replace(/[\x00-\x20,\x7f]/g, "_");
const phases = {};
for (const [name, ph] of Object.entries(report.phases)) phases[tagOf(name)] = ph;

const problems = [];
const bad = (msg) => problems.push(msg);
const us = (ms) => Math.round(ms * 1000);

// The lines themselves: the header HdrHistogram's writers put, then one
// tagged interval per phase, its Interval_Max in milliseconds.
const lines = log.split("\n").filter((l) => l !== "");
const maxColumn = {};
for (const l of lines) {
  if (l.startsWith("#") || l.startsWith('"StartTimestamp"')) continue;
  const m = /^Tag=([^, ]+),([0-9.]+),([0-9.]+),([0-9.]+),([A-Za-z0-9+/=]+)$/.exec(l);
  if (!m) { bad(`not an interval line: ${l.slice(0, 80)}`); continue; }
  maxColumn[m[1]] = Number(m[4]);
}
for (const want of ["#[Histogram log format version 1.3]", "#[StartTime: ", "#[BaseTime: ",
  '"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"'])
  if (!lines.some((l) => l.startsWith(want))) bad(`no line starting ${want}`);

const reader = new hdr.HistogramLogReader(log, 64);
const seen = {};
let h;
while ((h = reader.nextIntervalHistogram()) !== null) {
  const name = h.tag;
  const ph = phases[name];
  if (seen[name]) bad(`${name}: two intervals`);
  seen[name] = true;
  if (!ph) { bad(`${name}: in the log, not in the report`); continue; }
  if (!Array.isArray(ph.buckets)) { bad(`${name}: no "buckets" in the report`); continue; }
  const where = `${name}`;
  const eq = (what, got, want) => {
    if (got !== want) bad(`${where}: ${what} ${got} in the log, ${want} in the report`);
  };
  eq("count", h.totalCount, ph.count);
  eq("highest trackable value", h.highestTrackableValue, report.histogram.highest);
  eq("significant digits", h.numberOfSignificantValueDigits, report.histogram.sigfigs);
  let sum = 0;
  for (const [i, c] of ph.buckets) {
    eq(`count at index ${i}`, h.getCountAtIndex(i), c);
    sum += c;
  }
  // With the totals equal, no other index holds anything.
  eq("sum of the report's buckets vs the log's total", h.totalCount, sum);
  const bucket = (v) => h.lowestEquivalentValue(v);
  const sameBucket = (what, got, want) => {
    if (bucket(got) !== bucket(want))
      bad(`${where}: ${what} ${got} us in the log, ${want} us in the report ` +
        `(buckets from ${bucket(got)} and ${bucket(want)})`);
  };
  sameBucket("min", h.minNonZeroValue, ph.min_us);
  sameBucket("max", h.maxValue, ph.max_us);
  eq("Interval_Max (ms)", maxColumn[name], ph.max_us / 1000);
  for (const [p, key] of [[50, "p50_ms"], [90, "p90_ms"], [99, "p99_ms"], [99.9, "p999_ms"]]) {
    const rank = Math.max(1, Math.floor((p / 100) * h.totalCount + 0.5));
    sameBucket(`p${p} (rank ${rank} of ${h.totalCount})`,
      h.getValueAtPercentile((100 * rank) / h.totalCount), us(ph[key]));
  }
  if (Math.abs(h.startTimeStampMsec / 1000 - report.started_at) > 0.002)
    bad(`${where}: starts at ${h.startTimeStampMsec / 1000}, the run at ${report.started_at}`);
  if (Math.abs((h.endTimeStampMsec - h.startTimeStampMsec) / 1000 - report.duration_s) > 0.002)
    bad(`${where}: lasts ${(h.endTimeStampMsec - h.startTimeStampMsec) / 1000} s, ` +
      `the run ${report.duration_s} s`);
}
for (const name of Object.keys(phases))
  if (!seen[name]) bad(`${name}: in the report, not in the log`);
if (Object.keys(seen).length === 0) bad("no interval in the log");

if (problems.length > 0) {
  for (const p of problems) process.stderr.write(`hdrlog_check: ${p}\n`);
  process.exit(1);
}
process.stdout.write(`hdrlog_check: ${Object.keys(seen).length} phases agree ` +
  `(${Object.keys(seen).join(" ")})\n`);
