// Live broadcasts through the REST API (docs/protocol.md §3.4.3), without a browser: the
// official Node SDK's startBroadcast, getBroadcast, listBroadcasts, stopBroadcast,
// setBroadcastLayout and addBroadcastStream/removeBroadcastStream; the errors (400, 404, 405,
// 409) and the broadcast JSON; and the HLS stream parleyd serves, which
// exists as soon as the composition runs, even with nobody publishing: its playlist parses,
// a segment downloads and ffprobe reads it as MPEG-TS with H.264 and AAC; and RTMP pushed to a
// real server (nginx with its RTMP module) that records what ffprobe decodes, while a dead
// target beside it changes nothing for the others.
//
// Run: PARLEYD=build/asan/parleyd PARLEY_CLI=build/asan/parley \
//        node --test --test-concurrency=1 tests/broadcasts.test.js

import { describe, before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import OpenTok from 'opentok';

import { startParleyd, createSession, request, makeTempDir, removeDir } from './lib/parleyd.js';
import { startNginxRtmp } from './lib/nginx-rtmp.js';
import { fetchBytes, restOf, startReceiver } from './lib/rest.js';

const T = { timeout: 90000 };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const delay = (ms) => new Promise((r) => setTimeout(r, ms));
const cb2p = (fn) => new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));

// The official SDK's broadcast calls as promises.
function sdkOf(ot) {
  return {
    start: (sessionId, options) => cb2p((cb) => ot.startBroadcast(sessionId, options, cb)),
    stop: (id) => cb2p((cb) => ot.stopBroadcast(id, cb)),
    get: (id) => cb2p((cb) => ot.getBroadcast(id, cb)),
    list: (options = {}) => new Promise((resolve, reject) => {
      ot.listBroadcasts(options, (err, items, total) => (err ? reject(err) : resolve({ items, total })));
    }),
    setLayout: (id, type, stylesheet = null, screenshareType = null) =>
      cb2p((cb) => ot.setBroadcastLayout(id, type, stylesheet, screenshareType, cb)),
    addStream: (id, streamId) => cb2p((cb) => ot.addBroadcastStream(id, streamId, {}, cb)),
    removeStream: (id, streamId) => cb2p((cb) => ot.removeBroadcastStream(id, streamId, cb)),
    session: async (options = { mediaMode: 'routed' }) => (await createSession(ot, options)).sessionId,
  };
}


