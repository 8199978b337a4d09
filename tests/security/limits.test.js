// Attack suite, issue 10 items 5 and 7: what one token holder can make parleyd store and fan
// out. Channel updates keep only known, small attributes; stream descriptions and the session
// state stay bounded; what a connection has not acknowledged is bounded in bytes; one
// connection subscribes to a stream once, and the publisher is not flooded with generateoffer.
import { describe, beforeEach, afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';

import {
  startServer, rumorFixture, pipeline, crashAware, assertVictimUnharmed, isMsg, signalUri, delay, Type, streamDescription, subscriberDescription,
} from './lib/harness.js';

const T = { timeout: 90000 };
const MiB = 1024 * 1024;

// Resolves once `c` has received no new MESSAGE frame for `quietMs` (PONGs do not count).
async function quiescent(c, quietMs = 1000, maxMs = 30000) {
  const end = Date.now() + maxMs;
  let n = -1;
  while (Date.now() < end && c.messages.length !== n) {
    n = c.messages.length;
    await delay(quietMs);
  }
}

describe('attack: memory and fan-out bounds (issue 10 items 5 and 7)', () => {
  // One parleyd per test: on a server without the bounds some of these crash it, and the
  // crash must be pinned on the test that caused it.
  let fx;
  beforeEach(async () => { fx = rumorFixture(await startServer({ extraArgs: ['--signal-rate', '200', '--reconnect-grace', '20000'] })); });
  afterEach(async () => {
    const server = fx?.server;
    await fx?.closeClients();
    fx = null;
    await server?.stop();
  });

  test('channel update with unknown and huge keys: neither stored nor echoed', T, () => crashAware(fx.server, async () => {
    const sid = await fx.session();
    const pub = await fx.join(sid);
    const observer = await fx.join(sid);
    const streamId = await fx.publish(pub);
    await observer.waitForMessage('created', `/stream/${streamId}`);
    const huge = 'h'.repeat(100 * 1024);  // twice this fits one frame (256 KiB)
    const mark = observer.mark();
    const r = await pub.request('update', `${pub.sessionUri()}/stream/${streamId}/channel/video1`,
      { active: true, evilKey: 'x', nested: { deep: huge }, fitMode: huge, __proto__x: 1, width: 320 });
    assert.ok([200, 400, 413].includes(r.status), `update → ${r.status}`);
    await assertVictimUnharmed(fx, observer, { peer: pub, what: 'observer' });
    for (const m of observer.received('updated', `/stream/${streamId}`, mark)) {
      assert.ok(!('evilKey' in m.raptor.content) && !('nested' in m.raptor.content), `unknown keys echoed: ${Object.keys(m.raptor.content)}`);
      assert.ok(m.bytes.length < 16 * 1024, `a ${m.bytes.length}-byte update was echoed`);
    }
    const late = await fx.join(sid);
    const video = late.state.stream.find((s) => s.id === streamId)?.channel?.find((c) => c.id === 'video1');
    assert.ok(video, `stream missing from the state: ${JSON.stringify(late.state.stream).slice(0, 300)}`);
    assert.ok(!('evilKey' in video) && !('nested' in video), `unknown keys stored: ${Object.keys(video)}`);
    assert.ok(JSON.stringify(late.state).length < 64 * 1024, `the state is ${JSON.stringify(late.state).length} bytes after one update`);
    assert.equal(video.type, 'video', 'the channel type changed');
  }));

  test('stream creates with oversized descriptions: the session state a joiner receives stays bounded', T, () => crashAware(fx.server, async () => {
    const sid = await fx.session();
    const pub = await fx.join(sid);
    const statuses = await pipeline(pub, 12, (i) => {
      const id = randomUUID();
      const d = streamDescription(id);
      if (i % 2) d.customProperties = { blob: 'z'.repeat(240 * 1024) };
      else d.channel = [...d.channel, ...Array.from({ length: 2000 }, (_, k) => ({ id: `extra${k}`, type: 'data', active: true, pad: 'p'.repeat(60) }))];
      return { method: 'create', uri: `${pub.sessionUri()}/stream/${id}`, content: d };
    });
    assert.equal(statuses.filter((s) => s === 'none').length, 0, `unanswered creates: ${statuses}`);
    const joiner = await fx.join(sid);
    const size = JSON.stringify(joiner.state).length;
    // 12 descriptions of ~200 KB were offered (~2.4 MB); what a stream may store is small.
    assert.ok(size < MiB, `the session state is ${size} bytes (accepted creates: ${statuses.filter((s) => s === 200).length})`);
    await assertVictimUnharmed(fx, pub, { peer: joiner, what: 'publisher' });
  }));

  test('unacknowledged frames are bounded in bytes: a reader that never acks gets at most a bounded backlog again', T, () => crashAware(fx.server, async () => {
    const sid = await fx.session();
    const socketId = randomUUID();
    const reader = await fx.join(sid, { openOpts: { socketId }, keepalive: 500 });
    reader.autoAck = false;
    const senders = [];
    for (let i = 0; i < 4; i++) senders.push(await fx.join(sid, { data: `sender${i}` }));
    const data = 'u'.repeat(8000);
    // 600 × 8 kB (> 4 MiB), paced so that a reader that reads is never a slow reader.
    const statuses = await Promise.all(senders.map((s) => pipeline(s, 150, () => ({
      method: 'signal', uri: signalUri(s, reader.connectionId), content: { type: 'unacked', data } }), { burst: 10, perSecond: 30 })));
    const accepted = statuses.flat().filter((s) => s === 200).length;
    assert.ok(accepted * 8000 > 4 * MiB, `only ${accepted} signals accepted: the test did not build a large backlog`);
    await quiescent(reader);
    const received = reader.received('signal').length;
    assert.ok(received > 0, 'the reader received nothing');
    await reader.terminate();
    // The same connection comes back: everything it has not acknowledged is sent again.
    const back = await fx.open({ socketId, reconnect: true });
    Object.assign(back, { connectionId: reader.connectionId, apiKey: fx.apiKey, sessionId: sid });
    back.autoAck = false;
    back.keepalive(500);
    await quiescent(back);
    const resent = back.received('signal');
    const resentBytes = resent.reduce((n, f) => n + f.bytes.length, 0);
    assert.ok(resentBytes > 0, 'nothing was sent again after the reconnection (the backlog must survive, bounded)');
    assert.ok(resentBytes <= 4 * MiB, `${resentBytes} bytes (${resent.length} frames) kept unacknowledged for one connection, of ${accepted} sent`);
    await assertVictimUnharmed(fx, senders[0], { peer: senders[1], what: 'a sender' });
  }));

  test('2000 subscriber creates for one stream from one connection: the first accepted, the rest refused, one generateoffer', T, () => crashAware(fx.server, async () => {
    const sid = await fx.session();
    const pub = await fx.join(sid, { data: 'publisher' });
    const sub = await fx.join(sid, { role: 'subscriber', data: 'greedy' });
    const streamId = await fx.publish(pub);
    await sub.waitForMessage('created', `/stream/${streamId}`);
    const su = sub.sessionUri();
    const statuses = await pipeline(sub, 2000, () => {
      const id = randomUUID();
      return { method: 'create', uri: `${su}/stream/${streamId}/subscriber/${id}`, content: subscriberDescription(id, sub.connectionId) };
    }, { burst: 350, perSecond: 180 });  // just under parleyd's per-socket frame rate
    assert.equal(statuses[0], 200, `the first subscription: ${statuses[0]}`);
    const rest = statuses.slice(1);
    const accepted = rest.filter((s) => s === 200).length;
    assert.equal(accepted, 0, `${accepted + 1} subscriptions of one connection to one stream were accepted`);
    assert.ok(rest.every((s) => s === 409), `refusals must be 409: ${[...new Set(rest)]}`);
    const refusal = sub.frames.filter((f) => f.type === Type.STATUS && f.headers.STATUS === '409').at(-1);
    assert.equal(typeof JSON.parse(refusal.payload).reason, 'string', `a refusal carries a reason: ${refusal.payload}`);
    // Barrier: a signal sent after every create reaches the publisher behind any generateoffer.
    const r = await sub.request('signal', signalUri(sub, pub.connectionId), { type: 'barrier' });
    assert.equal(r.status, 200);
    await pub.waitFor((f) => isMsg('signal')(f) && f.raptor.content.type === 'barrier', { timeout: 30000, what: 'barrier signal' });
    assert.equal(pub.received('generateoffer').length, 1, `the publisher got ${pub.received('generateoffer').length} generateoffer messages`);
    await assertVictimUnharmed(fx, pub, { peer: sub, what: 'publisher' });
  }));
});
