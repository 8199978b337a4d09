#!/usr/bin/env node
// Cluster bench: what running as three nodes costs a client, on this machine. Starts a
// throwaway PostgreSQL and Redis and three parleyd nodes sharing them (docs/cluster.md), then
// measures, over --rounds repetitions each (median, p90, max in ms):
//   1. placement: the first session-info request for a brand-new session (the node asked
//      places it through Redis) against a repeat request for a placed session, each through
//      a non-owner node and through the owner;
//   2. REST signal (official Node SDK) sent through the owner against through a non-owner
//      (forwarded over Redis pub/sub to the owner): from the call to a Rumor client joined on
//      the owner receiving the signal, and the SDK call's own round trip;
//   3. join: session info + WebSocket open to the messaging URL it names + Rumor join reply,
//      with the session info asked through a non-owner against through the owner.
// A measurement, not a test: it exits 0 with its numbers; it exits 1 only when the run itself
// broke (a node did not start or stop cleanly, a signal never arrived, the overall --timeout
// passed, ...). Its name has no `.test.` part, so `node --test tests/` (make test) does not
// run it. Needs what tests/cluster.test.js needs: PostgreSQL and redis-server binaries
// (scripts/test-postgres, scripts/test-redis) and `npm ci` (opentok, ws).
//
//   node tests/load/cluster-bench.mjs [--rounds 50] [--parleyd build/release-load/parleyd]
//                                     [--cli build/asan/parley] [--json]
//
// Percentiles are nearest-rank over the samples of each row. Every request opens a fresh TCP
// connection (as tests/lib/parleyd.js's request() does), so connection setup is included.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const delay = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();

function usage() {
  return `Usage: node tests/load/cluster-bench.mjs [options]
  -r, --rounds N      repetitions of each measurement (default 50)
      --parleyd PATH  parleyd binary (default $PARLEYD, build/release-load/parleyd, build/asan/parleyd)
      --cli PATH      parley CLI binary (default $PARLEY_CLI, build/release-load/parley, build/asan/parley)
      --warmup N      unrecorded rounds before each measurement (default 3)
      --timeout SEC   overall cap: past it everything is torn down and the exit code is 1
                      (default 300)
      --json          print one JSON object on stdout instead of the table
      --label TEXT    free text copied into the output (e.g. the commit measured)`;
}

function options() {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', short: 'r', default: '50' },
      parleyd: { type: 'string' },
      cli: { type: 'string' },
      warmup: { type: 'string', default: '3' },
      timeout: { type: 'string', default: '300' },
      json: { type: 'boolean', default: false },
      label: { type: 'string', default: '' },
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
  const pick = (given, envName, candidates) => {
    const list = [given, process.env[envName], ...candidates].filter(Boolean);
    const found = list.map((c) => path.resolve(repoRoot, c)).find((p) => fs.existsSync(p));
    if (!found) throw new Error(`no ${candidates[0].split('/').pop()} binary found (tried ${list.join(', ')})`);
    return found;
  };
  // An explicit --parleyd/--cli that does not exist is an error, not a fallback.
  for (const k of ['parleyd', 'cli']) {
    if (values[k] && !fs.existsSync(path.resolve(repoRoot, values[k]))) throw new Error(`--${k}: no such file: ${values[k]}`);
  }
  return {
    rounds: Math.max(1, Math.floor(num('rounds'))),
    warmup: Math.floor(num('warmup')),
    timeoutMs: num('timeout') * 1000,
    json: values.json,
    label: values.label,
    parleyd: pick(values.parleyd, 'PARLEYD', ['build/release-load/parleyd', 'build/asan/parleyd']),
    cli: pick(values.cli, 'PARLEY_CLI', ['build/release-load/parley', 'build/asan/parley']),
  };
}

// ---------------------------------------------------------------------------------------
// Statistics

function pct(sorted, p) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function summary(values) {
  const sorted = Float64Array.from(values).sort();
  const r2 = (x) => (Number.isFinite(x) ? Math.round(x * 100) / 100 : null);
  return { count: sorted.length, median: r2(pct(sorted, 50)), p90: r2(pct(sorted, 90)), max: r2(sorted.length ? sorted[sorted.length - 1] : NaN) };
}

