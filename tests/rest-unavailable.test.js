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

  test('the Node SDK reports 501 for a SIP dial, not "Session not found"', T, async () => {
    const token = ot.generateToken(sessionId);
    const { err } = await call((cb) => ot.dial(sessionId, token, 'sip:user@example.com', {}, cb));
    assert.ok(err, 'a dial must fail');
    assert.doesNotMatch(err.message, /Session not found/);
    const { err: none, value } = await call((cb) => ot.listArchives({}, cb));
    assert.equal(none, null, 'listing archives works');
    assert.deepEqual(value, []);
  });

  test('each unavailable endpoint answers 501 JSON naming its feature', T, async () => {
    const base = `${server.url}/v2/project/${server.apiKey}`;
    const cases = [
      ['POST', '/dial', 'sip'],
      ['POST', `/session/${sessionId}/play-dtmf`, 'sip'],
      ['POST', '/captions', 'captions'],
      ['POST', '/render', 'render'],
      ['POST', '/connect', 'audio-connector'],
    ];
    for (const [method, path, feature, requestBody] of cases) {
      const res = await request(method, base + path, {
        headers: { 'X-OPENTOK-AUTH': restJwt(server.apiKey, server.apiSecret), 'Content-Type': 'application/json' },
        body: method === 'GET' || method === 'DELETE' ? undefined : requestBody ?? '{}',
      });
      assert.equal(res.status, 501, `${method} ${path}: ${res.describe()}`);
      const body = res.json();
      assert.equal(body.code, 501, res.describe());
      assert.equal(body.feature, feature, res.describe());
      assert.equal(typeof body.description, 'string');
    }
  });

  test('authentication comes first: no or wrong credentials get 403, not 501', T, async () => {
    const url = `${server.url}/v2/project/${server.apiKey}/dial`;
    const none = await request('POST', url, { body: '{}', headers: { 'Content-Type': 'application/json' } });
    assert.equal(none.status, 403, none.describe());
    const wrong = await request('POST', url, {
      body: '{}', headers: { 'X-OPENTOK-AUTH': restJwt(server.apiKey, 'not-the-secret-not-the-secret'), 'Content-Type': 'application/json' },
    });
    assert.equal(wrong.status, 403, wrong.describe());
    const otherProject = await request('POST', `${server.url}/v2/project/99999999/dial`, {
      body: '{}', headers: { 'X-OPENTOK-AUTH': restJwt(server.apiKey, server.apiSecret), 'Content-Type': 'application/json' },
    });
    assert.equal(otherProject.status, 403, otherProject.describe());
  });
});
