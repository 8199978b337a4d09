// Shared pieces of the attack suite (tests/security/): a parleyd started with the options an
// attack needs (low fd limit, log level, extra flags), a Rumor fixture bound to it, and the
// "victim unharmed" checks every attack test ends with.
//
// Not a test file: its name has no `.test.` part, so `node --test tests/` does not run it.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import OpenTok from 'opentok';

import {
  startParleyd,
  parleydPath,
  repoRoot,
  sanitizerEnv,
  freePort,
  freeRtcPort,
  makeTempDir,
  removeDir,
  randomApiKey,
  randomApiSecret,
  request,
  createSession,
  runCliJson,
} from '../../lib/parleyd.js';
import { RumorClient, Type, encodeFrame } from '../../lib/rumor.js';
import { streamDescription, subscriberDescription } from '../../lib/signaling-fixture.js';

export { Type, RumorClient, streamDescription, subscriberDescription };

export const delay = (ms) => new Promise((r) => setTimeout(r, ms));

export const isMsg = (method, uriPart = '') => (f) =>
  f.type === Type.MESSAGE && f.raptor.method === method && f.raptor.uri.includes(uriPart);

// Flags of the parleyd under test, read once from --help: tests use a hardening flag only
// once it exists, so the suite runs against the server before and after the fixes.
let helpText = null;
export function parleydHelp() {
  if (helpText === null) {
    const r = spawnSync(parleydPath(), ['--help'], { encoding: 'utf8', timeout: 20000 });
    helpText = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  }
  return helpText;
}
export function hasFlag(flag) {
  return new RegExp(`(^|\\s)${flag.replace(/[-]/g, '\\-')}(\\s|$)`, 'm').test(parleydHelp());
}

// Starts parleyd like tests/lib/parleyd.js startParleyd, with more options:
//   nofile:   run it under `prlimit --nofile=N:N` (soft and hard fd limit N); such a server
//             is spawned by spawnBounded below, which counts log lines instead of keeping
//             them all (a log flood must not take the test process down with it)
//   dataDir:  a directory prepared beforehand (e.g. with two projects); removed on stop
// Returns the startParleyd-style handle (url, apiKey, apiSecret, proc, stderr, stop()...).
export async function startServer({ extraArgs = [], logLevel = 'info', nofile, env = {}, dataDir, apiKey, apiSecret } = {}) {
  if (!nofile) {
    const server = await startParleyd({ extraArgs, logLevel, env, dataDir, apiKey, apiSecret });
    if (dataDir) {
      const stop = server.stop;
      server.stop = async (signal) => {
        try {
          return await stop(signal);
        } finally {
          removeDir(dataDir);
        }
      };
    }
    return server;
  }
  const port = await freePort();
  const rtcPort = await freeRtcPort();
  const dir = dataDir ?? makeTempDir('parley-sec-');
  const key = apiKey === undefined ? randomApiKey() : apiKey;
  const secret = apiSecret === undefined ? randomApiSecret() : apiSecret;
  const args = [`--nofile=${nofile}:${nofile}`, '--', parleydPath(),
    '--listen', `127.0.0.1:${port}`, '--rtc-port', String(rtcPort), '--data-dir', dir];
  if (key !== null) args.push('--api-key', key);
  if (secret !== null) args.push('--api-secret', secret);
  args.push('--log-level', logLevel, ...extraArgs);
  const handle = spawnBounded({ binary: 'prlimit', args, env, url: `http://127.0.0.1:${port}` });
  try {
    await handle.waitReady();
  } catch (err) {
    await handle.terminate('SIGKILL');
    removeDir(dir);
    throw err;
  }
  const baseStop = handle.stop;
  return Object.assign(handle, {
    apiKey: key,
    apiSecret: secret,
    dataDir: dir,
    port,
    rtcPort,
    async stop(signal) {
      try {
        return await baseStop(signal);
      } finally {
        removeDir(dir);
      }
    },
  });
}

const SANITIZER_MARKERS = ['ERROR: AddressSanitizer', 'ERROR: LeakSanitizer', 'runtime error:', 'WARNING: ThreadSanitizer'];
const KEEP_HEAD = 64 * 1024;
const KEEP_TAIL = 256 * 1024;

