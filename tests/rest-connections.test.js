// REST: list a session's connections — `GET /v2/project/{key}/session/{sid}/connection`
// (docs/protocol.md §3.4.6), OpenTok's shape `{count, projectId, sessionId, items:
// [{connectionId, connectionState, createdAt}]}`. The official `opentok` Node SDK 2.x has no
// method for it, so the test calls it raw, with the SDK's JWT style, against connections made
// over the real Rumor protocol.
//
// Run: PARLEYD=build/asan/parleyd node --test --test-concurrency=1 tests/rest-connections.test.js

import { describe, before, after, afterEach, test } from 'node:test';
import assert from 'node:assert/strict';

import { request, restJwt, craftSessionId, randomApiKey } from './lib/parleyd.js';
import { signalingServer, sdk } from './lib/signaling-fixture.js';

const T = { timeout: 60000 };

describe('REST list connections', () => {
  let fx;

  before(async () => {
    fx = await signalingServer();
  });

  afterEach(async () => {
    await fx.closeClients();
  });

  after(async () => {
    await fx?.stop();
  });

  const list = (sessionId, { apiKey = fx.apiKey, jwt = restJwt(fx.apiKey, fx.server.apiSecret) } = {}) =>
    request('GET', `${fx.server.url}/v2/project/${apiKey}/session/${encodeURIComponent(sessionId)}/connection`, {
      headers: jwt ? { 'X-OPENTOK-AUTH': jwt, Accept: 'application/json' } : {},
    });

  test('lists the connected clients in join order with their state and creation time; follows leaves', T, async () => {
    const sessionId = await fx.session('routed');
    const empty = await list(sessionId);
    assert.equal(empty.status, 200, empty.describe());
    assert.deepEqual(empty.json(), { count: 0, projectId: fx.apiKey, sessionId, items: [] });

    const before = Date.now();
    const a = await fx.join(sessionId, { role: 'publisher' });
    const b = await fx.join(sessionId, { role: 'subscriber' });
    const c = await fx.join(sessionId, { role: 'moderator' });
    const after = Date.now();
    const res = await list(sessionId);
    assert.equal(res.status, 200, res.describe());
    assert.equal(res.mediaType, 'application/json', res.describe());
    const body = res.json();
    assert.equal(body.count, 3, res.body);
    assert.equal(body.projectId, fx.apiKey);
    assert.equal(body.sessionId, sessionId);
    assert.deepEqual(body.items.map((i) => i.connectionId), [a.connectionId, b.connectionId, c.connectionId]);
    for (const item of body.items) {
      assert.deepEqual(Object.keys(item).sort(), ['connectionId', 'connectionState', 'createdAt'], res.body);
      assert.equal(item.connectionState, 'Connected');
      assert.ok(Number.isInteger(item.createdAt) && item.createdAt >= before - 1000 && item.createdAt <= after + 1000, res.body);
    }

    // Force-disconnect one (REST, through the official SDK): it is no longer listed.
    await sdk(fx.ot, 'forceDisconnect', sessionId, b.connectionId);
    const later = await list(sessionId);
    assert.deepEqual(later.json().items.map((i) => i.connectionId), [a.connectionId, c.connectionId], later.body);
    assert.equal(later.json().count, 2);
    // Another session's connections never show.
    const other = await fx.session('relayed');
    const d = await fx.join(other);
    assert.deepEqual((await list(other)).json().items.map((i) => i.connectionId), [d.connectionId]);
    assert.equal((await list(sessionId)).json().count, 2);
  });

  test('authorised like the other live-session calls', T, async () => {
    const sessionId = await fx.session('relayed');
    const noAuth = await list(sessionId, { jwt: null });
    assert.ok([401, 403].includes(noAuth.status), noAuth.describe());
    const wrongSecret = await list(sessionId, { jwt: restJwt(fx.apiKey, 'not-the-secret') });
    assert.ok([401, 403].includes(wrongSecret.status), wrongSecret.describe());
    // A session id of another project, asked with this project's credentials.
    const foreign = craftSessionId(randomApiKey());
    const res = await list(foreign);
    assert.equal(res.status, 403, res.describe());
    const garbage = await list('not-a-session-id');
    assert.equal(garbage.status, 400, garbage.describe());
  });
});
