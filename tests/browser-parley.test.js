// parley.js, Parley's own client, in headless Chromium against parleyd (issue 5):
//  - a page written like OpenTok's basic video chat tutorial runs on parley.js by changing
//    only its script tag, in routed and relayed sessions, and talks to nobody but parleyd;
//  - parley.js and the official OpenTok.js in one session see, hear and signal each other;
//  - both clients report the same OT error codes for the same mistakes;
//  - the ES module and the served type declarations.
// The rest of parley.js's behaviour is covered by running browser-signaling and
// browser-routed with both clients.
//
// Run: PARLEYD=build/asan/parleyd node --test tests/browser-parley.test.js

import { describe, before, after, test } from 'node:test';
import assert from 'node:assert/strict';

import { openClientPage, waitUntil } from './lib/browser.js';
import { startBrowserStack, stopBrowserStack } from './lib/parleyd-browser.js';

const T = { timeout: 90000 };

describe('parley.js in Chromium', () => {
  let browser;
  let web;
  let be;

  before(async () => {
    ({ browser, web, be } = await startBrowserStack());
  });

  after(async () => {
    await stopBrowserStack({ browser, web, be });
  });

  // The tutorial page with parley.js straight from parleyd (/sdk/parley.js). Returns the page
  // and every URL it requested and every console error it printed.
  async function openTutorial(t, sessionId, name) {
    const context = await browser.newContext({ viewport: { width: 700, height: 520 } });
    t.after(() => context.close());
    const page = await context.newPage();
    const requests = [];
    const errors = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('websocket', (ws) => requests.push(ws.url()));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    const q = new URLSearchParams({
      sdk: `${be.server.url}/sdk/parley.js`,
      apiKey: be.apiKey,
      sessionId,
      token: be.token(sessionId, { role: 'publisher', data: `name=${name}` }),
    });
    await page.goto(`${web.url}/tutorial.html?${q}`, { waitUntil: 'load' });
    return { page, requests, errors, name };
  }

  // Decoded frames of the first <video> under `selector` (0 when there is none yet).
  const framesIn = (page, selector) => page.evaluate((sel) => {
    const v = document.querySelector(`${sel} video`);
    if (!v) return 0;
    const q = v.getVideoPlaybackQuality();
    return v.videoWidth > 0 ? q.totalVideoFrames : 0;
  }, selector);

  for (const mediaMode of ['routed', 'relayed']) {
    test(`the basic video chat tutorial runs unmodified on parley.js (${mediaMode})`, T, async (t) => {
      const sessionId = await be.createSession({ mediaMode });
      const a = await openTutorial(t, sessionId, 'alice');
      const b = await openTutorial(t, sessionId, 'bob');
      const diag = () => `\nalice errors: ${a.errors.join('\n')}\nbob errors: ${b.errors.join('\n')}${be.logTail(3000)}`;
      for (const p of [a, b]) {
        const seen = [];
        await waitUntil(async () => {
          const sub = await framesIn(p.page, '#subscriber');
          const pub = await framesIn(p.page, '#publisher');
          seen.push([pub, sub]);
          return sub > 10 && pub > 10;
        }, { timeoutMs: 40000, message: `${p.name}: own camera and the other's video decoding (${diag()})` });
        // The widget sits inside the target element, sized by the tutorial's options.
        const box = await p.page.evaluate(() => {
          const el = document.querySelector('#subscriber .OT_subscriber');
          return el ? { w: el.getBoundingClientRect().width, h: el.getBoundingClientRect().height } : null;
        });
        assert.deepEqual(box, { w: 640, h: 480 });
      }
      for (const p of [a, b]) {
        assert.deepEqual(p.errors, [], `${p.name} printed errors`);
        // Nothing but parleyd and the page's own origin: no config, logging or analytics hosts.
        const foreign = p.requests.filter((u) => !u.startsWith(be.server.url) && !u.startsWith(web.url) && !u.startsWith(be.server.url.replace('http', 'ws')));
        assert.deepEqual(foreign, [], `${p.name} contacted other hosts`);
        assert.ok(p.requests.some((u) => u.startsWith(`${be.server.url}/session/${sessionId}`)), 'session info from parleyd');
      }
    });
  }

  // A harness page (tests/pages/opentok-client.html) on either client, connected.
  async function join(t, sessionId, name, client, role = 'publisher') {
    const page = await openClientPage(browser, { pageUrl: web.pageUrl('opentok-client'), name, client });
    t.after(() => page.close());
    const token = be.token(sessionId, { role, data: `name=${name}` });
    const cid = await page.connect({ proxyUrl: be.proxyUrl, apiKey: be.apiKey, sessionId, token, signalTypes: ['chat'] });
    return { page, cid, name };
  }

  async function publishOk(p) {
    const r = await p.page.publish({ width: 320, height: 240 });
    assert.ok(r.ok, `${p.name}: publish ${JSON.stringify(r)}${p.page.diagnostics()}${be.logTail()}`);
    return r.streamId;
  }

  async function subscribeOk(p, streamId) {
    await p.page.waitForEvent({ event: 'streamCreated', streamId }, { timeoutMs: 20000 });
    const r = await p.page.subscribe(streamId);
    assert.ok(r.ok, `${p.name}: subscribe ${JSON.stringify(r)}${p.page.diagnostics()}${be.logTail()}`);
  }

  // Audio energy grows only while sound arrives (Chromium's fake microphone beeps).
  async function hears(p, streamId) {
    const first = await p.page.call('subscriberAudio', [streamId]);
    return waitUntil(async () => {
      const now = await p.page.call('subscriberAudio', [streamId]);
      return now.ok && now.packetsReceived > first.packetsReceived + 20 && now.totalAudioEnergy > first.totalAudioEnergy ? now : null;
    }, { timeoutMs: 20000, message: `${p.name} hears ${streamId}` });
  }

  for (const mediaMode of ['relayed', 'routed']) {
    test(`parley.js and OpenTok.js in one ${mediaMode} session see, hear and signal each other`, T, async (t) => {
      const sessionId = await be.createSession({ mediaMode });
      const ours = await join(t, sessionId, 'parley', 'parley');
      const theirs = await join(t, sessionId, 'opentok', 'opentok');
      const [oursStream, theirsStream] = [await publishOk(ours), await publishOk(theirs)];
      await Promise.all([subscribeOk(ours, theirsStream), subscribeOk(theirs, oursStream)]);
      await ours.page.waitForFrames(theirsStream, 20);
      await theirs.page.waitForFrames(oursStream, 20);
      const heard = await Promise.all([hears(ours, theirsStream), hears(theirs, oursStream)]);
      t.diagnostic(`audio energy heard: parley.js ${heard[0].totalAudioEnergy.toFixed(3)}, OpenTok.js ${heard[1].totalAudioEnergy.toFixed(3)}`);

      // Each sees the other's connection with its data, and the same stream properties.
      const seen = await ours.page.waitForEvent({ event: 'connectionCreated', connectionId: theirs.cid });
      assert.equal(seen.data, 'name=opentok');
      const stOurs = await ours.page.state();
      const stTheirs = await theirs.page.state();
      const byId = (st) => Object.fromEntries(st.streams.map((s) => [s.streamId, s]));
      assert.deepEqual(byId(stOurs), byId(stTheirs));

      // Signals both ways: typed, untyped, and to one connection.
      assert.ok((await ours.page.signal({ type: 'chat', data: 'hi from parley.js' })).ok);
      const got = await theirs.page.waitForEvent({ event: 'signal', listener: 'signal:chat', data: 'hi from parley.js' });
      assert.equal(got.from, ours.cid);
      assert.ok((await theirs.page.signal({ data: 'untyped from OpenTok.js', to: ours.cid })).ok);
      const back = await ours.page.waitForEvent({ event: 'signal', listener: 'signal', data: 'untyped from OpenTok.js' });
      assert.equal(back.from, theirs.cid);

      // Audio levels and stats on both subscribers.
      for (const [p, sid] of [[ours, theirsStream], [theirs, oursStream]]) {
        await p.page.call('audioLevelMax', [sid]);
        const level = await waitUntil(async () => {
          const l = await p.page.call('audioLevelMax', [sid]);
          return l.ok && l.events > 5 && l.max > 0 ? l : null;
        }, { timeoutMs: 15000, message: `${p.name}: audioLevelUpdated above 0` });
        t.diagnostic(`${p.name}: ${level.events} audioLevelUpdated events, max ${level.max.toFixed(3)}`);
        const stats = await p.page.call('subscriberStats', [sid]);
        assert.ok(stats.ok && stats.stats.video.bytesReceived > 0 && stats.stats.audio.packetsReceived > 0, `${p.name} getStats: ${JSON.stringify(stats)}`);
      }

      // Muting and turning the camera off on one side shows on the other, on either client.
      for (const [from, to, sid] of [[ours, theirs, oursStream], [theirs, ours, theirsStream]]) {
        const mark = await to.page.mark();
        assert.ok((await from.page.call('setPublishing', [{ audio: false, video: false }])).ok);
        await to.page.waitForEvent({ event: 'streamPropertyChanged', streamId: sid, changedProperty: 'hasAudio', newValue: false }, { after: mark });
        await to.page.waitForEvent({ event: 'streamPropertyChanged', streamId: sid, changedProperty: 'hasVideo', newValue: false }, { after: mark });
        await to.page.waitForEvent({ event: 'subscriberVideoDisabled', streamId: sid, reason: 'publishVideo' }, { after: mark });
        assert.ok((await from.page.call('setPublishing', [{ video: true }])).ok);
        await to.page.waitForEvent({ event: 'subscriberVideoEnabled', streamId: sid, reason: 'publishVideo' }, { after: mark });
      }
    });
  }

  test('both clients report the same OT errors for the same mistakes', { timeout: 120000 }, async (t) => {
    const sessionId = await be.createSession({ mediaMode: 'relayed' });
    const other = await be.createSession({ mediaMode: 'relayed' });
    const results = {};
    for (const client of ['opentok', 'parley']) {
      const r = {};
      // A token minted for another session.
      const bad = await openClientPage(browser, { pageUrl: web.pageUrl('opentok-client'), name: `${client}-bad`, client });
      t.after(() => bad.close());
      const refused = await bad.start({ proxyUrl: be.proxyUrl, apiKey: be.apiKey, sessionId, token: be.token(other), connectTimeoutMs: 40000 });
      r.wrongSessionToken = refused.error && { code: refused.error.code, name: refused.error.name };
      // A publisher token: no moderation, bad signal types are refused before anything is sent.
      const p = await join(t, sessionId, `${client}-pub`, client);
      const fd = await p.page.call('forceDisconnect', [p.cid]);
      r.forceDisconnect = fd.error && { code: fd.error.code, name: fd.error.name };
      const sig = await p.page.signal({ type: 'no spaces allowed', data: 'x' });
      r.badSignalType = sig.error && { code: sig.error.code, name: sig.error.name };
      const big = await p.page.signal({ type: 'chat', data: 'x'.repeat(9000) });
      r.bigSignal = big.error && { code: big.error.code, name: big.error.name };
      const fm = await p.page.call('forceMuteStream', ['no-such-stream']);
      r.forceMute = fm.error && { code: fm.error.code, name: fm.error.name };
      // A subscriber token cannot publish.
      const s = await join(t, sessionId, `${client}-sub`, client, 'subscriber');
      const pub = await s.page.publish({ width: 160, height: 120 });
      r.publishAsSubscriber = pub.error && { code: pub.error.code, name: pub.error.name };
      results[client] = r;
    }
    t.diagnostic(JSON.stringify(results));
    for (const [what, v] of Object.entries(results.opentok)) assert.ok(v && v.code, `OpenTok.js reported no error for ${what}`);
    assert.deepEqual(results.parley, results.opentok);
  });

  test('streamDestroyed: by default the subscriber element goes, preventDefault() keeps it (both clients)', T, async (t) => {
    const outcome = {};
    for (const client of ['opentok', 'parley']) {
      const sessionId = await be.createSession({ mediaMode: 'relayed' });
      const pub = await join(t, sessionId, `${client}-pub`, 'opentok');
      const keeps = await join(t, sessionId, `${client}-keeps`, client);
      const drops = await join(t, sessionId, `${client}-drops`, client);
      const streamId = await publishOk(pub);
      await Promise.all([subscribeOk(keeps, streamId), subscribeOk(drops, streamId)]);
      assert.ok((await keeps.page.call('keepSubscriberElements')).ok);
      assert.ok((await pub.page.call('unpublish')).ok);
      for (const p of [keeps, drops]) await p.page.waitForEvent({ event: 'streamDestroyed', streamId });
      await waitUntil(async () => !(await drops.page.call('subscriberElementInPage', [streamId])).inPage, { timeoutMs: 5000, message: 'element removed' });
      outcome[client] = {
        kept: (await keeps.page.call('subscriberElementInPage', [streamId])).inPage,
        dropped: !(await drops.page.call('subscriberElementInPage', [streamId])).inPage,
      };
    }
    assert.deepEqual(outcome, { opentok: { kept: true, dropped: true }, parley: { kept: true, dropped: true } });
  });

  test('screen sharing from parley.js (videoSource: screen) reaches an OpenTok.js subscriber as a screen stream', T, async (t) => {
    const sessionId = await be.createSession({ mediaMode: 'routed' });
    const sharer = await join(t, sessionId, 'sharer', 'parley');
    const viewer = await join(t, sessionId, 'viewer', 'opentok');
    const r = await sharer.page.publish({ videoSource: 'screen', audioSource: null, name: 'my screen' });
    assert.ok(r.ok, JSON.stringify(r));
    const created = await viewer.page.waitForEvent({ event: 'streamCreated', streamId: r.streamId });
    assert.equal(created.videoType, 'screen');
    assert.equal(created.name, 'my screen');
    assert.equal(created.hasAudio, false);
    await subscribeOk(viewer, r.streamId);
    const v = await viewer.page.waitForFrames(r.streamId, 10);
    assert.ok(v.videoWidth > 0, JSON.stringify(v));
  });

  test('OT.getDevices lists the (fake) camera and microphone on both clients', T, async (t) => {
    const lists = {};
    for (const client of ['opentok', 'parley']) {
      const page = await openClientPage(browser, { pageUrl: web.pageUrl('opentok-client'), name: `${client}-devices`, client });
      t.after(() => page.close());
      const r = await page.call('devices');
      assert.ok(r.ok, JSON.stringify(r));
      lists[client] = [...new Set(r.devices.map((d) => d.kind))].sort();
    }
    assert.deepEqual(lists.parley, ['audioInput', 'videoInput']);
    assert.deepEqual(lists.parley, lists.opentok);
  });

  test('window.OTProperties.apiURL points a parley.js page served from elsewhere at parleyd', T, async (t) => {
    const sessionId = await be.createSession({ mediaMode: 'relayed' });
    const page = await openClientPage(browser, { pageUrl: web.pageUrl('opentok-client'), name: 'apiurl', client: 'parley', otProperties: { apiURL: be.server.url } });
    t.after(() => page.close());
    // No OT.setProxyUrl: the page is on the static server, parley.js must go to apiURL.
    const cid = await page.connect({ apiKey: be.apiKey, sessionId, token: be.token(sessionId) });
    assert.ok(cid);
    const gsi = page.httpLog.find((l) => l.includes(`/session/${sessionId}?extended=true`));
    assert.ok(gsi && gsi.startsWith(`GET ${be.server.url}/session/`), `${gsi}\n${page.httpLog.join('\n')}`);
    assert.ok(page.sockets.every((s) => new URL(s.url).host === new URL(be.server.url).host), JSON.stringify(page.sockets));
  });

  test('the ES module (default export OT) and the served declarations', T, async (t) => {
    const context = await browser.newContext();
    t.after(() => context.close());
    const page = await context.newPage();
    await page.goto(`${be.server.url}/sdk/parley.mjs`);
    const m = await page.evaluate(async (url) => {
      const mod = await import(url);
      return { initSession: typeof mod.default.initSession, same: mod.default === mod.OT, version: mod.OT.version, reqs: mod.OT.checkSystemRequirements() };
    }, `${be.server.url}/sdk/parley.mjs`);
    assert.deepEqual(m, { initSession: 'function', same: true, version: m.version, reqs: 1 });
    assert.match(m.version, /^\d+\.\d+\.\d+$/);
    // The bundled declarations are served next to the scripts.
    const dts = await fetch(`${be.server.url}/sdk/parley.d.ts`);
    assert.equal(dts.status, 200);
    const text = await dts.text();
    assert.match(text, /initSession\(/);
    assert.match(text, /export as namespace OT;/);
  });
});
