#!/usr/bin/env node
// Signal storm: N raw Rumor clients in ONE session, each sending S signals to the whole
// session (N*N*S deliveries), measured against the targets of issue 10 item 6:
//   join of 1000 connections < 5 s, 1 M deliveries drained < 10 s, /healthz < 50 ms during
//   the storm, < 30 kB RSS per idle connection.
// A measurement, not a test: it prints PASS/MISS per target and exits 0 either way; it exits
// 1 only when the run itself broke (parleyd did not start or died, nobody could join, ...).
// Its name has no `.test.` part, so `node --test tests/` (make test) does not run it.
//
//   node tests/load/signal-storm.mjs [-n 1000] [-s 1] [--parleyd build/release-load/parleyd]
//   node tests/load/signal-storm.mjs --url http://127.0.0.1:5080 --api-key K --api-secret S [--pid P]
//
// Clients ack every server MESSAGE with a STATUS carrying its TRANSACTION-ID, as OpenTok.js
// does, and run in worker threads so the main thread (which times /healthz) stays idle; the
// decoder reads only the header fields it needs. docs/performance.md explains the output.

import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

import { Type, encodeFrame } from '../lib/rumor.js';

const now = () => performance.timeOrigin + performance.now();  // ms, comparable across threads
const delay = (ms) => new Promise((r) => setTimeout(r, ms));
const MARK = 'lstorm:';  // signal data prefix: `lstorm:<sender>:<k>`

if (isMainThread) {
  main().catch((err) => {
    console.error(`signal-storm: ${err.stack ?? err}`);
    process.exit(1);
  });
} else {
  runWorker();
}

// =========================================================================================
// Main thread: parleyd, session, tokens, phases, /healthz and RSS sampling, report.

function usage() {
  return `Usage: node tests/load/signal-storm.mjs [options]
  -n, --connections N     connections in the session (default 1000)
  -s, --signals S         signals each connection sends to the whole session (default 1)
  -w, --workers W         client worker threads (default 2)
      --timeout SEC       overall cap; the run stops by itself after it (default 360)
      --parleyd PATH      parleyd binary to start (default $PARLEYD, build/release-load/parleyd,
                          build/parleyd, build/asan/parleyd)
      --server-arg ARG    extra parleyd argument (repeatable, e.g. --server-arg=--rtc-workers=1)
      --url URL           attach to a running parleyd instead (needs --api-key/--api-secret;
                          its limits must allow N connections per session)
      --api-key K, --api-secret S   project credentials for --url
      --pid PID           parleyd's pid with --url (for RSS and CPU figures)
      --signal-rate R     server signal rate per connection (default 20/s, burst --signal-burst
                          50); signals beyond the burst are paced to respect it
      --signal-burst B
      --data-bytes B      extra bytes of signal data (default 0)
      --ping-ms MS        client PING interval (default 10000)
      --label TEXT        free text copied into the JSON line (e.g. the commit measured)
      --no-pin            do not split the CPUs (by default, with 2 or more CPUs, parleyd is
                          pinned to CPU 0 and the clients to the others, and the thread that
                          times /healthz runs at a higher priority than the clients, so that
                          the load generator neither preempts parleyd nor delays the probe)
      --trim-probe        diagnostic: after the idle RSS, make parleyd call malloc_trim(0)
                          (through gdb) and measure again, to tell live memory from what
                          the allocator keeps after the join's traffic`;
}

