// Attack suite: the HTTP surface without credentials. Path traversal on the static routes
// (/sdk/, /demo/, /), oversize bodies, headers, targets and WebSocket frames, CRLF injection
// into response headers, request smuggling. Sent byte for byte on raw sockets so that no client
// library normalises the attack away. Each refusal leaves parleyd and a joined victim unharmed.
import { describe, before, after, afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { rawExchange, repoRoot } from '../lib/parleyd.js';
import { startServer, rumorFixture, assertVictimUnharmed, request, delay } from './lib/harness.js';

const T = { timeout: 60000 };

// Markers of files that must never be served: /etc/passwd, repository files, the database.
const SECRETS = ['root:x:0:0', 'cmake_minimum_required', 'SQLite format 3', '"devDependencies"', '[core]'];

// Header lines of a raw HTTP response (before the blank line), without the status line.
function headLines(text) {
  const end = text.indexOf('\r\n\r\n');
  const head = end < 0 ? text : text.slice(0, end);
  return head.split('\r\n').slice(1);
}

function assertNoInjectedHeader(res, what) {
  for (const line of headLines(res.text)) {
    assert.ok(!/[\r\n]/.test(line), `${what}: a bare CR or LF inside a response header line: ${JSON.stringify(line)}`);
    const name = line.slice(0, line.indexOf(':')).trim().toLowerCase();
    assert.ok(!['x-injected', 'set-cookie'].includes(name), `${what}: injected response header ${JSON.stringify(line)}`);
  }
  // A header value ending in an injected "X-Injected: 1" pair on the same line is harmless
  // text, but a second status line or header block is not.
  assert.ok((res.text.match(/HTTP\/1\.[01] \d{3}/g) ?? []).length <= 1, `${what}: more than one response: ${res.text.slice(0, 500)}`);
}

describe('attack: HTTP surface (traversal, oversize, CRLF, smuggling)', () => {
  let fx;
  let victim;
  let peer;
  before(async () => {
    fx = rumorFixture(await startServer());
  });
  afterEach(async () => {
    if (victim) await assertVictimUnharmed(fx, victim, { peer });
    await fx.closeClients();
    victim = null;
  });
  after(async () => { await fx?.stop(); });

  async function joinVictim() {
    const sid = await fx.session();
    victim = await fx.join(sid, { role: 'moderator', data: 'victim' });
    peer = await fx.join(sid);
  }

  const get = (target, headers = '') => rawExchange(fx.server.port, [`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers}Connection: close\r\n\r\n`], { idleMs: 2000 });

  test('path traversal on /sdk/, /demo/ and / serves no file outside the static roots', T, async () => {
    await joinVictim();
    const dbName = fs.readdirSync(fx.server.dataDir)[0] ?? 'parley.db';
    const relData = path.relative(path.join(repoRoot, 'web', 'demo'), path.join(fx.server.dataDir, dbName));
    const targets = [
      '/sdk/../../../../../../etc/passwd',
      '/sdk/..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd',
      '/sdk/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
      '/sdk/%2e%2e%2f%2e%2e%2f%2e%2e%2fCMakeLists.txt',
      '/sdk/..%5c..%5c..%5cCMakeLists.txt',
      '/sdk/%252e%252e%252f%252e%252e%252fCMakeLists.txt',
      '/sdk/..%c0%af..%c0%afCMakeLists.txt',
      '/sdk/parley.js%00/../../../CMakeLists.txt',
      '/sdk/%2fetc%2fpasswd',
      '/demo/../../package.json',
      '/demo/..%2f..%2fpackage.json',
      '/demo/%2e%2e%2f%2e%2e%2fpackage.json',
      '/demo/....//....//package.json',
      '/demo/..%2f..%2f.git%2fconfig',
      `/demo/${encodeURIComponent(relData)}`,
      `/demo/${encodeURIComponent(path.join(fx.server.dataDir, dbName))}`,
      '/demo/%2fetc%2fpasswd',
      '/../../../../etc/passwd',
      '/..%2f..%2f..%2f..%2fetc%2fpasswd',
      '/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
      '//etc/passwd',
      '/127.0.0.1/../../../etc/passwd',
      '/localhost:1/%2e%2e%2f%2e%2e%2fpackage.json',
      '/./././../package.json',
      '/demo/.',
      '/demo/..',
      '/sdk/.',
      '/sdk/..',
      '/demo/.git',
      'http://127.0.0.1/../../etc/passwd',
      '/sdk/' + 'a/'.repeat(2000) + '../'.repeat(2000) + 'CMakeLists.txt',
    ];
    for (const t of targets) {
      const res = await get(t);
      const body = res.text.slice(res.text.indexOf('\r\n\r\n') + 4);
      for (const marker of SECRETS) assert.ok(!body.includes(marker), `${t} → ${res.status}: served a file outside the static roots (${marker})`);
      assert.ok(res.status === null || res.status !== 200 || body.length < 200000, `${t} → ${res.status} with a ${body.length}-byte body`);
      if (res.status === 200) {
        // Only the index page and real static files may answer 200.
        assert.ok(/text\/html|javascript|json|css/.test(res.text.slice(0, 2000)), `${t} → 200 of an unexpected type: ${res.text.slice(0, 300)}`);
      }
    }
    const ok = await request('GET', `${fx.server.url}/healthz`);
    assert.equal(ok.status, 200);
  });

  test('oversize bodies are refused with 413 (Content-Length, chunked, absurd Content-Length)', T, async () => {
    await joinVictim();
    const big = Buffer.alloc(2 * 1024 * 1024, 'a');
    const head = (extra) => `POST /session/create HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n${extra}\r\n`;
    const cases = [
      ['Content-Length 2 MiB', [head(`Content-Length: ${big.length}\r\n`), big]],
      ['chunked 2 MiB', [head('Transfer-Encoding: chunked\r\n'), `${big.length.toString(16)}\r\n`, big, '\r\n0\r\n\r\n']],
      ['Content-Length 10 GB, nothing sent', [head('Content-Length: 10000000000\r\n')]],
      ['Content-Length 2^64+1', [head('Content-Length: 18446744073709551617\r\n')]],
      ['chunk size of 2^48', [head('Transfer-Encoding: chunked\r\n'), 'ffffffffffff\r\nabc']],
    ];
    for (const [name, chunks] of cases) {
      const res = await rawExchange(fx.server.port, chunks, { idleMs: 3000 });
      assert.ok([400, 413].includes(res.status), `${name} → ${res.statusLine || '(no answer)'}`);
      if (name !== 'Content-Length 2^64+1' && name !== 'chunk size of 2^48') assert.equal(res.status, 413, `${name} → ${res.statusLine}`);
    }
    const ok = await request('GET', `${fx.server.url}/healthz`);
    assert.equal(ok.status, 200);
  });

  test('oversize headers and targets are refused with 431/414/400', T, async () => {
    await joinVictim();
    const cases = [
      ['one 100 KB header', `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(100 * 1024)}\r\n\r\n`],
      ['10000 small headers', `GET /healthz HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 10000 }, (_, i) => `X-H${i}: v\r\n`).join('')}\r\n`],
      ['a 100 KB target', `GET /healthz?${'q'.repeat(100 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n`],
      ['a 100 KB X-OPENTOK-AUTH', `GET /session/1_abc?extended=true HTTP/1.1\r\nHost: x\r\nX-OPENTOK-AUTH: ${'t'.repeat(100 * 1024)}\r\n\r\n`],
    ];
    for (const [name, raw] of cases) {
      const res = await rawExchange(fx.server.port, [raw], { idleMs: 3000 });
      assert.ok([400, 413, 414, 431].includes(res.status), `${name} → ${res.statusLine || '(no answer, closed)'}`);
    }
    const ok = await request('GET', `${fx.server.url}/healthz`);
    assert.equal(ok.status, 200);
  });

  test('an oversize Rumor frame closes only the sender\'s socket', T, async () => {
    await joinVictim();
    const attacker = await fx.join(victim.sessionId, { data: 'attacker' });
    attacker.sendRaw(Buffer.alloc(2 * 1024 * 1024, 1));
    const code = await Promise.race([attacker.closed, delay(10000).then(() => 'still open')]);
    assert.notEqual(code, 'still open', 'a 2 MiB frame was accepted');
  });

  test('CRLF in the path, the query, Origin and Access-Control-Request-Headers never reaches the response headers', T, async () => {
    await joinVictim();
    const inj = '%0d%0aX-Injected:%201%0d%0aSet-Cookie:%20pwn=1';
    const cases = [
      ['path', () => get(`/sdk/parley.js${inj}`)],
      ['path segment of a REST route', () => get(`/v2/project/1${inj}/session/x/stream`)],
      ['query', () => get(`/demo/token?room=r${inj}&role=publisher`)],
      ['query of /healthz', () => get(`/healthz?x=${inj}`)],
      ['WebSocket socketId', () => rawExchange(fx.server.port, [`GET /rumorwebsocketsv2?socketId=a${inj} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`], { idleMs: 2000 })],
      ['Origin with a bare CR', () => get('/healthz', 'Origin: http://a.example\rX-Injected: 1\r\n')],
      ['Origin with a bare LF', () => get('/healthz', 'Origin: http://a.example\nX-Injected: 1\r\n')],
      ['Origin folded onto a second line', () => get('/healthz', 'Origin: http://a.example\r\n X-Injected: 1\r\n')],
      ['Origin with NUL', () => get('/healthz', 'Origin: http://a.example\0X-Injected: 1\r\n')],
      ['preflight Access-Control-Request-Headers with a bare CR', () => rawExchange(fx.server.port, ['OPTIONS /session/create HTTP/1.1\r\nHost: x\r\nOrigin: http://a.example\r\nAccess-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: x-a\rSet-Cookie: pwn=1\r\nConnection: close\r\n\r\n'], { idleMs: 2000 })],
      ['preflight Access-Control-Request-Headers with a bare LF', () => rawExchange(fx.server.port, ['OPTIONS /session/create HTTP/1.1\r\nHost: x\r\nAccess-Control-Request-Headers: x-a\nSet-Cookie: pwn=1\r\nConnection: close\r\n\r\n'], { idleMs: 2000 })],
    ];
    for (const [name, send] of cases) {
      const res = await send();
      assertNoInjectedHeader(res, name);
    }
    const ok = await request('GET', `${fx.server.url}/healthz`);
    assert.equal(ok.status, 200);
  });

  test('request smuggling: Content-Length with Transfer-Encoding, or two Content-Lengths, is not split into a second request', T, async () => {
    await joinVictim();
    const smuggled = 'GET /v2/project/1/session/x/stream HTTP/1.1\r\nHost: x\r\n\r\n';
    const cases = [
      ['CL + TE', `POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${smuggled}`],
      ['TE + CL', `POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 60\r\n\r\n0\r\n\r\n${smuggled}`],
      ['two Content-Lengths', `POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: ${smuggled.length}\r\n\r\n${smuggled}`],
    ];
    for (const [name, raw] of cases) {
      const res = await rawExchange(fx.server.port, [raw], { idleMs: 2000 });
      const responses = (res.text.match(/HTTP\/1\.[01] \d{3}/g) ?? []).length;
      assert.ok(res.status === 400 || responses <= 1, `${name}: ${responses} responses: ${res.text.slice(0, 400)}`);
      assert.ok(!/"count"\s*:/.test(res.text), `${name}: the smuggled REST request was executed`);
    }
  });

  // RFC 9112 §6.1: a request whose Transfer-Encoding does not end in chunked has no reliable
  // length; the server must answer 400 and close. Reading it by Content-Length instead lets a
  // front proxy that reads the encoding leniently disagree on where the next request starts.
  test('request smuggling: a Transfer-Encoding other than chunked (with Content-Length) → 400 and close', T, async () => {
    await joinVictim();
    const smuggled = 'GET /v2/project/1/session/x/stream HTTP/1.1\r\nHost: x\r\n\r\n';
    for (const te of ['xchunked', 'chunked, identity', 'identity', 'gzip']) {
      const res = await rawExchange(fx.server.port, [`POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: ${te}\r\nContent-Length: 0\r\n\r\n${smuggled}`], { idleMs: 2000 });
      const responses = (res.text.match(/HTTP\/1\.[01] \d{3}/g) ?? []).length;
      assert.equal(res.status, 400, `Transfer-Encoding: ${te} → ${res.statusLine}`);
      assert.equal(responses, 1, `Transfer-Encoding: ${te}: the rest was read as a second request: ${res.text.slice(0, 400)}`);
    }
  });
});
