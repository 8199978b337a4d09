// Session-monitoring callbacks (webhooks), docs/protocol.md §3.4.12 and §4.1:
// registration through the official Node SDK, the four session events posted to a local
// receiver with the payloads of docs/protocol.md §4.1 and reasons, retries while the receiver is down, and
// delivery of what was pending when parleyd stopped after it starts again.
//
// Run: PARLEYD=build/cb-helper/parleyd PARLEY_CLI=build/cb-helper/parley \
//        node --test --test-concurrency=1 tests/callbacks.test.js

import { describe, before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import { promisify } from 'node:util';
import OpenTok from 'opentok';

import {
  startParleyd,
  createSession,
  request,
  restJwt,
  freePort,
  makeTempDir,
  removeDir,
  randomApiKey,
  randomApiSecret,
  runCliJson,
  getMetrics,
  metricValue,
} from './lib/parleyd.js';
import { RumorClient, Type } from './lib/rumor.js';
import { startReceiver } from './lib/webhook-receiver.js';

const T = { timeout: 60000 };
const RETRY_MS = 200;
// The receivers here listen on 127.0.0.1, which parleyd refuses by default (SSRF).
const ALLOW_LOOPBACK = ['--allow-private-callbacks'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const EVENTS = [
  ['connection', 'created'],
  ['connection', 'destroyed'],
  ['stream', 'created'],
  ['stream', 'destroyed'],
];

const delay = (ms) => new Promise((r) => setTimeout(r, ms));

function sdkFor(server) {
  const ot = new OpenTok(server.apiKey, server.apiSecret, { apiUrl: server.url });
  return {
    ot,
    register: promisify(ot.registerCallback),
    list: promisify(ot.listCallbacks),
    unregister: promisify(ot.unregisterCallback),
    forceDisconnect: promisify(ot.forceDisconnect.bind(ot)),
  };
}

async function registerAll(sdk, url) {
  for (const [group, event] of EVENTS) await sdk.register({ group, event, url });
}

// A Rumor client joined to `sessionId` with a token carrying `data`.
async function joinSession(server, ot, sessionId, data) {
  const wsUrl = server.url.replace(/^http/, 'ws') + '/rumorwebsocketsv2';
  const client = await RumorClient.open(wsUrl);
  const token = ot.generateToken(sessionId, { role: 'moderator', data });
  const reply = await client.join({ apiKey: server.apiKey, sessionId, token });
  assert.equal(reply.status, 200, JSON.stringify(reply.payload));
  return client;
}

async function publish(client, { audioOnly = false, name = 'cam' } = {}) {
  const id = crypto.randomUUID();
  const channel = [{ id: 'audio1', type: 'audio', active: true }];
  if (!audioOnly) channel.unshift({ id: 'video1', type: 'video', active: true, width: 640, height: 480, source: 'camera' });
  const reply = await client.request('create', `${client.sessionUri()}/stream/${id}`, { id, name, channel });
  assert.equal(reply.status, 200, JSON.stringify(reply.payload));
  return id;
}

// Leaves the way OpenTok.js does: DISCONNECT with an empty `reconnect` header, then close.
async function leave(client) {
  client.sendFrame({ type: Type.DISCONNECT, headers: { reconnect: '' } });
  await delay(50);
  await client.close();
}

function assertCommon(payload, { server, sessionId, event, startedAt }) {
  assert.equal(payload.sessionId, sessionId);
  assert.equal(payload.projectId, server.apiKey);
  assert.equal(typeof payload.projectId, 'string');
  assert.equal(payload.event, event);
  assert.equal(typeof payload.timestamp, 'number');
  assert.ok(payload.timestamp >= startedAt - 1000 && payload.timestamp <= Date.now() + 1000, `timestamp ${payload.timestamp}`);
  assert.equal(payload._headers['content-type'], 'application/json');
  assert.equal(payload._headers['user-agent'], 'parleyd');
}

// The check docs/operations.md tells receivers to make (Standard Webhooks scheme).
function signatureValid(hit, secret) {
  const id = hit.headers['webhook-id'];
  const timestamp = hit.headers['webhook-timestamp'];
  const signatures = (hit.headers['webhook-signature'] ?? '').split(' ');
  if (!id || !/^\d+$/.test(timestamp ?? '')) return false;
  const expected = `v1,${crypto.createHmac('sha256', secret).update(`${id}.${timestamp}.${hit.body}`).digest('base64')}`;
  return signatures.some((s) => s.length === expected.length && crypto.timingSafeEqual(Buffer.from(s), Buffer.from(expected)));
}

async function waitUntil(condition, what, timeout = 20000) {
  const deadline = Date.now() + timeout;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(50);
  }
}

function assertConnection(connection, { id, data, startedAt }) {
  assert.deepEqual(Object.keys(connection).sort(), ['createdAt', 'data', 'id']);
  assert.equal(connection.id, id);
  assert.equal(connection.data, data);
  assert.ok(connection.createdAt >= startedAt - 1000 && connection.createdAt <= Date.now(), `createdAt ${connection.createdAt}`);
}

describe('session-monitoring callbacks', () => {
  let server;
  let sdk;
  let receiver;

  before(async () => {
    server = await startParleyd({ extraArgs: ['--callback-retry-ms', String(RETRY_MS), ...ALLOW_LOOPBACK] });
    sdk = sdkFor(server);
    receiver = await startReceiver();
  });

  after(async () => {
    await receiver?.close();
    if (server) await server.stop(); // throws on unclean exit or sanitizer report
  });

  test('registerCallback / listCallbacks / unregisterCallback (Node SDK) and the CLI', T, async () => {
    const url = receiver.url('/registration-only');
    const created = await sdk.register({ group: 'connection', event: 'created', url });
    assert.match(created.id, UUID);
    assert.equal(created.group, 'connection');
    assert.equal(created.event, 'created');
    assert.equal(created.url, url);
    assert.equal(typeof created.createdAt, 'number');
    assert.equal(typeof created.unregister, 'function');

    const again = await sdk.register({ group: 'connection', event: 'created', url });
    assert.equal(again.id, created.id, 'registering the same target twice keeps one registration');

    const listed = await sdk.list();
    const mine = listed.find((c) => c.id === created.id);
    assert.ok(mine, JSON.stringify(listed));
    assert.deepEqual({ ...mine, unregister: undefined }, { ...created, unregister: undefined });

    const fromCli = runCliJson(['callback', 'list', '--project', server.apiKey], { dataDir: server.dataDir });
    assert.ok(fromCli.some((c) => c.id === created.id && c.url === url), JSON.stringify(fromCli));

    await sdk.unregister(created.id);
    assert.ok(!(await sdk.list()).some((c) => c.id === created.id));
    await assert.rejects(sdk.unregister(created.id), (err) => err.name === 'NotFoundError' || /not found/i.test(err.message));
    await assert.rejects(sdk.register({ group: 'archive', event: 'created', url }), /Unexpected response/);
    await assert.rejects(sdk.register({ group: 'stream', event: 'created', url: 'ftp://example.com/' }), /Unexpected response/);

    // The CLI adds and removes registrations in the same table.
    const added = runCliJson(['callback', 'add', '--project', server.apiKey, '--group', 'stream', '--event', 'destroyed', '--url', url],
      { dataDir: server.dataDir });
    assert.match(added.id, UUID);
    assert.ok((await sdk.list()).some((c) => c.id === added.id && c.group === 'stream' && c.event === 'destroyed'));
    runCliJson(['callback', 'remove', '--project', server.apiKey, '--id', added.id], { dataDir: server.dataDir });
    assert.ok(!(await sdk.list()).some((c) => c.id === added.id));
  });

  test('join, publish, unpublish and leave post the four events with the payloads of docs/protocol.md §4.1', T, async (t) => {
    const path = '/lifecycle';
    await registerAll(sdk, receiver.url(path));
    t.after(async () => {
      for (const c of await sdk.list()) if (c.url === receiver.url(path)) await sdk.unregister(c.id);
    });
    const startedAt = Date.now();
    const { sessionId } = await createSession(sdk.ot);
    const client = await joinSession(server, sdk.ot, sessionId, 'name=alice');
    const cid = client.connectionId;
    const videoId = await publish(client);
    const audioId = await publish(client, { audioOnly: true, name: 'mic' });
    const unpublished = await client.request('delete', `${client.sessionUri()}/stream/${audioId}`);
    assert.equal(unpublished.status, 200);
    await leave(client);

    const mine = (event, extra = () => true) => (p) => p._path === path && p.sessionId === sessionId && p.event === event && extra(p);
    const ctx = { server, sessionId, startedAt };

    const connCreated = await receiver.waitFor(mine('connectionCreated'), { what: 'connectionCreated' });
    assertCommon(connCreated, { ...ctx, event: 'connectionCreated' });
    assert.equal(connCreated.reason, undefined);
    assertConnection(connCreated.connection, { id: cid, data: 'name=alice', startedAt });

    const videoCreated = await receiver.waitFor(mine('streamCreated', (p) => p.stream.id === videoId), { what: 'streamCreated (video)' });
    assertCommon(videoCreated, { ...ctx, event: 'streamCreated' });
    assert.equal(videoCreated.reason, undefined);
    assert.deepEqual(Object.keys(videoCreated.stream).sort(), ['connection', 'createdAt', 'id', 'name', 'videoType']);
    assert.equal(videoCreated.stream.name, 'cam');
    assert.equal(videoCreated.stream.videoType, 'camera');
    assert.ok(videoCreated.stream.createdAt >= connCreated.connection.createdAt);
    assertConnection(videoCreated.stream.connection, { id: cid, data: 'name=alice', startedAt });

    const audioCreated = await receiver.waitFor(mine('streamCreated', (p) => p.stream.id === audioId), { what: 'streamCreated (audio)' });
    assert.equal(audioCreated.stream.name, 'mic');
    assert.ok(!('videoType' in audioCreated.stream), 'audio-only streams have no videoType');

    const audioDestroyed = await receiver.waitFor(mine('streamDestroyed', (p) => p.stream.id === audioId), { what: 'streamDestroyed (audio)' });
    assertCommon(audioDestroyed, { ...ctx, event: 'streamDestroyed' });
    assert.equal(audioDestroyed.reason, 'clientDisconnected');
    assert.ok(!('videoType' in audioDestroyed.stream));

    const videoDestroyed = await receiver.waitFor(mine('streamDestroyed', (p) => p.stream.id === videoId), { what: 'streamDestroyed (video)' });
    assert.equal(videoDestroyed.reason, 'clientDisconnected');
    assert.equal(videoDestroyed.stream.videoType, 'camera');
    assertConnection(videoDestroyed.stream.connection, { id: cid, data: 'name=alice', startedAt });

    const connDestroyed = await receiver.waitFor(mine('connectionDestroyed'), { what: 'connectionDestroyed' });
    assertCommon(connDestroyed, { ...ctx, event: 'connectionDestroyed' });
    assert.equal(connDestroyed.reason, 'clientDisconnected');
    assertConnection(connDestroyed.connection, { id: cid, data: 'name=alice', startedAt });

    // In the order they happened, each exactly once.
    const order = receiver.received.filter((p) => p._path === path && p.sessionId === sessionId)
      .map((p) => `${p.event}${p.stream ? `:${p.stream.id === videoId ? 'video' : 'audio'}` : ''}`);
    assert.deepEqual(order, [
      'connectionCreated',
      'streamCreated:video',
      'streamCreated:audio',
      'streamDestroyed:audio',
      'streamDestroyed:video',
      'connectionDestroyed',
    ]);
  });

  test('only registered events are posted, only to their own URL', T, async (t) => {
    const onlyDestroyed = receiver.url('/only-connection-destroyed');
    const cb = await sdk.register({ group: 'connection', event: 'destroyed', url: onlyDestroyed });
    t.after(() => sdk.unregister(cb.id));
    const { sessionId } = await createSession(sdk.ot);
    const client = await joinSession(server, sdk.ot, sessionId, '');
    await publish(client);
    await leave(client);
    const got = await receiver.waitFor((p) => p._path === '/only-connection-destroyed' && p.sessionId === sessionId,
      { what: 'connectionDestroyed' });
    assert.equal(got.event, 'connectionDestroyed');
    assert.equal(got.connection.data, '');
    await delay(500);
    const all = receiver.received.filter((p) => p._path === '/only-connection-destroyed' && p.sessionId === sessionId);
    assert.deepEqual(all.map((p) => p.event), ['connectionDestroyed']);
  });

  test('forceDisconnect via REST reports forceDisconnected for the connection and its stream', T, async (t) => {
    const path = '/forced';
    await registerAll(sdk, receiver.url(path));
    t.after(async () => {
      for (const c of await sdk.list()) if (c.url === receiver.url(path)) await sdk.unregister(c.id);
    });
    const { sessionId } = await createSession(sdk.ot);
    const client = await joinSession(server, sdk.ot, sessionId, 'name=bob');
    const streamId = await publish(client);
    await sdk.forceDisconnect(sessionId, client.connectionId);
    const mine = (event) => (p) => p._path === path && p.sessionId === sessionId && p.event === event;
    const streamGone = await receiver.waitFor(mine('streamDestroyed'), { what: 'streamDestroyed' });
    assert.equal(streamGone.reason, 'forceDisconnected');
    assert.equal(streamGone.stream.id, streamId);
    const connGone = await receiver.waitFor(mine('connectionDestroyed'), { what: 'connectionDestroyed' });
    assert.equal(connGone.reason, 'forceDisconnected');
    assert.equal(connGone.connection.id, client.connectionId);
    assert.equal(connGone.connection.data, 'name=bob');
    await client.close();
  });

  test('a receiver answering 500 gets the webhook again until it answers 2xx', T, async (t) => {
    const path = '/flaky';
    const cb = await sdk.register({ group: 'connection', event: 'created', url: receiver.url(path) });
    t.after(async () => {
      receiver.status = 200;
      await sdk.unregister(cb.id);
    });
    const before = await getMetrics(server.url);
    receiver.status = 500;
    const { sessionId } = await createSession(sdk.ot);
    const client = await joinSession(server, sdk.ot, sessionId, 'flaky');
    const failures = () => receiver.hits.filter((h) => h.url === path && h.status === 500 && JSON.parse(h.body).sessionId === sessionId).length;
    const deadline = Date.now() + 15000;
    while (failures() < 3 && Date.now() < deadline) await delay(25);
    assert.ok(failures() >= 3, `expected 3 failed attempts, saw ${failures()}`);
    receiver.status = 200;
    const got = await receiver.waitFor((p) => p._path === path && p.sessionId === sessionId, { what: 'retried connectionCreated' });
    assert.equal(got.event, 'connectionCreated');
    assert.equal(got.connection.id, client.connectionId);
    // The same event each time, with the time it happened.
    const bodies = new Set(receiver.hits.filter((h) => h.url === path && JSON.parse(h.body).sessionId === sessionId).map((h) => h.body));
    assert.equal(bodies.size, 1);

    // The receiver has the POST before the deliverer has read the answer and counted it: wait
    // for the count rather than reading it once (a busy machine makes the gap visible).
    const deliveredBefore = metricValue(before, 'parley_callbacks_delivered_total') ?? 0;
    let afterText = await getMetrics(server.url);
    const countDeadline = Date.now() + 15000;
    while (!(metricValue(afterText, 'parley_callbacks_delivered_total') > deliveredBefore) && Date.now() < countDeadline) {
      await delay(25);
      afterText = await getMetrics(server.url);
    }
    assert.ok(metricValue(afterText, 'parley_callbacks_failed_attempts_total') - (metricValue(before, 'parley_callbacks_failed_attempts_total') ?? 0) >= 3);
    assert.ok(metricValue(afterText, 'parley_callbacks_delivered_total') > deliveredBefore);
    assert.notEqual(metricValue(afterText, 'parley_callbacks_pending'), null);
    await leave(client);
  });

  test('every attempt carries the event id and a signature made with the project secret', T, async (t) => {
    const path = '/signed';
    const cb = await sdk.register({ group: 'connection', event: 'created', url: receiver.url(path) });
    t.after(async () => {
      receiver.status = 200;
      await sdk.unregister(cb.id);
    });
    receiver.status = 503;
    const { sessionId } = await createSession(sdk.ot);
    const client = await joinSession(server, sdk.ot, sessionId, 'signed');
    const mine = () => receiver.hits.filter((h) => h.url === path && JSON.parse(h.body).sessionId === sessionId);
    await waitUntil(() => mine().length >= 2, 'two failed attempts');
    receiver.status = 200;
    await receiver.waitFor((p) => p._path === path && p.sessionId === sessionId, { what: 'the retried event' });
    const hits = mine();
    assert.ok(hits.length >= 3, `${hits.length} attempts`);
    const id = hits[0].headers['webhook-id'];
    assert.match(id ?? '', UUID, JSON.stringify(hits[0].headers));
    for (const hit of hits) {
      assert.equal(hit.headers['webhook-id'], id, 'the same id on every attempt');
      assert.equal(JSON.parse(hit.body).eventId, id, 'and in the payload');
      assert.ok(signatureValid(hit, server.apiSecret), `signature ${hit.headers['webhook-signature']} does not verify`);
      assert.ok(!signatureValid(hit, server.apiSecret.replace(/.$/, (c) => (c === '0' ? '1' : '0'))), 'verifies with a wrong secret');
      assert.ok(Math.abs(Number(hit.headers['webhook-timestamp']) - Date.now() / 1000) < 300, hit.headers['webhook-timestamp']);
    }
    // The payload fields OpenTok receivers read are unchanged.
    const body = JSON.parse(hits[0].body);
    assert.deepEqual(Object.keys(body).filter((k) => k !== 'eventId').sort(), ['connection', 'event', 'projectId', 'sessionId', 'timestamp']);
    // Another event, another id.
    const other = await joinSession(server, sdk.ot, sessionId, 'second');
    const second = await receiver.waitFor((p) => p._path === path && p.connection?.id === other.connectionId, { what: 'second event' });
    assert.notEqual(second.eventId, id);
    await leave(other);
    await leave(client);
  });

  test('a receiver that is not listening gets the webhook once it is back', T, async (t) => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/late`;
    const cb = await sdk.register({ group: 'connection', event: 'created', url });
    t.after(() => sdk.unregister(cb.id));
    const { sessionId } = await createSession(sdk.ot);
    const client = await joinSession(server, sdk.ot, sessionId, 'late');
    await delay(3 * RETRY_MS);
    const late = await startReceiver({ port });
    try {
      const got = await late.waitFor((p) => p.sessionId === sessionId, { what: 'connectionCreated after the receiver started' });
      assert.equal(got.event, 'connectionCreated');
      assert.equal(got.connection.id, client.connectionId);
    } finally {
      await late.close();
      await leave(client);
    }
  });
});

describe('session-monitoring callbacks across a restart', () => {
  test('webhooks pending at shutdown are delivered after parleyd starts again on the same data', T, async () => {
    const dataDir = makeTempDir();
    const apiKey = randomApiKey();
    const apiSecret = randomApiSecret();
    const options = { dataDir, apiKey, apiSecret, extraArgs: ['--callback-retry-ms', String(RETRY_MS), ...ALLOW_LOOPBACK] };
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/after-restart`;
    let first;
    let second;
    let receiver;
    try {
      first = await startParleyd(options);
      const sdk = sdkFor(first);
      await registerAll(sdk, url);
      const { sessionId } = await createSession(sdk.ot);
      const client = await joinSession(first, sdk.ot, sessionId, 'restart');
      const cid = client.connectionId;
      await publish(client);
      await leave(client);
      // A few failed attempts against the closed port; the rows stay in the outbox. The
      // leave reaches parleyd asynchronously, so connectionDestroyed is waited for too.
      const deadline = Date.now() + 20000;
      const settled = (m) => metricValue(m, 'parley_callbacks_failed_attempts_total') >= 2 && metricValue(m, 'parley_callbacks_pending') === 4;
      let metrics = await getMetrics(first.url);
      while (!settled(metrics) && Date.now() < deadline) {
        await delay(50);
        metrics = await getMetrics(first.url);
      }
      assert.ok(metricValue(metrics, 'parley_callbacks_failed_attempts_total') >= 2, metrics);
      assert.equal(metricValue(metrics, 'parley_callbacks_pending'), 4, metrics);
      assert.equal(metricValue(metrics, 'parley_callbacks_delivered_total') ?? 0, 0);

      const stopStarted = Date.now();
      await first.stop();  // SIGTERM: exit code 0, no sanitizer report
      assert.ok(Date.now() - stopStarted < 5000, `parleyd took ${Date.now() - stopStarted} ms to stop`);
      first = null;

      receiver = await startReceiver({ port });
      second = await startParleyd(options);
      const mine = (event) => (p) => p.sessionId === sessionId && p.event === event;
      for (const event of ['connectionCreated', 'streamCreated', 'streamDestroyed', 'connectionDestroyed']) {
        const got = await receiver.waitFor(mine(event), { what: `${event} after restart`, timeout: 20000 });
        assert.equal(got.projectId, apiKey);
        if (got.connection) assert.equal(got.connection.id, cid);
        if (got.stream) assert.equal(got.stream.connection.id, cid);
      }
      assert.equal(receiver.received.filter((p) => p.sessionId === sessionId).length, 4);
      // The deliverer counts a POST once it has read the answer, a moment after the receiver
      // has the body: on a busy machine the last one can be counted after this line runs.
      const counted = Date.now() + 10000;
      let after = await getMetrics(second.url);
      while (metricValue(after, 'parley_callbacks_delivered_total') !== 4 && Date.now() < counted) {
        await delay(50);
        after = await getMetrics(second.url);
      }
      assert.equal(metricValue(after, 'parley_callbacks_delivered_total'), 4, after);
    } finally {
      await receiver?.close();
      if (first) await first.terminate('SIGKILL');
      if (second) await second.stop();
      removeDir(dataDir);
    }
  });

  // Three participants (one publishing) when parleyd dies or stops; returns what the
  // receiver must hear about them.
  async function openAndStop(receiver, signal, dataDir, apiKey, apiSecret) {
    const options = { dataDir, apiKey, apiSecret, extraArgs: ['--callback-retry-ms', String(RETRY_MS), ...ALLOW_LOOPBACK] };
    const first = await startParleyd(options);
    const sdk = sdkFor(first);
    await registerAll(sdk, receiver.url('/lifecycle'));
    const { sessionId } = await createSession(sdk.ot);
    const clients = [];
    for (const name of ['ann', 'bob', 'cyd']) clients.push(await joinSession(first, sdk.ot, sessionId, `name=${name}`));
    const streamId = await publish(clients[0]);
    for (const c of clients) {
      await receiver.waitFor((p) => p.event === 'connectionCreated' && p.connection.id === c.connectionId, { what: 'connectionCreated' });
    }
    await receiver.waitFor((p) => p.event === 'streamCreated' && p.stream.id === streamId, { what: 'streamCreated' });
    if (signal === 'SIGKILL') await first.terminate('SIGKILL');
    else await first.stop(signal);
    for (const c of clients) await c.terminate();
    return { options, sessionId, streamId, connectionIds: clients.map((c) => c.connectionId) };
  }

  function assertClosedOut(receiver, { sessionId, streamId, connectionIds }, detail) {
    const gone = receiver.received.filter((p) => p.sessionId === sessionId && p.event.endsWith('Destroyed'));
    const connections = gone.filter((p) => p.event === 'connectionDestroyed');
    assert.deepEqual(connections.map((p) => p.connection.id).sort(), [...connectionIds].sort(), JSON.stringify(gone));
    const streams = gone.filter((p) => p.event === 'streamDestroyed');
    assert.deepEqual(streams.map((p) => p.stream.id), [streamId]);
    for (const p of gone) {
      assert.equal(p.reason, 'networkDisconnected');
      assert.equal(p.reasonDetail, detail);
      assert.equal(p.projectId, receiver.apiKey);
    }
    assert.equal(new Set(gone.map((p) => p.eventId)).size, gone.length, 'each event once');
    // The stream ended before its connection.
    const ann = connectionIds[0];
    assert.ok(gone.indexOf(streams[0]) < gone.findIndex((p) => p.event === 'connectionDestroyed' && p.connection.id === ann));
    assert.equal(connections.find((p) => p.connection.id === ann).connection.data, 'name=ann');
  }

  test('after kill -9, the next start sends the destroyed events of what was open', T, async () => {
    const dataDir = makeTempDir();
    const receiver = await startReceiver();
    receiver.apiKey = randomApiKey();
    let second;
    try {
      const run = await openAndStop(receiver, 'SIGKILL', dataDir, receiver.apiKey, randomApiSecret());
      assert.equal(receiver.received.filter((p) => p.event.endsWith('Destroyed')).length, 0, 'nothing destroyed before the restart');
      second = await startParleyd(run.options);
      const count = () => receiver.received.filter((p) => p.sessionId === run.sessionId && p.event.endsWith('Destroyed')).length;
      await waitUntil(() => count() >= 4, 'three connectionDestroyed and one streamDestroyed');
      // Everything the restart enqueued is delivered: nothing more can come.
      await waitUntil(async () => metricValue(await getMetrics(second.url), 'parley_callbacks_pending') === 0, 'an empty outbox');
      assertClosedOut(receiver, run, 'serverFailure');
    } finally {
      await receiver.close();
      if (second) await second.stop();
      removeDir(dataDir);
    }
  });

  test('SIGTERM sends the destroyed events of what is still open, once', T, async () => {
    const dataDir = makeTempDir();
    const receiver = await startReceiver();
    receiver.apiKey = randomApiKey();
    let second;
    try {
      const run = await openAndStop(receiver, 'SIGTERM', dataDir, receiver.apiKey, randomApiSecret());
      // Delivered while stopping, or else by the next start: either way once.
      second = await startParleyd(run.options);
      const count = () => receiver.received.filter((p) => p.sessionId === run.sessionId && p.event.endsWith('Destroyed')).length;
      await waitUntil(() => count() >= 4, 'three connectionDestroyed and one streamDestroyed');
      await waitUntil(async () => metricValue(await getMetrics(second.url), 'parley_callbacks_pending') === 0, 'an empty outbox');
      assertClosedOut(receiver, run, 'serverShutdown');
    } finally {
      await receiver.close();
      if (second) await second.stop();
      removeDir(dataDir);
    }
  });

  test('a POST cut short by kill -9 is sent again after the restart with the same event id', T, async () => {
    const dataDir = makeTempDir();
    const receiver = await startReceiver();
    const options = { dataDir, apiKey: randomApiKey(), apiSecret: randomApiSecret(), extraArgs: ['--callback-retry-ms', String(RETRY_MS), ...ALLOW_LOOPBACK] };
    let second;
    try {
      const first = await startParleyd(options);
      const sdk = sdkFor(first);
      await sdk.register({ group: 'connection', event: 'created', url: receiver.url('/held') });
      receiver.hold = true;
      const { sessionId } = await createSession(sdk.ot);
      const client = await joinSession(first, sdk.ot, sessionId, 'mid-post');
      await waitUntil(() => receiver.hits.some((h) => h.status === 'held'), 'the POST in flight');
      const inFlight = receiver.hits.find((h) => h.status === 'held');
      await first.terminate('SIGKILL');
      await client.terminate();
      receiver.hold = false;
      second = await startParleyd(options);
      const again = await receiver.waitFor((p) => p.sessionId === sessionId, { what: 'the event delivered again', timeout: 20000 });
      // A duplicate the receiver can recognise, and verify.
      assert.ok(inFlight.headers['webhook-id'], JSON.stringify(inFlight.headers));
      assert.equal(again._headers['webhook-id'], inFlight.headers['webhook-id']);
      assert.equal(again.eventId, inFlight.headers['webhook-id']);
      assert.equal(JSON.stringify({ ...again, _headers: undefined, _path: undefined }), JSON.stringify({ ...JSON.parse(inFlight.body), _headers: undefined, _path: undefined }));
      assert.ok(signatureValid(inFlight, options.apiSecret));
    } finally {
      await receiver.close();
      if (second) await second.stop();
      removeDir(dataDir);
    }
  });

  test('SIGTERM exits promptly while a receiver hangs', T, async () => {
    // Accepts connections and never answers: the deliverer is mid-request at shutdown.
    const sockets = new Set();
    const hang = http.createServer(() => {});
    hang.on('connection', (s) => sockets.add(s));
    await new Promise((resolve) => hang.listen({ port: 0, host: '127.0.0.1' }, resolve));
    const server = await startParleyd({ extraArgs: ALLOW_LOOPBACK });
    try {
      const sdk = sdkFor(server);
      await sdk.register({ group: 'connection', event: 'created', url: `http://127.0.0.1:${hang.address().port}/hang` });
      const { sessionId } = await createSession(sdk.ot);
      const client = await joinSession(server, sdk.ot, sessionId, 'hang');
      const deadline = Date.now() + 5000;
      while (sockets.size === 0 && Date.now() < deadline) await delay(20);
      assert.ok(sockets.size > 0, 'the deliverer never connected');
      await client.terminate();
      const started = Date.now();
      await server.stop();
      assert.ok(Date.now() - started < 3000, `parleyd took ${Date.now() - started} ms to stop`);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => hang.close(resolve));
    }
  });
});

