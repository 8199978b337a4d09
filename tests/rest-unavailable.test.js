// Features parleyd does not offer yet answer 501 with a JSON body naming the feature, after
// the usual REST authentication — seen through the official Node SDK, whose error must now
// say so instead of the "Session not found" a 404 produced (docs/protocol.md §3.4).
import { describe, before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenTok from 'opentok';

import { startParleyd, request, signJwt, nowSeconds } from './lib/parleyd.js';

const T = { timeout: 60000 };

const call = (fn) => new Promise((resolve) => fn((err, value) => resolve({ err, value })));

function restJwt(key, secret) {
  const iat = nowSeconds();
  return signJwt({ alg: 'HS256', typ: 'JWT' }, { iss: key, ist: 'project', iat, exp: iat + 180, jti: String(Math.random()) }, secret);
}

describe('REST endpoints of features not offered yet', () => {
  let server;
  let ot;
  let sessionId;

  before(async () => {
    server = await startParleyd();
    ot = new OpenTok(server.apiKey, server.apiSecret, { apiUrl: server.url });
    sessionId = (await call((cb) => ot.createSession({ mediaMode: 'routed' }, cb))).value.sessionId;
  });
  after(async () => { await server?.stop(); });

  test('the Node SDK reports 501 and the feature for archive calls, not "Session not found"', T, async () => {
    for (const [what, fn] of [
      ['startArchive', (cb) => ot.startArchive(sessionId, { name: 'x' }, cb)],
      ['listArchives', (cb) => ot.listArchives({}, cb)],
      ['getArchive', (cb) => ot.getArchive('6b8c5de6-08a2-4c7c-9b4c-6f7e1c0e2a11', cb)],
      ['stopArchive', (cb) => ot.stopArchive('6b8c5de6-08a2-4c7c-9b4c-6f7e1c0e2a11', cb)],
    ]) {
      const { err } = await call(fn);
      assert.ok(err, `${what} must fail`);
      assert.doesNotMatch(err.message, /Session not found/, what);
      assert.match(err.message, /501|[Nn]ot (implemented|available)|archiv/i, `${what}: ${err.message}`);
    }
  });

  test('each unavailable endpoint answers 501 JSON naming its feature', T, async () => {
    const base = `${server.url}/v2/project/${server.apiKey}`;
    const cases = [
      ['POST', '/archive', 'archives'],
      ['GET', '/archive?count=5', 'archives'],
      ['DELETE', '/archive/abc', 'archives'],
      ['PATCH', '/archive/abc/streams', 'archives'],
      ['PUT', '/archive/abc/layout', 'archives'],
      ['POST', '/broadcast', 'broadcasts'],
      ['POST', '/broadcast/abc/stop', 'broadcasts'],
      ['POST', '/dial', 'sip'],
      ['POST', `/session/${sessionId}/play-dtmf`, 'sip'],
      ['POST', '/captions', 'captions'],
      ['POST', '/render', 'render'],
      ['POST', '/connect', 'audio-connector'],
    ];
    for (const [method, path, feature] of cases) {
      const res = await request(method, base + path, {
        headers: { 'X-OPENTOK-AUTH': restJwt(server.apiKey, server.apiSecret), 'Content-Type': 'application/json' },
        body: method === 'GET' || method === 'DELETE' ? undefined : '{}',
      });
      assert.equal(res.status, 501, `${method} ${path}: ${res.describe()}`);
      const body = res.json();
      assert.equal(body.code, 501, res.describe());
      assert.equal(body.feature, feature, res.describe());
      assert.equal(typeof body.description, 'string');
    }
  });

  test('authentication comes first: no or wrong credentials get 403, not 501', T, async () => {
    const url = `${server.url}/v2/project/${server.apiKey}/archive`;
    const none = await request('POST', url, { body: '{}', headers: { 'Content-Type': 'application/json' } });
    assert.equal(none.status, 403, none.describe());
    const wrong = await request('POST', url, {
      body: '{}', headers: { 'X-OPENTOK-AUTH': restJwt(server.apiKey, 'not-the-secret-not-the-secret'), 'Content-Type': 'application/json' },
    });
    assert.equal(wrong.status, 403, wrong.describe());
    const otherProject = await request('POST', `${server.url}/v2/project/99999999/archive`, {
      body: '{}', headers: { 'X-OPENTOK-AUTH': restJwt(server.apiKey, server.apiSecret), 'Content-Type': 'application/json' },
    });
    assert.equal(otherProject.status, 403, otherProject.describe());
  });
});
