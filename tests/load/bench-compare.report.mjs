// Summarises a `make bench-compare` output directory: reads every <server>-n<N>-r<round>.json
// that `parley load --json` wrote (keys: server/src/load/LoadReport.h) and prints one table per
// N with the mean over the rounds, then writes summary.json beside them.
//
//   node tests/load/bench-compare.report.mjs build/bench-compare/<time>

import fs from 'node:fs';
import path from 'node:path';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: bench-compare.report.mjs OUTPUT_DIR');
  process.exit(2);
}

const SERVER_ORDER = ['parleyd', 'janus', 'janus-loop1'];
const LABEL = {
  parleyd: 'parleyd',
  janus: 'Janus',
  'janus-loop1': 'Janus event_loops=1',
};

const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

// One run's figures, null where the report has no value.
function figures(report) {
  const media = report.media ?? {};
  const rate = media.perSubscriber?.packetRate ?? {};
  const server = report.server ?? {};
  const latency = report.latency?.endToEndMs ?? {};
  const forwarded = num(rate.mean) !== null && num(rate.count) !== null ? rate.mean * rate.count : null;
  const cpu = num(server.cpuPercent);
  return {
    subscribers: num(report.config?.totalSubscribers),
    connected: num(report.join?.subscribersConnected),
    forwardedPps: forwarded,
    cpuPercent: cpu,
    usPerVideoPacket: num(server.cpuUsPerVideoPacket),
    usPerPacket: cpu !== null && forwarded ? (cpu / 100) * 1e6 / forwarded : null,
    lossPercent: num(media.lossPercent),
    rssPerSubscriberKB: num(server.rssPerSubscriberBytes) !== null ? server.rssPerSubscriberBytes / 1024 : null,
    latencyP50Ms: num(latency.p50),
    latencyP99Ms: num(latency.p99),
    loadToolCpuPercent: num(report.loadTool?.cpuPercent),
  };
}

function mean(values) {
  const v = values.filter((x) => x !== null);
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
}

const runs = new Map();  // N → server → [figures]
const missing = [];
for (const name of fs.readdirSync(dir).sort()) {
  const m = /^(.+)-n(\d+)-r(\d+)\.load\.txt$/.exec(name);
  if (!m) continue;
  const [, server, n] = m;
  const jsonFile = path.join(dir, name.replace(/\.load\.txt$/, '.json'));
  let report = null;
  try {
    report = JSON.parse(fs.readFileSync(jsonFile, 'utf8'));
  } catch {
    missing.push(path.basename(jsonFile));
  }
  if (!runs.has(+n)) runs.set(+n, new Map());
  const byServer = runs.get(+n);
  if (!byServer.has(server)) byServer.set(server, []);
  if (report) byServer.get(server).push(figures(report));
}

const fmt = (v, digits = 1) => (v === null ? '—' : v.toFixed(digits));
const fmtInt = (v) => (v === null ? '—' : Math.round(v).toLocaleString('en-US'));

const summary = [];
const lines = [];
for (const n of [...runs.keys()].sort((a, b) => a - b)) {
  const byServer = runs.get(n);
  const rank = (s) => (SERVER_ORDER.includes(s) ? SERVER_ORDER.indexOf(s) : SERVER_ORDER.length);
  const servers = [...byServer.keys()].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const agg = {};
  for (const s of servers) {
    const list = byServer.get(s);
    const keys = list.length ? Object.keys(list[0]) : [];
    agg[s] = { runs: list.length };
    for (const k of keys) agg[s][k] = mean(list.map((f) => f[k]));
    // A subscriber lost in any round shows: the fewest connected, not the mean.
    const connected = list.map((f) => f.connected).filter((v) => v !== null);
    agg[s].connected = connected.length ? Math.min(...connected) : null;
  }
  const base = agg.parleyd?.usPerVideoPacket ?? null;
  lines.push('');
  lines.push(`1 publisher → ${n} subscribers (mean of the runs; server on CPU 0, parley load on CPU 1)`);
  const header = ['server', 'runs', 'subs ok (min)', 'fwd pkt/s', 'CPU %', 'µs/video pkt', 'µs/pkt',
    'parleyd/this', 'loss %', 'RSS KB/sub', 'lat p50 ms', 'lat p99 ms', 'tool CPU %'];
  const rows = [header];
  for (const s of servers) {
    const a = agg[s];
    const ratio = base !== null && a.usPerVideoPacket ? base / a.usPerVideoPacket : null;
    rows.push([
      LABEL[s] ?? s,
      String(a.runs),
      a.connected === null || a.connected === undefined ? '—' : `${Math.round(a.connected)}/${n}`,
      fmtInt(a.forwardedPps ?? null),
      fmt(a.cpuPercent ?? null),
      fmt(a.usPerVideoPacket ?? null, 2),
      fmt(a.usPerPacket ?? null, 2),
      s === 'parleyd' ? '1' : fmt(ratio, 2),
      fmt(a.lossPercent ?? null, 2),
      fmt(a.rssPerSubscriberKB ?? null, 0),
      fmt(a.latencyP50Ms ?? null, 2),
      fmt(a.latencyP99Ms ?? null, 2),
      fmt(a.loadToolCpuPercent ?? null, 0),
    ]);
    summary.push({ subscribers: n, server: s, ...a, parleydOverThis: s === 'parleyd' ? 1 : ratio });
  }
  const widths = header.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const [i, r] of rows.entries()) {
    lines.push(r.map((c, j) => (j === 0 ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join('  '));
    if (i === 0) lines.push(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}
lines.push('');
lines.push('µs/video pkt: server CPU per video packet the subscribers received (the forwarding cost);');
lines.push('µs/pkt: the same over all packets (audio too); parleyd/this: parleyd\'s µs/video pkt over');
lines.push('this server\'s (below 1: parleyd needs less CPU per packet). RSS KB/sub: (RSS at the end −');
lines.push('RSS at the start) / subscribers. tool CPU near 100 %: the load tool, not the server, was the limit.');
if (missing.length) lines.push(`runs without a JSON report (failed): ${missing.join(', ')}`);
console.log(lines.join('\n'));
fs.writeFileSync(path.join(dir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