describe('callback URLs that reach inside the network (SSRF)', () => {
  let server;
  let sdk;
  let receiver;

  before(async () => {
    server = await startParleyd({ extraArgs: ['--callback-retry-ms', String(RETRY_MS)] });
    sdk = sdkFor(server);
    receiver = await startReceiver();
  });

  after(async () => {
    await receiver?.close();
    if (server) await server.stop();
  });

  test('registration refuses loopback, link-local, private and mapped addresses with a clear 400', T, async () => {
    const port = receiver.port;
    const urls = [
      `http://127.0.0.1:${port}/hook`,
      `http://localhost:${port}/hook`,
      `http://[::1]:${port}/hook`,
      `http://[::ffff:127.0.0.1]:${port}/hook`,
      'http://169.254.169.254/latest/meta-data/',
      'http://10.0.0.5/hook',
      'http://192.168.1.10/hook',
      'http://100.64.0.1/hook',
      'http://[fd00::1]/hook',
      'http://0.0.0.0/hook',
    ];
    for (const url of urls) {
      const res = await request('POST', `${server.url}/v2/project/${server.apiKey}/callback`, {
        headers: { 'X-OPENTOK-AUTH': restJwt(server.apiKey, server.apiSecret), 'Content-Type': 'application/json' },
        body: JSON.stringify({ group: 'connection', event: 'created', url }),
      });
      assert.equal(res.status, 400, `${url}: ${res.describe()}`);
      assert.match(res.json().description, /--allow-private-callbacks/, url);
    }
    // The Node SDK surfaces it as an error, and nothing is registered.
    await assert.rejects(sdk.register({ group: 'connection', event: 'created', url: `http://127.0.0.1:${port}/sdk` }));
    assert.deepEqual(await sdk.list(), []);
  });

  test('delivery refuses them too, whatever put them in the table, and never connects', T, async () => {
    // The CLI writes registrations straight into the database, as a stale row from a
    // run with --allow-private-callbacks would be.
    runCliJson(['callback', 'add', '--project', server.apiKey, '--group', 'connection', '--event', 'created',
      '--url', receiver.url('/inside')], { dataDir: server.dataDir });
    const { sessionId } = await createSession(sdk.ot);
    const client = await joinSession(server, sdk.ot, sessionId, 'ssrf');
    try {
      const deadline = Date.now() + 15000;
      let metrics = await getMetrics(server.url);
      const settled = (m) => (metricValue(m, 'parley_callbacks_refused_total') ?? 0) >= 1 && metricValue(m, 'parley_callbacks_pending') === 0;
      while (!settled(metrics) && Date.now() < deadline) {
        await delay(50);
        metrics = await getMetrics(server.url);
      }
      assert.equal(metricValue(metrics, 'parley_callbacks_refused_total'), 1, metrics);
      // Dropped at once, not kept for retries.
      assert.equal(metricValue(metrics, 'parley_callbacks_pending'), 0, metrics);
      assert.equal(metricValue(metrics, 'parley_callbacks_failed_attempts_total'), 0, metrics);
      assert.match(server.stderr, /webhook refused.*127\.0\.0\.1.*loopback/);
      assert.equal(receiver.hits.length, 0, 'the receiver on loopback was contacted');
    } finally {
      await leave(client);
    }
  });
});
