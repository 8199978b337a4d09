// Composed archives' layouts over time (issue 12; docs/protocol.md §3.4.2; docs/media.md,
// "Composed archives"): OpenTok.js 2.35.2 and parley.js publish known pictures (solid colours)
// and sounds from headless Chromium; the official Node SDK records them, changes layout classes
// and layouts mid-recording; the MP4 is then checked picture by picture at known moments:
// a custom stylesheet following a `focus` class as it moves, a switch from bestFit to
// verticalPresentation, bestFit's screenshareType taking over while a screen is shared, a
// stream leaving the layout while its video is off, audio-only / video-only / HD outputs, and
// the audio mix in sync with the pictures.
//
// Each phase of a recording lasts 4.5 s and is checked 0.7 s before it ends (the composer draws
// 300 ms behind real time, and a stream that (re)joins needs a keyframe); phase boundaries are
// the moments the test asked for the change, relative to the archive's createdAt.
//
// Needs chromium and ffmpeg/ffprobe (Debian ffmpeg).
// Run: PARLEYD=build/asan/parleyd node --test --test-concurrency=1 tests/browser-composed-layouts.test.js

import { describe, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

import { archivesOf, expectColours, finishComposed, pictureAt, probe } from './lib/archives.js';
import { joinAs, publishOk, useBrowserStack } from './lib/parleyd-browser.js';

const T = { timeout: 180000 };
const PHASE_MS = 4500;
const RED = '#ff0000';
const GREEN = '#00ff00';
const BLUE = '#0000ff';
const YELLOW = '#ffff00';
const MAGENTA = '#ff00ff';
const CYAN = '#00ffff';
const BLACK = '#000000';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const cb2p = (fn) => new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));

