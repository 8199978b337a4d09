// Browser end-to-end harness: headless Chromium (system package, driven by playwright-core),
// a static HTTP server for tests/pages/*.html and the official OpenTok.js client straight from
// node_modules, a TCP proxy able to cut connections (socket-drop tests), and page helpers.
//
// Not a test file (no `.test.` in the name). Typical use, one browser per test file:
//
//   const browser = await launchBrowser();
//   const web = await startStaticServer();
//   const page = await openClientPage(browser, { pageUrl: web.pageUrl('opentok-client') });
//   await page.start({ proxyUrl, apiKey, sessionId, token });
//   await page.waitForEvent({ event: 'sessionConnected' });
//   ...
//   await page.close(); await web.close(); await browser.close();

import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
export const pagesDir = path.resolve(here, '..', 'pages');

// The client as published on npm (package.json "main"); never copied into the repository.
export const opentokJsPath = require.resolve('@opentok/client/dist/js/opentok.js');
// parley.js as `make sdk` builds it.
export const parleyJsPath = path.resolve(here, '..', '..', 'sdk', 'js', 'dist', 'parley.js');

// The clients the browser suites run with: both by default, one with PARLEY_TEST_CLIENT.
export function testClients() {
  const only = process.env.PARLEY_TEST_CLIENT;
  return only ? [only] : ['opentok', 'parley'];
}

export const clientLabel = (client) => (client === 'parley' ? 'parley.js' : 'OpenTok.js 2.35.2');

export function chromiumPath() {
  return process.env.CHROMIUM ?? '/usr/bin/chromium';
}

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
  // Keep real host candidates (no mDNS .local names): pages that only subscribe never call
  // getUserMedia, and mDNS resolution between two pages is not guaranteed on a CI box.
  '--disable-features=WebRtcHideLocalIpsWithMdns',
];

const delay = (ms) => new Promise((r) => setTimeout(r, ms));

// Launches Chromium. Playwright gives each launch a fresh temporary profile; every page gets its
// own BrowserContext on top (openClientPage).
export async function launchBrowser({ args = [], headless = true } = {}) {
  const executablePath = chromiumPath();
  if (!fs.existsSync(executablePath)) {
    throw new Error(`Chromium not found at ${executablePath} (install the Debian package "chromium" or set CHROMIUM)`);
  }
  // PARLEY_CHROMIUM_ARGS: extra flags for diagnostics, e.g. WebRTC logging.
  const extra = process.env.PARLEY_CHROMIUM_ARGS ? process.env.PARLEY_CHROMIUM_ARGS.split(' ') : [];
  return chromium.launch({ executablePath, headless, args: [...CHROMIUM_ARGS, ...args, ...extra], timeout: 30000 });
}

// ---------------------------------------------------------------------------------------
// Static server (different origin from parleyd, so the client's CORS requests are exercised)

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

function listen(server, host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: 0, host }, () => {
      server.off('error', reject);
      resolve(server.address().port);
    });
  });
}

