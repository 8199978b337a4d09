// parleyd driven by the official `opentok` Node SDK (2.23.2), plus the session-info (GSI)
// requests OpenTok.js 2.35.2 makes. Protocol: docs/protocol.md §1, §2, §3, §5.
import { describe, before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import OpenTok from 'opentok';

import {
  startParleyd,
  makeTempDir,
  removeDir,
  randomApiKey,
  randomApiSecret,
  request,
  getSessionInfo,
  gsiHeaders,
  restJwt,
  clientJwt,
  clientT1,
  decodeJwt,
  decodeT1,
  decodeSessionId,
  craftSessionId,
  createSession,
  nowSeconds,
  signJwt,
  t1FromPairs,
} from './lib/parleyd.js';

const T = { timeout: 30000 };
const ROLES = ['subscriber', 'publisher', 'publisheronly', 'moderator'];
const ORIGIN = 'http://app.example.test';

// Checks a successful GSI answer (docs/protocol.md §5.4.1).
function assertSessionInfo(res, { sessionId, apiKey, p2p, server, proxied = false, e2ee = false }) {
  assert.equal(res.status, 200, res.describe());
  assert.equal(res.mediaType, 'application/json', res.describe());
  const body = res.json();
  assert.ok(Array.isArray(body), `GSI body must be a JSON array: ${res.body}`);
  assert.ok(body.length >= 1, `GSI array must not be empty: ${res.body}`);
  const el = body[0];
  assert.equal(el.error, undefined, `unexpected error node: ${res.body}`);
  assert.equal(el.session_id, sessionId);
  assert.equal(typeof el.partner_id, 'string', 'partner_id must be a string');
  assert.equal(el.partner_id, apiKey);
  assert.equal(typeof el.messaging_url, 'string', `messaging_url: ${res.body}`);
  const mu = new URL(el.messaging_url);
  const wantScheme = server.url.startsWith('https:') ? 'wss:' : 'ws:';
  assert.equal(mu.protocol, wantScheme, `messaging_url ${el.messaging_url}`);
  if (!proxied) {
    assert.equal(mu.port, String(server.port), `messaging_url ${el.messaging_url} must point at the server`);
    assert.ok(['127.0.0.1', 'localhost'].includes(mu.hostname), `messaging_url ${el.messaging_url} host`);
  }
  assert.equal(typeof el.symphony_address, 'string');
  assert.ok(el.symphony_address.length > 0, 'symphony_address must not be empty');
  assert.ok(Array.isArray(el.ice_servers), `ice_servers must be an array: ${res.body}`);
  assert.ok(el.ice_servers.length > 0, 'ice_servers must not be empty');
  for (const s of el.ice_servers) {
    const urls = s.urls ?? (s.url ? [s.url] : undefined);
    const list = Array.isArray(urls) ? urls : [urls];
    assert.ok(list.length > 0 && list.every((u) => typeof u === 'string' && /^(stun|turn|turns):/.test(u)), `bad ice server ${JSON.stringify(s)}`);
  }
  assert.equal(typeof el.properties, 'object', `properties: ${res.body}`);
  assert.equal(el.properties?.p2p?.preference?.value, p2p, `p2p preference in ${JSON.stringify(el.properties)}`);
  assert.equal(el.properties.e2ee, e2ee, `properties.e2ee in ${JSON.stringify(el.properties)}`);
  return el;
}

// Checks a GSI error answer: HTTP 200 with [{error:{code}}] (docs/protocol.md §5.4.2).
function assertGsiError(res, code) {
  assert.equal(res.status, 200, `GSI errors are HTTP 200 with an error node: ${res.describe()}`);
  const body = res.json();
  assert.ok(Array.isArray(body) && body.length >= 1, `GSI error body must be a non-empty array: ${res.body}`);
  const el = body[0];
  assert.equal(typeof el.error, 'object', `expected an error node: ${res.body}`);
  assert.equal(el.error.code, code, `error code: ${res.body}`);
  assert.equal(typeof el.error.errorMessage?.message, 'string', `error.errorMessage.message: ${res.body}`);
  assert.equal(el.messaging_url, undefined, `an error node must not carry connect info: ${res.body}`);
}

function headerList(value) {
  return String(value ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
}

function assertCorsPreflight(res, requestedHeaders) {
  assert.ok(res.status >= 200 && res.status < 300, `preflight must be 2xx: ${res.describe()}`);
  const acao = res.headers['access-control-allow-origin'];
  assert.ok(acao === '*' || acao === ORIGIN, `Access-Control-Allow-Origin: ${acao}`);
  const allowed = headerList(res.headers['access-control-allow-headers']);
  if (!allowed.includes('*')) {
    for (const h of requestedHeaders) assert.ok(allowed.includes(h), `header ${h} not allowed by ${res.headers['access-control-allow-headers']}`);
  }
  const methods = res.headers['access-control-allow-methods'];
  if (methods !== undefined) {
    const m = headerList(methods).map((x) => x.toUpperCase());
    assert.ok(m.includes('*') || m.includes('GET'), `Access-Control-Allow-Methods ${methods}`);
  }
}

function postForm(server, body, headers) {
  return request('POST', `${server.url}/session/create`, {
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body,
  });
}

function sdkHeaders(apiKey, apiSecret) {
  return {
    'User-Agent': 'OpenTok-Node-SDK/2.23.2',
    Accept: 'application/json',
    'X-OPENTOK-AUTH': restJwt(apiKey, apiSecret),
  };
}

describe('REST API and session info with the official Node SDK', () => {
  let dir;
  let server;
  let ot; // project A (the server's --api-key)
  let keyB;
  let secretB;
  let otB; // project B, created by an earlier start on the same data directory
  let sessionBFromFirstRun;
  const sessions = {}; // name → {sessionId, p2p}

  before(async () => {
    dir = makeTempDir();
    keyB = randomApiKey();
    secretB = randomApiSecret();
    // First start: project B only; creates a session, then stops cleanly.
    const first = await startParleyd({ apiKey: keyB, apiSecret: secretB, dataDir: dir });
    try {
      const o = new OpenTok(keyB, secretB, { apiUrl: first.url });
      sessionBFromFirstRun = (await createSession(o, { mediaMode: 'routed' })).sessionId;
    } finally {
      await first.stop();
    }
    // Second start on the same directory: project A ensured, project B must still exist.
    let keyA = randomApiKey();
    while (keyA === keyB) keyA = randomApiKey();
    server = await startParleyd({ apiKey: keyA, apiSecret: randomApiSecret(), dataDir: dir });
    ot = new OpenTok(server.apiKey, server.apiSecret, { apiUrl: server.url });
    otB = new OpenTok(keyB, secretB, { apiUrl: server.url });
  });

  after(async () => {
    try {
      if (server) await server.stop();
    } finally {
      if (dir) removeDir(dir);
    }
  });

  test('the SDK reads the apiUrl option', T, () => {
    assert.equal(ot.apiUrl, server.url);
  });

  test('createSession: routed, relayed (default), always-archived and location-hinted', T, async () => {
    const cases = {
      routed: [{ mediaMode: 'routed' }, 'disabled', ''],
      relayed: [{}, 'enabled', ''],
      archived: [{ mediaMode: 'routed', archiveMode: 'always' }, 'disabled', ''],
      located: [{ location: '12.34.56.78' }, 'enabled', '12.34.56.78'],
    };
    for (const [name, [opts, p2p, location]] of Object.entries(cases)) {
      const s = await createSession(ot, opts);
      assert.equal(typeof s.sessionId, 'string', name);
      assert.match(s.sessionId, /^[0-9]_[A-Za-z0-9_-]+$/, `${name}: session id must be URL-safe base64 after the prefix`);
      const fields = decodeSessionId(s.sessionId);
      assert.equal(fields[1], server.apiKey, `${name}: field 1 of ${fields.join('~')} must be the API key`);
      assert.equal(fields[2], location, `${name}: field 2 of ${fields.join('~')} must be the location`);
      sessions[name] = { sessionId: s.sessionId, p2p };
    }
    const ids = Object.values(sessions).map((s) => s.sessionId);
    assert.equal(new Set(ids).size, ids.length, 'session ids must be unique');
  });

  test('archiveMode always with a relayed session is rejected (SDK and server)', T, async () => {
    await assert.rejects(createSession(ot, { archiveMode: 'always' }), /routed/);
    // The SDK refuses locally; the server must refuse the same request on its own.
    const res = await postForm(server, 'archiveMode=always&p2p.preference=enabled', sdkHeaders(server.apiKey, server.apiSecret));
    assert.equal(res.status, 400, res.describe());
    assert.equal(res.mediaType, 'application/json', res.describe());
    const body = res.json();
    assert.equal(body.code, 400, res.body);
    assert.equal(typeof body.message, 'string', res.body);
  });

  test('JWT and T1 tokens of every role are accepted by session info', T, async () => {
    assert.equal(Object.keys(sessions).length, 4, 'createSession test must have run');
    for (const [name, { sessionId, p2p }] of Object.entries(sessions)) {
      for (const role of ROLES) {
        for (const t1 of [false, true]) {
          const token = ot.generateToken(sessionId, { role, data: 'name=bob' }, t1);
          if (t1) assert.ok(token.startsWith('T1=='), 'SDK must produce a T1 token when asked');
          else assert.equal(decodeJwt(token).payload.role, role);
          const res = await getSessionInfo(server.url, sessionId, token);
          try {
            assertSessionInfo(res, { sessionId, apiKey: server.apiKey, p2p, server });
          } catch (err) {
            err.message = `[${name} ${role} ${t1 ? 'T1' : 'JWT'}] ${err.message}`;
            throw err;
          }
        }
      }
    }
  });

  test('token defaults and connection data with spaces and ampersands are accepted', T, async () => {
    const { sessionId, p2p } = sessions.routed;
    const tokens = [
      ot.generateToken(sessionId),
      ot.generateToken(sessionId, {}, true),
      ot.generateToken(sessionId, { data: 'name=Bob Smith&x=1', initialLayoutClassList: ['focus', 'full'] }),
      ot.generateToken(sessionId, { data: 'name=Bob Smith&x=1', initialLayoutClassList: ['focus', 'full'] }, true),
      ot.generateToken(sessionId, { role: 'moderator', expireTime: nowSeconds() + 3600 }),
    ];
    for (const token of tokens) {
      assertSessionInfo(await getSessionInfo(server.url, sessionId, token), { sessionId, apiKey: server.apiKey, p2p, server });
    }
  });

  test('client tokens in the Ruby and Python SDK shapes are accepted (docs/protocol.md §2.2, §2.3)', T, async () => {
    const { sessionId, p2p } = sessions.routed;
    const key = server.apiKey;
    const secret = server.apiSecret;
    const now = nowSeconds();
    const data = 'name=Bob Smith&x=1';
    const shapes = {
      'Ruby T1 (no scope, + for spaces)': t1FromPairs(key, secret, [
        ['role', 'moderator'], ['session_id', sessionId], ['create_time', now], ['nonce', Math.random()],
        ['expire_time', now + 3600], ['connection_data', data], ['initial_layout_class_list', 'focus full'],
      ]),
      'Ruby T1 without expire_time': t1FromPairs(key, secret, [
        ['role', 'publisher'], ['session_id', sessionId], ['create_time', now], ['nonce', Math.random()],
      ]),
      'Python T1 (integer nonce)': t1FromPairs(key, secret, [
        ['session_id', sessionId], ['create_time', now], ['expire_time', now + 3600], ['role', 'subscriber'],
        ['nonce', crypto.randomInt(0, 999999)], ['initial_layout_class_list', ''], ['connection_data', data],
      ]),
      'Ruby JWT (no exp, typ first)': signJwt({ typ: 'JWT', alg: 'HS256' }, {
        iss: key, ist: 'project', iat: now, session_id: sessionId, nonce: Math.random(), role: 'publisher',
        scope: 'session.connect', connection_data: data,
      }, secret),
      'Python JWT (integer nonce)': signJwt({ alg: 'HS256', typ: 'JWT' }, {
        iss: key, ist: 'project', iat: now, exp: now + 86400, session_id: sessionId,
        nonce: crypto.randomInt(0, 999999), role: 'publisheronly', scope: 'session.connect',
        initial_layout_class_list: 'focus',
      }, secret),
    };
    for (const [name, token] of Object.entries(shapes)) {
      try {
        assertSessionInfo(await getSessionInfo(server.url, sessionId, token), { sessionId, apiKey: key, p2p, server });
      } catch (err) {
        err.message = `[${name}] ${err.message}`;
        throw err;
      }
    }
    // Ruby JWT without exp: 24 h from iat by default, so one issued 25 h ago is expired.
    const oldRuby = signJwt({ typ: 'JWT', alg: 'HS256' }, {
      iss: key, ist: 'project', iat: now - 25 * 3600, session_id: sessionId, nonce: Math.random(), role: 'publisher', scope: 'session.connect',
    }, secret);
    assertGsiError(await getSessionInfo(server.url, sessionId, oldRuby), 403);
  });

  test('Node SDK tokens with the maximum connection data (1024 chars) are accepted', T, async () => {
    const { sessionId, p2p } = sessions.routed;
    const data = 'd='.padEnd(1024, 'x');
    for (const t1 of [false, true]) {
      const token = ot.generateToken(sessionId, { data, initialLayoutClassList: ['a'.repeat(1000)] }, t1);
      const res = await getSessionInfo(server.url, sessionId, token);
      try {
        assertSessionInfo(res, { sessionId, apiKey: server.apiKey, p2p, server });
      } catch (err) {
        err.message = `[${t1 ? 'T1' : 'JWT'} with ${data.length}-char data] ${err.message}`;
        throw err;
      }
    }
  });

  test('session info through the OpenTok.js proxy path (anvil.opentok.com)', T, async () => {
    for (const { sessionId, p2p } of [sessions.routed, sessions.relayed]) {
      const token = ot.generateToken(sessionId, { role: 'publisher' });
      const res = await getSessionInfo(server.url, sessionId, token, { prefix: '/anvil.opentok.com' });
      assertSessionInfo(res, { sessionId, apiKey: server.apiKey, p2p, server, proxied: true });
    }
  });

  test('config service request through the proxy path → 200 JSON object', T, async () => {
    const token = ot.generateToken(sessions.routed.sessionId);
    const res = await request('GET', `${server.url}/config.opentok.com/project/${server.apiKey}/config.json`, {
      headers: { 'X-TB-TOKEN-AUTH': token, Accept: 'application/json' },
    });
    assert.equal(res.status, 200, res.describe());
    assert.equal(res.mediaType, 'application/json', res.describe());
    const body = res.json();
    assert.equal(typeof body, 'object');
    assert.ok(body !== null && !Array.isArray(body), `config must be a JSON object: ${res.body}`);
    if ('apiUrl' in body) assert.match(body.apiUrl, /^https?:\/\//, 'apiUrl in config must be a URL');
  });

  test('client logging posts through the proxy path → 2xx', T, async () => {
    for (const kind of ['ClientEvent', 'ClientQos']) {
      const res = await request('POST', `${server.url}/hlg.tokbox.com/prod/logging/${kind}`, {
        headers: { 'Content-Type': 'application/json', Accept: 'text/plain', Origin: ORIGIN },
        body: 'action=Connect&variation=Attempt&partnerId=' + server.apiKey + '&sessionId=' + sessions.routed.sessionId,
      });
      assert.ok(res.status >= 200 && res.status < 300, res.describe());
      const acao = res.headers['access-control-allow-origin'];
      assert.ok(acao === '*' || acao === ORIGIN, `logging response needs Access-Control-Allow-Origin: ${res.describe()}`);
    }
  });

  test('CORS: preflights for session info, config and logging; GET carries Allow-Origin', T, async () => {
    const { sessionId, p2p } = sessions.relayed;
    const gsiReq = ['x-opentok-auth', 'x-tb-version', 'x-tb-client-version', 'x-tb-connectionid'];
    for (const prefix of ['', '/anvil.opentok.com']) {
      const pre = await request('OPTIONS', `${server.url}${prefix}/session/${sessionId}?extended=true`, {
        headers: { Origin: ORIGIN, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': gsiReq.join(',') },
      });
      assertCorsPreflight(pre, gsiReq);
      const token = ot.generateToken(sessionId);
      const res = await request('GET', `${server.url}${prefix}/session/${sessionId}?extended=true`, {
        headers: { ...gsiHeaders(token), Origin: ORIGIN },
      });
      assertSessionInfo(res, { sessionId, apiKey: server.apiKey, p2p, server, proxied: prefix !== '' });
      const acao = res.headers['access-control-allow-origin'];
      assert.ok(acao === '*' || acao === ORIGIN, `GET session info Access-Control-Allow-Origin: ${acao}`);
    }
    const cfgPre = await request('OPTIONS', `${server.url}/config.opentok.com/project/${server.apiKey}/config.json`, {
      headers: { Origin: ORIGIN, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'x-tb-token-auth' },
    });
    assertCorsPreflight(cfgPre, ['x-tb-token-auth']);
    const logPre = await request('OPTIONS', `${server.url}/hlg.tokbox.com/prod/logging/ClientEvent`, {
      headers: { Origin: ORIGIN, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
    });
    assertCorsPreflight(logPre, ['content-type']);
  });

  test('session info: token signed with a wrong secret → error 403', T, async () => {
    const { sessionId } = sessions.routed;
    const forger = new OpenTok(server.apiKey, randomApiSecret(), { apiUrl: server.url });
    for (const t1 of [false, true]) {
      const token = forger.generateToken(sessionId, { role: 'moderator', data: 'name=bob' }, t1);
      assertGsiError(await getSessionInfo(server.url, sessionId, token), 403);
    }
  });

  test('session info: expired tokens → error 403 (crafted tokens are otherwise valid)', T, async () => {
    const { sessionId, p2p } = sessions.routed;
    const now = nowSeconds();
    // Positive controls: the hand-made tokens are accepted when not expired.
    const goodJwt = clientJwt(server.apiKey, server.apiSecret, sessionId, { role: 'subscriber' });
    assertSessionInfo(await getSessionInfo(server.url, sessionId, goodJwt), { sessionId, apiKey: server.apiKey, p2p, server });
    const goodT1 = clientT1(server.apiKey, server.apiSecret, sessionId, { role: 'subscriber' });
    assertSessionInfo(await getSessionInfo(server.url, sessionId, goodT1), { sessionId, apiKey: server.apiKey, p2p, server });

    const expiredJwt = clientJwt(server.apiKey, server.apiSecret, sessionId, {
      iat: now - 7200,
      create_time: now - 7200,
      exp: now - 3600,
      expire_time: now - 3600,
    });
    assertGsiError(await getSessionInfo(server.url, sessionId, expiredJwt), 403);
    const expiredT1 = clientT1(server.apiKey, server.apiSecret, sessionId, { create_time: now - 7200, expire_time: now - 3600 });
    assertGsiError(await getSessionInfo(server.url, sessionId, expiredT1), 403);
  });

  test('session info: tampered and malformed tokens → error 403', T, async () => {
    const { sessionId } = sessions.routed;
    const good = ot.generateToken(sessionId, { role: 'subscriber' });
    // Upgrade the role in the payload without re-signing.
    const [h, , s] = good.split('.');
    const payload = decodeJwt(good).payload;
    payload.role = 'moderator';
    const tampered = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
    assertGsiError(await getSessionInfo(server.url, sessionId, tampered), 403);
    // T1 with the data changed after signing.
    const t1 = decodeT1(ot.generateToken(sessionId, { role: 'subscriber' }, true));
    const forgedData = t1.data.replace('role=subscriber', 'role=moderator');
    const forgedT1 = 'T1==' + Buffer.from(`partner_id=${t1.partnerId}&sig=${t1.sig}:${forgedData}`).toString('base64');
    assertGsiError(await getSessionInfo(server.url, sessionId, forgedT1), 403);
    // alg "none"
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.`;
    assertGsiError(await getSessionInfo(server.url, sessionId, none), 403);
    // Unknown role, correctly signed.
    const badRole = clientJwt(server.apiKey, server.apiSecret, sessionId, { role: 'admin' });
    assertGsiError(await getSessionInfo(server.url, sessionId, badRole), 403);
    // Garbage.
    for (const garbage of ['garbage', 'T1==', 'T1==!!!notbase64', 'a.b.c', 'x'.repeat(10000)]) {
      assertGsiError(await getSessionInfo(server.url, sessionId, garbage), 403);
    }
  });

  test('session info: missing X-OPENTOK-AUTH is refused', T, async () => {
    const { sessionId } = sessions.routed;
    const res = await request('GET', `${server.url}/session/${sessionId}?extended=true`, {
      headers: { 'X-TB-VERSION': '1', 'X-TB-CLIENT-VERSION': 'js-2.35.2', 'X-TB-CONNECTIONID': crypto.randomUUID(), Accept: 'application/json' },
    });
    if (res.status === 200) assertGsiError(res, 403);
    else assert.ok(res.status === 401 || res.status === 403, `missing token must be refused: ${res.describe()}`);
  });

  test('project B survives a restart and its sessions still work', T, async () => {
    const token = otB.generateToken(sessionBFromFirstRun, { role: 'publisher' });
    assertSessionInfo(await getSessionInfo(server.url, sessionBFromFirstRun, token), {
      sessionId: sessionBFromFirstRun, apiKey: keyB, p2p: 'disabled', server,
    });
    const fresh = await createSession(otB, { mediaMode: 'routed' });
    assert.equal(decodeSessionId(fresh.sessionId)[1], keyB);
  });

  test('session info: token for a session of another project → error 403', T, async () => {
    const sB = (await createSession(otB, { mediaMode: 'routed' })).sessionId;
    // Valid for B (positive control).
    const okB = otB.generateToken(sB, { role: 'moderator' });
    assertSessionInfo(await getSessionInfo(server.url, sB, okB), { sessionId: sB, apiKey: keyB, p2p: 'disabled', server });
    // Issued and signed by project A, naming B's session.
    for (const token of [
      clientJwt(server.apiKey, server.apiSecret, sB, { role: 'moderator' }),
      clientT1(server.apiKey, server.apiSecret, sB, { role: 'moderator' }),
    ]) {
      assertGsiError(await getSessionInfo(server.url, sB, token), 403);
    }
    // B's valid token presented for A's session.
    assertGsiError(await getSessionInfo(server.url, sessions.routed.sessionId, okB), 403);
  });

  test("session info: token's session differs from the URL's session → error 403", T, async () => {
    const a = sessions.routed.sessionId;
    const b = sessions.relayed.sessionId;
    for (const t1 of [false, true]) {
      const tokenForA = ot.generateToken(a, { role: 'moderator' }, t1);
      assertGsiError(await getSessionInfo(server.url, b, tokenForA), 403);
    }
  });

  test('session info: unknown well-formed session id of the right project → error 404', T, async () => {
    const unknown = '1_' + Buffer.from(`1~${server.apiKey}~~${Date.now()}~abc~~`).toString('base64url');
    const token = ot.generateToken(unknown, { role: 'publisher' });
    assertGsiError(await getSessionInfo(server.url, unknown, token), 404);
    const unknown2 = craftSessionId(server.apiKey);
    assertGsiError(await getSessionInfo(server.url, unknown2, ot.generateToken(unknown2, {}, true)), 404);
  });

  test('REST auth: wrong secret and unknown API key make createSession fail with AuthError', T, async () => {
    const wrongSecret = new OpenTok(server.apiKey, 'wrongsecret', { apiUrl: server.url });
    await assert.rejects(createSession(wrongSecret, { mediaMode: 'routed' }), /Invalid API key or secret/);
    let unknownKey = randomApiKey();
    while (unknownKey === server.apiKey || unknownKey === keyB) unknownKey = randomApiKey();
    const unknown = new OpenTok(unknownKey, server.apiSecret, { apiUrl: server.url });
    await assert.rejects(createSession(unknown), /Invalid API key or secret/);
    // Project B's key with project A's secret.
    const crossed = new OpenTok(keyB, server.apiSecret, { apiUrl: server.url });
    await assert.rejects(createSession(crossed), /Invalid API key or secret/);
  });

  test('POST /session/create, Node flavour: exactly "Content-Type: application/json", array with session_id', T, async () => {
    const res = await postForm(server, 'archiveMode=manual&p2p.preference=disabled', sdkHeaders(server.apiKey, server.apiSecret));
    assert.equal(res.status, 200, res.describe());
    assert.equal(res.headers['content-type'], 'application/json', 'Python compares the Content-Type exactly');
    const body = res.json();
    assert.ok(Array.isArray(body) && body.length === 1, res.body);
    assert.equal(typeof body[0].session_id, 'string');
    assert.equal(decodeSessionId(body[0].session_id)[1], server.apiKey);
    const token = ot.generateToken(body[0].session_id);
    assertSessionInfo(await getSessionInfo(server.url, body[0].session_id, token), {
      sessionId: body[0].session_id, apiKey: server.apiKey, p2p: 'disabled', server,
    });
  });

  test('POST /session/create, Python flavour (jti, ist in payload, exp=iat+180, e2ee field)', T, async () => {
    const res = await postForm(server, 'archiveMode=manual&p2p.preference=enabled&e2ee=false', {
      'User-Agent': 'OpenTok-Python-SDK/3.13.0 python/3.11.2',
      Accept: 'application/json',
      'X-OPENTOK-AUTH': restJwt(server.apiKey, server.apiSecret, { style: 'python' }),
    });
    assert.equal(res.status, 200, res.describe());
    assert.equal(res.headers['content-type'], 'application/json');
    const sid = res.json()[0].session_id;
    assertSessionInfo(await getSessionInfo(server.url, sid, ot.generateToken(sid)), { sessionId: sid, apiKey: server.apiKey, p2p: 'enabled', server });
  });

  test('POST /session/create, Ruby flavour: Accept */*, ist in JWT header → text/xml', T, async () => {
    const res = await postForm(server, 'p2p.preference=disabled', {
      Accept: '*/*',
      'X-OPENTOK-AUTH': restJwt(server.apiKey, server.apiSecret, { style: 'ruby' }),
      'User-Agent': 'OpenTok-Ruby-SDK/4.13.0-Ruby-Version-3.2.2-p53',
    });
    assert.equal(res.status, 200, res.describe());
    assert.equal(res.mediaType, 'text/xml', res.describe());
    assert.match(res.body, /<sessions>\s*<Session>/, res.body);
    const sid = res.body.match(/<session_id>([^<]+)<\/session_id>/)?.[1];
    assert.ok(sid, `no session_id in ${res.body}`);
    assert.match(res.body, new RegExp(`<partner_id>${server.apiKey}</partner_id>`), res.body);
    assert.match(res.body, /<\/Session>\s*<\/sessions>/, res.body);
    // Accepted by the Node SDK's token generator, and routed as requested.
    const token = ot.generateToken(sid, { role: 'moderator' });
    assertSessionInfo(await getSessionInfo(server.url, sid, token), { sessionId: sid, apiKey: server.apiKey, p2p: 'disabled', server });
  });

  test('POST /session/create with e2ee=true is reported by session info', T, async () => {
    const res = await postForm(server, 'p2p.preference=disabled&e2ee=true', {
      Accept: 'application/json',
      'X-OPENTOK-AUTH': restJwt(server.apiKey, server.apiSecret, { style: 'python' }),
    });
    assert.equal(res.status, 200, res.describe());
    const sid = res.json()[0].session_id;
    assertSessionInfo(await getSessionInfo(server.url, sid, ot.generateToken(sid)), {
      sessionId: sid, apiKey: server.apiKey, p2p: 'disabled', server, e2ee: true,
    });
  });

  test('Vonage SDK quirks: location=null and an unknown p2p.preference are tolerated (docs/protocol.md §3.3)', T, async () => {
    const res = await postForm(server, 'location=null&p2p.preference=relayed', {
      Accept: 'application/json',
      'X-OPENTOK-AUTH': restJwt(server.apiKey, server.apiSecret),
    });
    assert.equal(res.status, 200, res.describe());
    const sid = res.json()[0].session_id;
    assert.equal(decodeSessionId(sid)[2], '', 'location=null means no location');
    // Unknown preference → the default (relayed).
    assertSessionInfo(await getSessionInfo(server.url, sid, ot.generateToken(sid)), { sessionId: sid, apiKey: server.apiKey, p2p: 'enabled', server });
  });
});
