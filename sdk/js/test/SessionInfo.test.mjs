// Unit tests of the client bootstrap: session-info URL and proxy rules (docs/protocol.md §5.4, §5.5) and
// getSessionInfo with a scripted fetch (answers, error nodes, retries).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import {
  proxiedUrl,
  sessionInfoUrl,
  getSessionInfo,
  SessionInfo,
  SessionInfoError,
  DEFAULT_CLIENT_VERSION,
} from '../dist/parley.mjs';

const SID = '1_MX4xMjM0NTY3OH5-fg';

// A fake clock for setTimeout / clearTimeout / Date.now (the SDK looks them up on each call).
// Written here rather than node:test's mock.timers so that timers scheduled by timers run in
// the same tick and Date.now() is each timer's due time.
function installFakeClock(start = 1_000_000) {
  const real = { setTimeout: globalThis.setTimeout, clearTimeout: globalThis.clearTimeout, now: Date.now };
  let now = start;
  let seq = 0;
  const timers = new Map();
  globalThis.setTimeout = (fn, ms = 0, ...args) => {
    const id = ++seq;
    timers.set(id, { at: now + Math.max(0, Number(ms) || 0), fn, args });
    return id;
  };
  globalThis.clearTimeout = (id) => {
    timers.delete(id);
  };
  Date.now = () => now;
  return {
    tick(ms) {
      const end = now + ms;
      for (;;) {
        let nextId;
        let next;
        for (const [id, t] of timers) if (t.at <= end && (!next || t.at < next.at)) [nextId, next] = [id, t];
        if (!next) break;
        timers.delete(nextId);
        now = next.at;
        next.fn(...next.args);
      }
      now = end;
    },
    uninstall() {
      globalThis.setTimeout = real.setTimeout;
      globalThis.clearTimeout = real.clearTimeout;
      Date.now = real.now;
    },
  };
}

describe('proxy URL rules (§5.5)', () => {
  const P = 'https://proxy.example.com/ot';
  test('the examples of docs/protocol.md §5.5', () => {
    assert.equal(proxiedUrl('https://config.opentok.com/project/123/config.json', P), 'https://proxy.example.com/ot/config.opentok.com/project/123/config.json');
    assert.equal(proxiedUrl(`https://anvil.opentok.com/session/${SID}?extended=true`, P), `https://proxy.example.com/ot/anvil.opentok.com/session/${SID}?extended=true`);
    assert.equal(proxiedUrl('wss://rumor.example.com:443/rumorwebsocketsv2?socketId=abc', P), 'wss://proxy.example.com/ot/rumor.example.com:443/rumorwebsocketsv2?socketId=abc');
    assert.equal(proxiedUrl('https://hlg.tokbox.com/prod/logging/ClientEvent', P), 'https://proxy.example.com/ot/hlg.tokbox.com/prod/logging/ClientEvent');
  });

  test('the scheme follows the proxy: http proxy → ws/http, https proxy → wss/https', () => {
    const http = 'http://127.0.0.1:5080/proxy';
    assert.equal(proxiedUrl('wss://rumor.example.test:443/rumorwebsocketsv2', http), 'ws://127.0.0.1:5080/proxy/rumor.example.test:443/rumorwebsocketsv2');
    assert.equal(proxiedUrl('https://anvil.opentok.com/session/x', http), 'http://127.0.0.1:5080/proxy/anvil.opentok.com/session/x');
    assert.equal(proxiedUrl('ws://rumor:80/r', 'https://p'), 'wss://p/rumor:80/r');
    assert.equal(proxiedUrl('http://a/b', 'HTTPS://P.example'), 'https://p.example/a/b');
  });

  test('trailing slashes, hosts without path, user info', () => {
    assert.equal(proxiedUrl('https://anvil.opentok.com/', 'http://127.0.0.1:5080/'), 'http://127.0.0.1:5080/anvil.opentok.com');
    assert.equal(proxiedUrl('https://anvil.opentok.com', 'http://127.0.0.1:5080'), 'http://127.0.0.1:5080/anvil.opentok.com');
    assert.equal(proxiedUrl('https://u:p@anvil.opentok.com/x', 'http://me:secret@proxy/'), 'http://proxy/anvil.opentok.com/x');
  });

  test('no proxy, or a URL without scheme: unchanged', () => {
    assert.equal(proxiedUrl('wss://x/y', undefined), 'wss://x/y');
    assert.equal(proxiedUrl('wss://x/y', ''), 'wss://x/y');
    assert.equal(proxiedUrl('wss://x/y', 'proxy.example.com'), 'wss://x/y');
    assert.equal(proxiedUrl('/relative', 'https://p'), '/relative');
  });
});

