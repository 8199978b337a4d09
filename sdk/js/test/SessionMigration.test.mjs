// Unit tests of parley.js session migration (docs/cluster.md): when the server sends a
// `notification` with reason serverRotation, the client fetches session info again, connects to
// the server it names with the same connection id, and the app sees nothing — no
// connectionDestroyed or streamDestroyed for the clients that leave the old server to move too.
// Who never reaches the new server within the grace has left, and only then is announced.
// A real OT.Session talks to two scripted servers (support/fakeRumorServer.mjs).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { connectionObject, streamObject, fakeServer, connectTo, route, flush, restoreGlobalsAfter } from './support/fakeRumorServer.mjs';

const settle = async () => {
  for (let i = 0; i < 10; ++i) await flush();
};

describe('parley.js session migration', () => {
  restoreGlobalsAfter();

  // Old server: this client, carol (stream s-carol) and dave (stream s-dave). New server: this
  // client and carol with her stream; dave never arrives.
  function servers(sessionId) {
    const old = fakeServer({
      sessionId,
      host: 'old.unit.test',
      state: (cid) => ({
        connection: [connectionObject(cid), connectionObject('carol'), connectionObject('dave')],
        stream: [streamObject('s-carol', 'carol'), streamObject('s-dave', 'dave')],
        archive: [],
      }),
    });
    const next = fakeServer({
      sessionId,
      host: 'new.unit.test',
      state: (cid) => ({ connection: [connectionObject(cid), connectionObject('carol')], stream: [streamObject('s-carol', 'carol')], archive: [] }),
    });
    return { old, next };
  }

  test('serverRotation: the client moves with its connection id, and only who never arrives is announced gone, after the grace', async (t) => {
    const sessionId = '1_MX4xMjM0NTY3OH5-migration';
    const { old, next } = servers(sessionId);
    const { session, seen } = await connectTo(old, sessionId);
    t.after(() => session.disconnect());
    let infoFrom = old;
    route([old, next], () => infoFrom);
    t.mock.timers.enable({ apis: ['setTimeout'] });

    infoFrom = next;
    old.notification('serverRotation');
    // The old server reports carol leaving it (she moves too) before this client has moved.
    old.connectionDeleted('carol');
    old.streamDeleted('s-carol');
    await settle();
    assert.ok(next.opened, 'a socket to the server session info names');
    assert.equal(next.connectionId, old.connectionId, 'the same connection id');
    assert.equal(session.connection.connectionId, old.connectionId);
    assert.equal(old.closed, false, 'the old socket stays open during the grace');
    assert.deepEqual(seen.destroyed, []);
    assert.deepEqual(seen.connectionDestroyed, []);
    assert.ok(session.streams.get('s-carol') && session.streams.get('s-dave'));

    // News on the old socket after the move is not the session's any more.
    old.streamCreated('s-stale', 'carol');
    await settle();
    assert.equal(session.streams.get('s-stale'), undefined);

    t.mock.timers.tick(10000);
    await settle();
    assert.equal(old.closed, true, 'the old socket closes after the grace');
    assert.deepEqual(seen.destroyed, ['s-dave'], 'dave\'s stream never reached the new server');
    assert.deepEqual(seen.connectionDestroyed, ['dave']);
    assert.deepEqual(seen.created, ['s-carol', 's-dave'], 'no second streamCreated for carol\'s stream');
    assert.deepEqual(seen.disconnected, []);
    // The session goes on on the new server.
    next.streamCreated('s-erin', 'carol');
    await settle();
    assert.deepEqual(seen.created, ['s-carol', 's-dave', 's-erin']);
  });

  test('sessionMigration: false stays on the old server', async (t) => {
    const sessionId = '1_MX4xMjM0NTY3OH5-no-migration';
    const { old, next } = servers(sessionId);
    const { session, seen } = await connectTo(old, sessionId, { sessionMigration: false });
    t.after(() => session.disconnect());
    route([old, next], () => next);
    old.notification('serverRotation');
    await settle();
    assert.equal(next.opened, false);
    // Its news still count.
    old.streamDeleted('s-dave');
    await settle();
    assert.deepEqual(seen.destroyed, ['s-dave']);
  });

  test('session info naming the same server again: the client stays, and nothing is lost', async (t) => {
    const sessionId = '1_MX4xMjM0NTY3OH5-same-server';
    const { old } = servers(sessionId);
    const { session, seen } = await connectTo(old, sessionId);
    t.after(() => session.disconnect());
    old.notification('serverRotation');
    await settle();
    old.streamDeleted('s-dave');
    await settle();
    assert.deepEqual(seen.destroyed, ['s-dave']);
    assert.equal(old.closed, false);
  });

  test('its server dies: the client moves as soon as session info names another one', async (t) => {
    const sessionId = '1_MX4xMjM0NTY3OH5-server-lost';
    const state = (cid) => ({ connection: [connectionObject(cid), connectionObject('carol')], stream: [streamObject('s-carol', 'carol')], archive: [] });
    const old = fakeServer({ sessionId, host: 'old.unit.test', reconnection: true, state });
    const next = fakeServer({ sessionId, host: 'new.unit.test', reconnection: true, state });
    const { session, seen } = await connectTo(old, sessionId);
    t.after(() => session.disconnect());
    let infoFrom = old;
    route([old, next], () => infoFrom);
    old.kill();
    await settle();
    assert.equal(seen.reconnecting, 1);
    // Session info still names the dead server (its record has not expired): the client waits.
    await new Promise((r) => setTimeout(r, 1300));
    assert.equal(next.opened, false);
    infoFrom = next;
    const deadline = Date.now() + 5000;
    while (seen.reconnected === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(seen.reconnected, 1, 'sessionReconnected once it is on the new server');
    assert.equal(next.connectionId, session.connection.connectionId, 'with the same connection id');
    assert.deepEqual(seen.disconnected, []);
    assert.deepEqual(seen.destroyed, []);
  });
});
