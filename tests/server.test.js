// parleyd as a process: flags, environment, first-start credentials, metrics, signals, TLS.
import { describe, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import OpenTok from 'opentok';

import {
  repoRoot,
  parleydPath,
  sanitizerEnv,
  startParleyd,
  spawnParleyd,
  freePort,
  freeRtcPort,
  makeTempDir,
  removeDir,
  randomApiKey,
  randomApiSecret,
  request,
  getSessionInfo,
  getMetrics,
  metricValue,
  createSession,
  restJwt,
} from './lib/parleyd.js';

const T = { timeout: 30000 };
const execFileP = promisify(execFile);
const tempDirs = [];
const delay = (ms) => new Promise((r) => setTimeout(r, ms));

function tempDir() {
  const d = makeTempDir();
  tempDirs.push(d);
  return d;
}

after(() => {
  for (const d of tempDirs) removeDir(d);
});

// Waits until `re` matches the server's stdout (output may be flushed a little late).
async function waitStdout(server, re, ms = 5000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const m = server.stdout.match(re);
    if (m) return m;
    await delay(50);
  }
  return null;
}

async function gsiOk(server, ot, sessionId, p2p, opts = {}) {
  const token = ot.generateToken(sessionId, { role: 'moderator' });
  const res = await getSessionInfo(server.url, sessionId, token, opts);
  assert.equal(res.status, 200, res.describe());
  const el = res.json()[0];
  assert.equal(el.error, undefined, res.body);
  assert.equal(el.session_id, sessionId);
  assert.equal(el.properties?.p2p?.preference?.value, p2p, res.body);
  return el;
}

