// The operator CLI `parley --data-dir DIR …`, alone and next to a running parleyd that
// shares the data directory.
import { describe, before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import OpenTok from 'opentok';

import {
  startParleyd,
  makeTempDir,
  removeDir,
  cliPath,
  sanitizerEnv,
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

  test('video codec: project create/set-codec and session create --video-codec reach session info\'s priorityVideoCodec', T, async () => {
    assert.ok(server, 'an earlier test must have started the server');
    const priority = async (sid) => {
      const { token } = runCliJson(['token', 'create', '--session', sid], { dataDir: dir });
      const el = gsiElement(await getSessionInfo(server.url, sid, token));
      return el.properties.priorityVideoCodec;
    };
    const routed = (project, ...more) => runCliJson(['session', 'create', '--project', project, '--media-mode', 'routed', ...more], { dataDir: dir }).sessionId;
    const h264 = runCliJson(['project', 'create', '--name', 'safari-first', '--video-codec', 'H264'], { dataDir: dir });
    assert.equal(h264.videoCodec, 'h264');
    const before = routed(h264.apiKey);
    assert.equal(await priority(before), 'h264');
    assert.equal(await priority(routed(h264.apiKey, '--video-codec', 'vp9')), 'vp9', 'the session\'s own codec wins');
    assert.deepEqual(runCliJson(['project', 'set-codec', '--project', h264.apiKey, '--video-codec', 'default'], { dataDir: dir }),
      { apiKey: h264.apiKey, videoCodec: '' });
    assert.equal(await priority(routed(h264.apiKey)), 'vp8', 'back to the server\'s --video-codec');
    assert.equal(await priority(before), 'h264', 'a session keeps the codec it was created with');
    const listed = runCliJson(['project', 'list'], { dataDir: dir }).find((p) => p.apiKey === h264.apiKey);
    assert.equal(listed.videoCodec, '');
    // Wrong names change nothing.
    assertFails(runCli(['project', 'set-codec', '--project', h264.apiKey, '--video-codec', 'theora'], { dataDir: dir }), 'an unknown codec');
    assertFails(runCli(['project', 'set-codec', '--project', '99999999', '--video-codec', 'vp8'], { dataDir: dir }), 'an unknown project');
    assertFails(runCli(['session', 'create', '--project', h264.apiKey, '--video-codec', 'av1'], { dataDir: dir }), 'a session with an unknown codec');
    assert.equal(runCliJson(['project', 'list'], { dataDir: dir }).find((p) => p.apiKey === h264.apiKey).videoCodec, '');
  });
});

// ---------------------------------------------------------------------------------------
// parley archive: archives recorded by a running parleyd (started and stopped through the
// official Node SDK), read, copied out and deleted by the CLI on the same data directory.

const sdkCall = (ot, method, ...args) =>
  new Promise((resolve, reject) => ot[method](...args, (err, value) => (err ? reject(err) : resolve(value))));

