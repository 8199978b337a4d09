// Browser end-to-end tests of routed sessions (docs/protocol.md §8.2, §8.3): the official
// OpenTok.js 2.35.2 — and, in a second round of the same tests, parley.js — in headless
// Chromium sends its media to parleyd's SFU, which forwards it to every subscriber. One
// Chromium and one parleyd per describe block; every test its own session.
//
// Run: PARLEYD=build/asan/parleyd node --test --test-concurrency=1 tests/browser-routed.test.js

import { describe, before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { launchBrowser, startStaticServer, startTcpProxy, openClientPage, waitUntil, testClients, clientLabel } from './lib/browser.js';
import { mediaStatsOf, startBrowserBackend } from './lib/parleyd-browser.js';

const T = { timeout: 120000 };

const delay = (ms) => new Promise((r) => setTimeout(r, ms));

// One Chromium, one static server and one parleyd for a describe block, plus the page
// helpers its tests share. Call it inside describe(): it registers the before/after hooks.
function routedFixture({ client = 'opentok', browserArgs = [], parleydArgs = [], setup = () => {}, teardown = () => {} } = {}) {
  const fx = {};
  before(async () => {
    setup();
    const results = await Promise.allSettled([
      launchBrowser({ args: browserArgs }),
      startStaticServer(),
      startBrowserBackend({ extraArgs: parleydArgs }),
    ]);
    [fx.browser, fx.web, fx.be] = results.map((r) => (r.status === 'fulfilled' ? r.value : undefined));
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  });
  after(async () => {
    await Promise.allSettled([fx.browser?.close(), fx.web?.close()]);
    try {
      if (fx.be) await fx.be.server.stop();
    } finally {
      // PARLEY_BROWSER_LOG=<file>: keep parleyd's whole output for debugging.
      if (fx.be && process.env.PARLEY_BROWSER_LOG) {
        fs.appendFileSync(process.env.PARLEY_BROWSER_LOG, fx.be.server.stdout + fx.be.server.stderr);
      }
      teardown();
    }
  });
  // A connected client page, closed at the end of test `t`; returns {page, cid}.
  fx.join = async (t, name, sessionId, role = 'publisher', proxyUrl = fx.be.proxyUrl) => {
    const page = await openClientPage(fx.browser, { pageUrl: fx.web.pageUrl('opentok-client'), name, client });
    t.after(() => page.close());
    const token = fx.be.token(sessionId, { role, data: `name=${name}` });
    const cid = await page.connect({ proxyUrl, apiKey: fx.be.apiKey, sessionId, token });
    return { page, cid };
  };
  fx.publish = async (p, opts = {}) => {
    const r = await p.page.publish({ width: 320, height: 240, ...opts });
    if (!r.ok) throw new Error(`${p.page.name}: publish failed: ${JSON.stringify(r)}${p.page.diagnostics()}${fx.be.logTail()}`);
    return r.streamId;
  };
  fx.subscribe = async (p, streamId, opts = {}) => {
    await p.page.waitForEvent({ event: 'streamCreated', streamId }, { timeoutMs: 20000 });
    const r = await p.page.subscribe(streamId, opts);
    if (!r.ok) throw new Error(`${p.page.name}: subscribe failed: ${JSON.stringify(r)}${p.page.diagnostics()}${fx.be.logTail()}`);
  };
  fx.mediaStats = (sessionId) => mediaStatsOf(fx.be, sessionId);
  return fx;
}

for (const client of testClients()) {
describe(`routed sessions through the SFU (${clientLabel(client)} in Chromium)`, () => {
  const fx = routedFixture({ client });
  const { join, publish, subscribe, mediaStats } = fx;

  test('three participants: everyone publishes and decodes the other two', T, async (t) => {
    const sessionId = await fx.be.createSession({ mediaMode: 'routed' });
    const ps = [];
    for (const name of ['alice', 'bob', 'carol']) ps.push(await join(t, name, sessionId));
    const streams = await Promise.all(ps.map((p) => publish(p)));
    await Promise.all(ps.map(async (p, i) => {
      for (let j = 0; j < ps.length; j++) if (j !== i) await subscribe(p, streams[j]);
    }));
    await Promise.all(ps.map(async (p, i) => {
      for (let j = 0; j < ps.length; j++) {
        if (j === i) continue;
        const v = await p.page.waitForFrames(streams[j], 30, { timeoutMs: 30000 });
        assert.ok(v.videoWidth > 0 && v.videoHeight > 0, `${p.page.name} decodes ${streams[j]}: ${JSON.stringify(v)}`);
      }
    }));
    // The SFU carried it: one publication per stream, two subscriptions each.
    const stats = await mediaStats(sessionId);
    assert.equal(stats.publications.length, 3);
    assert.equal(stats.subscriptions.length, 6);
    for (const s of stats.subscriptions) {
      const video = s.consumers.find((c) => c.kind === 'video');
      assert.ok(video.forwarded > 30, `forwarded video to ${s.subscriberId}: ${JSON.stringify(s)}`);
      // The subscriber sent SRTCP, so OpenSSL's state for its transport is gone; publishers
      // keep theirs (their close_notify is news: docs/media.md).
      assert.equal(s.transport.dtlsFreed, true, JSON.stringify(s.transport));
    }
    for (const p of stats.publications) assert.equal(p.transport.dtlsFreed, false, JSON.stringify(p.transport));
    // Audio levels come from the ssrc-audio-level extension (the fake microphone beeps).
    await waitUntil(async () => {
      const st = await mediaStats(sessionId);
      return st.publications.some((p) => p.tracks.find((x) => x.kind === 'audio').audioLevel < 127);
    }, { timeoutMs: 10000, message: 'an audio level above silence' });
  });

  test('simulcast: each subscriber gets the layer its preferred resolution asks for', T, async (t) => {
    const sessionId = await fx.be.createSession({ mediaMode: 'routed' });
    const pub = await join(t, 'pub', sessionId);
    const big = await join(t, 'big', sessionId);
    const small = await join(t, 'small', sessionId);
    const streamId = await publish(pub, { resolution: '640x480', width: 640, height: 480 });
    await subscribe(big, streamId);
    await subscribe(small, streamId);
    const layersLive = await waitUntil(async () => {
      const st = await mediaStats(sessionId);
      const video = st.publications[0].tracks.find((x) => x.kind === 'video');
      return video.layers.length >= 2 && video.layers.every((l) => l.packets > 0) ? video.layers : null;
    }, { timeoutMs: 20000, message: 'two simulcast layers arriving at the SFU' });
    t.diagnostic(`layers: ${JSON.stringify(layersLive.map((l) => l.bitrate))}`);
    assert.ok((await small.page.call('setPreferredResolution', [streamId, { width: 160, height: 120 }])).ok);
    const widthOf = (p) => p.page.call('subscriberVideo', [streamId]).then((v) => v.videoWidth);
    await waitUntil(async () => (await widthOf(small)) === 320, { timeoutMs: 15000, message: 'small subscriber on the 320x240 layer' });
    await waitUntil(async () => (await widthOf(big)) === 640, { timeoutMs: 20000, message: 'big subscriber on the 640x480 layer' });
    // A loaded publisher may stop or shrink a layer for a while (the SFU then forwards the
    // nearest one that flows) and a subscriber's estimate may dip: the SFU settles again, so
    // its choice is awaited rather than read once.
    let st;
    await waitUntil(async () => {
      st = await mediaStats(sessionId);
      const current = st.subscriptions.map((s) => s.consumers.find((c) => c.kind === 'video').currentLayer).sort();
      return current.length === 2 && current[0] === 0 && current[1] === 1;
    }, { timeoutMs: 20000, message: 'one subscriber per layer' }).catch((e) => {
      throw new Error(`${e.message}: ${JSON.stringify(st?.subscriptions)}`);
    });
    // Both keep decoding after the switch.
    await small.page.waitForFrames(streamId, 20);
    await big.page.waitForFrames(streamId, 20);
  });

  test('setPreferredFrameRate and restrictFrameRate: the SFU leaves out temporal layers, the subscriber decodes fewer frames, and more again when freed', T, async (t) => {
    const sessionId = await fx.be.createSession({ mediaMode: 'routed' });
    const pub = await join(t, 'pub', sessionId);
    const sub = await join(t, 'sub', sessionId);
    const streamId = await publish(pub, { resolution: '640x480', width: 640, height: 480 });
    await subscribe(sub, streamId);
    await sub.page.waitForFrames(streamId, 30);
    const fps = async () => {
      const r = await sub.page.call('decodedFrameRate', [streamId, 3000]);
      assert.ok(r.ok, JSON.stringify(r));
      return r.fps;
    };
    const drops = async () => (await mediaStats(sessionId)).subscriptions[0].consumers.find((c) => c.kind === 'video').temporalDrops;
    // What the publisher's frame rate is here, on this machine, now.
    const full = await fps();
    t.diagnostic(`full: ${full.toFixed(1)} fps`);
    assert.ok(full > 8, `the stream plays: ${full} fps`);
    assert.ok((await sub.page.call('setFrameRate', [streamId, { preferred: 7 }])).ok);
    // Fewer frames, because the SFU leaves packets out: the base layer is about a quarter of
    // them (allow for a loaded machine). Both at once: on a loaded machine the decoded rate
    // can also fall on its own, before the preference has reached the SFU.
    let low;
    let dropped;
    await waitUntil(async () => (dropped = await drops()) > 0 && (low = await fps()) < full * 0.6,
      { timeoutMs: 30000, message: 'the SFU leaves packets out and fewer frames arrive with setPreferredFrameRate(7)' })
      .catch((e) => { throw new Error(`${e.message}: full ${full}, now ${low}, left out ${dropped}`); });
    // Freed: back up (after a keyframe the SFU asks for).
    assert.ok((await sub.page.call('setFrameRate', [streamId, { preferred: null }])).ok);
    const consumer = async () => JSON.stringify((await mediaStats(sessionId)).subscriptions[0].consumers.find((c) => c.kind === 'video'));
    let now;
    await waitUntil(async () => (now = await fps()) > low * 1.4, { timeoutMs: 30000, message: 'more frames again with no preference' })
      .catch(async (e) => { throw new Error(`${e.message}: low ${low}, now ${now}, ${await consumer()}`); });
    const afterFree = await drops();
    // restrictFrameRate(true): base layer again; false: everything.
    assert.ok((await sub.page.call('setFrameRate', [streamId, { restrict: true }])).ok);
    await waitUntil(async () => (await drops()) > afterFree + 10, { timeoutMs: 20000, message: 'restrictFrameRate(true) leaves layers out' });
    assert.ok((await sub.page.call('setFrameRate', [streamId, { restrict: false }])).ok);
    await waitUntil(async () => (await fps()) > low * 1.4, { timeoutMs: 30000, message: 'restrictFrameRate(false) frees it' });
  });

  test('a dropped signaling socket: the publisher reconnects and its routed video keeps flowing', T, async (t) => {
    const sessionId = await fx.be.createSession({ mediaMode: 'routed' });
    const proxy = await startTcpProxy({ targetPort: fx.be.server.port });
    t.after(() => proxy.close());
    const pub = await join(t, 'flaky-pub', sessionId, 'publisher', proxy.url);
    const sub = await join(t, 'sub', sessionId);
    const streamId = await publish(pub);
    await subscribe(sub, streamId);
    const before = await sub.page.waitForFrames(streamId, 10);
    const mark = await pub.page.mark();
    const offersBefore = pub.page.frames.filter((f) => f.includes('→') && f.includes('"method":"offer"')).length;
    proxy.block();
    assert.ok(proxy.dropAll() >= 1);
    await pub.page.waitForEvent({ event: 'sessionReconnecting' }, { after: mark, timeoutMs: 10000 });
    await delay(2000);
    proxy.unblock();
    await pub.page.waitForEvent({ event: 'sessionReconnected' }, { after: mark, timeoutMs: 30000 });
    // OpenTok.js 2.35.2 renegotiates only when ICE itself broke; here media never stopped.
    // Whatever offers it sent after reconnecting must have been answered.
    const sent = pub.page.frames.filter((f) => f.includes('→') && f.includes('"method":"offer"')).length - offersBefore;
    const answered = pub.page.frames.filter((f) => f.includes('←') && f.includes('"method":"answer"')).length - 1;
    assert.ok(answered >= sent, `offers after reconnecting ${sent}, answers ${answered}`);
    await sub.page.waitForFrames(streamId, before.frames + 60, { timeoutMs: 20000 });
    const st = await mediaStats(sessionId);
    assert.equal(st.publications.length, 1);
    assert.equal(st.publications[0].transport.connected, true);
  });

  test('a late subscriber gets a picture within 1 s of subscribing (keyframe request)', T, async (t) => {
    const sessionId = await fx.be.createSession({ mediaMode: 'routed' });
    const pub = await join(t, 'pub', sessionId);
    const streamId = await publish(pub);
    const early = await join(t, 'early', sessionId);
    await subscribe(early, streamId);
    await early.page.waitForFrames(streamId, 10);
    // Long after the publisher's first keyframe: only a PLI from the SFU gives a new one.
    await delay(4000);
    const late = await join(t, 'late', sessionId);
    await late.page.waitForEvent({ event: 'streamCreated', streamId });
    const before = await mediaStats(sessionId);
    const t0 = Date.now();
    const r = await late.page.subscribe(streamId);
    assert.ok(r.ok, JSON.stringify(r));
    await late.page.waitForFrames(streamId, 0, { timeoutMs: 10000 });
    const ms = Date.now() - t0;
    t.diagnostic(`first decoded frame ${ms} ms after subscribe()`);
    const after = await mediaStats(sessionId);
    assert.ok(after.publications[0].keyframeRequests > before.publications[0].keyframeRequests, 'the SFU asked for a keyframe');
    assert.ok(ms < 1000, `first frame took ${ms} ms`);
  });

  test('force-unpublish by a moderator tears down the media and stops the remote video', T, async (t) => {
    const sessionId = await fx.be.createSession({ mediaMode: 'routed' });
    const pub = await join(t, 'pub', sessionId);
    const sub = await join(t, 'sub', sessionId);
    const mod = await join(t, 'mod', sessionId, 'moderator');
    const streamId = await publish(pub);
    await subscribe(sub, streamId);
    await sub.page.waitForFrames(streamId, 10);
    await mod.page.waitForEvent({ event: 'streamCreated', streamId });
    const mark = await sub.page.mark();
    const r = await mod.page.call('forceUnpublish', [streamId]);
    assert.ok(r.ok, JSON.stringify(r));
    await sub.page.waitForEvent({ event: 'streamDestroyed', streamId, reason: 'forceUnpublished' }, { after: mark });
    await waitUntil(async () => {
      const st = await mediaStats(sessionId);
      return st.publications.length === 0 && st.subscriptions.length === 0;
    }, { message: 'SFU publication and subscription removed' });
    const v = await sub.page.call('subscriberVideo', [streamId]);
    assert.equal(v.found, false, `the subscriber widget is gone: ${JSON.stringify(v)}`);
  });

  test('force mute stops forwarding the audio at the SFU; unmuting resumes it', T, async (t) => {
    const sessionId = await fx.be.createSession({ mediaMode: 'routed' });
    const pub = await join(t, 'pub', sessionId);
    const sub = await join(t, 'sub', sessionId);
    const streamId = await publish(pub);
    await subscribe(sub, streamId);
    await sub.page.waitForFrames(streamId, 5);
    const audioForwarded = async () => {
      const st = await mediaStats(sessionId);
      return st.subscriptions[0].consumers.find((c) => c.kind === 'audio').forwarded;
    };
    await fx.be.forceMuteStream(sessionId, streamId);
    await pub.page.waitForEvent({ event: 'muteForced' });
    const a = await audioForwarded();
    await delay(1000);
    const b = await audioForwarded();
    assert.ok(b - a < 5, `audio still forwarded while muted: ${a} → ${b}`);
    const st = await mediaStats(sessionId);
    assert.equal(st.publications[0].tracks.find((x) => x.kind === 'audio').paused, true);
    // publishAudio(true) is how the muted client takes its audio back.
    await pub.page.call('setPublishing', [{ audio: true }]);
    await waitUntil(async () => {
      const x = await audioForwarded();
      return x - b > 10 ? x : null;
    }, { message: 'audio forwarded again after publishAudio(true)' });
  });
});

describe(`routed media under packet loss (parleyd --rtc-test-loss 5, ${clientLabel(client)})`, () => {
  const fx = routedFixture({ client, parleydArgs: ['--rtc-test-loss', '5'] });

  test('NACKs recover lost packets both ways and the video keeps decoding', T, async (t) => {
    const sessionId = await fx.be.createSession({ mediaMode: 'routed' });
    const open = async (name) => (await fx.join(t, name, sessionId)).page;
    const pub = await open('pub');
    const sub = await open('sub');
    const r = await pub.publish({ width: 320, height: 240 });
    assert.ok(r.ok, JSON.stringify(r));
    await sub.waitForEvent({ event: 'streamCreated', streamId: r.streamId });
    assert.ok((await sub.subscribe(r.streamId)).ok);
    await sub.waitForFrames(r.streamId, 10, { timeoutMs: 30000 });
    // Decoding goes on: under 5 % loss each way (and a busy machine) a picture may freeze for a
    // moment until a retransmission or a keyframe repairs it, but it must not stay frozen. So the
    // count keeps growing over the second half of eight seconds, not necessarily every second.
    const samples = [];
    for (let i = 0; i < 8; i++) {
      samples.push((await sub.call('subscriberVideo', [r.streamId])).frames);
      await delay(1000);
    }
    samples.push((await sub.call('subscriberVideo', [r.streamId])).frames);
    t.diagnostic(`decoded frames, one sample a second: ${samples}`);
    assert.ok(samples[8] > samples[4], `decoding stopped: ${samples}`);
    assert.ok(samples[8] - samples[0] >= 10, `hardly any frames decoded: ${samples}`);
    const metrics = await (await fetch(`${fx.be.server.url}/metrics`)).text();
    const sum = (name) => metrics.split('\n').filter((l) => l.startsWith(name)).reduce((a, l) => a + Number(l.split(' ').pop()), 0);
    t.diagnostic(`nacks sent ${sum('parley_media_nacks_sent_total')}, nacks received ${sum('parley_media_nacks_received_total')}, retransmissions ${sum('parley_media_retransmissions_total')}`);
    assert.ok(sum('parley_media_nacks_sent_total') > 0, 'the SFU NACKed the publisher');
    assert.ok(sum('parley_media_nacks_received_total') > 0, 'the subscriber NACKed the SFU');
    assert.ok(sum('parley_media_retransmissions_total') > 0, 'the SFU resent from its buffer');
    const pubStats = await pub.call('publisherRtcStats');
    assert.ok(pubStats.retransmittedPackets > 0, `the publisher retransmitted: ${JSON.stringify(pubStats)}`);
  });
});

// Chrome's default fake camera compresses to a few hundred kbit/s whatever the bandwidth, so this
// browser captures a noisy 640x480 clip (made here, in the Y4M format Chrome reads): the encoder
// then needs all the bitrate the congestion controller gives it.
function writeNoiseClip(file, frames = 8) {
  const w = 640;
  const h = 480;
  const parts = [Buffer.from(`YUV4MPEG2 W${w} H${h} F30:1 Ip A1:1 C420jpeg\n`)];
  for (let i = 0; i < frames; i++) {
    parts.push(Buffer.from('FRAME\n'));
    const frame = crypto.randomBytes((w * h * 3) / 2);
    parts.push(frame);
  }
  fs.writeFileSync(file, Buffer.concat(parts));
}

describe(`routed publisher bandwidth (noisy 640x480 camera, ${clientLabel(client)})`, () => {
  const clip = path.join(os.tmpdir(), `parley-noise-${process.pid}.y4m`);
  const fx = routedFixture({
    client,
    browserArgs: [`--use-file-for-fake-video-capture=${clip}`],
    setup: () => writeNoiseClip(clip),
    teardown: () => fs.rmSync(clip, { force: true }),
  });
  const { join, publish, subscribe, mediaStats } = fx;

  // Bytes sent by the publisher's video over `ms`, in bits per second.
  async function publisherBitrate(p, ms = 2000) {
    const a = await p.page.call('publisherRtcStats');
    await delay(ms);
    const b = await p.page.call('publisherRtcStats');
    if (!a.ok || !b.ok) throw new Error(`publisherRtcStats failed: ${JSON.stringify([a, b])}`);
    return { bps: ((b.bytesSent - a.bytesSent) * 8 * 1000) / (b.at - a.at), frameWidth: b.frameWidth, stats: b };
  }

  test('congestion feedback lets a 640x480 publisher go above 1 Mbps within 20 s', T, async (t) => {
    const sessionId = await fx.be.createSession({ mediaMode: 'routed' });
    const pub = await join(t, 'pub', sessionId);
    const sub = await join(t, 'sub', sessionId);
    const streamId = await publish(pub, { resolution: '640x480', width: 640, height: 480 });
    await subscribe(sub, streamId);
    const started = Date.now();
    let last;
    while (Date.now() - started < 20000) {
      last = await publisherBitrate(pub);
      if (last.bps > 1000000) break;
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    t.diagnostic(`publisher video ${(last.bps / 1e6).toFixed(2)} Mbps after ${seconds} s, frame width ${last.frameWidth}`);
    assert.ok(last.bps > 1000000, `publisher stayed at ${Math.round(last.bps / 1000)} kbps: ${JSON.stringify(last.stats)}`);
    const stats = await mediaStats(sessionId);
    assert.ok(stats.publications[0].transportFeedback > 0, 'the SFU sent transport-cc feedback');
    await sub.page.waitForFrames(streamId, 30);
  });

});

describe(`routed media over ICE-TCP (parleyd --rtc-protocols tcp, ${clientLabel(client)})`, () => {
  const fx = routedFixture({ client, parleydArgs: ['--rtc-protocols', 'tcp'] });

  test('publish and subscribe through the passive TCP candidate', T, async (t) => {
    const sessionId = await fx.be.createSession({ mediaMode: 'routed' });
    const open = async (name) => (await fx.join(t, name, sessionId)).page;
    const pub = await open('pub');
    const sub = await open('sub');
    const r = await pub.publish({ width: 320, height: 240 });
    assert.ok(r.ok, `${JSON.stringify(r)}${pub.diagnostics()}${fx.be.logTail()}`);
    await sub.waitForEvent({ event: 'streamCreated', streamId: r.streamId });
    assert.ok((await sub.subscribe(r.streamId)).ok);
    await sub.waitForFrames(r.streamId, 20, { timeoutMs: 30000 });
    const st = await fx.mediaStats(sessionId);
    for (const x of [...st.publications, ...st.subscriptions]) {
      assert.match(x.transport.address, /^tcp:/, `transport over TCP: ${JSON.stringify(x.transport)}`);
    }
  });
});
}
