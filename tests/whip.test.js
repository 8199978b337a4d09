// WHIP ingest and WHEP playback (issue 15 §5, RFC 9725, docs/protocol.md §10). WHIP: a publisher
// without an OpenTok client — here a plain browser page with RTCPeerConnection and fetch, as OBS
// or GStreamer would — POSTs its SDP offer to parleyd with a client token, gets the SFU's
// answer, and its stream appears in the session: OpenTok.js 2.35.2 and parley.js clients see a
// connection and a stream and decode it. DELETE ends it; a publisher that just goes away is
// removed when its media stops. WHEP: a plain player page watches a stream that OpenTok.js or
// parley.js publishes (or a WHIP publisher), and leaves with DELETE or when the stream ends.
// Every refusal (no token, a subscriber's token, another session's, bad SDP, a relayed session,
// an unknown stream, PATCH) leaves nothing behind in the session.
//
// (Debian 12's GStreamer has no WHIP element and its ffmpeg no WHIP muxer, hence the page.)
// Run: PARLEYD=build/asan/parleyd node --test --test-concurrency=1 tests/whip.test.js

import { describe, before, test } from 'node:test';
import assert from 'node:assert/strict';

import { openClientPage, waitUntil, testClients, clientLabel } from './lib/browser.js';
import { useBrowserStack } from './lib/parleyd-browser.js';

const T = { timeout: 180000 };

