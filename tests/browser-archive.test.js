// Individual archives of real media (issue 11; docs/protocol.md §3.4.2, §7.10; docs/media.md):
// the official OpenTok.js 2.35.2 and parley.js publish from headless Chromium (fake camera and
// microphone) into a routed session, the official Node SDK records it, and the ZIP downloaded
// through its signed link is checked with ffprobe: one file per published stream (a stream
// published again gets a file of its own), VP8 + Opus, durations and offsets as the manifest
// says, a real frame rate, audio and video starting together. Also archiveMode "always"
// (a composed archive that starts at the first stream and stops when the session is empty) and kill -9 of parleyd while
// recording (the next start packages what was written).
//
// Needs chromium, ffprobe (Debian ffmpeg) and unzip.
// Run: PARLEYD=build/asan/parleyd node --test --test-concurrency=1 tests/browser-archive.test.js

import { describe, before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import OpenTok from 'opentok';

import { openClientPage, waitUntil } from './lib/browser.js';
import { archivesOf, downloadAndUnzip, downloadFile, probe, waitFinished } from './lib/archives.js';
import { startBrowserStack, stopBrowserStack } from './lib/parleyd-browser.js';
import { startParleyd, makeTempDir, removeDir, createSession } from './lib/parleyd.js';

const T = { timeout: 150000 };
const IDLE_STOP_S = 2;
const delay = (ms) => new Promise((r) => setTimeout(r, ms));
const cb2p = (fn) => new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));
describe('individual archives of OpenTok.js and parley.js publishers in Chromium', () => {
  let browser;
  let web;
  let be;
  let archives;

  before(async () => {
    ({ browser, web, be } = await startBrowserStack({ extraArgs: ['--archive-idle-stop', String(IDLE_STOP_S)], logLevel: 'info' }));
    archives = archivesOf(be.ot);
  });

  after(async () => {
    await stopBrowserStack({ browser, web, be });
  });

  // A connected page (closed after test `t`) of `client` ('opentok' or 'parley').
  async function join(t, { name, client, sessionId, role = 'publisher', proxyUrl = be.proxyUrl, apiKey = be.apiKey, token }) {
    const page = await openClientPage(browser, { pageUrl: web.pageUrl('opentok-client'), name, client });
    t.after(() => page.close());
    await page.connect({ proxyUrl, apiKey, sessionId, token: token ?? be.token(sessionId, { role, data: `name=${name}` }) });
    return page;
  }

  async function publish(page, logs = () => be.logTail()) {
    const r = await page.publish({ width: 320, height: 240 });
    if (!r.ok) throw new Error(`${page.name}: publish failed: ${JSON.stringify(r)}${page.diagnostics()}${logs()}`);
    return r.streamId;
  }

  test('two publishers, one republishing mid-recording: events in both clients, the ZIP checked with ffprobe', T, async (t) => {
    const sessionId = await be.createSession({ mediaMode: 'routed' });
    const ot = await join(t, { name: 'ot', client: 'opentok', sessionId });
    const pj = await join(t, { name: 'pj', client: 'parley', sessionId });
    const otStream = await publish(ot);
    const pjStream1 = await publish(pj);
    // A routed stream is announced once its media reaches the SFU: then it can be recorded.
    await ot.waitForEvent({ event: 'streamCreated', streamId: pjStream1 }, { timeoutMs: 30000 });
    await pj.waitForEvent({ event: 'streamCreated', streamId: otStream }, { timeoutMs: 30000 });

    const started = await archives.start(sessionId, { name: 'browser archive', outputMode: 'individual' });
    assert.equal(started.status, 'started');
    for (const page of [ot, pj]) {
      const e = await page.waitForEvent({ event: 'archiveStarted', archiveId: started.id }, { timeoutMs: 15000 });
      assert.equal(e.name, 'browser archive', page.name);
    }

    // Late joiners learn of the running archive from the session state.
    for (const client of ['opentok', 'parley']) {
      const late = await join(t, { name: `late-${client}`, client, sessionId, role: 'subscriber' });
      const e = await late.waitForEvent({ event: 'archiveStarted', archiveId: started.id }, { timeoutMs: 15000 });
      assert.equal(e.name, 'browser archive', late.name);
    }

    // Let both streams record a while, then the parley.js publisher leaves and comes back.
    await waitUntil(() => Date.now() - started.createdAt > 2500, { timeoutMs: 10000, intervalMs: 100 });
    const unpublishedAt = Date.now();
    assert.ok((await pj.call('unpublish')).ok);
    await ot.waitForEvent({ event: 'streamDestroyed', streamId: pjStream1 }, { timeoutMs: 15000 });
    const pjStream2 = await publish(pj);
    assert.notEqual(pjStream2, pjStream1);
    await ot.waitForEvent({ event: 'streamCreated', streamId: pjStream2 }, { timeoutMs: 30000 });
    const republishSeenAt = Date.now();
    await waitUntil(() => Date.now() - republishSeenAt > 3000, { timeoutMs: 10000, intervalMs: 100 });

    const stopped = await archives.stop(started.id);
    assert.equal(stopped.status, 'stopped');
    for (const page of [ot, pj]) await page.waitForEvent({ event: 'archiveStopped', archiveId: started.id }, { timeoutMs: 15000 });

    const done = await waitFinished(archives, started.id);
    assert.equal(done.status, 'available', `${JSON.stringify(done)}${be.logTail()}`);
    assert.equal(done.reason, '');
    assert.ok(done.duration >= 5, `duration ${done.duration} s`);

    const { dir, manifest, entries } = await downloadAndUnzip(t, done);
    t.diagnostic(`manifest: ${JSON.stringify(manifest)}`);
    assert.equal(manifest.id, started.id);
    assert.equal(manifest.sessionId, sessionId);
    assert.equal(manifest.name, 'browser archive');
    assert.equal(manifest.files.length, 3, 'two streams, one of them published twice');
    assert.deepEqual(entries.sort(), [`${started.id}.json`, ...manifest.files.map((f) => f.filename)].sort());
    const byStream = Object.fromEntries(manifest.files.map((f) => [f.streamId, f]));
    const fOt = byStream[otStream];
    const fPj1 = byStream[pjStream1];
    const fPj2 = byStream[pjStream2];
    assert.ok(fOt && fPj1 && fPj2, `files for ${otStream}, ${pjStream1}, ${pjStream2}`);
    assert.equal(fOt.connectionData, 'name=ot');
    assert.equal(fPj1.connectionData, 'name=pj');
    assert.equal(fPj2.connectionData, 'name=pj');
    for (const f of manifest.files) {
      assert.equal(f.filename, `${f.streamId}.webm`);
      assert.equal(fs.statSync(path.join(dir, f.filename)).size, f.size, `${f.filename} size`);
      assert.ok(f.stopTimeOffset > f.startTimeOffset, JSON.stringify(f));
    }

    // Offsets follow what happened: both first streams from the start, the republished one
    // after the first ended and no later than the other page saw it.
    const createdAt = done.createdAt;
    assert.ok(fOt.startTimeOffset < 1000 && fPj1.startTimeOffset < 1000, 'recorded from the archive start');
    assert.ok(fPj1.stopTimeOffset >= unpublishedAt - createdAt - 1000, `first pj file stops after the unpublish: ${fPj1.stopTimeOffset}`);
    assert.ok(fPj2.startTimeOffset >= fPj1.stopTimeOffset, 'the republished file starts after the first one ended');
    assert.ok(fPj2.startTimeOffset <= republishSeenAt - createdAt + 1000, `republished file starts when the stream came: ${fPj2.startTimeOffset}`);
    assert.ok(fOt.stopTimeOffset >= fPj2.stopTimeOffset - 1000, 'the OpenTok.js stream ran to the end');

    for (const f of manifest.files) {
      const p = probe(path.join(dir, f.filename));
      const label = `${f.filename}: ${p.describe()}`;
      assert.equal(p.video?.codec_name, 'vp8', label);
      assert.equal(p.audio?.codec_name, 'opus', label);
      assert.equal(p.info.streams.length, 2, label);
      const expected = (f.stopTimeOffset - f.startTimeOffset) / 1000;
      assert.ok(Math.abs(p.duration - expected) <= 1.5, `${label}: duration ${p.duration} s, manifest ${expected} s`);
      const fps = p.videoFrames / p.duration;
      t.diagnostic(`${f.filename}: ${p.duration.toFixed(2)} s (manifest ${expected}), ${p.videoFrames} frames, ${fps.toFixed(1)} fps, `
        + `start video ${p.video.start_time} audio ${p.audio.start_time}, ${p.video.width}x${p.video.height}`);
      assert.ok(fps > 5, `${label}: ${p.videoFrames} frames in ${p.duration} s`);
      assert.ok(p.video.width > 0 && p.video.height > 0, label);
      assert.ok(Math.abs(Number(p.video.start_time) - Number(p.audio.start_time)) <= 0.1,
        `${label}: audio and video start together`);
    }
  });

  test(`archiveMode "always": the first stream starts a composed archive at archiveResolution, an empty session (${IDLE_STOP_S} s) stops it`, T, async (t) => {
    const sessionId = await be.createSession({ mediaMode: 'routed', archiveMode: 'always', archiveResolution: '1280x720' });
    const page = await join(t, { name: 'always', client: 'opentok', sessionId });
    assert.equal((await archives.list({ sessionId })).total, 0, 'nothing recorded before anyone publishes');
    await publish(page);
    const running = await waitUntil(async () => {
      const { items } = await archives.list({ sessionId });
      return items.find((a) => a.status === 'started');
    }, { timeoutMs: 30000, message: 'an archive started by the first stream' });
    assert.equal(running.outputMode, 'composed', "OpenTok's automatic archives are composed");
    assert.equal(running.resolution, '1280x720');
    await page.waitForEvent({ event: 'archiveStarted', archiveId: running.id }, { timeoutMs: 15000 });
    // Record a little, until the composition's first fragments are written, then everyone leaves.
    const file = path.join(be.server.dataDir, 'archives', running.id, 'composed.mp4');
    await waitUntil(() => Date.now() - running.createdAt > 3000 && fs.existsSync(file) && fs.statSync(file).size > 10000,
      { timeoutMs: 30000, intervalMs: 100, message: `media in ${file}` });
    assert.ok((await page.call('disconnect')).ok);
    await page.waitForEvent({ event: 'sessionDisconnected' }, { timeoutMs: 15000 });
    const done = await waitFinished(archives, running.id, 60000);
    assert.equal(done.status, 'available', JSON.stringify(done));
    assert.equal(done.reason, 'session ended');
    assert.equal((await archives.list({ sessionId })).total, 1, 'one archive for the session');
    const { file: mp4 } = await downloadFile(t, done);
    const p = probe(mp4);
    assert.equal(p.video?.codec_name, 'h264', p.describe());
    assert.equal(p.audio?.codec_name, 'aac', p.describe());
    assert.equal(`${p.video.width}x${p.video.height}`, '1280x720', p.describe());
    assert.ok(p.duration > 2, p.describe());
  });

  test('streamMode "manual": only the streams added are recorded, from when they were added until removed', T, async (t) => {
    const sessionId = await be.createSession({ mediaMode: 'routed' });
    const a = await join(t, { name: 'chosen', client: 'parley', sessionId });
    const b = await join(t, { name: 'ignored', client: 'opentok', sessionId });
    const chosen = await publish(a);
    const ignored = await publish(b);
    await b.waitForEvent({ event: 'streamCreated', streamId: chosen }, { timeoutMs: 30000 });
    await a.waitForEvent({ event: 'streamCreated', streamId: ignored }, { timeoutMs: 30000 });
    const started = await archives.start(sessionId, { name: 'manual', outputMode: 'individual', streamMode: 'manual' });
    assert.equal(started.streamMode, 'manual');
    assert.deepEqual(started.streams, []);
    await delay(1000);
    const addedAt = Date.now();
    await cb2p((cb) => be.ot.addArchiveStream(started.id, chosen, { hasAudio: true, hasVideo: true }, cb));
    const listed = await archives.get(started.id);
    assert.deepEqual(listed.streams, [{ streamId: chosen, hasAudio: true, hasVideo: true }]);
    // Record until media reached the file, a few seconds in all, then take the stream out.
    const file = path.join(be.server.dataDir, 'archives', started.id, `${chosen}.webm`);
    await waitUntil(() => Date.now() - addedAt > 3000 && fs.existsSync(file) && fs.statSync(file).size > 0,
      { timeoutMs: 30000, intervalMs: 100, message: `media in ${file}` });
    await cb2p((cb) => be.ot.removeArchiveStream(started.id, chosen, cb));
    assert.deepEqual((await archives.get(started.id)).streams, []);
    await delay(1500);
    await archives.stop(started.id);
    const done = await waitFinished(archives, started.id);
    assert.equal(done.status, 'available', JSON.stringify(done));
    const { dir, manifest } = await downloadAndUnzip(t, done);
    t.diagnostic(`manifest: ${JSON.stringify(manifest)}`);
    assert.deepEqual(manifest.files.map((f) => f.streamId), [chosen], 'the stream not added is not recorded');
    const f = manifest.files[0];
    assert.ok(f.startTimeOffset >= 500, `added a second after the start: ${f.startTimeOffset}`);
    assert.ok(f.stopTimeOffset <= done.duration * 1000 - 500, `removed before the stop: ${f.stopTimeOffset} of ${done.duration} s`);
    const p = probe(path.join(dir, f.filename));
    assert.equal(p.video?.codec_name, 'vp8', p.describe());
    assert.ok(Math.abs(p.duration - (f.stopTimeOffset - f.startTimeOffset) / 1000) <= 1.5, p.describe());
  });

  test('kill -9 while recording: the next start packages what was written', T, async (t) => {
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
    const page = await join(t, {
      name: 'crash', client: 'opentok', sessionId, proxyUrl: first.url, apiKey: first.apiKey,
      token: ot.generateToken(sessionId, { role: 'publisher', data: 'name=crash' }),
    });
    const streamId = await publish(page, () => `\n${first.logs().slice(-6000)}`);
    await page.waitForEvent({ event: 'publisherStreamCreated', streamId }, { timeoutMs: 30000 });
    // Routed: wait until the SFU announced the stream (media flows), so the archive records it.
    await waitUntil(async () => (await cb2p((cb) => ot.listStreams(sessionId, cb))).some((s) => s.id === streamId),
      { timeoutMs: 30000, message: 'stream announced' });
    const a = await own.start(sessionId, { outputMode: 'individual' });
    await page.waitForEvent({ event: 'archiveStarted', archiveId: a.id }, { timeoutMs: 15000 });
    // Wait for a few seconds of media in the stream file, then kill parleyd mid-recording.
    const file = path.join(dataDir, 'archives', a.id, `${streamId}.webm`);
    await waitUntil(() => Date.now() - a.createdAt > 3500 && fs.existsSync(file) && fs.statSync(file).size > 20000,
      { timeoutMs: 30000, intervalMs: 200, message: `${file} growing` });
    const info = await first.terminate('SIGKILL');
    killed = true;
    assert.equal(info.signal, 'SIGKILL');
    await page.close();

    second = await startParleyd({ dataDir, apiKey: first.apiKey, apiSecret: first.apiSecret, logLevel: 'info' });
    const again = archivesOf(new OpenTok(second.apiKey, second.apiSecret, { apiUrl: second.url }));
    // The start packages it on its job thread (a long recording must not hold up the start):
    // until then it keeps its status, so a busy machine may answer "started" for a while.
    const done = await waitFinished(again, a.id, 30000).catch((err) => {
      throw new Error(`${err.message}\n${second.logs().slice(-4000)}`);
    });
    assert.equal(done.status, 'available', `${JSON.stringify(done)}\n${second.logs().slice(-4000)}`);
    assert.match(done.reason, /stopped unexpectedly/);
    assert.ok(done.duration >= 1, `duration ${done.duration}`);
    assert.ok(!fs.existsSync(path.join(dataDir, 'archives', a.id)), 'the stream files were packaged');
    const { dir, manifest } = await downloadAndUnzip(t, done);
    assert.equal(manifest.files.length, 1);
    const f = manifest.files[0];
    assert.equal(f.streamId, streamId);
    assert.ok(f.stopTimeOffset > f.startTimeOffset + 1000, `the manifest knows how far it got: ${JSON.stringify(f)}`);
    const p = probe(path.join(dir, f.filename));
    t.diagnostic(`after kill -9: ${p.describe()}, last packet ends at ${p.lastPacketEnd} s, ${p.videoFrames} frames`);
    assert.equal(p.video?.codec_name, 'vp8', p.describe());
    assert.equal(p.audio?.codec_name, 'opus', p.describe());
    assert.ok(p.lastPacketEnd > 1, `playable past 1 s: ${p.describe()}`);
    assert.ok(p.videoFrames > 10, `${p.videoFrames} decodable video frames`);
  });
});
