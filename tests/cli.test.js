// The operator CLI `parley --data-dir DIR …`, alone and next to a running parleyd that
// shares the data directory.
import { describe, before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import OpenTok from 'opentok';

import {
  startParleyd,
  makeTempDir,
  removeDir,
  runCli,
  runCliJson,
  describeCli,
  getSessionInfo,
  decodeJwt,
  decodeT1,
  decodeSessionId,
  createSession,
  nowSeconds,
} from './lib/parleyd.js';

const T = { timeout: 30000 };
const HEX40 = /^[0-9a-f]{40}$/;

function gsiElement(res) {
  assert.equal(res.status, 200, res.describe());
  const body = res.json();
  assert.ok(Array.isArray(body) && body.length >= 1, res.body);
  return body[0];
}

function assertGsiOk(res, sessionId, apiKey, p2p) {
  const el = gsiElement(res);
  assert.equal(el.error, undefined, `unexpected error node: ${res.body}`);
  assert.equal(el.session_id, sessionId);
  assert.equal(el.partner_id, apiKey);
  assert.equal(el.properties?.p2p?.preference?.value, p2p, res.body);
}

function assertGsiError(res, code) {
  const el = gsiElement(res);
  assert.equal(el.error?.code, code, `expected error ${code}: ${res.body}`);
}

function assertFails(r, what) {
  assert.notEqual(r.code, 0, `${what} must fail: ${describeCli(r)}`);
  assert.equal(r.signal, null, `${what} must exit, not crash: ${describeCli(r)}`);
  assert.ok(r.stderr.trim().length > 0, `${what} must explain the failure on stderr: ${describeCli(r)}`);
  assert.doesNotMatch(r.stderr, /AddressSanitizer|LeakSanitizer|runtime error:/, describeCli(r));
}

function verifyJwtSignature(token, secret) {
  const [h, p, s] = token.split('.');
  const want = crypto.createHmac('sha256', secret).update(`${h}.${p}`).digest('base64url');
  return want === s;
}

describe('parley CLI', () => {
  let dir;
  let demo; // {apiKey, apiSecret, name}
  let other; // {apiKey, apiSecret}
  let server;
  const cliSessions = {}; // created before the server starts

  before(() => {
    dir = makeTempDir();
  });

  after(async () => {
    try {
      if (server) await server.stop();
    } finally {
      removeDir(dir);
    }
  });

  test('--help prints usage and exits 0', T, () => {
    const r = runCli(['--help']);
    assert.equal(r.code, 0, describeCli(r));
    const out = r.stdout + r.stderr;
    for (const word of ['project', 'session', 'token', '--data-dir', '--json']) {
      assert.ok(out.includes(word), `usage must mention ${word}: ${describeCli(r)}`);
    }
  });

  test('project create --name demo --json prints {apiKey, apiSecret, name}', T, () => {
    demo = runCliJson(['project', 'create', '--name', 'demo'], { dataDir: dir });
    assert.equal(typeof demo.apiKey, 'string', JSON.stringify(demo));
    assert.match(demo.apiKey, /^\d+$/, 'API keys are decimal strings');
    assert.match(demo.apiSecret, HEX40);
    assert.equal(demo.name, 'demo');
  });

  test('project create without --json prints human-readable text with the credentials', T, () => {
    const r = runCli(['project', 'create', '--name', 'other'], { dataDir: dir });
    assert.equal(r.code, 0, describeCli(r));
    assert.throws(() => JSON.parse(r.stdout), 'text output must not be JSON');
    const secret = r.stdout.match(/\b[0-9a-f]{40}\b/)?.[0];
    assert.ok(secret, `secret not printed: ${describeCli(r)}`);
    const list = runCliJson(['project', 'list'], { dataDir: dir });
    const entry = list.find((p) => p.name === 'other');
    assert.ok(entry, `project "other" not listed: ${JSON.stringify(list)}`);
    assert.ok(r.stdout.includes(entry.apiKey), `API key ${entry.apiKey} not printed: ${describeCli(r)}`);
    other = { apiKey: entry.apiKey, apiSecret: secret };
    assert.notEqual(other.apiKey, demo.apiKey);
    assert.notEqual(other.apiSecret, demo.apiSecret);
  });

  test('project list --json lists apiKey, name, createdAt and no secrets', T, () => {
    const r = runCli(['project', 'list', '--json'], { dataDir: dir });
    assert.equal(r.code, 0, describeCli(r));
    const list = JSON.parse(r.stdout);
    assert.ok(Array.isArray(list));
    assert.equal(list.length, 2, r.stdout);
    for (const p of list) {
      assert.equal(typeof p.apiKey, 'string');
      assert.equal(typeof p.name, 'string');
      assert.ok(p.createdAt !== undefined && p.createdAt !== null, `createdAt missing: ${JSON.stringify(p)}`);
      const t = typeof p.createdAt === 'number' ? p.createdAt : Date.parse(p.createdAt);
      assert.ok(Number.isFinite(t), `createdAt not a time: ${p.createdAt}`);
      const ms = t < 1e12 ? t * 1000 : t;
      assert.ok(Math.abs(Date.now() - ms) < 3600e3, `createdAt ${p.createdAt} is not recent`);
      assert.equal(p.apiSecret, undefined, 'secrets must not be listed');
    }
    assert.deepEqual(list.map((p) => p.apiKey).sort(), [demo.apiKey, other.apiKey].sort());
    assert.ok(!r.stdout.includes(demo.apiSecret) && !r.stdout.includes(other.apiSecret), 'secrets must not be listed');
    const text = runCli(['project', 'list'], { dataDir: dir });
    assert.equal(text.code, 0, describeCli(text));
    for (const s of [demo.apiKey, other.apiKey, 'demo', 'other']) assert.ok(text.stdout.includes(s), `text list must show ${s}: ${describeCli(text)}`);
    assert.ok(!text.stdout.includes(demo.apiSecret), 'secrets must not be listed');
  });

  test('session create with every option --json prints {sessionId}', T, () => {
    const mk = (args) => runCliJson(['session', 'create', '--project', demo.apiKey, ...args], { dataDir: dir }).sessionId;
    cliSessions.relayedDefault = mk([]);
    cliSessions.routed = mk(['--media-mode', 'routed']);
    cliSessions.relayed = mk(['--media-mode', 'relayed']);
    cliSessions.archived = mk(['--media-mode', 'routed', '--archive-mode', 'always']);
    cliSessions.located = mk(['--media-mode', 'routed', '--archive-mode', 'manual', '--location', '12.34.56.78']);
    cliSessions.e2ee = mk(['--media-mode', 'routed', '--e2ee']);
    for (const [name, sid] of Object.entries(cliSessions)) {
      assert.equal(typeof sid, 'string', name);
      const f = decodeSessionId(sid);
      assert.equal(f[1], demo.apiKey, `${name}: ${f.join('~')}`);
      assert.equal(f[2], name === 'located' ? '12.34.56.78' : '', `${name}: location field of ${f.join('~')}`);
    }
    // The Node SDK accepts them.
    const ot = new OpenTok(demo.apiKey, demo.apiSecret);
    for (const sid of Object.values(cliSessions)) assert.equal(typeof ot.generateToken(sid), 'string');
    // Text output carries the id too.
    const r = runCli(['session', 'create', '--project', demo.apiKey], { dataDir: dir });
    assert.equal(r.code, 0, describeCli(r));
    assert.throws(() => JSON.parse(r.stdout));
    assert.match(r.stdout, /\b[0-9]_[A-Za-z0-9_-]{20,}/, describeCli(r));
  });

  test('token create --json (jwt and t1) carries role, data, expiry and a valid signature', T, () => {
    const sid = cliSessions.routed;
    const expire = nowSeconds() + 7200;
    const base = ['token', 'create', '--session', sid, '--role', 'moderator', '--data', 'name=op', '--expire', String(expire)];
    const jwt = runCliJson([...base, '--format', 'jwt'], { dataDir: dir }).token;
    const { header, payload } = decodeJwt(jwt);
    assert.equal(header.alg, 'HS256');
    assert.ok(verifyJwtSignature(jwt, demo.apiSecret), 'JWT must be signed with the project secret');
    assert.equal(payload.iss, demo.apiKey);
    assert.equal(payload.session_id, sid);
    assert.equal(payload.role, 'moderator');
    assert.equal(payload.connection_data, 'name=op');
    assert.equal(payload.exp, expire);
    assert.equal(payload.scope, 'session.connect');

    const t1 = runCliJson([...base, '--format', 't1'], { dataDir: dir }).token;
    const d = decodeT1(t1);
    assert.equal(d.partnerId, demo.apiKey);
    assert.equal(d.sig, crypto.createHmac('sha1', demo.apiSecret).update(d.data).digest('hex'), 'T1 sig must be HMAC-SHA1 of the data');
    assert.equal(d.fields.session_id, sid);
    assert.equal(d.fields.role, 'moderator');
    assert.equal(d.fields.connection_data, 'name=op');
    assert.equal(Number(d.fields.expire_time), expire);

    // --layout sets the initial layout class list.
    const withLayout = runCliJson(['token', 'create', '--session', sid, '--layout', 'focus full'], { dataDir: dir }).token;
    assert.equal(decodeJwt(withLayout).payload.initial_layout_class_list, 'focus full');
    const t1Layout = decodeT1(runCliJson(['token', 'create', '--session', sid, '--layout', 'focus full', '--format', 't1'], { dataDir: dir }).token);
    assert.equal(t1Layout.fields.initial_layout_class_list, 'focus full');

    // Default format is a JWT; default role is publisher.
    const def = runCliJson(['token', 'create', '--session', sid], { dataDir: dir }).token;
    assert.equal(def.split('.').length, 3, `default token must be a JWT: ${def}`);
    assert.equal(decodeJwt(def).payload.role, 'publisher');

    const text = runCli(['token', 'create', '--session', sid], { dataDir: dir });
    assert.equal(text.code, 0, describeCli(text));
    assert.match(text.stdout, /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/, describeCli(text));
  });

  test('PARLEY_DATA_DIR selects the data directory when --data-dir is absent', T, () => {
    const list = runCliJson(['project', 'list'], { env: { PARLEY_DATA_DIR: dir } });
    assert.deepEqual(list.map((p) => p.apiKey).sort(), [demo.apiKey, other.apiKey].sort());
  });

  test('CLI usage errors exit non-zero with a message', T, () => {
    assertFails(runCli(['no-such-command'], { dataDir: dir }), 'unknown command');
    assertFails(runCli(['session', 'create', '--project', '99999999999'], { dataDir: dir }), 'session for unknown project');
    assertFails(runCli(['session', 'create', '--project', demo.apiKey, '--media-mode', 'relayed', '--archive-mode', 'always'], { dataDir: dir }), 'always-archived relayed session');
    assertFails(runCli(['session', 'create', '--project', demo.apiKey, '--media-mode', 'sideways'], { dataDir: dir }), 'bad media mode');
    assertFails(runCli(['session', 'create', '--project', demo.apiKey, '--location', 'not-an-ip'], { dataDir: dir }), 'bad location');
    assertFails(runCli(['token', 'create', '--session', 'garbage'], { dataDir: dir }), 'token for garbage session');
    assertFails(runCli(['token', 'create', '--session', cliSessions.routed, '--role', 'admin'], { dataDir: dir }), 'bad role');
    assertFails(runCli(['token', 'create', '--session', cliSessions.routed, '--expire', String(nowSeconds() - 10)], { dataDir: dir }), 'expiry in the past');
    assertFails(runCli(['token', 'create', '--session', cliSessions.routed, '--format', 'xml'], { dataDir: dir }), 'bad token format');
    assertFails(runCli(['project', 'rotate-secret', '--project', '99999999999'], { dataDir: dir }), 'rotate unknown project');
    assertFails(runCli(['token', 'create', '--session', cliSessions.routed, '--expires', '1'], { dataDir: dir }), 'misspelt option');
    // Nothing was added by the failures.
    assert.equal(runCliJson(['project', 'list'], { dataDir: dir }).length, 2);
  });

  test('parleyd on the same data dir accepts CLI projects, sessions and tokens', T, async () => {
    server = await startParleyd({ apiKey: null, apiSecret: null, dataDir: dir });
    assert.doesNotMatch(server.stdout, /API secret:/, 'no new project may be created when projects exist');
    const p2pOf = { relayedDefault: 'enabled', routed: 'disabled', relayed: 'enabled', archived: 'disabled', located: 'disabled', e2ee: 'disabled' };
    for (const [name, sid] of Object.entries(cliSessions)) {
      for (const format of ['jwt', 't1']) {
        const { token } = runCliJson(['token', 'create', '--session', sid, '--role', 'moderator', '--data', 'name=op', '--expire', String(nowSeconds() + 600), '--format', format], { dataDir: dir });
        const res = await getSessionInfo(server.url, sid, token);
        try {
          assertGsiOk(res, sid, demo.apiKey, p2pOf[name]);
          assert.equal(res.json()[0].properties.e2ee, name === 'e2ee', `properties.e2ee: ${res.body}`);
        } catch (err) {
          err.message = `[${name} ${format}] ${err.message}`;
          throw err;
        }
      }
    }
    // A session created by the CLI while the server runs is known to it.
    const live = runCliJson(['session', 'create', '--project', other.apiKey, '--media-mode', 'routed'], { dataDir: dir }).sessionId;
    const { token } = runCliJson(['token', 'create', '--session', live], { dataDir: dir });
    assertGsiOk(await getSessionInfo(server.url, live, token), live, other.apiKey, 'disabled');
    // CLI credentials work for REST.
    const ot = new OpenTok(other.apiKey, other.apiSecret, { apiUrl: server.url });
    const s = await createSession(ot, { mediaMode: 'routed' });
    const cliToken = runCliJson(['token', 'create', '--session', s.sessionId, '--format', 't1'], { dataDir: dir }).token;
    assertGsiOk(await getSessionInfo(server.url, s.sessionId, cliToken), s.sessionId, other.apiKey, 'disabled');
  });

  test('project rotate-secret: old credentials rejected by the running server, new accepted', T, async () => {
    assert.ok(server, 'previous test must have started the server');
    const oldOt = new OpenTok(demo.apiKey, demo.apiSecret, { apiUrl: server.url });
    const sid = (await createSession(oldOt, { mediaMode: 'routed' })).sessionId;
    const oldToken = oldOt.generateToken(sid, { role: 'publisher' });
    assertGsiOk(await getSessionInfo(server.url, sid, oldToken), sid, demo.apiKey, 'disabled');

    const rotated = runCliJson(['project', 'rotate-secret', '--project', demo.apiKey], { dataDir: dir });
    assert.equal(rotated.apiKey, demo.apiKey);
    assert.match(rotated.apiSecret, HEX40);
    assert.notEqual(rotated.apiSecret, demo.apiSecret);

    await assert.rejects(createSession(oldOt, { mediaMode: 'routed' }), /Invalid API key or secret/, 'old REST credentials must be rejected');
    assertGsiError(await getSessionInfo(server.url, sid, oldOt.generateToken(sid)), 403);

    const newOt = new OpenTok(demo.apiKey, rotated.apiSecret, { apiUrl: server.url });
    const sid2 = (await createSession(newOt, { mediaMode: 'relayed' })).sessionId;
    assertGsiOk(await getSessionInfo(server.url, sid2, newOt.generateToken(sid2)), sid2, demo.apiKey, 'enabled');
    assertGsiOk(await getSessionInfo(server.url, sid, newOt.generateToken(sid, {}, true)), sid, demo.apiKey, 'disabled');
    // CLI tokens now use the new secret.
    const cliJwt = runCliJson(['token', 'create', '--session', sid], { dataDir: dir }).token;
    assert.ok(verifyJwtSignature(cliJwt, rotated.apiSecret));
    // The other project is untouched.
    const otherOt = new OpenTok(other.apiKey, other.apiSecret, { apiUrl: server.url });
    await createSession(otherOt);
    demo.apiSecret = rotated.apiSecret;
  });
});
