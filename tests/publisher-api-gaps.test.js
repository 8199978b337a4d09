// The OT API gaps of issue 15 §4, on OpenTok.js 2.35 and on parley.js side by side: the same page
// (tests/pages/api-gaps.html) driven the same way, each check asserting what OpenTok.js does and
// that parley.js does the same.
//
//   - Publisher.setVideoSource / cycleVideo with Chromium's fake cameras (one by default, two with
//     --use-fake-device-for-media-stream=device-count=2): the sender's track is replaced in place,
//     no new offer; with one camera cycleVideo resolves with the camera in use;
//   - Publisher.setAudioSource with a Web Audio oscillator track;
//   - videoContentHint / setVideoContentHint / getVideoContentHint on the track;
//   - enableStereo, audioBitrate, enableDtx in the SDP; disableAudioProcessing on the track;
//     setMaxVideoBitrate on the sender's encodings;
//   - Subscriber.setPreferredFrameRate (a promise), and audioBlocked/audioUnblocked under an
//     autoplay policy that wants a user gesture.
//
// Run: PARLEYD=build/asan/parleyd node --test --test-concurrency=1 tests/publisher-api-gaps.test.js

import { describe, before, after, test } from 'node:test';
import assert from 'node:assert/strict';

import { chromium } from 'playwright-core';

import { CHROMIUM_ARGS, chromiumPath, launchBrowser, clientLabel, testClients } from './lib/browser.js';
import { startBrowserStack, stopBrowserStack } from './lib/parleyd-browser.js';

const T = { timeout: 240000 };

