// Unit tests of RumorSocket with a scripted fake WebSocket and a fake clock: handshake,
// transactions, acknowledgements and duplicate suppression, keepalive, reconnection and close
// codes (docs/protocol.md §6.1, §6.3, §6.5–§6.8).
import { describe, test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';

import {
  RumorSocket,
  RumorSocketError,
  RumorFrameError,
  RumorType,
  encodeRumorFrame,
  decodeRumorFrame,
  isUuid,
} from '../dist/parley.mjs';

const CID = '3c0c0777-4317-4638-87b6-225fc4cdc22f';
const SYMPHONY = 'symphony.parley';
const TOPIC = '/v2/partner/12345678/session/1_MX4xMjM0NTY3OH5-fg';
const URL = 'ws://127.0.0.1:5080/rumorwebsocketsv2';

// Lets promise callbacks run (setImmediate is not faked).
const flush = () => new Promise((resolve) => setImmediate(resolve));

// A fake clock for setTimeout / clearTimeout / Date.now (the SDK looks them up on each call).
// Written here rather than node:test's mock.timers so that timers scheduled by timers run in
// the same tick and Date.now() is each timer's due time.
function installFakeClock(start = 1_000_000) {
  const real = { setTimeout: globalThis.setTimeout, clearTimeout: globalThis.clearTimeout, now: Date.now };
  let now = start;
  let seq = 0;
  const timers = new Map();
  globalThis.setTimeout = (fn, ms = 0, ...args) => {
    const id = ++seq;
    timers.set(id, { at: now + Math.max(0, Number(ms) || 0), fn, args });
    return id;
  };
  globalThis.clearTimeout = (id) => {
    timers.delete(id);
  };
  Date.now = () => now;
  return {
    tick(ms) {
      const end = now + ms;
      for (;;) {
        let nextId;
        let next;
        for (const [id, t] of timers) if (t.at <= end && (!next || t.at < next.at)) [nextId, next] = [id, t];
        if (!next) break;
        timers.delete(nextId);
        now = next.at;
        next.fn(...next.args);
      }
      now = end;
    },
    uninstall() {
      globalThis.setTimeout = real.setTimeout;
      globalThis.clearTimeout = real.clearTimeout;
      Date.now = real.now;
    },
  };
}

// A fake WebSocket class with its own list of instances. Tests drive the "server" side:
// open(), receive(frame), drop(code). Frames the client sends are decoded into `sent`.
function fakeWebSocketClass() {
  return class FakeWebSocket {
    static instances = [];
    static failConstruct = false;

    constructor(url) {
      if (FakeWebSocket.failConstruct) throw new SyntaxError('bad URL');
      this.url = url;
      this.readyState = 0;
      this.binaryType = 'blob';
      this.sent = [];
      this.closeCalls = [];
      this.listeners = new Map();
      FakeWebSocket.instances.push(this);
    }

    addEventListener(type, fn) {
      if (!this.listeners.has(type)) this.listeners.set(type, []);
      this.listeners.get(type).push(fn);
    }

    fire(type, event) {
      for (const fn of this.listeners.get(type) ?? []) fn(event);
    }

    send(data) {
      if (this.readyState !== 1) throw new Error(`send in readyState ${this.readyState}`);
      assert.ok(data instanceof Uint8Array, 'frames are sent as bytes');
      this.sent.push(decodeRumorFrame(data));
    }

    close(code, reason) {
      this.closeCalls.push({ code, reason });
      if (this.readyState < 2) this.readyState = 2;
    }

    // --- the server side
    open() {
      this.readyState = 1;
      this.fire('open', {});
    }

    receive(frame) {
      const bytes = frame instanceof Uint8Array ? frame : encodeRumorFrame(frame);
      // What a browser hands over with binaryType 'arraybuffer'.
      this.fire('message', { data: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) });
    }

    drop(code = 1006, reason = '') {
      this.readyState = 3;
      this.fire('close', { code, reason });
    }

    sentOfType(type) {
      return this.sent.filter((f) => f.type === type);
    }
  };
}

function status(txid, code = '200', payload = '') {
  return { type: RumorType.STATUS, addresses: [CID], headers: { 'TRANSACTION-ID': txid, STATUS: code }, payload };
}