describe('session info URL (§5.4)', () => {
  test('path of apiURL + /session/{id}, trailing slash normalised, query kept, extended=true added', () => {
    assert.equal(sessionInfoUrl('https://anvil.opentok.com', SID), `https://anvil.opentok.com/session/${SID}?extended=true`);
    assert.equal(sessionInfoUrl('http://host:8080/anvil', SID), `http://host:8080/anvil/session/${SID}?extended=true`);
    assert.equal(sessionInfoUrl('http://host:8080/anvil/', SID), `http://host:8080/anvil/session/${SID}?extended=true`);
    assert.equal(sessionInfoUrl('http://host/a?x=1&y=2', SID), `http://host/a/session/${SID}?x=1&y=2&extended=true`);
    assert.equal(sessionInfoUrl('http://host/?extended=false#frag', SID), `http://host/session/${SID}?extended=true`);
  });
});

// A fetch that answers from a script: each entry is {status, body} or an Error to throw, or a
// function (url, init) returning one of those.
function scriptedFetch(script) {
  const calls = [];
  const fn = async (url, init) => {
    calls.push({ url, init, at: Date.now() });
    let step = script[Math.min(calls.length - 1, script.length - 1)];
    if (typeof step === 'function') step = await step(url, init);
    if (step instanceof Error) throw step;
    const { status = 200, body = '' } = step;
    return { ok: status >= 200 && status < 300, status, text: async () => (typeof body === 'string' ? body : JSON.stringify(body)) };
  };
  fn.calls = calls;
  return fn;
}

const GOOD = [{
  session_id: SID,
  partner_id: '12345678',
  messaging_url: 'wss://rumor.example.com:443/rumorwebsocketsv2',
  messaging_server_url: 'rumor.example.com',
  symphony_address: 'symphony.example.com',
  media_server_hostname: 'mantis.example.com',
  ice_servers: [
    { urls: ['turn:turn.example.com:3478?transport=udp'], username: '1795673390:abc', credential: 'secret' },
    { url: 'stun:turn.example.com:3478' },
    { urls: 'stun:single.example.com' },
    { nothing: true },
  ],
  ice_credential_expiration: 86100,
  properties: {
    p2p: { preference: { value: 'disabled' } }, simulcast: false, reconnection: true, renegotiation: true, e2ee: false,
    h264: true, vp8: true, vp9: false, priorityVideoCodec: 'vp9', clientCandidates: 'relayed',
    streamSimulcastRidEnabled: false, singlePeerConnection: false, hybridSession: false,
  },
}];

const base = { apiUrl: 'https://anvil.example.com', sessionId: SID, token: 'T1==tok', connectionId: 'cid-1', retryDelaysMs: [1, 1] };

const otError = (code, extra = {}) => (err) => {
  assert.ok(err instanceof SessionInfoError, String(err));
  assert.equal(err.code, code, err.message);
  const names = { 1004: 'OT_AUTHENTICATION_ERROR', 1005: 'OT_INVALID_SESSION_ID', 1006: 'OT_CONNECT_FAILED', 1026: 'OT_TERMS_OF_SERVICE_FAILURE', 2001: 'OT_UNEXPECTED_SERVER_RESPONSE' };
  assert.equal(err.name, names[code]);
  for (const [k, v] of Object.entries(extra)) assert.equal(err[k], v, `${k}: ${err.message}`);
  return true;
};

