// Composed archives (issue 12; docs/protocol.md §3.4.2; docs/media.md, "Composed archives"):
// OpenTok.js 2.35.2 and parley.js publish known pictures (solid colours, from a canvas) and
// known sounds (sine tones, from WebAudio) from headless Chromium into a routed session; the
// official Node SDK records it with its default output mode (composed); the MP4 downloaded
// through its signed link is checked with ffprobe and ffmpeg: H.264 + AAC, its duration, each
// stream's colour where OpenTok's layout puts it at each moment, and both tones in the mix.
//
// Needs chromium and ffmpeg/ffprobe (Debian ffmpeg).
// Run: PARLEYD=build/asan/parleyd node --test --test-concurrency=1 tests/browser-composed.test.js

import { describe, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import OpenTok from 'opentok';

import { archivesOf, downloadFile, expectColours, finishComposed, near, pictureAt, probe, tonePower, waitFinished } from './lib/archives.js';
import { openClientPage, waitUntil } from './lib/browser.js';
import { joinAs, publishOk, useBrowserStack } from './lib/parleyd-browser.js';
import { startParleyd, makeTempDir, removeDir, createSession } from './lib/parleyd.js';

const T = { timeout: 240000 };
const COLOURS = ['#ff0000', '#00ff00', '#0000ff', '#ffff00', '#ff00ff'];
const BLACK = '#000000';

describe('composed archives of OpenTok.js and parley.js publishers', () => {
  const fx = useBrowserStack({ logLevel: 'info' });
  let browser;
  let web;
  let be;
  let archives;
  before(() => {
    ({ browser, web, be } = fx);
    archives = archivesOf(be.ot);
  });

  // A connected page (closed after test `t`); `server`: another parleyd than the suite's.
  async function join(t, client, name, sessionId, server) {
    if (!server) return joinAs(fx, t, client, name, sessionId);
    const page = await openClientPage(browser, { pageUrl: web.pageUrl('opentok-client'), name, client });
    t.after(() => page.close());
    const token = new OpenTok(server.apiKey, server.apiSecret).generateToken(sessionId, { role: 'publisher' });
    await page.connect({ proxyUrl: server.url, apiKey: server.apiKey, sessionId, token });
    return page;
  }
  const publish = (page, opts) => publishOk(fx, page, opts);
  const finish = (t, started) => finishComposed(t, archives, started, () => be.logTail());

  test('bestFit as streams join (1, 2, 3 and 5 streams), both tones in the mix', T, async (t) => {
    const sessionId = await be.createSession({ mediaMode: 'routed' });
    const watcher = await join(t, 'opentok', 'watcher', sessionId);
    const pages = [];
    const joinedAt = [];  // ms since the archive's start when each stream was announced
    let started;
    // Five publishers, alternately OpenTok.js and parley.js; the first two also send a tone.
    const tones = [440, 1200];
    for (let i = 0; i < 5; ++i) {
      const page = await join(t, i % 2 ? 'parley' : 'opentok', `p${i}`, sessionId);
      pages.push(page);
      const streamId = await publish(page, { colour: COLOURS[i], tone: tones[i] ?? 0 });
      await watcher.waitForEvent({ event: 'streamCreated', streamId }, { timeoutMs: 30000 });
      if (i === 0) started = await archives.start(sessionId, { name: 'composed bestFit' });
      joinedAt.push(Date.now() - started.createdAt);
      // Streams 1, 2, 3 and 5 each get a phase of their own, long enough to be drawn.
      if (i !== 3) await new Promise((r) => setTimeout(r, 4500));
    }
    assert.equal(started.outputMode, 'composed', 'the SDK default');
    assert.equal(started.resolution, '640x480');
    const { file, probe: p, done } = await finish(t, started);
    assert.equal(p.video.codec_name, 'h264');
    assert.equal(p.audio.codec_name, 'aac');
    assert.equal(Number(p.audio.sample_rate), 48000);
    assert.equal(`${p.video.width}x${p.video.height}`, '640x480');
    assert.ok(p.duration >= 15 && p.duration <= done.duration + 2, `duration ${p.duration} s, archive ${done.duration} s`);
    assert.ok(p.videoFrames >= p.duration * 15, `${p.videoFrames} pictures in ${p.duration} s`);

    // A phase's picture, a little before the next stream joins.
    const phaseEnd = (k) => (k + 1 < joinedAt.length ? joinedAt[k + 1] : joinedAt[k] + 4500) / 1000 - 0.7;
    const expect = (k, points) => expectColours(pictureAt(file, phaseEnd(k)), `phase ${k + 1} at ${phaseEnd(k).toFixed(1)} s`, points);
    // One stream: the whole canvas.
    expect(0, [[320, 240, COLOURS[0]], [40, 40, COLOURS[0]], [600, 440, COLOURS[0]]]);
    // Two: side by side, each 4:3 picture letterboxed in its 320x480 half.
    expect(1, [[160, 240, COLOURS[0]], [480, 240, COLOURS[1]], [160, 40, BLACK], [480, 440, BLACK]]);
    // Three: a 2x2 grid filled row by row, the last cell empty.
    expect(2, [[160, 120, COLOURS[0]], [480, 120, COLOURS[1]], [160, 360, COLOURS[2]], [480, 360, BLACK]]);
    // Five: 3x3, in the order the streams joined.
    expect(4, [[107, 80, COLOURS[0]], [320, 80, COLOURS[1]], [533, 80, COLOURS[2]], [107, 240, COLOURS[3]],
      [320, 240, COLOURS[4]], [533, 240, BLACK], [320, 400, BLACK]]);

    // Both tones are in the mix once both streams are in, and nothing else is loud: taken in
    // the third phase (the third stream has no tone), not just after the second stream's
    // `streamCreated`, which comes before its publisher's media connects (in one full run
    // the second tone had barely begun in the mix 1 to 4 s after it).
    const from = joinedAt[2] / 1000 + 1;
    const mix = tonePower(file, from, from + 3, [440, 1200, 800]);
    t.diagnostic(`mix: ${JSON.stringify(mix)}`);
    assert.ok(mix.power[440] > 0.1 && mix.power[1200] > 0.1, JSON.stringify(mix));
    assert.ok(mix.power[800] < 0.02, JSON.stringify(mix));
    const alone = tonePower(file, 0.5, joinedAt[1] / 1000 - 0.5, [440, 1200]);
    assert.ok(alone.power[440] > 0.3 && alone.power[1200] < 0.02, `before the second stream: ${JSON.stringify(alone)}`);
  });

  test('kill -9 while composing: the next start finalizes the MP4 up to its last fragment', T, async (t) => {
    const dataDir = makeTempDir();
    let first;
    let second;
    let killed = false;
    // One hook, in order: servers down before their data directory goes.
    t.after(async () => {
      try {
        if (first && !killed) await first.terminate('SIGKILL');
        if (second) await second.stop();
      } finally {
        removeDir(dataDir);
      }
    });
    first = await startParleyd({ dataDir, logLevel: 'info' });
    const ot = new OpenTok(first.apiKey, first.apiSecret, { apiUrl: first.url });
    const own = archivesOf(ot);
    const sessionId = (await createSession(ot, { mediaMode: 'routed' })).sessionId;
    const page = await join(t, 'parley', 'crash', sessionId, first);
    const streamId = await publish(page, { colour: COLOURS[2], tone: 440 });
    await waitUntil(async () => (await new Promise((resolve, reject) => ot.listStreams(sessionId, (e, v) => (e ? reject(e) : resolve(v))))).some((s) => s.id === streamId),
      { timeoutMs: 30000, message: 'stream announced' });
    const a = await own.start(sessionId, {});
    // Fragments are flushed at least every second: wait for a few, then kill mid-recording.
    const file = path.join(dataDir, 'archives', a.id, 'composed.mp4');
    await waitUntil(() => Date.now() - a.createdAt > 4000 && fs.existsSync(file) && fs.statSync(file).size > 20000,
      { timeoutMs: 30000, intervalMs: 200, message: `${file} growing` });
    const info = await first.terminate('SIGKILL');
    killed = true;
    assert.equal(info.signal, 'SIGKILL', first.logs().slice(-8000));
    await page.close();

    second = await startParleyd({ dataDir, apiKey: first.apiKey, apiSecret: first.apiSecret, logLevel: 'info' });
    const again = archivesOf(new OpenTok(second.apiKey, second.apiSecret, { apiUrl: second.url }));
    const done = await waitFinished(again, a.id);
    assert.equal(done.status, 'available', `${JSON.stringify(done)}\n${second.logs().slice(-4000)}`);
    assert.match(done.reason, /stopped unexpectedly/);
    assert.ok(done.duration >= 2, `duration ${done.duration}`);
    assert.ok(!fs.existsSync(path.join(dataDir, 'archives', a.id)), 'the fragmented file was finalized');
    const { file: mp4 } = await downloadFile(t, done);
    const p = probe(mp4);
    t.diagnostic(`after kill -9: ${p.describe()}, last packet ends at ${p.lastPacketEnd} s`);
    assert.equal(p.video?.codec_name, 'h264', p.describe());
    assert.equal(p.audio?.codec_name, 'aac', p.describe());
    assert.ok(p.lastPacketEnd >= 2, `playable past 2 s: ${p.describe()}`);
    const pic = pictureAt(mp4, p.lastPacketEnd - 1);
    assert.ok(near(pic.rgb(320, 240), COLOURS[2]), `the stream is in the picture: ${pic.rgb(320, 240)}`);
  });
});