function serverMessage(txid, payload = '{"method":"created","uri":"/v2/partner/1/session/s/connection/x","content":{}}', from = SYMPHONY) {
  const headers = { 'X-TB-FROM-ADDRESS': from };
  if (txid !== undefined) headers['TRANSACTION-ID'] = txid;
  return { type: RumorType.MESSAGE, addresses: [CID], headers, payload };
}

describe('RumorSocket', () => {
  let WS;
  let clock;

  beforeEach(() => {
    clock = installFakeClock();
    WS = fakeWebSocketClass();
  });
  afterEach(() => {
    clock.uninstall();
  });

  function make(options = {}) {
    const socket = new RumorSocket({ url: URL, connectionId: CID, notifyDisconnectAddress: SYMPHONY, topics: [TOPIC], WebSocket: WS, ...options });
    const events = [];
    for (const name of ['state', 'open', 'message', 'status', 'reconnecting', 'reconnectAttempt', 'reconnected', 'close', 'error']) {
      socket.on(name, (...args) => events.push([name, ...args]));
    }
    return { socket, events, named: (n) => events.filter((e) => e[0] === n) };
  }

  async function connected(options) {
    const ctx = make(options);
    const p = ctx.socket.connect();
    const ws = WS.instances.at(-1);
    ws.open();
    await p;
    return { ...ctx, ws };
  }

  describe('handshake (§6.1, §6.3)', () => {
    test('without reconnection: the URL as given, binary frames, CONNECT then SUBSCRIBE', async () => {
      const { socket, ws, named } = await connected();
      assert.equal(ws.url, URL);
      assert.equal(ws.binaryType, 'arraybuffer');
      assert.equal(socket.state, 'open');
      assert.deepEqual(named('state').map((e) => e[1]), ['connecting', 'open']);
      assert.equal(named('open').length, 1);
      const [connect, subscribe] = ws.sent;
      assert.equal(connect.type, RumorType.CONNECT);
      assert.deepEqual(connect.addresses, []);
      assert.deepEqual(Object.keys(connect.headers), ['uniqueId', 'TRANSACTION-ID', 'notifyDisconnectAddress']);
      assert.equal(connect.headers.uniqueId, CID);
      assert.ok(isUuid(connect.headers['TRANSACTION-ID']));
      assert.equal(connect.headers.notifyDisconnectAddress, SYMPHONY);
      assert.equal(connect.payload, '');
      assert.equal(subscribe.type, RumorType.SUBSCRIBE);
      assert.deepEqual(subscribe.addresses, [TOPIC]);
      assert.deepEqual({ ...subscribe.headers }, {});
      assert.equal(ws.sent.length, 2);
    });

    test('with reconnection: ?socketId=<uuid>&attempt=<uuid>, or &… after an existing query', async () => {
      const { socket, ws } = await connected({ reconnection: true });
      assert.ok(isUuid(socket.socketId));
      const u = new globalThis.URL(ws.url);
      assert.equal(`${u.origin}${u.pathname}`, URL);
      assert.deepEqual([...u.searchParams.keys()], ['socketId', 'attempt']);
      assert.equal(u.searchParams.get('socketId'), socket.socketId);
      assert.ok(isUuid(u.searchParams.get('attempt')));

      make({ reconnection: true, url: `${URL}?x=1`, socketId: 'fixed' }).socket.connect().catch(() => {});
      assert.match(WS.instances.at(-1).url, /^ws:\/\/127\.0\.0\.1:5080\/rumorwebsocketsv2\?x=1&socketId=fixed&attempt=[0-9a-f-]{36}$/);
    });

    test('a socket that closes before opening fails connect() with its close code', async () => {
      const { socket, named } = make();
      const p = socket.connect();
      WS.instances[0].drop(1006);
      await assert.rejects(p, (err) => err instanceof RumorSocketError && err.code === 1006);
      assert.equal(socket.state, 'closed');
      assert.equal(named('close')[0][1].code, 1006);
      assert.equal(WS.instances.length, 1, 'a failed first open is not retried here');
    });

    test('no open within 15 s → 4010, the socket is closed', async () => {
      const { socket } = make({ reconnection: true });
      const p = socket.connect();
      const failed = assert.rejects(p, (err) => err.code === 4010);
      clock.tick(14_999);
      await flush();
      assert.equal(socket.state, 'connecting');
      clock.tick(1);
      await failed;
      assert.equal(socket.state, 'closed');
      assert.equal(WS.instances[0].closeCalls.length, 1);
    });

    test('a WebSocket constructor that throws → 4030', async () => {
      WS.failConstruct = true;
      const { socket, named } = make();
      await assert.rejects(socket.connect(), (err) => err.code === 4030);
      assert.equal(named('error')[0][1].code, 4030);
    });

    test('connect() twice is refused', async () => {
      const { socket } = await connected();
      await assert.rejects(socket.connect(), RumorSocketError);
    });
  });

  describe('transactions (§6.5)', () => {
    test('a request carries caller headers, a fresh TRANSACTION-ID and X-TB-FROM-ADDRESS; STATUS resolves it', async () => {
      const { socket, ws } = await connected();
      const p = socket.request([SYMPHONY], '{"method":"create"}', { 'X-TB-TOKEN-AUTH': 'tok', 'Content-Type': 'application/x-raptor+v2' });
      const msg = ws.sent.at(-1);
      assert.equal(msg.type, RumorType.MESSAGE);
      assert.deepEqual(msg.addresses, [SYMPHONY]);
      assert.deepEqual(Object.keys(msg.headers), ['X-TB-TOKEN-AUTH', 'Content-Type', 'TRANSACTION-ID', 'X-TB-FROM-ADDRESS']);
      assert.equal(msg.headers['X-TB-FROM-ADDRESS'], CID);
      const txid = msg.headers['TRANSACTION-ID'];
      assert.ok(isUuid(txid));
      assert.equal(msg.payload, '{"method":"create"}');
      assert.equal(socket.pendingCount, 1);
      ws.receive(status(txid, '200', '{"connection":[]}'));
      const reply = await p;
      assert.equal(reply.transactionId, txid);
      assert.equal(reply.status, 200);
      assert.equal(reply.ok, true);
      assert.equal(reply.payload, '{"connection":[]}');
      assert.equal(socket.pendingCount, 0);
    });

    test('replies are matched by id whatever their order; error statuses resolve with ok=false', async () => {
      const { socket, ws } = await connected();
      const a = socket.request([SYMPHONY], 'a');
      const b = socket.request([SYMPHONY], 'b');
      const [ta, tb] = ws.sentOfType(RumorType.MESSAGE).map((f) => f.headers['TRANSACTION-ID']);
      assert.notEqual(ta, tb);
      ws.receive(status(tb, '403', '{"reason":"forbidden"}'));
      ws.receive(status(ta, '200'));
      const [ra, rb] = await Promise.all([a, b]);
      assert.deepEqual([ra.status, ra.ok, ra.payload], [200, true, '']);
      assert.deepEqual([rb.status, rb.ok, rb.payload], [403, false, '{"reason":"forbidden"}']);
    });

    test('a STATUS for no pending request is reported as `status`, and a STATUS without STATUS header gives NaN', async () => {
      const { socket, ws, named } = await connected();
      ws.receive(status('unknown-id'));
      assert.equal(named('status').length, 1);
      const p = socket.request([SYMPHONY], 'x');
      const txid = ws.sent.at(-1).headers['TRANSACTION-ID'];
      ws.receive({ type: RumorType.STATUS, headers: { 'TRANSACTION-ID': txid } });
      const r = await p;
      assert.ok(Number.isNaN(r.status));
      assert.equal(r.ok, false);
      ws.receive(status(txid));
      assert.equal(named('status').length, 2, 'a second reply to the same id is not a reply any more');
    });

    test('a chosen TRANSACTION-ID; the same id twice at once is refused', async () => {
      const { socket, ws } = await connected();
      const p = socket.request([SYMPHONY], 'x', {}, { transactionId: 'my-id' });
      assert.equal(ws.sent.at(-1).headers['TRANSACTION-ID'], 'my-id');
      await assert.rejects(socket.request([SYMPHONY], 'y', {}, { transactionId: 'my-id' }), RumorSocketError);
      ws.receive(status('my-id'));
      assert.equal((await p).status, 200);
    });

    test('timeoutMs: no STATUS in time → 408; cancel(): forgotten', async () => {
      const { socket, ws } = await connected();
      const p = socket.request([SYMPHONY], 'x', {}, { timeoutMs: 1000 });
      const failed = assert.rejects(p, (err) => err instanceof RumorSocketError && err.code === 408);
      clock.tick(1000);
      await failed;
      assert.equal(socket.pendingCount, 0);
      let settled = false;
      socket.request([SYMPHONY], 'y').then(() => { settled = true; }, () => { settled = true; });
      const txid = ws.sent.at(-1).headers['TRANSACTION-ID'];
      assert.equal(socket.cancel(txid), true);
      assert.equal(socket.cancel(txid), false);
      ws.receive(status(txid));
      await flush();
      assert.equal(settled, false);
    });

    test('requests before connect() or after close are refused with 500 "Not connected."', async () => {
      const { socket } = make();
      await assert.rejects(socket.request([SYMPHONY], 'x'), (err) => err.code === 500 && err.message === 'Not connected.');
    });

    test('a request that cannot be encoded is rejected with RumorFrameError', async () => {
      const { socket } = await connected();
      await assert.rejects(socket.request([SYMPHONY], 'x', { big: 'v'.repeat(70000) }), (err) => err instanceof RumorFrameError && err.code === 'field-too-long');
    });
  });

  describe('acknowledgements and duplicates (§6.5)', () => {
    test('a server MESSAGE with TRANSACTION-ID is acknowledged to its sender and delivered', async () => {
      const { ws, named } = await connected();
      const before = ws.sent.length;
      ws.receive(serverMessage('m1', undefined, 'peer-connection'));
      const ack = ws.sent[before];
      assert.equal(ack.type, RumorType.STATUS);
      assert.deepEqual(ack.addresses, ['peer-connection']);
      assert.deepEqual({ ...ack.headers }, { 'TRANSACTION-ID': 'm1', 'X-TB-FROM-ADDRESS': CID });
      assert.equal(ack.payload, '');
      const msgs = named('message');
      assert.equal(msgs.length, 1);
      assert.equal(msgs[0][1].headers['TRANSACTION-ID'], 'm1');
    });

    test('a repeated TRANSACTION-ID is acknowledged again but not delivered again, for 30 s', async () => {
      const { ws, named } = await connected();
      ws.receive(serverMessage('dup'));
      clock.tick(29_000);
      ws.receive(serverMessage('dup'));
      assert.equal(named('message').length, 1);
      assert.equal(ws.sentOfType(RumorType.STATUS).length, 2, 'both copies acknowledged');
      clock.tick(1_001);
      ws.receive(serverMessage('dup'));
      assert.equal(named('message').length, 2, 'remembered for 30 s only');
    });

    test('MESSAGEs without TRANSACTION-ID: no acknowledgement, no duplicate check', async () => {
      const { ws, named } = await connected();
      const before = ws.sent.length;
      ws.receive(serverMessage(undefined));
      ws.receive(serverMessage(undefined));
      assert.equal(named('message').length, 2);
      assert.equal(ws.sent.length, before);
    });

    test('a MESSAGE without X-TB-FROM-ADDRESS is acknowledged to the empty address', async () => {
      const { ws } = await connected();
      ws.receive({ type: RumorType.MESSAGE, headers: { 'TRANSACTION-ID': 'm' }, payload: '{}' });
      assert.deepEqual(ws.sent.at(-1).addresses, ['']);
    });

    test('malformed frames and text messages are reported and skipped; the socket carries on', async () => {
      const { ws, named } = await connected();
      ws.receive(new Uint8Array([0, 0, 0, 9, 0, 0, 2, 1, 0, 5]));
      ws.fire('message', { data: 'text' });
      ws.receive(serverMessage('ok'));
      const errors = named('error').map((e) => e[1]);
      assert.equal(errors.length, 2);
      assert.ok(errors[0] instanceof RumorFrameError);
      assert.ok(errors[1] instanceof RumorSocketError);
      assert.equal(named('message').length, 1);
    });

    test('unknown frame types: delivered like MESSAGEs when they carry a payload, reported either way', async () => {
      const { ws, named } = await connected();
      ws.receive({ type: 5, headers: { 'TRANSACTION-ID': 'odd', 'X-TB-FROM-ADDRESS': SYMPHONY }, payload: '{"method":"x"}' });
      ws.receive({ type: RumorType.PING });
      assert.equal(named('message').length, 1);
      assert.equal(named('message')[0][1].type, 5);
      assert.equal(named('error').length, 2);
      assert.equal(ws.sentOfType(RumorType.STATUS).at(-1).headers['TRANSACTION-ID'], 'odd');
    });

    test('PONG frames are consumed silently', async () => {
      const { ws, events } = await connected();
      const n = events.length;
      ws.receive({ type: RumorType.PONG });
      assert.equal(events.length, n);
    });
  });

  describe('keepalive (§6.6)', () => {
    test('PING after 2 s without sending anything, again every 2 s while idle; sending postpones it', async () => {
      const { socket, ws } = await connected();
      const pings = () => ws.sentOfType(RumorType.PING).length;
      clock.tick(1_999);
      assert.equal(pings(), 0);
      clock.tick(1);
      assert.equal(pings(), 1);
      clock.tick(1_500);
      socket.request([SYMPHONY], 'x').catch(() => {});
      clock.tick(1_999);
      assert.equal(pings(), 1, 'the request counts as traffic');
      clock.tick(1);
      assert.equal(pings(), 2);
      clock.tick(2_000);
      assert.equal(pings(), 3);
      const ping = ws.sentOfType(RumorType.PING)[0];
      assert.deepEqual([ping.addresses, { ...ping.headers }, ping.payload], [[], {}, '']);
    });

    test('without reconnection, 49.9 s of inbound silence closes with 4010; inbound traffic keeps it open', async () => {
      const { socket, ws, named } = await connected();
      for (let i = 0; i < 10; i++) {
        clock.tick(40_000);
        ws.receive({ type: RumorType.PONG });
      }
      assert.equal(socket.state, 'open');
      clock.tick(49_899);
      assert.equal(socket.state, 'open');
      clock.tick(1);
      assert.equal(socket.state, 'closed');
      assert.equal(ws.closeCalls[0].code, 4010);
      const [, info] = named('close')[0];
      assert.equal(info.code, 4010);
      assert.equal(info.byClient, false);
    });

    test('with reconnection, 5.9 s of silence: DISCONNECT reconnect "1" on the old socket, then a new socket', async () => {
      const { socket, ws } = await connected({ reconnection: true });
      clock.tick(5_899);
      assert.equal(WS.instances.length, 1);
      clock.tick(1);
      const disconnect = ws.sentOfType(RumorType.DISCONNECT);
      assert.equal(disconnect.length, 1);
      assert.equal(disconnect[0].headers.reconnect, '1');
      assert.equal(ws.closeCalls[0].code, 4010);
      assert.equal(socket.state, 'reconnecting');
      clock.tick(0);
      assert.equal(WS.instances.length, 2);
      const u = new globalThis.URL(WS.instances[1].url);
      assert.equal(u.searchParams.get('socketId'), socket.socketId);
      assert.equal(u.searchParams.get('reconnect'), 'true');
      assert.notEqual(u.searchParams.get('attempt'), new globalThis.URL(ws.url).searchParams.get('attempt'));
    });
  });

  describe('reconnection (§6.7)', () => {
    async function dropped(options) {
      const ctx = await connected({ reconnection: true, ...options });
      ctx.ws.drop(1006);
      return ctx;
    }

    test('a dropped socket is replaced: no CONNECT/SUBSCRIBE again, unanswered requests re-sent with their ids', async () => {
      const { socket, ws, named } = await connected({ reconnection: true });
      const answered = socket.request([SYMPHONY], 'answered');
      const txAnswered = ws.sent.at(-1).headers['TRANSACTION-ID'];
      ws.receive(status(txAnswered));
      await answered;
      const early = socket.request([SYMPHONY], 'early', { 'X-Extra': '1' });
      const txEarly = ws.sent.at(-1).headers['TRANSACTION-ID'];
      ws.receive(serverMessage('before-drop'));
      ws.drop(1006);
      assert.equal(socket.state, 'reconnecting');
      assert.equal(named('reconnecting').length, 1);

      // While away: a new request waits, an acknowledgement is queued.
      const late = socket.request([SYMPHONY], 'late');
      clock.tick(0);
      const ws2 = WS.instances[1];
      assert.equal(named('reconnectAttempt').length, 1);
      assert.equal(named('reconnectAttempt')[0][2], ws2.url);
      assert.match(ws2.url, new RegExp(`\\?socketId=${socket.socketId}&reconnect=true&attempt=`));
      ws2.open();
      const types = ws2.sent.map((f) => f.type);
      assert.ok(!types.includes(RumorType.CONNECT) && !types.includes(RumorType.SUBSCRIBE), `sent ${types}`);
      const resent = ws2.sentOfType(RumorType.MESSAGE);
      assert.deepEqual(resent.map((f) => f.payload), ['early', 'late']);
      assert.equal(resent[0].headers['TRANSACTION-ID'], txEarly);
      assert.equal(resent[0].headers['X-Extra'], '1');
      assert.equal(ws2.sentOfType(RumorType.PING).length, 1, 'a PING makes the server answer');
      assert.equal(socket.state, 'reconnecting', 'reconnected only once a frame arrives');

      ws2.receive({ type: RumorType.PONG });
      assert.equal(socket.state, 'open');
      assert.equal(named('reconnected').length, 1);
      ws2.receive(status(txEarly));
      ws2.receive(status(resent[1].headers['TRANSACTION-ID'], '200'));
      assert.equal((await early).status, 200);
      assert.equal((await late).status, 200);

      // The server retransmits what was not acknowledged: a repeat is acked, not delivered.
      ws2.receive(serverMessage('before-drop'));
      assert.equal(named('message').length, 1);
      assert.equal(ws2.sentOfType(RumorType.STATUS).at(-1).headers['TRANSACTION-ID'], 'before-drop');
    });

    test('frames sent while away wait for the new socket (unless queue=false); the old socket is ignored', async () => {
      const { socket, ws, named } = await dropped();
      ws.receive(serverMessage('ghost'));
      assert.equal(named('message').length, 0, 'a frame still arriving on the dropped socket is ignored');
      assert.equal(socket.subscribe(['/v2/partner/1/session/other']), true);
      assert.equal(socket.send({ type: RumorType.UNSUBSCRIBE, addresses: ['/gone'] }, { queue: false }), false);
      clock.tick(0);
      const ws2 = WS.instances[1];
      ws2.open();
      assert.deepEqual(ws2.sent.map((f) => f.type), [RumorType.SUBSCRIBE, RumorType.PING]);
      assert.deepEqual(ws2.sent[0].addresses, ['/v2/partner/1/session/other']);
      ws2.receive(serverMessage('fresh'));
      assert.equal(ws2.sentOfType(RumorType.STATUS).at(-1).headers['TRANSACTION-ID'], 'fresh');
      assert.equal(named('message').length, 1);
    });

    test('retryAfterReconnect=false: failed at the drop, or refused while reconnecting', async () => {
      const { socket, ws } = await connected({ reconnection: true });
      const p = socket.request([SYMPHONY], 'x', {}, { retryAfterReconnect: false });
      const kept = socket.request([SYMPHONY], 'y');
      ws.drop(1006);
      await assert.rejects(p, (err) => err.code === 500);
      await assert.rejects(socket.request([SYMPHONY], 'z', {}, { retryAfterReconnect: false }), (err) => err.code === 500);
      assert.equal(socket.pendingCount, 1);
      socket.cancel(ws.sent.find((f) => f.payload === 'y').headers['TRANSACTION-ID']);
      void kept;
    });

    test('failed attempts are retried with growing delays until 30 s after the drop, then close', async () => {
      const { socket, named } = await dropped();
      const failed = assert.rejects(socket.request([SYMPHONY], 'x'), (err) => err.code === 500);
      const start = Date.now();
      const attemptsAt = [];
      for (let t = 0; t < 31_000 && socket.state === 'reconnecting'; t += 50) {
        clock.tick(50);
        const last = WS.instances.at(-1);
        if (WS.instances.length > 1 && last.readyState === 0) {
          attemptsAt.push(Date.now() - start);
          last.drop(1006); // the attempt fails at once
        }
      }
      assert.equal(socket.state, 'closed');
      assert.ok(attemptsAt.length >= 5, `attempts at ${attemptsAt}`);
      assert.equal(attemptsAt[0], 50, 'the first attempt comes at once');
      assert.ok(attemptsAt[2] - attemptsAt[1] > attemptsAt[1] - attemptsAt[0], `growing delays: ${attemptsAt}`);
      assert.ok(attemptsAt.at(-1) <= 30_000, `no attempt after the window: ${attemptsAt}`);
      const [, info] = named('close')[0];
      assert.equal(info.byClient, false);
      assert.ok(info.error instanceof RumorSocketError);
      await failed;
    });

    test('an attempt that never opens is abandoned within the window', async () => {
      const { socket } = await dropped();
      clock.tick(0);
      assert.equal(WS.instances.length, 2);
      clock.tick(15_000);
      assert.equal(WS.instances[1].closeCalls[0]?.code, 4010, 'the hanging attempt is closed');
      clock.tick(16_000);
      assert.ok(WS.instances.length >= 3, 'another attempt after the first timed out');
      assert.equal(socket.state, 'closed');
    });

    test('the window restarts after a successful reconnection', async () => {
      const { socket } = await dropped();
      clock.tick(20_000);
      const ws2 = WS.instances.at(-1);
      ws2.open();
      ws2.receive({ type: RumorType.PONG });
      assert.equal(socket.state, 'open');
      ws2.drop(1006);
      clock.tick(20_000);
      assert.equal(socket.state, 'reconnecting', 'a fresh 30 s window');
    });

    for (const code of [1003, 1011]) {
      test(`close code ${code}: no reconnection`, async () => {
        const ctx = await connected({ reconnection: true });
        const p = ctx.socket.request([SYMPHONY], 'x');
        ctx.ws.drop(code, 'go away');
        assert.equal(ctx.socket.state, 'closed');
        clock.tick(1000);
        assert.equal(WS.instances.length, 1);
        await assert.rejects(p, (err) => err.code === 500);
        const [, info] = ctx.named('close')[0];
        assert.deepEqual([info.code, info.reason, info.byClient], [code, 'go away', false]);
        assert.equal(info.error.code, code);
      });
    }

    test('without reconnection a drop closes the socket and fails pending requests', async () => {
      const { socket, ws, named } = await connected();
      const p = socket.request([SYMPHONY], 'x');
      ws.drop(1000);
      await assert.rejects(p, (err) => err.code === 500);
      assert.equal(socket.state, 'closed');
      assert.equal(named('close')[0][1].error, undefined, 'a 1000 close is clean');
    });
  });

  describe('leaving (§6.3, §6.8)', () => {
    test('disconnect(): DISCONNECT with an empty reconnect header, then close 1000', async () => {
      const { socket, ws, named } = await connected({ reconnection: true });
      const pending = socket.request([SYMPHONY], 'x');
      const done = socket.disconnect();
      assert.equal(socket.state, 'closing');
      const last = ws.sent.at(-1);
      assert.equal(last.type, RumorType.DISCONNECT);
      assert.deepEqual({ ...last.headers }, { reconnect: '' });
      assert.deepEqual(ws.closeCalls, [{ code: 1000, reason: 'client disconnected' }]);
      ws.drop(1000);
      const info = await done;
      assert.deepEqual([info.code, info.byClient, info.error], [1000, true, undefined]);
      assert.equal(socket.state, 'closed');
      await assert.rejects(pending, (err) => err.code === 500);
      await assert.rejects(socket.request([SYMPHONY], 'y'), (err) => err.code === 500);
      assert.equal(named('close').length, 1);
      assert.equal(WS.instances.length, 1, 'no reconnection after leaving');
      assert.equal(socket.disconnect(), done, 'idempotent');
    });

    test('disconnect() ends even when the server never closes', async () => {
      const { socket } = await connected();
      const done = socket.disconnect();
      clock.tick(2000);
      assert.equal((await done).byClient, true);
      assert.equal(socket.state, 'closed');
    });

    test('disconnect() while connecting or reconnecting', async () => {
      const a = make();
      const p = a.socket.connect();
      const rejected = assert.rejects(p, RumorSocketError);
      await a.socket.disconnect();
      await rejected;
      assert.equal(a.socket.state, 'closed');

      const b = await connected({ reconnection: true });
      b.ws.drop(1006);
      await b.socket.disconnect();
      clock.tick(5000);
      assert.equal(b.socket.state, 'closed');
      assert.equal(WS.instances.length, 2, 'no attempt after disconnect()');
    });
  });
});