// Serves GET /<name>.html (and /pages/<name>.html) from tests/pages, /opentok.js and
// /opentok.js.map from node_modules/@opentok/client, /parley.js and its map from
// sdk/js/dist. Everything else is 404.
export async function startStaticServer() {
  const routes = new Map([
    ['/opentok.js', opentokJsPath],
    ['/opentok.js.map', `${opentokJsPath}.map`],
    ['/parley.js', parleyJsPath],
    ['/parley.js.map', `${parleyJsPath}.map`],
  ]);
  const requests = [];
  const sockets = new Set();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    requests.push(`${req.method} ${url.pathname}`);
    let file = routes.get(url.pathname);
    const m = url.pathname.match(/^\/(?:pages\/)?([A-Za-z0-9_-]+\.html)$/);
    if (!file && m) file = path.join(pagesDir, m[1]);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    if (!file || !fs.existsSync(file)) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
      return;
    }
    const body = fs.readFileSync(file);
    res.writeHead(200, {
      'Content-Type': MIME[path.extname(file)] ?? 'application/octet-stream',
      'Content-Length': body.length,
      'Cache-Control': 'no-store',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const port = await listen(server);
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    requests,
    pageUrl: (name = 'opentok-client') => `${url}/${name}.html`,
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

// ---------------------------------------------------------------------------------------
// TCP proxy: a transparent forwarder to target host:port whose connections can be cut
// (dropAll) and refused for a while (block/unblock). Used as the OpenTok.js proxy URL of one
// page to simulate a dropped network without touching the others.

export async function startTcpProxy({ targetPort, targetHost = '127.0.0.1' }) {
  const pairs = new Set();
  let blocked = false;
  let accepted = 0;
  let refused = 0;
  const server = net.createServer((client) => {
    if (blocked) {
      refused += 1;
      client.resetAndDestroy?.() ?? client.destroy();
      return;
    }
    accepted += 1;
    const upstream = net.connect({ host: targetHost, port: targetPort });
    const pair = { client, upstream };
    pairs.add(pair);
    const kill = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', kill).on('close', kill);
    upstream.on('error', kill).on('close', kill);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  const port = await listen(server);
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    get openConnections() {
      return pairs.size;
    },
    get stats() {
      return { accepted, refused, open: pairs.size, blocked };
    },
    // Cuts every open connection abruptly (TCP RST towards the browser when possible).
    dropAll() {
      const n = pairs.size;
      for (const { client, upstream } of [...pairs]) {
        if (client.resetAndDestroy) client.resetAndDestroy();
        else client.destroy();
        upstream.destroy();
      }
      pairs.clear();
      return n;
    },
    block() {
      blocked = true;
    },
    unblock() {
      blocked = false;
    },
    close() {
      blocked = true;
      for (const { client, upstream } of pairs) {
        client.destroy();
        upstream.destroy();
      }
      pairs.clear();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

// ---------------------------------------------------------------------------------------
// Rumor frame decoding (docs/protocol.md §6.2), for diagnostics of the WebSocket traffic only.

const RUMOR_TYPES = { 0: 'SUBSCRIBE', 1: 'UNSUBSCRIBE', 2: 'MESSAGE', 3: 'CONNECT', 4: 'DISCONNECT', 7: 'PING', 8: 'PONG', 9: 'STATUS' };

export function decodeRumorFrame(buf) {
  try {
    let o = 6;
    const type = buf[o++];
    const nAddr = buf[o++];
    const to = [];
    for (let i = 0; i < nAddr; i++) {
      const len = buf.readUInt16BE(o);
      o += 2;
      to.push(buf.subarray(o, o + len).toString('utf8'));
      o += len;
    }
    const nHdr = buf[o++];
    const headers = {};
    for (let i = 0; i < nHdr; i++) {
      const kl = buf.readUInt16BE(o);
      o += 2;
      const k = buf.subarray(o, o + kl).toString('utf8');
      o += kl;
      const vl = buf.readUInt16BE(o);
      o += 2;
      headers[k] = buf.subarray(o, o + vl).toString('utf8');
      o += vl;
    }
    return { type: RUMOR_TYPES[type] ?? `type${type}`, to, headers, payload: buf.subarray(o).toString('utf8') };
  } catch (err) {
    return { type: 'UNDECODABLE', error: err.message, hex: buf.subarray(0, 64).toString('hex') };
  }
}

function describeFrame(dir, payload) {
  if (typeof payload === 'string') return `${dir} text ${payload.slice(0, 300)}`;
  const f = decodeRumorFrame(payload);
  if (f.type === 'PING' || f.type === 'PONG') return `${dir} ${f.type}`;
  const hdr = { ...f.headers };
  if (hdr['X-TB-TOKEN-AUTH']) hdr['X-TB-TOKEN-AUTH'] = `${hdr['X-TB-TOKEN-AUTH'].slice(0, 12)}…`;
  return `${dir} ${f.type} to=${JSON.stringify(f.to)} ${JSON.stringify(hdr)} ${(f.payload ?? '').slice(0, 600)}`;
}

// ---------------------------------------------------------------------------------------
// Pages

export function matches(event, match) {
  return Object.entries(match).every(([k, v]) => JSON.stringify(event[k]) === JSON.stringify(v));
}

export class ClientPage {
  constructor({ name, context, page }) {
    this.name = name;
    this.context = context;
    this.page = page;
    this.logs = []; // console, page errors, failed requests, websocket lifecycle
    this.frames = []; // decoded Rumor frames (both directions)
    this.sockets = []; // {url, closed}
    this.httpLog = []; // requests that left the page (besides the static server)
    this.closed = false;
  }

  log(line) {
    this.logs.push(`${new Date().toISOString().slice(11, 23)} ${line}`);
    if (this.logs.length > 600) this.logs.splice(0, this.logs.length - 500);
  }

  _attach() {
    const { page } = this;
    page.on('console', (m) => this.log(`console.${m.type()}: ${m.text().slice(0, 1000)}`));
    page.on('pageerror', (e) => this.log(`pageerror: ${e.stack ?? e.message}`));
    page.on('requestfailed', (r) => this.log(`requestfailed: ${r.method()} ${r.url()} ${r.failure()?.errorText}`));
    page.on('response', (r) => {
      const u = r.url();
      if (!u.endsWith('.html') && !u.endsWith('/opentok.js') && !u.endsWith('/parley.js')) this.httpLog.push(`${r.request().method()} ${u} → ${r.status()}`);
    });
    page.on('websocket', (ws) => {
      const rec = { url: ws.url(), closed: false, opened: Date.now() };
      this.sockets.push(rec);
      this.log(`websocket open ${ws.url()}`);
      ws.on('framesent', ({ payload }) => this._frame(`→ ${this.sockets.indexOf(rec)}`, payload));
      ws.on('framereceived', ({ payload }) => this._frame(`← ${this.sockets.indexOf(rec)}`, payload));
      ws.on('socketerror', (e) => this.log(`websocket error ${ws.url()}: ${e}`));
      ws.on('close', () => {
        rec.closed = true;
        this.log(`websocket closed ${ws.url()}`);
      });
    });
  }

  _frame(dir, payload) {
    const line = describeFrame(dir, typeof payload === 'string' ? payload : Buffer.from(payload));
    if (/ P[IO]NG$/.test(line)) return;
    this.frames.push(`${new Date().toISOString().slice(11, 23)} ${line}`);
    if (this.frames.length > 400) this.frames.splice(0, this.frames.length - 300);
  }

  // Runs window.parley[method](...args) in the page, bounded by timeoutMs.
  async call(method, args = [], { timeoutMs = 50000 } = {}) {
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${this.name}: parley.${method}() did not finish within ${timeoutMs} ms${this.diagnostics()}`)), timeoutMs);
    });
    try {
      return await Promise.race([
        this.page.evaluate(([m, a]) => window.parley[m](...a), [method, args]),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  start(opts) {
    return this.call('start', [opts], { timeoutMs: (opts.connectTimeoutMs ?? 45000) + 5000 });
  }

  // start() and throw unless connect() succeeded; returns the own connection id.
  async connect(opts) {
    const r = await this.start(opts);
    if (!r.ok) throw new Error(`${this.name}: session.connect() failed: ${JSON.stringify(r)}${this.diagnostics()}`);
    return r.connectionId;
  }

  publish(opts = {}) {
    return this.call('publish', [opts], { timeoutMs: (opts.timeoutMs ?? 30000) + 5000 });
  }

  subscribe(streamId, opts = {}) {
    return this.call('subscribe', [streamId, opts], { timeoutMs: (opts.timeoutMs ?? 30000) + 5000 });
  }

  signal(opts) {
    return this.call('signal', [opts]);
  }

  state() {
    return this.call('state');
  }

  events(match = {}) {
    return this.page.evaluate(() => window.parley.events).then((all) => all.filter((e) => matches(e, match)));
  }

  // Sequence number to pass as `after` to waitForEvent, so only later events count.
  async mark() {
    return this.page.evaluate(() => window.parley.events.length);
  }

  // Waits until an event whose fields equal every field of `match` was recorded (seq >= after).
  async waitForEvent(match, { timeoutMs = 20000, after = 0 } = {}) {
    try {
      const handle = await this.page.waitForFunction(
        ([m, a]) => window.parley.events.find((e) => e.seq >= a && Object.entries(m).every(([k, v]) => JSON.stringify(e[k]) === JSON.stringify(v))) || null,
        [match, after],
        { timeout: timeoutMs, polling: 50 },
      );
      return await handle.jsonValue();
    } catch (err) {
      if (this.closed) throw err;
      throw new Error(`${this.name}: no event matching ${JSON.stringify(match)} within ${timeoutMs} ms (${err.message.split('\n')[0]})${this.diagnostics()}`);
    }
  }

  // Waits until fn(arg) evaluated in the page is truthy; returns its value.
  async waitFor(fn, arg, { timeoutMs = 20000, message = 'condition', polling = 100 } = {}) {
    try {
      const handle = await this.page.waitForFunction(fn, arg, { timeout: timeoutMs, polling });
      return await handle.jsonValue();
    } catch (err) {
      if (this.closed) throw err;
      throw new Error(`${this.name}: ${message} not met within ${timeoutMs} ms (${err.message.split('\n')[0]})${this.diagnostics()}`);
    }
  }

  // Resolves with the matching events recorded within ms (for "must not happen" checks).
  async eventsWithin(match, ms, { after = 0 } = {}) {
    await delay(ms);
    return (await this.events(match)).filter((e) => e.seq >= after);
  }

  // Waits until the subscriber to streamId has decoded more than minFrames frames.
  async waitForFrames(streamId, minFrames, { timeoutMs = 30000 } = {}) {
    return this.waitFor(
      ([sid, n]) => {
        const s = window.parley.subscriberVideo(sid);
        return s.frames > n ? s : null;
      },
      [streamId, minFrames],
      { timeoutMs, message: `subscriber video of ${streamId} > ${minFrames} frames`, polling: 200 },
    );
  }

  diagnostics({ frames = 80, logs = 40 } = {}) {
    const parts = [`\n===== page ${this.name} =====`];
    const ws = this.sockets.slice(-4).map((s) => `  ${s.url}${s.closed ? ' (closed)' : ''}`);
    parts.push(`-- websockets (${this.sockets.length}, last 4):\n${ws.join('\n')}`);
    parts.push(`-- http (last 20):\n${this.httpLog.slice(-20).join('\n')}`);
    parts.push(`-- rumor frames (last ${frames}):\n${this.frames.slice(-frames).join('\n')}`);
    parts.push(`-- console/errors (last ${logs}):\n${this.logs.slice(-logs).join('\n')}`);
    return parts.join('\n');
  }

  async close() {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.context.close();
    } catch {
      // browser already gone
    }
  }
}

// Opens pageUrl in a new BrowserContext and waits until window.parley and OT are there.
// otProperties (optional) becomes window.OTProperties before the client loads; the default
// comes from the environment variable PARLEY_OT_PROPERTIES (JSON), a diagnostic knob, e.g.
// '{"sessionInfoOverrides":{"clientCandidates":"all"}}' to rule out one GSI property.
export async function openClientPage(browser, {
  pageUrl,
  name = 'page',
  // 'opentok' (the official OpenTok.js) or 'parley' (parley.js): which client the page loads.
  client = process.env.PARLEY_TEST_CLIENT ?? 'opentok',
  contextOptions = {},
  otProperties = process.env.PARLEY_OT_PROPERTIES ? JSON.parse(process.env.PARLEY_OT_PROPERTIES) : undefined,
  loadTimeoutMs = 45000,
} = {}) {
  if (!pageUrl) throw new Error('openClientPage: pageUrl is required');
  if (client === 'parley') {
    const u = new URL(pageUrl);
    u.searchParams.set('client', 'parley');
    pageUrl = u.toString();
  }
  if (otProperties) {
    const u = new URL(pageUrl);
    u.searchParams.set('otProperties', JSON.stringify(otProperties));
    pageUrl = u.toString();
  }
  const context = await browser.newContext({ viewport: { width: 800, height: 600 }, ...contextOptions });
  const page = await context.newPage();
  const cp = new ClientPage({ name, context, page });
  cp._attach();
  try {
    await page.goto(pageUrl, { waitUntil: 'load', timeout: loadTimeoutMs });
    await page.waitForFunction(() => window.parley && window.OT, null, { timeout: 10000 });
  } catch (err) {
    const diag = cp.diagnostics();
    await cp.close();
    throw new Error(`${name}: could not load ${pageUrl}: ${err.message}${diag}`);
  }
  return cp;
}

// Node-side polling: resolves with the first truthy value of await fn(), or throws after timeoutMs.
export async function waitUntil(fn, { timeoutMs = 15000, intervalMs = 200, message = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`${message} not met within ${timeoutMs} ms (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    }
    await delay(intervalMs);
  }
}