describe('broadcasts: REST API and HLS stream', () => {
  let server;
  let ot;
  let sdk;
  let rest;
  let receiver;
  const running = new Set();  // stopped in after() should a test fail midway

  before(async () => {
    // Three at once on the server keeps the compositions light on a busy machine.
    // nginx (the RTMP tests' server) and the webhook receiver are on loopback.
    server = await startParleyd({ extraArgs: ['--max-broadcasts', '3', '--allow-private-callbacks', '--allow-private-rtmp'], logLevel: 'info' });
    ot = new OpenTok(server.apiKey, server.apiSecret, { apiUrl: server.url });
    sdk = sdkOf(ot);
    rest = restOf(server);
    receiver = await startReceiver();
  });

  after(async () => {
    for (const id of running) await sdk.stop(id).catch(() => {});
    if (server) await server.stop();
    await receiver?.close();
  });

  async function start(sessionId, options) {
    const b = await sdk.start(sessionId, options);
    running.add(b.id);
    return b;
  }
  async function stop(id) {
    const b = await sdk.stop(id);
    running.delete(id);
    return b;
  }

  test('start, get, list, stop: the broadcast JSON the SDK reads', T, async () => {
    const sessionId = await sdk.session();
    const b = await start(sessionId, {
      outputs: {
        hls: { lowLatency: true },
        // A target nobody listens on: it is tried again and reported, the broadcast goes on.
        rtmp: [{ id: 'nowhere', serverUrl: 'rtmp://127.0.0.1:9/live', streamName: 'key1' }],
      },
      maxDuration: 5400,
      resolution: '1280x720',
      multiBroadcastTag: 'first',
      maxBitrate: 1000000,
    });
    assert.match(b.id, UUID);
    assert.equal(b.sessionId, sessionId);
    assert.equal(String(b.projectId), server.apiKey);
    assert.equal(b.status, 'started');
    assert.equal(b.maxDuration, 5400);
    assert.equal(b.resolution, '1280x720');
    assert.equal(b.streamMode, 'auto', 'the SDK\'s default');
    assert.deepEqual(b.streams, []);
    assert.equal(b.hasAudio, true);
    assert.equal(b.hasVideo, true);
    assert.equal(b.maxBitrate, 1000000);
    assert.equal(b.multiBroadcastTag, 'first');
    assert.equal(typeof b.createdAt, 'number');
    assert.equal(b.broadcastUrls.hls, `${server.url}/broadcast/${b.id}/hls/playlist.m3u8`);
    assert.equal(b.broadcastUrls.rtmp.length, 1);
    const [target] = b.broadcastUrls.rtmp;
    assert.equal(target.id, 'nowhere');
    assert.equal(target.serverUrl, 'rtmp://127.0.0.1:9/live');
    assert.equal(target.streamName, 'key1');
    assert.ok(['connecting', 'error', 'offline'].includes(target.status), target.status);

    // The raw answer: numbers for a digits-only key, event "broadcast".
    const raw = await rest('GET', `/broadcast/${b.id}`);
    assert.equal(raw.status, 200, raw.describe());
    const json = raw.json();
    assert.equal(json.event, 'broadcast');
    assert.equal(json.partnerId, json.projectId);
    assert.deepEqual(json.settings, { hls: { dvr: false, lowLatency: true } });

    // The refused target ends up reported as such, and the broadcast goes on.
    const deadline = Date.now() + 30000;
    let seen;
    for (;;) {
      seen = await sdk.get(b.id);
      if (seen.broadcastUrls.rtmp[0].status !== 'connecting') break;
      assert.ok(Date.now() < deadline, 'the dead RTMP target stays "connecting"');
      await delay(200);
    }
    assert.equal(seen.status, 'started');
    assert.ok(['error', 'offline'].includes(seen.broadcastUrls.rtmp[0].status), seen.broadcastUrls.rtmp[0].status);

    const { items, total } = await sdk.list({ sessionId });
    assert.equal(total, 1);
    assert.equal(items[0].id, b.id);
    assert.equal(items[0].status, 'started');

    const stopped = await stop(b.id);
    assert.equal(stopped.status, 'stopped');
    assert.equal(stopped.broadcastUrls, null);
    assert.equal((await sdk.get(b.id)).status, 'stopped', 'a stopped broadcast is still there');
    const again = await rest('POST', `/broadcast/${b.id}/stop`, {});
    assert.equal(again.status, 409, again.describe());
  });

  test('HLS with nobody publishing: the playlist appears, a segment is MPEG-TS with H.264 and AAC', T, async () => {
    const sessionId = await sdk.session();
    const b = await start(sessionId, { outputs: { hls: {} } });
    const playlistUrl = b.broadcastUrls.hls;
    let res;
    const deadline = Date.now() + 20000;
    for (;;) {
      res = await fetchBytes(playlistUrl);
      if (res.status === 200 && /segment\d+\.ts/.test(res.body.toString())) break;
      assert.ok(Date.now() < deadline, `no playlist with a segment: ${res.status} ${res.body}`);
      await delay(250);
    }
    assert.equal(res.headers.get('content-type'), 'application/vnd.apple.mpegurl');
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.equal(res.headers.get('cache-control'), 'no-cache');
    const playlist = res.body.toString();
    assert.match(playlist, /^#EXTM3U/);
    assert.match(playlist, /#EXT-X-TARGETDURATION:\d+/);
    assert.match(playlist, /#EXTINF:[\d.]+,/);
    const segment = playlist.split('\n').find((l) => /^segment\d+\.ts$/.test(l.trim())).trim();
    const seg = await fetchBytes(new URL(segment, playlistUrl).toString());
    assert.equal(seg.status, 200);
    assert.equal(seg.headers.get('content-type'), 'video/mp2t');
    assert.equal(seg.body[0], 0x47, 'an MPEG-TS sync byte');
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'parley-hls-')), segment);
    fs.writeFileSync(file, seg.body);
    const probe = spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'format=format_name:stream=codec_name,codec_type',
      '-of', 'json', file], { encoding: 'utf8' });
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
    assert.equal(probe.status, 0, probe.stderr);
    const info = JSON.parse(probe.stdout);
    assert.equal(info.format.format_name, 'mpegts');
    const codecs = info.streams.map((s) => `${s.codec_type}:${s.codec_name}`).sort();
    assert.deepEqual(codecs, ['audio:aac', 'video:h264']);

    // Only the muxer's names are served; other ids and names are 404.
    for (const bad of [`/broadcast/${b.id}/hls/playlist.m3u8.tmp`, `/broadcast/${b.id}/hls/..%2F..%2Fparley.db`,
      `/broadcast/${b.id}/hls/segment1.ts.tmp`, `/broadcast/00000000-0000-4000-8000-000000000000/hls/playlist.m3u8`]) {
      const r = await request('GET', server.url + bad);
      assert.equal(r.status, 404, `${bad}: ${r.describe()}`);
    }

    await stop(b.id);
    // Stopped: the playlist is ended, and still served for a while.
    const endDeadline = Date.now() + 20000;
    for (;;) {
      res = await fetchBytes(playlistUrl);
      if (res.status === 200 && res.body.toString().includes('#EXT-X-ENDLIST')) break;
      assert.ok(Date.now() < endDeadline, `the playlist never ends: ${res.status} ${res.body}`);
      await delay(250);
    }
  });

  test('start errors: 400 bad bodies, 404 unknown session, 409 relayed, end-to-end encrypted, limits', T, async () => {
    const sessionId = await sdk.session();
    const bad = [
      {},
      { sessionId },
      { sessionId, outputs: {} },
      { sessionId, outputs: { hls: { dvr: true, lowLatency: true } } },
      { sessionId, outputs: { rtmp: [{ serverUrl: 'http://example.com/live', streamName: 'x' }] } },
      { sessionId, outputs: { rtmp: Array(6).fill({ serverUrl: 'rtmp://h/live', streamName: 'x' }) } },
      { sessionId, outputs: { hls: {} }, maxDuration: 59 },
      { sessionId, outputs: { hls: {} }, maxDuration: 36001 },
      { sessionId, outputs: { hls: {} }, resolution: '800x600' },
      { sessionId, outputs: { hls: {} }, layout: { type: 'custom' } },
      { sessionId, outputs: { hls: {} }, hasAudio: false, hasVideo: false },
      { sessionId, outputs: { hls: {} }, maxBitrate: 50 },
    ];
    for (const body of bad) {
      const r = await rest('POST', '/broadcast', body);
      assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.describe()}`);
    }
    // The SDK checks dvr + lowLatency itself; other 400s it reports with its own message.
    await assert.rejects(sdk.start(sessionId, { outputs: { hls: {} }, maxDuration: 10 }), /Failed to start broadcast/);

    const unknown = await rest('POST', '/broadcast', { sessionId: `${sessionId}x`, outputs: { hls: {} } });
    assert.equal(unknown.status, 404, unknown.describe());
    const relayed = await sdk.session({ mediaMode: 'relayed' });
    const r409 = await rest('POST', '/broadcast', { sessionId: relayed, outputs: { hls: {} } });
    assert.equal(r409.status, 409, r409.describe());
    const e2ee = await sdk.session({ mediaMode: 'routed', e2ee: true });
    const e409 = await rest('POST', '/broadcast', { sessionId: e2ee, outputs: { hls: {} } });
    assert.equal(e409.status, 409, e409.describe());
    assert.equal((await sdk.list({ sessionId })).total, 0, 'no refused start left a broadcast');

    // One per session unless each has its own multiBroadcastTag; three on this server.
    const a = await start(sessionId, { outputs: { hls: {} } });
    const dup = await rest('POST', '/broadcast', { sessionId, outputs: { hls: {} } });
    assert.equal(dup.status, 409, dup.describe());
    const tagged = await rest('POST', '/broadcast', { sessionId, outputs: { hls: {} }, multiBroadcastTag: 'x' });
    assert.equal(tagged.status, 409, `the first has no tag: ${tagged.describe()}`);
    await stop(a.id);
    const t1 = await start(sessionId, { outputs: { hls: {} }, multiBroadcastTag: 't1' });
    const t2 = await start(sessionId, { outputs: { hls: {} }, multiBroadcastTag: 't2' });
    const sameTag = await rest('POST', '/broadcast', { sessionId, outputs: { hls: {} }, multiBroadcastTag: 't2' });
    assert.equal(sameTag.status, 409, sameTag.describe());
    const other = await sdk.session();
    const t3 = await start(other, { outputs: { hls: {} } });
    const fourth = await rest('POST', '/broadcast', { sessionId: await sdk.session(), outputs: { hls: {} } });
    assert.equal(fourth.status, 409, `--max-broadcasts 3: ${fourth.describe()}`);
    for (const x of [t1, t2, t3]) await stop(x.id);
  });

  test('get/stop/layout/streams of an unknown broadcast are 404', T, async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    assert.equal((await rest('GET', `/broadcast/${id}`)).status, 404);
    assert.equal((await rest('POST', `/broadcast/${id}/stop`, {})).status, 404);
    assert.equal((await rest('PUT', `/broadcast/${id}/layout`, { type: 'pip' })).status, 404);
    assert.equal((await rest('PATCH', `/broadcast/${id}/streams`, { removeStream: 'x' })).status, 404);
    await assert.rejects(sdk.get(id), /Failed to get broadcast/);
    await assert.rejects(sdk.stop(id), /Failed to stop broadcast/);
  });

  test('layout and streams: PUT layout 200 (400 for a bad one), PATCH 405 on auto, 404 unknown stream in manual', T, async () => {
    const sessionId = await sdk.session();
    const auto = await start(sessionId, { outputs: { hls: {} }, multiBroadcastTag: 'auto' });
    await sdk.setLayout(auto.id, 'verticalPresentation');
    await sdk.setLayout(auto.id, 'custom', 'stream.focus { position: absolute; width: 100%; height: 100%; }');
    const badLayout = await rest('PUT', `/broadcast/${auto.id}/layout`, { type: 'pip', screenshareType: 'pip' });
    assert.equal(badLayout.status, 400, badLayout.describe());
    const autoAdd = await rest('PATCH', `/broadcast/${auto.id}/streams`, { addStream: 'abc' });
    assert.equal(autoAdd.status, 405, autoAdd.describe());

    const manual = await start(sessionId, { outputs: { hls: {} }, streamMode: 'manual', multiBroadcastTag: 'manual' });
    assert.equal(manual.streamMode, 'manual');
    await assert.rejects(sdk.addStream(manual.id, 'no-such-stream'));
    const add = await rest('PATCH', `/broadcast/${manual.id}/streams`, { addStream: 'no-such-stream' });
    assert.equal(add.status, 404, add.describe());
    const remove = await rest('PATCH', `/broadcast/${manual.id}/streams`, { removeStream: 'no-such-stream' });
    assert.equal(remove.status, 404, remove.describe());
    const both = await rest('PATCH', `/broadcast/${manual.id}/streams`, { addStream: 'a', removeStream: 'b' });
    assert.equal(both.status, 400, both.describe());

    await stop(auto.id);
    await stop(manual.id);
    const late = await rest('PUT', `/broadcast/${auto.id}/layout`, { type: 'pip' });
    assert.equal(late.status, 409, `a stopped broadcast: ${late.describe()}`);
  });

  test('broadcast status callbacks: started and stopped with the broadcast JSON', T, async () => {
    const hook = '/broadcast-status';
    const reg = await rest('POST', '/callback', { group: 'broadcast', event: 'status', url: receiver.url(hook) });
    assert.equal(reg.status, 200, reg.describe());
    const sessionId = (await createSession(ot, { mediaMode: 'routed' })).sessionId;
    const b = await start(sessionId, { outputs: { hls: {} } });
    await stop(b.id);
    const mine = () => receiver.received.filter((p) => p._path === hook && p.id === b.id);
    const deadline = Date.now() + 20000;
    while (!mine().some((p) => p.status === 'stopped')) {
      assert.ok(Date.now() < deadline, `no "stopped" callback: ${JSON.stringify(receiver.received)}`);
      await delay(50);
    }
    const posts = mine();
    assert.deepEqual(posts.map((p) => p.status), ['started', 'stopped']);
    for (const p of posts) {
      assert.equal(p.event, 'broadcast');
      assert.equal(p.sessionId, sessionId);
      assert.equal(String(p.projectId), server.apiKey);
    }
    assert.match(posts[0].broadcastUrls.hls, /playlist\.m3u8$/);
    assert.equal(posts[1].broadcastUrls, null);
    // A broadcast registration gets nothing else, and an archive registration no broadcasts.
    assert.ok(receiver.received.filter((p) => p._path === hook).every((p) => p.event === 'broadcast'));
    for (const bad of [{ group: 'broadcast', event: 'created' }, { group: 'render', event: 'status' }]) {
      const res = await rest('POST', '/callback', { ...bad, url: receiver.url(hook) });
      assert.equal(res.status, 400, `${JSON.stringify(bad)}: ${res.describe()}`);
    }
  });

  test('list: newest first, offset and count, sessionId filter, count is the total', T, async () => {
    const sessionId = await sdk.session();
    const ids = [];
    for (let i = 0; i < 3; i++) {
      const b = await start(sessionId, { outputs: { hls: {} } });
      ids.push(b.id);
      await stop(b.id);
    }
    const { items, total } = await sdk.list({ sessionId });
    assert.equal(total, 3);
    assert.deepEqual(items.map((b) => b.id), [...ids].reverse());
    const page = await sdk.list({ sessionId, offset: 1, count: 1 });
    assert.equal(page.total, 3);
    assert.deepEqual(page.items.map((b) => b.id), [ids[1]]);
    const all = await sdk.list();
    assert.ok(all.total >= 3 + 1);
    const bad = await rest('GET', '/broadcast?count=1001');
    assert.equal(bad.status, 400, bad.describe());
  });

  test('RTMP: nginx receives a stream ffprobe decodes (H.264 + AAC); a dead target beside it does not stop HLS', T, async () => {
    const rtmp = await startNginxRtmp();
    try {
      const sessionId = await sdk.session();
      const b = await start(sessionId, {
        outputs: {
          hls: {},
          rtmp: [
            { id: 'nginx', serverUrl: rtmp.url, streamName: 'parley' },
            { id: 'dead', serverUrl: 'rtmp://127.0.0.1:9/live', streamName: 'nobody' },
          ],
        },
      });
      await rtmp.waitForPublisher('parley');
      const deadline = Date.now() + 30000;
      let seen;
      for (;;) {
        seen = await sdk.get(b.id);
        const [live, dead] = seen.broadcastUrls.rtmp;
        if (live.status === 'live' && dead.status !== 'connecting') break;
        assert.ok(Date.now() < deadline, `statuses: ${JSON.stringify(seen.broadcastUrls.rtmp)}`);
        await delay(200);
      }
      assert.ok(['error', 'offline'].includes(seen.broadcastUrls.rtmp[1].status));
      // HLS goes on beside the dead target.
      const hlsDeadline = Date.now() + 20000;
      while ((await fetchBytes(seen.broadcastUrls.hls)).status !== 200) {
        assert.ok(Date.now() < hlsDeadline, 'no HLS playlist');
        await delay(250);
      }
      await delay(3000);  // a few seconds of stream to decode (not an assertion)
      await stop(b.id);
      const file = await rtmp.waitForRecording('parley');
      const out = spawnSync('ffprobe', ['-v', 'error', '-count_frames', '-show_entries',
        'stream=codec_name,nb_read_frames:format=format_name', '-of', 'json', file], { encoding: 'utf8' });
      assert.equal(out.status, 0, out.stderr);
      const info = JSON.parse(out.stdout);
      assert.equal(info.format.format_name, 'flv');
      const frames = Object.fromEntries(info.streams.map((x) => [x.codec_name, Number(x.nb_read_frames)]));
      assert.ok(frames.h264 > 0, `no decodable H.264: ${out.stdout}`);
      assert.ok(frames.aac > 0, `no decodable AAC: ${out.stdout}`);
    } finally {
      await rtmp.stop();
    }
  });

  test('RTMP to loopback without --allow-private-rtmp: the target is refused (error), nginx gets nothing, HLS goes on', T, async (t) => {
    const rtmp = await startNginxRtmp();
    const own = await startParleyd({ logLevel: 'info' });
    t.after(async () => {
      await own.stop();
      await rtmp.stop();
    });
    const ownOt = new OpenTok(own.apiKey, own.apiSecret, { apiUrl: own.url });
    const sessionId = (await createSession(ownOt, { mediaMode: 'routed' })).sessionId;
    const b = await cb2p((cb) => ownOt.startBroadcast(sessionId, {
      outputs: { hls: {}, rtmp: [{ id: 'inside', serverUrl: rtmp.url, streamName: 'ssrf' }] },
    }, cb));
    const deadline = Date.now() + 30000;
    let seen;
    for (;;) {
      seen = await cb2p((cb) => ownOt.getBroadcast(b.id, cb));
      if ([].concat(seen.broadcastUrls.rtmp)[0].status === 'error') break;
      assert.ok(Date.now() < deadline, `statuses: ${JSON.stringify(seen.broadcastUrls.rtmp)}`);
      await delay(200);
    }
    const hlsDeadline = Date.now() + 20000;
    while ((await fetchBytes(seen.broadcastUrls.hls)).status !== 200) {
      assert.ok(Date.now() < hlsDeadline, 'no HLS playlist');
      await delay(250);
    }
    await cb2p((cb) => ownOt.stopBroadcast(b.id, cb));
    assert.match(own.logs(), /does not send RTMP streams to \(127\.0\.0\.1 is a loopback address\)/);
    assert.doesNotMatch(rtmp.log(), /publish/i, 'nginx saw no publisher');
  });

  test('a broadcast running at shutdown: parleyd exits cleanly and its HLS files go', T, async () => {
    const dataDir = makeTempDir();
    const own = await startParleyd({ dataDir, logLevel: 'info' });
    try {
      const ownOt = new OpenTok(own.apiKey, own.apiSecret, { apiUrl: own.url });
      const ownSdk = sdkOf(ownOt);
      const b = await ownSdk.start(await ownSdk.session(), { outputs: { hls: { dvr: true } } });
      const deadline = Date.now() + 20000;
      while ((await fetchBytes(b.broadcastUrls.hls)).status !== 200) {
        assert.ok(Date.now() < deadline, 'no playlist');
        await delay(250);
      }
      assert.ok(fs.existsSync(path.join(dataDir, 'broadcasts', b.id, 'hls', 'playlist.m3u8')));
      await own.stop();  // throws unless the exit is clean
      assert.ok(!fs.existsSync(path.join(dataDir, 'broadcasts', b.id)), 'the HLS files are removed');
    } finally {
      await own.terminate?.('SIGKILL').catch(() => {});
      removeDir(dataDir);
    }
  });
});