describe('composed archives: layouts, classes, screen shares and muted video over time', () => {
  const fx = useBrowserStack({ logLevel: 'info' });
  let browser;
  let web;
  let be;
  let archives;
  before(() => {
    ({ browser, web, be } = fx);
    archives = archivesOf(be.ot);
  });

  const join = (t, client, name, sessionId) => joinAs(fx, t, client, name, sessionId);
  const publish = (page, opts) => publishOk(fx, page, opts);

  // Two publishers (OpenTok.js first, then parley.js) in a new routed session, each seeing the
  // other's stream.
  async function twoPublishers(t, colours) {
    const sessionId = await be.createSession({ mediaMode: 'routed' });
    const a = await join(t, 'opentok', 'a', sessionId);
    const b = await join(t, 'parley', 'b', sessionId);
    const A = await publish(a, { colour: colours[0] });
    const B = await publish(b, { colour: colours[1] });
    await a.waitForEvent({ event: 'streamCreated', streamId: B }, { timeoutMs: 30000 });
    await b.waitForEvent({ event: 'streamCreated', streamId: A }, { timeoutMs: 30000 });
    return { sessionId, a, b, A, B };
  }

  const setClasses = (sessionId, items) => cb2p((cb) => be.ot.setStreamClassLists(sessionId, items, cb));
  const setLayout = (archiveId, type, stylesheet, screenshareType) =>
    cb2p((cb) => be.ot.setArchiveLayout(archiveId, type, stylesheet, screenshareType, cb));

  // Stops the archive, waits for its MP4 and downloads it.
  const finish = (t, started) => finishComposed(t, archives, started, () => be.logTail());

  // Checks the colours at points of the picture `atMs` into the file; `not` points must NOT
  // be near the colour given.
  // Returns the picture.
  function expectAt(file, atMs, label, points, notPoints = []) {
    const at = atMs / 1000;
    const pic = pictureAt(file, at);
    expectColours(pic, `${label} at ${at.toFixed(2)} s`, points, notPoints);
    return pic;
  }


  test('custom stylesheet: the `focus` stream fills the canvas, the other sits in the lower-right quarter; moving the class swaps them', T, async (t) => {
    const { sessionId, A, B } = await twoPublishers(t, [RED, GREEN]);
    // `stream.focus` outranks `stream` (a class adds specificity), so the focus stream takes the
    // full rectangle and z-index 1; a stream without a class gets only the `stream` rule.
    const stylesheet = 'stream.focus { position: absolute; top: 0; left: 0; width: 100%; height: 100%; z-index: 1 } '
      + 'stream { position: absolute; right: 0; bottom: 0; width: 25%; height: 25%; z-index: 2 }';
    await setClasses(sessionId, [{ id: A, layoutClassList: ['focus'] }]);
    const started = await archives.start(sessionId, { name: 'custom focus', layout: { type: 'custom', stylesheet } });
    await sleep(PHASE_MS);
    const swapAt = Date.now() - started.createdAt;
    await setClasses(sessionId, [{ id: A, layoutClassList: [] }, { id: B, layoutClassList: ['focus'] }]);
    const swapped = Date.now() - started.createdAt;
    await sleep(PHASE_MS);
    const { file } = await finish(t, started);

    // The lower-right quarter is x 480..640, y 360..480.
    expectAt(file, swapAt - 700, 'A focused', [[320, 240, RED], [40, 40, RED], [460, 340, RED], [560, 420, GREEN], [630, 470, GREEN]]);
    expectAt(file, swapped + PHASE_MS - 700, 'B focused', [[320, 240, GREEN], [40, 40, GREEN], [460, 340, GREEN], [560, 420, RED], [630, 470, RED]]);
  });

  test('setArchiveLayout mid-recording: bestFit side by side, then verticalPresentation with the focus stream on the right', T, async (t) => {
    const { sessionId, B } = await twoPublishers(t, [YELLOW, MAGENTA]);
    // B, the later stream, carries the class: it is prioritized first (left in bestFit) and
    // is the presentation's focus.
    await setClasses(sessionId, [{ id: B, layoutClassList: ['focus'] }]);
    const started = await archives.start(sessionId, { name: 'layout change' });
    await sleep(PHASE_MS);
    const changeAt = Date.now() - started.createdAt;
    await setLayout(started.id, 'verticalPresentation');
    const changed = Date.now() - started.createdAt;
    t.diagnostic(`setArchiveLayout took ${changed - changeAt} ms`);
    await sleep(PHASE_MS);
    const { file } = await finish(t, started);

    // bestFit: two 320x480 halves, each 4:3 picture letterboxed in its half.
    expectAt(file, changeAt - 700, 'bestFit', [[160, 240, MAGENTA], [480, 240, YELLOW], [160, 40, BLACK], [480, 440, BLACK]]);
    // verticalPresentation: the focus on the right 80% (x >= 128, its picture 512x384 from
    // y 48), the other in the strip's first 128x96 cell, the strip's next cell empty.
    const vertical = [[384, 240, MAGENTA], [600, 100, MAGENTA], [64, 48, YELLOW], [64, 144, BLACK], [384, 20, BLACK]];
    expectAt(file, changed + 1500, 'verticalPresentation 1.5 s after the call', vertical);
    expectAt(file, changed + PHASE_MS - 700, 'verticalPresentation', vertical);
  });

  test('bestFit with screenshareType verticalPresentation: a screen share takes the focus, the camera moves to the strip', T, async (t) => {
    const sessionId = await be.createSession({ mediaMode: 'routed' });
    const cam = await join(t, 'opentok', 'cam', sessionId);
    const sharer = await join(t, 'parley', 'sharer', sessionId);
    await publish(cam, { colour: CYAN });
    const started = await archives.start(sessionId, { name: 'screen share', layout: { type: 'bestFit', screenshareType: 'verticalPresentation' } });
    await sleep(PHASE_MS);
    const shareAt = Date.now() - started.createdAt;
    const screen = await publish(sharer, { videoSource: 'screen', audioSource: null });
    await cam.waitForEvent({ event: 'streamCreated', streamId: screen }, { timeoutMs: 30000 });
    const shared = Date.now() - started.createdAt;
    await sleep(PHASE_MS);
    const { file } = await finish(t, started);

    expectAt(file, shareAt - 700, 'camera alone', [[320, 240, CYAN], [40, 40, CYAN], [600, 440, CYAN]]);
    // The camera in the strip's first cell; Chromium's fake screen (neither the camera's colour
    // nor black) on the right 80%.
    const pic = expectAt(file, shared + PHASE_MS - 700, 'screen shared', [[64, 48, CYAN], [64, 144, BLACK]],
      [[384, 240, CYAN], [384, 240, BLACK], [600, 240, CYAN]]);
    t.diagnostic(`the share's centre: ${JSON.stringify(pic.rgb(384, 240))}`);
  });

  test('a stream whose video goes off leaves the layout (no frozen picture) and comes back when it is on', T, async (t) => {
    const { sessionId, a, b, B } = await twoPublishers(t, [RED, BLUE]);
    const started = await archives.start(sessionId, { name: 'video mute' });
    await sleep(PHASE_MS);
    const offAt = Date.now() - started.createdAt;
    let mark = await a.mark();
    assert.deepEqual(await b.call('setPublishing', [{ video: false }]), { ok: true });
    await a.waitForEvent({ event: 'streamPropertyChanged', streamId: B, changedProperty: 'hasVideo', newValue: false }, { after: mark, timeoutMs: 30000 });
    const off = Date.now() - started.createdAt;
    await sleep(PHASE_MS);
    const onAt = Date.now() - started.createdAt;
    mark = await a.mark();
    assert.deepEqual(await b.call('setPublishing', [{ video: true }]), { ok: true });
    await a.waitForEvent({ event: 'streamPropertyChanged', streamId: B, changedProperty: 'hasVideo', newValue: true }, { after: mark, timeoutMs: 30000 });
    const on = Date.now() - started.createdAt;
    await sleep(PHASE_MS);
    const { file } = await finish(t, started);
    t.diagnostic(`video off at ${offAt}..${off} ms, on at ${onAt}..${on} ms`);

    const sideBySide = [[160, 240, RED], [480, 240, BLUE], [160, 40, BLACK], [480, 440, BLACK]];
    expectAt(file, offAt - 700, 'both videos on', sideBySide);
    expectAt(file, off + PHASE_MS - 700, 'second video off', [[320, 240, RED], [480, 240, RED], [40, 40, RED], [600, 440, RED]]);
    expectAt(file, on + PHASE_MS - 700, 'second video on again', sideBySide);
  });

  test('hasVideo:false records only AAC; hasAudio:false only H.264; 1280x720 letterboxes a 4:3 stream', T, async (t) => {
    const sessionId = await be.createSession({ mediaMode: 'routed' });
    const pub = await join(t, 'parley', 'pub', sessionId);
    await publish(pub, { colour: GREEN, tone: 440 });
    // Two archives of the same session at once (distinct multiArchiveTags).
    const audioOnly = await archives.start(sessionId, { name: 'audio only', hasVideo: false, multiArchiveTag: 'audio' });
    const hd = await archives.start(sessionId, { name: 'hd video only', hasAudio: false, resolution: '1280x720', multiArchiveTag: 'hd' });
    assert.equal(audioOnly.hasVideo, false);
    assert.equal(hd.hasAudio, false);
    assert.equal(hd.resolution, '1280x720');
    await sleep(PHASE_MS);
    const end = Date.now() - hd.createdAt;

    const a = await finish(t, audioOnly);
    assert.deepEqual(a.probe.info.streams.map((s) => s.codec_name), ['aac'], a.probe.describe());
    assert.ok(a.probe.duration >= 3, `audio-only duration ${a.probe.duration} s`);

    const v = await finish(t, hd);
    assert.deepEqual(v.probe.info.streams.map((s) => s.codec_name), ['h264'], v.probe.describe());
    assert.equal(`${v.probe.video.width}x${v.probe.video.height}`, '1280x720');
    // The 4:3 picture is 960x720, centred: x 160..1120.
    expectAt(v.file, end - 700, '1280x720', [[40, 360, BLACK], [1240, 360, BLACK], [640, 360, GREEN], [200, 40, GREEN], [1080, 680, GREEN]]);
  });

  test('A/V sync: a white flash and a loud beep sent together are together in the file', T, async (t) => {
    const sessionId = await be.createSession({ mediaMode: 'routed' });
    const pub = await join(t, 'opentok', 'flasher', sessionId);
    await publish(pub, { colour: BLUE, tone: 1000, flashEveryMs: 2000 });
    const started = await archives.start(sessionId, { name: 'av sync' });
    await sleep(9000);
    const { file, probe: p } = await finish(t, started);

    const video = onsets(lumaSeries(file));
    const audio = onsets(audioEnvelope(file, Number(p.audio.start_time) || 0));
    t.diagnostic(`video flashes at ${video.map((s) => s.toFixed(3)).join(', ')} s; audio beeps at ${audio.map((s) => s.toFixed(3)).join(', ')} s`);
    const offsets = [];
    for (const v of video) {
      const nearest = audio.reduce((best, a) => (Math.abs(a - v) < Math.abs(best - v) ? a : best), Infinity);
      if (Math.abs(nearest - v) < 1) offsets.push(Math.round((nearest - v) * 1000));
    }
    t.diagnostic(`audio − video per flash: ${offsets.join(', ')} ms`);
    assert.ok(video.length >= 3 && offsets.length >= 3, `flashes ${video.length}, paired ${offsets.length}`);
    const median = [...offsets].sort((x, y) => x - y)[Math.floor(offsets.length / 2)];
    t.diagnostic(`median audio − video: ${median} ms`);
    assert.ok(Math.abs(median) <= 150, `median audio − video ${median} ms (${offsets.join(', ')})`);
  });
});

