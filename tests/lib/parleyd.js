// End-to-end test harness: starts parleyd on free ports with a fresh data directory,
// runs the `parley` CLI, and offers small HTTP / JWT / session-id helpers.
//
// Not a test file: it lives in tests/lib/ and its name has no `.test.` part, so
// `node --test tests/` does not run it.

import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import dgram from 'node:dgram';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function pickBinary(envName, candidates) {
  const fromEnv = process.env[envName];
  if (fromEnv) return path.resolve(repoRoot, fromEnv);
  for (const c of candidates) {
    const p = path.resolve(repoRoot, c);
    if (fs.existsSync(p)) return p;
  }
  // Report the preferred location; spawning it fails with a clear ENOENT.
  return path.resolve(repoRoot, candidates[0]);
}

export function parleydPath() {
  return pickBinary('PARLEYD', ['build/asan/parleyd', 'build/parleyd']);
}

export function cliPath() {
  return pickBinary('PARLEY_CLI', ['build/asan/parley', 'build/parley']);
}

// Sanitizer settings for the ASan/UBSan build (harmless for other builds).
export function sanitizerEnv() {
  return {
    ASAN_OPTIONS: process.env.ASAN_OPTIONS ?? 'detect_leaks=1:abort_on_error=1',
    UBSAN_OPTIONS: process.env.UBSAN_OPTIONS ?? 'print_stacktrace=1:halt_on_error=1',
  };
}

// ---------------------------------------------------------------------------------------
// Credentials and ports

export function randomApiKey() {
  return String(10000000 + crypto.randomInt(0, 89999999));
}

export function randomApiSecret() {
  return crypto.randomBytes(20).toString('hex');
}

const usedPorts = new Set();

function tcpPortFree(port) {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen({ port, host: '127.0.0.1', exclusive: true }, () => s.close(() => resolve(true)));
  });
}

function udpPortFree(port) {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.once('error', () => {
      s.close();
      resolve(false);
    });
    s.bind({ port, address: '0.0.0.0', exclusive: true }, () => s.close(() => resolve(true)));
  });
}

// A TCP port that is free right now (bind 0, read the port, close).
export async function freePort() {
  for (let i = 0; i < 50; i++) {
    const port = await new Promise((resolve, reject) => {
      const s = net.createServer();
      s.once('error', reject);
      s.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => {
        const { port: p } = s.address();
        s.close(() => resolve(p));
      });
    });
    if (!usedPorts.has(port)) {
      usedPorts.add(port);
      return port;
    }
  }
  throw new Error('could not find a free TCP port');
}

// A port free for UDP and TCP, with a few free successors (media workers use
// --rtc-port + i for UDP and ICE-TCP).
export async function freeRtcPort(span = os.availableParallelism?.() ?? os.cpus().length) {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = await new Promise((resolve, reject) => {
      const s = dgram.createSocket('udp4');
      s.once('error', reject);
      s.bind({ port: 0, address: '0.0.0.0', exclusive: true }, () => {
        const { port } = s.address();
        s.close(() => resolve(port));
      });
    });
    if (base + span > 65535) continue;
    let ok = true;
    for (let i = 0; i <= span && ok; i++) {
      const p = base + i;
      ok = !usedPorts.has(p) && (await udpPortFree(p)) && (await tcpPortFree(p));
    }
    if (ok) {
      for (let i = 0; i <= span; i++) usedPorts.add(base + i);
      return base;
    }
  }
  throw new Error('could not find a free RTC port range');
}

