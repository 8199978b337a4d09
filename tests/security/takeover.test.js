// Attack suite, issue 10 item 1: connection takeover. Connection ids are public (every
// participant sees them, webhooks carry them); socketIds are the reconnection credential and
// must stay secret. A socket that merely names a victim's connection id — in CONNECT, in a
// `connection create` with some other valid token, in another session — must neither close the
// victim's socket nor act as the victim nor receive what is meant for it; the attempt is logged
// with the remote address.
import { describe, before, after, afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';

import {
  startServer, rumorFixture, assertVictimUnharmed, isMsg, signalUri, delay, Type,
} from './lib/harness.js';

const T = { timeout: 30000 };

describe('attack: connection takeover (issue 10 item 1)', () => {
  let fx;
  before(async () => { fx = rumorFixture(await startServer()); });
  afterEach(async () => { await fx.closeClients(); });
  after(async () => { await fx?.stop(); });

  // A moderator victim (with a secret socketId), a publisher peer with a stream, an observer.
  async function scene() {
    const sid = await fx.session();
    const socketId = randomUUID();
    const victim = await fx.join(sid, { role: 'moderator', data: 'victim', openOpts: { socketId } });
    const peer = await fx.join(sid, { data: 'peer' });
    const observer = await fx.join(sid, { data: 'observer' });
    const streamId = await fx.publish(peer);
    await victim.waitForMessage('created', `/stream/${streamId}`);
    await observer.waitForMessage('created', `/stream/${streamId}`);
    return { sid, socketId, victim, peer, observer, streamId };
  }

  // Sends a request and resolves its status, or 'closed' / 'no answer' when none comes.
  async function attempt(c, method, uri, content = {}, headers = {}) {
    if (c.closeCode !== undefined) return 'closed';
    try {
      return (await c.request(method, uri, content, headers)).status;
    } catch (err) {
      if (c.closeCode !== undefined) return 'closed';
      return `no answer (${err.message})`;
    }
  }

  // What an attacker bound to the victim's id would try: speak as the victim to everyone,
  // force-disconnect and force-unpublish the peer (the victim is a moderator), mute all.
  async function actAsVictim(attacker, { victim, peer, streamId }) {
    const su = victim.sessionUri();
    const results = {
      signal: await attempt(attacker, 'signal', signalUri(victim, peer.connectionId), { type: 'hijack', data: 'from the victim?' }),
      forceUnpublish: await attempt(attacker, 'delete', `${su}/stream/${streamId}`),
      muteAll: await attempt(attacker, 'update', su, { reason: 'mute', channels: ['audio'], active: true, locked: false, exclusion: [] }),
      forceDisconnect: await attempt(attacker, 'delete', `${su}/connection/${peer.connectionId}`),
    };
    for (const [what, status] of Object.entries(results))
      assert.notEqual(status, 200, `the attacker acted as the victim (${what} → 200): ${JSON.stringify(results)}`);
    return results;
  }

  async function nothingHappened({ victim, peer, observer, streamId }, attacker) {
    await assertVictimUnharmed(fx, victim, { peer, attackers: [attacker] });
    await delay(300);  // leave a stray copy time to arrive at the attacker's socket
    assert.equal(attacker.frames.filter((f) => isMsg('signal')(f) && f.raptor.content.type?.startsWith('private-')).length, 0,
      'the attacker received the victim\'s private signal');
    for (const c of [peer, observer]) {
      assert.equal(c.closeCode, undefined, 'a bystander lost its socket');
      assert.equal(c.received('signal').filter((f) => f.raptor.content.type === 'hijack').length, 0, 'a signal went out in the victim\'s name');
      assert.equal(c.received('deleted').length, 0, `something was deleted: ${c.received('deleted').map((f) => f.payload)}`);
      assert.equal(c.received('update', '').filter((f) => f.raptor.content.reason === 'mute').length, 0, 'the session was muted');
    }
    assert.equal(victim.received('deleted').length, 0, 'the victim was told of a deletion');
    // The peer's stream and the victim's connection are intact for a new joiner.
    const late = await fx.join(victim.sessionId);
    assert.ok(late.state.connection.some((x) => x.id === victim.connectionId), 'the victim left the session');
    assert.ok(late.state.stream.some((s) => s.id === streamId), 'the peer\'s stream was removed');
    assert.equal(late.state.mute, undefined, 'the session is muted');
  }

  // A log line written after `mark` names the victim's id and the attacker's address.
  async function logged(mark, connectionId) {
    const deadline = Date.now() + 5000;
    for (;;) {
      const lines = fx.server.stderr.slice(mark).split('\n');
      if (lines.some((l) => l.includes(connectionId) && l.includes('127.0.0.1'))) return;
      if (Date.now() > deadline) {
        assert.fail(`no log line names ${connectionId} and the remote address 127.0.0.1:\n${lines.slice(-20).join('\n')}`);
      }
      await delay(100);
    }
  }

  test('CONNECT with the victim\'s connection id from a new socket (no token): refused, victim keeps its socket, attacker cannot act or listen', T, async () => {
    const sc = await scene();
    const logMark = fx.server.stderr.length;
    const attacker = await fx.open();
    attacker.keepalive(500);
    attacker.hello({ apiKey: fx.apiKey, sessionId: sc.sid, connectionId: sc.victim.connectionId });
    await actAsVictim(attacker, sc);
    await nothingHappened(sc, attacker);
    await logged(logMark, sc.victim.connectionId);
  });

  test('CONNECT with the victim\'s id, then DISCONNECT: the victim stays in the session', T, async () => {
    const sc = await scene();
    const attacker = await fx.open();
    attacker.hello({ apiKey: fx.apiKey, sessionId: sc.sid, connectionId: sc.victim.connectionId });
    attacker.sendFrame({ type: Type.DISCONNECT, headers: { reconnect: '' } });
    await attacker.close();
    await nothingHappened(sc, attacker);
  });

  test('CONNECT with the victim\'s id, then closing the socket: the victim stays connected', T, async () => {
    const sc = await scene();
    const attacker = await fx.open();
    attacker.hello({ apiKey: fx.apiKey, sessionId: sc.sid, connectionId: sc.victim.connectionId });
    await attempt(attacker, 'signal', signalUri(sc.victim, sc.peer.connectionId), { type: 'hijack' });
    await attacker.terminate();
    await nothingHappened(sc, attacker);
  });

  for (const [name, tokenOf] of [
    ['a subscriber token', (sid) => fx.token(sid, 'subscriber')],
    ['a moderator token with other connection data', (sid) => fx.token(sid, 'moderator', 'attacker')],
    ['a publisher token with the victim\'s data', (sid) => fx.token(sid, 'publisher', 'victim')],
  ]) {
    test(`connection create for the victim's existing id with ${name}: refused, victim unharmed`, T, async () => {
      const sc = await scene();
      const logMark = fx.server.stderr.length;
      const attacker = await fx.open();
      attacker.keepalive(500);
      const status = await (async () => {
        try {
          return (await attacker.join({ apiKey: fx.apiKey, sessionId: sc.sid, connectionId: sc.victim.connectionId, token: tokenOf(sc.sid) })).status;
        } catch (err) {
          return attacker.closeCode !== undefined ? 'closed' : `no answer (${err.message})`;
        }
      })();
      assert.notEqual(status, 200, 'a connection create for an existing id with different claims was accepted');
      await actAsVictim(attacker, sc);
      await nothingHappened(sc, attacker);
      await logged(logMark, sc.victim.connectionId);
    });
  }

  // Beyond the letter of issue 10 ("a token whose claims equal the original"): claims are not
  // an identity. Most apps give every participant the same role and no (or the same) data, so
  // any other participant's token has equal claims. The client's own connect retry re-sends
  // the very same token, so only that token (not an equal one) should resume the connection.
  test('connection create for the victim\'s id with another participant\'s token of equal claims (same role, same data): refused', T, async () => {
    const sc = await scene();
    const attacker = await fx.open();
    attacker.keepalive(500);
    let status;
    try {
      status = (await attacker.join({ apiKey: fx.apiKey, sessionId: sc.sid, connectionId: sc.victim.connectionId, token: fx.token(sc.sid, 'moderator', 'victim') })).status;
    } catch (err) {
      status = attacker.closeCode !== undefined ? 'closed' : `no answer (${err.message})`;
    }
    assert.notEqual(status, 200, 'another token with equal claims took over the victim\'s connection');
    await actAsVictim(attacker, sc);
    await nothingHappened(sc, attacker);
  });

  test('positive control: the victim\'s own connect retry (its very token, on a new socket) still resumes its connection', T, async () => {
    const sid = await fx.session();
    const token = fx.token(sid, 'moderator', 'victim');
    const victim = await fx.join(sid, { token, role: 'moderator' });
    const peer = await fx.join(sid);
    const retry = await fx.open();
    retry.keepalive(500);
    const reply = await retry.join({ apiKey: fx.apiKey, sessionId: sid, connectionId: victim.connectionId, token });
    assert.equal(reply.status, 200, `the client's own retry was refused: ${JSON.stringify(reply.payload)}`);
    const r = await retry.request('signal', signalUri(retry, peer.connectionId), { type: 'retried' });
    assert.equal(r.status, 200, JSON.stringify(r.payload));
    const m = await peer.waitFor((f) => isMsg('signal')(f) && f.raptor.content.type === 'retried', { what: 'signal after the retry' });
    assert.equal(m.headers['X-TB-FROM-ADDRESS'], victim.connectionId);
  });

  test('reconnect=true with a guessed socketId (random, or the victim\'s connection id): refused, victim unharmed', T, async () => {
    const sc = await scene();
    for (const guess of [randomUUID(), sc.victim.connectionId]) {
      const attacker = await fx.open({ socketId: guess, reconnect: true });
      Object.assign(attacker, { connectionId: sc.victim.connectionId, apiKey: fx.apiKey, sessionId: sc.sid });
      const code = await Promise.race([attacker.closed, delay(5000).then(() => 'still open')]);
      if (code === 'still open') await actAsVictim(attacker, sc);
      else assert.equal(code, 1011, 'an unknown socketId is refused with 1011');
      await nothingHappened(sc, attacker);
    }
  });

  test('the victim\'s connection id used to join another session: the victim\'s socket stays open, the join is refused', T, async () => {
    const sc = await scene();
    const other = await fx.session();
    const bystander = await fx.join(other);
    const attacker = await fx.open();
    attacker.keepalive(500);
    let status;
    try {
      status = (await attacker.join({ apiKey: fx.apiKey, sessionId: other, connectionId: sc.victim.connectionId, token: fx.token(other, 'moderator') })).status;
    } catch (err) {
      status = attacker.closeCode !== undefined ? 'closed' : `no answer (${err.message})`;
    }
    assert.notEqual(status, 200, 'two sessions share one connection id');
    await nothingHappened(sc, attacker);
    assert.equal(bystander.received('created', `/connection/${sc.victim.connectionId}`).length, 0, 'the other session announced the victim\'s id');
  });

  test('positive control: the owner resumes with its real socketId (the rule still lets reconnections through)', T, async () => {
    const sc = await scene();
    await sc.victim.terminate();
    const back = await fx.open({ socketId: sc.socketId, reconnect: true });
    Object.assign(back, { connectionId: sc.victim.connectionId, apiKey: fx.apiKey, sessionId: sc.sid });
    back.keepalive(500);
    const r = await back.request('signal', signalUri(back, sc.peer.connectionId), { type: 'resumed' });
    assert.equal(r.status, 200, JSON.stringify(r.payload));
    const m = await sc.peer.waitFor((f) => isMsg('signal')(f) && f.raptor.content.type === 'resumed', { what: 'signal after resuming' });
    assert.equal(m.headers['X-TB-FROM-ADDRESS'], sc.victim.connectionId);
  });
});
