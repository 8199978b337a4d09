// Hostile and malformed input must be refused with the right JSON error and leave the
// server serving and its state unchanged.
import { describe, before, after, beforeEach, afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';

import {
  startParleyd,
  request,
  restJwt,
  signJwt,
  nowSeconds,
  randomApiKey,
  randomApiSecret,
  getMetrics,
  metricValue,
  rawExchange,
  rawResponseBody,
} from './lib/parleyd.js';

const T = { timeout: 30000 };

function assertJsonError(res, status) {
  assert.equal(res.status, status, res.describe());
  assert.equal(res.mediaType, 'application/json', `error responses must be JSON: ${res.describe()}`);
  const body = res.json();
  assert.equal(body.code, status, `body.code: ${res.body}`);
  assert.equal(typeof body.message, 'string', `body.message: ${res.body}`);
  assert.ok(body.message.length > 0, `body.message empty: ${res.body}`);
  assert.equal(typeof body.description, 'string', `body.description: ${res.body}`);
  return body;
}

describe('bad input', () => {
  let server;
  let sessionsBefore;
  // Number of sessions a test legitimately creates (positive controls); checked afterwards.
  let expectedNewSessions = 0;

  const authHeaders = (extra = {}) => ({
    'User-Agent': 'OpenTok-Node-SDK/2.23.2',
    Accept: 'application/json',
    'X-OPENTOK-AUTH': restJwt(server.apiKey, server.apiSecret),
    ...extra,
  });

  const createRaw = (body, headers) =>
    request('POST', `${server.url}/session/create`, {
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
      body,
    });

  async function sessionsCreated() {
    // Absent before the first creation counts as 0 (presence is checked in server.test.js);
    // the positive-control test proves the counter moves.
    return metricValue(await getMetrics(server.url), 'parley_sessions_created_total') ?? 0;
  }

  async function assertHealthy() {
    const res = await request('GET', `${server.url}/healthz`);
    assert.equal(res.status, 200, `server must keep serving: ${res.describe()}`);
  }

  before(async () => {
    server = await startParleyd();
  });

  after(async () => {
    if (server) await server.stop();
  });

  beforeEach(async () => {
    expectedNewSessions = 0;
    sessionsBefore = await sessionsCreated();
  });

  afterEach(async () => {
    await assertHealthy();
    assert.equal(await sessionsCreated(), sessionsBefore + expectedNewSessions, 'bad requests must not create sessions');
  });

  test('positive control: a well-formed create succeeds', T, async () => {
    expectedNewSessions = 1;
    const res = await createRaw('archiveMode=manual&p2p.preference=disabled', authHeaders());
    assert.equal(res.status, 200, res.describe());
    assert.equal(typeof res.json()[0].session_id, 'string');
  });

  test('malformed form bodies → 400 JSON', T, async () => {
    for (const body of ['p2p.preference=disabled&archiveMode=%ZZ', 'archiveMode=%', 'location=%G1%2', 'archiveMode=man%00ual']) {
      const res = await createRaw(body, authHeaders());
      try {
        assertJsonError(res, 400);
      } catch (err) {
        err.message = `body ${JSON.stringify(body)}: ${err.message}`;
        throw err;
      }
    }
  });

  test('invalid archiveMode and location values → 400 JSON', T, async () => {
    for (const body of [
      'archiveMode=sometimes&p2p.preference=disabled',
      'archiveMode=always&p2p.preference=enabled',
      'archiveMode=always',
      'location=not-an-ip',
      'location=999.1.1.1',
      'location=12.34.56.78%3Bx',
    ]) {
      const res = await createRaw(body, authHeaders());
      try {
        assertJsonError(res, 400);
      } catch (err) {
        err.message = `body ${JSON.stringify(body)}: ${err.message}`;
        throw err;
      }
    }
  });

  test('body over the size limit (2 MiB, Content-Length) → 413 JSON', T, async () => {
    const body = 'p2p.preference=disabled&pad=' + 'a'.repeat(2 * 1024 * 1024);
    const head =
      `POST /session/create HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n` +
      `User-Agent: OpenTok-Node-SDK/2.23.2\r\nAccept: application/json\r\n` +
      `X-OPENTOK-AUTH: ${restJwt(server.apiKey, server.apiSecret)}\r\n` +
      `Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
    const chunks = [head];
    for (let i = 0; i < body.length; i += 65536) chunks.push(body.slice(i, i + 65536));
    const r = await rawExchange(server.port, chunks);
    // A server that closes right after answering, with the rest of the body unread, makes the
    // kernel send a RST and the client never sees the 413 (RFC 9112 §9.6: half-close, then
    // keep reading/draining before closing).
    assert.equal(r.status, 413, `expected 413, got: ${r.statusLine || '(nothing)'} closed=${r.closed} error=${r.error?.code}`);
    assert.match(r.text.split('\r\n\r\n')[0], /\r\ncontent-type:\s*application\/json/i, r.text.slice(0, 500));
    const json = JSON.parse(rawResponseBody(r.text));
    assert.equal(json.code, 413);
    assert.equal(typeof json.message, 'string');
  });

  test('body over the size limit (2 MiB, chunked) → 413 JSON', T, async () => {
    const head =
      `POST /session/create HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n` +
      `Accept: application/json\r\nX-OPENTOK-AUTH: ${restJwt(server.apiKey, server.apiSecret)}\r\n` +
      `Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n`;
    const chunks = [head, `17\r\np2p.preference=disabled\r\n`];
    const piece = 'a'.repeat(65536);
    for (let sent = 0; sent < 2 * 1024 * 1024; sent += piece.length) chunks.push(`${piece.length.toString(16)}\r\n${piece}\r\n`);
    chunks.push('0\r\n\r\n');
    const r = await rawExchange(server.port, chunks);
    assert.equal(r.status, 413, `expected 413, got: ${r.statusLine || '(nothing)'} closed=${r.closed} error=${r.error?.code}`);
    const json = JSON.parse(rawResponseBody(r.text));
    assert.equal(json.code, 413);
  });

  test('unknown routes → 404 JSON {code,message,description}', T, async () => {
    for (const [method, path] of [
      ['GET', '/definitely/not/here'],
      ['POST', '/session/create/extra'],
      ['GET', '/v2/project/' + server.apiKey + '/no-such-thing'],
      ['DELETE', '/nope'],
    ]) {
      const res = await request(method, server.url + path, { headers: authHeaders() });
      try {
        assertJsonError(res, 404);
      } catch (err) {
        err.message = `${method} ${path}: ${err.message}`;
        throw err;
      }
    }
  });

  test('wrong method on /session/create → 404 or 405 JSON', T, async () => {
    // (GET /session/create is a session-info request for the session id "create".)
    for (const method of ['PUT', 'DELETE', 'PATCH']) {
      const res = await request(method, `${server.url}/session/create`, {
        headers: { ...authHeaders(), 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'p2p.preference=disabled',
      });
      assert.ok([404, 405].includes(res.status), res.describe());
      assertJsonError(res, res.status);
    }
  });

  test('path traversal does not escape the static root', T, async () => {
    for (const path of ['/../../../../etc/passwd', '/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd', '/sdk/..%2f..%2f..%2f..%2fetc%2fpasswd', '/web/..%2f..%2f..%2f..%2fetc/passwd']) {
      const res = await request('GET', server.url + path);
      assert.ok([400, 403, 404].includes(res.status), `${path}: ${res.describe()}`);
      assert.doesNotMatch(res.body, /root:.*:0:0:/, `${path} leaked /etc/passwd`);
    }
  });

  test('missing or garbage X-OPENTOK-AUTH → 403 JSON', T, async () => {
    const base = { 'User-Agent': 'OpenTok-Node-SDK/2.23.2', Accept: 'application/json' };
    assertJsonError(await createRaw('p2p.preference=disabled', base), 403);
    for (const garbage of ['', 'garbage', 'a.b.c', 'Bearer x', 'x'.repeat(10000), '..', 'eyJhbGciOiJIUzI1NiJ9..']) {
      const res = await createRaw('p2p.preference=disabled', { ...base, 'X-OPENTOK-AUTH': garbage });
      try {
        assertJsonError(res, 403);
      } catch (err) {
        err.message = `token ${JSON.stringify(garbage.slice(0, 40))}: ${err.message}`;
        throw err;
      }
    }
  });

  test('REST JWT lifetimes and claims: only iat..iat+300 (+skew), correctly signed, known iss', T, async () => {
    const key = server.apiKey;
    const secret = server.apiSecret;
    const now = nowSeconds();
    // Positive controls: each SDK's own shape.
    expectedNewSessions = 3;
    for (const style of ['node', 'ruby', 'python']) {
      const res = await createRaw('p2p.preference=disabled', { Accept: 'application/json', 'X-OPENTOK-AUTH': restJwt(key, secret, { style }) });
      assert.equal(res.status, 200, `${style}-style auth must work: ${res.describe()}`);
    }
    const h = { alg: 'HS256', typ: 'JWT' };
    const bad = {
      'exp - iat = 3600': signJwt(h, { iss: key, ist: 'project', iat: now, exp: now + 3600 }, secret),
      'exp - iat = 400': signJwt(h, { iss: key, ist: 'project', iat: now, exp: now + 400 }, secret),
      'expired': signJwt(h, { iss: key, ist: 'project', iat: now - 1000, exp: now - 700 }, secret),
      'issued in the future': signJwt(h, { iss: key, ist: 'project', iat: now + 3600, exp: now + 3900 }, secret),
      'no exp': signJwt(h, { iss: key, ist: 'project', iat: now }, secret),
      'no iss': signJwt(h, { ist: 'project', iat: now, exp: now + 300 }, secret),
      'unknown iss': signJwt(h, { iss: randomApiKey(), ist: 'project', iat: now, exp: now + 300 }, secret),
      'wrong secret': signJwt(h, { iss: key, ist: 'project', iat: now, exp: now + 300 }, randomApiSecret()),
      'alg none': `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ iss: key, ist: 'project', iat: now, exp: now + 300 })).toString('base64url')}.`,
      'alg HS512': (() => {
        const hh = Buffer.from('{"alg":"HS512","typ":"JWT"}').toString('base64url');
        const pp = Buffer.from(JSON.stringify({ iss: key, ist: 'project', iat: now, exp: now + 300 })).toString('base64url');
        return `${hh}.${pp}.${crypto.createHmac('sha512', secret).update(`${hh}.${pp}`).digest('base64url')}`;
      })(),
      'client T1 token instead of REST JWT': 'T1==' + Buffer.from(`partner_id=${key}&sig=00:role=moderator`).toString('base64'),
    };
    for (const [why, token] of Object.entries(bad)) {
      const res = await createRaw('p2p.preference=disabled', { Accept: 'application/json', 'X-OPENTOK-AUTH': token });
      try {
        assertJsonError(res, 403);
      } catch (err) {
        err.message = `${why}: ${err.message}`;
        throw err;
      }
    }
  });

  test('malformed HTTP on a raw socket → 400 or close, and the server keeps serving', T, async () => {
    const cases = {
      'garbage line': ['GARBAGE\r\n\r\n'],
      'binary noise': [crypto.randomBytes(4096), '\r\n\r\n'],
      'TLS ClientHello on a plain port': [Buffer.from('16030100a5010000a10303' + '00'.repeat(160), 'hex')],
      'bad Content-Length': [`POST /session/create HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n`],
      'negative Content-Length': [`POST /session/create HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n`],
      'bad chunk size': [`POST /session/create HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\nabc\r\n`],
      'header without colon': [`GET /healthz HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n`],
      'huge header': [`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(200000)}\r\n\r\n`],
      'huge request line': [`GET /${'a'.repeat(200000)} HTTP/1.1\r\nHost: x\r\n\r\n`],
      'NUL in request line': [`GET /heal\0thz HTTP/1.1\r\nHost: x\r\n\r\n`],
    };
    for (const [name, chunks] of Object.entries(cases)) {
      const r = await rawExchange(server.port, chunks, { idleMs: 5000 });
      const okStatus = r.status === null ? r.closed : r.status >= 400 && r.status < 600 && r.status !== 500;
      assert.ok(okStatus, `${name}: expected a 4xx/505 answer or a closed connection, got ${JSON.stringify(r.statusLine)} closed=${r.closed}`);
      await assertHealthy();
    }
  });

  test('aborted and half-sent requests do not disturb the server', T, async () => {
    // Half a request line, then the client goes away.
    await rawExchange(server.port, ['GET /heal'], { idleMs: 200 });
    // Headers promise a body that never comes; client goes away.
    await rawExchange(server.port, [`POST /session/create HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc`], { idleMs: 200 });
    // Many connections opened and dropped at once.
    await Promise.all(Array.from({ length: 50 }, () => rawExchange(server.port, ['GET /healthz HTTP/1.1\r\n'], { idleMs: 100 })));
    await assertHealthy();
  });

  test('pipelined HTTP/1.1 requests are answered in order', T, async () => {
    const req = `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;
    const r = await rawExchange(server.port, [req + req + `GET /definitely/not/here HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`], { idleMs: 3000 });
    const statuses = [...r.text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));
    assert.deepEqual(statuses, [200, 200, 404], r.text.slice(0, 2000));
  });

  test('session info with hostile session ids and tokens → error node or 4xx, never 5xx', T, async () => {
    const longId = '1_' + 'A'.repeat(4000);
    for (const sid of ['x', '1_', '1_!!!!', '1_' + Buffer.from('no tildes here').toString('base64url'), '%00', longId]) {
      const res = await request('GET', `${server.url}/session/${sid}?extended=true`, {
        headers: { 'X-OPENTOK-AUTH': 'garbage', 'X-TB-VERSION': '1', Accept: 'application/json' },
      });
      assert.ok(res.status < 500, `session ${sid.slice(0, 40)}: ${res.describe()}`);
      if (res.status === 200) {
        const body = res.json();
        assert.ok(Array.isArray(body) && body[0]?.error, `expected an error node: ${res.body.slice(0, 300)}`);
        assert.ok([400, 403, 404].includes(body[0].error.code), res.body.slice(0, 300));
      }
    }
  });
});
