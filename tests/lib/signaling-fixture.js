// Shared set-up for the Rumor/Raptor protocol tests (tests/signaling-*.test.js): one parleyd,
// the official Node SDK pointed at it, and Rumor clients that are closed after each test.
import assert from 'node:assert/strict';
import OpenTok from 'opentok';

import { startParleyd, createSession } from './parleyd.js';
import { RumorClient, Type } from './rumor.js';

export const delay = (ms) => new Promise((r) => setTimeout(r, ms));

// A realistic stream description as OpenTok.js 2.35.2 sends it (docs/protocol.md §7.6.1).
export function streamDescription(id, { name = '', source = 'camera' } = {}) {
  return {
    id,
    name,
    publisherAudioFallbackEnabled: false,
    subscriberAudioFallbackEnabled: true,
    channel: [
      { id: 'video1', type: 'video', active: true, width: 640, height: 480, orientation: 0, source, fitMode: 'cover' },
      { id: 'audio1', type: 'audio', active: true },
      { id: 'caption1', type: 'data', active: false },
    ],
    e2ee: false,
    customProperties: {},
  };
}

// A subscriber create body as OpenTok.js sends it (docs/protocol.md §7.9).
export function subscriberDescription(id, connectionId) {
  return {
    id,
    connection: connectionId,
    keyManagementMethod: 'DTLS_SRTP',
    bundleSupport: true,
    rtcpMuxSupport: true,
    e2ee: false,
    channel: [
      { id: 'audio1', type: 'audio', active: true },
      { id: 'video1', type: 'video', active: true, restrictFrameRate: false },
      { id: 'caption1', type: 'data', active: false },
    ],
  };
}

// Promise wrapper around the Node SDK's callback style: sdk(ot, 'signal', sid, null, {…}).
export function sdk(ot, method, ...args) {
  return new Promise((resolve, reject) => {
    ot[method](...args, (err, value) => (err ? reject(err) : resolve(value)));
  });
}

export async function signalingServer(extraArgs = []) {
  const server = await startParleyd({ extraArgs });
  const ot = new OpenTok(server.apiKey, server.apiSecret, { apiUrl: server.url });
  const wsUrl = `${server.url.replace(/^http/, 'ws')}/rumorwebsocketsv2`;
  let clients = [];

  const fx = {
    server,
    ot,
    wsUrl,
    apiKey: server.apiKey,

    async session(mediaMode = 'relayed') {
      return (await createSession(ot, { mediaMode })).sessionId;
    },

    token(sessionId, role = 'publisher', data) {
      return ot.generateToken(sessionId, data === undefined ? { role } : { role, data });
    },

    async open(opts) {
      const c = await RumorClient.open(wsUrl, opts);
      clients.push(c);
      return c;
    },

    // Opens a socket and connects it to the session; waits for the STATUS 200 and the
    // client's own `connection created` (both are needed by OpenTok.js, docs/protocol.md §7.4).
    async join(sessionId, { role = 'publisher', data, token, openOpts, keepalive, ...joinOpts } = {}) {
      const c = await fx.open(openOpts);
      if (keepalive) c.keepalive(keepalive);
      const reply = await c.join({ apiKey: server.apiKey, sessionId, token: token ?? fx.token(sessionId, role, data), ...joinOpts });
      assert.equal(reply.status, 200, `connect as ${role}: ${JSON.stringify(reply.payload)}`);
      await c.waitForMessage('created', `/connection/${c.connectionId}`);
      c.state = reply.payload;
      return c;
    },

    // Publishes a stream and waits until the publisher saw its own `stream created`.
    async publish(c, streamId, opts) {
      const r = await c.request('create', `${c.sessionUri()}/stream/${streamId}`, streamDescription(streamId, opts));
      assert.equal(r.status, 200, `stream create: ${JSON.stringify(r.payload)}`);
      await c.waitForMessage('created', `/stream/${streamId}`);
      return r;
    },

    // Closes every client of the test and checks what must hold for every frame the server
    // sent (docs/protocol.md §6.3–§6.5, §7.1): only MESSAGE, STATUS and PONG; STATUS payloads empty or a
    // JSON object; MESSAGEs with X-TB-FROM-ADDRESS, a session URI and an object content.
    async closeClients() {
      const list = clients;
      clients = [];
      await Promise.all(list.map(async (c) => {
        if (c.closeCode === undefined) {
          try { c.ws.close(1000); } catch { /* not open */ }
          const t = setTimeout(() => c.ws.terminate(), 1000);
          await c.closed;
          clearTimeout(t);
        }
      }));
      for (const c of list) {
        for (const f of c.frames) {
          assert.ok([Type.MESSAGE, Type.STATUS, Type.PONG].includes(f.type), `server sent frame type ${f.type}: ${f.bytes.toString('hex')}`);
          if (f.type === Type.STATUS && f.payload !== '') {
            let body;
            assert.doesNotThrow(() => { body = JSON.parse(f.payload); }, `STATUS payload is not JSON: ${f.payload}`);
            assert.ok(body !== null && typeof body === 'object' && !Array.isArray(body), `STATUS payload must be an object: ${f.payload}`);
          }
          if (f.type !== Type.MESSAGE) continue;
          assert.ok(f.raptor.uri.startsWith(`/v2/partner/${server.apiKey}/session/`), `server MESSAGE uri: ${f.payload}`);
          assert.equal(typeof f.raptor.method, 'string', `server MESSAGE method: ${f.payload}`);
          assert.equal(typeof f.headers['X-TB-FROM-ADDRESS'], 'string', `server MESSAGE without X-TB-FROM-ADDRESS: ${f.payload}`);
          assert.ok(f.raptor.content !== null && typeof f.raptor.content === 'object' && !Array.isArray(f.raptor.content),
            `server MESSAGE content must be an object: ${f.payload}`);
        }
      }
    },

    async stop() {
      await fx.closeClients().catch(() => {});
      await server.stop();
    },
  };
  return fx;
}

// Resolves true if no frame matching `pred` arrives at `client` within `ms` (from index `from`).
export async function noneWithin(client, pred, ms = 300, from = 0) {
  await delay(ms);
  return !client.frames.slice(from).some(pred);
}

export { Type, RumorClient };
