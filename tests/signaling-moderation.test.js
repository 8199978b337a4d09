// Raptor roles, moderation (force disconnect / unpublish / mute, mute all), signals and the
// REST live-session actions driven by the official Node SDK, observed on the Rumor wire.
// Protocol: docs/protocol.md §2.5, §3.3, §3.4.4–§3.4.7, §7.7, §7.8.
import { describe, before, after, afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';

import { signalingServer, streamDescription, subscriberDescription, noneWithin, delay, sdk, Type } from './lib/signaling-fixture.js';

const T = { timeout: 20000 };
const MUTE_REQUEST = { reason: 'mute', channels: ['audio'], active: true, locked: false };
const MUTE_STREAM_MESSAGE = { reason: 'mute', active: true, channels: ['audio'] };

const isMsg = (method, uriPart = '') => (f) => f.type === Type.MESSAGE && f.raptor.method === method && f.raptor.uri.includes(uriPart);
const signalUri = (c, target) => `${c.sessionUri()}${target ? `/connection/${target}` : ''}/signal/${randomUUID()}`;

// Waits until every client in `list` has seen `method` on `uriPart`.
const allSee = (list, method, uriPart, opts) => Promise.all(list.map((c) => c.waitForMessage(method, uriPart, opts)));

describe('signaling: roles and moderation', () => {
  let fx;
  before(async () => { fx = await signalingServer(); });
  afterEach(async () => { await fx.closeClients(); });
  after(async () => { await fx?.stop(); });

  test('a subscriber cannot publish: 403 forbiddenConnection, nothing announced', T, async () => {
    const sid = await fx.session();
    const sub = await fx.join(sid, { role: 'subscriber' });
    const other = await fx.join(sid);
    const streamId = randomUUID();
    const r = await sub.request('create', `${sub.sessionUri()}/stream/${streamId}`, streamDescription(streamId));
    assert.equal(r.status, 403, JSON.stringify(r.payload));
    assert.equal(r.payload?.reason, 'forbiddenConnection');
    assert.ok(await noneWithin(other, isMsg('created', '/stream/')));
  });

  test('a publisheronly connection cannot subscribe: 403, no generateoffer', T, async () => {
    const sid = await fx.session();
    const pub = await fx.join(sid);
    const po = await fx.join(sid, { role: 'publisheronly' });
    const streamId = randomUUID();
    await fx.publish(pub, streamId);
    const subId = randomUUID();
    const r = await po.request('create', `${po.sessionUri()}/stream/${streamId}/subscriber/${subId}`, subscriberDescription(subId, po.connectionId));
    assert.equal(r.status, 403, JSON.stringify(r.payload));
    assert.equal(typeof r.payload?.reason, 'string');
    assert.ok(await noneWithin(pub, isMsg('generateoffer')));
    // A publisheronly connection may still publish.
    await fx.publish(po, randomUUID());
  });

  test('a publisher cannot force-disconnect, force-unpublish, force-mute or mute all (403)', T, async () => {
    const sid = await fx.session();
    const pub = await fx.join(sid);
    const victim = await fx.join(sid);
    const streamId = randomUUID();
    await fx.publish(victim, streamId);
    await pub.waitForMessage('created', `/stream/${streamId}`);
    const mark = victim.mark();
    const tries = [
      ['delete', `${pub.sessionUri()}/connection/${victim.connectionId}`, {}],
      ['delete', `${pub.sessionUri()}/stream/${streamId}`, {}],
      ['update', `${pub.sessionUri()}/stream/${streamId}`, MUTE_REQUEST],
      ['update', pub.sessionUri(), { ...MUTE_REQUEST, exclusion: [] }],
    ];
    for (const [method, uri, content] of tries) {
      const r = await pub.request(method, uri, content);
      assert.equal(r.status, 403, `${method} ${uri}: ${JSON.stringify(r.payload)}`);
      assert.equal(typeof r.payload?.reason, 'string');
    }
    await delay(300);
    assert.equal(victim.frames.slice(mark).filter((f) => f.type === Type.MESSAGE).length, 0,
      `nothing may reach the victim: ${victim.frames.slice(mark).map((f) => f.payload).join('\n')}`);
    assert.equal(victim.closeCode, undefined, 'victim still connected');
    // Its stream is intact: a later joiner sees it.
    const late = await fx.join(sid);
    assert.deepEqual(late.state.stream.map((s) => s.id), [streamId]);
  });

  test('moderator force-disconnects: streams then connection deleted (forceDisconnected) for all incl. the target, whose socket is closed', T, async () => {
    const sid = await fx.session();
    const mod = await fx.join(sid, { role: 'moderator' });
    const target = await fx.join(sid);
    const observer = await fx.join(sid);
    const streamId = randomUUID();
    await fx.publish(target, streamId);
    const r = await mod.request('delete', `${mod.sessionUri()}/connection/${target.connectionId}`, {});
    assert.equal(r.status, 200, JSON.stringify(r.payload));
    for (const c of [mod, observer, target]) {
      const conn = await c.waitForMessage('deleted', `/connection/${target.connectionId}`);
      assert.equal(conn.raptor.reason, 'forceDisconnected', conn.payload);
      assert.equal(conn.raptor.uri, `${c.sessionUri()}/connection/${target.connectionId}`);
      const st = c.received('deleted', `/stream/${streamId}`);
      assert.equal(st.length, 1, 'the target\'s stream is deleted first');
      assert.equal(st[0].raptor.reason, 'forceDisconnected');
      assert.ok(c.frames.indexOf(st[0]) < c.frames.indexOf(conn));
    }
    const code = await Promise.race([target.closed, delay(3000).then(() => 'still open')]);
    assert.notEqual(code, 'still open', 'the server must close the target\'s socket');
    const late = await fx.join(sid);
    assert.ok(!late.state.connection.some((x) => x.id === target.connectionId));
    assert.deepEqual(late.state.stream, []);
    // Force-disconnecting someone who is not there: 404.
    const again = await mod.request('delete', `${mod.sessionUri()}/connection/${target.connectionId}`, {});
    assert.equal(again.status, 404, JSON.stringify(again.payload));
  });

  test('moderator force-unpublishes: `deleted` reason forceUnpublished to all; the owner stays connected', T, async () => {
    const sid = await fx.session();
    const mod = await fx.join(sid, { role: 'moderator' });
    const owner = await fx.join(sid);
    const streamId = randomUUID();
    await fx.publish(owner, streamId);
    const r = await mod.request('delete', `${mod.sessionUri()}/stream/${streamId}`, {});
    assert.equal(r.status, 200, JSON.stringify(r.payload));
    for (const c of await allSee([mod, owner], 'deleted', `/stream/${streamId}`)) {
      assert.equal(c.raptor.reason, 'forceUnpublished', c.payload);
      assert.deepEqual(c.raptor.content, {});
    }
    assert.ok(await noneWithin(mod, isMsg('deleted', `/connection/${owner.connectionId}`)));
    const s = await owner.request('signal', signalUri(owner), { type: 'still', data: 'here' });
    assert.equal(s.status, 200);
    const gone = await mod.request('delete', `${mod.sessionUri()}/stream/${streamId}`, {});
    assert.equal(gone.status, 404, 'force-unpublishing a gone stream');
  });

  test('moderator force-mutes a stream: its owner gets `update` {reason:mute,active:true,channels:[audio]}', T, async () => {
    const sid = await fx.session();
    const mod = await fx.join(sid, { role: 'moderator' });
    const owner = await fx.join(sid);
    const streamId = randomUUID();
    await fx.publish(owner, streamId);
    const r = await mod.request('update', `${mod.sessionUri()}/stream/${streamId}`, MUTE_REQUEST);
    assert.equal(r.status, 200, JSON.stringify(r.payload));
    const m = await owner.waitForMessage('update', `/stream/${streamId}`);
    assert.equal(m.raptor.uri, `${owner.sessionUri()}/stream/${streamId}`);
    assert.deepEqual(m.raptor.content, MUTE_STREAM_MESSAGE);
    const missing = await mod.request('update', `${mod.sessionUri()}/stream/${randomUUID()}`, MUTE_REQUEST);
    assert.equal(missing.status, 404, JSON.stringify(missing.payload));
  });

  test('moderator mutes all with an exclusion; later joiners see mute.active; active:false clears it', T, async () => {
    const sid = await fx.session();
    const mod = await fx.join(sid, { role: 'moderator' });
    const a = await fx.join(sid);
    const b = await fx.join(sid);
    const sa = randomUUID();
    const sb = randomUUID();
    await fx.publish(a, sa);
    await fx.publish(b, sb);
    const r = await mod.request('update', mod.sessionUri(), { ...MUTE_REQUEST, exclusion: [sb] });
    assert.equal(r.status, 200, JSON.stringify(r.payload));
    for (const c of [mod, a, b]) {
      const m = await c.waitFor((f) => isMsg('update')(f) && f.raptor.uri === c.sessionUri(), { what: 'session update' });
      assert.deepEqual(m.raptor.content, { reason: 'mute', active: true });
    }
    const ma = await a.waitForMessage('update', `/stream/${sa}`);
    assert.deepEqual(ma.raptor.content, MUTE_STREAM_MESSAGE);
    assert.ok(await noneWithin(b, isMsg('update', `/stream/${sb}`)), 'the excluded stream must not be muted');

    const late = await fx.join(sid);
    assert.deepEqual(late.state.mute, { active: true }, `state: ${JSON.stringify(late.state)}`);
    // A publisher that starts while mute-all is active starts muted (docs/protocol.md §7.8.3).
    const sl = randomUUID();
    await fx.publish(late, sl);
    const ml = await late.waitForMessage('update', `/stream/${sl}`);
    assert.deepEqual(ml.raptor.content, MUTE_STREAM_MESSAGE);

    const marks = [mod, a, b, late].map((c) => c.mark());
    const off = await mod.request('update', mod.sessionUri(), { ...MUTE_REQUEST, active: false });
    assert.equal(off.status, 200, JSON.stringify(off.payload));
    for (const [i, c] of [mod, a, b, late].entries()) {
      const m = await c.waitFor((f) => isMsg('update')(f) && f.raptor.uri === c.sessionUri(), { from: marks[i], what: 'session update (off)' });
      assert.deepEqual(m.raptor.content, { reason: 'mute', active: false });
    }
    const later = await fx.join(sid);
    assert.ok(later.state.mute === undefined || later.state.mute.active === false, `state after disable: ${JSON.stringify(later.state)}`);
    const s2 = randomUUID();
    await fx.publish(later, s2);
    assert.ok(await noneWithin(later, isMsg('update', `/stream/${s2}`)), 'no mute after disable');
  });
});

describe('signaling: signals (--signal-rate 5)', () => {
  let fx;
  before(async () => { fx = await signalingServer(['--signal-rate', '5']); });
  afterEach(async () => { await fx.closeClients(); });
  after(async () => { await fx?.stop(); });

  async function three() {
    const sid = await fx.session();
    const a = await fx.join(sid);
    const b = await fx.join(sid);
    const c = await fx.join(sid, { role: 'subscriber' });
    await a.waitForMessage('created', `/connection/${c.connectionId}`);
    await b.waitForMessage('created', `/connection/${c.connectionId}`);
    return { sid, a, b, c };
  }

  test('broadcast reaches everyone incl. the sender, from = sender, same URI and content', T, async () => {
    const { a, b, c } = await three();
    const uri = signalUri(c);
    const r = await c.request('signal', uri, { type: 'chat', data: 'hi from sub' });
    assert.equal(r.status, 200, JSON.stringify(r.payload));
    for (const x of [a, b, c]) {
      const m = await x.waitForMessage('signal');
      assert.equal(m.raptor.uri, uri);
      assert.equal(m.headers['X-TB-FROM-ADDRESS'], c.connectionId);
      assert.deepEqual(m.raptor.content, { type: 'chat', data: 'hi from sub' });
    }
    // type and data are each optional.
    const r2 = await a.request('signal', signalUri(a), {});
    assert.equal(r2.status, 200);
    const m2 = await b.waitFor((f) => isMsg('signal')(f) && f.headers['X-TB-FROM-ADDRESS'] === a.connectionId, { what: 'empty signal' });
    assert.deepEqual(m2.raptor.content, {});
  });

  test('a targeted signal reaches only its target', T, async () => {
    const { a, b, c } = await three();
    const uri = signalUri(a, b.connectionId);
    const r = await a.request('signal', uri, { type: 'dm', data: 'psst' });
    assert.equal(r.status, 200, JSON.stringify(r.payload));
    const m = await b.waitForMessage('signal');
    assert.equal(m.headers['X-TB-FROM-ADDRESS'], a.connectionId);
    assert.deepEqual(m.raptor.content, { type: 'dm', data: 'psst' });
    assert.ok(await noneWithin(a, isMsg('signal')), 'not to the sender');
    assert.equal(c.received('signal').length, 0, 'not to others');
  });

  test('target = the session id is a broadcast (docs/protocol.md §7.7.1 quirk)', T, async () => {
    const { sid, a, b, c } = await three();
    const r = await b.request('signal', signalUri(b, sid), { type: 'all' });
    assert.equal(r.status, 200, JSON.stringify(r.payload));
    for (const x of [a, b, c]) {
      const m = await x.waitForMessage('signal');
      assert.equal(m.headers['X-TB-FROM-ADDRESS'], b.connectionId);
      assert.deepEqual(m.raptor.content, { type: 'all' });
    }
  });

  test('connectionEventsSuppressed: no other connections\' created/deleted, sender inline in signals', T, async () => {
    const sid = await fx.session();
    const a = await fx.join(sid, { data: 'who=a' });
    const quiet = await fx.join(sid, { content: { connectionEventsSuppressed: true } });
    const b = await fx.join(sid, { data: 'who=b' });
    await a.waitForMessage('created', `/connection/${b.connectionId}`);
    assert.equal(quiet.received('created', '/connection/').length, 1, 'only its own `connection created`');
    const r = await b.request('signal', signalUri(b), { type: 'hello', data: 'q' });
    assert.equal(r.status, 200);
    const m = await quiet.waitForMessage('signal');
    assert.equal(m.headers['X-TB-FROM-ADDRESS'], b.connectionId);
    assert.equal(m.raptor.content.type, 'hello');
    assert.equal(m.raptor.content.connection?.id, b.connectionId, `sender inline: ${m.payload}`);
    assert.equal(m.raptor.content.connection?.data, 'who=b');
    const plain = await a.waitForMessage('signal');
    assert.deepEqual(plain.raptor.content, { type: 'hello', data: 'q' }, 'ordinary receivers get the plain content');
    b.sendFrame({ type: Type.DISCONNECT, headers: { reconnect: '' } });
    await a.waitForMessage('deleted', `/connection/${b.connectionId}`);
    assert.ok(await noneWithin(quiet, isMsg('deleted', '/connection/')), 'no `connection deleted` for others');
  });

  test('an unknown target → 404, nothing delivered', T, async () => {
    const { a, b } = await three();
    const r = await a.request('signal', signalUri(a, randomUUID()), { type: 'x', data: 'y' });
    assert.equal(r.status, 404, JSON.stringify(r.payload));
    assert.equal(typeof r.payload?.reason, 'string');
    assert.ok(await noneWithin(b, isMsg('signal')));
    assert.equal(a.received('signal').length, 0);
  });

  test('type limits: 128 chars OK, 129 → 400, bad characters → 400', T, async () => {
    const { a, b } = await three();
    const ok = await a.request('signal', signalUri(a), { type: 'A-z0.9_~'.repeat(16) });
    assert.equal(ok.status, 200, `128-char type: ${JSON.stringify(ok.payload)}`);
    for (const type of ['t'.repeat(129), 'has space', 'slash/', 'é', 'semi;colon', 42]) {
      const r = await a.request('signal', signalUri(a), { type, data: 'x' });
      assert.equal(r.status, 400, `type ${JSON.stringify(type)}: ${JSON.stringify(r.payload)}`);
      assert.equal(typeof r.payload?.reason, 'string');
    }
    await delay(300);
    assert.equal(b.received('signal').length, 1, 'only the valid signal was delivered');
  });

  test('data: 8192 serialised chars OK, more → 413', T, async () => {
    const { a, b } = await three();
    const ok = await a.request('signal', signalUri(a), { type: 'big', data: 'x'.repeat(8190) });  // "…" = 8192 chars
    assert.equal(ok.status, 200, JSON.stringify(ok.payload));
    const r = await a.request('signal', signalUri(a), { type: 'big', data: 'x'.repeat(8191) });
    assert.equal(r.status, 413, JSON.stringify(r.payload));
    const r2 = await a.request('signal', signalUri(a), { type: 'big', data: 'x'.repeat(20000) });
    assert.equal(r2.status, 413, JSON.stringify(r2.payload));
    await delay(300);
    assert.equal(b.received('signal').length, 1, 'only the valid signal was delivered');
    assert.equal(b.received('signal')[0].raptor.content.data.length, 8190);
  });

  test('a burst over --signal-rate 5 gets some 429s; accepted ones are delivered, and the rate recovers', T, async () => {
    const { a, b } = await three();
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => a.request('signal', signalUri(a), { type: 'burst', data: String(i) })));
    const codes = results.map((r) => r.status);
    const accepted = codes.filter((s) => s === 200).length;
    const limited = codes.filter((s) => s === 429).length;
    assert.equal(accepted + limited, 30, `only 200 or 429 expected: ${codes}`);
    assert.ok(limited > 0, `some signals must be rate-limited: ${codes}`);
    assert.ok(accepted >= 10 && accepted <= 16, `burst of about 2.5×5 accepted, got ${accepted}: ${codes}`);
    await delay(300);
    assert.equal(b.received('signal').length, accepted, 'exactly the accepted signals are delivered');
    // Another connection has its own budget.
    assert.equal((await b.request('signal', signalUri(b), { type: 'other' })).status, 200);
    await delay(1000);
    assert.equal((await a.request('signal', signalUri(a), { type: 'later' })).status, 200, 'tokens refill at 5/s');
  });
});

