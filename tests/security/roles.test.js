// Attack suite: raw Raptor role escalation and impersonation by joined connections. A client
// that holds a valid token for one role tries what only another role, or another connection,
// may do. Each attempt is refused and the victim keeps its socket, its stream and its messages.
import { describe, before, after, afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { randomUUID } from 'node:crypto';

import {
  startServer, rumorFixture, assertVictimUnharmed, isMsg, signalUri, streamDescription, subscriberDescription, Type,
} from './lib/harness.js';

const T = { timeout: 30000 };
const MUTE = { reason: 'mute', channels: ['audio'], active: true, locked: false };

describe('attack: role escalation and impersonation', () => {
  let fx;
  before(async () => { fx = rumorFixture(await startServer()); });
  afterEach(async () => { await fx.closeClients(); });
  after(async () => { await fx?.stop(); });

  // The victim publishes a stream; `role` is the attacker's role; an observer watches.
  async function scene(role, { mediaMode = 'relayed' } = {}) {
    const sid = await fx.session(mediaMode);
    const victim = await fx.join(sid, { data: 'victim' });
    const observer = await fx.join(sid, { role: 'moderator', data: 'observer' });
    const attacker = await fx.join(sid, { role, data: 'attacker' });
    let streamId = null;
    if (mediaMode === 'relayed') {
      streamId = await fx.publish(victim);
      await attacker.waitForMessage('created', `/stream/${streamId}`);
      await observer.waitForMessage('created', `/stream/${streamId}`);
    }
    return { sid, victim, observer, attacker, streamId, su: attacker.sessionUri() };
  }

  // The victim's stream is still there, unchanged, for a new joiner.
  async function streamIntact(sid, streamId, name = '') {
    const late = await fx.join(sid);
    const st = late.state.stream.find((s) => s.id === streamId);
    assert.ok(st, `the victim's stream disappeared: ${JSON.stringify(late.state.stream)}`);
    assert.equal(st.name ?? '', name, `the victim's stream was renamed: ${JSON.stringify(st)}`);
    const video = (st.channel ?? []).find((c) => c.id === 'video1');
    assert.ok(video, `video channel missing: ${JSON.stringify(st)}`);
    assert.equal(video.active, true, `the victim's video channel was changed: ${JSON.stringify(video)}`);
    assert.equal(video.width, 640, `the victim's video channel was changed: ${JSON.stringify(video)}`);
    return late;
  }

  test('a subscriber cannot publish: 403, nothing announced', T, async () => {
    const { sid, victim, observer, attacker, su } = await scene('subscriber');
    const id = randomUUID();
    const r = await attacker.request('create', `${su}/stream/${id}`, streamDescription(id));
    assert.equal(r.status, 403, JSON.stringify(r.payload));
    await assertVictimUnharmed(fx, victim, { peer: observer });
    assert.equal(victim.received('created', `/stream/${id}`).length + observer.received('created', `/stream/${id}`).length, 0, 'the stream was announced');
    const late = await fx.join(sid);
    assert.ok(!late.state.stream.some((s) => s.id === id), 'the refused stream is in the session state');
  });

  test('a publisheronly connection cannot subscribe: 403, the publisher gets no generateoffer', T, async () => {
    const { victim, observer, attacker, streamId, su } = await scene('publisheronly');
    const subId = randomUUID();
    const r = await attacker.request('create', `${su}/stream/${streamId}/subscriber/${subId}`, subscriberDescription(subId, attacker.connectionId));
    assert.equal(r.status, 403, JSON.stringify(r.payload));
    await assertVictimUnharmed(fx, victim, { peer: observer });
    assert.equal(victim.received('generateoffer').length, 0, 'the publisher was asked for an offer');
  });

  for (const role of ['publisher', 'subscriber', 'publisheronly']) {
    test(`a ${role} cannot moderate: forceDisconnect, forceUnpublish, forceMute, mute-all → 403`, T, async () => {
      const { sid, victim, observer, attacker, streamId, su } = await scene(role);
      const mark = victim.mark();
      const tries = [
        ['delete', `${su}/connection/${victim.connectionId}`, {}],
        ['delete', `${su}/connection/${observer.connectionId}`, {}],
        ['delete', `${su}/stream/${streamId}`, {}],
        ['update', `${su}/stream/${streamId}`, MUTE],
        ['update', su, { ...MUTE, exclusion: [] }],
        ['update', su, { reason: 'mute', active: true }],
      ];
      for (const [method, uri, content] of tries) {
        const r = await attacker.request(method, uri, content);
        assert.equal(r.status, 403, `${method} ${uri}: ${JSON.stringify(r.payload)}`);
      }
      await assertVictimUnharmed(fx, victim, { peer: observer });
      const got = victim.frames.slice(mark).filter((f) => f.type === Type.MESSAGE && f.raptor.method !== 'signal');
      assert.deepEqual(got.map((f) => f.payload), [], 'the victim was told something');
      assert.equal(observer.closeCode, undefined, 'the observer was disconnected');
      await streamIntact(sid, streamId);
    });
  }

  test('touching another connection\'s stream: channel update, rename, delete, re-create with its id → refused, nothing echoed', T, async () => {
    const { sid, victim, observer, attacker, streamId, su } = await scene('publisher');
    const markObs = observer.mark();
    const tries = [
      ['update', `${su}/stream/${streamId}/channel/video1`, { active: false, width: 1, height: 1 }],
      ['update', `${su}/stream/${streamId}/channel/audio1`, { active: false }],
      ['delete', `${su}/stream/${streamId}`, {}],
      ['create', `${su}/stream/${streamId}`, streamDescription(streamId, { name: 'pwned' })],
    ];
    for (const [method, uri, content] of tries) {
      const r = await attacker.request(method, uri, content);
      assert.ok(r.status >= 400, `${method} ${uri} → ${r.status} ${JSON.stringify(r.payload)}`);
    }
    // A plain stream update (no mute) from a stranger must not change anything either.
    const rename = await attacker.request('update', `${su}/stream/${streamId}`, { name: 'pwned' });
    assert.ok(rename.status === 403 || rename.status === 200, `rename → ${rename.status}`);
    await assertVictimUnharmed(fx, victim, { peer: observer });
    for (const c of [victim, observer]) {
      const touched = c.frames.slice(c === observer ? markObs : 0).filter((f) => f.type === Type.MESSAGE && f.raptor.uri.includes(`/stream/${streamId}`) && f.raptor.method !== 'created');
      assert.deepEqual(touched.map((f) => f.payload), [], 'a change of the victim\'s stream was announced');
    }
    await streamIntact(sid, streamId);
  });

  test('touching another connection\'s subscriber: hijacked subscriber id, delete, channel update, JSEP → refused', T, async () => {
    const { victim, observer, attacker, streamId, su } = await scene('publisher');
    // The observer subscribes to the victim's stream; the victim (publisher) gets generateoffer.
    const subId = randomUUID();
    const uri = `${su}/stream/${streamId}/subscriber/${subId}`;
    assert.equal((await observer.request('create', uri, subscriberDescription(subId, observer.connectionId))).status, 200);
    const g = await victim.waitForMessage('generateoffer', `/subscriber/${subId}`);
    const { peerId } = g.raptor.content;
    const markV = victim.mark();
    const markO = observer.mark();
    const tries = [
      ['create', uri, subscriberDescription(subId, attacker.connectionId)],
      ['delete', uri, {}],
      ['update', `${uri}/channel/video1`, { active: false }],
      ['offer', uri, { peerId, sourceStreamId: 'P2P', type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 203.0.113.9\r\ns=-\r\nt=0 0\r\n' }],
      ['answer', uri, { peerId, sourceStreamId: 'P2P', type: 'answer', sdp: 'v=0\r\no=- 1 2 IN IP4 203.0.113.9\r\ns=-\r\nt=0 0\r\n' }],
      ['candidate', uri, { peerId, sourceStreamId: 'P2P', candidate: 'candidate:1 1 udp 2122260223 203.0.113.9 9 typ host', sdpMid: '0', sdpMLineIndex: 0 }],
    ];
    for (const [method, u, content] of tries) {
      const r = await attacker.request(method, u, content);
      assert.ok(r.status >= 400, `${method} ${u} → ${r.status} ${JSON.stringify(r.payload)}`);
    }
    await assertVictimUnharmed(fx, victim, { peer: observer });
    await assertVictimUnharmed(fx, observer, { peer: victim, what: 'subscriber' });
    for (const [c, mark] of [[victim, markV], [observer, markO]]) {
      const got = c.frames.slice(mark).filter((f) => f.type === Type.MESSAGE && f.raptor.uri.includes(`/subscriber/${subId}`));
      assert.deepEqual(got.map((f) => f.payload), [], 'something of the attacker reached the peer connection');
    }
    // The real subscriber still negotiates with the publisher.
    assert.equal((await victim.request('candidate', uri, { peerId, sourceStreamId: 'P2P', candidate: 'candidate:1 1 udp 1 192.0.2.1 5 typ host', sdpMid: '0', sdpMLineIndex: 0 })).status, 200);
    await observer.waitForMessage('candidate', `/subscriber/${subId}`);
  });

  test('routed: a stranger cannot negotiate the victim\'s publication (offer on its stream URI → 403)', T, async () => {
    const { victim, observer, attacker, su } = await scene('publisher', { mediaMode: 'routed' });
    const streamId = randomUUID();
    assert.equal((await victim.request('create', `${victim.sessionUri()}/stream/${streamId}`, streamDescription(streamId))).status, 200);
    const g = await victim.waitForMessage('generateoffer', `/stream/${streamId}`);
    const sdp = fs.readFileSync(new URL('../../server/fuzz/corpus/sdp/chrome_publisher_offer.sdp', import.meta.url), 'utf8');
    const mark = victim.mark();
    for (const method of ['offer', 'answer']) {
      const r = await attacker.request(method, `${su}/stream/${streamId}`, { peerId: g.raptor.content.peerId, sourceStreamId: 'MANTIS', type: method, sdp });
      assert.ok(r.status >= 400, `${method} → ${r.status} ${JSON.stringify(r.payload)}`);
    }
    assert.equal(attacker.received('answer').length, 0, 'the SFU answered the stranger');
    await assertVictimUnharmed(fx, victim, { peer: observer });
    assert.equal(victim.received('answer', '', mark).length, 0, 'the victim got an answer it did not ask for');
  });

  test('sender spoofing: X-TB-FROM-ADDRESS of another connection is ignored; receivers see the real sender', T, async () => {
    const sid = await fx.session();
    const victim = await fx.join(sid, { role: 'moderator', data: 'victim' });
    const attacker = await fx.join(sid, { data: 'attacker' });
    const normal = await fx.join(sid, { data: 'normal' });
    // A receiver that does not track connections gets the sender inline (docs/protocol.md §7.4).
    const suppressed = await fx.join(sid, { data: 'suppressed', content: { connectionEventsSuppressed: true } });
    const spoof = (to, type, extra = {}) => {
      const txid = randomUUID();
      attacker.sendFrame({ type: Type.MESSAGE, addresses: ['symphony.parley', victim.connectionId],
        headers: { 'Content-Type': 'application/x-raptor+v2', 'TRANSACTION-ID': txid, 'X-TB-FROM-ADDRESS': victim.connectionId, ...extra },
        payload: JSON.stringify({ method: 'signal', uri: signalUri(attacker, to), content: { type, data: 'i am the moderator', fromConnection: { id: victim.connectionId, data: 'victim' }, connection: { id: victim.connectionId }, from: victim.connectionId } }) });
      return attacker.waitFor((f) => f.type === Type.STATUS && f.headers['TRANSACTION-ID'] === txid, { what: 'STATUS of the spoofed signal' });
    };
    await spoof(null, 'spoof1');
    await spoof(normal.connectionId, 'spoof2');
    await spoof(suppressed.connectionId, 'spoof3', { 'X-TB-FROM-ADDRESS ': victim.connectionId });
    for (const [c, types] of [[normal, ['spoof1', 'spoof2']], [suppressed, ['spoof1', 'spoof3']], [victim, ['spoof1']]]) {
      for (const type of types) {
        const m = await c.waitFor((f) => isMsg('signal')(f) && f.raptor.content.type === type, { what: `${type} at ${c.connectionId}` });
        assert.equal(m.headers['X-TB-FROM-ADDRESS'], attacker.connectionId, `${type}: the receiver sees a spoofed sender`);
        const content = m.raptor.content;
        assert.ok(content.from === undefined || content.from === attacker.connectionId, `${type}: spoofed 'from' relayed: ${m.payload}`);
        for (const key of ['fromConnection', 'connection']) {
          if (content[key] !== undefined) assert.equal(content[key].id, attacker.connectionId, `${type}: spoofed '${key}' relayed: ${m.payload}`);
        }
        if (c === suppressed) assert.equal(content.connection?.id, attacker.connectionId, `${type}: the inline sender must be the attacker: ${m.payload}`);
      }
    }
    await assertVictimUnharmed(fx, victim, { peer: normal });
  });

  test('cross-session: a signal to a connection of another session, or a request naming another session → refused', T, async () => {
    const sid = await fx.session();
    const victim = await fx.join(sid, { role: 'moderator' });
    const peer = await fx.join(sid);
    const streamId = await fx.publish(victim);
    const other = await fx.session();
    const attacker = await fx.join(other, { role: 'moderator' });
    const victimSu = victim.sessionUri();
    const tries = [
      ['signal', `${attacker.sessionUri()}/connection/${victim.connectionId}/signal/${randomUUID()}`, { type: 'x', data: 'y' }],
      ['signal', `${victimSu}/signal/${randomUUID()}`, { type: 'x', data: 'y' }],
      ['signal', `${victimSu}/connection/${victim.connectionId}/signal/${randomUUID()}`, { type: 'x', data: 'y' }],
      ['delete', `${victimSu}/connection/${victim.connectionId}`, {}],
      ['delete', `${attacker.sessionUri()}/connection/${victim.connectionId}`, {}],
      ['delete', `${victimSu}/stream/${streamId}`, {}],
      ['delete', `${attacker.sessionUri()}/stream/${streamId}`, {}],
      ['update', `${victimSu}/stream/${streamId}`, MUTE],
      ['update', victimSu, { ...MUTE, exclusion: [] }],
    ];
    for (const [method, uri, content] of tries) {
      const r = await attacker.request(method, uri, content);
      assert.ok(r.status >= 400, `${method} ${uri} → ${r.status} ${JSON.stringify(r.payload)}`);
    }
    await assertVictimUnharmed(fx, victim, { peer });
    assert.equal(victim.received('signal').filter((f) => f.raptor.content.type === 'x').length, 0, 'a signal crossed sessions');
    assert.equal(victim.received('update').length + victim.received('deleted').length, 0, 'a moderation crossed sessions');
  });
});