// ---------------------------------------------------------------------------------------
// Main

main().catch((err) => {
  console.error(`cluster-bench: ${err.stack ?? err}`);
  process.exit(1);
});

async function main() {
  const opt = options();
  // tests/lib/parleyd.js reads the binaries from these when it spawns them.
  process.env.PARLEYD = opt.parleyd;
  process.env.PARLEY_CLI = opt.cli;
  const lib = await import('../lib/parleyd.js');
  const { startPostgres } = await import('../lib/postgres.js');
  const { startRedis } = await import('../lib/redis.js');
  const { RumorClient } = await import('../lib/rumor.js');
  const { default: OpenTok } = await import('opentok');

  const log = (msg) => console.error(`cluster-bench: ${msg}`);
  const t0 = now();

  // ---- everything started here, torn down once whatever happens
  let pg = null;
  let redis = null;
  const nodes = [];
  const dirs = [];
  const clients = new Set();
  const starting = [];  // PostgreSQL / Redis / node starts in flight: waited for, then stopped
  let timedOut = false;
  let cleaning = null;
  const cleanupErrors = [];
  const cleanup = () => {
    cleaning ??= (async () => {
      await Promise.allSettled(starting);
      for (const c of clients) await Promise.race([c.terminate(), delay(2000)]).catch(() => {});
      clients.clear();
      for (const n of nodes) {
        try {
          await n.stop();
        } catch (err) {
          cleanupErrors.push(`node ${n.nodeId}: ${err.message.split('\n')[0]}`);
          log(`node ${n.nodeId} did not stop cleanly:\n${err.message.slice(0, 6000)}`);
          await n.terminate('SIGKILL').catch(() => {});
        }
      }
      for (const [name, svc] of [['redis', redis], ['postgres', pg]]) {
        if (!svc) continue;
        try {
          await svc.stop();
        } catch (err) {
          cleanupErrors.push(`${name}: ${err.message.split('\n')[0]}`);
          log(`stopping ${name} failed: ${err.message}`);
        }
      }
      for (const d of dirs) lib.removeDir(d);
    })();
    return cleaning;
  };
  const teardownAndExit = async (why) => {
    log(why);
    // Nodes may each take 10 s to stop; cap the whole teardown anyway.
    await Promise.race([cleanup(), delay(90000)]);
    process.exit(1);
  };
  const watchdog = setTimeout(() => {
    timedOut = true;
    teardownAndExit(`overall timeout (${opt.timeoutMs / 1000} s) passed; tearing down`);
  }, opt.timeoutMs);
  for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, () => teardownAndExit(`${sig}, tearing down`));

  const result = {
    label: opt.label,
    rounds: opt.rounds,
    warmup: opt.warmup,
    parleyd: opt.parleyd,
    cli: opt.cli,
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, kernel: os.release(), node: process.version, loadavg: os.loadavg().map((x) => +x.toFixed(2)) },
  };
  let broke = null;
  try {
    // ---- PostgreSQL, Redis, three nodes, a project
    log('starting PostgreSQL and Redis');
    const services = [startPostgres().then((p) => { pg = p; }), startRedis().then((r) => { redis = r; })];
    starting.push(...services);
    await Promise.all(services);
    const storeUrl = await pg.createDatabase('bench');
    for (let i = 0; i < 3; i++) {
      const nodeId = `n${i + 1}`;
      log(`starting node ${nodeId}`);
      const dir = lib.makeTempDir('parley-bench-');
      dirs.push(dir);
      if (cleaning) throw new Error('torn down');
      const start = lib.startParleyd({
        apiKey: null,
        apiSecret: null,
        dataDir: dir,
        logLevel: 'warn',
        // One media worker each (no media here); SIGTERM drains for 3 s at most.
        extraArgs: ['--store', storeUrl, '--redis', redis.url, '--node-id', nodeId, '--drain-timeout', '3000', '--rtc-workers', '1'],
      }).then((node) => nodes.push(Object.assign(node, { nodeId })));
      starting.push(start);
      await start;
    }
    const project = lib.runCliJson(['--store', storeUrl, 'project', 'create', '--name', 'bench'], {});
    const { apiKey, apiSecret } = project;
    const sdkOn = (node) => new OpenTok(apiKey, apiSecret, { apiUrl: node.url });
    const sdks = new Map(nodes.map((n) => [n, sdkOn(n)]));
    const tokenFor = (sessionId, data) => new OpenTok(apiKey, apiSecret).generateToken(sessionId, data ? { data } : {});
    const nodeByUrl = (url) => {
      const port = new URL(url.replace(/^ws/, 'http')).port;
      const n = nodes.find((x) => String(x.port) === port);
      if (!n) throw new Error(`messaging URL ${url} names none of our nodes`);
      return n;
    };
    const newSession = async () => (await lib.createSession(sdks.get(nodes[0]), { mediaMode: 'routed' })).sessionId;
    // Session info through `via` as OpenTok.js asks for it: {ms, owner, messagingUrl}.
    const sessionInfo = async (via, sessionId) => {
      const token = tokenFor(sessionId);
      const start = now();
      const res = await lib.getSessionInfo(via.url, sessionId, token);
      const ms = now() - start;
      if (res.status !== 200) throw new Error(`session info through ${via.nodeId}: ${res.describe()}`);
      const el = res.json()[0];
      if (!el?.messaging_url) throw new Error(`session info through ${via.nodeId} has no messaging_url: ${res.body.slice(0, 500)}`);
      return { ms, messagingUrl: el.messaging_url, owner: nodeByUrl(el.messaging_url) };
    };
    const others = (owner) => nodes.filter((n) => n !== owner);
    // Nodes see each other within a heartbeat (1 s); wait until all three are listed.
    for (let i = 0; ; i++) {
      const listed = lib.runCliJson(['node', 'list', '--redis', redis.url], {});
      if (listed.length === 3) break;
      if (i > 50) throw new Error(`parley node list shows ${listed.length} nodes: ${JSON.stringify(listed)}`);
      await delay(200);
    }
    result.setupMs = Math.round(now() - t0);

    // ---- 1. placement
    // A new session goes to the least loaded node (connections, then sessions, then id), so
    // with no clients it is predictable: ask the node the previous session went to for the
    // "through the owner" sample and another node for "through a non-owner". Each sample is
    // classified by the owner the answer names, whatever was predicted.
    log(`1/3 placement (${opt.rounds} rounds)`);
    const place = { firstViaNonOwner: [], firstViaOwner: [], repeatViaNonOwner: [], repeatViaOwner: [] };
    let predicted = nodes[0];
    let turn = 0;
    const placementRound = async (record) => {
      for (const wantOwner of turn % 2 ? [true, false] : [false, true]) {
        const sessionId = await newSession();
        const via = wantOwner ? predicted : others(predicted)[turn % 2];
        const first = await sessionInfo(via, sessionId);
        predicted = first.owner;
        const repeatOther = others(first.owner)[turn % 2];
        // The repeat requests, in alternating order.
        const pair = turn % 2 ? [first.owner, repeatOther] : [repeatOther, first.owner];
        const repeats = [];
        for (const n of pair) repeats.push([n, await sessionInfo(n, sessionId)]);
        for (const [n, r] of repeats) {
          if (r.owner !== first.owner) throw new Error(`session ${sessionId} moved from ${first.owner.nodeId} to ${r.owner.nodeId}`);
          if (record) (n === first.owner ? place.repeatViaOwner : place.repeatViaNonOwner).push(r.ms);
        }
        if (record) (via === first.owner ? place.firstViaOwner : place.firstViaNonOwner).push(first.ms);
      }
      turn++;
    };
    for (let i = 0; i < opt.warmup; i++) await placementRound(false);
    for (let i = 0; i < 4 * opt.rounds; i++) {
      if (place.firstViaOwner.length >= opt.rounds && place.firstViaNonOwner.length >= opt.rounds) break;
      await placementRound(true);
    }
    // Rows with more samples than --rounds (the prediction never misses) are cut back.
    for (const k of Object.keys(place)) place[k] = place[k].slice(0, opt.rounds);
    result.placement = Object.fromEntries(Object.entries(place).map(([k, v]) => [k, summary(v)]));

    // ---- 2. REST signal through the owner and through a non-owner
    log(`2/3 REST signal (${opt.rounds} rounds)`);
    const sigSession = await newSession();
    const sigOwner = (await sessionInfo(nodes[0], sigSession)).owner;
    const sigWs = (await sessionInfo(sigOwner, sigSession)).messagingUrl;
    const listener = await RumorClient.open(sigWs);
    clients.add(listener);
    const joined = await listener.join({ apiKey, sessionId: sigSession, token: tokenFor(sigSession, 'listener') });
    if (joined.status !== 200) throw new Error(`listener join: ${joined.status} ${JSON.stringify(joined.payload)}`);
    listener.keepalive();
    const sig = { deliveredViaOwner: [], deliveredViaNonOwner: [], sdkViaOwner: [], sdkViaNonOwner: [] };
    let seq = 0;
    const signalOnce = async (via) => {
      const sdk = sdks.get(via);
      const data = `bench-${++seq}`;
      const from = listener.mark();
      const start = now();
      const call = promisify(sdk.signal.bind(sdk))(sigSession, null, { type: 'bench', data }).then(() => now() - start);
      const arrival = listener.waitForMessage('signal', '/signal/', { timeout: 15000, from }).then((f) => {
        const ms = now() - start;
        if (f.raptor.content?.data !== data) throw new Error(`expected signal ${data}, got ${JSON.stringify(f.raptor.content)}`);
        return ms;
      });
      const [sdkMs, deliveredMs] = await Promise.all([call, arrival]);
      return { sdkMs, deliveredMs };
    };
    const signalRound = async (i, record) => {
      const viaOther = others(sigOwner)[i % 2];
      for (const viaOwner of i % 2 ? [true, false] : [false, true]) {
        const r = await signalOnce(viaOwner ? sigOwner : viaOther);
        if (!record) continue;
        (viaOwner ? sig.deliveredViaOwner : sig.deliveredViaNonOwner).push(r.deliveredMs);
        (viaOwner ? sig.sdkViaOwner : sig.sdkViaNonOwner).push(r.sdkMs);
      }
      await delay(20);  // well under the per-connection signal rate either way
    };
    for (let i = 0; i < opt.warmup; i++) await signalRound(i, false);
    for (let i = 0; i < opt.rounds; i++) await signalRound(i, true);
    await listener.leave();
    clients.delete(listener);
    result.signal = Object.fromEntries(Object.entries(sig).map(([k, v]) => [k, summary(v)]));

    // ---- 3. join through a non-owner and through the owner
    log(`3/3 join (${opt.rounds} rounds)`);
    const joinSession = await newSession();
    const joinOwner = (await sessionInfo(nodes[0], joinSession)).owner;
    const join = { viaNonOwner: [], viaOwner: [], infoViaNonOwner: [], infoViaOwner: [] };
    let joins = 0;
    const joinOnce = async (via) => {
      const start = now();
      const info = await sessionInfo(via, joinSession);
      if (info.owner !== joinOwner) throw new Error(`join session moved from ${joinOwner.nodeId} to ${info.owner.nodeId}`);
      const client = await RumorClient.open(info.messagingUrl);
      clients.add(client);
      const reply = await client.join({ apiKey, sessionId: joinSession, token: tokenFor(joinSession, `j${++joins}`) });
      const ms = now() - start;
      if (reply.status !== 200) throw new Error(`join through ${via.nodeId}: ${reply.status} ${JSON.stringify(reply.payload)}`);
      await client.leave();
      clients.delete(client);
      return { ms, infoMs: info.ms };
    };
    const joinRound = async (i, record) => {
      const viaOther = others(joinOwner)[i % 2];
      for (const viaOwner of i % 2 ? [true, false] : [false, true]) {
        const r = await joinOnce(viaOwner ? joinOwner : viaOther);
        if (!record) continue;
        (viaOwner ? join.viaOwner : join.viaNonOwner).push(r.ms);
        (viaOwner ? join.infoViaOwner : join.infoViaNonOwner).push(r.infoMs);
      }
    };
    for (let i = 0; i < opt.warmup; i++) await joinRound(i, false);
    for (let i = 0; i < opt.rounds; i++) await joinRound(i, true);
    result.join = Object.fromEntries(Object.entries(join).map(([k, v]) => [k, summary(v)]));

    for (const n of nodes) {
      const text = await lib.getMetrics(n.url);
      const m = (name) => lib.metricValue(text, name);
      (result.nodes ??= []).push({
        id: n.nodeId,
        forwardedAnswered: Number(text.split('\n').find((l) => l.startsWith('parley_cluster_forwarded_requests_total{outcome="answered"}'))?.split(' ').pop() ?? 0),
        forwardedTotal: m('parley_cluster_forwarded_requests_total') ?? 0,
        redisUp: m('parley_cluster_redis_up'),
      });
    }
  } catch (err) {
    broke = err;
  } finally {
    log('tearing down');
    await cleanup();
    clearTimeout(watchdog);
  }
  result.wallS = +((now() - t0) / 1000).toFixed(1);
  if (broke && timedOut) log(`run cut short by the timeout (${broke.message ?? broke})`);
  else if (broke) {
    log(`RUN BROKE: ${broke.stack ?? broke}`);
    for (const n of nodes) if (n.stderr) log(`node ${n.nodeId} stderr (tail):\n${n.stderr.slice(-3000)}`);
  }
  if (cleanupErrors.length) result.cleanupErrors = cleanupErrors;
  if (opt.json) console.log(JSON.stringify({ clusterBench: result, broke: broke ? String(broke.message ?? broke) : null }));
  else if (!broke) report(result);
  process.exit(broke || cleanupErrors.length || timedOut ? 1 : 0);
}

