// Archives through the REST API (docs/protocol.md §3.4.2, §4.2, §7.10), without media: the
// official Node SDK and raw requests start, stop, get, list and delete archives; the errors the
// SDKs map; the signed download link (full, Range, HEAD, tampered, expired, another archive);
// archive status callbacks; Raptor `archive` messages and the session state's `archive` array
// for a raw Rumor client; an archive of an empty session stopping by itself. Archives with
// recorded streams, archiveMode "always" and kill -9 recovery need real media: see
// tests/browser-archive.test.js.
//
// Run: PARLEYD=build/asan/parleyd PARLEY_CLI=build/asan/parley \
//        node --test --test-concurrency=1 tests/archives.test.js

import { describe, before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import OpenTok from 'opentok';

import { startParleyd, createSession, request, restJwt, craftSessionId } from './lib/parleyd.js';
import { fetchBytes, restOf, startReceiver } from './lib/rest.js';
import { RumorClient, Type } from './lib/rumor.js';

const T = { timeout: 60000 };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const delay = (ms) => new Promise((r) => setTimeout(r, ms));
const cb2p = (fn) => new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));

// The official SDK's archive calls as promises.
function sdkOf(ot) {
  return {
    start: (sessionId, options = {}) => cb2p((cb) => ot.startArchive(sessionId, options, cb)),
    stop: (id) => cb2p((cb) => ot.stopArchive(id, cb)),
    get: (id) => cb2p((cb) => ot.getArchive(id, cb)),
    remove: (id) => cb2p((cb) => ot.deleteArchive(id, cb)),
    list: (options = {}) => new Promise((resolve, reject) => {
      ot.listArchives(options, (err, items, total) => (err ? reject(err) : resolve({ items, total })));
    }),
    addStream: (id, streamId, options = {}) => cb2p((cb) => ot.addArchiveStream(id, streamId, options, cb)),
    removeStream: (id, streamId) => cb2p((cb) => ot.removeArchiveStream(id, streamId, cb)),
    setLayout: (id, type) => cb2p((cb) => ot.setArchiveLayout(id, type, null, null, cb)),
    registerCallback: (options) => cb2p((cb) => ot.registerCallback(options, cb)),
    session: async (mediaMode = 'routed') => (await createSession(ot, { mediaMode })).sessionId,
  };
}


// Polls getArchive until the archive leaves `started`/`stopped`.
async function waitFinished(sdk, id, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await sdk.get(id);
    if (last.status !== 'started' && last.status !== 'stopped') return last;
    if (Date.now() > deadline) throw new Error(`archive ${id} still ${last.status} after ${timeoutMs} ms`);
    await delay(100);
  }
}

// A download link for `id` signed with the server's own key (docs/protocol.md §3.4.2): what
// parleyd hands out, but with an `expires` of our choosing.
function signLink(server, id, expires, { apiKey = server.apiKey } = {}) {
  const key = fs.readFileSync(path.join(server.dataDir, 'url-signing.key'));
  const signature = crypto.createHmac('sha256', key).update(`archive-download\n${apiKey}\n${id}\n${expires}`).digest('hex');
  return `${server.url}/v2/project/${apiKey}/archive/${id}/download?expires=${expires}&signature=${signature}`;
}

