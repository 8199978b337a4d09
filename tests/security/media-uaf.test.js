// Attack suite, issue 10 item 4: a media worker must never dispatch a datagram to a transport it
// has freed. A publisher authenticates ICE checks from 70 UDP source addresses (more than the
// 64 the worker used to remember per transport), its publication is removed, and then every
// one of those addresses sends RTP and STUN. parleyd (ASan build) must stay up and healthy, the
// bystander's publication keeps working, and parleyd exits cleanly with no sanitizer report.
import { describe, afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import fs from 'node:fs';
import { randomUUID } from 'node:crypto';

import { restJwt } from '../lib/parleyd.js';
import {
  startServer, rumorFixture, crashAware, assertVictimUnharmed, assertHealthy, delay, request, streamDescription,
} from './lib/harness.js';
import { bindingRequest, bindingResponseKind, rtpPacket, iceOf } from './lib/stun.js';

const T = { timeout: 90000 };
const SOURCES = 70;
const OFFER = fs.readFileSync(new URL('../../server/fuzz/corpus/sdp/chrome_publisher_offer.sdp', import.meta.url), 'utf8');
const OFFER_UFRAG = OFFER.match(/^a=ice-ufrag:(\S+)/m)[1];

// Routed publish up to the SFU's answer: returns the answer's ICE credentials and UDP address.
async function routedPublish(c) {
  const streamId = randomUUID();
  const uri = `${c.sessionUri()}/stream/${streamId}`;
  const r = await c.request('create', uri, streamDescription(streamId));
  assert.equal(r.status, 200, JSON.stringify(r.payload));
  const g = await c.waitForMessage('generateoffer', `/stream/${streamId}`);
  const mark = c.mark();
  const o = await c.request('offer', uri, { peerId: g.raptor.content.peerId, sourceStreamId: 'MANTIS', type: 'offer', sdp: OFFER });
  assert.equal(o.status, 200, JSON.stringify(o.payload));
  const answer = await c.waitForMessage('answer', `/stream/${streamId}`, { from: mark });
  let ice;
  const deadline = Date.now() + 10000;
  for (;;) {
    const trickled = c.received('candidate', `/stream/${streamId}`, mark).map((m) => m.raptor.content.candidate);
    ice = iceOf(answer.raptor.content.sdp, trickled);
    if (ice.udp.length || Date.now() > deadline) break;
    await delay(100);
  }
  assert.ok(ice.ufrag && ice.pwd, `no ICE credentials in the answer: ${answer.raptor.content.sdp}`);
  assert.ok(ice.udp.length > 0, 'no UDP host candidate in the answer or trickled');
  return { streamId, uri, ice };
}

// Opens `n` UDP sockets on distinct ports; each collects the STUN response kinds it receives.
async function udpSources(n) {
  const list = [];
  for (let i = 0; i < n; i++) {
    const s = dgram.createSocket('udp4');
    s.kinds = [];
    s.on('message', (msg) => { const k = bindingResponseKind(msg); if (k) s.kinds.push(k); });
    s.on('error', () => {});
    await new Promise((r) => s.bind(0, '127.0.0.1', r));
    list.push(s);
  }
  return list;
}

const send = (s, bytes, { ip, port }) => new Promise((r) => s.send(bytes, port, ip, () => r()));

// Sends an authenticated Binding request from each socket until each has an answer (or time is up).
async function checkFromAll(sources, ice, target) {
  const username = `${ice.ufrag}:${OFFER_UFRAG}`;
  const deadline = Date.now() + 15000;
  for (;;) {
    const missing = sources.filter((s) => s.kinds.length === 0);
    if (!missing.length || Date.now() > deadline) break;
    for (const s of missing) await send(s, bindingRequest({ username, password: ice.pwd }).bytes, target);
    await delay(300);
  }
  return sources.filter((s) => s.kinds.includes('success')).length;
}

// Stats are snapshots the worker posts back; `nextSnapshot` names the request that will
// answer everything posted to the worker before this call.
async function workerBarrier(fx, sid) {
  const first = await mediaStats(fx, sid);
  assert.equal(typeof first.nextSnapshot, 'number', JSON.stringify(first).slice(0, 300));
  const deadline = Date.now() + 15000;
  for (;;) {
    const stats = await mediaStats(fx, sid);
    if (stats.snapshot >= first.nextSnapshot) return stats;
    assert.ok(Date.now() < deadline, `no fresh stats snapshot: ${JSON.stringify(stats).slice(0, 300)}`);
    await delay(100);
  }
}

async function mediaStats(fx, sid) {
  const res = await request('GET', `${fx.server.url}/v2/project/${fx.apiKey}/session/${sid}/media`, {
    headers: { 'X-OPENTOK-AUTH': restJwt(fx.apiKey, fx.server.apiSecret) } });
  assert.equal(res.status, 200, res.describe());
  return res.json();
}

describe('attack: media worker use-after-free (issue 10 item 4)', () => {
  let fx;
  let sources = [];
  afterEach(async () => {
    for (const s of sources) s.close();
    sources = [];
    if (!fx) return;
    const server = fx.server;
    await fx.closeClients();
    fx = null;
    await server.stop();  // fails on a sanitizer report
  });

  for (const removal of ['the publisher unpublishes', 'the publisher leaves the session']) {
    test(`${SOURCES} authenticated ICE source addresses, then ${removal}, then RTP from each: parleyd stays up`, T, async () => {
      fx = rumorFixture(await startServer({ extraArgs: ['--rtc-workers', '1'] }));
      await crashAware(fx.server, () => attack(removal));
    });
  }

  async function attack(removal) {
    {
      const sid = await fx.session('routed');
      // The bystander keeps a publication on the same worker: stats requests then go through
      // the worker, after anything posted to it before.
      const victim = await fx.join(sid, { data: 'victim' });
      const victimPub = await routedPublish(victim);
      const attacker = await fx.join(sid, { data: 'attacker' });
      const { streamId, ice } = await routedPublish(attacker);
      const target = ice.udp[0];
      sources = await udpSources(SOURCES);
      const authenticated = await checkFromAll(sources, ice, target);
      assert.ok(authenticated > 0, `no ICE check was answered with success (answers: ${JSON.stringify(sources.map((s) => s.kinds))})`);

      if (removal === 'the publisher unpublishes') {
        const r = await attacker.request('delete', `${attacker.sessionUri()}/stream/${streamId}`, {});
        assert.equal(r.status, 200, JSON.stringify(r.payload));
      } else {
        attacker.sendFrame({ type: 4, headers: { reconnect: '' } });  // DISCONNECT: leaving for good
        await attacker.close();
      }
      // The worker has processed the removal once a stats request behind it no longer lists it.
      const deadline = Date.now() + 15000;
      for (;;) {
        const stats = await mediaStats(fx, sid);
        const ids = (stats.publications ?? []).map((p) => p.streamId);
        if (!ids.includes(streamId) && ids.includes(victimPub.streamId)) break;
        assert.ok(Date.now() < deadline, `the publication was not removed: ${JSON.stringify(stats).slice(0, 500)}`);
        await delay(200);
      }

      // Every address the transport ever authenticated now sends media and checks.
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < sources.length; i++) {
          await send(sources[i], rtpPacket({ seq: round * 100 + i }), target);
          await send(sources[i], bindingRequest({ username: `${ice.ufrag}:${OFFER_UFRAG}`, password: ice.pwd }).bytes, target);
        }
      }
      // Nothing comes back to prove the packets were handled; a stats snapshot requested after
      // them (the worker answers requests in order: wait until the answer reaches the request
      // number the first call announced) does, then the process must still be there.
      await workerBarrier(fx, sid);
      await assertHealthy(fx.server, `after RTP from ${SOURCES} addresses of a removed transport (${authenticated} authenticated)`);
      const after = await fx.server.waitExit(1000);
      assert.equal(after, null, `parleyd exited: ${JSON.stringify(after)}\n${fx.server.logs()}`);
      await assertVictimUnharmed(fx, victim);
      const stats = await mediaStats(fx, sid);
      assert.ok((stats.publications ?? []).some((p) => p.streamId === victimPub.streamId), 'the bystander\'s publication is gone');
    }
  }
});
