// Rumor/Raptor protocol tests against parleyd with a small wire-level client (tests/lib/rumor.js):
// connect, connect errors and limits, streams, relayed subscribers/JSEP, transport robustness.
// Protocol: docs/protocol.md §6, §7.4–§7.6, §7.9, §8.4, §9.
import { describe, before, after, afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import crypto, { randomUUID } from 'node:crypto';

import { request, clientJwt, craftSessionId, nowSeconds } from './lib/parleyd.js';
import { encodeFrame } from './lib/rumor.js';
import { signalingServer, streamDescription, subscriberDescription, noneWithin, delay, Type } from './lib/signaling-fixture.js';

const T = { timeout: 20000 };
const MAX_FRAME = 4096;

const PERMISSIONS = {
  subscriber: ['subscribe', 'signal'],
  publisher: ['publish', 'subscribe', 'signal'],
  publisheronly: ['publish', 'signal'],
  moderator: ['publish', 'subscribe', 'signal', 'forceunpublish', 'forcedisconnect', 'forcemute'],
};

const isMsg = (method, uriPart = '') => (f) => f.type === Type.MESSAGE && f.raptor.method === method && f.raptor.uri.includes(uriPart);
const sorted = (a) => [...a].sort();

function assertConnectionObject(obj, { id, data, role, since, until }) {
  assert.equal(obj.id, id);
  assert.equal(obj.data, data, `connection data of ${JSON.stringify(obj)}`);
  const ct = Number(obj.creationTime);
  assert.ok(Number.isFinite(ct), `creationTime must be numeric: ${JSON.stringify(obj)}`);
  assert.ok(ct >= since - 2000 && ct <= until + 2000, `creationTime ${ct} not in [${since}, ${until}] (ms)`);
  assert.ok(Array.isArray(obj.permissions), `permissions must be an array: ${JSON.stringify(obj)}`);
  assert.deepEqual(sorted(obj.permissions), sorted(PERMISSIONS[role]), `permissions of a ${role}`);
}

describe('signaling: connect', () => {
  let fx;
  before(async () => { fx = await signalingServer(); });
  afterEach(async () => { await fx.closeClients(); });
  after(async () => { await fx?.stop(); });

  test('STATUS 200 carries the session state and the own `connection created` arrives', T, async () => {
    const sid = await fx.session();
    const c = await fx.open();
    const since = Date.now();
    const reply = await c.join({ apiKey: fx.apiKey, sessionId: sid, token: fx.token(sid, 'publisher', 'name=alice') });
    const until = Date.now();
    assert.equal(reply.status, 200, JSON.stringify(reply.payload));
    const state = reply.payload;
    assert.ok(state && typeof state === 'object', 'STATUS payload must be a JSON object');
    for (const key of ['connection', 'stream', 'archive']) assert.ok(Array.isArray(state[key]), `state.${key} must be an array: ${JSON.stringify(state)}`);
    assert.equal(state.stream.length, 0);
    assert.equal(state.mute, undefined, 'no mute member outside force-mute state');
    assert.equal(state.connection.length, 1, JSON.stringify(state.connection));
    assertConnectionObject(state.connection[0], { id: c.connectionId, data: 'name=alice', role: 'publisher', since, until });

    const created = await c.waitForMessage('created', `/connection/${c.connectionId}`);
    assert.equal(created.raptor.uri, `${c.sessionUri()}/connection/${c.connectionId}`);
    assertConnectionObject(created.raptor.content, { id: c.connectionId, data: 'name=alice', role: 'publisher', since, until });
    assert.equal(typeof created.headers['X-TB-FROM-ADDRESS'], 'string');
  });

  for (const role of Object.keys(PERMISSIONS)) {
    test(`permissions of a ${role} follow docs/protocol.md §2.5`, T, async () => {
      const sid = await fx.session();
      const since = Date.now();
      const c = await fx.join(sid, { role });
      const own = c.state.connection.find((x) => x.id === c.connectionId);
      assert.ok(own, `own connection missing from ${JSON.stringify(c.state)}`);
      assertConnectionObject(own, { id: c.connectionId, data: '', role, since, until: Date.now() });
      const created = c.received('created', `/connection/${c.connectionId}`)[0];
      assertConnectionObject(created.raptor.content, { id: c.connectionId, data: '', role, since, until: Date.now() });
    });
  }

  test('second client: both see its `created`; its state lists both; acks are swallowed', T, async () => {
    const sid = await fx.session();
    const a = await fx.join(sid, { data: 'who=a' });
    const b = await fx.join(sid, { role: 'moderator', data: 'who=b' });
    const onA = await a.waitForMessage('created', `/connection/${b.connectionId}`);
    assert.equal(onA.raptor.content.id, b.connectionId);
    assert.equal(onA.raptor.content.data, 'who=b');
    assert.deepEqual(sorted(onA.raptor.content.permissions), sorted(PERMISSIONS.moderator));
    assert.deepEqual(sorted(b.state.connection.map((x) => x.id)), sorted([a.connectionId, b.connectionId]));
    assert.equal(b.state.connection.find((x) => x.id === a.connectionId).data, 'who=a');
    // Server MESSAGEs carry a TRANSACTION-ID here, and the client acknowledged each; the
    // server must not answer acknowledgements: the only STATUS frames are the replies.
    await delay(300);
    for (const c of [a, b]) {
      for (const m of c.messages) assert.ok(m.headers['TRANSACTION-ID'], `server MESSAGE without TRANSACTION-ID: ${m.payload}`);
      assert.equal(c.frames.filter((f) => f.type === Type.STATUS).length, 1, 'exactly one STATUS (the connect reply)');
      assert.equal(c.received('created', `/connection/${c.connectionId}`).length, 1, 'own created exactly once');
    }
    assert.equal(a.received('created', '/connection/').length, 2, 'a sees its own and b\'s created');
  });
});

describe('signaling: connect errors', () => {
  let fx;
  before(async () => { fx = await signalingServer(); });
  afterEach(async () => { await fx.closeClients(); });
  after(async () => { await fx?.stop(); });

  // Tries to connect with `token`; checks the STATUS, that it carries a reason and that the
  // observer already in the session saw no `created` for the refused connection.
  async function refused(sid, token, status, extra = {}) {
    const observer = await fx.join(sid);
    const c = await fx.open();
    const reply = await c.join({ apiKey: fx.apiKey, sessionId: sid, token, ...extra });
    assert.equal(reply.status, status, `expected STATUS ${status}: ${JSON.stringify(reply.payload)}`);
    assert.equal(typeof reply.payload?.reason, 'string', `error STATUS payload must be {reason}: ${reply.frame.payload}`);
    assert.ok(await noneWithin(observer, isMsg('created', `/connection/${c.connectionId}`)), 'a refused connection must not be announced');
    assert.equal(c.received('created').length, 0, 'a refused client gets no `created`');
    return { c, reply };
  }

  test('a garbage token → 403', T, async () => {
    const sid = await fx.session();
    await refused(sid, 'T1==bm90IGEgdG9rZW4=', 403);
  });

  test('a token signed with another secret → 403', T, async () => {
    const sid = await fx.session();
    await refused(sid, clientJwt(fx.apiKey, crypto.randomBytes(20).toString('hex'), sid), 403);
  });

  test('a token for another session → 403', T, async () => {
    const sid = await fx.session();
    const other = await fx.session();
    await refused(sid, fx.token(other), 403);
  });

  test('an expired token → 403', T, async () => {
    const sid = await fx.session();
    const past = nowSeconds() - 60;
    await refused(sid, clientJwt(fx.apiKey, fx.server.apiSecret, sid, { iat: past - 600, create_time: past - 600, expire_time: past }), 403);
  });

  test('connection id in the URI ≠ CONNECT uniqueId → 400', T, async () => {
    const sid = await fx.session();
    await refused(sid, fx.token(sid), 400, { uriConnectionId: randomUUID() });
  });

  test('MESSAGE before CONNECT → STATUS 400 with a reason', T, async () => {
    const sid = await fx.session();
    const c = await fx.open();
    Object.assign(c, { apiKey: fx.apiKey, sessionId: sid, connectionId: randomUUID() });
    const r = await c.request('create', `${c.sessionUri()}/connection/${c.connectionId}`, {}, { 'X-TB-TOKEN-AUTH': fx.token(sid) });
    assert.equal(r.status, 400, JSON.stringify(r.payload));
    assert.equal(typeof r.payload?.reason, 'string');
    const s = await c.request('signal', `${c.sessionUri()}/signal/${randomUUID()}`, { type: 'x', data: 'y' });
    assert.equal(s.status, 400, JSON.stringify(s.payload));
  });

  test('an unknown (well-formed) session → 404', T, async () => {
    const sid = craftSessionId(fx.apiKey);
    const c = await fx.open();
    const reply = await c.join({ apiKey: fx.apiKey, sessionId: sid, token: fx.token(sid) });
    assert.equal(reply.status, 404, JSON.stringify(reply.payload));
    assert.equal(typeof reply.payload?.reason, 'string');
  });

  test('requests of a refused connection are not executed', T, async () => {
    const sid = await fx.session();
    const { c } = await refused(sid, 'garbage', 403);
    const observer = await fx.join(sid);
    const r = await c.request('signal', `${c.sessionUri()}/signal/${randomUUID()}`, { type: 'x', data: 'y' });
    assert.ok(r.status >= 400, `signal from a refused connection must fail, got ${r.status}`);
    assert.ok(await noneWithin(observer, isMsg('signal')), 'nothing may be delivered');
  });
});

describe('signaling: limits (--max-connections 2 --max-streams 1)', () => {
  let fx;
  before(async () => { fx = await signalingServer(['--max-connections', '2', '--max-streams', '1']); });
  afterEach(async () => { await fx.closeClients(); });
  after(async () => { await fx?.stop(); });

  test('a third connection gets reason connectionLimitExceeded; a freed place can be taken', T, async () => {
    const sid = await fx.session();
    const a = await fx.join(sid);
    const b = await fx.join(sid);
    const c = await fx.open();
    const reply = await c.join({ apiKey: fx.apiKey, sessionId: sid, token: fx.token(sid) });
    assert.notEqual(reply.status, 200);
    assert.equal(reply.payload?.reason, 'connectionLimitExceeded', JSON.stringify(reply.payload));
    assert.ok(await noneWithin(a, isMsg('created', `/connection/${c.connectionId}`)), 'refused connection announced');
    // b leaves properly (DISCONNECT with an empty reconnect header): the place is free again.
    b.sendFrame({ type: Type.DISCONNECT, headers: { reconnect: '' } });
    await a.waitForMessage('deleted', `/connection/${b.connectionId}`);
    const d = await fx.join(sid);
    await a.waitForMessage('created', `/connection/${d.connectionId}`);
  });

  test('a second stream gets 409 streamLimitExceeded and is not announced', T, async () => {
    const sid = await fx.session();
    const a = await fx.join(sid);
    const b = await fx.join(sid);
    await fx.publish(a, randomUUID());
    const s2 = randomUUID();
    const r = await b.request('create', `${b.sessionUri()}/stream/${s2}`, streamDescription(s2));
    assert.equal(r.status, 409, JSON.stringify(r.payload));
    assert.equal(r.payload?.reason, 'streamLimitExceeded');
    assert.ok(await noneWithin(a, isMsg('created', `/stream/${s2}`)), 'refused stream announced');
    assert.equal(b.received('created', `/stream/${s2}`).length, 0);
  });
});

describe('signaling: streams (relayed)', () => {
  let fx;
  before(async () => { fx = await signalingServer(); });
  afterEach(async () => { await fx.closeClients(); });
  after(async () => { await fx?.stop(); });

  function assertStreamObject(obj, { id, owner, name = '' }) {
    const desc = streamDescription(id, { name });
    assert.equal(obj.id, id);
    assert.equal(obj.name, name);
    assert.ok(Number.isFinite(Number(obj.creationTime)), `creationTime: ${JSON.stringify(obj)}`);
    assert.equal(typeof obj.connection, 'object', `stream.connection must be an object: ${JSON.stringify(obj)}`);
    assert.equal(obj.connection.id, owner.connectionId);
    assert.equal(obj.connection.data, 'role=pub');
    assert.deepEqual(sorted(obj.connection.permissions), sorted(PERMISSIONS.publisher));
    assert.ok(Array.isArray(obj.channel), 'stream.channel must be an array');
    assert.deepEqual(obj.channel, desc.channel);
    assert.equal(obj.publisherAudioFallbackEnabled, false);
    assert.equal(obj.subscriberAudioFallbackEnabled, true);
  }

  test('publish → 200 and `stream created` to everyone incl. the publisher; later joiners see it', T, async () => {
    const sid = await fx.session();
    const pub = await fx.join(sid, { data: 'role=pub' });
    const other = await fx.join(sid, { role: 'subscriber' });
    const streamId = randomUUID();
    const r = await pub.request('create', `${pub.sessionUri()}/stream/${streamId}`, streamDescription(streamId, { name: 'cam' }));
    assert.equal(r.status, 200, JSON.stringify(r.payload));
    for (const c of [pub, other]) {
      const m = await c.waitForMessage('created', `/stream/${streamId}`);
      assert.equal(m.raptor.uri, `${c.sessionUri()}/stream/${streamId}`);
      assertStreamObject(m.raptor.content, { id: streamId, owner: pub, name: 'cam' });
    }
    const late = await fx.join(sid);
    assert.equal(late.state.stream.length, 1, JSON.stringify(late.state));
    assertStreamObject(late.state.stream[0], { id: streamId, owner: pub, name: 'cam' });
    assert.ok(late.state.connection.some((x) => x.id === pub.connectionId), 'the stream\'s connection must be in the state');
  });

  test('channel update → 200 and `updated` echo to all incl. the publisher; state reflects it', T, async () => {
    const sid = await fx.session();
    const pub = await fx.join(sid, { data: 'role=pub' });
    const other = await fx.join(sid);
    const streamId = randomUUID();
    await fx.publish(pub, streamId);
    const uri = `${pub.sessionUri()}/stream/${streamId}/channel/audio1`;
    const r = await pub.request('update', uri, { active: false });
    assert.equal(r.status, 200, JSON.stringify(r.payload));
    for (const c of [pub, other]) {
      const m = await c.waitForMessage('updated', `/stream/${streamId}/channel/audio1`);
      assert.equal(m.raptor.uri, uri);
      assert.deepEqual(m.raptor.content, { active: false });
    }
    const late = await fx.join(sid);
    const audio = late.state.stream[0].channel.find((ch) => ch.id === 'audio1');
    assert.equal(audio.active, false, `merged channel: ${JSON.stringify(audio)}`);
    assert.equal(audio.type, 'audio');
  });

  test('stream delete → `deleted` reason clientDisconnected to all; gone from the state', T, async () => {
    const sid = await fx.session();
    const pub = await fx.join(sid, { data: 'role=pub' });
    const other = await fx.join(sid);
    const streamId = randomUUID();
    await fx.publish(pub, streamId);
    const r = await pub.request('delete', `${pub.sessionUri()}/stream/${streamId}`, {});
    assert.equal(r.status, 200, JSON.stringify(r.payload));
    for (const c of [pub, other]) {
      const m = await c.waitForMessage('deleted', `/stream/${streamId}`);
      assert.equal(m.raptor.reason, 'clientDisconnected', m.payload);
      assert.deepEqual(m.raptor.content, {});
    }
    const late = await fx.join(sid);
    assert.deepEqual(late.state.stream, []);
  });

  test('reusing a live stream id → 409, also from another connection', T, async () => {
    const sid = await fx.session();
    const pub = await fx.join(sid, { data: 'role=pub' });
    const other = await fx.join(sid);
    const streamId = randomUUID();
    await fx.publish(pub, streamId);
    await other.waitForMessage('created', `/stream/${streamId}`);
    const mark = other.mark();
    for (const c of [pub, other]) {
      const r = await c.request('create', `${c.sessionUri()}/stream/${streamId}`, streamDescription(streamId));
      assert.equal(r.status, 409, JSON.stringify(r.payload));
      assert.equal(typeof r.payload?.reason, 'string');
    }
    assert.ok(await noneWithin(other, isMsg('created', `/stream/${streamId}`), 300, mark), 'no second `stream created`');
  });

  test('a leaving publisher: its stream is deleted (clientDisconnected) before its connection', T, async () => {
    const sid = await fx.session();
    const pub = await fx.join(sid, { data: 'role=pub' });
    const other = await fx.join(sid);
    const streamId = randomUUID();
    await fx.publish(pub, streamId);
    pub.sendFrame({ type: Type.DISCONNECT, headers: { reconnect: '' } });
    const connDeleted = await other.waitForMessage('deleted', `/connection/${pub.connectionId}`);
    assert.equal(connDeleted.raptor.reason, 'clientDisconnected');
    const streamDeleted = other.received('deleted', `/stream/${streamId}`);
    assert.equal(streamDeleted.length, 1, 'stream deleted before the connection');
    assert.ok(other.frames.indexOf(streamDeleted[0]) < other.frames.indexOf(connDeleted));
    assert.equal(streamDeleted[0].raptor.reason, 'clientDisconnected');
  });

  test('unsupported but well-formed messages are answered (200 or 404) so nothing stays pending; subscriber channel updates are not echoed', T, async () => {
    const sid = await fx.session();
    const pub = await fx.join(sid, { data: 'role=pub' });
    const sub = await fx.join(sid);
    const streamId = randomUUID();
    await fx.publish(pub, streamId);
    const subscriberId = randomUUID();
    const subUri = `${sub.sessionUri()}/stream/${streamId}/subscriber/${subscriberId}`;
    assert.equal((await sub.request('create', subUri, subscriberDescription(subscriberId, sub.connectionId))).status, 200);
    const markPub = pub.mark();
    const markSub = sub.mark();
    const su = sub.sessionUri();
    const tries = [
      ['update', `${subUri}/channel/video1`, { active: false, activeReason: 'quality' }],
      ['update', `${subUri}/channel/video1`, { preferredWidth: 320, preferredHeight: 240 }],
      ['data', `${su}/stream/${streamId}/channel/downlinkStats1/data/${randomUUID()}`, { data: '{}', type: 'data' }],
      ['migrate', `${su}/migrate`, {}],
      ['frobnicate', `${su}/connection/${sub.connectionId}`, {}],
    ];
    for (const [method, uri, content] of tries) {
      const r = await sub.request(method, uri, content);
      assert.ok([200, 404].includes(r.status), `${method} ${uri} → ${r.status} ${JSON.stringify(r.payload)}`);
    }
    await delay(300);
    assert.equal(pub.received('updated', '', markPub).length + sub.received('updated', '', markSub).length, 0, 'subscriber channel updates are not echoed');
  });

  test('routed session: stream create → STATUS 200, then generateoffer; the SFU answers the offer; nothing announced before media', T, async () => {
    const sid = await fx.session('routed');
    const pub = await fx.join(sid);
    const other = await fx.join(sid);
    const streamId = randomUUID();
    const uri = `${pub.sessionUri()}/stream/${streamId}`;
    const r = await pub.request('create', uri, streamDescription(streamId));
    assert.equal(r.status, 200, JSON.stringify(r.payload));
    const g = await pub.waitForMessage('generateoffer', `/stream/${streamId}`);
    // After the STATUS (docs/protocol.md §8.2), from the SFU's address, with the ids the client copies.
    assert.ok(pub.frames.indexOf(g) > pub.frames.indexOf(r.frame), 'generateoffer follows the STATUS');
    assert.match(g.headers['X-TB-FROM-ADDRESS'], /^symphony\./);
    assert.equal(g.raptor.uri, uri);
    assert.equal(g.raptor.content.sourceStreamId, 'MANTIS');
    assert.equal(g.raptor.content.simulcastEnabled, true, 'camera streams are simulcast');
    const peerId = g.raptor.content.peerId;
    assert.match(peerId, /^[0-9a-f-]{36}$/);

    // Candidates before the offer are acknowledged (the SFU is ICE-lite).
    const cand = await pub.request('candidate', uri, { peerId, sourceStreamId: 'MANTIS', candidate: 'candidate:1 1 udp 2122194687 192.0.2.2 40000 typ host', sdpMid: '0', sdpMLineIndex: 0 });
    assert.equal(cand.status, 200);
    // A broken offer is refused and answered with nothing.
    const bad = await pub.request('offer', uri, { peerId, sourceStreamId: 'MANTIS', type: 'offer', sdp: 'v=0\r\nnonsense' });
    assert.equal(bad.status, 400);
    assert.equal(bad.payload?.reason, 'invalidSdp');
    // Chrome's offer: an ICE-lite, recvonly answer on the same URI with the same ids, and candidates.
    const sdp = fs.readFileSync(new URL('../server/fuzz/corpus/sdp/chrome_publisher_offer.sdp', import.meta.url), 'utf8');
    const mark = pub.mark();
    const ok = await pub.request('offer', uri, { peerId, sourceStreamId: 'MANTIS', type: 'offer', sdp });
    assert.equal(ok.status, 200, JSON.stringify(ok.payload));
    const answer = await pub.waitForMessage('answer', `/stream/${streamId}`, { from: mark });
    assert.equal(answer.raptor.uri, uri);
    assert.equal(answer.raptor.content.type, 'answer');
    assert.equal(answer.raptor.content.peerId, peerId);
    assert.equal(answer.raptor.content.sourceStreamId, 'MANTIS');
    assert.match(answer.raptor.content.sdp, /a=ice-lite/);
    assert.match(answer.raptor.content.sdp, /a=recvonly/);
    assert.match(answer.raptor.content.sdp, /a=setup:passive/);
    assert.equal(answer.headers['X-TB-FROM-ADDRESS'], g.headers['X-TB-FROM-ADDRESS']);
    const candidate = await pub.waitForMessage('candidate', `/stream/${streamId}`, { from: mark });
    assert.match(candidate.raptor.content.candidate, /^candidate:\d+ 1 udp \d+ 127\.0\.0\.1 \d+ typ host/);
    assert.equal(candidate.raptor.content.sdpMLineIndex, 0);
    assert.equal(candidate.raptor.content.peerId, peerId);

    // No ICE/DTLS happened: the stream is not announced, and cannot be subscribed to.
    assert.ok(await noneWithin(other, isMsg('created', '/stream/')), 'nothing announced');
    const subscriberId = randomUUID();
    const sub = await other.request('create', `${other.sessionUri()}/stream/${streamId}/subscriber/${subscriberId}`, subscriberDescription(subscriberId, other.connectionId));
    assert.equal(sub.status, 404);
    // Only the owner negotiates for its stream.
    const foreign = await other.request('offer', uri, { peerId, sourceStreamId: 'MANTIS', type: 'offer', sdp });
    assert.equal(foreign.status, 403);
  });
});

describe('signaling: relayed subscribers and JSEP relay (§8.4)', () => {
  let fx;
  before(async () => { fx = await signalingServer(); });
  afterEach(async () => { await fx.closeClients(); });
  after(async () => { await fx?.stop(); });

  async function setup() {
    const sid = await fx.session();
    const pub = await fx.join(sid);
    const sub = await fx.join(sid);
    const third = await fx.join(sid);
    const streamId = randomUUID();
    await fx.publish(pub, streamId);
    for (const c of [sub, third]) await c.waitForMessage('created', `/stream/${streamId}`);
    const subscriberId = randomUUID();
    const uri = `${sub.sessionUri()}/stream/${streamId}/subscriber/${subscriberId}`;
    return { sid, pub, sub, third, streamId, subscriberId, uri };
  }

  test('subscriber create → 200 and the publisher gets `generateoffer` from the subscriber', T, async () => {
    const { pub, sub, third, subscriberId, uri } = await setup();
    const r = await sub.request('create', uri, subscriberDescription(subscriberId, sub.connectionId));
    assert.equal(r.status, 200, JSON.stringify(r.payload));
    const g = await pub.waitForMessage('generateoffer', `/subscriber/${subscriberId}`);
    assert.equal(g.raptor.uri, uri);
    assert.equal(g.headers['X-TB-FROM-ADDRESS'], sub.connectionId);
    assert.equal(typeof g.raptor.content.peerId, 'string');
    assert.ok(g.raptor.content.peerId.length > 0);
    assert.equal(g.raptor.content.sourceStreamId, 'P2P');
    assert.ok(await noneWithin(sub, isMsg('generateoffer')), 'generateoffer goes to the publisher only');
    assert.equal(third.received('generateoffer').length, 0);
  });

  test('candidate/offer relayed to the subscriber, answer/candidate back to the publisher; others refused', T, async () => {
    const { pub, sub, third, subscriberId, uri } = await setup();
    assert.equal((await sub.request('create', uri, subscriberDescription(subscriberId, sub.connectionId))).status, 200);
    const g = await pub.waitForMessage('generateoffer', `/subscriber/${subscriberId}`);
    const { peerId, sourceStreamId } = g.raptor.content;

    const cand = { candidate: 'candidate:1 1 udp 2122260223 192.0.2.1 54321 typ host', sdpMid: '0', sdpMLineIndex: 0, peerId, sourceStreamId };
    const offer = { peerId, sourceStreamId, sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n', type: 'offer' };
    assert.equal((await pub.request('candidate', uri, cand)).status, 200);
    assert.equal((await pub.request('offer', uri, offer)).status, 200);
    const gotCand = await sub.waitForMessage('candidate', `/subscriber/${subscriberId}`);
    const gotOffer = await sub.waitForMessage('offer', `/subscriber/${subscriberId}`);
    for (const [m, content] of [[gotCand, cand], [gotOffer, offer]]) {
      assert.equal(m.raptor.uri, uri);
      assert.equal(m.headers['X-TB-FROM-ADDRESS'], pub.connectionId);
      assert.deepEqual(m.raptor.content, content);
    }
    assert.ok(sub.frames.indexOf(gotCand) < sub.frames.indexOf(gotOffer), 'order preserved');

    const answer = { peerId, sourceStreamId, type: 'answer', sdp: 'v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n' };
    const cand2 = { ...cand, candidate: 'candidate:2 1 udp 2122260223 192.0.2.2 50000 typ host' };
    assert.equal((await sub.request('answer', uri, answer)).status, 200);
    assert.equal((await sub.request('candidate', uri, cand2)).status, 200);
    const gotAnswer = await pub.waitForMessage('answer', `/subscriber/${subscriberId}`);
    const gotCand2 = await pub.waitForMessage('candidate', `/subscriber/${subscriberId}`);
    for (const [m, content] of [[gotAnswer, answer], [gotCand2, cand2]]) {
      assert.equal(m.raptor.uri, uri);
      assert.equal(m.headers['X-TB-FROM-ADDRESS'], sub.connectionId);
      assert.deepEqual(m.raptor.content, content);
    }
    // Nothing echoed to the sender.
    assert.equal(pub.received('offer').length, 0);
    assert.equal(sub.received('answer').length, 0);

    // A third connection may not inject JSEP into that peer connection.
    const markPub = pub.mark();
    const markSub = sub.mark();
    const r = await third.request('candidate', uri, cand);
    assert.equal(r.status, 403, JSON.stringify(r.payload));
    const r2 = await third.request('offer', uri, offer);
    assert.equal(r2.status, 403, JSON.stringify(r2.payload));
    await delay(300);
    assert.equal(pub.received('candidate', '', markPub).length + pub.received('offer', '', markPub).length, 0);
    assert.equal(sub.received('candidate', '', markSub).length + sub.received('offer', '', markSub).length, 0);
    assert.equal(third.received('generateoffer').length + third.received('offer').length + third.received('answer').length, 0);
  });

  test('subscriber delete → 200 and the publisher gets `deleted` on the subscriber URI', T, async () => {
    const { pub, sub, subscriberId, uri } = await setup();
    assert.equal((await sub.request('create', uri, subscriberDescription(subscriberId, sub.connectionId))).status, 200);
    await pub.waitForMessage('generateoffer', `/subscriber/${subscriberId}`);
    const r = await sub.request('delete', uri, {});
    assert.equal(r.status, 200, JSON.stringify(r.payload));
    const d = await pub.waitForMessage('deleted', `/subscriber/${subscriberId}`);
    assert.equal(d.raptor.uri, uri);
    assert.equal(d.headers['X-TB-FROM-ADDRESS'], sub.connectionId);
    assert.deepEqual(d.raptor.content, {});
  });

  test('a subscribing connection that leaves: the publisher gets `subscriber deleted`', T, async () => {
    const { pub, sub, subscriberId, uri } = await setup();
    assert.equal((await sub.request('create', uri, subscriberDescription(subscriberId, sub.connectionId))).status, 200);
    await pub.waitForMessage('generateoffer', `/subscriber/${subscriberId}`);
    sub.sendFrame({ type: Type.DISCONNECT, headers: { reconnect: '' } });
    const d = await pub.waitForMessage('deleted', `/subscriber/${subscriberId}`);
    assert.equal(d.raptor.uri, uri);
    await pub.waitForMessage('deleted', `/connection/${sub.connectionId}`);
  });

  test('subscribing to a nonexistent stream → 404; no generateoffer anywhere', T, async () => {
    const { pub, sub } = await setup();
    const subscriberId = randomUUID();
    const r = await sub.request('create', `${sub.sessionUri()}/stream/${randomUUID()}/subscriber/${subscriberId}`,
      subscriberDescription(subscriberId, sub.connectionId));
    assert.equal(r.status, 404, JSON.stringify(r.payload));
    assert.equal(typeof r.payload?.reason, 'string');
    assert.ok(await noneWithin(pub, isMsg('generateoffer')));
  });
});

describe(`signaling: transport (--max-frame-bytes ${MAX_FRAME})`, () => {
  let fx;
  before(async () => { fx = await signalingServer(['--max-frame-bytes', String(MAX_FRAME)]); });
  afterEach(async () => { await fx.closeClients(); });
  after(async () => { await fx?.stop(); });

  const PONG = Buffer.from([0, 0, 0, 5, 0, 0, 8, 0, 0]);

  async function pingPong(c) {
    const mark = c.mark();
    c.sendFrame({ type: Type.PING });
    const pong = await c.waitFor((f) => f.type === Type.PONG, { from: mark, what: 'PONG' });
    assert.deepEqual(pong.bytes, PONG, `PONG bytes ${pong.bytes.toString('hex')}`);
  }

  async function healthy() {
    const res = await request('GET', `${fx.server.url}/healthz`);
    assert.equal(res.status, 200, res.describe());
    assert.equal(fx.server.exitInfo, null, `parleyd exited: ${fx.server.logs()}`);
  }

  test('PING → PONG, exactly 00 00 00 05 00 00 08 00 00, before and after connecting', T, async () => {
    const c = await fx.open();
    await pingPong(c);
    const mark = c.mark();
    c.sendRaw(Buffer.from([0, 0, 0, 5, 0, 0, 7, 0, 0]));  // the PING bytes of docs/protocol.md §6.2
    await c.waitFor((f) => f.type === Type.PONG, { from: mark, what: 'second PONG' });
    const sid = await fx.session();
    const j = await fx.join(sid);
    await pingPong(j);
  });

  test('malformed binary frames are dropped; the socket and the server keep working', T, async () => {
    const sid = await fx.session();
    const a = await fx.join(sid);
    const b = await fx.join(sid);
    const fresh = await fx.open();
    const good = encodeFrame({ type: Type.PING });
    const bad = [
      Buffer.alloc(0),
      Buffer.from([0, 0, 0]),
      Buffer.concat([Buffer.from([0, 0, 0x03, 0xe8]), good.subarray(4)]),  // length 1000, 5 bytes follow
      Buffer.concat([Buffer.from([0xff, 0xff, 0xff, 0xff]), good.subarray(4)]),  // length 4 GiB
      Buffer.from([0, 0, 0, 4, 0, 0, 2, 3]),  // 3 addresses announced, none present, no header count
      Buffer.from([0, 0, 0, 8, 0, 0, 2, 1, 0xff, 0xff, 0x61, 0x62]),  // address of 65535 bytes, 2 present
      Buffer.from([0, 0, 0, 10, 0, 0, 2, 0, 2, 0, 1, 0x6b, 0, 5]),  // 2 headers, the first truncated
      crypto.randomBytes(64),
      crypto.randomBytes(1500),
    ];
    for (const c of [a, fresh]) {
      for (const bytes of bad) {
        c.sendRaw(bytes);
        await pingPong(c);  // same socket still answers
      }
    }
    await healthy();
    // The joined socket still executes requests; nothing reached the other client.
    const markB = b.mark();
    const r = await a.request('signal', `${a.sessionUri()}/signal/${randomUUID()}`, { type: 'after', data: 'bad frames' });
    assert.equal(r.status, 200, JSON.stringify(r.payload));
    const got = await b.waitForMessage('signal', '', { from: markB });
    assert.deepEqual(got.raptor.content, { type: 'after', data: 'bad frames' });
    assert.equal(b.received('signal', '', markB).length, 1, 'only the real signal was delivered');
  });

  test('malformed Raptor JSON → STATUS 400 {reason}; the socket keeps working', T, async () => {
    const sid = await fx.session();
    const a = await fx.join(sid);
    const b = await fx.join(sid);
    const su = a.sessionUri();
    const payloads = [
      '',
      'not json',
      '{"method":',
      '[]',
      '"a string"',
      '{"method":"signal"}',
      '{"uri":"' + su + '/signal/x","content":{}}',
      '{"method":"signal","uri":"/v1/bad","content":{}}',
      '{"method":"signal","uri":"' + su + '/signal/../x","content":{}}',
      '{"method":"signal","uri":"' + su + '//signal","content":{}}',
      '{"method":42,"uri":"' + su + '/signal/x","content":{}}',
      '{"method":"signal","uri":"' + su + '/signal/x","content":"text"}',
      '\u0000\u00ff\u0001',
    ];
    for (const payload of payloads) {
      const txid = randomUUID();
      a.sendFrame({ type: Type.MESSAGE, addresses: ['symphony.parley'],
        headers: { 'Content-Type': 'application/x-raptor+v2', 'TRANSACTION-ID': txid, 'X-TB-FROM-ADDRESS': a.connectionId }, payload });
      const st = await a.waitFor((f) => f.type === Type.STATUS && f.headers['TRANSACTION-ID'] === txid, { what: `STATUS for ${JSON.stringify(payload)}` });
      assert.equal(st.headers.STATUS, '400', `payload ${JSON.stringify(payload)} → STATUS ${st.headers.STATUS} ${st.payload}`);
      let body;
      assert.doesNotThrow(() => { body = JSON.parse(st.payload); }, `STATUS payload must be JSON: ${st.payload}`);
      assert.equal(typeof body.reason, 'string', `payload ${JSON.stringify(payload)} → ${st.payload}`);
    }
    await pingPong(a);
    await healthy();
    assert.equal(b.received('signal').length, 0, 'nothing delivered');
    const r = await a.request('signal', `${su}/signal/${randomUUID()}`, { type: 'ok' });
    assert.equal(r.status, 200);
    await b.waitForMessage('signal');
  });

  test('a text WebSocket message is ignored', T, async () => {
    const sid = await fx.session();
    const a = await fx.join(sid);
    const b = await fx.join(sid);
    await a.waitForMessage('created', `/connection/${b.connectionId}`);
    const markA = a.mark();
    const markB = b.mark();
    a.ws.send('hello', { binary: false });
    const frameAsText = encodeFrame({ type: Type.MESSAGE, addresses: ['symphony.parley'],
      headers: { 'TRANSACTION-ID': randomUUID(), 'X-TB-FROM-ADDRESS': a.connectionId },
      payload: JSON.stringify({ method: 'signal', uri: `${a.sessionUri()}/signal/${randomUUID()}`, content: { type: 't' } }) });
    a.ws.send(frameAsText.toString('latin1'), { binary: false });
    await pingPong(a);
    assert.deepEqual(a.frames.slice(markA).map((f) => f.type), [Type.PONG], 'only the PONG came back');
    assert.ok(await noneWithin(b, isMsg('signal'), 200, markB), 'the text frame must not be executed');
    assert.equal(a.closeCode, undefined);
  });

  test('a frame above --max-frame-bytes closes the socket; smaller ones pass', T, async () => {
    const sid = await fx.session();
    const a = await fx.join(sid);
    const b = await fx.join(sid);
    // Just under the limit: fine.
    const ok = await a.request('signal', `${a.sessionUri()}/signal/${randomUUID()}`, { type: 't', data: 'x'.repeat(MAX_FRAME - 600) });
    assert.equal(ok.status, 200, JSON.stringify(ok.payload));
    const txid = randomUUID();
    a.sendFrame({ type: Type.MESSAGE, addresses: ['symphony.parley'],
      headers: { 'TRANSACTION-ID': txid, 'X-TB-FROM-ADDRESS': a.connectionId },
      payload: JSON.stringify({ method: 'signal', uri: `${a.sessionUri()}/signal/${randomUUID()}`, content: { type: 't', data: 'y'.repeat(MAX_FRAME) } }) });
    const code = await Promise.race([a.closed, delay(3000).then(() => 'still open')]);
    assert.notEqual(code, 'still open', 'the server must close a socket that sent an oversized frame');
    assert.equal(a.frames.filter((f) => f.type === Type.STATUS && f.headers['TRANSACTION-ID'] === txid).length, 0);
    assert.equal(b.received('signal').filter((m) => m.raptor.content.data?.startsWith('y')).length, 0, 'oversized signal delivered');
    await pingPong(b);
    await healthy();
  });

  test('duplicate TRANSACTION-ID → the same STATUS again, the action runs once', T, async () => {
    const sid = await fx.session();
    const a = await fx.join(sid);
    const b = await fx.join(sid);
    const txid = randomUUID();
    const signal = encodeFrame({ type: Type.MESSAGE, addresses: ['symphony.parley'],
      headers: { 'Content-Type': 'application/x-raptor+v2', 'TRANSACTION-ID': txid, 'X-TB-FROM-ADDRESS': a.connectionId },
      payload: JSON.stringify({ method: 'signal', uri: `${a.sessionUri()}/signal/${randomUUID()}`, content: { type: 'dup', data: '1' } }) });
    a.sendRaw(signal);
    a.sendRaw(signal);
    await a.waitFor((f) => f.type === Type.STATUS && f.headers['TRANSACTION-ID'] === txid && a.frames.filter((g) => g.type === Type.STATUS && g.headers['TRANSACTION-ID'] === txid).length >= 2, { what: 'two STATUS frames' });
    const statuses = a.frames.filter((f) => f.type === Type.STATUS && f.headers['TRANSACTION-ID'] === txid);
    assert.equal(statuses.length, 2);
    assert.equal(statuses[0].headers.STATUS, '200');
    assert.equal(statuses[1].headers.STATUS, '200');
    assert.deepEqual(statuses[1].bytes, statuses[0].bytes, 'the repeated STATUS must be the same frame');
    await delay(300);
    assert.equal(b.received('signal').length, 1, 'the signal must be delivered once');
    assert.equal(a.received('signal').length, 1, 'the sender gets its broadcast once');

    // Same for a stream create: a second 200 (not 409) and one `stream created`.
    const streamId = randomUUID();
    const create = encodeFrame({ type: Type.MESSAGE, addresses: ['symphony.parley'],
      headers: { 'TRANSACTION-ID': 'tx-' + streamId, 'X-TB-FROM-ADDRESS': a.connectionId },
      payload: JSON.stringify({ method: 'create', uri: `${a.sessionUri()}/stream/${streamId}`, content: streamDescription(streamId) }) });
    a.sendRaw(create);
    a.sendRaw(create);
    await a.waitFor(() => a.frames.filter((f) => f.type === Type.STATUS && f.headers['TRANSACTION-ID'] === 'tx-' + streamId).length >= 2, { what: 'two STATUS frames' });
    assert.deepEqual(a.frames.filter((f) => f.type === Type.STATUS && f.headers['TRANSACTION-ID'] === 'tx-' + streamId).map((f) => f.headers.STATUS), ['200', '200']);
    await delay(300);
    assert.equal(b.received('created', `/stream/${streamId}`).length, 1, 'one `stream created`');
  });
});
