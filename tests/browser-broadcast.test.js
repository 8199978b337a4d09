// Live broadcasts of real publishers (issue 12 §3; docs/protocol.md §3.4.3; docs/media.md,
// "Composed archives", whose composer broadcasts use too): OpenTok.js and parley.js publish
// solid colours and tones from headless Chromium; the official Node SDK starts a broadcast to
// HLS and to a real RTMP server (Debian's nginx with its RTMP module, started by the test);
// the HLS stream is decoded by ffmpeg (each stream's colour where bestFit puts it) and played
// by hls.js in the viewer page parleyd serves; the stream nginx recorded decodes the same.
//
// Needs chromium, ffmpeg/ffprobe, nginx and libnginx-mod-rtmp (scripts/install-deps).
// Run: PARLEYD=build/asan/parleyd node --test --test-concurrency=1 tests/browser-broadcast.test.js

import { describe, before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

import { expectColours, near, pictureAt, probe } from './lib/archives.js';
import { waitUntil } from './lib/browser.js';
import { startNginxRtmp } from './lib/nginx-rtmp.js';
import { joinAs, publishOk, useBrowserStack } from './lib/parleyd-browser.js';

const T = { timeout: 240000 };
const COLOURS = ['#ff0000', '#0000ff'];
const cb2p = (fn) => new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));

describe('live broadcasts of OpenTok.js and parley.js publishers', () => {
  // nginx, the RTMP server, listens on loopback.
  const fx = useBrowserStack({ logLevel: 'info', extraArgs: ['--allow-private-rtmp'] });
  let browser;
  let web;
  let be;
  let rtmp;
  before(async () => {
    ({ browser, web, be } = fx);
    rtmp = await startNginxRtmp();
  });
  after(async () => {
    await rtmp?.stop();
  });

  const join = (t, client, name, sessionId) => joinAs(fx, t, client, name, sessionId);

  test('HLS decoded by ffmpeg and played by hls.js in the viewer page; RTMP recorded by nginx', T, async (t) => {
    const sessionId = await be.createSession({ mediaMode: 'routed' });
    const ot = await join(t, 'opentok', 'left', sessionId);
    const pj = await join(t, 'parley', 'right', sessionId);
    const streams = [];
    for (const [i, page] of [ot, pj].entries()) streams.push(await publishOk(fx, page, { colour: COLOURS[i], tone: 440 * (i + 1) }));
    await ot.waitForEvent({ event: 'streamCreated', streamId: streams[1] }, { timeoutMs: 30000 });
    await pj.waitForEvent({ event: 'streamCreated', streamId: streams[0] }, { timeoutMs: 30000 });

    const started = await cb2p((cb) => be.ot.startBroadcast(sessionId, {
      outputs: { hls: {}, rtmp: [{ id: 'nginx', serverUrl: rtmp.url, streamName: 'browser' }] },
      resolution: '640x480',
      layout: { type: 'bestFit' },
    }, cb));
    t.diagnostic(`broadcast: ${JSON.stringify(started)}`);
    assert.equal(started.status, 'started');
    const hlsUrl = started.broadcastUrls.hls;
    assert.match(hlsUrl, new RegExp(`/broadcast/${started.id}/hls/playlist\\.m3u8$`));

    // RTMP goes live.
    await waitUntil(async () => {
      const b = await cb2p((cb) => be.ot.getBroadcast(started.id, cb));
      const target = [].concat(b.broadcastUrls?.rtmp ?? []).find((r) => r.id === 'nginx');
      return target?.status === 'live';
    }, { timeoutMs: 30000, intervalMs: 500, message: 'the RTMP target live' });

    // HLS: wait for a few segments, then let ffmpeg read the live playlist over HTTP (as any
    // player would) and check a picture: the two streams side by side.
    await waitUntil(async () => {
      const res = await fetch(hlsUrl);
      return res.status === 200 && ((await res.text()).match(/segment\d+\.ts/g) ?? []).length >= 3;
    }, { timeoutMs: 60000, intervalMs: 500, message: 'three HLS segments' });
    const res = await fetch(hlsUrl);
    assert.equal(res.headers.get('access-control-allow-origin'), '*', 'players on other sites may read it');
    expectColours(pictureAt(hlsUrl, 1, { width: 640, height: 480 }), 'the live HLS stream',
      [[160, 240, COLOURS[0]], [480, 240, COLOURS[1]], [160, 40, '#000000']]);

    // The viewer page parleyd serves plays it with hls.js.
    const viewer = await browser.newPage();
    t.after(() => viewer.close());
    await viewer.goto(`${be.server.url}/demo/viewer.html?broadcast=${started.id}`);
    await waitUntil(() => viewer.evaluate(() => {
      const v = document.getElementById('viewer-video');
      return window.__viewer?.playing && v.videoWidth === 640 && v.currentTime > 1 ? true : null;
    }), { timeoutMs: 60000, intervalMs: 500, message: 'the viewer page playing the broadcast' });
    const errors = await viewer.evaluate(() => window.__viewer.errors.filter((e) => e.fatal));
    assert.deepEqual(errors, []);

    const stopped = await cb2p((cb) => be.ot.stopBroadcast(started.id, cb));
    assert.equal(stopped.status, 'stopped');

    // What nginx recorded decodes: H.264 + AAC, the two colours side by side.
    const flv = await rtmp.waitForRecording('browser');
    const p = probe(flv);
    t.diagnostic(`rtmp recording: ${p.describe()}`);
    assert.equal(p.video?.codec_name, 'h264');
    assert.equal(p.audio?.codec_name, 'aac');
    assert.ok(p.duration >= 2, p.describe());
    const last = pictureAt(flv, Math.max(0, p.duration - 1));
    assert.ok(near(last.rgb(160, 240), COLOURS[0]) && near(last.rgb(480, 240), COLOURS[1]),
      `${last.rgb(160, 240)} ${last.rgb(480, 240)}`);

    // The playlist ends, so players stop instead of waiting for more.
    await waitUntil(async () => (await (await fetch(hlsUrl)).text()).includes('#EXT-X-ENDLIST'),
      { timeoutMs: 15000, intervalMs: 300, message: 'the ended playlist' });
    // ffprobe reads the whole ended stream.
    const whole = spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', hlsUrl], { encoding: 'utf8' });
    assert.equal(whole.status, 0, whole.stderr);
  });
});
