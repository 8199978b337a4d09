// Unit tests of which object announces a stream (issue 15, part 0). OpenTok.js fires the
// Session's `streamCreated` / `streamDestroyed` only for other connections' streams; a stream of
// the client's own connection is the Publisher's business. Apps that subscribe in the Session's
// `streamCreated` handler (OpenTok's sample apps do) rely on it, or they subscribe to themselves.
//
// A real OT.Session connects to a scripted server: globalThis.fetch answers the session info
// request and globalThis.WebSocket is a fake Rumor endpoint that answers connection create with a
// session state and then sends whatever the test scripts (docs/protocol.md §5.2, §7.3, §7.4).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { OT, RumorType, encodeRumorFrame, decodeRumorFrame, parseRaptorMessage } from '../dist/parley.mjs';

const API_KEY = '12345678';
const SYMPHONY = 'symphony.unit.test';
const flush = () => new Promise((resolve) => setImmediate(resolve));

const sessionInfo = (sessionId) => [{
  session_id: sessionId,
  partner_id: API_KEY,
  messaging_url: 'ws://rumor.unit.test/rumorwebsocketsv2',
  messaging_server_url: 'rumor.unit.test',
  symphony_address: SYMPHONY,
  media_server_hostname: 'mantis.unit.test',
  ice_servers: [],
  properties: { p2p: { preference: { value: 'disabled' } }, reconnection: false, renegotiation: false },
}];

const connectionObject = (id) => ({ id, creationTime: 1700000000000, data: `name=${id}`, permissions: ['publish', 'subscribe'] });
const streamObject = (id, connectionId) => ({
  id,
  name: id,
  creationTime: 1700000000000,
  connection: { id: connectionId },
  channel: [
    { id: 'audio1', type: 'audio', active: true },
    { id: 'video1', type: 'video', active: true, width: 640, height: 480, source: 'camera' },
  ],
});

// The server side of one client's WebSocket. `state(cid)` builds the session state that answers
// connection create; after it the client's own `connection created` follows.
function fakeServer({ sessionId, state }) {
  const base = `/v2/partner/${API_KEY}/session/${sessionId}`;
  let ws;
  let cid;
  let seq = 0;
  const toClient = (frame) => {
    const bytes = encodeRumorFrame(frame);
    ws.fire('message', { data: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) });
  };
  const message = (payload) => toClient({
    type: RumorType.MESSAGE,
    addresses: [cid],
    headers: { 'X-TB-FROM-ADDRESS': SYMPHONY, 'TRANSACTION-ID': `server-${++seq}` },
    payload: JSON.stringify(payload),
  });

  class FakeWebSocket {
    constructor(url) {
      this.url = url;
      this.readyState = 0;
      this.binaryType = 'blob';
      this.listeners = new Map();
      ws = this;
      setImmediate(() => {
        this.readyState = 1;
        this.fire('open', {});
      });
    }

    addEventListener(type, fn) {
      if (!this.listeners.has(type)) this.listeners.set(type, []);
      this.listeners.get(type).push(fn);
    }

    fire(type, event) {
      for (const fn of this.listeners.get(type) ?? []) fn(event);
    }

    send(data) {
      const frame = decodeRumorFrame(data);
      if (frame.type === RumorType.CONNECT) cid = frame.headers.uniqueId;
      if (frame.type !== RumorType.MESSAGE || !frame.addresses.includes(SYMPHONY)) return;
      const m = parseRaptorMessage(frame.payload);
      const reply = (body) => toClient({
        type: RumorType.STATUS,
        addresses: [cid],
        headers: { 'TRANSACTION-ID': frame.headers['TRANSACTION-ID'], STATUS: '200' },
        payload: body === undefined ? '' : JSON.stringify(body),
      });
      if (m.method === 'create' && m.resource === 'connection') {
        setImmediate(() => {
          reply(state(cid));
          message({ method: 'created', uri: `${base}/connection/${cid}`, content: connectionObject(cid) });
        });
      } else {
        setImmediate(() => reply());
      }
    }

    close(code = 1000, reason = '') {
      if (this.readyState >= 2) return;
      this.readyState = 2;
      setImmediate(() => {
        this.readyState = 3;
        this.fire('close', { code, reason, wasClean: true });
      });
    }
  }

  return {
    FakeWebSocket,
    get connectionId() {
      return cid;
    },
    streamCreated: (id, connectionId) => message({ method: 'created', uri: `${base}/stream/${id}`, content: streamObject(id, connectionId) }),
    streamDeleted: (id, reason = 'clientDisconnected') => message({ method: 'deleted', uri: `${base}/stream/${id}`, content: {}, reason }),
  };
}

// Connects a real OT.Session to a fake server and records the stream events it fires.
async function connectTo(server, sessionId) {
  globalThis.WebSocket = server.FakeWebSocket;
  globalThis.fetch = async () => ({ ok: true, status: 200, text: async () => JSON.stringify(sessionInfo(sessionId)) });
  const session = OT.initSession(API_KEY, sessionId);
  const seen = { connected: [], created: [], destroyed: [] };
  session.on('sessionConnected', (e) => seen.connected.push(e.streams.map((s) => s.streamId)));
  session.on('streamCreated', (e) => seen.created.push(e.stream.streamId));
  session.on('streamDestroyed', (e) => seen.destroyed.push(e.stream.streamId));
  await new Promise((resolve, reject) => session.connect('T1==unit', (err) => (err ? reject(err) : resolve())));
  await flush();
  return { session, seen };
}

describe('Session stream events leave out the client\'s own streams (as OpenTok.js)', () => {
  const saved = {};
  before(() => {
    saved.WebSocket = globalThis.WebSocket;
    saved.fetch = globalThis.fetch;
    OT.setLogLevel(OT.NONE);
  });
  after(() => {
    globalThis.WebSocket = saved.WebSocket;
    globalThis.fetch = saved.fetch;
  });

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
