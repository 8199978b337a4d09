// Attack suite, issue 10 item 2: a client that stops reading its WebSocket while frames for it
// pile up, and a join whose session state is larger than what parleyd queues for one peer.
// parleyd may drop the slow client, but must not crash: it stays up and healthy, the other
// clients keep their sockets and their messages, and it exits cleanly with no sanitizer report.
// Each test runs its own parleyd so that a crash is pinned on the test that caused it.
import { describe, afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';

import {
  startServer, rumorFixture, pipeline, crashAware, assertVictimUnharmed, assertHealthy, signalUri, delay, Type, streamDescription,
} from './lib/harness.js';

const T = { timeout: 120000 };
const SIGNAL_DATA = 'x'.repeat(8000);  // just under the 8 kB signal data limit

// Waits until the slow reader has been dropped or has read `pred` frames, after it resumes.
async function settle(slow, done, ms = 60000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (slow.closeCode !== undefined || done()) return;
    await delay(100);
  }
}

describe('attack: slow readers (issue 10 item 2)', () => {
  let fx;
  afterEach(async () => {
    if (!fx) return;
    const server = fx.server;
    await fx.closeClients();
    fx = null;
    // A clean exit with no sanitizer report is part of the verdict.
    await server.stop();
  });

  async function scene(extraArgs = []) {
    fx = rumorFixture(await startServer({ extraArgs }));
    const sid = await fx.session();
    const victim = await fx.join(sid, { data: 'victim' });
    const slow = await fx.join(sid, { data: 'slow' });
    return { sid, victim, slow };
  }

  test('8 KB signals to a client that stopped reading: parleyd survives, the others are unharmed', T, () => crashAware(() => fx?.server, async () => {
    // A higher signal rate only makes the pile-up quicker; 2 senders × 400 × 8 KB ≈ 6.4 MB,
    // more than parleyd ever queued for one peer plus what the kernel buffers.
    const { sid, victim, slow } = await scene(['--signal-rate', '200']);
    const senders = [];
    for (let i = 0; i < 2; i++) senders.push(await fx.join(sid, { data: `sender${i}` }));
    slow.ws.pause();
    const statuses = await Promise.all(senders.map((s) => pipeline(s, 400, () => ({
      method: 'signal', uri: signalUri(s, slow.connectionId), content: { type: 'flood', data: SIGNAL_DATA } }))));
    const accepted = statuses.flat().filter((s) => s === 200).length;
    assert.ok(accepted > 0, `no signal was accepted (statuses ${[...new Set(statuses.flat())]}): the test did not pile anything up`);
    // The reader wakes up: whatever parleyd was writing to it completes now.
    slow.ws.resume();
    await settle(slow, () => slow.received('signal').length >= accepted);
    await assertHealthy(fx.server, 'after the slow reader resumed');
    await assertVictimUnharmed(fx, victim, { peer: senders[0] });
    for (const s of senders) await assertVictimUnharmed(fx, s, { what: 'a sender' });
  }));

  test('200 KiB channel updates broadcast to a client that stopped reading: parleyd survives', T, () => crashAware(() => fx?.server, async () => {
    const { sid, victim, slow } = await scene();
    const pub = await fx.join(sid, { data: 'publisher' });
    const streamId = await fx.publish(pub);
    await slow.waitForMessage('created', `/stream/${streamId}`);
    slow.ws.pause();
    const big = 'y'.repeat(200 * 1024);
    // Known and unknown keys: whichever the server still accepts piles up at the reader.
    const statuses = await pipeline(pub, 60, (i) => ({
      method: 'update', uri: `${pub.sessionUri()}/stream/${streamId}/channel/video1`,
      content: i % 2 ? { fitMode: big } : { [`k${i}`]: big } }));
    assert.equal(statuses.length, 60, 'every update was answered');
    slow.ws.resume();
    const accepted = statuses.filter((s) => s === 200).length;
    await settle(slow, () => slow.received('updated').length >= accepted);
    await assertHealthy(fx.server, 'after the slow reader resumed');
    await assertVictimUnharmed(fx, victim, { peer: pub });
    await assertVictimUnharmed(fx, pub, { peer: victim, what: 'the publisher' });
  }));

  test('joining a session whose state is larger than a peer\'s send queue: parleyd survives', T, () => crashAware(() => fx?.server, async () => {
    const { sid, victim } = await scene(['--max-streams', '50']);
    const pub = await fx.join(sid, { data: 'publisher' });
    // Streams carrying as much as a stream create may (one frame is at most 256 KiB).
    const statuses = await pipeline(pub, 24, () => {
      const id = randomUUID();
      return { method: 'create', uri: `${pub.sessionUri()}/stream/${id}`,
        content: { ...streamDescription(id), customProperties: { blob: 'z'.repeat(240 * 1024) } } };
    });
    assert.equal(statuses.length, 24, 'every stream create was answered');
    // The joiner gets a state of up to ~6 MB; it may be refused or dropped, not crash the server.
    const joiner = await fx.open();
    joiner.keepalive(1000);
    let outcome;
    try {
      outcome = (await joiner.join({ apiKey: fx.apiKey, sessionId: sid, token: fx.token(sid) })).status;
    } catch (err) {
      outcome = joiner.closeCode !== undefined ? `closed ${joiner.closeCode}` : err.message;
    }
    await settle(joiner, () => joiner.received('created', `/connection/${joiner.connectionId}`).length > 0, 20000);
    await assertHealthy(fx.server, `after the large join (${outcome})`);
    await assertVictimUnharmed(fx, victim, { peer: pub });
    // And again, with a reader that does not read at all.
    const stalled = await fx.open();
    stalled.ws.pause();
    stalled.hello({ apiKey: fx.apiKey, sessionId: sid });
    stalled.sendFrame({ type: Type.MESSAGE, addresses: ['symphony.parley'],
      headers: { 'Content-Type': 'application/x-raptor+v2', 'TRANSACTION-ID': randomUUID(), 'X-TB-TOKEN-AUTH': fx.token(sid), 'X-TB-FROM-ADDRESS': stalled.connectionId },
      payload: JSON.stringify({ method: 'create', uri: `${stalled.sessionUri()}/connection/${stalled.connectionId}`, content: {} }) });
    await victim.waitForMessage('created', `/connection/${stalled.connectionId}`, { timeout: 20000 }).catch(() => {});
    stalled.ws.resume();
    await settle(stalled, () => stalled.frames.some((f) => f.type === Type.STATUS), 20000);
    await assertHealthy(fx.server, 'after the stalled large join');
    await assertVictimUnharmed(fx, victim, { peer: pub });
  }));

  // The other side of dropping slow readers: a client that reads promptly is not dropped
  // because others sent it a burst the signal rate limits allow (each of 4 connections uses its
  // default burst of 50 signals of 8 kB: 1.6 MB at once). Otherwise any token holder with a
  // few connections could disconnect anyone at will.
  test('a reading victim is not dropped by a burst within the signal rate limits (4 senders × 50 × 8 kB)', T, () => crashAware(() => fx?.server, async () => {
    const { sid, victim } = await scene();
    const senders = [];
    for (let i = 0; i < 4; i++) senders.push(await fx.join(sid, { data: `sender${i}` }));
    const statuses = await Promise.all(senders.map((s) => pipeline(s, 50, () => ({
      method: 'signal', uri: signalUri(s, victim.connectionId), content: { type: 'burst', data: SIGNAL_DATA } }), { burst: 50 })));
    const accepted = statuses.flat().filter((s) => s === 200).length;
    assert.equal(accepted, 200, `signals within the rate limits were refused: ${[...new Set(statuses.flat())]}`);
    await settle(victim, () => victim.received('signal').filter((f) => f.raptor.content.type === 'burst').length >= accepted, 30000);
    assert.equal(victim.closeCode, undefined, `the victim was disconnected by a burst of ${accepted} signals (${accepted * 8} kB)`);
    assert.equal(victim.received('signal').filter((f) => f.raptor.content.type === 'burst').length, accepted, 'the victim did not get every signal');
    await assertVictimUnharmed(fx, victim, { peer: senders[0] });
  }));
});
