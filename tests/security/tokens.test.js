// Attack suite: the token matrix. Forged, tampered, expired, misdirected and oversized client
// tokens on the Rumor connect, and the same family of REST JWTs on the live-session REST API.
// Every attempt must be refused, and the victim (a moderator in the session) must be unharmed:
// parleyd healthy, the victim's socket open and working, nothing announced or delivered.
import { describe, before, after, afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto, { randomUUID } from 'node:crypto';

import { nowSeconds, request, craftSessionId } from '../lib/parleyd.js';
import {
  startServer, twoProjectDir, rumorFixture, assertVictimUnharmed, isMsg,
} from './lib/harness.js';
import {
  hmacJwt, clientClaims, clientToken, withPayload, withHeader, flipSignature, tamperT1, forgedT1, clientT1, restToken,
} from './lib/tokens.js';

const T = { timeout: 30000 };
const randomSecret = () => crypto.randomBytes(20).toString('hex');

describe('attack: token matrix', () => {
  let projects;
  let server;
  let fxA;
  let fxB;

  before(async () => {
    projects = twoProjectDir();
    server = await startServer({ dataDir: projects.dir, apiKey: null, apiSecret: null });
    fxA = rumorFixture(server, projects.a);
    fxB = rumorFixture(server, projects.b);
  });
  afterEach(async () => {
    await fxA?.closeClients();
    await fxB?.closeClients();
  });
  after(async () => {
    await fxA?.closeClients();
    await fxB?.closeClients();
    await server?.stop();
  });

  // A session of project A with a moderator (the victim) and a publisher (its peer).
  async function scene() {
    const sid = await fxA.session();
    const victim = await fxA.join(sid, { role: 'moderator', data: 'victim' });
    const peer = await fxA.join(sid, { data: 'peer' });
    await victim.waitForMessage('created', `/connection/${peer.connectionId}`);
    return { sid, victim, peer };
  }

  // ------------------------------------------------------------------ Rumor connect

  const A = () => projects.a;
  const B = () => projects.b;
  const now = () => nowSeconds();

  // Each case returns {token, sessionId?, partner?} for the scene's session of project A.
  const connectCases = {
    'garbage': () => ({ token: 'T1==bm90IGEgdG9rZW4=' }),
    'empty token': () => ({ token: '' }),
    'JWT with a forged signature (one character changed)': ({ sid }) => ({ token: flipSignature(clientToken(A().apiKey, A().apiSecret, sid, { role: 'moderator' })) }),
    'JWT with its signature removed': ({ sid }) => ({ token: clientToken(A().apiKey, A().apiSecret, sid, { role: 'moderator' }).replace(/\.[^.]*$/, '.') }),
    'JWT signed with a wrong secret': ({ sid }) => ({ token: clientToken(A().apiKey, randomSecret(), sid, { role: 'moderator' }) }),
    'JWT signed with an empty secret': ({ sid }) => ({ token: clientToken(A().apiKey, '', sid, { role: 'moderator' }) }),
    'T1 signed with a wrong secret': ({ sid }) => ({ token: clientT1(A().apiKey, randomSecret(), sid, { role: 'moderator' }) }),
    'T1 with a random signature': ({ sid }) => ({ token: forgedT1(A().apiKey, sid) }),
    'expired JWT': ({ sid }) => ({ token: clientToken(A().apiKey, A().apiSecret, sid, { iat: now() - 7200, create_time: now() - 7200, exp: now() - 600, expire_time: now() - 600 }) }),
    'expired T1': ({ sid }) => ({ token: clientT1(A().apiKey, A().apiSecret, sid, { create_time: now() - 7200, expire_time: now() - 600 }) }),
    'JWT valid for a century': ({ sid }) => ({ token: clientToken(A().apiKey, A().apiSecret, sid, { exp: now() + 100 * 365 * 86400, expire_time: now() + 100 * 365 * 86400 }) }),
    'JWT created in the future': ({ sid }) => ({ token: clientToken(A().apiKey, A().apiSecret, sid, { iat: now() + 86400, create_time: now() + 86400, exp: now() + 2 * 86400, expire_time: now() + 2 * 86400 }) }),
    'token for another session of the same project': async () => {
      const other = await fxA.session();
      return { token: fxA.token(other, 'moderator') };
    },
    'project B token for its own session, used on A\'s session': async () => {
      const other = await fxB.session();
      return { token: fxB.token(other, 'moderator') };
    },
    'project B token for its own session, URI partner B with A\'s session id': async ({ sid }) => {
      const other = await fxB.session();
      return { token: fxB.token(other, 'moderator'), partner: B().apiKey, sessionId: sid };
    },
    'JWT naming A\'s session, issued and signed by project B': ({ sid }) => ({ token: clientToken(B().apiKey, B().apiSecret, sid, { role: 'moderator' }), partner: B().apiKey }),
    'JWT naming project A, signed with project B\'s secret': ({ sid }) => ({ token: clientToken(A().apiKey, B().apiSecret, sid, { role: 'moderator' }) }),
    'T1 naming project A, signed with project B\'s secret': ({ sid }) => ({ token: clientT1(A().apiKey, B().apiSecret, sid, { role: 'moderator' }) }),
    'valid token of A, URI partner B': ({ sid }) => ({ token: fxA.token(sid, 'moderator'), partner: B().apiKey }),
    'unknown project (well-formed, self-signed)': () => {
      const key = String(10000000 + crypto.randomInt(0, 89999999));
      const secret = randomSecret();
      const sid = craftSessionId(key);
      return { token: clientToken(key, secret, sid, { role: 'moderator' }), partner: key, sessionId: sid };
    },
    'alg none, no signature': ({ sid }) => ({ token: hmacJwt({ alg: 'none', typ: 'JWT' }, clientClaims(A().apiKey, sid, { role: 'moderator' }), null) }),
    'alg None (capitalised), no signature': ({ sid }) => ({ token: hmacJwt({ alg: 'None', typ: 'JWT' }, clientClaims(A().apiKey, sid, { role: 'moderator' }), null) }),
    'alg NONE with an HS256 signature': ({ sid }) => ({ token: withHeader(clientToken(A().apiKey, A().apiSecret, sid, { role: 'moderator' }), { alg: 'NONE', typ: 'JWT' }) }),
    'no alg at all': ({ sid }) => ({ token: clientToken(A().apiKey, A().apiSecret, sid, { role: 'moderator' }, { header: { typ: 'JWT' } }) }),
    'HS512 signed with the right secret': ({ sid }) => ({ token: clientToken(A().apiKey, A().apiSecret, sid, { role: 'moderator' }, { header: { alg: 'HS512', typ: 'JWT' }, hash: 'sha512' }) }),
    'HS384 signed with the right secret': ({ sid }) => ({ token: clientToken(A().apiKey, A().apiSecret, sid, { role: 'moderator' }, { header: { alg: 'HS384', typ: 'JWT' }, hash: 'sha384' }) }),
    'RS256 header over an HMAC-SHA256 signature (algorithm confusion)': ({ sid }) => ({ token: clientToken(A().apiKey, A().apiSecret, sid, { role: 'moderator' }, { header: { alg: 'RS256', typ: 'JWT' } }) }),
    'ES256 header with a kid and jku pointing elsewhere': ({ sid }) => ({ token: clientToken(A().apiKey, A().apiSecret, sid, { role: 'moderator' }, { header: { alg: 'ES256', kid: '../../../../dev/null', jku: 'http://127.0.0.1:1/keys' } }) }),
    'JWT role tampering: subscriber → moderator, signature kept': ({ sid }) => ({ token: withPayload(fxA.token(sid, 'subscriber'), (p) => ({ ...p, role: 'moderator' })) }),
    'JWT session tampering: session_id replaced, signature kept': async ({ sid }) => {
      const other = await fxA.session();
      return { token: withPayload(fxA.token(other, 'moderator'), (p) => ({ ...p, session_id: sid })) };
    },
    'JWT expiry tampering: exp pushed back, signature kept': ({ sid }) => ({ token: withPayload(clientToken(A().apiKey, A().apiSecret, sid, { iat: now() - 7200, create_time: now() - 7200, exp: now() - 600, expire_time: now() - 600 }), (p) => ({ ...p, exp: now() + 3600, expire_time: now() + 3600 })) }),
    'T1 role tampering: subscriber → moderator, signature kept': ({ sid }) => ({ token: tamperT1(fxA.ot.generateToken(sid, { role: 'subscriber' }, true), (d) => d.replace('role=subscriber', 'role=moderator')) }),
    'T1 with a second role field appended': ({ sid }) => ({ token: tamperT1(fxA.ot.generateToken(sid, { role: 'subscriber' }, true), (d) => `${d}&role=moderator`) }),
    'scope other than session.connect': ({ sid }) => ({ token: clientToken(A().apiKey, A().apiSecret, sid, { role: 'moderator', scope: 'session.admin' }) }),
    'unknown role name': ({ sid }) => ({ token: clientToken(A().apiKey, A().apiSecret, sid, { role: 'admin' }) }),
    'oversize JWT (40 KB, correctly signed)': ({ sid }) => ({ token: clientToken(A().apiKey, A().apiSecret, sid, { role: 'moderator', pad: 'x'.repeat(40000) }) }),
    'oversize garbage (60 KB)': () => ({ token: 'e'.repeat(60000) }),
    'JSON bomb in the payload (5000 nested arrays, correctly signed)': () => {
      const h = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
      const p = Buffer.from(`{"iss":"${A().apiKey}","a":${'['.repeat(5000)}${']'.repeat(5000)}}`).toString('base64url');
      const sig = crypto.createHmac('sha256', A().apiSecret).update(`${h}.${p}`).digest('base64url');
      return { token: `${h}.${p}.${sig}` };
    },
  };

  for (const [name, make] of Object.entries(connectCases)) {
    test(`Rumor connect refused: ${name}`, T, async () => {
      const { sid, victim, peer } = await scene();
      const { token, sessionId = sid, partner = A().apiKey } = await make({ sid });
      const attacker = await fxA.open();
      const reply = await attacker.join({ apiKey: partner, sessionId, token });
      assert.notEqual(reply.status, 200, `connect must be refused: ${JSON.stringify(reply.payload)}`);
      assert.ok([400, 403, 404].includes(reply.status), `refusal status ${reply.status}: ${JSON.stringify(reply.payload)}`);
      assert.equal(typeof reply.payload?.reason, 'string', `a refusal carries a reason: ${reply.frame.payload}`);
      assert.equal(attacker.received('created').length, 0, 'a refused client gets no `created`');
      // Nothing the refused socket asks is executed.
      const vUri = `/v2/partner/${A().apiKey}/session/${sid}`;
      const tries = [
        ['signal', `${vUri}/signal/${randomUUID()}`, { type: 'attack', data: 'x' }],
        ['delete', `${vUri}/connection/${victim.connectionId}`, {}],
        ['update', vUri, { reason: 'mute', active: true, channels: ['audio'], exclusion: [] }],
      ];
      Object.assign(attacker, { apiKey: A().apiKey, sessionId: sid });
      for (const [method, uri, content] of tries) {
        if (attacker.closeCode !== undefined) break;
        const r = await attacker.request(method, uri, content);
        assert.ok(r.status >= 400, `${method} ${uri} from a refused socket → ${r.status}`);
      }
      await assertVictimUnharmed(fxA, victim, { peer, what: 'victim' });
      assert.equal(victim.received('created', `/connection/${attacker.connectionId}`).length, 0, 'the refused connection was announced');
      assert.equal(victim.frames.filter((f) => isMsg('signal')(f) && f.raptor.content.type === 'attack').length, 0, 'a refused socket delivered a signal');
      assert.equal(victim.received('update', '').length, 0, 'a refused socket muted the session');
      assert.equal(victim.received('deleted').length, 0, 'something was deleted');
    });
  }

  test('positive control: the real token of each role connects (the matrix could fail)', T, async () => {
    const { sid, victim } = await scene();
    for (const role of ['subscriber', 'publisher', 'publisheronly', 'moderator']) {
      const c = await fxA.join(sid, { role, token: fxA.token(sid, role) });
      await victim.waitForMessage('created', `/connection/${c.connectionId}`);
    }
    const t1 = await fxA.join(sid, { token: fxA.ot.generateToken(sid, { role: 'subscriber' }, true) });
    await victim.waitForMessage('created', `/connection/${t1.connectionId}`);
  });

  // ------------------------------------------------------------------ REST

  // Live-session REST calls on the scene's session; each would visibly touch the victim.
  function restAttacks(sid, victim, urlKey = A().apiKey) {
    const base = `${server.url}/v2/project/${urlKey}/session/${sid}`;
    return [
      ['POST', `${base}/signal`, JSON.stringify({ type: 'restattack', data: 'x' })],
      ['POST', `${base}/connection/${victim.connectionId}/signal`, JSON.stringify({ type: 'restattack', data: 'x' })],
      ['POST', `${base}/mute`, JSON.stringify({ active: true })],
      ['DELETE', `${base}/connection/${victim.connectionId}`, undefined],
      ['GET', `${base}/stream`, undefined],
      // Project-level (not session-level) only for A: B may of course list its own callbacks.
      ...(urlKey === A().apiKey ? [['GET', `${server.url}/v2/project/${urlKey}/callback`, undefined]] : []),
    ];
  }

  async function restRefused({ sid, victim, peer }, auth, { urlKey, statuses = [401, 403] } = {}) {
    for (const [method, url, body] of restAttacks(sid, victim, urlKey)) {
      const headers = { 'Content-Type': 'application/json' };
      if (auth !== undefined) headers['X-OPENTOK-AUTH'] = auth;
      const res = await request(method, url, { headers, body });
      assert.ok(statuses.includes(res.status), `${method} ${url} must be refused (${statuses}): ${res.describe()}`);
    }
    await assertVictimUnharmed(fxA, victim, { peer, what: 'victim' });
    assert.equal(victim.frames.filter((f) => isMsg('signal')(f) && f.raptor.content.type === 'restattack').length, 0, 'a refused REST call delivered a signal');
    assert.equal(victim.received('update').length, 0, 'a refused REST call muted the session');
    assert.equal(victim.received('deleted').length, 0, 'a refused REST call deleted something');
  }

  const restCases = {
    'no X-OPENTOK-AUTH': () => undefined,
    'forged signature': () => flipSignature(restToken(A().apiKey, A().apiSecret)),
    'wrong secret': () => restToken(A().apiKey, randomSecret()),
    'expired': () => restToken(A().apiKey, A().apiSecret, { iat: now() - 1000, exp: now() - 700 }),
    'lifetime of a day': () => restToken(A().apiKey, A().apiSecret, { exp: now() + 86400 }),
    'alg none': () => hmacJwt({ alg: 'none', typ: 'JWT' }, { iss: A().apiKey, ist: 'project', iat: now(), exp: now() + 300 }, null),
    'HS512 with the right secret': () => restToken(A().apiKey, A().apiSecret, {}, { header: { alg: 'HS512', typ: 'JWT' }, hash: 'sha512' }),
    'RS256 header over an HMAC signature': () => restToken(A().apiKey, A().apiSecret, {}, { header: { alg: 'RS256', typ: 'JWT' } }),
    'iss tampered to another project, signature kept': () => withPayload(restToken(B().apiKey, B().apiSecret), (p) => ({ ...p, iss: A().apiKey })),
    'ist "account"': () => restToken(A().apiKey, A().apiSecret, { ist: 'account' }),
    'A\'s key signed with B\'s secret': () => restToken(A().apiKey, B().apiSecret),
    'project B\'s valid credentials (cross-project)': () => restToken(B().apiKey, B().apiSecret),
    'a client token of the session (the Node SDK\'s, subscriber, 4-minute expiry)': ({ sid }) =>
      fxA.ot.generateToken(sid, { role: 'subscriber', expireTime: now() + 240 }),
    'a client token with iss/ist/iat/exp like a REST JWT plus session claims': ({ sid }) =>
      clientToken(A().apiKey, A().apiSecret, sid, { role: 'subscriber', exp: now() + 240, expire_time: now() + 240 }),
  };

  for (const [name, make] of Object.entries(restCases)) {
    test(`REST refused: ${name}`, T, async () => {
      const sc = await scene();
      await restRefused(sc, make(sc));
    });
  }

  test('REST refused: oversize X-OPENTOK-AUTH (100 KB) → 431 or 4xx, server unharmed', T, async () => {
    const sc = await scene();
    await restRefused(sc, 'e'.repeat(100000), { statuses: [400, 401, 403, 413, 431] });
  });

  test('REST cross-project: B\'s credentials with B in the URL on A\'s session, stream and connection → 403', T, async () => {
    const sc = await scene();
    const streamId = await fxA.publish(sc.peer);
    await sc.victim.waitForMessage('created', `/stream/${streamId}`);
    const auth = restToken(B().apiKey, B().apiSecret);
    await restRefused(sc, auth, { urlKey: B().apiKey, statuses: [403, 404] });
    const base = `${server.url}/v2/project/${B().apiKey}/session/${sc.sid}`;
    for (const [method, url, body] of [
      ['GET', `${base}/stream/${streamId}`],
      ['POST', `${base}/stream/${streamId}/mute`, '{}'],
      ['PUT', `${base}/stream`, JSON.stringify({ items: [{ id: streamId, layoutClassList: ['pwned'] }] })],
      ['GET', `${base}/media`],
    ]) {
      const res = await request(method, url, { headers: { 'X-OPENTOK-AUTH': auth, 'Content-Type': 'application/json' }, body });
      assert.ok([403, 404].includes(res.status), `${method} ${url}: ${res.describe()}`);
      assert.ok(!res.body.includes(streamId) || res.status !== 200, 'B learned about A\'s stream');
    }
    // The session info (GSI) of A's session with B's client token is refused too.
    const other = await fxB.session();
    const gsi = await request('GET', `${server.url}/session/${sc.sid}?extended=true`, { headers: { 'X-OPENTOK-AUTH': fxB.token(other), 'X-TB-VERSION': '1', Accept: 'application/json' } });
    // GSI answers errors as a 200 with [{error: {code}}] (what OpenTok.js expects).
    const refusedGsi = gsi.status >= 400 || gsi.json()?.[0]?.error?.code >= 400;
    assert.ok(refusedGsi, `GSI of A's session with B's token: ${gsi.describe()}`);
    assert.ok(!gsi.body.includes('messaging_url') && !gsi.body.includes('media_server_url'), `GSI leaked session info: ${gsi.body.slice(0, 300)}`);
    const layout = await request('GET', `${server.url}/v2/project/${A().apiKey}/session/${sc.sid}/stream/${streamId}`, { headers: { 'X-OPENTOK-AUTH': restToken(A().apiKey, A().apiSecret) } });
    assert.equal(layout.status, 200, layout.describe());
    assert.ok(!layout.body.includes('pwned'), `B changed A's layout classes: ${layout.body}`);
    await assertVictimUnharmed(fxA, sc.victim, { peer: sc.peer });
    assert.equal(sc.peer.received('update', `/stream/${streamId}`).length, 0, 'B muted A\'s stream');
  });

  test('REST positive control: A\'s own REST JWT signals the victim (the REST matrix could fail)', T, async () => {
    const { sid, victim } = await scene();
    const res = await request('POST', `${server.url}/v2/project/${A().apiKey}/session/${sid}/connection/${victim.connectionId}/signal`, {
      headers: { 'X-OPENTOK-AUTH': restToken(A().apiKey, A().apiSecret), 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'control', data: 'x' }),
    });
    assert.equal(res.status, 204, res.describe());
    await victim.waitFor((f) => isMsg('signal')(f) && f.raptor.content.type === 'control', { what: 'the REST signal' });
  });
});