export function makeTempDir(prefix = 'parley-e2e-') {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function removeDir(dir) {
  try {
    fs.rmSync(dir, { recursive: true, force: true });
  } catch {
    // best effort
  }
}

// ---------------------------------------------------------------------------------------
// Process handling

const liveChildren = new Set();
process.on('exit', () => {
  for (const child of liveChildren) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
});

const delay = (ms) => new Promise((r) => setTimeout(r, ms));

const SANITIZER_MARKERS = [
  'ERROR: AddressSanitizer',
  'ERROR: LeakSanitizer',
  'runtime error:',
  'WARNING: ThreadSanitizer',
];

// Spawns parleyd with exactly `args` and `env` (merged over process.env) and returns a
// handle. `url` is the base URL the caller expects it to serve.
export function spawnParleyd({ args, env = {}, url, binary = parleydPath() }) {
  const child = spawn(binary, args, {
    cwd: repoRoot,
    env: { ...process.env, ...sanitizerEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  liveChildren.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  let spawnError = null;
  const exited = new Promise((resolve) => {
    child.once('error', (err) => {
      spawnError = err;
      liveChildren.delete(child);
      resolve({ code: null, signal: null, error: err });
    });
    child.once('exit', (code, signal) => {
      liveChildren.delete(child);
      resolve({ code, signal, error: null });
    });
  });
  let exitInfo = null;
  exited.then((info) => {
    exitInfo = info;
  });

  const handle = {
    url,
    proc: child,
    args,
    exited,
    get exitInfo() {
      return exitInfo;
    },
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    logs() {
      return `--- parleyd ${args.join(' ')}\n--- stdout:\n${stdout}\n--- stderr:\n${stderr.slice(-20000)}`;
    },
    // Resolves with the exit info, or null if still running after `ms`.
    async waitExit(ms) {
      let timer;
      const t = new Promise((r) => {
        timer = setTimeout(() => r(null), ms);
      });
      try {
        return await Promise.race([exited, t]);
      } finally {
        clearTimeout(timer);
      }
    },
    async waitReady({ timeoutMs = 20000, ca } = {}) {
      const deadline = Date.now() + timeoutMs;
      let lastErr = null;
      while (Date.now() < deadline) {
        if (exitInfo || spawnError) {
          const why = spawnError ? `failed to spawn ${binary}: ${spawnError.message}` : `exited with code ${exitInfo.code} signal ${exitInfo.signal}`;
          throw new Error(`parleyd ${why} before becoming healthy\n${handle.logs()}`);
        }
        try {
          const res = await request('GET', `${url}/healthz`, { ca, timeoutMs: 2000 });
          if (res.status === 200) return handle;
          lastErr = new Error(`/healthz answered ${res.status}`);
        } catch (err) {
          lastErr = err;
        }
        await delay(100);
      }
      throw new Error(`parleyd not healthy after ${timeoutMs} ms (${lastErr?.message})\n${handle.logs()}`);
    },
    // Sends `signal`, waits for exit (SIGKILL after `killAfterMs`) and returns the exit info.
    async terminate(signal = 'SIGTERM', killAfterMs = 10000) {
      if (!exitInfo && !spawnError) {
        child.kill(signal);
        const info = await handle.waitExit(killAfterMs);
        if (!info) {
          child.kill('SIGKILL');
          await exited;
          return { code: null, signal: 'SIGKILL', killed: true };
        }
      }
      return exitInfo ?? (await exited);
    },
    // Like terminate() but throws unless the exit was clean (code 0, no sanitizer report).
    async stop(signal = 'SIGTERM') {
      const info = await handle.terminate(signal);
      if (info.killed) {
        throw new Error(`parleyd did not exit within 10 s of ${signal}; killed\n${handle.logs()}`);
      }
      if (info.code !== 0) {
        throw new Error(`parleyd exited with code ${info.code} signal ${info.signal} after ${signal} (expected 0)\n${handle.logs()}`);
      }
      const marker = SANITIZER_MARKERS.find((m) => stderr.includes(m));
      if (marker) {
        throw new Error(`parleyd stderr contains a sanitizer report (${marker})\n${handle.logs()}`);
      }
      return info;
    },
  };
  return handle;
}

// Starts parleyd on free ports with a fresh (or given) data directory and waits for
// GET /healthz → 200. Options:
//   apiKey, apiSecret: credentials passed as --api-key/--api-secret; random when undefined,
//                      omitted when null.
//   dataDir:           reuse this directory (not removed on stop); default a fresh mkdtemp dir
//                      that stop() removes after a clean exit.
//   extraArgs:         appended to the command line.
//   env:               extra environment variables.
//   tls:               {cert, key} → --tls-cert/--tls-key, https URL, healthz polled with ca=cert.
export async function startParleyd({
  apiKey,
  apiSecret,
  extraArgs = [],
  dataDir,
  env = {},
  tls,
  logLevel = 'debug',
} = {}) {
  const port = await freePort();
  const rtcPort = await freeRtcPort();
  const ownDir = !dataDir;
  const dir = dataDir ?? makeTempDir();
  const key = apiKey === undefined ? randomApiKey() : apiKey;
  const secret = apiSecret === undefined ? randomApiSecret() : apiSecret;
  const args = [
    '--listen', `127.0.0.1:${port}`,
    '--rtc-port', String(rtcPort),
    '--data-dir', dir,
  ];
  if (key !== null) args.push('--api-key', key);
  if (secret !== null) args.push('--api-secret', secret);
  args.push('--log-level', logLevel);
  if (tls) args.push('--tls-cert', tls.cert, '--tls-key', tls.key);
  args.push(...extraArgs);
  const url = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const handle = spawnParleyd({ args, env, url });
  try {
    await handle.waitReady({ ca: tls ? fs.readFileSync(tls.cert) : undefined });
  } catch (err) {
    await handle.terminate('SIGKILL');
    if (ownDir) removeDir(dir);
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
      const info = await baseStop(signal);
      if (ownDir) removeDir(dir);
      return info;
    },
  });
}

// Runs the CLI synchronously. `args` follow the global options; with `dataDir` the call is
// `parley --data-dir DIR ...args`.
export function runCli(args, { dataDir, env = {}, timeoutMs = 30000 } = {}) {
  const full = dataDir ? ['--data-dir', dataDir, ...args] : args;
  const r = spawnSync(cliPath(), full, {
    cwd: repoRoot,
    env: { ...process.env, ...sanitizerEnv(), ...env },
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  if (r.error) throw new Error(`running ${cliPath()} ${full.join(' ')}: ${r.error.message}`);
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, args: full };
}

export function describeCli(r) {
  return `parley ${r.args.join(' ')} → code ${r.code}${r.signal ? ` signal ${r.signal}` : ''}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
}

// Runs the CLI with --json and parses stdout; throws with diagnostics on failure.
export function runCliJson(args, opts) {
  const r = runCli([...args, '--json'], opts);
  if (r.code !== 0) throw new Error(`CLI failed: ${describeCli(r)}`);
  try {
    return JSON.parse(r.stdout);
  } catch (err) {
    throw new Error(`CLI --json output is not JSON (${err.message}): ${describeCli(r)}`);
  }
}

// ---------------------------------------------------------------------------------------
// HTTP

// Minimal HTTP client (node:http/https) that never throws on status codes.
// Returns {status, headers, body, json(), contentType}.
export function request(method, url, { headers = {}, body, ca, timeoutMs = 15000 } = {}) {
  const u = new URL(url);
  const mod = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(
      u,
      { method, headers, ca, agent: false, timeout: timeoutMs },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode,
            headers: res.headers,
            body: text,
            contentType: res.headers['content-type'],
            mediaType: (res.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase(),
            json() {
              try {
                return JSON.parse(text);
              } catch (err) {
                throw new Error(`${method} ${url} → ${res.statusCode}: body is not JSON (${err.message}): ${text.slice(0, 500)}`);
              }
            },
            describe() {
              return `${method} ${url} → ${res.statusCode} ${JSON.stringify(res.headers)} ${text.slice(0, 1000)}`;
            },
          });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${url} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

// Headers OpenTok.js 2.35.2 puts on the session-info (GSI) request.
export function gsiHeaders(token, connectionId = crypto.randomUUID()) {
  return {
    'X-OPENTOK-AUTH': token,
    'X-TB-VERSION': '1',
    'X-TB-CLIENT-VERSION': 'js-2.35.2',
    'X-TB-CONNECTIONID': connectionId,
    Accept: 'application/json',
  };
}

// GET {base}/session/{sid}?extended=true exactly as OpenTok.js does.
export function getSessionInfo(base, sessionId, token, { ca, prefix = '' } = {}) {
  return request('GET', `${base}${prefix}/session/${sessionId}?extended=true`, { headers: gsiHeaders(token), ca });
}

// ---------------------------------------------------------------------------------------
// JWT / T1 / session ids

export function b64url(bufOrString) {
  return Buffer.from(bufOrString).toString('base64url');
}

export function signJwt(header, payload, secret) {
  const h = b64url(JSON.stringify(header));
  const p = b64url(JSON.stringify(payload));
  const sig = crypto.createHmac('sha256', secret).update(`${h}.${p}`).digest('base64url');
  return `${h}.${p}.${sig}`;
}

export function decodeJwt(token) {
  const [h, p] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(h, 'base64url').toString('utf8')),
    payload: JSON.parse(Buffer.from(p, 'base64url').toString('utf8')),
  };
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

// REST auth JWTs as each SDK builds them (docs/protocol.md §3.1).
export function restJwt(apiKey, apiSecret, { style = 'node', iat = nowSeconds(), exp } = {}) {
  if (style === 'ruby') {
    return signJwt({ ist: 'project', alg: 'HS256' }, { iss: apiKey, iat, exp: exp ?? iat + 300 }, apiSecret);
  }
  if (style === 'python') {
    return signJwt(
      { alg: 'HS256', typ: 'JWT' },
      { ist: 'project', iat, exp: exp ?? iat + 180, iss: apiKey, jti: String(Math.random()) },
      apiSecret,
    );
  }
  return signJwt({ alg: 'HS256', typ: 'JWT' }, { iss: apiKey, ist: 'project', iat, exp: exp ?? iat + 300 }, apiSecret);
}

// A client token JWT with the Node SDK's claim shape (docs/protocol.md §2.3), with any claim overridable.
export function clientJwt(apiKey, apiSecret, sessionId, overrides = {}) {
  const now = nowSeconds();
  const expire = overrides.expire_time ?? now + 86400;
  const claims = {
    iss: apiKey,
    ist: 'project',
    iat: now,
    exp: expire,
    session_id: sessionId,
    create_time: now,
    nonce: Math.random(),
    role: 'publisher',
    expire_time: expire,
    initial_layout_class_list: '',
    scope: 'session.connect',
    ...overrides,
  };
  return signJwt({ alg: 'HS256', typ: 'JWT' }, claims, apiSecret);
}

// A legacy T1 token in the Node SDK's field order (docs/protocol.md §2.2), any field overridable.
export function clientT1(apiKey, apiSecret, sessionId, overrides = {}) {
  const now = nowSeconds();
  const fields = {
    session_id: sessionId,
    create_time: now,
    nonce: Math.random(),
    role: 'publisher',
    expire_time: now + 86400,
    initial_layout_class_list: '',
    scope: 'session.connect',
    ...overrides,
  };
  const data = new URLSearchParams(Object.entries(fields).map(([k, v]) => [k, String(v)])).toString();
  const sig = crypto.createHmac('sha1', apiSecret).update(data).digest('hex');
  return 'T1==' + Buffer.from(`partner_id=${apiKey}&sig=${sig}:${data}`, 'utf8').toString('base64');
}

// Decodes a T1 token into {partnerId, sig, data, fields}.
export function decodeT1(token) {
  if (!token.startsWith('T1==')) throw new Error(`not a T1 token: ${token}`);
  const inner = Buffer.from(token.slice(4), 'base64').toString('utf8');
  const colon = inner.indexOf(':');
  const left = new URLSearchParams(inner.slice(0, colon));
  const data = inner.slice(colon + 1);
  return {
    partnerId: left.get('partner_id'),
    sig: left.get('sig'),
    data,
    fields: Object.fromEntries(new URLSearchParams(data)),
  };
}

// Splits a session id the way the Node SDK does (docs/protocol.md §1.2).
export function decodeSessionId(sessionId) {
  const b64 = sessionId.slice(2).replace(/-/g, '+').replace(/_/g, '/');
  return Buffer.from(b64, 'base64').toString('ascii').split('~');
}

// A well-formed session id for `apiKey` that no server issued.
export function craftSessionId(apiKey, { location = '', random = crypto.randomBytes(18).toString('base64') } = {}) {
  return '1_' + b64url(`1~${apiKey}~${location}~${Date.now()}~${random}~~`);
}

// ---------------------------------------------------------------------------------------
// Metrics

// Sum of all samples of `name` (with or without labels) in Prometheus text, or null if absent.
export function metricValue(text, name) {
  let found = false;
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/);
    if (m && m[1] === name) {
      found = true;
      sum += Number(m[3]);
    }
  }
  return found ? sum : null;
}

export async function getMetrics(base, { ca } = {}) {
  const res = await request('GET', `${base}/metrics`, { ca });
  if (res.status !== 200) throw new Error(`GET /metrics → ${res.status}: ${res.body.slice(0, 300)}`);
  return res.body;
}

// ---------------------------------------------------------------------------------------
// SDK helpers

// Promise wrapper around OpenTok#createSession.
export function createSession(ot, opts = {}) {
  return new Promise((resolve, reject) => {
    ot.createSession(opts, (err, session) => (err ? reject(err) : resolve(session)));
  });
}

// ---------------------------------------------------------------------------------------
// Raw TCP

// Connects to host:port, writes each chunk in turn (stopping early once the server has
// answered or closed), and collects everything the server sends until it closes or
// `idleMs` pass without news. Returns {data: Buffer, text, closed, error, statusLine, status}.
export function rawExchange(port, chunks, { host = '127.0.0.1', idleMs = 3000, totalMs = 15000 } = {}) {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host });
    const received = [];
    let closed = false;
    let error = null;
    let done = false;
    let idleTimer = null;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(idleTimer);
      clearTimeout(totalTimer);
      sock.destroy();
      const data = Buffer.concat(received);
      const text = data.toString('latin1');
      const statusLine = text.split('\r\n')[0];
      const m = statusLine.match(/^HTTP\/1\.[01] (\d{3})/);
      resolve({ data, text, closed, error, statusLine, status: m ? Number(m[1]) : null });
    };
    const armIdle = () => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(finish, idleMs);
    };
    const totalTimer = setTimeout(finish, totalMs);
    sock.on('data', (d) => {
      received.push(d);
      armIdle();
    });
    sock.on('end', () => {
      closed = true;
      finish();
    });
    sock.on('close', () => {
      closed = true;
      finish();
    });
    sock.on('error', (err) => {
      error = err;
    });
    sock.on('connect', async () => {
      armIdle();
      for (const c of chunks) {
        if (done || received.length > 0 || sock.destroyed) break;
        const ok = sock.write(c);
        armIdle();
        if (!ok) await new Promise((r) => sock.once('drain', r).once('close', r));
      }
    });
  });
}

// Parses the body of a raw HTTP/1.1 response (Content-Length or chunked).
export function rawResponseBody(text) {
  const sep = text.indexOf('\r\n\r\n');
  if (sep < 0) return '';
  const head = text.slice(0, sep).toLowerCase();
  let body = text.slice(sep + 4);
  if (/\r\ntransfer-encoding:\s*chunked/.test(head)) {
    let out = '';
    for (;;) {
      const nl = body.indexOf('\r\n');
      if (nl < 0) break;
      const size = parseInt(body.slice(0, nl), 16);
      if (!size) break;
      out += body.slice(nl + 2, nl + 2 + size);
      body = body.slice(nl + 2 + size + 2);
    }
    return Buffer.from(out, 'latin1').toString('utf8');
  }
  const cl = head.match(/\r\ncontent-length:\s*(\d+)/);
  if (cl) body = body.slice(0, Number(cl[1]));
  return Buffer.from(body, 'latin1').toString('utf8');
}

// A T1 token from ordered [key, value] pairs; `spaces` chooses how spaces are encoded in the
// signed data: '%20' (Node's querystring) or '+' (Ruby, Python).
export function t1FromPairs(apiKey, apiSecret, pairs, { spaces = '+' } = {}) {
  const enc = (v) => encodeURIComponent(String(v)).replace(/%20/g, spaces);
  const data = pairs.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&');
  const sig = crypto.createHmac('sha1', apiSecret).update(data).digest('hex');
  return 'T1==' + Buffer.from(`partner_id=${apiKey}&sig=${sig}:${data}`, 'utf8').toString('base64');
}
