// TURN for firewalled users (docs/operations.md "TURN"): parleyd hands out short-lived TURN
// REST API credentials in the session info's ice_servers; a real coturn (Debian package
// `coturn`, started here on 127.0.0.1 with use-auth-secret) accepts them and refuses wrong or
// expired ones; Chromium pages that may only use relay candidates (OpenTok.js's and parley.js's
// `iceConfig.transportPolicy: 'relay'`) publish and subscribe through it, in routed and in
// relayed sessions.
//
// Everything is on loopback: coturn relays from 127.0.0.1 to 127.0.0.1, which it refuses
// unless configured with allow-loopback-peers (tests/lib/coturn.js).
//
// Run: PARLEYD=build/asan/parleyd node --test --test-concurrency=1 tests/turn-relay.test.js

import { describe, before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';

import { ClientPage, testClients, clientLabel, waitUntil } from './lib/browser.js';
import { startBrowserBackend, startBrowserStack, stopBrowserStack } from './lib/parleyd-browser.js';
import { startCoturn, turnAllocate, restCredentials } from './lib/coturn.js';
import { getSessionInfo, nowSeconds } from './lib/parleyd.js';

const T = { timeout: 180000 };
const TTL = 3600;

// What both clients take in OT.initSession options: relay candidates only.
const RELAY_ONLY = { iceConfig: { includeServers: 'all', transportPolicy: 'relay', customServers: [] } };

// Remembers every RTCPeerConnection the page creates. Runs before the client loads (an init
// script), so whatever reference to the constructor the client keeps is this subclass.
function trackPeerConnections() {
  const Native = window.RTCPeerConnection;
  window.__pcs = new Set();
  class TrackedPeerConnection extends Native {
    constructor(...args) {
      super(...args);
      window.__pcs.add(this);
    }
  }
  window.RTCPeerConnection = TrackedPeerConnection;
  if (window.webkitRTCPeerConnection) window.webkitRTCPeerConnection = TrackedPeerConnection;
}

// openClientPage (tests/lib/browser.js) with trackPeerConnections installed before the page's
// scripts run.
async function openTrackedPage(browser, { pageUrl, name, client }) {
  const u = new URL(pageUrl);
  if (client === 'parley') u.searchParams.set('client', 'parley');
  const context = await browser.newContext({ viewport: { width: 800, height: 600 } });
  await context.addInitScript(trackPeerConnections);
  const page = await context.newPage();
  const cp = new ClientPage({ name, context, page });
  cp._attach();
  try {
    await page.goto(u.toString(), { waitUntil: 'load', timeout: 45000 });
    await page.waitForFunction(() => window.parley && window.OT && window.__pcs, null, { timeout: 10000 });
  } catch (err) {
    const diag = cp.diagnostics();
    await cp.close();
    throw new Error(`${name}: could not load ${u}: ${err.message}${diag}`);
  }
  return cp;
}

// For each open peer connection: its ICE transport policy and the selected candidate pair.
async function peerConnectionPaths() {
  const out = [];
  for (const pc of window.__pcs) {
    if (pc.connectionState === 'closed') continue;
    const stats = await pc.getStats();
    let pairId = null;
    stats.forEach((s) => {
      if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
    });
    const pair = pairId ? stats.get(pairId) : null;
    const local = pair ? stats.get(pair.localCandidateId) : null;
    const remote = pair ? stats.get(pair.remoteCandidateId) : null;
    const localCandidates = new Set();
    stats.forEach((s) => {
      if (s.type === 'local-candidate') localCandidates.add(`${s.candidateType}/${s.relayProtocol ?? s.protocol}`);
    });
    out.push({
      connectionState: pc.connectionState,
      policy: pc.getConfiguration().iceTransportPolicy,
      turnUrls: pc.getConfiguration().iceServers.flatMap((s) => [].concat(s.urls)).filter((u) => u.startsWith('turn')),
      pairState: pair?.state ?? null,
      bytesReceived: pair?.bytesReceived ?? 0,
      local: local ? { type: local.candidateType, relayProtocol: local.relayProtocol ?? null, address: `${local.address}:${local.port}` } : null,
      remote: remote ? { type: remote.candidateType, address: `${remote.address}:${remote.port}` } : null,
      localCandidates: [...localCandidates].sort(),
    });
  }
  return out;
}

describe('TURN relay through coturn', () => {
  const secret = crypto.randomBytes(18).toString('base64url');
  let turn;
  let stack;
  const be = () => stack.be;

  before(async () => {
    turn = await startCoturn({ secret });
    try {
      stack = await startBrowserStack({
        extraArgs: ['--turn-url', `turn:127.0.0.1:${turn.port}`, '--turn-secret', secret, '--turn-ttl', String(TTL)],
      });
    } catch (err) {
      await turn.stop();
      throw err;
    }
  });
  after(async () => {
    try {
      await stopBrowserStack(stack);
    } finally {
      await turn?.stop();
    }
  });

  test('the session info carries TURN credentials that coturn accepts; wrong and expired ones are refused', T, async () => {
    for (const mediaMode of ['routed', 'relayed']) {
      const sessionId = await be().createSession({ mediaMode });
      const before = nowSeconds();
      const res = await getSessionInfo(be().server.url, sessionId, be().token(sessionId));
      assert.equal(res.status, 200, res.body);
      const [info] = JSON.parse(res.body);
      const servers = info.ice_servers;
      assert.ok(Array.isArray(servers) && servers.length === 2, JSON.stringify(servers));
      const turnEntry = servers.find((s) => s.urls.some((u) => u.startsWith('turn:')));
      // One turn: URL on the command line is offered over both transports.
      assert.deepEqual(turnEntry.urls, [`turn:127.0.0.1:${turn.port}?transport=udp`, `turn:127.0.0.1:${turn.port}?transport=tcp`]);
      const [expiry, user] = turnEntry.username.split(':');
      assert.ok(Number(expiry) >= before + TTL && Number(expiry) <= nowSeconds() + TTL, `expiry ${expiry}, now ${before}`);
      assert.match(user, /^[0-9a-f-]{36}$/, 'the user part is the connection id the client sent');
      assert.equal(turnEntry.credential, restCredentials(secret, user, Number(expiry)).credential, `${mediaMode}: HMAC-SHA1 of the username`);

      const ok = await turnAllocate({ port: turn.port, username: turnEntry.username, password: turnEntry.credential });
      assert.equal(ok.ok, true, `coturn refused parleyd's credentials: ${JSON.stringify(ok)}${turn.tail()}`);
    }
    const now = nowSeconds();
    const good = restCredentials(secret, 'mallory', now + 600);
    const tampered = good.credential.startsWith('A') ? `B${good.credential.slice(1)}` : `A${good.credential.slice(1)}`;
    const otherSecret = restCredentials(`${secret}x`, 'mallory', now + 600);
    const expired = restCredentials(secret, 'mallory', now - 30);
    const longer = { username: `${now + 999999}:mallory`, credential: good.credential }; // expiry edited
    for (const [what, username, password] of [
      ['tampered credential', good.username, tampered],
      ['credential signed with another secret', otherSecret.username, otherSecret.credential],
      ['expired credential', expired.username, expired.credential],
      ['expiry changed after signing', longer.username, longer.credential],
    ]) {
      const r = await turnAllocate({ port: turn.port, username, password });
      assert.equal(r.ok, false, `${what} accepted`);
      assert.equal(r.errorCode, 401, `${what}: ${JSON.stringify(r)}`);
    }
    // The positive control with the same client code.
    const r = await turnAllocate({ port: turn.port, username: good.username, password: good.credential });
    assert.equal(r.ok, true, JSON.stringify(r));
  });

  // A publisher and a subscriber page on `backend`, both relay-only: decoded frames, relay
  // candidate pairs on both pages, allocations in coturn's log for both connections.
  async function relayCall(t, { backend, client, mediaMode, relayProtocol }) {
    const sessionId = await backend.createSession({ mediaMode });
    const join = async (name) => {
      const page = await openTrackedPage(stack.browser, { pageUrl: stack.web.pageUrl('opentok-client'), name, client });
      t.after(() => page.close());
      const cid = await page.connect({
        proxyUrl: backend.proxyUrl, apiKey: backend.apiKey, sessionId, token: backend.token(sessionId, { data: `name=${name}` }), sessionOptions: RELAY_ONLY,
      });
      return { page, cid };
    };
    const pub = await join('pub');
    const sub = await join('sub');
    const diag = () => `${pub.page.diagnostics()}${sub.page.diagnostics()}${backend.logTail()}${turn.tail()}`;

    const published = await pub.page.publish({ width: 320, height: 240 });
    assert.ok(published.ok, `publish failed: ${JSON.stringify(published)}${diag()}`);
    await sub.page.waitForEvent({ event: 'streamCreated', streamId: published.streamId }, { timeoutMs: 30000 });
    const subscribed = await sub.page.subscribe(published.streamId, { timeoutMs: 60000 });
    assert.ok(subscribed.ok, `subscribe failed: ${JSON.stringify(subscribed)}${diag()}`);
    const video = await sub.page.waitForFrames(published.streamId, 30, { timeoutMs: 60000 });
    assert.ok(video.videoWidth > 0 && video.videoHeight > 0, JSON.stringify(video));

    // Both ends of the media path use a TURN allocation: every connected peer connection was
    // created relay-only, and its selected pair succeeded on a local relay candidate.
    for (const p of [pub, sub]) {
      let seen = null;
      const paths = await waitUntil(async () => {
        seen = await p.page.page.evaluate(peerConnectionPaths);
        const connected = seen.filter((x) => x.connectionState === 'connected');
        return connected.length > 0 && connected.every((x) => x.pairState === 'succeeded') ? connected : null;
      }, { timeoutMs: 30000, message: `${p.page.name}: a connected peer connection with a selected pair` })
        .catch((err) => assert.fail(`${err.message}; peer connections: ${JSON.stringify(seen)}`));
      for (const path of paths) {
        const where = `${p.page.name}: ${JSON.stringify(path)}`;
        assert.equal(path.policy, 'relay', where);
        assert.ok(path.turnUrls.length > 0, where);
        assert.equal(path.local.type, 'relay', where);
        assert.equal(path.local.address.split(':')[0], '127.0.0.1', where);
        assert.ok(relayProtocol.includes(path.local.relayProtocol), where);
        assert.ok(path.bytesReceived > 0, where);
        assert.ok(path.localCandidates.every((c) => c.startsWith('relay/')), where);
      }
    }

    // coturn saw the allocations, under usernames that name each page's connection.
    for (const p of [pub, sub]) {
      const line = new RegExp(`user <\\d+:${p.cid}>: incoming packet ALLOCATE processed, success`);
      await waitUntil(() => line.test(turn.log()), { timeoutMs: 10000, message: `coturn log: allocation for ${p.page.name} (${p.cid})` })
        .catch((err) => assert.fail(`${err.message}${turn.tail()}`));
    }
  }

  for (const client of testClients()) {
    for (const mediaMode of ['routed', 'relayed']) {
      test(`${mediaMode} session, ${clientLabel(client)}: publish and subscribe with relay candidates only`, T, async (t) => {
        await relayCall(t, { backend: be(), client, mediaMode, relayProtocol: ['udp', 'tcp'] });
      });
    }
  }

  // TURN over TCP, for networks that drop UDP: a second parleyd offers only the tcp URL.
  test(`routed session, ${clientLabel(testClients()[0])}: TURN over TCP only`, T, async (t) => {
    const backend = await startBrowserBackend({
      extraArgs: ['--turn-url', `turn:127.0.0.1:${turn.port}?transport=tcp`, '--turn-secret', secret],
    });
    t.after(() => backend.server.stop());
    await relayCall(t, { backend, client: testClients()[0], mediaMode: 'routed', relayProtocol: ['tcp'] });
  });
});
