// Browser end-to-end tests of signaling (docs/protocol.md §5–§8.4), driven through the
// official OpenTok.js 2.35.2 client — and, in a second round, through parley.js — in headless
// Chromium against a live parleyd.
//
// One Chromium and one parleyd for the whole file; every page gets its own browser context and
// every test its own relayed session. Pages use OT.setProxyUrl(<parleyd URL>) so config, GSI,
// logging and the Rumor WebSocket all go to parleyd (§5.5); the page itself is served from a
// different origin (tests/lib/browser.js), so the client's CORS requests are exercised.
//
// Run: PARLEYD=build/browser-helper/parleyd node --test --test-concurrency=1 tests/browser-signaling.test.js

import { describe, before, after, beforeEach, afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';

import { startTcpProxy, openClientPage, waitUntil, opentokJsPath, parleyJsPath, testClients, clientLabel } from './lib/browser.js';
import { startBrowserStack, stopBrowserStack } from './lib/parleyd-browser.js';

const T = { timeout: 60000 };
const delay = (ms) => new Promise((r) => setTimeout(r, ms));

for (const client of testClients()) {
describe(`browser signaling (${clientLabel(client)} in Chromium)`, () => {
  let browser;
  let web;
  let be;
  const pages = new Set();
  const proxies = new Set();

  before(async () => {
    ({ browser, web, be } = await startBrowserStack());
  });

  after(async () => {
    await Promise.allSettled([...pages].map((p) => p.close()));
    await Promise.allSettled([...proxies].map((p) => p.close()));
    try {
      await stopBrowserStack({ browser, web, be });
    } finally {
      // PARLEY_BROWSER_LOG=<file>: keep parleyd's whole output for debugging.
      if (be && process.env.PARLEY_BROWSER_LOG) fs.writeFileSync(process.env.PARLEY_BROWSER_LOG, be.server.stdout + be.server.stderr);
    }
  });

  // Loading OpenTok.js (5.5 MB) into a fresh context is the slowest step on a busy machine, so
  // two pages are loaded before each test (outside its time budget) and handed out by openPage.
  let pool = [];
  beforeEach(async () => {
    const loaded = await Promise.allSettled([0, 1].map((i) => openClientPage(browser, { pageUrl: web.pageUrl('opentok-client'), name: `pooled-${i}`, client })));
    pool = loaded.filter((r) => r.status === 'fulfilled').map((r) => r.value);
    for (const p of pool) pages.add(p);
  }, { timeout: 100000 });

  afterEach(async () => {
    const left = pool;
    pool = [];
    await Promise.allSettled(left.map((p) => {
      pages.delete(p);
      return p.close();
    }));
  });

  // Hands out a loaded client page (from the pool, else loads one); it is closed at the end of
  // the test `t`.
  async function openPage(t, name) {
    let p = pool.shift();
    if (p) p.name = name;
    else p = await openClientPage(browser, { pageUrl: web.pageUrl('opentok-client'), name, client });
    pages.add(p);
    t.after(async () => {
      pages.delete(p);
      await p.close();
    });
    return p;
  }

  // Opens a page and connects it; returns {page, cid, token}.
  async function join(t, sessionId, { name, role = 'publisher', data, signalTypes = [], proxyUrl = be.proxyUrl } = {}) {
    const page = await openPage(t, name);
    const token = be.token(sessionId, { role, data: data ?? `name=${name}` });
    const cid = await page.connect({ proxyUrl, apiKey: be.apiKey, sessionId, token, signalTypes });
    return { page, cid, token };
  }

  // Like join() for several pages: loads them in parallel, then connects them in order.
  async function joinAll(t, sessionId, specs) {
    const loaded = await Promise.all(specs.map((spec) => openPage(t, spec.name)));
    const out = [];
    for (const [i, spec] of specs.entries()) {
      const { name, role = 'publisher', data, signalTypes = [], proxyUrl = be.proxyUrl } = spec;
      const token = be.token(sessionId, { role, data: data ?? `name=${name}` });
      const cid = await loaded[i].connect({ proxyUrl, apiKey: be.apiKey, sessionId, token, signalTypes });
      out.push({ page: loaded[i], cid, token });
    }
    return out;
  }

  // Adds page and parleyd diagnostics to any failure of fn.
  async function withDiagnostics(list, fn) {
    try {
      return await fn();
    } catch (err) {
      const msg = String(err.message);
      const missing = list.filter((p) => p && !msg.includes(`===== page ${p.name} =====`));
      err.message = msg + missing.map((p) => p.diagnostics()).join('') + (be ? be.logTail() : '');
      throw err;
    }
  }

  test(`infrastructure: ${client === 'parley' ? 'parley.js from sdk/js/dist' : 'OpenTok.js from node_modules'}, system requirements, GSI through the proxy path, WebSocket attempt`, T, async (t) => {
    const page = await openPage(t, 'infra');
    const [script, file] = client === 'parley' ? ['parley.js', parleyJsPath] : ['opentok.js', opentokJsPath];
    const served = await (await fetch(`${web.url}/${script}`)).text();
    assert.equal(served, fs.readFileSync(file, 'utf8'), `/${script} must be the built file`);
    assert.equal(await page.page.evaluate(() => OT.checkSystemRequirements()), 1);
    const version = await page.page.evaluate(() => OT.version ?? OT.properties?.version);
    assert.match(String(version), client === 'parley' ? /^\d+\.\d+\.\d+$/ : /2\.35\.2/);
    // OpenTok.js asks its built-in anvil host; parley.js the origin that served it (here the
    // static server), both through the proxy path.
    const gsiHost = client === 'parley' ? new URL(web.url).host : 'anvil.opentok.com';

    const sessionId = await be.createSession({ mediaMode: 'relayed' });
    const token = be.token(sessionId, { data: 'name=infra' });
    // Do not wait for connect() (it needs the signaling); check what the client did on the wire.
    const started = page
      .start({ proxyUrl: be.proxyUrl, apiKey: be.apiKey, sessionId, token, connectTimeoutMs: 20000 })
      .catch((err) => ({ abandoned: err.message }));
    await withDiagnostics([page], async () => {
      const gsi = await waitUntil(() => page.httpLog.find((l) => l.includes(`/${gsiHost}/session/${sessionId}?extended=true`)), {
        timeoutMs: 20000,
        message: 'GSI request through the proxy',
      });
      assert.ok(gsi.startsWith(`GET ${be.proxyUrl}/${gsiHost}/session/`) && gsi.endsWith(' → 200'), gsi);
      // parleyd logs the GSI with the proxy prefix stripped (debug level).
      await waitUntil(() => (be.server.stdout + be.server.stderr).includes(`"method":"GET","path":"/session/${sessionId}","status":200`), {
        timeoutMs: 5000,
        message: 'parleyd debug log of GET /session/<sid> 200',
      });
      const ws = await waitUntil(() => page.sockets.find((s) => s.url.includes('/rumorwebsocketsv2')), {
        timeoutMs: 20000,
        message: 'Rumor WebSocket attempt',
      });
      const u = new URL(ws.url);
      assert.equal(u.protocol, 'ws:');
      assert.equal(u.host, new URL(be.proxyUrl).host, `WebSocket must go through the proxy: ${ws.url}`);
      assert.match(u.pathname, /^\/[^/]+\/rumorwebsocketsv2$/, ws.url);
      assert.ok(u.searchParams.get('socketId'), `reconnection-enabled sessions add socketId: ${ws.url}`);
    });
    await page.close(); // abandons the pending start()
    await started;
  });

  test('two pages connect to a relayed session and see each other (connectionCreated)', T, async (t) => {
    const sessionId = await be.createSession({ mediaMode: 'relayed' });
    const [a, b] = await joinAll(t, sessionId, [{ name: 'alice', data: 'name=alice' }, { name: 'bob', data: 'name=bob' }]);
    await withDiagnostics([a.page, b.page], async () => {
      assert.notEqual(a.cid, b.cid);
      const seenByA = await a.page.waitForEvent({ event: 'connectionCreated', connectionId: b.cid });
      assert.equal(seenByA.data, 'name=bob');
      const seenByB = await b.page.waitForEvent({ event: 'connectionCreated', connectionId: a.cid });
      assert.equal(seenByB.data, 'name=alice');
      for (const p of [a.page, b.page]) {
        const st = await p.state();
        assert.equal(st.connected, true);
        assert.deepEqual(st.connections.map((c) => c.connectionId).sort(), [a.cid, b.cid].sort());
        assert.deepEqual(st.capabilities, { publish: 1, subscribe: 1, forceUnpublish: 0, forceDisconnect: 0, forceMute: 0 });
      }
      // Nobody left.
      assert.deepEqual(await a.page.events({ event: 'connectionDestroyed' }), []);
      assert.deepEqual(await b.page.events({ event: 'sessionDisconnected' }), []);
    });
  });

  test('signals: broadcast and typed both ways, targeted to one connection, untyped', T, async (t) => {
    const sessionId = await be.createSession({ mediaMode: 'relayed' });
    const [a, b] = await joinAll(t, sessionId, [{ name: 'alice', signalTypes: ['chat', 'dm'] }, { name: 'bob', signalTypes: ['chat', 'dm'] }]);
    await withDiagnostics([a.page, b.page], async () => {
      await a.page.waitForEvent({ event: 'connectionCreated', connectionId: b.cid });

      // A → everyone (including A itself, docs/protocol.md §7.7.2).
      assert.deepEqual(await a.page.signal({ type: 'chat', data: 'hello from alice' }), { ok: true });
      for (const p of [a.page, b.page]) {
        for (const listener of ['signal', 'signal:chat']) {
          const e = await p.waitForEvent({ event: 'signal', listener, data: 'hello from alice' });
          assert.equal(e.type, 'signal:chat');
          assert.equal(e.from, a.cid);
        }
      }

      // B → everyone.
      assert.deepEqual(await b.page.signal({ type: 'chat', data: 'hi from bob' }), { ok: true });
      for (const p of [a.page, b.page]) {
        const e = await p.waitForEvent({ event: 'signal', listener: 'signal:chat', data: 'hi from bob' });
        assert.equal(e.from, b.cid);
      }

      // B → A only.
      const markB = await b.page.mark();
      assert.deepEqual(await b.page.signal({ type: 'dm', data: 'psst alice', to: a.cid }), { ok: true });
      const dm = await a.page.waitForEvent({ event: 'signal', listener: 'signal:dm', data: 'psst alice' });
      assert.equal(dm.from, b.cid);
      await a.page.waitForEvent({ event: 'signal', listener: 'signal', data: 'psst alice' });

      // A → B only.
      const markA = await a.page.mark();
      assert.deepEqual(await a.page.signal({ type: 'dm', data: 'psst bob', to: b.cid }), { ok: true });
      const dm2 = await b.page.waitForEvent({ event: 'signal', listener: 'signal:dm', data: 'psst bob' });
      assert.equal(dm2.from, a.cid);

      // Untyped: only the generic listener fires, with type "signal".
      assert.deepEqual(await a.page.signal({ data: 'untyped' }), { ok: true });
      const u = await b.page.waitForEvent({ event: 'signal', data: 'untyped' });
      assert.equal(u.listener, 'signal');
      assert.equal(u.type, 'signal');

      // Targeted signals did not reach the sender (nor anyone else).
      await delay(500);
      assert.deepEqual((await b.page.events({ event: 'signal', data: 'psst alice' })).filter((e) => e.seq >= markB), []);
      assert.deepEqual((await a.page.events({ event: 'signal', data: 'psst bob' })).filter((e) => e.seq >= markA), []);
      assert.equal((await b.page.events({ event: 'signal', data: 'untyped' })).length, 1, 'untyped signal must fire only "signal"');
    });
  });

  test('moderator forceDisconnect: target gets sessionDisconnected, moderator connectionDestroyed (forceDisconnected)', T, async (t) => {
    const sessionId = await be.createSession({ mediaMode: 'relayed' });
    const [mod, target] = await joinAll(t, sessionId, [{ name: 'moderator', role: 'moderator' }, { name: 'target' }]);
    await withDiagnostics([mod.page, target.page], async () => {
      await mod.page.waitForEvent({ event: 'connectionCreated', connectionId: target.cid });
      const caps = (await mod.page.state()).capabilities;
      assert.deepEqual(caps, { publish: 1, subscribe: 1, forceUnpublish: 1, forceDisconnect: 1, forceMute: 1 });

      assert.deepEqual(await mod.page.call('forceDisconnect', [target.cid]), { ok: true });
      const gone = await target.page.waitForEvent({ event: 'sessionDisconnected' });
      assert.equal(gone.reason, 'forceDisconnected');
      const destroyed = await mod.page.waitForEvent({ event: 'connectionDestroyed', connectionId: target.cid });
      assert.equal(destroyed.reason, 'forceDisconnected');
      assert.equal((await target.page.state()).connected, false);
      assert.equal((await mod.page.state()).connected, true);
      assert.deepEqual(await mod.page.events({ event: 'sessionDisconnected' }), []);
    });
  });

  test('publisher without moderator role cannot forceDisconnect (client-side OT_PERMISSION_DENIED)', T, async (t) => {
    const sessionId = await be.createSession({ mediaMode: 'relayed' });
    const [a, b] = await joinAll(t, sessionId, [{ name: 'alice' }, { name: 'bob' }]);
    await withDiagnostics([a.page, b.page], async () => {
      await a.page.waitForEvent({ event: 'connectionCreated', connectionId: b.cid });
      const r = await a.page.call('forceDisconnect', [b.cid]);
      assert.equal(r.error?.name, 'OT_PERMISSION_DENIED', JSON.stringify(r));
      assert.equal(r.error?.code, 1520, JSON.stringify(r)); // ExceptionCodes.UNABLE_TO_FORCE_DISCONNECT
      await delay(500);
      assert.deepEqual(await b.page.events({ event: 'sessionDisconnected' }), []);
    });
  });

  test('subscriber role: publish() fails with OT_PERMISSION_DENIED (1500) and no stream appears', T, async (t) => {
    // OpenTok.js checks the own connection's `permissions` (docs/protocol.md §2.5, §7.5) before any
    // message: Session.publish → OT_PERMISSION_DENIED with ExceptionCodes.UNABLE_TO_PUBLISH
    // (1500), "This token does not allow publishing…".
    const sessionId = await be.createSession({ mediaMode: 'relayed' });
    const [watcher, sub] = await joinAll(t, sessionId, [{ name: 'watcher' }, { name: 'viewer', role: 'subscriber' }]);
    await withDiagnostics([watcher.page, sub.page], async () => {
      const caps = (await sub.page.state()).capabilities;
      assert.equal(caps.publish, 0, JSON.stringify(caps));
      assert.equal(caps.subscribe, 1, JSON.stringify(caps));
      const r = await sub.page.publish({ name: 'not allowed' });
      assert.equal(r.ok, undefined, JSON.stringify(r));
      assert.equal(r.stage, 'publish', JSON.stringify(r));
      assert.equal(r.error.name, 'OT_PERMISSION_DENIED', JSON.stringify(r));
      assert.equal(r.error.code, 1500, JSON.stringify(r));
      assert.deepEqual(await watcher.page.eventsWithin({ event: 'streamCreated' }, 1000), []);
      assert.equal((await sub.page.state()).connected, true, 'the failed publish must not disconnect');
    });
  });

  test('relayed media: both pages publish the fake camera and decode each other\'s video', T, async (t) => {
    const sessionId = await be.createSession({ mediaMode: 'relayed' });
    const [a, b] = await joinAll(t, sessionId, [{ name: 'alice' }, { name: 'bob' }]);
    await withDiagnostics([a.page, b.page], async () => {
      const [pa, pb] = await Promise.all([a.page.publish({ name: 'cam-alice' }), b.page.publish({ name: 'cam-bob' })]);
      assert.ok(pa.ok && pa.streamId, `alice publish: ${JSON.stringify(pa)}`);
      assert.ok(pb.ok && pb.streamId, `bob publish: ${JSON.stringify(pb)}`);

      const sa = await b.page.waitForEvent({ event: 'streamCreated', streamId: pa.streamId });
      const sb = await a.page.waitForEvent({ event: 'streamCreated', streamId: pb.streamId });
      assert.equal(sa.connectionId, a.cid);
      assert.equal(sa.name, 'cam-alice');
      assert.equal(sa.videoType, 'camera');
      assert.equal(sa.hasVideo, true);
      assert.equal(sb.connectionId, b.cid);

      const [ra, rb] = await Promise.all([a.page.subscribe(pb.streamId, { timeoutMs: 20000 }), b.page.subscribe(pa.streamId, { timeoutMs: 20000 })]);
      // A subscriber hangs when the remote publisher cannot build its peer connection; the
      // publisher page then reports an OT exception (e.g. 1500 "Failed to create PeerConnection").
      const exceptions = [...(await a.page.events({ event: 'exception' })), ...(await b.page.events({ event: 'exception' }))];
      assert.deepEqual(exceptions, [], 'no OT exceptions on the publishing pages');
      assert.deepEqual(ra, { ok: true });
      assert.deepEqual(rb, { ok: true });

      const [fa, fb] = await Promise.all([a.page.waitForFrames(pb.streamId, 10), b.page.waitForFrames(pa.streamId, 10)]);
      assert.ok(fa.videoWidth > 0 && fb.videoWidth > 0, `video dimensions: ${JSON.stringify({ fa, fb })}`);
      // Still flowing a moment later, on both sides.
      await Promise.all([a.page.waitForFrames(pb.streamId, fa.frames + 20), b.page.waitForFrames(pa.streamId, fb.frames + 20)]);
    });
  });

  test('dropped socket: sessionReconnecting → sessionReconnected, the connection survives', T, async (t) => {
    const sessionId = await be.createSession({ mediaMode: 'relayed' });
    const proxy = await startTcpProxy({ targetPort: be.server.port });
    proxies.add(proxy);
    t.after(async () => {
      proxies.delete(proxy);
      await proxy.close();
    });
    const [a, b] = await joinAll(t, sessionId, [{ name: 'flaky', proxyUrl: proxy.url, signalTypes: ['ping'] }, { name: 'steady', signalTypes: ['ping'] }]);
    await withDiagnostics([a.page, b.page], async () => {
      await b.page.waitForEvent({ event: 'connectionCreated', connectionId: a.cid });
      await a.page.waitForEvent({ event: 'connectionCreated', connectionId: b.cid });
      const markA = await a.page.mark();
      const markB = await b.page.mark();

      proxy.block();
      const dropped = proxy.dropAll();
      assert.ok(dropped >= 1, 'the WebSocket must have gone through the proxy');
      await a.page.waitForEvent({ event: 'sessionReconnecting' }, { after: markA, timeoutMs: 10000 });
      await delay(3000);
      proxy.unblock();
      await a.page.waitForEvent({ event: 'sessionReconnected' }, { after: markA, timeoutMs: 30000 });

      // The other page never saw the connection go away; the flaky one is still connected.
      assert.deepEqual((await b.page.events({ event: 'connectionDestroyed' })).filter((e) => e.seq >= markB), []);
      assert.deepEqual((await a.page.events({ event: 'sessionDisconnected' })).filter((e) => e.seq >= markA), []);
      assert.equal((await a.page.state()).connected, true);
      assert.ok((await b.page.state()).connections.some((c) => c.connectionId === a.cid));

      // Signaling works both ways over the new socket (it was re-bound to the connection).
      assert.deepEqual(await b.page.signal({ type: 'ping', data: 'to flaky', to: a.cid }), { ok: true });
      assert.equal((await a.page.waitForEvent({ event: 'signal', listener: 'signal:ping', data: 'to flaky' })).from, b.cid);
      assert.deepEqual(await a.page.signal({ type: 'ping', data: 'from flaky' }), { ok: true });
      assert.equal((await b.page.waitForEvent({ event: 'signal', listener: 'signal:ping', data: 'from flaky' })).from, a.cid);
      assert.ok(a.page.sockets.filter((s) => s.url.includes('/rumorwebsocketsv2')).length >= 2, 'a second WebSocket was opened');
      assert.ok(a.page.sockets.some((s) => /[?&]reconnect=true/.test(s.url)), `reconnect URL: ${a.page.sockets.map((s) => s.url)}`);
    });
  });

  test('REST signal (official SDK): to everyone and to one connection, from = null', T, async (t) => {
    const sessionId = await be.createSession({ mediaMode: 'relayed' });
    const [a, b] = await joinAll(t, sessionId, [{ name: 'alice', signalTypes: ['rest'] }, { name: 'bob', signalTypes: ['rest'] }]);
    await withDiagnostics([a.page, b.page], async () => {
      await a.page.waitForEvent({ event: 'connectionCreated', connectionId: b.cid });
      await be.signal(sessionId, null, { type: 'rest', data: 'from the server' });
      for (const p of [a.page, b.page]) {
        const e = await p.waitForEvent({ event: 'signal', listener: 'signal:rest', data: 'from the server' });
        assert.equal(e.from, null);
        assert.equal(e.type, 'signal:rest');
        await p.waitForEvent({ event: 'signal', listener: 'signal', data: 'from the server' });
      }
      await be.signal(sessionId, b.cid, { type: 'rest', data: 'only bob' });
      const e = await b.page.waitForEvent({ event: 'signal', listener: 'signal:rest', data: 'only bob' });
      assert.equal(e.from, null);
      await delay(500);
      assert.deepEqual(await a.page.events({ event: 'signal', data: 'only bob' }), []);
    });
  });

  test('REST forceDisconnect (official SDK) kicks a page', T, async (t) => {
    const sessionId = await be.createSession({ mediaMode: 'relayed' });
    const [a, b] = await joinAll(t, sessionId, [{ name: 'alice' }, { name: 'bob' }]);
    await withDiagnostics([a.page, b.page], async () => {
      await a.page.waitForEvent({ event: 'connectionCreated', connectionId: b.cid });
      await be.forceDisconnect(sessionId, b.cid);
      assert.equal((await b.page.waitForEvent({ event: 'sessionDisconnected' })).reason, 'forceDisconnected');
      assert.equal((await a.page.waitForEvent({ event: 'connectionDestroyed', connectionId: b.cid })).reason, 'forceDisconnected');
      assert.equal((await a.page.state()).connected, true);
    });
  });

  test('REST listStreams (official SDK) shows the published stream', T, async (t) => {
    const sessionId = await be.createSession({ mediaMode: 'relayed' });
    const a = await join(t, sessionId, { name: 'alice' });
    await withDiagnostics([a.page], async () => {
      const p = await a.page.publish({ name: 'alice camera' });
      assert.ok(p.ok && p.streamId, JSON.stringify(p));
      const streams = await be.listStreams(sessionId);
      assert.equal(streams.length, 1, JSON.stringify(streams));
      assert.equal(streams[0].id, p.streamId);
      assert.equal(streams[0].videoType, 'camera');
      assert.equal(streams[0].name, 'alice camera');
      const one = await be.getStream(sessionId, p.streamId);
      assert.equal(one.id, p.streamId);
      assert.equal(one.name, 'alice camera');

      assert.deepEqual(await a.page.call('unpublish'), { ok: true });
      await waitUntil(async () => (await be.listStreams(sessionId)).length === 0, { timeoutMs: 10000, message: 'stream gone from listStreams after unpublish' });
    });
  });

  test('REST forceMuteAll (official SDK): publishers get muteForced, audio goes off', T, async (t) => {
    const sessionId = await be.createSession({ mediaMode: 'relayed' });
    const [a, b] = await joinAll(t, sessionId, [{ name: 'alice' }, { name: 'bob' }]);
    await withDiagnostics([a.page, b.page], async () => {
      const p = await a.page.publish({ name: 'loud' });
      assert.ok(p.ok, JSON.stringify(p));
      const s = await b.page.waitForEvent({ event: 'streamCreated', streamId: p.streamId });
      assert.equal(s.hasAudio, true);
      const markB = await b.page.mark();

      await be.forceMuteAll(sessionId);
      await a.page.waitForEvent({ event: 'muteForced', source: 'publisher' });
      // Session-level muteForced on every connection (docs/protocol.md §7.8.3).
      await b.page.waitForEvent({ event: 'muteForced', source: 'session', active: true });
      // The publisher's own channel update is echoed to others (§7.6.4).
      await b.page.waitForEvent({ event: 'streamPropertyChanged', streamId: p.streamId, changedProperty: 'hasAudio', newValue: false }, { after: markB });
      assert.equal((await a.page.call('publisherState')).hasAudio, false);

      await be.disableForceMute(sessionId);
      await b.page.waitForEvent({ event: 'muteForced', source: 'session', active: false });
    });
  });

  test('joining while REST forceMuteAll is active: muted on entry, new publisher starts muted', T, async (t) => {
    // docs/protocol.md §7.8.3 / §6.5: the session state of a client connecting during force-mute carries
    // "mute":{"active":true}; OpenTok.js then fires session muteForced and mutes every publisher
    // it creates (Session.publish → forceMuteAudio → publisher muteForced).
    const sessionId = await be.createSession({ mediaMode: 'relayed' });
    const a = await join(t, sessionId, { name: 'early' });
    await withDiagnostics([a.page], async () => {
      await be.forceMuteAll(sessionId);
      await a.page.waitForEvent({ event: 'muteForced', source: 'session', active: true });
    });
    const b = await join(t, sessionId, { name: 'late' });
    await withDiagnostics([a.page, b.page], async () => {
      await b.page.waitForEvent({ event: 'muteForced', source: 'session', active: true });
      const p = await b.page.publish({ name: 'late cam' });
      assert.ok(p.ok, JSON.stringify(p));
      await b.page.waitForEvent({ event: 'muteForced', source: 'publisher' });
      assert.equal((await b.page.call('publisherState')).hasAudio, false);
      await a.page.waitFor(
        (sid) => window.parley.state().streams.some((st) => st.streamId === sid && st.hasAudio === false && st.hasVideo === true),
        p.streamId,
        { message: `stream ${p.streamId} seen with hasAudio=false, hasVideo=true` },
      );
      await be.disableForceMute(sessionId);
      await b.page.waitForEvent({ event: 'muteForced', source: 'session', active: false });
    });
  });

  test('moderator page: forceMuteStream and forceUnpublish another page\'s stream', T, async (t) => {
    const sessionId = await be.createSession({ mediaMode: 'relayed' });
    const [mod, a] = await joinAll(t, sessionId, [{ name: 'moderator', role: 'moderator' }, { name: 'alice' }]);
    await withDiagnostics([mod.page, a.page], async () => {
      const p = await a.page.publish({ name: 'alice cam' });
      assert.ok(p.ok, JSON.stringify(p));
      await mod.page.waitForEvent({ event: 'streamCreated', streamId: p.streamId });

      assert.deepEqual(await mod.page.call('forceMuteStream', [p.streamId]), { ok: true, value: null });
      await a.page.waitForEvent({ event: 'muteForced', source: 'publisher' });
      await mod.page.waitForEvent({ event: 'streamPropertyChanged', streamId: p.streamId, changedProperty: 'hasAudio', newValue: false });

      assert.deepEqual(await mod.page.call('forceUnpublish', [p.streamId]), { ok: true });
      assert.equal((await mod.page.waitForEvent({ event: 'streamDestroyed', streamId: p.streamId })).reason, 'forceUnpublished');
      assert.equal((await a.page.waitForEvent({ event: 'publisherStreamDestroyed', streamId: p.streamId })).reason, 'forceUnpublished');
      assert.equal((await a.page.state()).connected, true);
    });
  });
});
}