describe('getSessionInfo', () => {
  test('GET with the headers OpenTok.js sends; the answer as SessionInfo', async () => {
    const fetch = scriptedFetch([{ body: GOOD }]);
    const info = await getSessionInfo({ ...base, fetch, clientVersion: 'js-test' });
    assert.equal(fetch.calls.length, 1);
    const { url, init } = fetch.calls[0];
    assert.equal(url, `https://anvil.example.com/session/${SID}?extended=true`);
    assert.equal(init.method, 'GET');
    assert.deepEqual(init.headers, { 'X-OPENTOK-AUTH': 'T1==tok', 'X-TB-VERSION': '1', 'X-TB-CLIENT-VERSION': 'js-test', 'X-TB-CONNECTIONID': 'cid-1', Accept: 'application/json' });
    assert.ok(info instanceof SessionInfo);
    assert.equal(info.sessionId, SID);
    assert.equal(info.partnerId, '12345678');
    assert.equal(info.messagingUrl, 'wss://rumor.example.com:443/rumorwebsocketsv2');
    assert.equal(info.webSocketUrl, info.messagingUrl, 'no proxy: connect where the server says');
    assert.equal(info.symphonyAddress, 'symphony.example.com');
    assert.equal(info.messagingServerUrl, 'rumor.example.com');
    assert.equal(info.mediaServerHostname, 'mantis.example.com');
    assert.deepEqual(info.iceServers, [
      { urls: ['turn:turn.example.com:3478?transport=udp'], username: '1795673390:abc', credential: 'secret' },
      { urls: ['stun:turn.example.com:3478'] },
      { urls: ['stun:single.example.com'] },
    ]);
    assert.deepEqual(
      [info.p2pEnabled, info.adaptiveMediaRouting, info.routed, info.reconnection, info.renegotiation, info.e2ee, info.simulcast, info.ridSimulcast],
      [false, false, true, true, true, false, false, false]);
    assert.deepEqual([info.h264, info.vp8, info.vp9, info.priorityVideoCodec, info.clientCandidates, info.singlePeerConnection, info.hybridSession],
      [true, true, false, 'vp9', 'relay', false, false]);
  });

  test('the default X-TB-CLIENT-VERSION; defaults of absent properties', async () => {
    const fetch = scriptedFetch([{ body: [{ messaging_url: 'ws://x/r', symphony_address: 's', properties: { p2p: { preference: { value: 'enabled' } } } }] }]);
    const info = await getSessionInfo({ ...base, fetch });
    assert.equal(fetch.calls[0].init.headers['X-TB-CLIENT-VERSION'], DEFAULT_CLIENT_VERSION);
    assert.deepEqual([info.p2pEnabled, info.routed, info.reconnection, info.renegotiation, info.e2ee, info.simulcast], [true, false, false, false, false, undefined]);
    assert.deepEqual([info.h264, info.vp8, info.vp9, info.priorityVideoCodec, info.clientCandidates, info.iceServers], [true, true, true, '', undefined, undefined]);
    const amr = new SessionInfo({ properties: { p2p: { preference: { value: 'adaptive' } } } });
    assert.deepEqual([amr.adaptiveMediaRouting, amr.p2pEnabled, amr.routed], [true, false, false]);
  });

  test('through a proxy: the request and the WebSocket URL are both proxied', async () => {
    const fetch = scriptedFetch([{ body: GOOD }]);
    const info = await getSessionInfo({ ...base, apiUrl: 'https://anvil.opentok.com', proxyUrl: 'http://127.0.0.1:5080', fetch });
    assert.equal(fetch.calls[0].url, `http://127.0.0.1:5080/anvil.opentok.com/session/${SID}?extended=true`);
    assert.equal(info.webSocketUrl, 'ws://127.0.0.1:5080/rumor.example.com:443/rumorwebsocketsv2');
    assert.equal(info.messagingUrl, 'wss://rumor.example.com:443/rumorwebsocketsv2');
  });

  for (const [code, want] of [[400, 1005], [404, 1005], [403, 1004], [409, 1026], [500, 2001], ['403', 1004]]) {
    test(`an error node with code ${JSON.stringify(code)} → ${want}, not retried (§5.4.2)`, async () => {
      const fetch = scriptedFetch([{ body: [{ error: { code, errorMessage: { message: 'nope' } } }] }]);
      await assert.rejects(getSessionInfo({ ...base, fetch }), otError(want, { message: 'nope', transportCode: undefined }));
      assert.equal(fetch.calls.length, 1);
    });
  }

  test('"Invalid token format" gets the token appended; a missing message', async () => {
    const fetch = scriptedFetch([{ body: [{ error: { code: 403, errorMessage: { message: 'Invalid token format' } } }] }]);
    await assert.rejects(getSessionInfo({ ...base, fetch }), otError(1004, { message: 'Invalid token format Token: T1==tok' }));
    const bare = scriptedFetch([{ body: [{ error: { code: 404 } }] }]);
    await assert.rejects(getSessionInfo({ ...base, fetch: bare }), otError(1005, { message: 'No error message' }));
  });

  test('an error node with an unknown code is retried, then 2001', async () => {
    const fetch = scriptedFetch([{ body: [{ error: { code: 418 } }] }]);
    await assert.rejects(getSessionInfo({ ...base, fetch }), otError(2001, { transportCode: 3005, message: 'Unknown error: 418' }));
    assert.equal(fetch.calls.length, 3);
  });

  const transport = [
    ['no answer (fetch throws)', new TypeError('fetch failed'), 1006, 3007],
    ['HTTP 500', { status: 500, body: 'oops' }, 2001, 3002],
    ['HTTP 404', { status: 404, body: '' }, 2001, 3002],
    ['an empty body', { body: '' }, 1006, 3006],
    ['an empty array', { body: [] }, 1006, 3006],
    ['invalid JSON', { body: '[{' }, 2001, 3003],
    ['a JSON object instead of an array', { body: { session_id: 'x' } }, 2001, 3001],
    ['an array of a non-object', { body: [5] }, 2001, 3001],
  ];
  for (const [what, step, code, transportCode] of transport) {
    test(`${what}: 3 attempts, then ${code}`, async () => {
      const fetch = scriptedFetch([step]);
      await assert.rejects(getSessionInfo({ ...base, fetch }), otError(code, { transportCode }));
      assert.equal(fetch.calls.length, 3);
    });
  }

  test('retries wait 600 ms then 1200 ms by default, and stop at the first good answer', async () => {
    const clock = installFakeClock(0);
    try {
      const fetch = scriptedFetch([{ status: 503 }, new TypeError('reset'), { body: GOOD }]);
      const p = getSessionInfo({ ...base, retryDelaysMs: undefined, fetch });
      for (let i = 0; i < 40; i++) {
        await new Promise((r) => setImmediate(r));
        clock.tick(100);
      }
      const info = await p;
      assert.equal(info.sessionId, SID);
      assert.deepEqual(fetch.calls.map((c) => c.at), [0, 600, 1800]);
    } finally {
      clock.uninstall();
    }
  });

  test('partner_id must be the page\'s API key as a string (§1.1)', async () => {
    const ok = scriptedFetch([{ body: GOOD }]);
    assert.equal((await getSessionInfo({ ...base, fetch: ok, apiKey: 12345678 })).partnerId, '12345678');
    const other = scriptedFetch([{ body: [{ ...GOOD[0], partner_id: '999' }] }]);
    await assert.rejects(getSessionInfo({ ...base, fetch: other, apiKey: '12345678' }), otError(1004));
    const numeric = scriptedFetch([{ body: [{ ...GOOD[0], partner_id: 12345678 }] }]);
    await assert.rejects(getSessionInfo({ ...base, fetch: numeric, apiKey: '12345678' }), otError(1004));
    const absent = scriptedFetch([{ body: [{ ...GOOD[0], partner_id: undefined }] }]);
    assert.equal((await getSessionInfo({ ...base, fetch: absent, apiKey: '12345678' })).partnerId, undefined);
  });

  test('an answer without messaging_url or symphony_address → 2001', async () => {
    for (const drop of ['messaging_url', 'symphony_address']) {
      const el = { ...GOOD[0] };
      delete el[drop];
      await assert.rejects(getSessionInfo({ ...base, fetch: scriptedFetch([{ body: [el] }]) }), otError(2001));
    }
  });

  test('timeoutMs: an attempt that hangs counts as no answer', async () => {
    const hang = (url, init) => new Promise((_, reject) => init.signal.addEventListener('abort', () => reject(new Error('aborted'))));
    const fetch = scriptedFetch([hang]);
    await assert.rejects(getSessionInfo({ ...base, fetch, timeoutMs: 20 }), otError(1006, { transportCode: 3007 }));
    assert.equal(fetch.calls.length, 3);
  });

  test('the caller\'s AbortSignal stops everything, without retries', async () => {
    const controller = new AbortController();
    const hang = (url, init) => new Promise((_, reject) => init.signal.addEventListener('abort', () => reject(init.signal.reason)));
    const fetch = scriptedFetch([hang]);
    const p = getSessionInfo({ ...base, fetch, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('page left')), 10);
    await assert.rejects(p, /page left/);
    assert.equal(fetch.calls.length, 1);
  });
});
