// H.264 through the SFU (issue 15 §2): a session whose video codec is H.264 (parleyd's own
// `videoCodec` session option; the same comes from --video-codec or the project) makes OpenTok.js
// 2.35.2 and parley.js publishers send H.264, because session info's priorityVideoCodec orders
// their offers and the SFU answers in that order (docs/media.md#video-codecs). Checked in
// Chromium on both clients, from the browser's own statistics (the codec of what is encoded and
// decoded) and from the SFU's (the codec its producer receives):
//
//   - a camera (simulcast, two layers) and a screen share (one layer) publish H.264 and a
//     subscriber decodes them; a small and a big subscriber of the camera get different
//     simulcast layers, switched on H.264 keyframes;
//   - a publisher that asks for VP8 (preferredVideoCodecs) still sends VP8 in that session, and a
//     subscriber on the other client decodes each stream in its own codec;
//   - a session without a codec stays on VP8;
//   - an individual archive of an H.264 session holds one .mkv per stream, H.264 + Opus,
//     decodable by ffprobe (docs/protocol.md §3.4.2).
//
// Run: PARLEYD=build/asan/parleyd node --test --test-concurrency=1 tests/browser-h264.test.js

import { describe, before, test } from 'node:test';
import assert from 'node:assert/strict';

import path from 'node:path';

import { archivesOf, downloadAndUnzip, probe, waitFinished } from './lib/archives.js';
import { openClientPage, waitUntil, testClients, clientLabel } from './lib/browser.js';
import { mediaStatsOf, useBrowserStack } from './lib/parleyd-browser.js';

const T = { timeout: 180000 };