function unzip(args) {
  const r = spawnSync('unzip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`unzip ${args.join(' ')} → ${r.status}: ${r.stderr}`);
  return r.stdout;
}

describe('archives: REST API, downloads, callbacks and client messages', () => {
  let server;
  let sdk;
  let rest;
  let receiver;
  let wsUrl;
  let ot;
  const clients = [];

  before(async () => {
    server = await startParleyd({ extraArgs: ['--allow-private-callbacks'], logLevel: 'info' });
    ot = new OpenTok(server.apiKey, server.apiSecret, { apiUrl: server.url });
    sdk = sdkOf(ot);
    rest = restOf(server);
    receiver = await startReceiver();
    wsUrl = `${server.url.replace(/^http/, 'ws')}/rumorwebsocketsv2`;
  });

  after(async () => {
    for (const c of clients) await c.close().catch(() => {});
    await receiver?.close();
    if (server) await server.stop();
  });

  // A Rumor client connected to `sessionId`; its connect reply (the session state) is `state`.
  async function join(sessionId, data = '') {
    const c = await RumorClient.open(wsUrl);
    clients.push(c);
    c.keepalive(1000);
    const reply = await c.join({ apiKey: server.apiKey, sessionId, token: ot.generateToken(sessionId, { role: 'publisher', data }) });
    assert.equal(reply.status, 200, JSON.stringify(reply.payload));
    await c.waitForMessage('created', `/connection/${c.connectionId}`);
    c.state = reply.payload;
    return c;
  }

  async function startStopAvailable(sessionId, options = {}) {
    const started = await sdk.start(sessionId, { outputMode: 'individual', ...options });
    await sdk.stop(started.id);
    return waitFinished(sdk, started.id);
  }

  test('start, get, stop: the archive JSON the SDK reads, through started → stopped → available', T, async () => {
    const sessionId = await sdk.session();
    const t0 = Date.now();
    const a = await sdk.start(sessionId, { name: 'first', outputMode: 'individual' });
    assert.match(a.id, UUID);
    assert.equal(a.status, 'started');
    assert.equal(a.name, 'first');
    assert.equal(a.sessionId, sessionId);
    assert.equal(String(a.projectId), server.apiKey);
    assert.equal(String(a.partnerId), server.apiKey);
    assert.equal(a.outputMode, 'individual');
    assert.equal(a.streamMode, 'auto');
    assert.equal(a.hasAudio, true);
    assert.equal(a.hasVideo, true);
    assert.equal(a.event, 'archive');
    assert.equal(a.url, null);
    assert.equal(a.size, 0);
    assert.deepEqual(a.streams, []);
    assert.ok(a.createdAt >= t0 - 1000 && a.createdAt <= Date.now() + 1000, `createdAt ${a.createdAt}`);
    assert.equal(typeof a.updatedAt, 'number');

    const got = await sdk.get(a.id);
    assert.equal(got.status, 'started');
    assert.equal(got.id, a.id);

    const stopped = await sdk.stop(a.id);
    assert.equal(stopped.status, 'stopped');
    assert.equal(stopped.id, a.id);
    assert.equal(stopped.reason, '');

    const done = await waitFinished(sdk, a.id);
    assert.equal(done.status, 'available', JSON.stringify(done));
    assert.ok(done.size > 0, `size ${done.size}`);
    // OpenTok spells the digest in base64 (44 characters for SHA-256).
    assert.match(done.sha256sum, /^[A-Za-z0-9+/]{43}=$/);
    assert.equal(typeof done.duration, 'number');
    const url = new URL(done.url);
    assert.equal(url.origin, server.url);
    assert.equal(url.pathname, `/v2/project/${server.apiKey}/archive/${a.id}/download`);
    const expires = Number(url.searchParams.get('expires'));
    // Default lifetime 10 minutes.
    assert.ok(expires > Date.now() / 1000 + 500 && expires <= Date.now() / 1000 + 601, `expires ${expires}`);
    assert.match(url.searchParams.get('signature'), /^[0-9a-f]{64}$/);

    // The ZIP of an archive without streams: only the manifest.
    const zip = path.join(server.dataDir, 'archives', `${a.id}.zip`);
    assert.equal(fs.statSync(zip).size, done.size);
    assert.deepEqual(unzip(['-Z1', zip]).trim().split('\n'), [`${a.id}.json`]);
    const manifest = JSON.parse(unzip(['-p', zip, `${a.id}.json`]));
    assert.equal(manifest.id, a.id);
    assert.equal(manifest.sessionId, sessionId);
    assert.equal(manifest.name, 'first');
    assert.deepEqual(manifest.files, []);
  });

  test('download: full body, sha256sum, Range, HEAD; tampered, expired and borrowed links are refused', T, async () => {
    const sessionId = await sdk.session();
    const a = await startStopAvailable(sessionId, { name: 'download' });
    const other = await startStopAvailable(sessionId, { name: 'other' });
    assert.equal(a.status, 'available');
    const onDisk = fs.readFileSync(path.join(server.dataDir, 'archives', `${a.id}.zip`));

    const full = await fetchBytes(a.url);
    assert.equal(full.status, 200);
    assert.equal(full.headers.get('content-type'), 'application/zip');
    assert.equal(Number(full.headers.get('content-length')), onDisk.length);
    assert.equal(full.headers.get('accept-ranges'), 'bytes');
    assert.ok(full.body.equals(onDisk), 'the download is the ZIP on disk');
    assert.equal(crypto.createHash('sha256').update(full.body).digest('base64'), a.sha256sum);

    const part = await fetchBytes(a.url, { headers: { Range: 'bytes=10-99' } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes 10-99/${onDisk.length}`);
    assert.ok(part.body.equals(onDisk.subarray(10, 100)), 'bytes 10..99');
    const tail = await fetchBytes(a.url, { headers: { Range: 'bytes=-22' } });
    assert.equal(tail.status, 206);
    assert.ok(tail.body.equals(onDisk.subarray(onDisk.length - 22)), 'the last 22 bytes (the end of central directory)');
    const beyond = await fetchBytes(a.url, { headers: { Range: `bytes=${onDisk.length}-` } });
    assert.equal(beyond.status, 416);
    assert.equal(beyond.headers.get('content-range'), `bytes */${onDisk.length}`);

    const head = await fetchBytes(a.url, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(Number(head.headers.get('content-length')), onDisk.length);
    assert.equal(head.body.length, 0);

    // A link we sign with the server's key works: the refusals below are for the reasons given.
    const now = Math.floor(Date.now() / 1000);
    const ours = await fetchBytes(signLink(server, a.id, now + 60));
    assert.equal(ours.status, 200);
    assert.ok(ours.body.equals(onDisk));

    const u = new URL(a.url);
    const sig = u.searchParams.get('signature');
    const flipped = new URL(a.url);
    flipped.searchParams.set('signature', (sig[0] === 'a' ? 'b' : 'a') + sig.slice(1));
    const tampered = await request('GET', flipped.toString());
    assert.equal(tampered.status, 403, tampered.describe());
    const laterExpiry = new URL(a.url);
    laterExpiry.searchParams.set('expires', String(Number(u.searchParams.get('expires')) + 3600));
    assert.equal((await request('GET', laterExpiry.toString())).status, 403, 'a longer life is not signed');
    const unsigned = new URL(a.url);
    unsigned.searchParams.delete('signature');
    assert.equal((await request('GET', unsigned.toString())).status, 403);

    const expired = await request('GET', signLink(server, a.id, now - 5));
    assert.equal(expired.status, 403, expired.describe());
    assert.match(expired.json().description, /expired/);

    // The signature of one archive does not open another.
    const borrowed = new URL(a.url.replace(a.id, other.id));
    assert.equal(borrowed.pathname, `/v2/project/${server.apiKey}/archive/${other.id}/download`);
    const res = await request('GET', borrowed.toString());
    assert.equal(res.status, 403, res.describe());
    assert.equal((await fetchBytes(other.url)).status, 200, 'its own link works');
  });

  test('list: newest first, offset and count, sessionId filter, count is the total', T, async () => {
    const s1 = await sdk.session();
    const s2 = await sdk.session();
    const made = [];
    for (const [sessionId, name] of [[s1, 'l1'], [s2, 'l2'], [s1, 'l3']]) {
      const a = await sdk.start(sessionId, { name, outputMode: 'individual' });
      await sdk.stop(a.id);
      made.push(a);
    }
    const all = await sdk.list({ count: 1000 });
    assert.equal(all.total, all.items.length);
    for (let i = 1; i < all.items.length; i++) {
      assert.ok(all.items[i - 1].createdAt >= all.items[i].createdAt, `newest first: ${all.items.map((x) => x.createdAt)}`);
    }
    const positions = made.map((a) => all.items.findIndex((x) => x.id === a.id));
    assert.ok(positions.every((p) => p >= 0), 'every archive listed');
    assert.ok(positions[2] < positions[1] && positions[1] < positions[0], `newest first: ${positions}`);

    const page = await sdk.list({ count: 1 });
    assert.equal(page.items.length, 1);
    assert.equal(page.total, all.total, 'count is the total, not the page size');
    assert.equal(page.items[0].id, all.items[0].id);
    const second = await sdk.list({ offset: 1, count: 1 });
    assert.equal(second.items.length, 1);
    assert.equal(second.items[0].id, all.items[1].id);
    const pastEnd = await sdk.list({ offset: all.total, count: 10 });
    assert.equal(pastEnd.items.length, 0);
    assert.equal(pastEnd.total, all.total);

    const inS1 = await sdk.list({ sessionId: s1 });
    assert.equal(inS1.total, 2);
    assert.deepEqual(inS1.items.map((x) => x.id), [made[2].id, made[0].id]);
    const inS1Second = await sdk.list({ sessionId: s1, offset: 1, count: 5 });
    assert.equal(inS1Second.total, 2);
    assert.deepEqual(inS1Second.items.map((x) => x.id), [made[0].id]);
    const inS2 = await sdk.list({ sessionId: s2 });
    assert.equal(inS2.total, 1);
    assert.equal(inS2.items[0].name, 'l2');

    // Raw: the body shape, and malformed paging.
    const raw = await rest('GET', `/archive?sessionId=${encodeURIComponent(s1)}&count=1`);
    assert.equal(raw.status, 200);
    assert.deepEqual(Object.keys(raw.json()).sort(), ['count', 'items']);
    assert.equal(raw.json().count, 2);
    assert.equal((await rest('GET', '/archive?count=abc')).status, 400);
    assert.equal((await rest('GET', '/archive?offset=-1')).status, 400);
    assert.equal((await rest('GET', '/archive?count=1001')).status, 400);
    for (const a of made) await waitFinished(sdk, a.id);
  });

  test('delete: 409 while recording, 204 and the ZIP gone once available, 404 after', T, async () => {
    const sessionId = await sdk.session();
    const a = await sdk.start(sessionId, { outputMode: 'individual' });
    const whileRecording = await rest('DELETE', `/archive/${a.id}`);
    assert.equal(whileRecording.status, 409, whileRecording.describe());
    await sdk.stop(a.id);
    const done = await waitFinished(sdk, a.id);
    assert.equal(done.status, 'available');
    const zip = path.join(server.dataDir, 'archives', `${a.id}.zip`);
    assert.ok(fs.existsSync(zip));

    const res = await rest('DELETE', `/archive/${a.id}`);
    assert.equal(res.status, 204, res.describe());
    assert.equal(res.body, '');
    assert.ok(!fs.existsSync(zip), 'the ZIP is removed');
    assert.ok(!fs.existsSync(path.join(server.dataDir, 'archives', a.id)), 'no directory left behind');
    await assert.rejects(sdk.get(a.id), /Archive not found/);
    assert.equal((await rest('GET', `/archive/${a.id}`)).status, 404);
    assert.equal((await rest('DELETE', `/archive/${a.id}`)).status, 404);
    await assert.rejects(sdk.remove(a.id), /Archive not found/);
    assert.ok(!(await sdk.list({ sessionId })).items.some((x) => x.id === a.id));
    // A link handed out before the delete leads nowhere.
    assert.equal((await request('GET', done.url)).status, 404);

    // The SDK's own delete of an available archive.
    const b = await startStopAvailable(sessionId);
    await sdk.remove(b.id);
    await assert.rejects(sdk.get(b.id), /Archive not found/);
  });

  test('start errors: unknown session 404, relayed 409, bad fields and layouts 400; composed is the default', T, async () => {
    const unknown = craftSessionId(server.apiKey);
    await assert.rejects(sdk.start(unknown, { outputMode: 'individual' }), /Session not found/);
    assert.equal((await rest('POST', '/archive', { sessionId: unknown, outputMode: 'individual' })).status, 404);

    const relayed = await sdk.session('relayed');
    const r409 = await rest('POST', '/archive', { sessionId: relayed, outputMode: 'individual' });
    assert.equal(r409.status, 409, r409.describe());
    await assert.rejects(sdk.start(relayed, { outputMode: 'individual' }));

    // The SDK's default is a composed archive: it starts (and, with nobody publishing, makes an
    // MP4 of the empty canvas).
    const routed = await sdk.session();
    const composed = await sdk.start(routed, {});
    assert.equal(composed.outputMode, 'composed');
    assert.equal(composed.resolution, '640x480');
    const stopped = await sdk.stop(composed.id);
    assert.equal(stopped.status, 'stopped');

    // Layouts the composer cannot follow are refused before anything starts.
    for (const layout of [
      { type: 'custom', stylesheet: 'stream { width: 50%' },
      { type: 'custom', stylesheet: '}' },
      { type: 'pip', screenshareType: 'bestFit' },
      { type: 'bestFit', screenshareType: 'custom' },
      { type: 'mosaic' },
    ]) {
      const res = await rest('POST', '/archive', { sessionId: routed, layout });
      assert.equal(res.status, 400, `${JSON.stringify(layout)}: ${res.describe()}`);
    }

    const bad = [
      { outputMode: 'individual', hasAudio: 'x' },
      { outputMode: 'individual', hasVideo: 1 },
      { outputMode: 'individual', hasAudio: false, hasVideo: false },
      { outputMode: 'sideways' },
      { outputMode: 'individual', streamMode: 'sometimes' },
      { outputMode: 'composed', quantizationParameter: 99 },
      { outputMode: 'composed', maxBitrate: 'fast' },
      { outputMode: 'composed', resolution: '123x45' },
      { outputMode: 'individual', resolution: '640x480' },
      { outputMode: 'individual', name: 42 },
      { outputMode: 'individual', multiArchiveTag: ['a'] },
    ];
    for (const fields of bad) {
      const res = await rest('POST', '/archive', { sessionId: routed, ...fields });
      assert.equal(res.status, 400, `${JSON.stringify(fields)}: ${res.describe()}`);
    }
    for (const body of ['{"sessionId":', '[]', '"x"']) {
      const res = await rest('POST', '/archive', body);
      assert.equal(res.status, 400, `${body}: ${res.describe()}`);
    }
    assert.equal((await rest('POST', '/archive', { outputMode: 'individual' })).status, 400, 'no sessionId');
    // None of these left an archive behind: only the composed one is listed.
    assert.deepEqual((await sdk.list({ sessionId: routed })).items.map((a) => a.id), [composed.id]);

    const noAuth = await request('POST', `${server.url}/v2/project/${server.apiKey}/archive`, {
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ sessionId: routed, outputMode: 'individual' }),
    });
    assert.ok(noAuth.status === 401 || noAuth.status === 403, noAuth.describe());
  });

  test('one archive per session unless both have distinct multiArchiveTags; stop twice is 409', T, async () => {
    const sessionId = await sdk.session();
    const running = [];
    try {
      const untagged = await sdk.start(sessionId, { outputMode: 'individual' });
      running.push(untagged.id);
      const second = await rest('POST', '/archive', { sessionId, outputMode: 'individual' });
      assert.equal(second.status, 409, second.describe());
      await assert.rejects(sdk.start(sessionId, { outputMode: 'individual' }));
      const taggedBesideUntagged = await rest('POST', '/archive', { sessionId, outputMode: 'individual', multiArchiveTag: 'b' });
      assert.equal(taggedBesideUntagged.status, 409, 'a tag on one side only is not enough');
      await sdk.stop(untagged.id);
      running.pop();

      const a = await sdk.start(sessionId, { outputMode: 'individual', multiArchiveTag: 'a' });
      running.push(a.id);
      assert.equal(a.multiArchiveTag, 'a');
      assert.equal((await rest('POST', '/archive', { sessionId, outputMode: 'individual' })).status, 409);
      assert.equal((await rest('POST', '/archive', { sessionId, outputMode: 'individual', multiArchiveTag: 'a' })).status, 409);
      const b = await sdk.start(sessionId, { outputMode: 'individual', multiArchiveTag: 'b' });
      running.push(b.id);
      assert.equal(b.status, 'started');
      assert.notEqual(b.id, a.id);
      // Another session is not affected.
      const elsewhere = await sdk.start(await sdk.session(), { outputMode: 'individual' });
      running.push(elsewhere.id);

      for (const id of running.splice(0)) {
        assert.equal((await sdk.stop(id)).status, 'stopped');
        const again = await rest('POST', `/archive/${id}/stop`, {});
        assert.equal(again.status, 409, again.describe());
        await assert.rejects(sdk.stop(id));
        await waitFinished(sdk, id);
        assert.equal((await rest('POST', `/archive/${id}/stop`, {})).status, 409, 'available: not recording either');
      }
      assert.equal((await rest('POST', `/archive/${crypto.randomUUID()}/stop`, {})).status, 404);
      await assert.rejects(sdk.stop(crypto.randomUUID()), /Archive not found/);
      assert.equal((await rest('GET', `/archive/${crypto.randomUUID()}`)).status, 404);
    } finally {
      for (const id of running) await sdk.stop(id).catch(() => {});
    }
  });

  test('PATCH streams: 405 on an auto archive, 404 for an unknown stream in manual mode; PUT layout 200', T, async () => {
    const sessionId = await sdk.session();
    const auto = await sdk.start(sessionId, { outputMode: 'individual', multiArchiveTag: 'auto' });
    const manual = await sdk.start(sessionId, { outputMode: 'individual', streamMode: 'manual', multiArchiveTag: 'manual' });
    try {
      assert.equal(manual.streamMode, 'manual');
      const streamId = crypto.randomUUID();
      const autoAdd = await rest('PATCH', `/archive/${auto.id}/streams`, { addStream: streamId, hasAudio: true, hasVideo: true });
      assert.equal(autoAdd.status, 405, autoAdd.describe());
      assert.equal((await rest('PATCH', `/archive/${auto.id}/streams`, { removeStream: streamId })).status, 405);
      await assert.rejects(sdk.addStream(auto.id, streamId), /Unsupported Stream Mode/);

      const unknownAdd = await rest('PATCH', `/archive/${manual.id}/streams`, { addStream: streamId });
      assert.equal(unknownAdd.status, 404, unknownAdd.describe());
      assert.equal((await rest('PATCH', `/archive/${manual.id}/streams`, { removeStream: streamId })).status, 404);
      await assert.rejects(sdk.addStream(manual.id, streamId), /not found/);
      await assert.rejects(sdk.removeStream(manual.id, streamId), /not found/);
      for (const body of [{}, { addStream: streamId, removeStream: streamId }, { addStream: 7 }, { addStream: streamId, hasAudio: 'yes' }]) {
        const res = await rest('PATCH', `/archive/${manual.id}/streams`, body);
        assert.equal(res.status, 400, `${JSON.stringify(body)}: ${res.describe()}`);
      }
      assert.equal((await rest('PATCH', `/archive/${crypto.randomUUID()}/streams`, { addStream: streamId })).status, 404);

      const layout = await rest('PUT', `/archive/${manual.id}/layout`, { type: 'bestFit' });
      assert.equal(layout.status, 200, layout.describe());
      await sdk.setLayout(auto.id, 'pip');
      assert.equal((await rest('PUT', `/archive/${auto.id}/layout`, { type: 'custom', stylesheet: 'stream.instructor {width: 100%}' })).status, 200);
      assert.equal((await rest('PUT', `/archive/${auto.id}/layout`, { type: 'tiles' })).status, 400);
      assert.equal((await rest('PUT', `/archive/${auto.id}/layout`, { type: 'custom' })).status, 400, 'custom needs a stylesheet');
      assert.equal((await rest('PUT', `/archive/${crypto.randomUUID()}/layout`, { type: 'bestFit' })).status, 404);
    } finally {
      await sdk.stop(auto.id).catch(() => {});
      await sdk.stop(manual.id).catch(() => {});
    }
    const stoppedAdd = await rest('PATCH', `/archive/${manual.id}/streams`, { addStream: crypto.randomUUID() });
    assert.equal(stoppedAdd.status, 409, `a stopped archive takes no stream: ${stoppedAdd.describe()}`);
    await waitFinished(sdk, auto.id);
    await waitFinished(sdk, manual.id);
  });

  test('archive status callbacks: started, stopped and available with the archive JSON', T, async () => {
    const hook = '/archive-status';
    const reg = await sdk.registerCallback({ group: 'archive', event: 'status', url: receiver.url(hook) });
    assert.equal(reg.group, 'archive');
    assert.equal(reg.event, 'status');
    const sessionId = await sdk.session();
    const a = await sdk.start(sessionId, { name: 'hooked', outputMode: 'individual' });
    await sdk.stop(a.id);
    const done = await waitFinished(sdk, a.id);
    const mine = () => receiver.received.filter((p) => p._path === hook && p.id === a.id);
    const deadline = Date.now() + 20000;
    while (!mine().some((p) => p.status === 'available')) {
      assert.ok(Date.now() < deadline, `no "available" callback: ${JSON.stringify(receiver.received)}`);
      await delay(50);
    }
    const posts = mine();
    assert.deepEqual(posts.map((p) => p.status), ['started', 'stopped', 'available']);
    for (const p of posts) {
      assert.equal(p.event, 'archive');
      assert.equal(p.sessionId, sessionId);
      assert.equal(p.name, 'hooked');
      assert.equal(String(p.projectId), server.apiKey);
      assert.equal(p.outputMode, 'individual');
    }
    const available = posts[2];
    assert.equal(available.size, done.size);
    assert.equal(available.sha256sum, done.sha256sum);
    assert.match(available.url, /\/download\?expires=\d+&signature=[0-9a-f]{64}$/);
    assert.equal((await fetchBytes(available.url)).status, 200, 'the callback\'s link downloads');
    // Only archive callbacks go to an archive registration.
    assert.ok(receiver.received.filter((p) => p._path === hook).every((p) => p.event === 'archive'));
  });

  test('clients: a running archive is in the session state and `created`/`updated` reach everyone', T, async () => {
    const sessionId = await sdk.session();
    const early = await join(sessionId, 'early');
    assert.deepEqual(early.state.archive, [], 'nothing recorded yet');
    const from = early.mark();
    const a = await sdk.start(sessionId, { name: 'watched', outputMode: 'individual' });
    const created = await early.waitForMessage('created', `/archive/${a.id}`, { from, timeout: 10000 });
    assert.equal(created.raptor.uri, `/v2/partner/${server.apiKey}/session/${sessionId}/archive/${a.id}`);
    assert.deepEqual(created.raptor.content, { id: a.id, name: 'watched', status: 'started' });

    // A late joiner learns of it from the session state (OpenTok.js fires archiveStarted).
    const late = await join(sessionId, 'late');
    assert.deepEqual(late.state.archive, [{ id: a.id, name: 'watched', status: 'started' }]);
    assert.equal(late.received('created', '/archive/').length, 0, 'from the state, not a message');

    // A session elsewhere hears nothing of it.
    const elsewhere = await join(await sdk.session(), 'elsewhere');

    const lateFrom = late.mark();
    await sdk.stop(a.id);
    for (const c of [early, late]) {
      const updated = await c.waitForMessage('updated', `/archive/${a.id}`, { from: c === late ? lateFrom : from, timeout: 10000 });
      assert.equal(updated.raptor.content.status, 'stopped');
      assert.equal(updated.raptor.content.id, a.id);
    }
    await waitFinished(sdk, a.id);
    const afterStop = await join(sessionId, 'after');
    assert.deepEqual(afterStop.state.archive, [], 'a stopped archive is not running');
    assert.equal(elsewhere.received('created', '/archive/').length + elsewhere.received('updated', '/archive/').length, 0);
    // Every archive message went to the archive's own URI (docs/protocol.md §7.10).
    for (const c of [early, late]) {
      for (const f of [...c.received('created', '/archive/'), ...c.received('updated', '/archive/')]) {
        assert.equal(f.raptor.uri, `/v2/partner/${server.apiKey}/session/${sessionId}/archive/${a.id}`);
      }
    }
  });
});

describe('archives: an empty session stops its archive (--archive-idle-stop)', () => {
  let server;
  let sdk;
  let ot;

  before(async () => {
    server = await startParleyd({ extraArgs: ['--archive-idle-stop', '1'], logLevel: 'info' });
    ot = new OpenTok(server.apiKey, server.apiSecret, { apiUrl: server.url });
    sdk = sdkOf(ot);
  });

  after(async () => {
    if (server) await server.stop();
  });

  test('nobody connected: the archive stops by itself with reason "session ended" and becomes available', T, async () => {
    const sessionId = await sdk.session();
    const a = await sdk.start(sessionId, { outputMode: 'individual' });
    const done = await waitFinished(sdk, a.id, 20000);
    assert.equal(done.status, 'available', JSON.stringify(done));
    assert.equal(done.reason, 'session ended');
    assert.ok(done.size > 0);
  });

  test('someone connected: the archive keeps recording; after they leave it stops', T, async () => {
    const sessionId = await sdk.session();
    const c = await RumorClient.open(`${server.url.replace(/^http/, 'ws')}/rumorwebsocketsv2`);
    c.keepalive(500);
    try {
      const reply = await c.join({ apiKey: server.apiKey, sessionId, token: ot.generateToken(sessionId) });
      assert.equal(reply.status, 200);
      const a = await sdk.start(sessionId, { outputMode: 'individual' });
      // Well past the idle time (1 s, checked every second): still recording.
      await delay(3000);
      assert.equal((await sdk.get(a.id)).status, 'started');
      // Leave as OpenTok.js does (DISCONNECT, then close): a lost socket would be kept for
      // a reconnection first.
      c.sendFrame({ type: Type.DISCONNECT, headers: { reconnect: '' } });
      await c.close();
      const done = await waitFinished(sdk, a.id, 20000);
      assert.equal(done.status, 'available');
      assert.equal(done.reason, 'session ended');
    } finally {
      await c.close();
    }
  });
});

// Storage that cannot be written (docs/operations.md, Storage): an archive start is refused
// with a 500 that says why, nothing is stored, and the rest of the server goes on.
describe('archives: an archives directory that cannot be written', () => {
  let server;
  let sdk;
  let ot;

  before(async () => {
    server = await startParleyd({ logLevel: 'info' });
    // A file where the directory should be: every archive's directory fails to be made.
    fs.rmSync(path.join(server.dataDir, 'archives'), { recursive: true, force: true });
    fs.writeFileSync(path.join(server.dataDir, 'archives'), 'not a directory');
    ot = new OpenTok(server.apiKey, server.apiSecret, { apiUrl: server.url });
    sdk = sdkOf(ot);
  });

  after(async () => {
    if (server) await server.stop();
  });

  test('start answers 500 with the reason, records nothing, and clients still connect', T, async () => {
    const sessionId = await sdk.session();
    const res = await request('POST', `${server.url}/v2/project/${server.apiKey}/archive`, {
      headers: { 'X-OPENTOK-AUTH': restJwt(server.apiKey, server.apiSecret), 'Content-Type': 'application/json' },
      body: JSON.stringify({ sessionId, outputMode: 'individual' }),
    });
    assert.equal(res.status, 500, res.describe());
    assert.match(res.json().message, /cannot be stored/, res.describe());
    assert.equal((await sdk.list({})).total, 0, 'no archive row');
    const c = await RumorClient.open(`${server.url.replace(/^http/, 'ws')}/rumorwebsocketsv2`);
    try {
      const reply = await c.join({ apiKey: server.apiKey, sessionId, token: ot.generateToken(sessionId) });
      assert.equal(reply.status, 200, JSON.stringify(reply.payload));
      assert.deepEqual(reply.payload.archive, [], 'no archive in the session state');
    } finally {
      await c.close();
    }
  });
});