// Mean luma of every picture of `file` with its presentation time: {times, values}.
function lumaSeries(file) {
  const r = spawnSync('ffmpeg', ['-v', 'info', '-copyts', '-i', file, '-an', '-vf', 'scale=16:12,format=gray,showinfo', '-f', 'null', '-'],
    { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`ffmpeg luma of ${file}: ${r.stderr}`);
  const times = [];
  const values = [];
  for (const m of r.stderr.matchAll(/pts_time:\s*([-\d.]+).*?mean:\[(\d+)/g)) {
    times.push(Number(m[1]));
    values.push(Number(m[2]));
  }
  return { times, values };
}

// RMS of the audio of `file` in 10 ms windows (mono, 8 kHz), placed from the audio's start.
function audioEnvelope(file, startS) {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-i', file, '-vn', '-ac', '1', '-ar', '8000', '-f', 's16le', '-'], { maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`ffmpeg audio of ${file}: ${r.stderr}`);
  const samples = new Int16Array(r.stdout.buffer, r.stdout.byteOffset, Math.floor(r.stdout.length / 2));
  const times = [];
  const values = [];
  for (let i = 0; i + 80 <= samples.length; i += 80) {
    let sum = 0;
    for (let j = i; j < i + 80; ++j) sum += samples[j] * samples[j];
    times.push(startS + i / 8000);
    values.push(Math.sqrt(sum / 80));
  }
  return { times, values };
}

// Moments a series jumps above halfway between its usual level (median) and its peak, at
// least a second after the previous jump.
function onsets({ times, values }) {
  if (values.length === 0) return [];
  const sorted = [...values].sort((x, y) => x - y);
  const low = sorted[Math.floor(sorted.length / 2)];
  const high = sorted[Math.floor(sorted.length * 0.99)];
  if (high - low < 10) return [];
  const threshold = (low + high) / 2;
  const out = [];
  for (let i = 1; i < values.length; ++i) {
    if (values[i] >= threshold && values[i - 1] < threshold && (out.length === 0 || times[i] - out[out.length - 1] > 1)) out.push(times[i]);
  }
  return out;
}