function options() {
  const { values } = parseArgs({
    options: {
      connections: { type: 'string', short: 'n', default: '1000' },
      signals: { type: 'string', short: 's', default: '1' },
      workers: { type: 'string', short: 'w', default: '2' },
      timeout: { type: 'string', default: '360' },
      parleyd: { type: 'string' },
      'server-arg': { type: 'string', multiple: true, default: [] },
      url: { type: 'string' },
      'api-key': { type: 'string' },
      'api-secret': { type: 'string' },
      pid: { type: 'string' },
      'signal-rate': { type: 'string', default: '20' },
      'signal-burst': { type: 'string', default: '50' },
      'data-bytes': { type: 'string', default: '0' },
      'ping-ms': { type: 'string', default: '10000' },
      label: { type: 'string', default: '' },
      'trim-probe': { type: 'boolean', default: false },
      'no-pin': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(usage());
    process.exit(0);
  }
  const num = (k) => {
    const v = Number(values[k]);
    if (!Number.isFinite(v) || v < 0) throw new Error(`--${k}: not a number: ${values[k]}`);
    return v;
  };
  return {
    n: Math.max(1, Math.floor(num('connections'))),
    s: Math.max(1, Math.floor(num('signals'))),
    workers: Math.max(1, Math.floor(num('workers'))),
    timeoutMs: num('timeout') * 1000,
    parleyd: values.parleyd,
    serverArgs: values['server-arg'],
    url: values.url?.replace(/\/+$/, ''),
    apiKey: values['api-key'],
    apiSecret: values['api-secret'],
    pid: values.pid ? Number(values.pid) : null,
    signalRate: num('signal-rate'),
    signalBurst: Math.max(1, Math.floor(num('signal-burst'))),
    dataBytes: Math.floor(num('data-bytes')),
    pingMs: num('ping-ms'),
    label: values.label,
    trimProbe: values['trim-probe'],
    pin: !values['no-pin'] && os.cpus().length >= 2,
  };
}

// Limits a load run must lift. `--max-connections` is the per-session cap; flags teammates
// add later (per-IP or total caps, join timeouts) are recognised by name in `--help`.
function generousServerArgs(binary, n) {
  let help = '';
  try {
    help = execFileSync(binary, ['--help'], { encoding: 'utf8', timeout: 10000 });
  } catch (err) {
    help = `${err.stdout ?? ''}`;
  }
  const args = [];
  const big = String(Math.max(100000, 10 * n));
  for (const m of help.matchAll(/^\s*(--[a-z0-9-]+)(?:\s+([A-Z]+))?/gm)) {
    const [, flag, meta] = m;
    if (!meta) continue;
    if (flag === '--max-connections') args.push(flag, String(n + 100));
    else if (/^--max-.*(connection|socket|per-ip|clients)/.test(flag)) args.push(flag, big);
    else if (/(join|unjoined|handshake|idle-socket).*(timeout|ms|seconds)/.test(flag))
      args.push(flag, meta === 'MS' ? '120000' : '120');
  }
  return args;
}

async function startServer(opt) {
  const lib = await import('../lib/parleyd.js');
  const candidates = [opt.parleyd, process.env.PARLEYD, 'build/release-load/parleyd', 'build/parleyd',
    'build/asan/parleyd'].filter(Boolean);
  const binary = candidates.map((c) => path.resolve(lib.repoRoot, c)).find((p) => fs.existsSync(p));
  if (!binary) throw new Error(`no parleyd binary found (tried ${candidates.join(', ')})`);
  process.env.PARLEYD = binary;  // startParleyd spawns parleydPath()
  const extraArgs = [...generousServerArgs(binary, opt.n), ...opt.serverArgs];
  const server = await lib.startParleyd({ extraArgs, logLevel: 'warn' });
  return { server, binary, extraArgs };
}

function procStatus(pid) {
  try {
    const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k) => Number(text.match(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm'))?.[1] ?? NaN);
    return { rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') };
  } catch {
    return { rssKb: NaN, hwmKb: NaN };
  }
}

let clkTck = 100;
try {
  clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {
  // keep 100
}

// CPU seconds (user + system) parleyd has used so far.
function procCpu(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / clkTck;  // utime, stime (fields 14, 15)
  } catch {
    return NaN;
  }
}

function clientCpu() {
  const u = process.cpuUsage();  // the whole process: main thread and workers
  return (u.user + u.system) / 1e6;
}

function pct(sorted, p) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function summary(values) {
  const sorted = Float64Array.from(values).sort();
  return { count: sorted.length, p50: pct(sorted, 50), p99: pct(sorted, 99), max: sorted.length ? sorted[sorted.length - 1] : NaN };
}

// parleyd's own view of its control thread: the largest timer lag since the previous scrape
// (parley_control_loop_lag_max_seconds on /metrics), in ms; NaN when it does not export it.
// Tells a slow /healthz caused by the server from one caused by this client's own threads
// competing for the machine's cores.
async function scrapeMetric(url, name) {
  try {
    const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(60000) });
    const m = new RegExp(`^${name} ([0-9.eE+-]+)$`, 'm').exec(await res.text());
    return m ? Number(m[1]) : NaN;
  } catch {
    return NaN;
  }
}

async function scrapeLoopLagMs(url) {
  return (await scrapeMetric(url, 'parley_control_loop_lag_max_seconds')) * 1000;
}

// GET /healthz every 100 ms, each on a fresh TCP connection like an external health check;
// a request still unanswered when sampling stops counts with the time it has waited.
function healthSampler(url) {
  const samples = [];
  const outstanding = new Set();
  let failures = 0;
  const fire = () => {
    const t0 = now();
    const entry = { t0 };
    outstanding.add(entry);
    const req = http.get(`${url}/healthz`, { agent: false, timeout: 60000 }, (res) => {
      res.resume();
      res.on('end', () => {
        if (!outstanding.delete(entry)) return;
        samples.push(now() - t0);
        if (res.statusCode !== 200) failures++;
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => {
      if (!outstanding.delete(entry)) return;
      samples.push(now() - t0);
      failures++;
    });
  };
  fire();
  const timer = setInterval(fire, 100);
  return {
    stop() {
      clearInterval(timer);
      const t = now();
      const unanswered = outstanding.size;
      for (const e of outstanding) samples.push(t - e.t0);
      outstanding.clear();
      return { ...summary(samples), failures, unanswered };
    },
  };
}

function rssSampler(pid) {
  let peak = 0;
  const timer = setInterval(() => {
    const { rssKb } = procStatus(pid);
    if (rssKb > peak) peak = rssKb;
  }, 100);
  return { stop: () => (clearInterval(timer), peak) };
}

async function main() {
  const opt = options();
  const tStart = now();
  const deadline = tStart + opt.timeoutMs;
  let started = null;
  let url = opt.url;
  let apiKey = opt.apiKey;
  let apiSecret = opt.apiSecret;
  let pid = opt.pid;
  const workers = [];
  let broke = null;

  // Whatever happens, the sockets close and the parleyd we started stops, by pid.
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    await Promise.all(workers.map((w) => w.closeAll()));
    if (started) await started.server.terminate('SIGTERM', 15000);
  };
  const watchdog = setTimeout(() => {
    console.error('signal-storm: overall timeout overrun by 60 s; killing');
    if (started) try { process.kill(started.server.proc.pid, 'SIGKILL'); } catch { /* gone */ }
    process.exit(1);
  }, opt.timeoutMs + 60000);
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.once(sig, () => {
      console.error(`signal-storm: ${sig}, stopping`);
      cleanup().finally(() => process.exit(1));
    });
  }

  const result = {
    label: opt.label, n: opt.n, s: opt.s, workers: opt.workers,
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, memGiB: +(os.totalmem() / 2 ** 30).toFixed(1), kernel: os.release(), node: process.version, loadavg: os.loadavg().map((x) => +x.toFixed(2)) },
  };
  try {
    if (!url) {
      started = await startServer(opt);
      url = started.server.url;
      apiKey = started.server.apiKey;
      apiSecret = started.server.apiSecret;
      pid = started.server.proc.pid;
      result.parleyd = { binary: started.binary, args: started.extraArgs };
    } else if (!apiKey || !apiSecret) {
      throw new Error('--url needs --api-key and --api-secret');
    }
    const { default: OpenTok } = await import('opentok');
    const ot = new OpenTok(apiKey, apiSecret, { apiUrl: url });
    const sessionId = await new Promise((resolve, reject) =>
      ot.createSession({ mediaMode: 'relayed' }, (err, s) => (err ? reject(err) : resolve(s.sessionId))));
    const tokens = Array.from({ length: opt.n }, (_, i) => ot.generateToken(sessionId, { role: 'publisher', data: `load=${i}` }));
    const wsUrl = `${url.replace(/^http/, 'ws')}/rumorwebsocketsv2`;

    const exited = () => started?.server.exitInfo;
    const failIfDead = () => {
      const info = exited();
      if (info) throw new Error(`parleyd exited during the run (code ${info.code}, signal ${info.signal})\n${started.server.stderr.slice(-4000)}`);
    };

    // ---- CPU split: parleyd (all its threads) on CPU 0, this process on the others. Set on
    // the main thread before the workers exist, so that they inherit it.
    result.pinned = false;
    if (opt.pin) {
      const rest = `1-${os.cpus().length - 1}`;
      try {
        if (pid) execFileSync('taskset', ['-a', '-p', '-c', '0', String(pid)], { stdio: 'ignore' });
        execFileSync('taskset', ['-p', '-c', rest, String(process.pid)], { stdio: 'ignore' });
        result.pinned = { parleyd: pid ? '0' : 'not started here', clients: rest };
      } catch (err) {
        result.pinned = { error: err.message };
      }
    }

    // ---- workers
    await delay(500);  // let parleyd settle before the baseline RSS
    const idleBefore = pid ? procStatus(pid).rssKb : NaN;
    const heapBefore = await scrapeMetric(url, 'parley_heap_used_bytes');
    for (let w = 0; w < opt.workers; w++) {
      const conns = [];
      for (let i = w; i < opt.n; i += opt.workers) conns.push({ index: i, token: tokens[i] });
      workers.push(spawnWorker({ wsUrl, apiKey, sessionId, conns, n: opt.n, s: opt.s,
        signalRate: opt.signalRate, signalBurst: opt.signalBurst, dataBytes: opt.dataBytes, pingMs: opt.pingMs }));
    }
    await Promise.all(workers.map((w) => w.ready));
    if (opt.pin) {
      // Only this (main) thread: on Linux a pid's priority is its main thread's. The workers
      // were created before, at the default priority.
      try {
        os.setPriority(process.pid, -10);
        result.probePriority = -10;
      } catch (err) {
        result.probePriority = `unchanged (${err.code ?? err.message})`;
      }
    }

    // ---- join: every socket opens at once; joined = STATUS 200 of `connection create`
    const joinDeadline = Math.min(deadline - 30000, now() + Math.max(60000, opt.timeoutMs / 3));
    const cpuJoin0 = clientCpu();
    const srvJoin0 = pid ? procCpu(pid) : NaN;
    await scrapeLoopLagMs(url);  // resets the maximum
    const health1 = healthSampler(url);
    const tJoin = now();
    workers.forEach((w) => w.post({ cmd: 'join', deadline: joinDeadline }));
    const joinReports = await Promise.all(workers.map((w) => w.once('joined')));
    const joined = joinReports.reduce((a, r) => a + r.joined, 0);
    const joinLat = joinReports.flatMap((r) => r.latencies);
    const lastJoin = Math.max(...joinReports.map((r) => r.lastJoinAt));
    const joinErrors = {};
    for (const r of joinReports) for (const [k, v] of Object.entries(r.errors)) joinErrors[k] = (joinErrors[k] ?? 0) + v;
    result.join = {
      joined, failed: opt.n - joined, errors: joinErrors,
      allMs: joined === opt.n ? lastJoin - tJoin : null,
      latencyMs: summary(joinLat),
    };
    failIfDead();
    if (joined === 0) throw new Error(`nobody could join: ${JSON.stringify(joinErrors)}`);

    // Settled: every `connection created` broadcast arrived (each connection sees itself and
    // everyone who joined after it: N(N+1)/2 messages when all joined).
    const expectedJoinMsgs = (joined * (joined + 1)) / 2;
    const settleDeadline = Math.min(deadline - 30000, now() + 120000);
    let joinMsgs = 0;
    let lastMsgAt = 0;
    while (now() < settleDeadline) {
      const p = await Promise.all(workers.map((w) => w.query('progress')));
      joinMsgs = p.reduce((a, x) => a + x.msgs, 0);
      lastMsgAt = Math.max(...p.map((x) => x.lastMsgAt));
      if (joinMsgs >= expectedJoinMsgs) break;
      failIfDead();
      await delay(100);
    }
    result.join.settledMs = joinMsgs >= expectedJoinMsgs ? lastMsgAt - tJoin : null;
    result.join.broadcastsReceived = joinMsgs;
    result.join.broadcastsExpected = expectedJoinMsgs;
    result.join.healthzMs = health1.stop();
    result.join.serverLoopLagMaxMs = await scrapeLoopLagMs(url);
    result.join.clientCpuS = clientCpu() - cpuJoin0;
    result.join.serverCpuS = pid ? procCpu(pid) - srvJoin0 : NaN;
    result.join.wallS = (now() - tJoin) / 1000;

    // ---- idle RSS: 3 s after the join broadcasts were all delivered (and acked); parleyd
    // gives free heap back to the kernel after a second or two without WebSocket work.
    await delay(3000);
    const idleAfter = pid ? procStatus(pid).rssKb : NaN;
    const heapIdle = await scrapeMetric(url, 'parley_heap_used_bytes');
    result.rss = { beforeKb: idleBefore, idleKb: idleAfter, perIdleConnKb: (idleAfter - idleBefore) / joined,
      heapUsedPerConnKb: (heapIdle - heapBefore) / 1024 / joined };
    if (opt.trimProbe && pid) {
      try {
        execFileSync('gdb', ['-p', String(pid), '-batch', '-ex', 'call (int) malloc_trim(0)'], { stdio: 'ignore', timeout: 60000 });
        await delay(500);
        const trimmed = procStatus(pid).rssKb;
        result.rss.afterTrimKb = trimmed;
        result.rss.perIdleConnAfterTrimKb = (trimmed - idleBefore) / joined;
      } catch (err) {
        result.rss.trimError = err.message;
      }
    }

    // ---- storm
    const stormDeadline = deadline - 20000;
    const expected = joined * joined * opt.s;
    const cpuStorm0 = clientCpu();
    const srvStorm0 = pid ? procCpu(pid) : NaN;
    await scrapeLoopLagMs(url);
    const health2 = healthSampler(url);
    const rssPeak = pid ? rssSampler(pid) : null;
    // Every worker counts signals before anyone sends one.
    await Promise.all(workers.map((w) => w.query('prepare')));
    const tStorm = now();
    workers.forEach((w) => w.post({ cmd: 'storm' }));
    let got = 0;
    let lastSigAt = 0;
    let liveConns = joined;
    const timeline = [];  // [seconds since the storm started, deliveries so far], every 5 s
    while (now() < stormDeadline) {
      await delay(100);
      const p = await Promise.all(workers.map((w) => w.query('progress')));
      got = p.reduce((a, x) => a + x.sigs, 0);
      lastSigAt = Math.max(...p.map((x) => x.lastSigAt));
      liveConns = p.reduce((a, x) => a + x.open, 0);
      const sec = (now() - tStorm) / 1000;
      if (sec >= 5 * (timeline.length + 1)) timeline.push([Math.round(sec), got]);
      if (got >= expected) break;
      if (exited()) break;
      if (liveConns === 0) break;
    }
    const tStormEnd = now();
    const hz = health2.stop();
    const stormLoopLagMs = await scrapeLoopLagMs(url);
    const peakKb = rssPeak ? rssPeak.stop() : NaN;
    const finals = await Promise.all(workers.map((w) => w.query('final')));
    const ackWaits = finals.flatMap((f) => f.ackWaits);
    const sum = (k) => finals.reduce((a, f) => a + f[k], 0);
    const closes = {};
    for (const f of finals) for (const [k, v] of Object.entries(f.closes)) closes[k] = (closes[k] ?? 0) + v;
    result.storm = {
      expected,
      delivered: sum('sigs'),
      lost: expected - sum('sigs'),
      duplicates: sum('dups'),
      drainMs: got >= expected ? lastSigAt - tStorm : null,
      stoppedAfterMs: tStormEnd - tStorm,
      signalsSent: sum('sent'),
      statusCodes: finals.reduce((acc, f) => { for (const [k, v] of Object.entries(f.statuses)) acc[k] = (acc[k] ?? 0) + v; return acc; }, {}),
      ackWaitMs: summary(ackWaits),
      acksMissing: sum('sent') - ackWaits.length,
      acksOver60s: ackWaits.filter((x) => x > 60000).length,
      healthzMs: hz,
      serverLoopLagMaxMs: stormLoopLagMs,
      clientCpuS: clientCpu() - cpuStorm0,
      serverCpuS: pid ? procCpu(pid) - srvStorm0 : NaN,
      wallS: (tStormEnd - tStorm) / 1000,
      socketsClosedByServer: closes,
      timeline,
      liveAtEnd: liveConns,
    };
    result.rss.peakKb = peakKb;
    result.rss.hwmKb = pid ? procStatus(pid).hwmKb : NaN;
    failIfDead();
  } catch (err) {
    broke = err;
  } finally {
    await cleanup();
    clearTimeout(watchdog);
  }
  if (started) {
    const info = started.server.exitInfo;
    result.parleydExit = info ? { code: info.code, signal: info.signal } : null;
    result.parleydLog = logSummary(started.server.stderr);
  }
  result.totalS = (now() - tStart) / 1000;
  report(result, broke);
  process.exit(broke ? 1 : 0);
}

// parleyd's warnings and errors (it runs with --log-level warn), grouped by message.
function logSummary(text) {
  const groups = new Map();
  for (const line of text.split('\n')) {
    let e;
    try { e = JSON.parse(line); } catch { continue; }
    const key = `${e.level} ${e.msg}`;
    const g = groups.get(key) ?? { message: key, count: 0, first: e.ts, last: e.ts };
    g.count += 1 + (Number(e.suppressed) || 0);
    g.last = e.ts;
    groups.set(key, g);
  }
  return [...groups.values()].sort((a, b) => b.count - a.count).slice(0, 10);
}

function spawnWorker(data) {
  const w = new Worker(new URL(import.meta.url), { workerData: data });
  const waiting = new Map();  // reply kind → resolvers
  let error = null;
  let exited = false;
  const onExit = new Promise((r) => w.once('exit', () => { exited = true; r(); }));
  w.on('error', (err) => { error = err; for (const rs of waiting.values()) for (const r of rs) r.reject(err); waiting.clear(); });
  w.on('message', (m) => {
    const rs = waiting.get(m.kind);
    if (rs?.length) rs.shift().resolve(m);
  });
  const once = (kind) => new Promise((resolve, reject) => {
    if (error) return reject(error);
    if (!waiting.has(kind)) waiting.set(kind, []);
    waiting.get(kind).push({ resolve, reject });
  });
  return {
    ready: once('ready'),
    once,
    post: (m) => w.postMessage(m),
    query(kind) {
      const p = once(kind);
      w.postMessage({ cmd: kind });
      return p;
    },
    async closeAll() {
      if (exited) return;
      w.postMessage({ cmd: 'close' });
      await Promise.race([onExit, delay(8000)]);
      if (!exited) await w.terminate();
    },
  };
}

function fmt(v, digits = 0) {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  return typeof v === 'number' ? v.toFixed(digits) : String(v);
}

function report(r, broke) {
  const T = { joinMs: 5000, drainMs: 10000, healthzMs: 50, kbPerConn: 30 };
  const verdict = (ok) => (ok ? 'PASS' : 'MISS');
  const lines = [];
  const row = (what, value, target = '', v = '') => lines.push(`  ${what.padEnd(40)} ${String(value).padStart(22)}  ${target.padEnd(10)} ${v}`);
  lines.push('', `signal storm: N=${r.n} connections, S=${r.s} signal(s) each, ${r.workers} client worker(s)${r.label ? ` — ${r.label}` : ''}`);
  lines.push(`machine: ${r.machine.cpus} × ${r.machine.cpu}, ${r.machine.memGiB} GiB, Linux ${r.machine.kernel}, Node ${r.machine.node}, load average at start ${r.machine.loadavg.join(' ')}`);
  lines.push(`cpus: ${r.pinned ? (r.pinned.error ? `split failed (${r.pinned.error})` : `parleyd on ${r.pinned.parleyd}, clients on ${r.pinned.clients}, /healthz probe thread priority ${r.probePriority}`) : 'shared (no split)'}`);
  if (r.parleyd) lines.push(`parleyd: ${r.parleyd.binary} ${r.parleyd.args.join(' ')}`);
  if (r.join) {
    const j = r.join;
    row('joined / failed', `${j.joined} / ${j.failed}`);
    if (Object.keys(j.errors).length) row('join errors', JSON.stringify(j.errors));
    row('all joined (STATUS 200) after', `${fmt(j.allMs)} ms`, '< 5000 ms', verdict(j.allMs !== null && j.allMs < T.joinMs));
    row('join latency p50 / p99 / max', `${fmt(j.latencyMs.p50)} / ${fmt(j.latencyMs.p99)} / ${fmt(j.latencyMs.max)} ms`);
    row('join broadcasts all delivered after', `${fmt(j.settledMs)} ms`);
    row('  (received / expected)', `${j.broadcastsReceived} / ${j.broadcastsExpected}`);
    row('/healthz during join p50 / p99 / max', `${fmt(j.healthzMs.p50)} / ${fmt(j.healthzMs.p99)} / ${fmt(j.healthzMs.max)} ms`);
    row('  parleyd control-thread lag max (/metrics)', `${fmt(j.serverLoopLagMaxMs)} ms`);
    row('CPU during join: client / parleyd', `${fmt(j.clientCpuS, 1)} / ${fmt(j.serverCpuS, 1)} s in ${fmt(j.wallS, 1)} s`);
  }
  if (r.rss) {
    row('parleyd RSS before / idle', `${fmt(r.rss.beforeKb)} / ${fmt(r.rss.idleKb)} kB`);
    row('RSS per idle connection', `${fmt(r.rss.perIdleConnKb, 1)} kB`, '< 30 kB', verdict(r.rss.perIdleConnKb < T.kbPerConn));
    row('  heap in use per connection (/metrics)', `${fmt(r.rss.heapUsedPerConnKb, 1)} kB`);
    if (r.rss.afterTrimKb !== undefined)
      row('  after malloc_trim: RSS; per connection', `${fmt(r.rss.afterTrimKb)} kB; ${fmt(r.rss.perIdleConnAfterTrimKb, 1)} kB`);
    if (r.rss.trimError) row('  malloc_trim probe failed', r.rss.trimError.slice(0, 60));
  }
  if (r.storm) {
    const s = r.storm;
    row('signals sent (STATUS codes)', `${s.signalsSent} ${JSON.stringify(s.statusCodes)}`);
    row('deliveries received / expected', `${s.delivered} / ${s.expected}`);
    row('lost / duplicated', `${s.lost} / ${s.duplicates}`);
    row('all delivered after', `${fmt(s.drainMs)} ms`, '< 10000 ms', verdict(s.drainMs !== null && s.drainMs < T.drainMs));
    if (s.drainMs === null) row('  (gave up after)', `${fmt(s.stoppedAfterMs)} ms`);
    const at = (sec) => s.timeline.find(([t]) => t >= sec);
    for (const sec of [10, 60]) {
      const hit = at(sec);
      if (hit) row(`  delivered after ${sec} s`, `${fmt((100 * hit[1]) / s.expected, 1)} %`);
    }
    row('  delivered when stopped', `${fmt((100 * s.delivered) / s.expected, 1)} %`);
    row('sender ack wait p50 / p99 / max', `${fmt(s.ackWaitMs.p50)} / ${fmt(s.ackWaitMs.p99)} / ${fmt(s.ackWaitMs.max)} ms`);
    row('acks missing / waited > 60 s', `${s.acksMissing} / ${s.acksOver60s}`);
    const h = s.healthzMs;
    row('/healthz during storm p50 / p99 / max', `${fmt(h.p50)} / ${fmt(h.p99)} / ${fmt(h.max)} ms`, '< 50 ms', verdict(h.max < T.healthzMs && h.failures === 0));
    row('  (samples / failed / unanswered)', `${h.count} / ${h.failures} / ${h.unanswered}`);
    row('  parleyd control-thread lag max (/metrics)', `${fmt(s.serverLoopLagMaxMs)} ms`);
    row('parleyd RSS peak (sampled / VmHWM)', `${fmt(r.rss.peakKb)} / ${fmt(r.rss.hwmKb)} kB`);
    row('CPU during storm: client / parleyd', `${fmt(s.clientCpuS, 1)} / ${fmt(s.serverCpuS, 1)} s in ${fmt(s.wallS, 1)} s`);
    if (Object.keys(s.socketsClosedByServer).length) row('sockets closed (by code)', JSON.stringify(s.socketsClosedByServer));
  }
  if (r.parleydExit && (r.parleydExit.code !== 0 || r.parleydExit.signal)) row('parleyd exit', JSON.stringify(r.parleydExit));
  for (const g of r.parleydLog ?? []) lines.push(`  parleyd log: ${g.count} × ${g.message} (${g.first} … ${g.last})`);
  if (broke) lines.push(`RUN BROKE: ${broke.message ?? broke}`);
  console.log(lines.join('\n'));
  console.log(JSON.stringify({ signalStorm: r, broke: broke ? String(broke.message ?? broke) : null }));
}

// =========================================================================================
// Worker thread: a share of the connections. Per received frame it reads the type, the
// TRANSACTION-ID / X-TB-FROM-ADDRESS / STATUS header offsets and, for signals, the sender
// and sequence number — nothing else is decoded.

async function runWorker() {
  const { default: WebSocket } = await import('ws');
  const d = workerData;
  const sessionUri = `/v2/partner/${d.apiKey}/session/${d.sessionId}`;
  const SYMPHONY = 'symphony.parley';
  const PING = encodeFrame({ type: Type.PING });
  const markBuf = Buffer.from(MARK);
  const TXID = Buffer.from('TRANSACTION-ID');
  const FROM = Buffer.from('X-TB-FROM-ADDRESS');
  const pad = d.dataBytes > 0 ? ':' + 'x'.repeat(d.dataBytes) : '';

  const conns = d.conns.map(({ index, token }) => {
    const cid = crypto.randomUUID();
    return { index, token, cid, cidBuf: Buffer.from(cid), ws: null, open: false, closeCode: null,
      joinTx: null, joinStart: 0, joinedAt: 0, joinStatus: 0, msgs: 0, lastSend: 0,
      pending: new Map(), seen: null };
  });
  let storming = false;
  let msgs = 0;
  let lastMsgAt = 0;
  let sigs = 0;
  let dups = 0;
  let lastSigAt = 0;
  let sent = 0;
  const ackWaits = [];
  const statuses = {};
  const closes = {};
  let joinDone = null;

  // Frames sent to one socket in the same tick (the acks of the frames one TCP read brought)
  // leave in one write: corked until the tick ends, to spare the client a syscall per ack
  // where it can. (`_socket` is ws's underlying net.Socket.)
  const corked = new Set();
  const uncorkAll = () => {
    for (const sock of corked) sock.uncork();
    corked.clear();
  };
  const send = (c, bytes) => {
    if (!c.open) return;
    const sock = c.ws._socket;
    if (sock && !corked.has(sock)) {
      if (corked.size === 0) process.nextTick(uncorkAll);
      sock.cork();
      corked.add(sock);
    }
    c.ws.send(bytes, { binary: true });
    c.lastSend = now();
  };

  // STATUS frame acknowledging a server MESSAGE (the OpenTok.js ack: no STATUS header).
  const sendAck = (c, buf, txS, txE, frS, frE) => {
    const txLen = txE - txS;
    const frLen = frS >= 0 ? frE - frS : 0;
    const body = 4 + 2 + frLen + 1 + 2 + TXID.length + 2 + txLen + 2 + FROM.length + 2 + c.cidBuf.length;
    const out = Buffer.allocUnsafe(4 + body);
    let o = out.writeUInt32BE(body, 0);
    out[o++] = 0; out[o++] = 0; out[o++] = Type.STATUS; out[o++] = 1;
    o = out.writeUInt16BE(frLen, o);
    if (frLen) o += buf.copy(out, o, frS, frE);
    out[o++] = 2;
    o = out.writeUInt16BE(TXID.length, o); o += TXID.copy(out, o);
    o = out.writeUInt16BE(txLen, o); o += buf.copy(out, o, txS, txE);
    o = out.writeUInt16BE(FROM.length, o); o += FROM.copy(out, o);
    o = out.writeUInt16BE(c.cidBuf.length, o); c.cidBuf.copy(out, o);
    send(c, out);
  };

  const readInt = (buf, o, end) => {
    let v = 0;
    for (; o < end; o++) {
      const ch = buf[o];
      if (ch < 48 || ch > 57) break;
      v = v * 10 + (ch - 48);
    }
    return [v, o];
  };

  const onFrame = (c, buf) => {
    if (buf.length < 9) return;
    const type = buf[6];
    let o = 8;
    for (let a = buf[7]; a > 0; a--) o += 2 + buf.readUInt16BE(o);
    const nh = buf[o++];
    let txS = -1, txE = 0, frS = -1, frE = 0, stS = -1, stE = 0;
    for (let h = 0; h < nh; h++) {
      const kl = (buf[o] << 8) | buf[o + 1];
      const k = o + 2;
      o = k + kl;
      const vl = (buf[o] << 8) | buf[o + 1];
      const v = o + 2;
      o = v + vl;
      if (kl === 14 && buf[k] === 84) { txS = v; txE = v + vl; }  // TRANSACTION-ID
      else if (kl === 17 && buf[k] === 88 && buf[k + 5] === 70) { frS = v; frE = v + vl; }  // X-TB-FROM-ADDRESS
      else if (kl === 6 && buf[k] === 83) { stS = v; stE = v + vl; }  // STATUS
    }
    if (type === Type.MESSAGE) {
      const t = now();
      c.msgs++;
      msgs++;
      lastMsgAt = t;
      if (txS >= 0) sendAck(c, buf, txS, txE, frS, frE);
      if (!storming) return;
      const m = buf.indexOf(markBuf, o);
      if (m < 0) return;
      const [from, p] = readInt(buf, m + markBuf.length, buf.length);
      const [k] = readInt(buf, p + 1, buf.length);
      const slot = from * d.s + k;
      if (c.seen[slot]) { dups++; return; }
      c.seen[slot] = 1;
      sigs++;
      lastSigAt = t;
    } else if (type === Type.STATUS && stS >= 0 && txS >= 0) {
      const tx = buf.toString('latin1', txS, txE);
      const t0 = c.pending.get(tx);
      if (t0 === undefined) return;
      c.pending.delete(tx);
      const status = buf.toString('latin1', stS, stE);
      if (tx === c.joinTx) {
        c.joinStatus = Number(status);
        if (status === '200') c.joinedAt = now();
        checkJoined();
      } else {
        ackWaits.push(now() - t0);
        statuses[status] = (statuses[status] ?? 0) + 1;
      }
    }
  };

  const request = (c, method, uri, content, extraHeaders = {}) => {
    const tx = crypto.randomUUID();
    c.pending.set(tx, now());
    send(c, encodeFrame({ type: Type.MESSAGE, addresses: [SYMPHONY],
      headers: { ...extraHeaders, 'Content-Type': 'application/x-raptor+v2', 'TRANSACTION-ID': tx, 'X-TB-FROM-ADDRESS': c.cid },
      payload: JSON.stringify({ method, uri, content }) }));
    return tx;
  };

  const checkJoined = () => {
    if (!joinDone) return;
    for (const c of conns) if (!c.joinedAt && !c.failed && !c.joinStatus) return;
    joinDone();
  };

  const openConn = (c) => {
    c.joinStart = now();
    const ws = new WebSocket(d.wsUrl, { perMessageDeflate: false, handshakeTimeout: 120000 });
    c.ws = ws;
    ws.binaryType = 'nodebuffer';
    ws.on('message', (data, isBinary) => { if (isBinary) onFrame(c, data); });
    ws.on('open', () => {
      c.open = true;
      send(c, encodeFrame({ type: Type.CONNECT, headers: { uniqueId: c.cid, 'TRANSACTION-ID': crypto.randomUUID(), notifyDisconnectAddress: SYMPHONY } }));
      send(c, encodeFrame({ type: Type.SUBSCRIBE, addresses: [sessionUri] }));
      c.joinTx = request(c, 'create', `${sessionUri}/connection/${c.cid}`,
        { userAgent: 'signal-storm', clientVersion: 'js-2.35.2', capabilities: ['forceMute'] },
        { 'X-TB-TOKEN-AUTH': c.token });
    });
    ws.on('error', (err) => { c.error = err.message; });
    ws.on('close', (code) => {
      const was = c.open;
      c.open = false;
      c.closeCode = code;
      if (!c.closingByUs) closes[code] = (closes[code] ?? 0) + 1;
      if (!c.joinedAt && !c.joinStatus) { c.failed = was ? `closed ${code}` : (c.error ?? `closed ${code}`); checkJoined(); }
    });
  };

  // Idle clients PING like OpenTok.js so the server's silence timeout keeps them.
  const pinger = setInterval(() => {
    const t = now();
    for (const c of conns) if (c.open && t - c.lastSend > d.pingMs) send(c, PING);
  }, 1000);

  const prepare = () => {
    for (const c of conns) c.seen = new Uint8Array(d.n * d.s);
    storming = true;
  };

  const storm = () => {
    const interval = 1000 / Math.max(d.signalRate, 0.001) * 1.1;  // 10 % under the server's rate
    const sendOne = (c, k) => {
      if (!c.open || !c.joinedAt) return;
      request(c, 'signal', `${sessionUri}/signal/${crypto.randomUUID()}`, { type: 'lstorm', data: `${MARK}${c.index}:${k}${pad}` });
      sent++;
    };
    for (let k = 0; k < d.s; k++) {
      if (k < d.signalBurst) for (const c of conns) sendOne(c, k);
      else setTimeout(() => { for (const c of conns) sendOne(c, k); }, (k - d.signalBurst + 1) * interval);
    }
  };

  const closeAll = async () => {
    clearInterval(pinger);
    for (const c of conns) {
      c.closingByUs = true;
      if (c.ws && c.ws.readyState <= WebSocket.OPEN) try { c.ws.close(1000); } catch { /* not open */ }
    }
    const until = now() + 3000;
    while (now() < until && conns.some((c) => c.ws && c.ws.readyState !== WebSocket.CLOSED)) await delay(50);
    for (const c of conns) if (c.ws && c.ws.readyState !== WebSocket.CLOSED) c.ws.terminate();
  };

  parentPort.on('message', async (m) => {
    switch (m.cmd) {
      case 'join': {
        const done = new Promise((r) => { joinDone = r; });
        for (const c of conns) openConn(c);
        const timer = setTimeout(() => joinDone(), Math.max(0, m.deadline - now()));
        await done;
        clearTimeout(timer);
        const errors = {};
        for (const c of conns) {
          if (c.joinedAt) continue;
          const why = c.failed ?? (c.joinStatus ? `status ${c.joinStatus}` : 'timeout');
          errors[why] = (errors[why] ?? 0) + 1;
        }
        const ok = conns.filter((c) => c.joinedAt);
        parentPort.postMessage({ kind: 'joined', joined: ok.length, errors,
          latencies: ok.map((c) => c.joinedAt - c.joinStart), lastJoinAt: Math.max(0, ...ok.map((c) => c.joinedAt)) });
        break;
      }
      case 'progress':
        parentPort.postMessage({ kind: 'progress', msgs, lastMsgAt, sigs, lastSigAt, open: conns.filter((c) => c.open).length });
        break;
      case 'prepare':
        prepare();
        parentPort.postMessage({ kind: 'prepare' });
        break;
      case 'storm':
        storm();
        break;
      case 'final':
        parentPort.postMessage({ kind: 'final', sigs, dups, sent, ackWaits, statuses, closes });
        break;
      case 'close':
        await closeAll();
        parentPort.close();
        process.exit(0);
    }
  });
  parentPort.postMessage({ kind: 'ready' });
}