// ---------------------------------------------------------------------------------------
// Report

function report(r) {
  const fmt = (x) => (x === null || x === undefined || Number.isNaN(x) ? '-' : x.toFixed(1));
  const lines = [];
  lines.push(`cluster-bench: 3 nodes on PostgreSQL + Redis, ${r.rounds} rounds (after ${r.warmup} warm-up), times in ms`);
  lines.push(`  parleyd ${r.parleyd}`);
  lines.push(`  ${r.machine.cpus} CPUs (${r.machine.cpu}), load ${r.machine.loadavg.join(' ')}, node ${r.machine.node}${r.label ? `, ${r.label}` : ''}`);
  lines.push('');
  const head = `${'measurement'.padEnd(58)}${'n'.padStart(5)}${'median'.padStart(9)}${'p90'.padStart(9)}${'max'.padStart(9)}`;
  const row = (name, s) => lines.push(`${name.padEnd(58)}${String(s.count).padStart(5)}${fmt(s.median).padStart(9)}${fmt(s.p90).padStart(9)}${fmt(s.max).padStart(9)}`);
  const section = (title) => lines.push('', title);
  lines.push(head);
  lines.push('-'.repeat(head.length));
  section('1. session info (placement)');
  row('  first ask, new session, through a non-owner', r.placement.firstViaNonOwner);
  row('  first ask, new session, through the owner', r.placement.firstViaOwner);
  row('  repeat ask, placed session, through a non-owner', r.placement.repeatViaNonOwner);
  row('  repeat ask, placed session, through the owner', r.placement.repeatViaOwner);
  section('2. REST signal (Node SDK) to a client on the owner');
  row('  call → client receives it, sent through the owner', r.signal.deliveredViaOwner);
  row('  call → client receives it, sent through a non-owner', r.signal.deliveredViaNonOwner);
  row('  SDK call round trip, through the owner', r.signal.sdkViaOwner);
  row('  SDK call round trip, through a non-owner', r.signal.sdkViaNonOwner);
  section('3. join (session info + WebSocket open + Rumor join reply)');
  row('  whole join, session info through a non-owner', r.join.viaNonOwner);
  row('  whole join, session info through the owner', r.join.viaOwner);
  row('    of which session info, through a non-owner', r.join.infoViaNonOwner);
  row('    of which session info, through the owner', r.join.infoViaOwner);
  lines.push('');
  if (r.nodes) lines.push(`forwarded REST requests answered per node: ${r.nodes.map((n) => `${n.id} ${n.forwardedAnswered}`).join(', ')}`);
  lines.push(`wall time ${r.wallS} s (setup ${(r.setupMs / 1000).toFixed(1)} s)`);
  if (r.cleanupErrors) lines.push(`TEARDOWN PROBLEMS: ${r.cleanupErrors.join('; ')}`);
  console.log(lines.join('\n'));
}