describe('WHIP publishers in a routed session', () => {
  const fx = useBrowserStack();
  let browser;
  let web;
  let be;
  before(() => ({ browser, web, be } = fx));

  const endpoint = (sessionId) => `${be.server.url}/whip/${sessionId}`;

  async function whipPage(t) {
    const context = await browser.newContext();
    t.after(() => context.close());
    const page = await context.newPage();
    await page.goto(web.pageUrl('whip'), { waitUntil: 'load' });
    return page;
  }

  async function viewer(t, client, sessionId) {
    const page = await openClientPage(browser, { pageUrl: web.pageUrl('opentok-client'), name: `viewer-${client}`, client });
    t.after(() => page.close());
    await page.connect({ proxyUrl: be.proxyUrl, apiKey: be.apiKey, sessionId, token: be.token(sessionId, { role: 'subscriber' }) });
    return page;
  }

  // The session's connections and streams through REST.
  async function restView(sessionId) {
    const res = await fetch(`${be.server.url}/v2/project/${be.apiKey}/session/${sessionId}/connection`, {
      headers: { 'X-OPENTOK-AUTH': be.restJwt(), Accept: 'application/json' },
    });
    assert.equal(res.status, 200);
    const connections = (await res.json()).items;
    const streams = await be.listStreams(sessionId);
    return { connections, streams };
  }

  test('a WHIP stream reaches OpenTok.js and parley.js subscribers; DELETE ends it for everyone', T, async (t) => {
    const sessionId = await be.createSession({ mediaMode: 'routed' });
    const viewers = [];
    for (const client of testClients()) viewers.push({ client, page: await viewer(t, client, sessionId) });
    const whip = await whipPage(t);
    const token = be.token(sessionId, { role: 'publisher', data: 'name=obs' });
    const published = await whip.evaluate(([url, tok]) => window.whip.publish(url, tok), [`${endpoint(sessionId)}?name=from%20OBS`, token]);
    assert.equal(published.status, 201, JSON.stringify(published));
    assert.equal(published.contentType, 'application/sdp');
    assert.match(published.location, new RegExp(`/whip/${sessionId}/[0-9a-f-]{36}$`));

    let streamId;
    for (const { client, page } of viewers) {
      const created = await page.waitForEvent({ event: 'streamCreated' }, { timeoutMs: 30000 });
      assert.equal(created.name, 'from OBS', `${clientLabel(client)}: ${JSON.stringify(created)}`);
      assert.equal(created.hasAudio, true);
      assert.equal(created.hasVideo, true);
      streamId = created.streamId;
      const r = await page.subscribe(streamId);
      assert.ok(r.ok, `${clientLabel(client)} subscribe: ${JSON.stringify(r)}${page.diagnostics()}`);
      const v = await page.waitForFrames(streamId, 20, { timeoutMs: 30000 });
      assert.ok(v.videoWidth > 0, JSON.stringify(v));
    }
    // REST sees it like any publisher: one connection (with the token's data) and its stream.
    const view = await restView(sessionId);
    assert.equal(view.streams.length, 1);
    assert.equal(view.streams[0].id, streamId);
    assert.equal(view.streams[0].name, 'from OBS');

    assert.equal(await whip.evaluate((tok) => window.whip.stop(tok), token), 200);
    for (const { page } of viewers) await page.waitForEvent({ event: 'streamDestroyed', streamId }, { timeoutMs: 20000 });
    await waitUntil(async () => (await restView(sessionId)).streams.length === 0, { timeoutMs: 10000, message: 'stream gone from REST' });
    // The resource is gone: a second DELETE is a 404.
    const again = await whip.evaluate(([url, tok]) => window.whip.request('DELETE', url, tok), [published.location, token]);
    assert.equal(again.status, 404);
  });

  test('refusals: no token, wrong content type, a subscriber token, another session, bad SDP, a relayed session, PATCH, a stranger\'s DELETE', T, async (t) => {
    const sessionId = await be.createSession({ mediaMode: 'routed' });
    const relayed = await be.createSession({ mediaMode: 'relayed' });
    const other = await be.createSession({ mediaMode: 'routed' });
    const whip = await whipPage(t);
    const offer = await whip.evaluate(async () => {
      const pc = new RTCPeerConnection();
      pc.addTransceiver('video', { direction: 'sendonly' });
      await pc.setLocalDescription(await pc.createOffer());
      const sdp = pc.localDescription.sdp;
      pc.close();
      return sdp;
    });
    const post = (url, token, body = offer, contentType = 'application/sdp') =>
      whip.evaluate(([u, tok, b, ct]) => window.whip.request('POST', u, tok, { body: b, contentType: ct }), [url, token, body, contentType]);
    const publisherToken = be.token(sessionId, { role: 'publisher' });

    assert.equal((await post(endpoint(sessionId), '')).status, 401);
    assert.equal((await post(endpoint(sessionId), 'not-a-token')).status, 401);
    assert.equal((await post(endpoint(sessionId), publisherToken, offer, 'application/json')).status, 415);
    const sub = await post(endpoint(sessionId), be.token(sessionId, { role: 'subscriber' }));
    assert.equal(sub.status, 403, sub.body);
    assert.equal((await post(endpoint(sessionId), be.token(other, { role: 'publisher' }))).status, 403);
    const garbage = await post(endpoint(sessionId), publisherToken, 'v=0\r\nthis is not sdp\r\n');
    assert.equal(garbage.status, 400, garbage.body);
    assert.equal((await post(endpoint(sessionId), publisherToken, 'x'.repeat(70000))).status, 400);
    const p2p = await post(endpoint(relayed), be.token(relayed, { role: 'publisher' }));
    assert.equal(p2p.status, 409, p2p.body);
    assert.match(p2p.body, /routed/);
    assert.equal((await post(`${be.server.url}/whip/2_MX4xMjM0NTY3OH5-bm9zdWNo`, publisherToken)).status, 403);
    // Nothing was left behind by any of them.
    for (const sid of [sessionId, relayed]) {
      const view = await restView(sid);
      assert.deepEqual(view, { connections: [], streams: [] }, sid);
    }

    // One that works, then PATCH and a stranger's DELETE are refused and change nothing.
    const created = await whip.evaluate(async ([url, tok, b]) => {
      const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/sdp', Authorization: `Bearer ${tok}` }, body: b });
      return { status: res.status, location: res.headers.get('Location') };
    }, [endpoint(sessionId), publisherToken, offer]);
    assert.equal(created.status, 201);
    const location = new URL(created.location, be.server.url).toString();
    const patch = await whip.evaluate(([u, tok]) => window.whip.request('PATCH', u, tok, { body: 'a=end-of-candidates\r\n', contentType: 'application/trickle-ice-sdpfrag' }), [location, publisherToken]);
    assert.equal(patch.status, 405);
    const stranger = await whip.evaluate(([u, tok]) => window.whip.request('DELETE', u, tok), [location, be.token(sessionId, { role: 'publisher' })]);
    assert.equal(stranger.status, 403);
    assert.equal((await restView(sessionId)).connections.length, 1);
    assert.equal((await whip.evaluate(([u, tok]) => window.whip.request('DELETE', u, tok), [location, publisherToken])).status, 200);
    assert.equal((await restView(sessionId)).connections.length, 0);
  });

  test('a WHIP publisher that goes away without DELETE is removed when its media stops', T, async (t) => {
    const sessionId = await be.createSession({ mediaMode: 'routed' });
    const [client] = testClients();
    const page = await viewer(t, client, sessionId);
    const whip = await whipPage(t);
    const published = await whip.evaluate(([url, tok]) => window.whip.publish(url, tok), [endpoint(sessionId), be.token(sessionId, { role: 'publisher' })]);
    assert.equal(published.status, 201, JSON.stringify(published));
    const created = await page.waitForEvent({ event: 'streamCreated' }, { timeoutMs: 30000 });
    await whip.evaluate(() => window.whip.pc.close());
    // ICE consent runs out after 30 s without checks (docs/protocol.md §9.2).
    await page.waitForEvent({ event: 'streamDestroyed', streamId: created.streamId }, { timeoutMs: 90000 });
    let last;
    await waitUntil(async () => (last = await restView(sessionId)).connections.length === 1, { timeoutMs: 20000, message: 'the WHIP connection removed' })
      .catch((e) => { throw new Error(`${e.message}: ${JSON.stringify(last)}${be.logTail(3000)}`); });
  });

  async function publisherPage(t, client, sessionId) {
    const page = await openClientPage(browser, { pageUrl: web.pageUrl('opentok-client'), name: `pub-${client}`, client });
    t.after(() => page.close());
    await page.connect({ proxyUrl: be.proxyUrl, apiKey: be.apiKey, sessionId, token: be.token(sessionId, { role: 'publisher' }) });
    return page;
  }

  const viewEndpoint = (sessionId, streamId) => `${be.server.url}/whep/${sessionId}/${streamId}`;

  test('WHEP: a plain player watches what OpenTok.js and parley.js publish; DELETE and the stream\'s end remove it', T, async (t) => {
    for (const client of testClients()) {
      const sessionId = await be.createSession({ mediaMode: 'routed' });
      const pub = await publisherPage(t, client, sessionId);
      const published = await pub.publish({ resolution: '640x480', width: 640, height: 480 });
      assert.ok(published.ok, JSON.stringify(published));
      const players = [await whipPage(t), await whipPage(t)];
      const token = be.token(sessionId, { role: 'subscriber' });
      for (const player of players) {
        const viewed = await player.evaluate(([url, tok]) => window.whip.view(url, tok), [viewEndpoint(sessionId, published.streamId), token]);
        assert.equal(viewed.status, 201, `${clientLabel(client)}: ${JSON.stringify(viewed)}${be.logTail(3000)}`);
        assert.match(viewed.location, new RegExp(`/whep/${sessionId}/${published.streamId}/[0-9a-f-]{36}$`));
      }
      let got;
      for (const player of players) {
        await waitUntil(async () => {
          got = await player.evaluate(() => window.whip.received());
          return got.framesDecoded >= 30 && got.frameWidth > 0 && got.audioPackets > 20;
        }, { timeoutMs: 30000, message: `${clientLabel(client)}: the WHEP player decodes` }).catch((e) => {
          throw new Error(`${e.message}: ${JSON.stringify(got)}${be.logTail(3000)}`);
        });
      }
      // Each player is a connection of the session, as any viewer.
      assert.equal((await restView(sessionId)).connections.length, 3);
      // One leaves with DELETE; the other goes when the stream ends.
      assert.equal(await players[0].evaluate((tok) => window.whip.stop(tok), token), 200);
      assert.equal((await restView(sessionId)).connections.length, 2);
      assert.ok((await pub.call('unpublish')).ok !== false);
      await waitUntil(async () => (await restView(sessionId)).connections.length === 1,
        { timeoutMs: 15000, message: `${clientLabel(client)}: the second player removed when the stream ended` });
    }
  });

  test('WHEP: a player that closes without DELETE is removed once it is quiet after its close_notify, before ICE consent runs out', T, async (t) => {
    const [client] = testClients();
    const sessionId = await be.createSession({ mediaMode: 'routed' });
    const pub = await publisherPage(t, client, sessionId);
    const published = await pub.publish({ resolution: '320x240', width: 320, height: 240 });
    assert.ok(published.ok, JSON.stringify(published));
    const player = await whipPage(t);
    const viewed = await player.evaluate(([url, tok]) => window.whip.view(url, tok), [viewEndpoint(sessionId, published.streamId), be.token(sessionId, { role: 'subscriber' })]);
    assert.equal(viewed.status, 201, JSON.stringify(viewed));
    let got;
    await waitUntil(async () => (got = await player.evaluate(() => window.whip.received())).framesDecoded >= 10,
      { timeoutMs: 30000, message: 'the WHEP player decodes' }).catch((e) => { throw new Error(`${e.message}: ${JSON.stringify(got)}`); });
    assert.equal((await restView(sessionId)).connections.length, 2);
    // The subscriber's transport no longer reads DTLS (docs/media.md), so the close_notify
    // is only a hint; the quiet after it (7 s) ends the viewer, where ICE consent takes 30 s.
    const closedAt = Date.now();
    await player.evaluate(() => window.whip.pc.close());
    await waitUntil(async () => (await restView(sessionId)).connections.length === 1,
      { timeoutMs: 25000, message: 'the closed player removed before ICE consent runs out (30 s)' })
      .catch((e) => { throw new Error(`${e.message}${be.logTail(3000)}`); });
    t.diagnostic(`WHEP player closed to removed: ${Date.now() - closedAt} ms`);
  });

  test('WHEP refusals: an unknown stream, no or a bad token, a publish-only token, a relayed session', T, async (t) => {
    const sessionId = await be.createSession({ mediaMode: 'routed' });
    const relayed = await be.createSession({ mediaMode: 'relayed' });
    const [client] = testClients();
    const pub = await publisherPage(t, client, sessionId);
    const published = await pub.publish();
    assert.ok(published.ok);
    const player = await whipPage(t);
    const view = (url, tok) => player.evaluate(([u, k]) => window.whip.view(u, k), [url, tok]);
    assert.equal((await view(viewEndpoint(sessionId, 'no-such-stream'), be.token(sessionId, { role: 'subscriber' }))).status, 404);
    assert.equal((await view(viewEndpoint(sessionId, published.streamId), 'bad')).status, 401);
    assert.equal((await view(viewEndpoint(sessionId, published.streamId), be.token(sessionId, { role: 'publisheronly' }))).status, 403);
    const p2p = await view(viewEndpoint(relayed, published.streamId), be.token(relayed, { role: 'subscriber' }));
    assert.equal(p2p.status, 409, JSON.stringify(p2p));
    assert.match(p2p.error, /routed/);
    // Only the publisher is left in the session.
    assert.equal((await restView(sessionId)).connections.length, 1);
    assert.deepEqual(await restView(relayed), { connections: [], streams: [] });
  });

  test('WHIP to WHEP: what a plain page publishes, a plain player watches', T, async (t) => {
    const sessionId = await be.createSession({ mediaMode: 'routed' });
    const sender = await whipPage(t);
    const published = await sender.evaluate(([url, tok]) => window.whip.publish(url, tok), [endpoint(sessionId), be.token(sessionId, { role: 'publisher' })]);
    assert.equal(published.status, 201, JSON.stringify(published));
    let streamId;
    await waitUntil(async () => {
      const { streams } = await restView(sessionId);
      streamId = streams[0]?.id;
      return streamId;
    }, { timeoutMs: 20000, message: 'the WHIP stream announced' });
    const player = await whipPage(t);
    const viewed = await player.evaluate(([url, tok]) => window.whip.view(url, tok), [viewEndpoint(sessionId, streamId), be.token(sessionId, { role: 'subscriber' })]);
    assert.equal(viewed.status, 201, JSON.stringify(viewed));
    let got;
    await waitUntil(async () => {
      got = await player.evaluate(() => window.whip.received());
      return got.framesDecoded >= 30 && got.frameWidth > 0;
    }, { timeoutMs: 30000, message: 'the player decodes the WHIP stream' }).catch((e) => {
      throw new Error(`${e.message}: ${JSON.stringify(got)}`);
    });
  });
});