// Runs parleyd with args that must make it exit; returns {code, signal, stdout, stderr}.
function runToExit(args, { timeoutMs = 15000, env = {} } = {}) {
  const r = spawnSync(parleydPath(), args, {
    cwd: repoRoot,
    env: { ...process.env, ...sanitizerEnv(), ...env },
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  if (r.error) throw new Error(`running parleyd ${args.join(' ')}: ${r.error.message}`);
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

const show = (r) => `code=${r.code} signal=${r.signal}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;

describe('parleyd process', () => {
  test('--help prints usage mentioning every flag and exits 0', T, () => {
    const r = runToExit(['--help']);
    assert.equal(r.code, 0, show(r));
    for (const flag of ['--listen', '--public-url', '--rtc-port', '--rtc-ip', '--data-dir', '--api-key', '--api-secret', '--tls-cert', '--tls-key', '--log-level', '--help']) {
      assert.ok(r.stdout.includes(flag), `usage on stdout must mention ${flag}\n${show(r)}`);
    }
  });

  test('bad command lines exit non-zero with a message naming the problem', T, async () => {
    const dir = tempDir();
    const port = await freePort();
    const base = ['--listen', `127.0.0.1:${port}`, '--data-dir', dir, '--rtc-port', String(await freeRtcPort())];
    const cases = [
      [['--no-such-flag'], /no-such-flag/],
      [[...base, '--log-level', 'loud'], /log-level|loud/],
      [['--listen', 'not-a-host-port', '--data-dir', dir], /listen|not-a-host-port/],
      [['--listen', '127.0.0.1:99999', '--data-dir', dir], /listen|99999|port/i],
      [[...base, '--tls-cert', path.join(dir, 'missing-cert.pem'), '--tls-key', path.join(dir, 'missing-key.pem')], /missing-(cert|key)\.pem|tls|certificate/i],
    ];
    for (const [args, re] of cases) {
      const r = runToExit(args);
      assert.notEqual(r.code, 0, `parleyd ${args.join(' ')} must fail\n${show(r)}`);
      assert.equal(r.signal, null, `parleyd ${args.join(' ')} must exit, not be killed/crash\n${show(r)}`);
      assert.match(r.stderr, re, `parleyd ${args.join(' ')}: stderr must explain\n${show(r)}`);
      assert.doesNotMatch(r.stderr, /AddressSanitizer|LeakSanitizer|runtime error:/, show(r));
    }
  });

  test('a listen port already in use makes parleyd exit non-zero promptly', T, async () => {
    const blocker = net.createServer();
    await new Promise((r) => blocker.listen(0, '127.0.0.1', r));
    try {
      const port = blocker.address().port;
      const r = runToExit(['--listen', `127.0.0.1:${port}`, '--data-dir', tempDir(), '--rtc-port', String(await freeRtcPort()), '--api-key', randomApiKey(), '--api-secret', randomApiSecret()], { timeoutMs: 10000 });
      assert.notEqual(r.code, 0, show(r));
      assert.equal(r.signal, null, `must exit by itself within 10 s\n${show(r)}`);
      assert.ok(r.stderr.trim().length > 0, show(r));
    } finally {
      blocker.close();
    }
  });

  test('first start without --api-key prints credentials once; they work; SIGINT exits 0', T, async () => {
    const dir = tempDir();
    const first = await startParleyd({ apiKey: null, apiSecret: null, dataDir: dir });
    let key;
    let secret;
    try {
      const mk = await waitStdout(first, /API key:\s*(\S+)/);
      const ms = await waitStdout(first, /API secret:\s*(\S+)/);
      assert.ok(mk && ms, `first start must print the API key and secret on stdout\n${first.logs()}`);
      key = mk[1];
      secret = ms[1];
      assert.match(key, /^\d+$/);
      assert.match(secret, /^[0-9a-f]{40}$/);
      const ot = new OpenTok(key, secret, { apiUrl: first.url });
      const s = await createSession(ot, { mediaMode: 'routed' });
      await gsiOk(first, ot, s.sessionId, 'disabled');
      // Another key is refused: the printed project is the only one.
      await assert.rejects(createSession(new OpenTok(randomApiKey(), secret, { apiUrl: first.url })), /Invalid API key or secret/);
    } finally {
      await first.stop('SIGINT');
    }

    const second = await startParleyd({ apiKey: null, apiSecret: null, dataDir: dir });
    try {
      await delay(1000);
      assert.ok(!second.stdout.includes(secret), `second start must not print the secret again\n${second.logs()}`);
      assert.doesNotMatch(second.stdout, /API secret:/, second.logs());
      const ot = new OpenTok(key, secret, { apiUrl: second.url });
      const s = await createSession(ot);
      await gsiOk(second, ot, s.sessionId, 'enabled');
    } finally {
      await second.stop('SIGTERM');
    }
  });

  test('GET /metrics: Prometheus text with request and session counters', T, async () => {
    const server = await startParleyd();
    try {
      const res = await request('GET', `${server.url}/metrics`);
      assert.equal(res.status, 200, res.describe());
      assert.equal(res.mediaType, 'text/plain', res.describe());
      const text = res.body;
      assert.match(text, /^# TYPE parley_http_requests_total counter$/m, text);
      assert.match(text, /^# TYPE parley_sessions_created_total counter$/m, text);
      const sessions0 = metricValue(text, 'parley_sessions_created_total');
      const requests0 = metricValue(text, 'parley_http_requests_total');
      assert.notEqual(sessions0, null, text);
      assert.notEqual(requests0, null, text);

      const ot = new OpenTok(server.apiKey, server.apiSecret, { apiUrl: server.url });
      await createSession(ot, { mediaMode: 'routed' });
      for (let i = 0; i < 5; i++) await request('GET', `${server.url}/healthz`);

      const text2 = await getMetrics(server.url);
      assert.equal(metricValue(text2, 'parley_sessions_created_total'), sessions0 + 1, text2);
      assert.ok(metricValue(text2, 'parley_http_requests_total') >= requests0 + 6, text2);
      // A refused create does not count as a created session.
      await assert.rejects(createSession(new OpenTok(server.apiKey, 'wrong', { apiUrl: server.url })));
      assert.equal(metricValue(await getMetrics(server.url), 'parley_sessions_created_total'), sessions0 + 1);
      // Every sample line is well-formed.
      for (const line of text2.split('\n')) {
        if (line === '' || line.startsWith('#')) continue;
        assert.match(line, /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? [-+0-9.eEInfa]+( \d+)?$/, `bad sample line: ${line}`);
      }
    } finally {
      await server.stop();
    }
  });

  test('--max-body-bytes and PARLEY_MAX_BODY_BYTES set the request body limit', T, async () => {
    for (const how of ['flag', 'env']) {
      const server = how === 'flag'
        ? await startParleyd({ extraArgs: ['--max-body-bytes', '2048'] })
        : await startParleyd({ env: { PARLEY_MAX_BODY_BYTES: '2048' } });
      try {
        const post = (body) => request('POST', `${server.url}/session/create`, {
          headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json', 'X-OPENTOK-AUTH': restJwt(server.apiKey, server.apiSecret) },
          body,
        });
        const small = await post('p2p.preference=disabled&pad=' + 'a'.repeat(1500));
        assert.equal(small.status, 200, `${how}: ${small.describe()}`);
        const big = await post('p2p.preference=disabled&pad=' + 'a'.repeat(4000));
        assert.equal(big.status, 413, `${how}: ${big.describe()}`);
        assert.equal(big.mediaType, 'application/json');
        assert.equal(big.json().code, 413);
      } finally {
        await server.stop();
      }
    }
  });

  test('--public-url decides the messaging_url clients receive', T, async () => {
    const server = await startParleyd({ extraArgs: ['--public-url', 'https://video.example.test:8443/base', '--rtc-ip', '127.0.0.1'] });
    try {
      const ot = new OpenTok(server.apiKey, server.apiSecret, { apiUrl: server.url });
      const s = await createSession(ot, { mediaMode: 'routed' });
      const el = await gsiOk(server, ot, s.sessionId, 'disabled');
      const u = new URL(el.messaging_url);
      assert.equal(u.protocol, 'wss:', el.messaging_url);
      assert.equal(u.host, 'video.example.test:8443', el.messaging_url);
      assert.ok(u.pathname.startsWith('/base/'), `messaging_url must keep the public path prefix: ${el.messaging_url}`);
    } finally {
      await server.stop();
    }
  });

  test('PARLEY_* environment variables replace the flags; flags win over the environment', T, async () => {
    const dir = tempDir();
    const port = await freePort();
    const key = randomApiKey();
    const secret = randomApiSecret();
    const env = {
      PARLEY_LISTEN: `127.0.0.1:${port}`,
      PARLEY_DATA_DIR: dir,
      PARLEY_API_KEY: key,
      PARLEY_API_SECRET: secret,
      PARLEY_RTC_PORT: String(await freeRtcPort()),
      PARLEY_LOG_LEVEL: 'debug',
      PARLEY_PUBLIC_URL: 'http://env.example.test:7000',
      PARLEY_RTC_IP: '127.0.0.1',
    };
    const server = spawnParleyd({ args: [], env, url: `http://127.0.0.1:${port}` });
    try {
      await server.waitReady();
      const ot = new OpenTok(key, secret, { apiUrl: server.url });
      const s = await createSession(ot, { mediaMode: 'routed' });
      const el = await gsiOk(server, ot, s.sessionId, 'disabled');
      assert.equal(new URL(el.messaging_url).host, 'env.example.test:7000', `PARLEY_PUBLIC_URL must set messaging_url: ${el.messaging_url}`);
      assert.ok(fs.readdirSync(dir).length > 0, 'PARLEY_DATA_DIR must be used for storage');
    } finally {
      await server.stop();
    }

    // --listen beats PARLEY_LISTEN.
    const port2 = await freePort();
    const server2 = spawnParleyd({ args: ['--listen', `127.0.0.1:${port2}`], env, url: `http://127.0.0.1:${port2}` });
    try {
      await server2.waitReady();
      await assert.rejects(request('GET', `http://127.0.0.1:${port}/healthz`, { timeoutMs: 2000 }), 'PARLEY_LISTEN must be ignored when --listen is given');
      const ot = new OpenTok(key, secret, { apiUrl: server2.url });
      await createSession(ot);
    } finally {
      await server2.stop();
    }
  });

  test('--log-level debug logs more than --log-level error for the same traffic', T, async () => {
    const outputs = {};
    for (const level of ['error', 'debug']) {
      const server = await startParleyd({ logLevel: level });
      try {
        const before = server.stdout.length + server.stderr.length;
        for (let i = 0; i < 3; i++) {
          await request('GET', `${server.url}/healthz`);
          await request('GET', `${server.url}/no/such/route`);
          await request('POST', `${server.url}/session/create`, { headers: { 'X-OPENTOK-AUTH': 'garbage' }, body: '' });
          await getSessionInfo(server.url, '1_garbage', 'garbage');
        }
        await delay(300);
        outputs[level] = server.stdout.length + server.stderr.length - before;
      } finally {
        await server.stop();
      }
    }
    assert.ok(outputs.debug > outputs.error, `debug produced ${outputs.debug} bytes of log, error ${outputs.error}`);
  });

  test('SIGTERM with idle and half-open client connections still exits 0 promptly', T, async () => {
    const server = await startParleyd();
    const sockets = [];
    try {
      // A keep-alive connection after a complete request, and one with half a request.
      for (const bytes of [`GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n`, `GET /heal`]) {
        const s = net.connect(server.port, '127.0.0.1');
        s.on('error', () => {});
        await new Promise((r) => s.once('connect', r));
        s.write(bytes);
        sockets.push(s);
      }
      await delay(300);
      const t0 = Date.now();
      await server.stop('SIGTERM');
      assert.ok(Date.now() - t0 < 5000, `shutdown took ${Date.now() - t0} ms`);
    } finally {
      for (const s of sockets) s.destroy();
      await server.terminate('SIGKILL');
    }
  });

  test('TLS: --tls-cert/--tls-key serve https; the SDK works over it; GSI gives wss://', { timeout: 60000 }, async () => {
    const dir = tempDir();
    const cert = path.join(dir, 'cert.pem');
    const key = path.join(dir, 'key.pem');
    const gen = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { encoding: 'utf8' });
    assert.equal(gen.status, 0, `openssl failed: ${gen.stderr}`);
    const ca = fs.readFileSync(cert);
    const server = await startParleyd({ tls: { cert, key } });
    try {
      assert.ok(server.url.startsWith('https://'));
      const health = await request('GET', `${server.url}/healthz`, { ca });
      assert.equal(health.status, 200, health.describe());

      // Plain HTTP on the TLS port gets no successful answer.
      let plainOk = false;
      try {
        const plain = await request('GET', `http://127.0.0.1:${server.port}/healthz`, { timeoutMs: 3000 });
        plainOk = plain.status === 200;
      } catch {
        // closed: fine
      }
      assert.equal(plainOk, false, 'plain HTTP must not be served on the TLS port');

      // The official SDK (node-fetch) over https, trusting the cert via NODE_EXTRA_CA_CERTS.
      const script = `
        import OpenTok from 'opentok';
        const [url, key, secret] = process.argv.slice(1);
        const ot = new OpenTok(key, secret, { apiUrl: url });
        ot.createSession({ mediaMode: 'routed' }, (err, s) => {
          if (err) { console.error('ERR ' + err.message); process.exit(2); }
          console.log(JSON.stringify({ sessionId: s.sessionId, token: ot.generateToken(s.sessionId, { role: 'moderator' }) }));
        });`;
      let out;
      try {
        out = await execFileP(process.execPath, ['--input-type=module', '-e', script, server.url, server.apiKey, server.apiSecret], {
          cwd: repoRoot,
          env: { ...process.env, NODE_EXTRA_CA_CERTS: cert },
          timeout: 20000,
        });
      } catch (err) {
        throw new Error(`SDK over TLS failed: ${err.message}\n${err.stdout ?? ''}${err.stderr ?? ''}\n${server.logs()}`);
      }
      const { sessionId, token } = JSON.parse(out.stdout);
      const res = await getSessionInfo(server.url, sessionId, token, { ca });
      assert.equal(res.status, 200, res.describe());
      const el = res.json()[0];
      assert.equal(el.error, undefined, res.body);
      assert.equal(el.properties?.p2p?.preference?.value, 'disabled');
      const mu = new URL(el.messaging_url);
      assert.equal(mu.protocol, 'wss:', el.messaging_url);
      assert.equal(mu.port, String(server.port), el.messaging_url);
    } finally {
      await server.stop();
    }

    // The same through PARLEY_TLS_CERT / PARLEY_TLS_KEY.
    const port = await freePort();
    const viaEnv = spawnParleyd({
      args: ['--listen', `127.0.0.1:${port}`, '--data-dir', tempDir(), '--rtc-port', String(await freeRtcPort()), '--api-key', randomApiKey(), '--api-secret', randomApiSecret()],
      env: { PARLEY_TLS_CERT: cert, PARLEY_TLS_KEY: key },
      url: `https://127.0.0.1:${port}`,
    });
    try {
      await viaEnv.waitReady({ ca });
      const h = await request('GET', `${viaEnv.url}/healthz`, { ca });
      assert.equal(h.status, 200);
    } finally {
      await viaEnv.stop();
    }
  });
});