// Polls the SDK until the archive has `status`; a packaged archive becomes available soon
// after it stops, but a busy machine may take a while.
async function waitArchiveStatus(ot, id, status, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await sdkCall(ot, 'getArchive', id);
    if (last.status === status) return last;
    if (last.status === 'failed') throw new Error(`archive ${id} failed: ${last.reason}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`archive ${id} is still ${last?.status} after ${timeoutMs} ms, expected ${status}`);
}

// The CLI run from `cwd` (where `archive download` writes by default).
function runCliIn(cwd, args, dataDir) {
  const full = ['--data-dir', dataDir, ...args];
  const r = spawnSync(cliPath(), full, { cwd, env: { ...process.env, ...sanitizerEnv() }, encoding: 'utf8', timeout: 30000 });
  if (r.error) throw r.error;
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, args: full };
}

describe('parley archive', () => {
  let server;
  let ot;
  let dataDir;
  let work; // the CLI's working directory for downloads
  let done; // available archive
  let running; // started archive (another session)
  let doneSession;

  const cli = (args) => runCli(args, { dataDir });
  const cliJson = (args) => runCliJson(args, { dataDir });
  const zipOf = (id) => path.join(dataDir, 'archives', `${id}.zip`);

  before(async () => {
    server = await startParleyd();
    dataDir = server.dataDir;
    work = makeTempDir('parley-cli-archive-');
    ot = new OpenTok(server.apiKey, server.apiSecret, { apiUrl: server.url });
    doneSession = (await createSession(ot, { mediaMode: 'routed' })).sessionId;
    const runningSession = (await createSession(ot, { mediaMode: 'routed' })).sessionId;
    const first = await sdkCall(ot, 'startArchive', doneSession, { name: 'finished', outputMode: 'individual' });
    await sdkCall(ot, 'stopArchive', first.id);
    done = await waitArchiveStatus(ot, first.id, 'available');
    // Created after the first one: it lists first.
    running = await sdkCall(ot, 'startArchive', runningSession, { name: 'running', outputMode: 'individual' });
  });

  after(async () => {
    try {
      await server?.stop();
    } finally {
      if (work) removeDir(work);
    }
  });

  test('list: newest first, total count, session filter, pages, a human table', T, () => {
    const all = cliJson(['archive', 'list', '--project', server.apiKey]);
    assert.equal(all.count, 2, JSON.stringify(all));
    assert.deepEqual(all.items.map((a) => a.id), [running.id, done.id]);
    const [r, d] = all.items;
    assert.equal(r.status, 'started');
    assert.equal(r.name, 'running');
    assert.equal(d.status, 'available');
    assert.equal(d.sessionId, doneSession);
    assert.equal(d.outputMode, 'individual');
    assert.equal(d.createdAt, done.createdAt);
    assert.equal(d.size, done.size);
    assert.equal(d.url, null, 'the CLI hands out no signed link');
    assert.equal(String(d.projectId), server.apiKey);

    const filtered = cliJson(['archive', 'list', '--project', server.apiKey, '--session', doneSession]);
    assert.equal(filtered.count, 1);
    assert.deepEqual(filtered.items.map((a) => a.id), [done.id]);
    const second = cliJson(['archive', 'list', '--project', server.apiKey, '--offset', '1', '--count', '1']);
    assert.equal(second.count, 2, 'count is the total, not the page');
    assert.deepEqual(second.items.map((a) => a.id), [done.id]);

    const text = cli(['archive', 'list', '--project', server.apiKey]);
    assert.equal(text.code, 0, describeCli(text));
    const lines = text.stdout.trim().split('\n');
    assert.match(lines[0], /ID\s+STATUS\s+CREATED\s+DURATION\s+SIZE\s+SESSION/, describeCli(text));
    assert.ok(lines[1].startsWith(running.id) && /\bstarted\b/.test(lines[1]), describeCli(text));
    assert.ok(lines[2].startsWith(done.id) && /\bavailable\b/.test(lines[2]) && lines[2].endsWith(doneSession), describeCli(text));
    assert.match(lines[2], new RegExp(new Date(done.createdAt).toISOString().slice(0, 19)), 'creation time in UTC');

    // Another project sees none of them.
    const other = runCliJson(['project', 'create', '--name', 'other'], { dataDir });
    assert.deepEqual(cliJson(['archive', 'list', '--project', other.apiKey]), { count: 0, items: [] });
    assertFails(cli(['archive', 'list', '--project', '99999999999']), 'list of an unknown project');
    for (const bad of [['--count', '0'], ['--count', '1001'], ['--offset', '-1'], ['--count', '5x']]) {
      const res = cli(['archive', 'list', '--project', server.apiKey, ...bad]);
      assertFails(res, `list ${bad.join(' ')}`);
      assert.equal(res.code, 2, describeCli(res));
    }
  });

  test('get: the archive JSON the REST API reports; unknown and malformed ids refused', T, async () => {
    const got = cliJson(['archive', 'get', '--project', server.apiKey, '--id', done.id]);
    const viaSdk = await sdkCall(ot, 'getArchive', done.id);
    for (const field of ['id', 'status', 'name', 'sessionId', 'createdAt', 'size', 'duration', 'outputMode', 'hasAudio', 'hasVideo']) {
      assert.equal(got[field], viaSdk[field], `${field}: ${JSON.stringify(got)}`);
    }
    const text = cli(['archive', 'get', '--project', server.apiKey, '--id', done.id]);
    assert.equal(text.code, 0, describeCli(text));
    assert.match(text.stdout, new RegExp(`id: ${done.id}\\nstatus: available\\n`), describeCli(text));

    const unknown = cli(['archive', 'get', '--project', server.apiKey, '--id', crypto.randomUUID()]);
    assertFails(unknown, 'get of an unknown archive');
    assert.equal(unknown.code, 1);
    const other = runCliJson(['project', 'list'], { dataDir }).find((p) => p.apiKey !== server.apiKey);
    assert.equal(cli(['archive', 'get', '--project', other.apiKey, '--id', done.id]).code, 1, "another project's archive");
    for (const id of ['../parley.db', `${done.id}/..`, 'not-a-uuid', done.id.replace(/-/g, '')]) {
      const bad = cli(['archive', 'get', '--project', server.apiKey, '--id', id]);
      assertFails(bad, `get --id ${id}`);
      assert.equal(bad.code, 2, describeCli(bad));
    }
  });

  test('download: copies the ZIP, never overwrites without --force, refuses what is not available', T, () => {
    const original = fs.readFileSync(zipOf(done.id));
    assert.equal(original.subarray(0, 4).toString('latin1'), 'PK\x03\x04', 'the stored file is a ZIP');

    // Default: ./<id>.zip in the working directory.
    const r = runCliIn(work, ['archive', 'download', '--project', server.apiKey, '--id', done.id], dataDir);
    assert.equal(r.code, 0, describeCli(r));
    const defaultOut = path.join(work, `${done.id}.zip`);
    assert.deepEqual(fs.readFileSync(defaultOut), original);
    assert.deepEqual(fs.readdirSync(work), [`${done.id}.zip`], 'no partial file left behind');

    // An existing file stays as it is unless --force.
    const out = path.join(work, 'mine.zip');
    fs.writeFileSync(out, 'keep me');
    const refused = cli(['archive', 'download', '--project', server.apiKey, '--id', done.id, '--out', out]);
    assertFails(refused, 'download over an existing file');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /--force/);
    assert.equal(fs.readFileSync(out, 'utf8'), 'keep me');
    const forced = runCliJson(['archive', 'download', '--project', server.apiKey, '--id', done.id, '--out', out, '--force'], { dataDir });
    assert.deepEqual(forced, { id: done.id, file: out, size: original.length });
    assert.deepEqual(fs.readFileSync(out), original);

    // Still recording: nothing to download.
    const early = cli(['archive', 'download', '--project', server.apiKey, '--id', running.id, '--out', path.join(work, 'early.zip')]);
    assertFails(early, 'download of a started archive');
    assert.match(early.stderr, /started/);
    assert.equal(fs.existsSync(path.join(work, 'early.zip')), false);

    // Available, but its file is gone.
    const aside = `${zipOf(done.id)}.aside`;
    fs.renameSync(zipOf(done.id), aside);
    try {
      const missing = cli(['archive', 'download', '--project', server.apiKey, '--id', done.id, '--out', path.join(work, 'gone.zip')]);
      assertFails(missing, 'download of a missing file');
      assert.match(missing.stderr, /missing/);
      assert.equal(fs.existsSync(path.join(work, 'gone.zip')), false);
    } finally {
      fs.renameSync(aside, zipOf(done.id));
    }
  });

  test('delete: refused while recording; afterwards the row and the files are gone', T, async () => {
    const refused = cli(['archive', 'delete', '--project', server.apiKey, '--id', running.id]);
    assertFails(refused, 'delete of a started archive');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /started/);
    assert.equal((await sdkCall(ot, 'getArchive', running.id)).status, 'started', 'still recording');

    await sdkCall(ot, 'stopArchive', running.id);
    await waitArchiveStatus(ot, running.id, 'available');
    // A leftover stream directory goes too.
    fs.mkdirSync(path.join(dataDir, 'archives', running.id), { recursive: true });
    fs.writeFileSync(path.join(dataDir, 'archives', running.id, 'leftover.webm'), 'x');
    for (const a of [running, done]) {
      assert.ok(fs.existsSync(zipOf(a.id)), `${a.id}: ZIP present before delete`);
      const r = runCliJson(['archive', 'delete', '--project', server.apiKey, '--id', a.id], { dataDir });
      assert.deepEqual(r, { id: a.id, removed: true });
      assert.equal(fs.existsSync(zipOf(a.id)), false, 'ZIP removed');
      assert.equal(fs.existsSync(path.join(dataDir, 'archives', a.id)), false, 'stream directory removed');
      await assert.rejects(sdkCall(ot, 'getArchive', a.id), (err) => err instanceof Error, 'the REST API no longer knows it');
    }
    assert.deepEqual(cliJson(['archive', 'list', '--project', server.apiKey]), { count: 0, items: [] });
    assert.equal(cli(['archive', 'delete', '--project', server.apiKey, '--id', done.id]).code, 1, 'deleting twice');
  });
});
