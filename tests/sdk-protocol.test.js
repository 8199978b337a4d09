// parley.js protocol layer against a real parleyd: session info over fetch (direct and through
// the proxy path), RumorSocket with the `ws` package's WebSocket, Raptor messages built and
// parsed by the SDK. Tokens come from the official Node SDK.
// Protocol: docs/protocol.md §5.4–§5.5, §6, §7.2–§7.4, §7.7.
import { describe, before, after, afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import OpenTok from 'opentok';
import WebSocket from 'ws';

import { startParleyd, createSession, repoRoot } from './lib/parleyd.js';

const T = { timeout: 30000 };
const delay = (ms) => new Promise((r) => setTimeout(r, ms));

// The SDK bundle (`make sdk` builds it); rebuilt here when missing or older than its sources.
function loadSdk() {
  const sdkDir = path.join(repoRoot, 'sdk', 'js');
  const bundle = path.join(sdkDir, 'dist', 'parley.mjs');
  const newest = (dir) => fs.readdirSync(dir, { withFileTypes: true }).reduce((m, e) => {
    const p = path.join(dir, e.name);
    return Math.max(m, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
  }, 0);
  const sourcesAt = Math.max(newest(path.join(sdkDir, 'src')), fs.statSync(path.join(sdkDir, 'build.mjs')).mtimeMs);
  if (!fs.existsSync(bundle) || fs.statSync(bundle).mtimeMs < sourcesAt) {
    const r = spawnSync(process.execPath, [path.join(sdkDir, 'build.mjs')], { cwd: repoRoot, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`building the SDK failed:\n${r.stdout}\n${r.stderr}`);
  }
  return import(pathToFileURL(bundle).href);
}

const sdk = await loadSdk();
const {
  RumorSocket, RumorType, getSessionInfo, SessionInfoError, sessionTopic, connectionCreate, signal, streamCreate,
  publisherChannels, requestRaptor, tokenHeader, parseRaptorMessage, interpretServerMessage, parseSessionState, uuid,
} = sdk;

// A `ws` WebSocket that remembers its instances, so a test can cut the line under the SDK.
class TrackedWebSocket extends WebSocket {
  static instances = [];
  constructor(url) {
    super(url);
    TrackedWebSocket.instances.push(this);
  }
}

describe('parley.js protocol layer against parleyd', () => {
  let server;
  let ot;
  let clients = [];

  before(async () => {
    server = await startParleyd();
    ot = new OpenTok(server.apiKey, server.apiSecret, { apiUrl: server.url });
  });
  afterEach(async () => {
    const list = clients;
    clients = [];
    await Promise.all(list.map((c) => c.socket.disconnect()));
    for (const c of list) {
      assert.deepEqual(c.errors.map(String), [], `${c.name}: transport errors`);
      assert.deepEqual(c.strayStatus, [], `${c.name}: STATUS frames that answer nothing (acks must be swallowed)`);
    }
  });
  after(async () => {
    await server?.stop();
  });

  const session = async (mediaMode = 'relayed') => (await createSession(ot, { mediaMode })).sessionId;

  // A client the way parley.js will connect: GSI, WebSocket, CONNECT + SUBSCRIBE, connection
  // create with the token, then wait for the session state and the own `connection created`.
  async function join(sessionId, { name, role = 'publisher', proxy = false, socketOptions = {} } = {}) {
    const token = ot.generateToken(sessionId, { role, data: `name=${name}` });
    const connectionId = uuid();
    const info = await getSessionInfo({
      apiUrl: proxy ? 'https://anvil.opentok.com' : server.url,
      proxyUrl: proxy ? server.url : undefined,
      sessionId,
      token,
      connectionId,
      apiKey: server.apiKey,
    });
    const ref = { apiKey: server.apiKey, sessionId };
    const socket = new RumorSocket({
      url: info.webSocketUrl,
      connectionId,
      notifyDisconnectAddress: info.symphonyAddress,
      topics: [sessionTopic(ref)],
      reconnection: info.reconnection,
      WebSocket: TrackedWebSocket,
      ...socketOptions,
    });
    const c = { name, token, info, ref, socket, connectionId, events: [], frames: [], errors: [], strayStatus: [] };
    const waiters = new Set();
    const wake = () => { for (const w of waiters) w(); };
    socket.on('message', (frame) => {
      const message = parseRaptorMessage(frame.payload);
      c.events.push({ frame, message, event: interpretServerMessage(message), from: frame.headers['X-TB-FROM-ADDRESS'] });
      wake();
    });
    socket.on('frame', (frame) => c.frames.push(frame));
    socket.on('status', (frame) => c.strayStatus.push(frame));
    socket.on('error', (err) => c.errors.push(err));
    // Resolves with the first event (past or future) matching `pred`.
    c.waitFor = async (pred, what, timeout = 5000) => {
      const deadline = Date.now() + timeout;
      for (;;) {
        const hit = c.events.find(pred);
        if (hit) return hit;
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`${name}: timed out waiting for ${what}; got ${c.events.map((e) => `${e.message.method} ${e.message.resource}`).join(', ')}`);
        await new Promise((resolve) => {
          const done = () => { waiters.delete(done); clearTimeout(timer); resolve(); };
          const timer = setTimeout(done, left);
          waiters.add(done);
        });
      }
    };
    clients.push(c);

    await socket.connect();
    c.ws = TrackedWebSocket.instances.at(-1);
    const reply = await requestRaptor(socket, info.symphonyAddress,
      connectionCreate(ref, { connectionId, userAgent: 'parley.js-test', clientVersion: 'js-parley-test', capabilities: ['forceMute'] }),
      { headers: tokenHeader(token) });
    assert.equal(reply.status, 200, `${name}: connect → ${reply.status} ${JSON.stringify(reply.body)}`);
    c.state = parseSessionState(reply.body);
    await c.waitFor((e) => e.event.kind === 'connectionCreated' && e.event.connection.id === connectionId, 'own connection created');
    return c;
  }

  const created = (id) => (e) => e.event.kind === 'connectionCreated' && e.event.connection.id === id;
  const deleted = (id) => (e) => e.event.kind === 'connectionDeleted' && e.event.connectionId === id;
  const signalOf = (type) => (e) => e.event.kind === 'signal' && e.event.type === type;

  test('session info from parleyd: direct and through the proxy path; errors as OT errors', T, async () => {
    const sid = await session('routed');
    const token = ot.generateToken(sid, { role: 'publisher' });
    const direct = await getSessionInfo({ apiUrl: server.url, sessionId: sid, token, connectionId: uuid(), apiKey: server.apiKey });
    assert.equal(direct.sessionId, sid);
    assert.equal(direct.partnerId, server.apiKey);
    assert.equal(direct.webSocketUrl, direct.messagingUrl);
    assert.equal(new URL(direct.webSocketUrl).port, String(server.port));
    assert.ok(direct.symphonyAddress.length > 0);
    assert.ok(direct.iceServers.length > 0, JSON.stringify(direct.raw.ice_servers));
    assert.equal(direct.routed, true);
    assert.equal(direct.reconnection, true);

    const proxied = await getSessionInfo({ apiUrl: 'https://anvil.opentok.com', proxyUrl: server.url, sessionId: sid, token, connectionId: uuid() });
    assert.equal(proxied.sessionId, sid);
    assert.ok(proxied.webSocketUrl.startsWith(`ws://127.0.0.1:${server.port}/`), proxied.webSocketUrl);

    const otherToken = ot.generateToken(await session());
    await assert.rejects(getSessionInfo({ apiUrl: server.url, sessionId: sid, token: otherToken, connectionId: uuid() }),
      (err) => err instanceof SessionInfoError && err.code === 1004, 'a token for another session');

    await assert.rejects(getSessionInfo({ apiUrl: server.url, sessionId: sid, token: 'garbage', connectionId: uuid() }),
      (err) => err instanceof SessionInfoError && err.code === 1004 && err.name === 'OT_AUTHENTICATION_ERROR' && err.message.includes('garbage'));
    await assert.rejects(getSessionInfo({ apiUrl: server.url, sessionId: sid, token, connectionId: uuid(), apiKey: '1' }),
      (err) => err instanceof SessionInfoError && err.code === 1004);
  });

  test('two clients connect, see each other, exchange signals; one leaves and the other sees it', T, async () => {
    const sid = await session();
    const alice = await join(sid, { name: 'alice' });
    assert.deepEqual(alice.state.connections.map((x) => x.id), [alice.connectionId]);
    assert.equal(alice.state.connections[0].data, 'name=alice');
    assert.deepEqual(alice.state.streams, []);

    const bob = await join(sid, { name: 'bob', role: 'moderator', proxy: true });
    assert.ok(bob.info.webSocketUrl.includes(`127.0.0.1:${server.port}/`), 'bob connects through the proxy path');
    assert.deepEqual(bob.state.connections.map((x) => x.id).sort(), [alice.connectionId, bob.connectionId].sort());
    const seen = await alice.waitFor(created(bob.connectionId), "bob's connection created");
    assert.equal(seen.event.connection.data, 'name=bob');
    assert.ok(seen.event.connection.permissions.includes('forcedisconnect'), 'a moderator');
    assert.equal(typeof seen.from, 'string', 'server MESSAGEs carry X-TB-FROM-ADDRESS');
    assert.ok(Number.isFinite(seen.event.connection.creationTime));

    // Broadcast: everyone including the sender gets it, from the sender's connection id.
    const r1 = await requestRaptor(alice.socket, alice.info.symphonyAddress, signal(alice.ref, { type: 'chat', data: 'hi from alice' }));
    assert.equal(r1.status, 200, JSON.stringify(r1.body));
    for (const c of [alice, bob]) {
      const got = await c.waitFor(signalOf('chat'), `${c.name}: broadcast signal`);
      assert.equal(got.from, alice.connectionId);
      assert.equal(got.event.data, 'hi from alice');
    }
    // Targeted: only the target.
    const r2 = await requestRaptor(bob.socket, bob.info.symphonyAddress, signal(bob.ref, { to: alice.connectionId, type: 'dm', data: { n: 1 } }));
    assert.equal(r2.status, 200, JSON.stringify(r2.body));
    const dm = await alice.waitFor(signalOf('dm'), 'targeted signal');
    assert.equal(dm.from, bob.connectionId);
    assert.deepEqual(dm.event.data, { n: 1 });
    // A signal to nobody known: 404 (§7.7.4).
    const r3 = await requestRaptor(bob.socket, bob.info.symphonyAddress, signal(bob.ref, { to: uuid(), type: 'lost' }));
    assert.equal(r3.status, 404);
    assert.equal(typeof r3.reason, 'string');

    // A stream create from bob reaches alice as a parsed stream (relayed: announced at once).
    const streamId = uuid();
    const pub = await requestRaptor(bob.socket, bob.info.symphonyAddress, streamCreate(bob.ref, {
      streamId, name: 'bob cam', channels: publisherChannels({ audio: { active: true }, video: { active: true, width: 640, height: 480 } }),
    }));
    assert.equal(pub.status, 200, JSON.stringify(pub.body));
    const st = await alice.waitFor((e) => e.event.kind === 'streamCreated' && e.event.stream.id === streamId, 'stream created');
    assert.equal(st.event.stream.connectionId, bob.connectionId);
    assert.deepEqual(st.event.stream.channel.map((ch) => [ch.id, ch.active]), [['video1', true], ['audio1', true], ['caption1', false]]);

    // Server MESSAGEs were acknowledged: the server sends none of them twice.
    await delay(300);
    for (const c of [alice, bob]) {
      const ids = c.events.map((e) => e.frame.headers['TRANSACTION-ID']).filter(Boolean);
      assert.equal(new Set(ids).size, ids.length, `${c.name}: a message delivered twice`);
    }

    const closing = await bob.socket.disconnect();
    assert.equal(closing.byClient, true);
    assert.equal(bob.socket.state, 'closed');
    const sd = await alice.waitFor((e) => e.event.kind === 'streamDeleted' && e.event.streamId === streamId, "bob's stream deleted");
    assert.equal(sd.event.reason, 'clientDisconnected');
    const gone = await alice.waitFor(deleted(bob.connectionId), "bob's connection deleted");
    assert.equal(gone.event.reason, 'clientDisconnected');
    assert.ok(alice.events.indexOf(sd) < alice.events.indexOf(gone), 'the stream goes before the connection');
    assert.equal(alice.socket.state, 'open');
  });

  test('a dropped socket reconnects with socketId + reconnect=true within the grace: same connection, nothing lost', T, async () => {
    const sid = await session();
    const a = await join(sid, { name: 'a' });
    const b = await join(sid, { name: 'b', socketOptions: { reconnectDelaysMs: [400] } });
    await a.waitFor(created(b.connectionId), "b's connection created");
    const firstUrl = new URL(b.ws.url);
    assert.equal(firstUrl.searchParams.get('socketId'), b.socket.socketId);
    assert.equal(firstUrl.searchParams.get('reconnect'), null);

    const states = [];
    b.socket.on('state', (s) => states.push(s));
    const reconnecting = new Promise((resolve) => b.socket.once('reconnecting', resolve));
    const reconnected = new Promise((resolve) => b.socket.once('reconnected', resolve));
    // A request in flight when the line drops (its STATUS cannot come back on this socket) …
    const inFlight = requestRaptor(b.socket, b.info.symphonyAddress, signal(b.ref, { type: 'in-flight' }));
    b.ws.terminate(); // … no close frame, no DISCONNECT
    await reconnecting;
    assert.equal(b.socket.state, 'reconnecting');

    // While b is away: a request from b waits for the new socket; a signal to b is accepted.
    const pending = requestRaptor(b.socket, b.info.symphonyAddress, signal(b.ref, { type: 'from-away' }));
    const toB = await requestRaptor(a.socket, a.info.symphonyAddress, signal(a.ref, { to: b.connectionId, type: 'while-away', data: 'missed?' }));
    assert.equal(toB.status, 200, `b must still be in the session: ${JSON.stringify(toB.body)}`);

    await reconnected;
    assert.deepEqual(states, ['reconnecting', 'open']);
    const again = TrackedWebSocket.instances.at(-1);
    assert.notEqual(again, b.ws);
    const u = new URL(again.url);
    assert.equal(u.searchParams.get('socketId'), b.socket.socketId);
    assert.equal(u.searchParams.get('reconnect'), 'true');
    assert.notEqual(u.searchParams.get('attempt'), firstUrl.searchParams.get('attempt'));

    assert.equal((await inFlight).status, 200, 'the unanswered request was re-sent on the new socket');
    assert.equal((await pending).status, 200, 'the request made while away was sent on the new socket');
    const fromAway = await a.waitFor(signalOf('from-away'), 'the signal b sent while away');
    assert.equal(fromAway.from, b.connectionId);
    const missed = await b.waitFor(signalOf('while-away'), 'the signal sent to b while it was away');
    assert.equal(missed.from, a.connectionId);
    assert.equal(missed.event.data, 'missed?');

    // The connection is the same one: requests work, nobody saw it leave, a late joiner sees it.
    const r = await requestRaptor(b.socket, b.info.symphonyAddress, signal(b.ref, { type: 'back' }));
    assert.equal(r.status, 200);
    await a.waitFor(signalOf('back'), 'signal after the reconnection');
    const late = await join(sid, { name: 'late' });
    assert.ok(late.state.connections.some((x) => x.id === b.connectionId), 'b is still in the session state');
    assert.equal(a.events.filter(deleted(b.connectionId)).length, 0, 'nobody saw b leave');
    assert.equal(a.events.filter(created(b.connectionId)).length, 1, 'b was announced once');
    assert.equal(b.events.filter(signalOf('while-away')).length, 1, 'delivered once');
    assert.equal(a.events.filter(signalOf('in-flight')).length, 1, 'the re-sent request ran once');
  });

  test('keepalive: an idle client PINGs and parleyd answers PONG', T, async () => {
    const sid = await session();
    const c = await join(sid, { name: 'idle', socketOptions: { pingIntervalMs: 150, inboundTimeoutMs: 2000 } });
    const pongs = () => c.frames.filter((f) => f.type === RumorType.PONG).length;
    const before = pongs();
    const start = Date.now();
    while (pongs() - before < 3 && Date.now() - start < 5000) await delay(50);
    assert.ok(pongs() - before >= 3, `${pongs() - before} PONGs in ${Date.now() - start} ms with a 150 ms ping interval`);
    assert.equal(c.socket.state, 'open');
  });

  test('a refused token: connection create → STATUS 403 with a reason, and no own `connection created`', T, async () => {
    const sid = await session();
    const good = ot.generateToken(sid);
    const info = await getSessionInfo({ apiUrl: server.url, sessionId: sid, token: good, connectionId: uuid() });
    const connectionId = uuid();
    const ref = { apiKey: server.apiKey, sessionId: sid };
    const socket = new RumorSocket({ url: info.webSocketUrl, connectionId, notifyDisconnectAddress: info.symphonyAddress, topics: [sessionTopic(ref)], reconnection: true, WebSocket });
    const messages = [];
    socket.on('message', (f) => messages.push(f));
    await socket.connect();
    try {
      const other = ot.generateToken(await session());
      const reply = await requestRaptor(socket, info.symphonyAddress,
        connectionCreate(ref, { connectionId, userAgent: 'parley.js-test', clientVersion: 'js-parley-test' }), { headers: tokenHeader(other) });
      assert.equal(reply.status, 403);
      assert.equal(reply.ok, false);
      assert.equal(typeof reply.reason, 'string');
      await delay(200);
      assert.equal(messages.length, 0, messages.map((f) => f.payload).join('\n'));
    } finally {
      await socket.disconnect();
    }
  });

  test('parleyd serves the built bundles at /sdk/ (and nothing else from that folder)', async () => {
    for (const name of ['parley.js', 'parley.mjs']) {
      const res = await fetch(`${server.url}/sdk/${name}`, { headers: { Origin: 'https://app.example' } });
      assert.equal(res.status, 200, name);
      assert.match(res.headers.get('content-type'), /^text\/javascript/);
      assert.equal(res.headers.get('access-control-allow-origin'), 'https://app.example');
      const built = fs.readFileSync(path.join(repoRoot, 'sdk', 'js', 'dist', name), 'utf8');
      assert.equal(await res.text(), built, `${name} is the bundle in sdk/js/dist`);
    }
    for (const name of ['index.ts', '..%2Fpackage.json', 'parley.txt']) {
      assert.equal((await fetch(`${server.url}/sdk/${name}`)).status, 404, name);
    }
  });
});
