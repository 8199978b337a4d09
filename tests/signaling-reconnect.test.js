// Rumor socket lifecycle: leaving with DISCONNECT, silence timeout, reconnection by socketId
// within the grace period (docs/protocol.md §6.3, §6.5, §6.6, §6.7, §6.8), with short timers.
import { describe, before, after, afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';

import { encodeFrame } from './lib/rumor.js';
import { signalingServer, noneWithin, delay, Type } from './lib/signaling-fixture.js';

const T = { timeout: 20000 };
const TIMEOUT_MS = 1000;  // --signaling-timeout
const GRACE_MS = 1500;    // --reconnect-grace
const SWEEP_MS = 500;     // the server checks timers twice a second
const PING_MS = 250;

const isMsg = (method, uriPart = '') => (f) => f.type === Type.MESSAGE && f.raptor.method === method && f.raptor.uri.includes(uriPart);

describe(`signaling: socket lifecycle (--signaling-timeout ${TIMEOUT_MS} --reconnect-grace ${GRACE_MS})`, () => {
  let fx;
  before(async () => {
    fx = await signalingServer(['--signaling-timeout', String(TIMEOUT_MS), '--reconnect-grace', String(GRACE_MS)]);
  });
  afterEach(async () => { await fx.closeClients(); });
  after(async () => { await fx?.stop(); });

  // Reopens the socket `socketId` of `old` with reconnect=true: no CONNECT, no SUBSCRIBE.
  async function reopen(old, socketId) {
    const c = await fx.open({ socketId, reconnect: true });
    Object.assign(c, { connectionId: old.connectionId, apiKey: old.apiKey, sessionId: old.sessionId, symphony: old.symphony });
    return c.keepalive(PING_MS);
  }

  test('DISCONNECT with an empty reconnect header: others get `connection deleted` clientDisconnected at once', T, async () => {
    const sid = await fx.session();
    const a = await fx.join(sid, { keepalive: PING_MS });
    const b = await fx.join(sid, { keepalive: PING_MS });
    await a.waitForMessage('created', `/connection/${b.connectionId}`);
    const t0 = Date.now();
    b.sendFrame({ type: Type.DISCONNECT, headers: { reconnect: '' } });
    const m = await a.waitForMessage('deleted', `/connection/${b.connectionId}`, { timeout: GRACE_MS - 200 });
    assert.equal(m.raptor.reason, 'clientDisconnected');
    assert.deepEqual(m.raptor.content, {});
    assert.ok(Date.now() - t0 < GRACE_MS, 'must not wait for the reconnection grace');
    const late = await fx.join(sid, { keepalive: PING_MS });
    assert.deepEqual(late.state.connection.map((x) => x.id), [a.connectionId, late.connectionId]);
  });

  test('a silent socket is dropped after --signaling-timeout; after the grace its streams and connection are deleted (networkDisconnected)', T, async () => {
    const sid = await fx.session();
    const a = await fx.join(sid, { keepalive: PING_MS });
    const b = await fx.join(sid);  // never pings
    const streamId = randomUUID();
    await fx.publish(b, streamId);
    const lastSent = Date.now();
    await b.closed;
    const closedAt = Date.now();
    const silence = closedAt - lastSent;
    assert.ok(silence >= TIMEOUT_MS - 100, `dropped after ${silence} ms of silence (timeout ${TIMEOUT_MS})`);
    assert.ok(silence <= TIMEOUT_MS + SWEEP_MS + 1500, `dropped only after ${silence} ms`);
    assert.equal(a.received('deleted', `/connection/${b.connectionId}`).length, 0, 'no deletion before the grace period');
    assert.equal(a.closeCode, undefined, 'the pinging socket stays open');

    const conn = await a.waitForMessage('deleted', `/connection/${b.connectionId}`, { timeout: GRACE_MS + SWEEP_MS + 3000 });
    const deletedAfter = Date.now() - closedAt;
    assert.ok(deletedAfter >= GRACE_MS - SWEEP_MS - 100, `deleted ${deletedAfter} ms after the drop (grace ${GRACE_MS})`);
    assert.equal(conn.raptor.reason, 'networkDisconnected');
    const st = a.received('deleted', `/stream/${streamId}`);
    assert.equal(st.length, 1, 'its stream is deleted too');
    assert.equal(st[0].raptor.reason, 'networkDisconnected');
    assert.ok(a.frames.indexOf(st[0]) < a.frames.indexOf(conn), 'stream before connection');
  });

  test('reconnection with ?socketId=S&reconnect=true keeps the connection and delivers what was missed', T, async () => {
    const sid = await fx.session();
    const socketId = randomUUID();
    const a = await fx.join(sid, { keepalive: PING_MS });
    const b = await fx.join(sid, { keepalive: PING_MS, openOpts: { socketId } });
    await a.waitForMessage('created', `/connection/${b.connectionId}`);

    // A request b completed before dropping, kept to be re-sent later with the same id.
    const txBefore = randomUUID();
    const beforeFrame = encodeFrame({ type: Type.MESSAGE, addresses: ['symphony.parley'],
      headers: { 'Content-Type': 'application/x-raptor+v2', 'TRANSACTION-ID': txBefore, 'X-TB-FROM-ADDRESS': b.connectionId },
      payload: JSON.stringify({ method: 'signal', uri: `${b.sessionUri()}/signal/${randomUUID()}`, content: { type: 'before' } }) });
    b.sendRaw(beforeFrame);
    const statusBefore = await b.waitFor((f) => f.type === Type.STATUS && f.headers['TRANSACTION-ID'] === txBefore, { what: 'STATUS before' });
    assert.equal(statusBefore.headers.STATUS, '200');
    await a.waitFor((f) => isMsg('signal')(f) && f.raptor.content.type === 'before', { what: 'signal before' });

    // A message b receives but does not acknowledge: it must come again after the reconnection.
    b.autoAck = false;
    assert.equal((await a.request('signal', `${a.sessionUri()}/connection/${b.connectionId}/signal/${randomUUID()}`, { type: 'unacked' })).status, 200);
    const unacked = await b.waitFor((f) => isMsg('signal')(f) && f.raptor.content.type === 'unacked', { what: 'unacked signal' });
    await delay(200);  // let earlier acknowledgements reach the server
    const droppedAt = Date.now();
    await b.terminate();
    await delay(300);

    // While b is away: a signal to it is accepted (b is still in the session).
    const away = await a.request('signal', `${a.sessionUri()}/connection/${b.connectionId}/signal/${randomUUID()}`, { type: 'while-away', data: 'hello' });
    assert.equal(away.status, 200, `b must still be connected: ${JSON.stringify(away.payload)}`);

    const b2 = await reopen(b, socketId);
    const missed = await b2.waitFor((f) => isMsg('signal')(f) && f.raptor.content.type === 'while-away', { what: 'signal sent while away' });
    assert.equal(missed.headers['X-TB-FROM-ADDRESS'], a.connectionId);
    assert.deepEqual(missed.raptor.content, { type: 'while-away', data: 'hello' });
    const again = await b2.waitFor((f) => isMsg('signal')(f) && f.raptor.content.type === 'unacked', { what: 'unacknowledged signal re-sent' });
    assert.equal(again.headers['TRANSACTION-ID'], unacked.headers['TRANSACTION-ID'], 're-sent with the same TRANSACTION-ID');
    // Acknowledged messages (its own `connection created`, the `before` signal) are not re-sent.
    await delay(200);
    assert.equal(b2.received('created').length, 0, `acknowledged messages re-sent: ${b2.messages.map((m) => m.payload).join('\n')}`);
    assert.equal(b2.received('signal').filter((m) => m.raptor.content.type === 'before').length, 0, 'acknowledged signal re-sent');

    // Requests work on the new socket under the same connection id.
    const r = await b2.request('signal', `${b2.sessionUri()}/signal/${randomUUID()}`, { type: 'back' });
    assert.equal(r.status, 200, JSON.stringify(r.payload));
    const back = await a.waitFor((f) => isMsg('signal')(f) && f.raptor.content.type === 'back', { what: 'signal after reconnection' });
    assert.equal(back.headers['X-TB-FROM-ADDRESS'], b.connectionId);

    // A request re-sent after the reconnection (same TRANSACTION-ID) is answered, not re-executed.
    b2.sendRaw(beforeFrame);
    const statusAgain = await b2.waitFor((f) => f.type === Type.STATUS && f.headers['TRANSACTION-ID'] === txBefore, { what: 'STATUS again' });
    assert.equal(statusAgain.headers.STATUS, '200');

    // Well past the grace: nobody saw b leave.
    await delay(Math.max(0, droppedAt + GRACE_MS + 2 * SWEEP_MS + 200 - Date.now()));
    assert.equal(a.received('deleted', `/connection/${b.connectionId}`).length, 0, 'others must not see `connection deleted`');
    assert.equal(a.received('signal').filter((m) => m.raptor.content.type === 'before').length, 1, 're-sent request executed twice');
    assert.equal(a.received('created').filter((m) => m.raptor.content.id === b.connectionId).length, 1, 'b announced once');
    assert.equal(b2.closeCode, undefined, 'the new socket stays open');
    const late = await fx.join(sid, { keepalive: PING_MS });
    assert.ok(late.state.connection.some((x) => x.id === b.connectionId), 'b is still in the session state');
  });

  test('DISCONNECT reconnect:"1" then a new socket: the connection survives', T, async () => {
    const sid = await fx.session();
    const socketId = randomUUID();
    const a = await fx.join(sid, { keepalive: PING_MS });
    const b = await fx.join(sid, { keepalive: PING_MS, openOpts: { socketId } });
    await a.waitForMessage('created', `/connection/${b.connectionId}`);
    b.sendFrame({ type: Type.DISCONNECT, headers: { reconnect: '1' } });
    await b.close();
    const b2 = await reopen(b, socketId);
    const r = await b2.request('signal', `${b2.sessionUri()}/signal/${randomUUID()}`, { type: 'moved' });
    assert.equal(r.status, 200, JSON.stringify(r.payload));
    await a.waitFor((f) => isMsg('signal')(f) && f.headers['X-TB-FROM-ADDRESS'] === b.connectionId, { what: 'signal from the new socket' });
    assert.ok(await noneWithin(a, isMsg('deleted', `/connection/${b.connectionId}`), GRACE_MS + 2 * SWEEP_MS));
  });

  test('a client dropped for silence may come back within the grace (close code allows retrying)', T, async () => {
    const sid = await fx.session();
    const socketId = randomUUID();
    const a = await fx.join(sid, { keepalive: PING_MS });
    const b = await fx.join(sid, { openOpts: { socketId } });  // silent
    await a.waitForMessage('created', `/connection/${b.connectionId}`);
    const code = await b.closed;
    // 1003 and 1011 tell OpenTok.js not to reconnect (docs/protocol.md §6.7, §6.8).
    assert.ok(![1003, 1011].includes(code), `a silence drop must not forbid reconnection (close code ${code})`);
    const b2 = await reopen(b, socketId);
    const r = await b2.request('signal', `${b2.sessionUri()}/signal/${randomUUID()}`, { type: 'alive' });
    assert.equal(r.status, 200, JSON.stringify(r.payload));
    const m = await a.waitFor((f) => isMsg('signal')(f) && f.raptor.content.type === 'alive', { what: 'signal after coming back' });
    assert.equal(m.headers['X-TB-FROM-ADDRESS'], b.connectionId);
    assert.ok(await noneWithin(a, isMsg('deleted', `/connection/${b.connectionId}`), GRACE_MS + 2 * SWEEP_MS));
  });

  test('reconnect=true with an unknown socketId → the server closes with 1011', T, async () => {
    const c = await fx.open({ socketId: randomUUID(), reconnect: true });
    const code = await Promise.race([c.closed, delay(3000).then(() => 'still open')]);
    assert.equal(code, 1011);
  });

  test('after the grace has expired the old socketId is unknown (1011)', T, async () => {
    const sid = await fx.session();
    const socketId = randomUUID();
    const a = await fx.join(sid, { keepalive: PING_MS });
    const b = await fx.join(sid, { keepalive: PING_MS, openOpts: { socketId } });
    await a.waitForMessage('created', `/connection/${b.connectionId}`);
    await b.terminate();
    const m = await a.waitForMessage('deleted', `/connection/${b.connectionId}`, { timeout: GRACE_MS + SWEEP_MS + 3000 });
    assert.equal(m.raptor.reason, 'networkDisconnected');
    const c = await fx.open({ socketId, reconnect: true });
    const code = await Promise.race([c.closed, delay(3000).then(() => 'still open')]);
    assert.equal(code, 1011);
  });
});
