// A scripted OpenTok server for SDK unit tests: globalThis.fetch answers the session info
// request and globalThis.WebSocket is a fake Rumor endpoint that answers connection create with
// a session state and then sends whatever the test scripts (docs/protocol.md §5.2, §7.3, §7.4).
// Several servers can stand side by side (session migration); each has a host of its own.
import { before, after } from 'node:test';

import { OT, RumorType, encodeRumorFrame, decodeRumorFrame, parseRaptorMessage } from '../../dist/parley.mjs';

export const API_KEY = '12345678';
export const SYMPHONY = 'symphony.unit.test';
export const flush = () => new Promise((resolve) => setImmediate(resolve));

const sessionInfo = (sessionId, host, reconnection) => [{
  session_id: sessionId,
  partner_id: API_KEY,
  messaging_url: `ws://${host}/rumorwebsocketsv2`,
  messaging_server_url: host,
  symphony_address: SYMPHONY,
  media_server_hostname: 'mantis.unit.test',
  ice_servers: [],
  properties: { p2p: { preference: { value: 'disabled' } }, reconnection, renegotiation: false },
}];

export const connectionObject = (id) => ({ id, creationTime: 1700000000000, data: `name=${id}`, permissions: ['publish', 'subscribe'] });
export const streamObject = (id, connectionId) => ({
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
// `reconnection`: session info's properties.reconnection. kill() drops the socket as a dead
// server would (code 1006), and every later socket to it fails the same way.
export function fakeServer({ sessionId, state, host = 'rumor.unit.test', reconnection = false }) {
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
  const requests = [];
  let dead = false;

  class FakeWebSocket {
    constructor(url) {
      this.url = url;
      this.readyState = 0;
      this.binaryType = 'blob';
      this.listeners = new Map();
      if (dead) {
        setImmediate(() => {
          this.readyState = 3;
          this.fire('close', { code: 1006, reason: '', wasClean: false });
        });
        return;
      }
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
      requests.push(m);
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
    host,
    info: sessionInfo(sessionId, host, reconnection),
    kill() {
      dead = true;
      ws.readyState = 3;
      ws.fire('close', { code: 1006, reason: '', wasClean: false });
    },
    FakeWebSocket,
    requests,
    get connectionId() {
      return cid;
    },
    get opened() {
      return ws !== undefined;
    },
    get closed() {
      return ws !== undefined && ws.readyState >= 2;
    },
    streamCreated: (id, connectionId) => message({ method: 'created', uri: `${base}/stream/${id}`, content: streamObject(id, connectionId) }),
    streamDeleted: (id, reason = 'clientDisconnected') => message({ method: 'deleted', uri: `${base}/stream/${id}`, content: {}, reason }),
    connectionDeleted: (id, reason = 'clientDisconnected') => message({ method: 'deleted', uri: `${base}/connection/${id}`, content: {}, reason }),
    notification: (reason) => message({ method: 'create', uri: `${base}/notification`, content: { reason } }),
  };
}

// Sends sockets to the server whose host their URL names, and session info requests to the
// server `current()` returns.
export function route(servers, current) {
  globalThis.WebSocket = class {
    constructor(url) {
      const server = servers.find((s) => url.includes(`//${s.host}/`));
      if (!server) throw new Error(`no fake server for ${url}`);
      return new server.FakeWebSocket(url);
    }
  };
  globalThis.fetch = async () => ({ ok: true, status: 200, text: async () => JSON.stringify(current().info) });
}

// Connects a real OT.Session to a fake server and records the stream events it fires.
export async function connectTo(server, sessionId, options = {}) {
  route([server], () => server);
  const session = OT.initSession(API_KEY, sessionId, options);
  const seen = { connected: [], created: [], destroyed: [], connectionDestroyed: [], disconnected: [] };
  session.on('sessionConnected', (e) => seen.connected.push(e.streams.map((s) => s.streamId)));
  session.on('streamCreated', (e) => seen.created.push(e.stream.streamId));
  session.on('streamDestroyed', (e) => seen.destroyed.push(e.stream.streamId));
  session.on('connectionDestroyed', (e) => seen.connectionDestroyed.push(e.connection.connectionId));
  session.on('sessionDisconnected', (e) => seen.disconnected.push(e.reason));
  seen.reconnecting = 0;
  seen.reconnected = 0;
  session.on('sessionReconnecting', () => ++seen.reconnecting);
  session.on('sessionReconnected', () => ++seen.reconnected);
  await new Promise((resolve, reject) => session.connect('T1==unit', (err) => (err ? reject(err) : resolve())));
  await flush();
  return { session, seen };
}

// Inside a describe(): quiets the SDK's log and puts back the WebSocket and fetch that
// route() replaces once the tests are done.
export function restoreGlobalsAfter() {
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
}