describe('OT API gaps (issue 15 §4) on OpenTok.js and parley.js', () => {
  let browser;
  let web;
  let be;
  const extraBrowsers = {};

  before(async () => {
    ({ browser, web, be } = await startBrowserStack());
  });

  after(async () => {
    await Promise.allSettled(Object.values(extraBrowsers).map((b) => b.close()));
    await stopBrowserStack({ browser, web, be });
  });

  async function browserWith(name, args) {
    if (!extraBrowsers[name]) extraBrowsers[name] = await launchBrowser({ args });
    return extraBrowsers[name];
  }

  // Chromium with the autoplay policy of a real browser (the suite's default lets media play without a gesture).
  async function gestureBrowser() {
    if (!extraBrowsers.gesture) {
      const args = [...CHROMIUM_ARGS.filter((a) => !a.startsWith('--autoplay-policy')), '--autoplay-policy=document-user-activation-required'];
      extraBrowsers.gesture = await chromium.launch({ executablePath: chromiumPath(), headless: true, args, timeout: 30000 });
    }
    return extraBrowsers.gesture;
  }

  // A page of `client` connected to sessionId; closed when the test ends.
  async function openPage(t, client, sessionId, { on = browser } = {}) {
    const context = await on.newContext({ viewport: { width: 800, height: 600 } });
    t.after(() => context.close());
    const page = await context.newPage();
    const logs = [];
    page.on('console', (m) => {
      logs.push(`${m.type()}: ${m.text().slice(0, 300)}`);
      if (logs.length > 80) logs.shift();
    });
    page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
    const url = new URL(web.pageUrl('api-gaps'));
    if (client === 'parley') url.searchParams.set('client', 'parley');
    await page.goto(url.toString(), { waitUntil: 'load', timeout: 45000 });
    await page.waitForFunction(() => window.app && window.OT, null, { timeout: 15000 });
    const diag = () => `\n===== ${clientLabel(client)} console =====\n${logs.join('\n')}${be.logTail(3000)}`;
    const r = await page.evaluate((o) => window.app.connect(o), {
      proxyUrl: be.proxyUrl, apiKey: be.apiKey, sessionId, token: be.token(sessionId, { role: 'publisher' }),
    });
    assert.ok(r.ok, `connect: ${JSON.stringify(r)}${diag()}`);
    return { page, diag, eval: (fn, arg) => page.evaluate(fn, arg) };
  }

  async function publish(p, props = {}) {
    const r = await p.eval((o) => window.app.publish(o), props);
    assert.ok(r.ok, `publish: ${JSON.stringify(r)}${p.diag()}`);
    // Media flows once the sender has a peer connection with ICE up.
    await p.page.waitForFunction(() => window.app.publisherPcs().some((pc) => ['connected', 'completed'].includes(pc.iceConnectionState)), null, { timeout: 30000 });
    return r.streamId;
  }

  for (const client of testClients()) {
    const label = clientLabel(client);

    test(`${label}: setVideoSource and cycleVideo switch between two cameras without a new offer`, T, async (t) => {
      const twoCameras = await browserWith('twoCameras', ['--use-fake-device-for-media-stream=device-count=2']);
      const sessionId = await be.createSession({ mediaMode: 'routed' });
      const p = await openPage(t, client, sessionId, { on: twoCameras });
      await publish(p);
      const r = await p.eval(async () => {
        const { app } = window;
        const cams = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'videoinput').map((d) => d.deviceId);
        const pc = app.publisherPcs()[0];
        const offersBefore = pc.__offers;
        const first = app.senderTrack('video').getSettings().deviceId;
        const other = cams.find((c) => c !== first);
        const set = await app.attempt(() => app.publisher.setVideoSource(other));
        const afterSet = app.senderTrack('video');
        const afterSetDevice = afterSet.getSettings().deviceId;
        const afterSetLive = afterSet.readyState;
        const sourceAfterSet = app.publisher.getVideoSource();
        const cycled = await app.attempt(() => app.publisher.cycleVideo());
        const afterCycle = app.senderTrack('video').getSettings().deviceId;
        const bad = await app.attempt(() => app.publisher.setVideoSource('no-such-camera'));
        const notString = await app.attempt(() => app.publisher.setVideoSource(42));
        return {
          cams: cams.length, first, other, set, afterSetDevice, afterSetLive,
          sourceAfterSet: { deviceId: sourceAfterSet.deviceId, type: sourceAfterSet.type, sameTrack: sourceAfterSet.track === afterSet },
          cycled, afterCycle, bad, notString, newOffers: pc.__offers - offersBefore,
          samePc: app.publisherPcs()[0] === pc, senders: pc.getSenders().filter((s) => s.track).length,
        };
      });
      const msg = `${JSON.stringify(r)}${p.diag()}`;
      assert.equal(r.cams, 2, msg);
      assert.deepEqual(r.set, { ok: true, value: null }, msg);
      assert.equal(r.afterSetDevice, r.other, msg);
      assert.equal(r.afterSetLive, 'live', msg);
      assert.deepEqual(r.sourceAfterSet, { deviceId: r.other, type: 'camera', sameTrack: true }, msg);
      assert.deepEqual(r.cycled, { ok: true, value: { deviceId: r.first } }, msg);
      assert.equal(r.afterCycle, r.first, msg);
      assert.equal(r.bad.error?.name, 'OT_INVALID_VIDEO_SOURCE', msg);
      assert.equal(r.notString.error?.name, 'OT_INVALID_VIDEO_SOURCE', msg);
      assert.equal(r.newOffers, 0, `the track is replaced in place, without renegotiation: ${msg}`);
      assert.ok(r.samePc, msg);
      assert.equal(r.senders, 2, msg);
    });

    // OpenTok.js applies the servers and restarts ICE only when it next needs to; parley.js
    // restarts at once, so the new servers are used now.
    const restartsAtOnce = client === 'parley';
    test(`${label}: session.setIceConfig reconfigures a running peer connection${restartsAtOnce ? ', which restarts ICE' : ''} and keeps sending`, T, async (t) => {
      const sessionId = await be.createSession({ mediaMode: 'routed' });
      const p = await openPage(t, client, sessionId);
      await publish(p);
      const r = await p.eval(async (waitForRestart) => {
        const { app } = window;
        const pc = app.publisherPcs()[0];
        const ufrag = () => /a=ice-ufrag:(\S+)/.exec(pc.localDescription.sdp)?.[1];
        const sent = async () => {
          let bytes = 0;
          (await pc.getStats()).forEach((s) => { if (s.type === 'outbound-rtp' && s.kind === 'video') bytes += s.bytesSent; });
          return bytes;
        };
        const before = { offers: pc.__offers, ufrag: ufrag() };
        const set = await app.attempt(() => app.session.setIceConfig({ includeServers: 'all', transportPolicy: 'all', customServers: [{ urls: 'stun:127.0.0.1:3478' }] }));
        const restarted = () => pc.__offers > before.offers && ufrag() !== before.ufrag && pc.signalingState === 'stable' &&
          ['connected', 'completed'].includes(pc.iceConnectionState);
        for (let i = 0; waitForRestart && i < 300 && !restarted(); i++) await new Promise((res) => setTimeout(res, 100));
        const bytesAfterRestart = await sent();
        await new Promise((res) => setTimeout(res, 1500));
        return {
          set, restarted: restarted(), newOffers: pc.__offers - before.offers, sameUfrag: ufrag() === before.ufrag, ice: pc.iceConnectionState,
          servers: pc.getConfiguration().iceServers.flatMap((x) => [].concat(x.urls)), samePc: app.publisherPcs()[0] === pc,
          stillSending: (await sent()) > bytesAfterRestart,
        };
      }, restartsAtOnce);
      const msg = `${JSON.stringify(r)}${p.diag()}`;
      assert.deepEqual(r.set, { ok: true, value: null }, msg);
      assert.ok(r.servers.includes('stun:127.0.0.1:3478'), `the running peer connection has the new server: ${msg}`);
      if (restartsAtOnce) assert.ok(r.restarted, `an ICE restart (new offer, new ufrag) that completed: ${msg}`);
      else assert.equal(r.newOffers, 0, msg);
      assert.ok(r.samePc, msg);
      assert.ok(r.stillSending, `media keeps flowing: ${msg}`);
    });

    test(`${label}: with one camera cycleVideo resolves with the camera in use; a publisher of a custom track cannot switch sources`, T, async (t) => {
      const sessionId = await be.createSession({ mediaMode: 'routed' });
      const p = await openPage(t, client, sessionId);
      await publish(p);
      const r = await p.eval(async () => {
        const { app } = window;
        const before = app.senderTrack('video');
        const cycled = await app.attempt(() => app.publisher.cycleVideo());
        return { cycled, device: before.getSettings().deviceId, same: app.senderTrack('video') === before };
      });
      const msg = `${JSON.stringify(r)}${p.diag()}`;
      assert.deepEqual(r.cycled, { ok: true, value: { deviceId: r.device } }, msg);
      assert.ok(r.same, msg);

      // A publisher of a canvas track: neither method applies (OpenTok.js's errors).
      const custom = await p.eval(async () => {
        const { app } = window;
        const canvas = document.createElement('canvas');
        canvas.width = 320;
        canvas.height = 240;
        canvas.getContext('2d').fillRect(0, 0, 10, 10);
        const track = canvas.captureStream(10).getVideoTracks()[0];
        const pub = OT.initPublisher(document.createElement('div'), { videoSource: track, audioSource: null, insertMode: 'append' });
        await new Promise((resolve) => (pub.accessAllowed ? resolve() : pub.once('accessAllowed', resolve)));
        const set = await app.attempt(() => pub.setVideoSource('x'));
        const cycled = await app.attempt(() => pub.cycleVideo());
        const audio = await app.attempt(() => pub.setAudioSource(track));
        pub.destroy();
        return { set, cycled, audio };
      });
      const msg2 = `${JSON.stringify(custom)}${p.diag()}`;
      assert.equal(custom.set.error?.name, 'OT_SET_VIDEO_SOURCE_FAILURE', msg2);
      assert.equal(custom.cycled.error?.name, 'OT_NOT_SUPPORTED', msg2);
      assert.equal(custom.audio.error?.name, 'OT_NOT_SUPPORTED', msg2);
    });

    test(`${label}: setAudioSource with a Web Audio oscillator track replaces the microphone in place`, T, async (t) => {
      const sessionId = await be.createSession({ mediaMode: 'routed' });
      const p = await openPage(t, client, sessionId);
      await publish(p);
      const r = await p.eval(async () => {
        const { app } = window;
        const ctx = new AudioContext();
        const osc = ctx.createOscillator();
        const dest = ctx.createMediaStreamDestination();
        osc.connect(dest);
        osc.start();
        const tone = dest.stream.getAudioTracks()[0];
        const pc = app.publisherPcs()[0];
        const offersBefore = pc.__offers;
        const mic = app.senderTrack('audio');
        const set = await app.attempt(() => app.publisher.setAudioSource(tone));
        const sent = app.senderTrack('audio');
        const bad = await app.attempt(() => app.publisher.setAudioSource(42));
        return {
          set, sentIsTone: sent === tone, sourceIsTone: app.publisher.getAudioSource() === tone,
          micEnded: mic.readyState === 'ended', toneLive: tone.readyState === 'live', bad: bad.error && bad.error.name,
          newOffers: pc.__offers - offersBefore,
        };
      });
      const msg = `${JSON.stringify(r)}${p.diag()}`;
      assert.deepEqual(r.set, { ok: true, value: null }, msg);
      assert.ok(r.sentIsTone, msg);
      assert.ok(r.sourceIsTone, msg);
      assert.ok(r.toneLive, msg);
      assert.equal(r.bad, 'OT_INVALID_PARAMETER', msg);
      assert.equal(r.newOffers, 0, msg);
    });

    test(`${label}: videoContentHint, and setVideoContentHint / getVideoContentHint, on the track`, T, async (t) => {
      const sessionId = await be.createSession({ mediaMode: 'routed' });
      const p = await openPage(t, client, sessionId);
      await publish(p, { videoContentHint: 'text' });
      const r = await p.eval(async () => {
        const { app } = window;
        const initial = { hint: app.publisher.getVideoContentHint(), track: app.senderTrack('video').contentHint };
        const set = await app.attempt(() => app.publisher.setVideoContentHint('motion'));
        const later = { hint: app.publisher.getVideoContentHint(), track: app.senderTrack('video').contentHint };
        const bad = await app.attempt(() => app.publisher.setVideoContentHint('fast'));
        return { initial, set, later, badRejected: !!bad.error, after: app.publisher.getVideoContentHint() };
      });
      const msg = `${JSON.stringify(r)}${p.diag()}`;
      assert.deepEqual(r.initial, { hint: 'text', track: 'text' }, msg);
      assert.ok(r.set.ok, msg);
      assert.deepEqual(r.later, { hint: 'motion', track: 'motion' }, msg);
      assert.ok(r.badRejected, msg);
      assert.equal(r.after, 'motion', msg);
    });

    test(`${label}: enableStereo, audioBitrate and enableDtx reach the SDP; disableAudioProcessing the track; setMaxVideoBitrate the sender`, T, async (t) => {
      const sessionId = await be.createSession({ mediaMode: 'routed' });
      const p = await openPage(t, client, sessionId);
      await publish(p, { enableStereo: true, audioBitrate: 64000, enableDtx: true, disableAudioProcessing: true });
      const r = await p.eval(async () => {
        const { app } = window;
        const pc = app.publisherPcs()[0];
        const opus = (sdp) => {
          const pt = (/a=rtpmap:(\d+) opus\//i.exec(sdp) || [])[1];
          const m = pt ? new RegExp(`a=fmtp:${pt} (.*)`).exec(sdp) : null;
          return m ? Object.fromEntries(m[1].trim().split(';').map((kv) => kv.trim().split('='))) : null;
        };
        const settings = app.senderTrack('audio').getSettings();
        const limit = await app.attempt(() => app.publisher.setMaxVideoBitrate(300000));
        const videoSender = pc.getSenders().find((s) => s.track && s.track.kind === 'video');
        const encodings = videoSender.getParameters().encodings.map((e) => e.maxBitrate || 0);
        const tooLow = await app.attempt(() => app.publisher.setMaxVideoBitrate(10));
        return {
          local: opus(pc.localDescription.sdp),
          remote: opus(pc.remoteDescription.sdp),
          processing: { echoCancellation: settings.echoCancellation, autoGainControl: settings.autoGainControl, noiseSuppression: settings.noiseSuppression },
          limit, maxLayer: Math.max(...encodings), capped: encodings.every((b) => b > 0 && b <= 300000),
          getMax: app.publisher.getMaxVideoBitrate(), tooLow: tooLow.error && tooLow.error.name,
        };
      });
      const msg = `${JSON.stringify(r)}${p.diag()}`;
      // Offered: what is sent.
      assert.equal(r.local?.['sprop-stereo'], '1', msg);
      // Applied answer: how the browser encodes.
      assert.equal(r.remote?.usedtx, '1', msg);
      assert.equal(r.remote?.maxaveragebitrate, '64000', msg);
      assert.deepEqual(r.processing, { echoCancellation: false, autoGainControl: false, noiseSuppression: false }, msg);
      assert.ok(r.limit.ok, msg);
      // Each encoding (simulcast layer) is capped at the value, as OpenTok.js sets it.
      assert.ok(r.capped && r.maxLayer === 300000, msg);
      assert.equal(r.getMax, 300000, msg);
      assert.equal(r.tooLow, 'OT_INVALID_PARAMETER', msg);
    });

    for (const how of ['a click on the subscriber', 'OT.unblockAudio()']) test(`${label}: Subscriber.setPreferredFrameRate is a promise; audioBlocked, then audioUnblocked after ${how}`, T, async (t) => {
      const sessionId = await be.createSession({ mediaMode: 'routed' });
      const pub = await openPage(t, client, sessionId);
      await publish(pub);
      // A browser whose autoplay policy wants a user gesture, and a page that nothing has touched:
      // it connects and subscribes by itself (page.evaluate would count as a gesture).
      const gesture = await gestureBrowser();
      const context = await gesture.newContext({ viewport: { width: 800, height: 600 } });
      t.after(() => context.close());
      const page = await context.newPage();
      const seen = [];
      const logs = [];
      page.on('console', (m) => {
        const text = m.text();
        if (text.startsWith('app-event ')) seen.push(JSON.parse(text.slice('app-event '.length)));
        logs.push(`${m.type()}: ${text.slice(0, 300)}`);
        if (logs.length > 80) logs.shift();
      });
      const diag = () => `\n${JSON.stringify(seen)}\n===== subscriber console =====\n${logs.join('\n')}${be.logTail(2000)}`;
      const url = new URL(web.pageUrl('api-gaps'));
      if (client === 'parley') url.searchParams.set('client', 'parley');
      url.searchParams.set('auto', JSON.stringify({ proxyUrl: be.proxyUrl, apiKey: be.apiKey, sessionId, token: be.token(sessionId, { role: 'subscriber' }) }));
      await page.goto(url.toString(), { waitUntil: 'load', timeout: 45000 });
      const until = async (pred, what) => {
        const deadline = Date.now() + 30000;
        while (!seen.some(pred)) {
          if (Date.now() > deadline) assert.fail(`${what} not seen within 30 s${diag()}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      };
      await until((e) => e.event === 'subscribed', 'the subscribe completion');
      assert.ok(seen.find((e) => e.event === 'subscribed').result.ok, diag());
      await until((e) => e.event === 'audioBlocked', 'audioBlocked');
      assert.equal(await page.evaluate(() => window.app.subscribers[0].isAudioBlocked()), true, diag());
      // A click on the subscriber, or on the app's own button calling OT.unblockAudio(), is a
      // user gesture: the audio plays.
      if (how === 'OT.unblockAudio()') {
        await page.click('#unblock');
        await until((e) => e.event === 'unblockAudio resolved', 'OT.unblockAudio() resolving');
      } else {
        await page.click('#media > div[id^="sub-"] > :first-child');
      }
      await until((e) => e.event === 'audioUnblocked', 'audioUnblocked');
      const r = await page.evaluate(async () => {
        const { app } = window;
        const s0 = app.subscribers[0];
        const fps = s0.setPreferredFrameRate(7);
        const isPromise = !!fps && typeof fps.then === 'function';
        const res = await app.attempt(() => fps);
        return { blocked: s0.isAudioBlocked(), isPromise, res };
      });
      assert.deepEqual(r, { blocked: false, isPromise: true, res: { ok: true, value: null } }, `${JSON.stringify(r)}${diag()}`);
    });
  }
});