describe('H.264 sessions (issue 15 §2) on OpenTok.js and parley.js', () => {
  const fx = useBrowserStack();
  let browser;
  let web;
  let be;
  before(() => ({ browser, web, be } = fx));

  // Routed, with parleyd's videoCodec option (the official SDKs do not send it).
  const createSession = (videoCodec) => be.createSessionWithFields(videoCodec ? { videoCodec } : {});

  const mediaStats = (sessionId) => mediaStatsOf(be, sessionId);

  async function join(t, client, name, sessionId) {
    const page = await openClientPage(browser, { pageUrl: web.pageUrl('opentok-client'), name, client });
    t.after(() => page.close());
    await page.connect({ proxyUrl: be.proxyUrl, apiKey: be.apiKey, sessionId, token: be.token(sessionId, { role: 'publisher', data: `name=${name}` }) });
    return page;
  }

  async function publish(page, opts = {}) {
    const r = await page.publish({ width: 320, height: 240, ...opts });
    assert.ok(r.ok, `${page.name}: publish: ${JSON.stringify(r)}${page.diagnostics()}${be.logTail()}`);
    return r.streamId;
  }

  async function subscribe(page, streamId, opts = {}) {
    await page.waitForEvent({ event: 'streamCreated', streamId }, { timeoutMs: 20000 });
    const r = await page.subscribe(streamId, opts);
    assert.ok(r.ok, `${page.name}: subscribe: ${JSON.stringify(r)}${page.diagnostics()}${be.logTail()}`);
  }

  // Waits until the page's publisher sends `layers` encodings (any number without), all in `codec`.
  async function waitForSending(page, codec, layers) {
    let last;
    await waitUntil(async () => {
      last = await page.call('videoCodecs', ['publisher']);
      return last.ok && last.streams.length > 0 && (layers === undefined || last.streams.length === layers) &&
        last.streams.every((s) => s.codec === codec && s.framesEncoded > 0);
    }, { timeoutMs: 30000, message: `${page.name} sending ${layers ?? 'its'} ${codec} encoding(s)` }).catch((e) => {
      throw new Error(`${e.message}: ${JSON.stringify(last)}${page.diagnostics()}`);
    });
    return last.streams;
  }

  // Waits until the page decodes streamId in `codec` (at least `frames` frames).
  async function waitForDecoding(page, streamId, codec, frames = 20) {
    let last;
    await waitUntil(async () => {
      last = await page.call('videoCodecs', [streamId]);
      return last.ok && last.streams.some((s) => s.codec === codec && s.framesDecoded >= frames);
    }, { timeoutMs: 30000, message: `${page.name} decoding ${codec}` }).catch((e) => {
      throw new Error(`${e.message}: ${JSON.stringify(last)}${page.diagnostics()}`);
    });
    return last.streams.find((s) => s.codec === codec);
  }

  async function sfuCodecOf(sessionId, streamId) {
    const st = await mediaStats(sessionId);
    const pub = st.publications.find((p) => p.streamId === streamId);
    return pub?.tracks.find((x) => x.kind === 'video')?.codec;
  }

  for (const client of testClients()) {
    const label = clientLabel(client);

    test(`${label}: in an H.264 session a camera (simulcast) and a screen (one layer) are sent and decoded in H.264`, T, async (t) => {
      const sessionId = await createSession('h264');
      const cam = await join(t, client, 'cam', sessionId);
      const screen = await join(t, client, 'screen', sessionId);
      const viewer = await join(t, client, 'viewer', sessionId);
      const camStream = await publish(cam, { resolution: '640x480', width: 640, height: 480 });
      const screenStream = await publish(screen, { videoSource: 'screen', audioSource: null });

      const camLayers = await waitForSending(cam, 'H264', 2);
      t.diagnostic(`camera encodings: ${JSON.stringify(camLayers)}`);
      await waitForSending(screen, 'H264', 1);
      assert.equal(await sfuCodecOf(sessionId, camStream), 'H264');
      assert.equal(await sfuCodecOf(sessionId, screenStream), 'H264');

      await subscribe(viewer, camStream);
      await subscribe(viewer, screenStream);
      const camIn = await waitForDecoding(viewer, camStream, 'H264');
      const screenIn = await waitForDecoding(viewer, screenStream, 'H264');
      assert.ok(camIn.frameWidth > 0 && screenIn.frameWidth > 0, JSON.stringify({ camIn, screenIn }));
    });

    test(`${label}: H.264 simulcast layers are switched per subscriber on H.264 keyframes`, T, async (t) => {
      const sessionId = await createSession('h264');
      const pub = await join(t, client, 'pub', sessionId);
      const big = await join(t, client, 'big', sessionId);
      const small = await join(t, client, 'small', sessionId);
      const streamId = await publish(pub, { resolution: '640x480', width: 640, height: 480 });
      await waitForSending(pub, 'H264', 2);
      await subscribe(big, streamId);
      await subscribe(small, streamId);
      await waitForDecoding(big, streamId, 'H264');
      await waitForDecoding(small, streamId, 'H264');
      assert.ok((await small.call('setPreferredResolution', [streamId, { width: 160, height: 120 }])).ok);
      const widthOf = (p) => p.call('subscriberVideo', [streamId]).then((v) => v.videoWidth);
      // A loaded machine may make the publisher shrink a layer for a while; the SFU's choice
      // settles, so it is awaited rather than read once.
      await waitUntil(async () => (await widthOf(small)) === 320, { timeoutMs: 20000, message: 'small subscriber on the 320x240 layer' });
      await waitUntil(async () => (await widthOf(big)) === 640, { timeoutMs: 30000, message: 'big subscriber on the 640x480 layer' });
      let st;
      await waitUntil(async () => {
        st = await mediaStats(sessionId);
        const current = st.subscriptions.map((s) => s.consumers.find((c) => c.kind === 'video').currentLayer).sort();
        return current.length === 2 && current[0] === 0 && current[1] === 1;
      }, { timeoutMs: 20000, message: 'one subscriber per layer' }).catch((e) => {
        throw new Error(`${e.message}: ${JSON.stringify(st?.subscriptions)}`);
      });
      // Both keep decoding H.264 after the switch.
      const before = await small.call('subscriberVideo', [streamId]);
      await waitUntil(async () => (await small.call('subscriberVideo', [streamId])).frames >= before.frames + 20, { timeoutMs: 20000, message: 'small subscriber keeps decoding' });
      await waitForDecoding(big, streamId, 'H264', 40);
    });

    test(`${label}: a publisher asking for VP8 sends VP8 in an H.264 session; a subscriber on the other client decodes both codecs`, T, async (t) => {
      const other = client === 'parley' ? 'opentok' : 'parley';
      const sessionId = await createSession('h264');
      const vp8 = await join(t, client, 'vp8-pub', sessionId);
      const h264 = await join(t, client, 'h264-pub', sessionId);
      const viewer = await join(t, other, 'viewer', sessionId);
      const vp8Stream = await publish(vp8, { preferredVideoCodecs: ['vp8'] });
      const h264Stream = await publish(h264);
      await waitForSending(vp8, 'VP8');
      await waitForSending(h264, 'H264');
      assert.equal(await sfuCodecOf(sessionId, vp8Stream), 'VP8');
      assert.equal(await sfuCodecOf(sessionId, h264Stream), 'H264');
      await subscribe(viewer, vp8Stream);
      await subscribe(viewer, h264Stream);
      await waitForDecoding(viewer, vp8Stream, 'VP8');
      await waitForDecoding(viewer, h264Stream, 'H264');
    });

    test(`${label}: a session without a video codec stays on VP8 (the server's default)`, T, async (t) => {
      const sessionId = await createSession();
      const pub = await join(t, client, 'pub', sessionId);
      const viewer = await join(t, client, 'viewer', sessionId);
      const streamId = await publish(pub);
      await waitForSending(pub, 'VP8');
      await subscribe(viewer, streamId);
      await waitForDecoding(viewer, streamId, 'VP8');
    });
  }

  test('an individual archive of an H.264 session: one .mkv per stream (OpenTok.js and parley.js publishers), H.264 + Opus', T, async (t) => {
    const sessionId = await createSession('h264');
    const pages = [];
    for (const client of testClients()) pages.push(await join(t, client, `rec-${client}`, sessionId));
    const streams = [];
    for (const p of pages) {
      streams.push(await publish(p));
      await waitForSending(p, 'H264');
    }
    const archives = archivesOf(be.ot);
    const started = await archives.start(sessionId, { name: 'h264', outputMode: 'individual' });
    // Record until every stream's file has grown for a while.
    const startedAt = Date.now();
    await waitUntil(() => Date.now() - startedAt > 4000, { timeoutMs: 10000, message: 'recording' });
    await archives.stop(started.id);
    const done = await waitFinished(archives, started.id);
    assert.equal(done.status, 'available', JSON.stringify(done));
    const { dir, manifest, entries } = await downloadAndUnzip(t, done);
    assert.deepEqual(manifest.files.map((f) => f.streamId).sort(), [...streams].sort());
    for (const f of manifest.files) {
      assert.equal(f.filename, `${f.streamId}.mkv`, JSON.stringify(entries));
      const p = probe(path.join(dir, f.filename));
      assert.equal(p.video?.codec_name, 'h264', p.describe());
      assert.equal(p.audio?.codec_name, 'opus', p.describe());
      assert.ok(p.video.width > 0 && p.video.height > 0, p.describe());
      assert.ok(p.videoFrames >= 20, `${p.videoFrames} frames: ${p.describe()}`);
    }
  });
});