describe('signaling: REST live-session actions via the Node SDK', () => {
  let fx;
  before(async () => { fx = await signalingServer(); });
  afterEach(async () => { await fx.closeClients(); });
  after(async () => { await fx?.stop(); });

  test('opentok.signal to the session: everyone gets it with an EMPTY X-TB-FROM-ADDRESS', T, async () => {
    const sid = await fx.session();
    const a = await fx.join(sid);
    const b = await fx.join(sid, { role: 'subscriber' });
    await sdk(fx.ot, 'signal', sid, null, { type: 'x', data: 'y' });
    for (const c of [a, b]) {
      const m = await c.waitForMessage('signal');
      assert.ok('X-TB-FROM-ADDRESS' in m.headers, 'X-TB-FROM-ADDRESS must be present');
      assert.equal(m.headers['X-TB-FROM-ADDRESS'], '');
      assert.deepEqual(m.raptor.content, { type: 'x', data: 'y' });
      assert.ok(m.raptor.uri.startsWith(`${c.sessionUri()}/`) && /\/signal\/[^/]+$/.test(m.raptor.uri), m.raptor.uri);
    }
  });

  test('opentok.signal to one connection reaches only it', T, async () => {
    const sid = await fx.session();
    const a = await fx.join(sid);
    const b = await fx.join(sid);
    await sdk(fx.ot, 'signal', sid, b.connectionId, { type: 'only', data: 'you' });
    const m = await b.waitForMessage('signal');
    assert.equal(m.headers['X-TB-FROM-ADDRESS'], '');
    assert.deepEqual(m.raptor.content, { type: 'only', data: 'you' });
    assert.ok(await noneWithin(a, isMsg('signal')));
  });

  test('opentok.forceDisconnect kicks the connection', T, async () => {
    const sid = await fx.session();
    const a = await fx.join(sid);
    const b = await fx.join(sid);
    await sdk(fx.ot, 'forceDisconnect', sid, b.connectionId);
    for (const c of [a, b]) {
      const m = await c.waitForMessage('deleted', `/connection/${b.connectionId}`);
      assert.equal(m.raptor.reason, 'forceDisconnected');
    }
    const code = await Promise.race([b.closed, delay(3000).then(() => 'still open')]);
    assert.notEqual(code, 'still open', 'the server must close the kicked socket');
  });

  test('opentok.listStreams and opentok.getStream return the published streams', T, async () => {
    const sid = await fx.session();
    const a = await fx.join(sid);
    const cam = randomUUID();
    const screen = randomUUID();
    await fx.publish(a, cam, { name: 'cam-A' });
    await fx.publish(a, screen, { name: 'screen-A', source: 'screen' });
    const list = await sdk(fx.ot, 'listStreams', sid);
    assert.ok(Array.isArray(list), `listStreams → ${JSON.stringify(list)}`);
    const byId = Object.fromEntries(list.map((s) => [s.id, s]));
    assert.deepEqual(Object.keys(byId).sort(), [cam, screen].sort());
    assert.equal(byId[cam].videoType, 'camera');
    assert.equal(byId[cam].name, 'cam-A');
    assert.equal(byId[screen].videoType, 'screen');
    assert.equal(byId[screen].name, 'screen-A');
    const one = await sdk(fx.ot, 'getStream', sid, cam);
    assert.equal(one.id, cam);
    assert.equal(one.videoType, 'camera');
    assert.equal(one.name, 'cam-A');
    assert.ok(Array.isArray(one.layoutClassList), `layoutClassList: ${JSON.stringify(one)}`);
    await assert.rejects(sdk(fx.ot, 'getStream', sid, randomUUID()), (err) => /not found/i.test(err.message) || err.name === 'NotFoundError');
  });

  test('opentok.forceMuteAll with excludedStreamIds, forceMuteStream and disableForceMute', T, async () => {
    const sid = await fx.session();
    const a = await fx.join(sid);
    const b = await fx.join(sid);
    const sa = randomUUID();
    const sb = randomUUID();
    await fx.publish(a, sa);
    await fx.publish(b, sb);
    await sdk(fx.ot, 'forceMuteAll', sid, { excludedStreamIds: [sb] });
    for (const c of [a, b]) {
      const m = await c.waitFor((f) => isMsg('update')(f) && f.raptor.uri === c.sessionUri(), { what: 'session update' });
      assert.deepEqual(m.raptor.content, { reason: 'mute', active: true });
    }
    assert.deepEqual((await a.waitForMessage('update', `/stream/${sa}`)).raptor.content, MUTE_STREAM_MESSAGE);
    assert.ok(await noneWithin(b, isMsg('update', `/stream/${sb}`)), 'excluded stream muted');
    const late = await fx.join(sid);
    assert.deepEqual(late.state.mute, { active: true });

    await sdk(fx.ot, 'forceMuteStream', sid, sb);
    assert.deepEqual((await b.waitForMessage('update', `/stream/${sb}`)).raptor.content, MUTE_STREAM_MESSAGE);

    const marks = [a, b].map((c) => c.mark());
    await sdk(fx.ot, 'disableForceMute', sid);
    for (const [i, c] of [a, b].entries()) {
      const m = await c.waitFor((f) => isMsg('update')(f) && f.raptor.uri === c.sessionUri(), { from: marks[i], what: 'session update (off)' });
      assert.deepEqual(m.raptor.content, { reason: 'mute', active: false });
    }
    const later = await fx.join(sid);
    assert.ok(later.state.mute === undefined || later.state.mute.active === false, JSON.stringify(later.state));
  });

  test('REST actions on a session with nobody connected → the SDK\'s not-found errors', T, async () => {
    const sid = await fx.session();
    const notFound = (err) => /not found/i.test(err.message);
    await assert.rejects(sdk(fx.ot, 'signal', sid, null, { type: 'x', data: 'y' }), (err) => err.name === 'SignalError' || notFound(err));
    await assert.rejects(sdk(fx.ot, 'signal', sid, randomUUID(), { type: 'x', data: 'y' }), notFound);
    await assert.rejects(sdk(fx.ot, 'forceDisconnect', sid, randomUUID()), notFound);
    await assert.rejects(sdk(fx.ot, 'forceMuteAll', sid, {}), notFound);
    await assert.rejects(sdk(fx.ot, 'disableForceMute', sid), notFound);
    await assert.rejects(sdk(fx.ot, 'forceMuteStream', sid, randomUUID()), notFound);
    await assert.rejects(sdk(fx.ot, 'getStream', sid, randomUUID()), notFound);
    // Once someone is connected the same calls work (positive control).
    const a = await fx.join(sid);
    await sdk(fx.ot, 'signal', sid, null, { type: 'x', data: 'y' });
    await sdk(fx.ot, 'signal', sid, a.connectionId, { type: 'x', data: 'y' });
    await a.waitFor(() => a.received('signal').length >= 2, { what: 'two signals' });
  });
});
