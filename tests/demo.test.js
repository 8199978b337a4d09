// The demo video room (docs/demo.md): the GET /demo/token contract, when the demo is
// served at all, and three Chromium pages holding a call in web/demo on /sdk/parley.js.
//
// Run: PARLEYD=build/asan/parleyd PARLEY_CLI=build/asan/parley node --test tests/demo.test.js
//
// PARLEY_DEMO_SDK=opentok (debugging only) serves the official OpenTok.js in place of
// /sdk/parley.js, so the demo can be checked against the reference client.

import { describe, before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import OpenTok from 'opentok';

import { launchBrowser, opentokJsPath } from './lib/browser.js';
import {
  decodeJwt,
  decodeSessionId,
  freePort,
  freeRtcPort,
  getSessionInfo,
  makeTempDir,
  removeDir,
  repoRoot,
  request,
  spawnParleyd,
  startParleyd,
} from './lib/parleyd.js';

const T = { timeout: 180000 };
const artifactsDir = path.join(repoRoot, 'tests', '.artifacts');

const uniqueRoom = (prefix = 'room') => `${prefix}-${crypto.randomBytes(4).toString('hex')}`;

function tokenUrl(base, params) {
  return `${base}/demo/token?${new URLSearchParams(params)}`;
}

async function demoToken(base, params) {
  const res = await request('GET', tokenUrl(base, params));
  assert.equal(res.status, 200, res.describe());
  assert.equal(res.mediaType, 'application/json');
  return res.json();
}

// parleyd listening on 0.0.0.0 (the harness always listens on loopback); reached over
// 127.0.0.1. Returns a handle whose stop() also removes its data directory.
async function startOnWildcard(extraArgs = []) {
  const port = await freePort();
  const rtcPort = await freeRtcPort();
  const dataDir = makeTempDir();
  const server = spawnParleyd({
    args: ['--listen', `0.0.0.0:${port}`, '--rtc-port', String(rtcPort), '--data-dir', dataDir, ...extraArgs],
    url: `http://127.0.0.1:${port}`,
  });
  try {
    await server.waitReady();
  } catch (err) {
    await server.terminate('SIGKILL');
    removeDir(dataDir);
    throw err;
  }
  const stop = server.stop;
  server.stop = async () => {
    try {
      return await stop();
    } finally {
      removeDir(dataDir);
    }
  };
  return server;
}

describe('GET /demo/token', () => {
  let server;
  before(async () => {
    server = await startParleyd();
  });
  after(async () => {
    await server?.stop();
  });

  test('one session per room name, a routed session, a valid token with the display name', async () => {
    const room = uniqueRoom();
    const a = await demoToken(server.url, { room, name: 'Ana María' });
    const b = await demoToken(server.url, { room, name: 'Bob', role: 'subscriber' });
    const other = await demoToken(server.url, { room: uniqueRoom(), name: 'Cy' });

    assert.equal(a.apiKey, server.apiKey);
    assert.equal(b.sessionId, a.sessionId);
    assert.notEqual(other.sessionId, a.sessionId);
    assert.notEqual(b.token, a.token);

    // Routed: the session id carries no relayed ("P") flag, as after POST /session/create.
    const fields = decodeSessionId(a.sessionId);
    assert.equal(fields[1], server.apiKey);
    assert.equal(fields[5], '');

    const claims = decodeJwt(a.token).payload;
    assert.equal(claims.session_id, a.sessionId);
    assert.equal(claims.iss, server.apiKey);
    assert.equal(claims.role, 'publisher');
    assert.equal(new URLSearchParams(claims.connection_data).get('name'), 'Ana María');
    assert.ok(claims.expire_time > claims.create_time, 'expires after creation');
    assert.ok(claims.expire_time - claims.create_time <= 24 * 3600, 'shorter than a default token');
    assert.equal(decodeJwt(b.token).payload.role, 'subscriber');

    // The server itself accepts the token for that session (OpenTok.js's first request).
    const gsi = await getSessionInfo(server.url, a.sessionId, a.token);
    assert.equal(gsi.status, 200, gsi.describe());
  });

  test('the room survives a restart of parleyd on the same data directory', async () => {
    const dataDir = makeTempDir();
    const room = uniqueRoom('durable');
    try {
      const first = await startParleyd({ dataDir, apiKey: server.apiKey, apiSecret: server.apiSecret });
      let sessionId;
      try {
        sessionId = (await demoToken(first.url, { room, name: 'A' })).sessionId;
      } finally {
        await first.stop();
      }
      const second = await startParleyd({ dataDir, apiKey: server.apiKey, apiSecret: server.apiSecret });
      try {
        assert.equal((await demoToken(second.url, { room, name: 'B' })).sessionId, sessionId);
      } finally {
        await second.stop();
      }
    } finally {
      removeDir(dataDir);
    }
  });

  test('role moderator gives a moderator token', async () => {
    const t = await demoToken(server.url, { room: uniqueRoom(), name: 'Mod', role: 'moderator' });
    assert.equal(decodeJwt(t.token).payload.role, 'moderator');
    const p = await demoToken(server.url, { room: uniqueRoom(), name: 'P', role: 'publisheronly' });
    assert.equal(decodeJwt(p.token).payload.role, 'publisheronly');
  });

  test('mediaMode=relayed creates a relayed room; an existing room keeps its mode', async () => {
    const room = uniqueRoom('p2p');
    const relayed = await demoToken(server.url, { room, name: 'A', mediaMode: 'relayed' });
    assert.equal(decodeSessionId(relayed.sessionId)[5], 'P');
    const again = await demoToken(server.url, { room, name: 'B' });
    assert.equal(again.sessionId, relayed.sessionId);
  });

  test('bad room, name or role is a 400 JSON error and binds no room', async () => {
    const room = uniqueRoom('untouched');
    const bad = [
      { name: 'NoRoom' },
      { room: '', name: 'A' },
      { room: 'has space', name: 'A' },
      { room: '../etc', name: 'A' },
      { room: 'x'.repeat(65), name: 'A' },
      { room },
      { room, name: '' },
      { room, name: 'n'.repeat(65) },
      { room, name: 'line\nbreak' },
      { room, name: 'A', role: 'owner' },
      { room, name: 'A', role: 'MODERATOR' },
      { room, name: 'A', mediaMode: 'mesh' },
    ];
    for (const params of bad) {
      const res = await request('GET', tokenUrl(server.url, params));
      assert.equal(res.status, 400, `${JSON.stringify(params)}: ${res.describe()}`);
      assert.equal(res.mediaType, 'application/json');
      assert.ok(res.json().description, `${JSON.stringify(params)} explains the refusal`);
    }
    // Had any refused request bound the room, it would be routed by now; it is still free,
    // so this request creates it relayed.
    const t = await demoToken(server.url, { room, name: 'A', mediaMode: 'relayed' });
    assert.equal(decodeSessionId(t.sessionId)[5], 'P');
  });

  test('serves the web app at / and /demo/<file>, nothing else from its folder', async () => {
    const index = await request('GET', `${server.url}/`);
    assert.equal(index.status, 200);
    assert.equal(index.mediaType, 'text/html');
    assert.match(index.body, /<script src="\/sdk\/parley\.js"><\/script>/);
    assert.match(index.body, /id="join-form"/);
    for (const [file, type] of [['demo.js', 'text/javascript'], ['demo.css', 'text/css'], ['index.html', 'text/html']]) {
      const res = await request('GET', `${server.url}/demo/${file}`);
      assert.equal(res.status, 200, res.describe());
      assert.equal(res.mediaType, type);
      assert.equal(res.body, fs.readFileSync(path.join(repoRoot, 'web', 'demo', file), 'utf8'));
    }
    // (A %2e%2e segment cannot be sent from here: URL parsing resolves it; the unit test does.)
    for (const p of ['/demo/missing.js', '/demo/..%2FREADME.md', '/demo/.gitignore', '/demo/x.db']) {
      assert.equal((await request('GET', `${server.url}${p}`)).status, 404, p);
    }
  });
});

// ---------------------------------------------------------------------------------------
// Recording through the demo's backend

function demoArchiveCall(base, method, pathname, token, body) {
  const headers = {};
  if (token !== undefined) headers['X-Demo-Token'] = token;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  return request(method, `${base}${pathname}`, { headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

// GET /demo/archive/{id} until `status` (a stopped archive is packaged in the background).
async function demoArchiveUntil(base, id, token, status, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    const res = await demoArchiveCall(base, 'GET', `/demo/archive/${id}`, token);
    assert.equal(res.status, 200, res.describe());
    last = res.json();
    if (last.status === status) return last;
    assert.notEqual(last.status, 'failed', JSON.stringify(last));
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`archive ${id} still ${last?.status} after ${timeoutMs} ms, expected ${status}`);
}

// A room with its moderator, a guest, and the moderator of another room: the demo's archive
// and broadcast calls take the same rules, checked by the helpers below for both.
async function roomWithCallers(base, prefix) {
  const room = uniqueRoom(prefix);
  const mod = await demoToken(base, { room, name: 'Mod', role: 'moderator' });
  const guest = await demoToken(base, { room, name: 'Guest' });
  const otherMod = await demoToken(base, { room: uniqueRoom(`${prefix}-other`), name: 'Else', role: 'moderator' });
  return { room, mod, guest, otherMod };
}

// Only the room's moderator starts (POST `pathname`): 403 for everyone else, 404 for an
// unknown room, 400 for a body without one.
async function assertOnlyModeratorStarts(base, pathname, { room, mod, guest, otherMod }) {
  for (const [token, why] of [[undefined, 'no token'], ['garbage', 'a malformed token'], [guest.token, 'a publisher'], [otherMod.token, "another room's moderator"]]) {
    const res = await demoArchiveCall(base, 'POST', pathname, token, { room });
    assert.equal(res.status, 403, `${why}: ${res.describe()}`);
    assert.equal(res.mediaType, 'application/json');
  }
  assert.equal((await demoArchiveCall(base, 'POST', pathname, mod.token, { room: uniqueRoom('none') })).status, 404);
  assert.equal((await demoArchiveCall(base, 'POST', pathname, mod.token, { nope: room })).status, 400);
}

// Reading and stopping `${pathname}/${id}` take the same moderator.
async function assertOthersCannotReadOrStop(base, pathname, id, { guest, otherMod }) {
  assert.equal((await demoArchiveCall(base, 'GET', `${pathname}/${id}`, guest.token)).status, 403);
  assert.equal((await demoArchiveCall(base, 'POST', `${pathname}/${id}/stop`, guest.token)).status, 403);
  assert.equal((await demoArchiveCall(base, 'POST', `${pathname}/${id}/stop`, otherMod.token)).status, 403);
}

// A relayed room's moderator is refused with 409.
async function assertRelayedRoomRefused(base, pathname, prefix) {
  const room = uniqueRoom(prefix);
  const mod = await demoToken(base, { room, name: 'Mod', role: 'moderator', mediaMode: 'relayed' });
  const res = await demoArchiveCall(base, 'POST', pathname, mod.token, { room });
  assert.equal(res.status, 409, res.describe());
}

// A page of another site is refused before the token is looked at; the room and its
// moderator for what the caller checks next.
async function assertCrossSiteRefused(base, pathname, prefix) {
  const room = uniqueRoom(prefix);
  const mod = await demoToken(base, { room, name: 'Mod', role: 'moderator' });
  const res = await request('POST', `${base}${pathname}`, {
    headers: { 'X-Demo-Token': mod.token, 'Content-Type': 'application/json', Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' },
    body: JSON.stringify({ room }),
  });
  assert.equal(res.status, 403, res.describe());
  assert.equal(res.headers['access-control-allow-origin'], undefined);
  return { room, mod };
}

describe('demo recording (/demo/archive)', () => {
  let server;
  before(async () => {
    server = await startParleyd();
  });
  after(async () => {
    await server?.stop();
  });

  test('only a moderator of the room starts, stops and reads; the archive is a real, downloadable one', async () => {
    const callers = await roomWithCallers(server.url, 'rec');
    const { room, mod } = callers;
    await assertOnlyModeratorStarts(server.url, '/demo/archive', callers);

    const started = await demoArchiveCall(server.url, 'POST', '/demo/archive', mod.token, { room });
    assert.equal(started.status, 200, started.describe());
    const archive = started.json();
    assert.equal(archive.status, 'started');
    assert.equal(archive.sessionId, mod.sessionId);
    assert.equal(archive.outputMode, 'composed');
    assert.equal(archive.name, room);
    assert.equal(archive.url, null);
    assert.equal(started.headers['cache-control'], 'no-store');

    // The same archive through the official SDK, and no second one in the same room.
    const ot = new OpenTok(server.apiKey, server.apiSecret, { apiUrl: server.url });
    const viaSdk = await new Promise((resolve, reject) => ot.getArchive(archive.id, (err, a) => (err ? reject(err) : resolve(a))));
    assert.equal(viaSdk.status, 'started');
    assert.equal(viaSdk.sessionId, mod.sessionId);
    assert.equal((await demoArchiveCall(server.url, 'POST', '/demo/archive', mod.token, { room })).status, 409);

    await assertOthersCannotReadOrStop(server.url, '/demo/archive', archive.id, callers);
    assert.equal((await demoArchiveCall(server.url, 'GET', `/demo/archive/${archive.id}`, mod.token)).json().status, 'started');

    const stopped = await demoArchiveCall(server.url, 'POST', `/demo/archive/${archive.id}/stop`, mod.token);
    assert.equal(stopped.status, 200, stopped.describe());
    assert.ok(['stopped', 'available'].includes(stopped.json().status), stopped.body);
    assert.equal((await demoArchiveCall(server.url, 'POST', `/demo/archive/${archive.id}/stop`, mod.token)).status, 409, 'stopping twice');

    const available = await demoArchiveUntil(server.url, archive.id, mod.token, 'available');
    assert.equal(typeof available.url, 'string', JSON.stringify(available));
    const mp4 = await fetch(available.url);
    assert.equal(mp4.status, 200);
    const bytes = Buffer.from(await mp4.arrayBuffer());
    assert.equal(bytes.subarray(4, 8).toString('latin1'), 'ftyp', 'the link serves the MP4');
    assert.equal(bytes.length, available.size);
  });

  test('a relayed room cannot record', async () => {
    await assertRelayedRoomRefused(server.url, '/demo/archive', 'rec-p2p');
  });

  test('pages of other sites are refused before the token is looked at', async () => {
    await assertCrossSiteRefused(server.url, '/demo/archive', 'rec-xsite');
  });
});

// ---------------------------------------------------------------------------------------
// Going live through the demo's backend

describe('demo live broadcast (/demo/broadcast)', () => {
  let server;
  const running = new Set(); // [id, token] stopped in after() should a test fail midway
  before(async () => {
    server = await startParleyd();
  });
  after(async () => {
    for (const [id, token] of running) await demoArchiveCall(server.url, 'POST', `/demo/broadcast/${id}/stop`, token).catch(() => {});
    await server?.stop();
  });

  test('only a moderator of the room goes live, stops and reads; the answer links the viewer page', async () => {
    const callers = await roomWithCallers(server.url, 'live');
    const { room, mod } = callers;
    await assertOnlyModeratorStarts(server.url, '/demo/broadcast', callers);
    assert.equal((await demoArchiveCall(server.url, 'GET', '/demo/broadcast/00000000-0000-0000-0000-000000000000', mod.token)).status, 404);

    const started = await demoArchiveCall(server.url, 'POST', '/demo/broadcast', mod.token, { room });
    assert.equal(started.status, 200, started.describe());
    const broadcast = started.json();
    running.add([broadcast.id, mod.token]);
    assert.equal(broadcast.status, 'started');
    assert.equal(broadcast.sessionId, mod.sessionId);
    assert.equal(broadcast.resolution, '640x480');
    assert.equal(broadcast.broadcastUrls.hls, `${server.url}/broadcast/${broadcast.id}/hls/playlist.m3u8`);
    assert.deepEqual(broadcast.broadcastUrls.rtmp, []);
    assert.equal(broadcast.viewerUrl, `${server.url}/demo/viewer.html?broadcast=${broadcast.id}`);
    assert.equal(started.headers['cache-control'], 'no-store');
    const viewer = await request('GET', broadcast.viewerUrl);
    assert.equal(viewer.status, 200, viewer.describe());
    assert.match(viewer.body, /src="\/sdk\/hls\.min\.js"/);

    // The same broadcast through the official SDK, and no second one in the same room.
    const ot = new OpenTok(server.apiKey, server.apiSecret, { apiUrl: server.url });
    const viaSdk = await new Promise((resolve, reject) => ot.getBroadcast(broadcast.id, (err, b) => (err ? reject(err) : resolve(b))));
    assert.equal(viaSdk.status, 'started');
    assert.equal(viaSdk.sessionId, mod.sessionId);
    const again = await demoArchiveCall(server.url, 'POST', '/demo/broadcast', mod.token, { room });
    assert.equal(again.status, 409, again.describe());

    await assertOthersCannotReadOrStop(server.url, '/demo/broadcast', broadcast.id, callers);
    const read = await demoArchiveCall(server.url, 'GET', `/demo/broadcast/${broadcast.id}`, mod.token);
    assert.equal(read.status, 200, read.describe());
    assert.equal(read.json().status, 'started');
    assert.equal(read.json().viewerUrl, broadcast.viewerUrl);

    const stopped = await demoArchiveCall(server.url, 'POST', `/demo/broadcast/${broadcast.id}/stop`, mod.token);
    assert.equal(stopped.status, 200, stopped.describe());
    running.clear();
    assert.equal(stopped.json().status, 'stopped');
    assert.equal(stopped.json().broadcastUrls, null);
    assert.equal((await demoArchiveCall(server.url, 'POST', `/demo/broadcast/${broadcast.id}/stop`, mod.token)).status, 409, 'stopping twice');
    const afterStop = await demoArchiveCall(server.url, 'GET', `/demo/broadcast/${broadcast.id}`, mod.token);
    assert.equal(afterStop.status, 200, afterStop.describe());
    assert.equal(afterStop.json().status, 'stopped');
  });

  test('a relayed room cannot go live', async () => {
    await assertRelayedRoomRefused(server.url, '/demo/broadcast', 'live-p2p');
  });

  test('pages of other sites are refused before the token is looked at', async () => {
    const { room, mod } = await assertCrossSiteRefused(server.url, '/demo/broadcast', 'live-xsite');
    // Nothing started: the moderator's own page still goes live.
    const ok = await demoArchiveCall(server.url, 'POST', '/demo/broadcast', mod.token, { room });
    assert.equal(ok.status, 200, ok.describe());
    running.add([ok.json().id, mod.token]);
    const stop = await demoArchiveCall(server.url, 'POST', `/demo/broadcast/${ok.json().id}/stop`, mod.token);
    assert.equal(stop.status, 200, stop.describe());
    running.clear();
  });
});

describe('when the demo is served', () => {
  const started = [];
  after(async () => {
    await Promise.allSettled(started.map((s) => s.stop()));
  });

  async function assertDisabled(server) {
    const res = await request('GET', tokenUrl(server.url, { room: 'r', name: 'A' }));
    assert.equal(res.status, 404, res.describe());
    const archive = await request('POST', `${server.url}/demo/archive`, { body: '{"room":"r"}' });
    assert.equal(archive.status, 404, archive.describe());
    assert.equal((await request('GET', `${server.url}/demo/demo.js`)).status, 404);
    const index = await request('GET', `${server.url}/`);
    assert.equal(index.status, 200);
    assert.match(index.body, /Parley is running/);
    assert.doesNotMatch(index.body, /join-form/);
  }

  test('--no-demo on loopback: /demo/token is 404 and / is the plain index page', async () => {
    const server = await startParleyd({ extraArgs: ['--no-demo'] });
    started.push(server);
    await assertDisabled(server);
  });

  test('PARLEY_DEMO=off works like --no-demo', async () => {
    const server = await startParleyd({ env: { PARLEY_DEMO: 'off' } });
    started.push(server);
    await assertDisabled(server);
  });

  test('a non-loopback listen address disables it', async () => {
    const server = await startOnWildcard();
    started.push(server);
    await assertDisabled(server);
  });

  test('--demo enables it on a non-loopback address, with a warning', async () => {
    const server = await startOnWildcard(['--demo']);
    started.push(server);
    const t = await demoToken(server.url, { room: uniqueRoom(), name: 'A' });
    assert.ok(t.token);
    assert.match(server.stderr, /anyone who reaches this server can mint tokens/);
    assert.match((await request('GET', `${server.url}/`)).body, /join-form/);
  });
});

// ---------------------------------------------------------------------------------------
// Three browsers in one room

// A page of the demo in its own browser context, with its console kept for failure reports.
async function openDemoPage(browser, url, name, { denyCamera = false } = {}) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
  const page = await context.newPage();
  if (denyCamera) {
    // What a browser does when the user blocks the camera and microphone.
    await page.addInitScript(() => {
      navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
    });
  }
  const logs = [];
  page.on('console', (m) => logs.push(`console.${m.type()}: ${m.text().slice(0, 500)}`));
  page.on('pageerror', (e) => logs.push(`pageerror: ${e.stack ?? e.message}`));
  page.on('response', (r) => r.status() >= 400 && logs.push(`HTTP ${r.status()} ${r.request().method()} ${r.url()}`));
  if (process.env.PARLEY_DEMO_SDK === 'opentok') {
    const body = `${fs.readFileSync(opentokJsPath, 'utf8')}\n;OT.setProxyUrl(location.origin);\n`;
    await page.route('**/sdk/parley.js', (route) => route.fulfill({ status: 200, contentType: 'text/javascript', body }));
  }
  await page.goto(url, { waitUntil: 'load' });
  return {
    name,
    page,
    context,
    diagnostics: () => `\n===== ${name} (console, last 40) =====\n${logs.slice(-40).join('\n')}`,
    close: () => context.close().catch(() => {}),
  };
}

// Waits for fn in the page; on timeout the error carries the page's console.
async function waitInPage(p, fn, arg, message, timeout = 60000) {
  try {
    const handle = await p.page.waitForFunction(fn, arg, { timeout, polling: 200 });
    return await handle.jsonValue();
  } catch (err) {
    const notice = await p.page.evaluate(() => document.getElementById('notice')?.textContent ?? '').catch(() => '');
    throw new Error(`${p.name}: ${message} (${err.message.split('\n')[0]}); notice: "${notice}"${p.diagnostics()}`);
  }
}

// What a page shows: its tiles with names, stream/connection ids, muted state and frames.
function tilesOf(p) {
  return p.page.evaluate(() =>
    [...document.querySelectorAll('#tiles .tile')].map((t) => ({
      self: t.dataset.self === 'true',
      kind: t.dataset.kind,
      name: t.querySelector('.tile-name').textContent,
      streamId: t.dataset.streamId ?? null,
      connectionId: t.dataset.connectionId ?? null,
      muted: !t.querySelector('.muted').hidden,
      frames: t.querySelector('video')?.getVideoPlaybackQuality().totalVideoFrames ?? 0,
    })),
  );
}

// Every tile's video decodes new frames: `count` tiles, each with a stream id, whose frame
// counts grow past what they were when the wait began.
async function waitForFramesFlowing(p, count) {
  const before = Object.fromEntries((await tilesOf(p)).filter((t) => t.streamId).map((t) => [t.streamId, t.frames]));
  await waitInPage(
    p,
    ([n, base]) => {
      const tiles = [...document.querySelectorAll('#tiles .tile')];
      if (tiles.length !== n) return false;
      return tiles.every((t) => {
        const v = t.querySelector('video');
        return t.dataset.streamId && v && v.getVideoPlaybackQuality().totalVideoFrames > (base[t.dataset.streamId] ?? 0) + 5;
      });
    },
    [count, before],
    `${count} tiles with video frames flowing`,
    90000,
  );
}

describe('the demo room in three browsers', () => {
  let server;
  let browser;
  const pages = [];

  before(async () => {
    [server, browser] = await Promise.all([startParleyd({ logLevel: 'info' }), launchBrowser()]);
  });
  after(async () => {
    await Promise.allSettled(pages.map((p) => p.close()));
    await browser?.close();
    await server?.stop();
  });

  // A page of `roomUrl` joined as `name` (closed by the after hook if its test fails halfway).
  async function joinRoom(roomUrl, name, { moderator = false, denyCamera = false } = {}) {
    const p = await openDemoPage(browser, roomUrl, name, { denyCamera });
    pages.push(p);
    await p.page.fill('#name-input', name);
    if (moderator) await p.page.check('#moderator-input');
    await p.page.click('#join-button');
    await waitInPage(p, () => !document.getElementById('room').hidden && document.getElementById('chat-log').dataset.connectionId, null, 'joined');
    return p;
  }

  test('a denied camera gets a clear message; the page still joins and chats', T, async () => {
    const p = await openDemoPage(browser, `${server.url}/?room=${uniqueRoom('denied')}`, 'Dee', { denyCamera: true });
    pages.push(p); // closed by the after hook if this test fails halfway
    await p.page.fill('#name-input', 'Dee');
    await p.page.click('#join-button');
    await waitInPage(
      p,
      () => {
        const n = document.getElementById('notice');
        return !n.hidden && n.dataset.kind === 'error' && /access was denied/.test(n.textContent);
      },
      null,
      'the camera-denied message',
    );
    assert.equal(await p.page.isVisible('#room'), true, 'still in the room');
    assert.equal(await p.page.locator('#tiles .tile').count(), 0, 'no tile without a camera');
    assert.equal(await p.page.isDisabled('#mic-button'), true);
    await p.page.fill('#chat-input', 'can you hear me?');
    await p.page.press('#chat-input', 'Enter');
    await waitInPage(
      p,
      () => [...document.querySelectorAll('#chat-log .chat-message:not(.system)')].some((m) => m.querySelector('.chat-sender').textContent === 'Dee'),
      null,
      'own chat message echoed',
    );
    await p.close();
  });

  test('a relayed room (?mediaMode=relayed): two pages see each other peer to peer', T, async () => {
    const room = uniqueRoom('p2p');
    const two = [];
    for (const name of ['Pia', 'Quinn']) {
      const p = await openDemoPage(browser, `${server.url}/?room=${room}&mediaMode=relayed`, name);
      pages.push(p);
      two.push(p);
      await p.page.fill('#name-input', name);
      await p.page.click('#join-button');
    }
    for (const p of two) await waitForFramesFlowing(p, 2);
    const t = await demoToken(server.url, { room, name: 'probe' });
    assert.equal(decodeSessionId(t.sessionId)[5], 'P', 'the room is relayed');
    assert.deepEqual((await tilesOf(two[0])).map((x) => x.name).sort(), ['Pia (you)', 'Quinn']);
    // The invite link names only the room: the room keeps its mode.
    assert.equal(new URL(await two[1].page.inputValue('#invite-link')).search, `?room=${room}`);
    for (const p of two) await p.close();
  });

  test('recording: everyone sees REC (late joiners too); the moderator records, stops and downloads', T, async () => {
    const room = uniqueRoom('rec');
    const roomUrl = `${server.url}/?room=${room}`;
    const recVisible = () => !document.getElementById('rec-indicator').hidden;
    const recHidden = () => document.getElementById('rec-indicator').hidden;
    const join = (name, options) => joinRoom(roomUrl, name, options);
    const mod = await join('Mia Moderator', { moderator: true });
    const guest = await join('Gus', { denyCamera: true });
    assert.equal(await mod.page.isVisible('#record-button'), true, 'the moderator has the Record button');
    assert.equal(await guest.page.isVisible('#record-button'), false, 'a guest has none');
    for (const p of [mod, guest]) assert.equal(await p.page.isVisible('#rec-indicator'), false, `${p.name}: no REC before recording`);

    await mod.page.click('#record-button');
    for (const p of [mod, guest]) await waitInPage(p, recVisible, null, 'the REC badge after Record');
    assert.equal(await mod.page.textContent('#record-button'), 'Stop recording');
    assert.equal(await guest.page.textContent('#rec-indicator'), '● REC');
    // Someone joining now learns from the session state that the room is recording.
    const late = await join('Lou', { denyCamera: true });
    await waitInPage(late, recVisible, null, 'the REC badge for a late joiner');

    await mod.page.click('#record-button');
    for (const p of [mod, guest, late]) await waitInPage(p, recHidden, null, 'no REC badge after Stop');
    const href = await waitInPage(
      mod,
      () => {
        const a = document.getElementById('download-link');
        return !a.hidden && a.href ? a.href : false;
      },
      null,
      'the download link',
    );
    assert.equal(await guest.page.isVisible('#download-link'), false, 'guests get no download link');
    const mp4 = await fetch(href);
    assert.equal(mp4.status, 200, href);
    assert.equal(Buffer.from(await mp4.arrayBuffer()).subarray(4, 8).toString('latin1'), 'ftyp');
    // The moderator's page offers it as a file download.
    const [download] = await Promise.all([mod.page.waitForEvent('download'), mod.page.click('#download-link')]);
    assert.match(download.suggestedFilename(), /\.mp4$/);
    for (const p of [mod, guest, late]) await p.close();
  });

  test('going live: the moderator gets a viewer link whose page plays the room; Stop live ends it', T, async () => {
    const room = uniqueRoom('live');
    const roomUrl = `${server.url}/?room=${room}`;
    const join = (name, options) => joinRoom(roomUrl, name, options);
    const mod = await join('Lena Live', { moderator: true });
    const guest = await join('Gus', { denyCamera: true });
    await waitForFramesFlowing(mod, 1);
    assert.equal(await mod.page.isVisible('#live-button'), true, 'the moderator has the Go live button');
    assert.equal(await guest.page.isVisible('#live-button'), false, 'a guest has none');
    assert.equal(await mod.page.isVisible('#live-panel'), false, 'no viewer link before going live');

    await mod.page.click('#live-button');
    const link = await waitInPage(
      mod,
      () => {
        const panel = document.getElementById('live-panel');
        const v = document.getElementById('viewer-link').value;
        return !panel.hidden && v ? v : false;
      },
      null,
      'the viewer link',
    );
    assert.equal(await mod.page.textContent('#live-button'), 'Stop live');
    const url = new URL(link);
    assert.equal(url.origin, server.url);
    assert.equal(url.pathname, '/demo/viewer.html');
    const id = url.searchParams.get('broadcast');
    assert.ok(id, link);
    assert.equal(await guest.page.isVisible('#live-panel'), false, 'guests get no viewer link');

    // The link, opened in a new page of the same browser, plays the room at 640x480.
    const viewer = await openDemoPage(browser, link, 'viewer');
    pages.push(viewer);
    await waitInPage(
      viewer,
      () => {
        const v = document.getElementById('viewer-video');
        return window.__viewer?.playing === true && v.videoWidth === 640 && v.videoHeight === 480;
      },
      null,
      'the viewer page playing the broadcast at 640x480',
      60000,
    ).catch(async (err) => {
      const state = await viewer.page.evaluate(() => {
        const v = document.getElementById('viewer-video');
        return { ...window.__viewer, videoWidth: v.videoWidth, videoHeight: v.videoHeight, status: document.getElementById('viewer-status').textContent };
      }).catch(() => null);
      throw new Error(`${err.message}\nviewer state: ${JSON.stringify(state)}\n${server.stderr.split("\n").filter((l) => /broadcast/i.test(l)).slice(-20).join("\n")}`);
    });
    const fatal = await viewer.page.evaluate(() => window.__viewer.errors.filter((e) => e.fatal));
    assert.deepEqual(fatal, []);

    await mod.page.click('#live-button');
    await waitInPage(mod, () => document.getElementById('live-panel').hidden && document.getElementById('live-button').textContent === 'Go live', null, 'the viewer link gone after Stop live');
    const ot = new OpenTok(server.apiKey, server.apiSecret, { apiUrl: server.url });
    const b = await new Promise((resolve, reject) => ot.getBroadcast(id, (err, x) => (err ? reject(err) : resolve(x))));
    assert.equal(b.status, 'stopped');
    for (const p of [viewer, mod, guest]) await p.close();
  });

  test('join, see and hear each other, chat, mute, moderate', T, async () => {
    const room = uniqueRoom('demo');
    const roomUrl = `${server.url}/?room=${room}`;
    const people = [
      { name: 'Ada Moderator', moderator: true },
      { name: 'Bob', moderator: false },
      { name: 'Chloé', moderator: false },
    ];
    const joined = [];
    for (const person of people) {
      const p = await openDemoPage(browser, roomUrl, person.name);
      pages.push(p);
      joined.push(p);
      assert.equal(await p.page.inputValue('#room-input'), room, 'the room comes from ?room=');
      const sdkReady = await p.page.evaluate(() => typeof OT !== 'undefined' && typeof OT.initSession === 'function');
      assert.ok(sdkReady, `${p.name}: /sdk/parley.js does not define OT.initSession`);
      await p.page.fill('#name-input', person.name);
      if (person.moderator) await p.page.check('#moderator-input');
      await p.page.click('#join-button');
    }
    const [ada, bob, chloe] = joined;

    // Everyone: three tiles (own camera + two remote), frames flowing in each, right names.
    for (const p of joined) await waitForFramesFlowing(p, 3);
    const connectionOf = {};
    for (const [i, p] of joined.entries()) {
      const tiles = await tilesOf(p);
      const own = tiles.filter((t) => t.self);
      assert.equal(own.length, 1, `${p.name}: one own tile`);
      assert.equal(own[0].name, `${people[i].name} (you)`);
      connectionOf[p.name] = own[0].connectionId;
      assert.ok(own[0].connectionId, `${p.name}: own tile knows its connection`);
      const remoteNames = tiles.filter((t) => !t.self).map((t) => t.name).sort();
      const expected = people.filter((_, j) => j !== i).map((x) => x.name).sort();
      assert.deepEqual(remoteNames, expected, `${p.name}: remote tiles are named`);
      assert.ok(tiles.every((t) => t.streamId), `${p.name}: every tile has its stream id`);
      assert.ok(tiles.every((t) => !t.muted), `${p.name}: nobody muted yet`);
    }
    // Remote tiles carry the publisher's connection id.
    for (const p of joined) {
      for (const t of (await tilesOf(p)).filter((x) => !x.self)) {
        assert.ok(Object.values(connectionOf).includes(t.connectionId), `${p.name}: ${t.name} has a known connection id`);
      }
    }
    // The invite link is this room's URL.
    const invite = await ada.page.inputValue('#invite-link');
    assert.equal(new URL(invite).searchParams.get('room'), room);
    assert.equal(new URL(invite).origin, server.url);

    // A screenshot with three tiles.
    fs.mkdirSync(artifactsDir, { recursive: true });
    const shot = path.join(artifactsDir, 'demo.png');
    await ada.page.screenshot({ path: shot, fullPage: true });
    console.log(`demo screenshot: ${shot}`);

    // Chat: Bob's message shows on the two other pages with his name.
    const text = `hello from Bob ${crypto.randomBytes(3).toString('hex')}`;
    await bob.page.fill('#chat-input', text);
    await bob.page.press('#chat-input', 'Enter');
    for (const p of [ada, chloe, bob]) {
      await waitInPage(
        p,
        ([t, from]) =>
          [...document.querySelectorAll('#chat-log .chat-message:not(.system)')].some(
            (m) => m.querySelector('.chat-text').textContent === t && m.querySelector('.chat-sender').textContent === 'Bob' && m.dataset.from === from,
          ),
        [text, connectionOf.Bob],
        'Bob\'s chat message with his name',
      );
    }

    // Speaking indicator: the fake microphone's beeps light up remote tiles.
    await waitInPage(
      ada,
      () => [...document.querySelectorAll('#tiles .tile:not([data-self])')].some((t) => t.dataset.speaking === 'true'),
      null,
      'a remote tile shown speaking',
    );

    // Bob shares his screen: a fourth tile everywhere, named after him, with frames.
    await bob.page.click('#screen-button');
    for (const p of joined) await waitForFramesFlowing(p, 4);
    for (const p of [ada, chloe]) {
      const screen = (await tilesOf(p)).filter((t) => t.kind === 'screen');
      assert.equal(screen.length, 1, `${p.name}: one screen tile`);
      assert.equal(screen[0].name, 'Bob (screen)');
      assert.equal(screen[0].connectionId, connectionOf.Bob);
    }
    assert.equal(await bob.page.getAttribute('#screen-button', 'aria-pressed'), 'true');
    await bob.page.click('#screen-button');
    for (const p of joined) {
      await waitInPage(p, () => document.querySelectorAll('#tiles .tile').length === 3 && !document.querySelector('#tiles .tile[data-kind="screen"]'), null, 'screen tile gone');
    }

    // Chloé turns her camera off: the others see it on her tile.
    await chloe.page.click('#camera-button');
    for (const p of [ada, bob]) {
      await waitInPage(
        p,
        (cid) => {
          const tile = document.querySelector(`#tiles .tile[data-connection-id="${cid}"][data-kind="camera"]`);
          return tile && tile.dataset.video === 'off' && !tile.querySelector('.camera-off').hidden;
        },
        connectionOf['Chloé'],
        'camera-off indicator on Chloé\'s tile',
      );
    }
    await chloe.page.click('#camera-button');

    const mutedOn = (p, connectionId) =>
      waitInPage(
        p,
        (cid) => {
          const tile = document.querySelector(`#tiles .tile[data-connection-id="${cid}"][data-kind="camera"]`);
          return tile && !tile.querySelector('.muted').hidden;
        },
        connectionId,
        `muted indicator on the tile of ${connectionId}`,
      );

    // Chloé mutes herself: the two others see her muted.
    await chloe.page.click('#mic-button');
    assert.equal(await chloe.page.getAttribute('#mic-button', 'aria-pressed'), 'true');
    await mutedOn(ada, connectionOf['Chloé']);
    await mutedOn(bob, connectionOf['Chloé']);
    assert.equal((await tilesOf(bob)).find((t) => t.connectionId === connectionOf['Ada Moderator'])?.muted, false, 'Ada is not muted');

    // Only the moderator has moderator controls.
    assert.ok(await ada.page.isVisible(`.tile[data-connection-id="${connectionOf.Bob}"] .mod-kick`));
    assert.ok(await ada.page.isVisible('#mute-all-button'));
    assert.equal(await bob.page.isVisible(`.tile[data-connection-id="${connectionOf['Chloé']}"] .mod-kick`), false);
    assert.equal(await bob.page.isVisible('#mute-all-button'), false);

    // The moderator mutes Bob: Bob's page shows him muted, the others see it too.
    await ada.page.click(`.tile[data-connection-id="${connectionOf.Bob}"] .mod-mute`);
    await waitInPage(
      bob,
      () => {
        const own = document.querySelector('#tiles .tile[data-self="true"][data-kind="camera"]');
        return own && !own.querySelector('.muted').hidden && document.getElementById('mic-button').getAttribute('aria-pressed') === 'true';
      },
      null,
      'Bob shows himself muted after forceMuteStream',
    );
    await mutedOn(ada, connectionOf.Bob);
    await mutedOn(chloe, connectionOf.Bob);

    // Chloé unmutes; the moderator mutes everyone else: Chloé shows herself muted, the
    // moderator stays unmuted (her own stream is excluded).
    await chloe.page.click('#mic-button');
    await waitInPage(
      bob,
      (cid) => {
        const tile = document.querySelector(`#tiles .tile[data-connection-id="${cid}"][data-kind="camera"]`);
        return tile && tile.querySelector('.muted').hidden;
      },
      connectionOf['Chloé'],
      'Chloé unmuted again',
    );
    await ada.page.click('#mute-all-button');
    await waitInPage(
      chloe,
      () => document.getElementById('mic-button').getAttribute('aria-pressed') === 'true' &&
        !document.querySelector('#tiles .tile[data-self="true"][data-kind="camera"] .muted').hidden,
      null,
      'Chloé shows herself muted after mute all',
    );
    await mutedOn(bob, connectionOf['Chloé']);
    assert.equal(await ada.page.getAttribute('#mic-button', 'aria-pressed'), 'false', 'the moderator is not muted');
    assert.equal((await tilesOf(bob)).find((t) => t.connectionId === connectionOf['Ada Moderator'])?.muted, false, 'others see the moderator unmuted');
    await ada.page.click('#release-mute-button');
    await waitInPage(chloe, () => /ended mute all/.test(document.getElementById('notice').textContent), null, 'the end of mute all');

    // The moderator removes Chloé: she sees why, the others drop to two tiles.
    await ada.page.click(`.tile[data-connection-id="${connectionOf['Chloé']}"] .mod-kick`);
    await waitInPage(
      chloe,
      () => {
        const n = document.getElementById('notice');
        return !n.hidden && n.dataset.kind === 'kicked' && /removed you/.test(n.textContent) && document.getElementById('room').hidden;
      },
      null,
      'the removed message',
    );
    for (const p of [ada, bob]) {
      await waitInPage(
        p,
        (cid) => document.querySelectorAll('#tiles .tile').length === 2 && !document.querySelector(`#tiles .tile[data-connection-id="${cid}"]`),
        connectionOf['Chloé'],
        'two tiles after the kick',
      );
    }
    await waitForFramesFlowing(ada, 2);
  });
});
