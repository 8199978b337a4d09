// Unit tests of which object announces a stream (issue 15, part 0). OpenTok.js fires the
// Session's `streamCreated` / `streamDestroyed` only for other connections' streams; a stream of
// the client's own connection is the Publisher's business. Apps that subscribe in the Session's
// `streamCreated` handler (OpenTok's sample apps do) rely on it, or they subscribe to themselves.
//
// A real OT.Session connects to a scripted server (support/fakeRumorServer.mjs).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { connectionObject, streamObject, fakeServer, connectTo, flush, restoreGlobalsAfter } from './support/fakeRumorServer.mjs';

describe('Session stream events leave out the client\'s own streams (as OpenTok.js)', () => {
  restoreGlobalsAfter();

  test('streams announced while connected: only other connections\' make a Session streamCreated', async (t) => {
    const sessionId = '1_MX4xMjM0NTY3OH5-own-stream-created';
    const server = fakeServer({ sessionId, state: (cid) => ({ connection: [connectionObject(cid), connectionObject('remote-1')], stream: [], archive: [] }) });
    const { session, seen } = await connectTo(server, sessionId);
    t.after(() => session.disconnect());
    assert.equal(session.connection.connectionId, server.connectionId);

    server.streamCreated('own-stream', server.connectionId);
    server.streamCreated('remote-stream', 'remote-1');
    await flush();
    assert.deepEqual(seen.created, ['remote-stream'], 'the Session announced its own stream');
    // Both stay in session.streams, as in OpenTok.js.
    assert.ok(session.streams.get('own-stream') && session.streams.get('remote-stream'));
    assert.deepEqual(session.getSubscribersForStream('own-stream'), []);
  });

  test('stream deleted: only other connections\' streams make a Session streamDestroyed', async (t) => {
    const sessionId = '1_MX4xMjM0NTY3OH5-own-stream-destroyed';
    const server = fakeServer({ sessionId, state: (cid) => ({ connection: [connectionObject(cid), connectionObject('remote-1')], stream: [], archive: [] }) });
    const { session, seen } = await connectTo(server, sessionId);
    t.after(() => session.disconnect());
    server.streamCreated('own-stream', server.connectionId);
    server.streamCreated('remote-stream', 'remote-1');
    await flush();

    server.streamDeleted('own-stream', 'forceUnpublished');
    server.streamDeleted('remote-stream');
    await flush();
    assert.deepEqual(seen.destroyed, ['remote-stream'], 'the Session announced the end of its own stream');
    assert.equal(session.streams.get('own-stream'), undefined);
    assert.equal(session.streams.get('remote-stream'), undefined);
  });

  test('streams already in the session when connecting: the own connection\'s are left out', async (t) => {
    const sessionId = '1_MX4xMjM0NTY3OH5-own-stream-initial';
    // A session state naming a stream of this very connection (what a client would get back
    // after resuming its connection) next to another client's stream.
    const server = fakeServer({
      sessionId,
      state: (cid) => ({
        connection: [connectionObject(cid), connectionObject('remote-1')],
        stream: [streamObject('own-stream', cid), streamObject('remote-stream', 'remote-1')],
        archive: [],
      }),
    });
    const { session, seen } = await connectTo(server, sessionId);
    t.after(() => session.disconnect());
    assert.deepEqual(seen.connected, [['remote-stream']]);
    assert.deepEqual(seen.created, ['remote-stream']);
  });
});