// Like spawnParleyd, but keeps only the head and tail of the output and counts its lines
// (`lines`), so that a server logging millions of lines cannot exhaust the test's memory.
// Sanitizer reports are looked for in every chunk as it arrives.
export function spawnBounded({ binary, args, env = {}, url }) {
  const child = spawn(binary, args, { cwd: repoRoot, env: { ...process.env, ...sanitizerEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { head: '', tail: '', lines: 0, bytes: 0, marker: null };
  const take = (d) => {
    out.bytes += d.length;
    for (let i = d.indexOf('\n'); i >= 0; i = d.indexOf('\n', i + 1)) out.lines++;
    if (!out.marker) out.marker = SANITIZER_MARKERS.find((m) => d.includes(m)) ?? null;
    if (out.head.length < KEEP_HEAD) out.head += d.slice(0, KEEP_HEAD - out.head.length);
    out.tail = (out.tail + d).slice(-KEEP_TAIL);
  };
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', take);
  child.stderr.on('data', take);
  let exitInfo = null;
  const exited = new Promise((resolve) => {
    child.once('error', (error) => resolve({ code: null, signal: null, error }));
    child.once('exit', (code, signal) => resolve({ code, signal, error: null }));
  }).then((info) => { exitInfo = info; return info; });
  process.once('exit', () => { if (!exitInfo) child.kill('SIGKILL'); });
  const handle = {
    url,
    proc: child,
    args,
    exited,
    get exitInfo() { return exitInfo; },
    get lines() { return out.lines; },
    get bytes() { return out.bytes; },
    // The kept output (head … tail): what tests search for log lines.
    get stderr() { return out.bytes > KEEP_HEAD + KEEP_TAIL ? `${out.head}\n[…]\n${out.tail}` : out.tail; },
    get stdout() { return ''; },
    logs() { return `--- ${binary} ${args.join(' ')}\n--- output (${out.lines} lines, ${out.bytes} bytes):\n${handle.stderr.slice(-20000)}`; },
    async waitExit(ms) {
      let timer;
      const t = new Promise((r) => { timer = setTimeout(() => r(null), ms); });
      try { return await Promise.race([exited, t]); } finally { clearTimeout(timer); }
    },
    async waitReady({ timeoutMs = 20000 } = {}) {
      const deadline = Date.now() + timeoutMs;
      let lastErr = null;
      while (Date.now() < deadline) {
        if (exitInfo) throw new Error(`parleyd exited (${JSON.stringify(exitInfo)}) before becoming healthy\n${handle.logs()}`);
        try {
          const res = await request('GET', `${url}/healthz`, { timeoutMs: 2000 });
          if (res.status === 200) return handle;
          lastErr = new Error(`/healthz answered ${res.status}`);
        } catch (err) {
          lastErr = err;
        }
        await delay(100);
      }
      throw new Error(`parleyd not healthy after ${timeoutMs} ms (${lastErr?.message})\n${handle.logs()}`);
    },
    async terminate(signal = 'SIGTERM', killAfterMs = 10000) {
      if (!exitInfo) {
        child.kill(signal);
        if (!(await handle.waitExit(killAfterMs))) {
          child.kill('SIGKILL');
          await exited;
          return { code: null, signal: 'SIGKILL', killed: true };
        }
      }
      return exitInfo;
    },
    async stop(signal = 'SIGTERM') {
      const info = await handle.terminate(signal);
      if (info.killed) throw new Error(`parleyd did not exit within 10 s of ${signal}; killed\n${handle.logs()}`);
      if (info.code !== 0) throw new Error(`parleyd exited with code ${info.code} signal ${info.signal} after ${signal} (expected 0)\n${handle.logs()}`);
      if (out.marker) throw new Error(`parleyd output contains a sanitizer report (${out.marker})\n${handle.logs()}`);
      return info;
    },
  };
  return handle;
}

// A data directory holding two projects, A and B, made with the `parley` CLI before parleyd
// starts (so the test never races the server for the database).
export function twoProjectDir() {
  const dir = makeTempDir('parley-sec-');
  const a = runCliJson(['project', 'create', '--name', 'project-a'], { dataDir: dir });
  const b = runCliJson(['project', 'create', '--name', 'project-b'], { dataDir: dir });
  return { dir, a: { apiKey: a.apiKey, apiSecret: a.apiSecret }, b: { apiKey: b.apiKey, apiSecret: b.apiSecret } };
}

// GET /healthz → 200 within `timeoutMs` (retrying failed attempts: a server shedding load may
// refuse a connection now and then), and the process is still running.
export async function assertHealthy(server, what = 'parleyd', { timeoutMs = 15000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last = null;
  for (;;) {
    assert.equal(server.exitInfo, null, `${what}: parleyd exited (${JSON.stringify(server.exitInfo)})\n${server.logs()}`);
    try {
      const res = await request('GET', `${server.url}/healthz`, { timeoutMs: Math.max(1000, Math.min(5000, deadline - Date.now())) });
      if (res.status === 200) return;
      last = `status ${res.status}`;
    } catch (err) {
      last = err.message;
    }
    if (Date.now() >= deadline) break;
    await delay(250);
  }
  const info = server.exitInfo;
  assert.fail(`${what}: /healthz did not answer 200 within ${timeoutMs} ms (${last}); parleyd ${info ? `exited ${JSON.stringify(info)}` : 'still running'}\n${server.logs()}`);
}

// Waits up to `ms` for the process to exit (a crash shows up here); resolves the exit info or null.
export function exitedWithin(server, ms) {
  return server.waitExit(ms);
}

// A Rumor fixture over `server` (the same shape as tests/lib/signaling-fixture.js), with
// credentials of any project the server knows.
export function rumorFixture(server, { apiKey = server.apiKey, apiSecret = server.apiSecret } = {}) {
  const ot = new OpenTok(apiKey, apiSecret, { apiUrl: server.url });
  const wsUrl = `${server.url.replace(/^http/, 'ws')}/rumorwebsocketsv2`;
  let clients = [];
  const fx = {
    server,
    ot,
    wsUrl,
    apiKey,
    apiSecret,
    async session(mediaMode = 'relayed') {
      return (await createSession(ot, { mediaMode })).sessionId;
    },
    token(sessionId, role = 'publisher', data) {
      return ot.generateToken(sessionId, data === undefined ? { role } : { role, data });
    },
    async open(opts) {
      const c = await RumorClient.open(wsUrl, opts);
      clients.push(c);
      return c;
    },
    // Opens a socket, joins `sessionId` and waits for the own `connection created`.
    async join(sessionId, { role = 'publisher', data, token, openOpts, keepalive = 1000, ...joinOpts } = {}) {
      const c = await fx.open(openOpts);
      if (keepalive) c.keepalive(keepalive);
      const reply = await c.join({ apiKey, sessionId, token: token ?? fx.token(sessionId, role, data), ...joinOpts });
      assert.equal(reply.status, 200, `connect as ${role}: ${JSON.stringify(reply.payload)}`);
      await c.waitForMessage('created', `/connection/${c.connectionId}`, { timeout: 15000 });
      c.state = reply.payload;
      c.role = role;
      return c;
    },
    async publish(c, streamId = randomUUID(), opts) {
      const r = await c.request('create', `${c.sessionUri()}/stream/${streamId}`, streamDescription(streamId, opts));
      assert.equal(r.status, 200, `stream create: ${JSON.stringify(r.payload)}`);
      await c.waitForMessage('created', `/stream/${streamId}`, { timeout: 15000 });
      return streamId;
    },
    async closeClients() {
      const list = clients;
      clients = [];
      await Promise.all(list.map(async (c) => {
        if (c.closeCode !== undefined) return;
        try { c.ws.close(1000); } catch { /* not open */ }
        const t = setTimeout(() => c.ws.terminate(), 1000);
        await c.closed;
        clearTimeout(t);
      }));
    },
    async stop() {
      await fx.closeClients().catch(() => {});
      await server.stop();
    },
  };
  return fx;
}

const signalUri = (from, to) => `${from.sessionUri()}${to ? `/connection/${to}` : ''}/signal/${randomUUID()}`;

// The victim is unharmed: parleyd runs and answers /healthz, the victim's socket is open, its
// requests still work under its own id, and a message sent to it by `peer` (if given) still
// reaches it — and reaches no `attacker` socket.
export async function assertVictimUnharmed(fx, victim, { peer, attackers = [], what = 'victim' } = {}) {
  await assertHealthy(fx.server, what);
  assert.equal(victim.closeCode, undefined, `${what}: its socket was closed (code ${victim.closeCode})`);
  const type = `alive-${randomUUID().slice(0, 8)}`;
  const own = await victim.request('signal', signalUri(victim, victim.connectionId), { type, data: 'self' });
  assert.equal(own.status, 200, `${what}: a request on its own socket → ${own.status} ${JSON.stringify(own.payload)}`);
  const self = await victim.waitFor((f) => isMsg('signal')(f) && f.raptor.content.type === type, { timeout: 10000, what: `${what}: its own signal` });
  assert.equal(self.headers['X-TB-FROM-ADDRESS'], victim.connectionId, `${what}: its own signal carries another sender`);
  if (peer) {
    const ptype = `private-${randomUUID().slice(0, 8)}`;
    const r = await peer.request('signal', signalUri(peer, victim.connectionId), { type: ptype, data: 'for the victim only' });
    assert.equal(r.status, 200, `${what}: a peer's signal to it → ${r.status} ${JSON.stringify(r.payload)}`);
    await victim.waitFor((f) => isMsg('signal')(f) && f.raptor.content.type === ptype, { timeout: 10000, what: `${what}: a peer's private signal` });
    // The peer's later messages travel behind this one on every socket; a barrier signal to
    // each attacker proves it had its chance to receive the private one.
    for (const a of attackers) {
      if (a.closeCode !== undefined || !a.connectionId) continue;
      assert.equal(a.frames.filter((f) => isMsg('signal')(f) && f.raptor.content.type === ptype).length, 0,
        `${what}: an attacker socket received the victim's private signal`);
    }
    assert.equal(victim.closeCode, undefined, `${what}: its socket was closed (code ${victim.closeCode})`);
  }
}

// Stderr line count (log volume) of a server handle.
export function logLines(server) {
  if (typeof server.lines === 'number') return server.lines;  // spawnBounded
  return server.stderr.split('\n').length - 1 + server.stdout.split('\n').length - 1;
}

// Resident set size of a process in KiB (Linux /proc), or null.
export function rssKiB(pid) {
  try {
    const m = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+)\s+kB/m);
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

// Number of open file descriptors of a process (Linux /proc), or null.
export function openFds(pid) {
  try {
    return fs.readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return null;
  }
}

export { request, signalUri };

// Sends `count` Raptor requests on `c` without waiting for each STATUS, paced under the
// per-socket frame rate parleyd enforces (a burst, then `perSecond`), and resolves the STATUS
// code of each in order ('none' when no answer came, e.g. because the socket was closed).
export async function pipeline(c, count, make, { perSecond = 150, burst = 200 } = {}) {
  const txids = [];
  const started = Date.now();
  for (let i = 0; i < count; i++) {
    if (i >= burst) {
      const due = started + ((i - burst) / perSecond) * 1000;
      if (due > Date.now()) await delay(due - Date.now());
    }
    if (c.closeCode !== undefined) break;
    const txid = randomUUID();
    txids.push(txid);
    const { method, uri, content } = make(i);
    c.sendRaw(encodeFrame({ type: Type.MESSAGE, addresses: ['symphony.parley'],
      headers: { 'Content-Type': 'application/x-raptor+v2', 'TRANSACTION-ID': txid, 'X-TB-FROM-ADDRESS': c.connectionId },
      payload: JSON.stringify({ method, uri, content }) }));
    // Let the socket drain now and then: one client must not buffer megabytes locally.
    if (c.ws.bufferedAmount > (1 << 20)) await delay(5);
  }
  const want = new Set(txids);
  const byTx = new Map();
  let seen = 0;
  const deadline = Date.now() + 60000;
  while (want.size && Date.now() < deadline && c.closeCode === undefined) {
    for (; seen < c.frames.length; seen++) {
      const f = c.frames[seen];
      const tx = f.headers['TRANSACTION-ID'];
      if (f.type === Type.STATUS && want.delete(tx)) byTx.set(tx, Number(f.headers.STATUS));
    }
    if (want.size) await delay(50);
  }
  for (; seen < c.frames.length; seen++) {
    const f = c.frames[seen];
    if (f.type === Type.STATUS && want.delete(f.headers['TRANSACTION-ID'])) byTx.set(f.headers['TRANSACTION-ID'], Number(f.headers.STATUS));
  }
  return [...txids.map((t) => byTx.get(t) ?? 'none'), ...Array(count - txids.length).fill('none')];
}

// Runs `fn`; if it throws and parleyd has exited (a crash), the error names the exit and
// carries the server's output (e.g. the sanitizer report) instead of only a socket error.
// `server` may be a function returning it (for tests that start it inside `fn`).
export async function crashAware(server, fn) {
  try {
    return await fn();
  } catch (err) {
    const s = typeof server === 'function' ? server() : server;
    if (!s) throw err;
    const info = s.exitInfo ?? (await s.waitExit(2000));
    if (info) {
      err.message = `${err.message}\n→ parleyd exited (${JSON.stringify(info)}):\n${s.logs()}`;
    }
    throw err;
  }
}
