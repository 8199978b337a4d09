// Shared pieces of the attack suite (tests/security/): a parleyd started with the options an
// attack needs (low fd limit, log level, extra flags), a Rumor fixture bound to it, and the
// "victim unharmed" checks every attack test ends with.
//
// Not a test file: its name has no `.test.` part, so `node --test tests/` does not run it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import OpenTok from 'opentok';

import {
  startParleyd,
  spawnParleyd,
  parleydPath,
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
import { RumorClient, Type } from '../../lib/rumor.js';
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

// Starts parleyd like tests/lib/parleyd.js startParleyd, with two more options:
//   nofile:   run it under `prlimit --nofile=N:N` (soft and hard fd limit N)
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
  const url = `http://127.0.0.1:${port}`;
  const handle = spawnParleyd({ args, env, url, binary: 'prlimit' });
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
    async stop(signal = 'SIGTERM') {
      try {
        return await baseStop(signal);
      } finally {
        removeDir(dir);
      }
    },
  });
}

// A data directory holding two projects, A and B, made with the `parley` CLI before parleyd
// starts (so the test never races the server for the database).
export function twoProjectDir() {
  const dir = makeTempDir('parley-sec-');
  const a = runCliJson(['project', 'create', '--name', 'project-a'], { dataDir: dir });
  const b = runCliJson(['project', 'create', '--name', 'project-b'], { dataDir: dir });
  return { dir, a: { apiKey: a.apiKey, apiSecret: a.apiSecret }, b: { apiKey: b.apiKey, apiSecret: b.apiSecret } };
}

// GET /healthz → 200 within `timeoutMs`, and the process is still running.
export async function assertHealthy(server, what = 'parleyd', { timeoutMs = 15000 } = {}) {
  assert.equal(server.exitInfo, null, `${what}: parleyd exited (${JSON.stringify(server.exitInfo)})\n${server.logs()}`);
  let res;
  try {
    res = await request('GET', `${server.url}/healthz`, { timeoutMs });
  } catch (err) {
    assert.fail(`${what}: /healthz did not answer (${err.message}); parleyd ${server.exitInfo ? `exited ${JSON.stringify(server.exitInfo)}` : 'still running'}\n${server.logs()}`);
  }
  assert.equal(res.status, 200, `${what}: /healthz → ${res.status}`);
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
