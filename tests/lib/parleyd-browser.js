// parleyd + the official `opentok` Node SDK, as the browser tests use them.
// Builds on tests/lib/parleyd.js (startParleyd) without changing it.

import assert from 'node:assert/strict';
import { before, after } from 'node:test';

import OpenTok from 'opentok';
import { launchBrowser, openClientPage, startStaticServer } from './browser.js';
import { startParleyd, restJwt } from './parleyd.js';

const cb2p = (fn) => new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));

// Starts parleyd (debug logs) and returns {server, ot, proxyUrl, ...helpers}.
// proxyUrl is what pages pass to OT.setProxyUrl: parleyd itself routes
// /<original host>/… (docs/protocol.md §5.5).
export async function startBrowserBackend(opts = {}) {
  const server = await startParleyd({ logLevel: 'debug', ...opts });
  const ot = new OpenTok(server.apiKey, server.apiSecret, { apiUrl: server.url });
  return {
    server,
    ot,
    apiKey: server.apiKey,
    proxyUrl: server.url,
    createSession(sessionOpts = {}) {
      return cb2p((cb) => ot.createSession(sessionOpts, cb)).then((s) => s.sessionId);
    },
    // POST /session/create with form fields the official SDKs do not send (parleyd's
    // videoCodec, say): a routed session unless the fields say otherwise.
    async createSessionWithFields(fields = {}) {
      const form = new URLSearchParams({ 'p2p.preference': 'disabled', ...fields });
      const res = await fetch(`${server.url}/session/create`, {
        method: 'POST',
        headers: { 'X-OPENTOK-AUTH': restJwt(server.apiKey, server.apiSecret), 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        body: form.toString(),
      });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`session create: ${res.status} ${text}`);
      return JSON.parse(text)[0].session_id;
    },
    token(sessionId, { role = 'publisher', data, expireTime } = {}) {
      const o = { role };
      if (data !== undefined) o.data = data;
      if (expireTime !== undefined) o.expireTime = expireTime;
      return ot.generateToken(sessionId, o);
    },
    // REST (docs/protocol.md §3.4) through the SDK, promisified.
    signal(sessionId, connectionId, payload) {
      return cb2p((cb) => ot.signal(sessionId, connectionId, payload, cb));
    },
    forceDisconnect(sessionId, connectionId) {
      return cb2p((cb) => ot.forceDisconnect(sessionId, connectionId, cb));
    },
    listStreams(sessionId) {
      return cb2p((cb) => ot.listStreams(sessionId, cb));
    },
    getStream(sessionId, streamId) {
      return cb2p((cb) => ot.getStream(sessionId, streamId, cb));
    },
    forceMuteAll(sessionId, options = {}) {
      return cb2p((cb) => ot.forceMuteAll(sessionId, options, cb));
    },
    forceMuteStream(sessionId, streamId) {
      return cb2p((cb) => ot.forceMuteStream(sessionId, streamId, cb));
    },
    disableForceMute(sessionId) {
      return cb2p((cb) => ot.disableForceMute(sessionId, cb));
    },
    // A REST JWT for parleyd's own endpoints (X-OPENTOK-AUTH).
    restJwt() {
      return restJwt(server.apiKey, server.apiSecret);
    },
    // Tail of parleyd's output for failure messages.
    logTail(chars = 6000) {
      return `\n===== parleyd (last ${chars} chars) =====\n${(server.stdout + server.stderr).slice(-chars)}`;
    },
  };
}

// Chromium, the static page server and parleyd (startBrowserBackend), started side by side
// for a browser test's `before`; when one fails, the error is thrown after the others have
// started, and `stopBrowserStack` stops whatever did start.
export async function startBrowserStack(backendOpts = {}) {
  const results = await Promise.allSettled([launchBrowser(), startStaticServer(), startBrowserBackend(backendOpts)]);
  const [browser, web, be] = results.map((r) => (r.status === 'fulfilled' ? r.value : undefined));
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) {
    await stopBrowserStack({ browser, web, be }).catch(() => {});
    throw failed.reason;
  }
  return { browser, web, be };
}

// Closes the browser and the page server, then stops parleyd (which throws on an unclean
// exit or a sanitizer report).
export async function stopBrowserStack({ browser, web, be } = {}) {
  await Promise.allSettled([browser?.close(), web?.close()]);
  if (be) await be.server.stop();
}

// Registers before/after hooks (call inside describe()) that start Chromium, the page server and
// parleyd (startBrowserStack) and stop them; returns an object whose browser, web and be are
// set once `before` has run.
export function useBrowserStack(backendOpts = {}) {
  const fx = {};
  before(async () => {
    Object.assign(fx, await startBrowserStack(backendOpts));
  });
  after(async () => {
    await stopBrowserStack(fx);
  });
  return fx;
}

// The SFU's statistics of one session (GET …/session/{id}/media, a Parley REST endpoint). The
// SFU answers at once from its latest snapshot and asks the media worker for a new one; this
// waits for the snapshot that reflects everything done before the call (`nextSnapshot`).
export async function mediaStatsOf(be, sessionId) {
  const get = async () => {
    const res = await fetch(`${be.server.url}/v2/project/${be.apiKey}/session/${sessionId}/media`, {
      headers: { 'X-OPENTOK-AUTH': be.restJwt() },
    });
    assert.equal(res.status, 200);
    return res.json();
  };
  const first = await get();
  let st = first;
  const deadline = Date.now() + 15000;
  while (first.nextSnapshot !== undefined && !(st.snapshot >= first.nextSnapshot)) {
    assert.ok(Date.now() < deadline, `no media stats snapshot after the call: ${JSON.stringify(st).slice(0, 300)}`);
    await new Promise((r) => setTimeout(r, 20));
    st = await get();
  }
  return st;
}

// A page of `client` ('opentok' or 'parley') connected to `sessionId` as a publisher (closed
// after test `t`), on the stack `fx` of useBrowserStack / startBrowserStack.
export async function joinAs(fx, t, client, name, sessionId) {
  const { browser, web, be } = fx;
  const page = await openClientPage(browser, { pageUrl: web.pageUrl('opentok-client'), name, client });
  t.after(() => page.close());
  await page.connect({ proxyUrl: be.proxyUrl, apiKey: be.apiKey, sessionId, token: be.token(sessionId, { role: 'publisher', data: `name=${name}` }) });
  return page;
}

// Publishes from `page` (320x240 unless `opts` says otherwise); fails the test with the page's
// and parleyd's diagnostics when it cannot. Resolves the stream id.
export async function publishOk(fx, page, opts = {}) {
  const r = await page.publish({ width: 320, height: 240, ...opts });
  assert.ok(r.ok, `${page.name}: publish: ${JSON.stringify(r)}${page.diagnostics()}${fx.be.logTail()}`);
  return r.streamId;
}
