// Three parleyd nodes as one service (docs/cluster.md): a real PostgreSQL and a real Redis
// started for the test, three nodes on loopback ports sharing them. Sessions are placed on
// one node when clients first ask for them, through any node; REST calls made on any node
// reach the clients on the owner (official Node SDK); OpenTok.js and parley.js pages whose
// proxy URL is a non-owner reach the owner through that node's socket relay and see each
// other's video; `parley node list` shows the nodes; a killed owner's sessions are placed
// again on a live node and a surviving node sends the webhooks it owed.
//
// Run: PARLEYD=build/asan/parleyd PARLEY_CLI=build/asan/parley \
//        node --test --test-concurrency=1 tests/cluster.test.js

import { describe, before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import OpenTok from 'opentok';

import { startParleyd, request, createSession, getSessionInfo, makeTempDir, removeDir, runCliJson, getMetrics, metricValue, restJwt } from './lib/parleyd.js';
import { mediaStatsOf } from './lib/parleyd-browser.js';
import { startPostgres } from './lib/postgres.js';
import { startRedis } from './lib/redis.js';
import { RumorClient } from './lib/rumor.js';
import { archivesOf, downloadAndUnzip, probe, waitFinished } from './lib/archives.js';
import { startReceiver } from './lib/webhook-receiver.js';
import { launchBrowser, startStaticServer, openClientPage } from './lib/browser.js';

const T = { timeout: 120000 };
const delay = (ms) => new Promise((r) => setTimeout(r, ms));

describe('three nodes on PostgreSQL and Redis', () => {
  let pg;
  let redis;
  let storeUrl;
  let project;
  const nodes = [];
  const dirs = [];

  const nodeFor = (url) => nodes.find((n) => n && new URL(n.url).port === new URL(url).port);
  const sdkOn = (node) => new OpenTok(project.apiKey, project.apiSecret, { apiUrl: node.url });

  async function startNode(i, extraArgs = []) {
    const dir = makeTempDir();
    dirs.push(dir);
    const node = await startParleyd({
      apiKey: null,
      apiSecret: null,
      dataDir: dir,
      // A killed node is taken over after 2 s of silence (default 30 s); SIGTERM drains for
      // 3 s at most (default 30 s) before the node stops.
      extraArgs: ['--store', storeUrl, '--redis', redis.url, '--node-id', `n${i + 1}`, '--node-timeout', '2000', '--drain-timeout', '3000',
        '--allow-private-callbacks', '--callback-retry-ms', '200', ...extraArgs],
    });
    return Object.assign(node, { nodeId: `n${i + 1}` });
  }

  // Session info through `via`, as OpenTok.js asks for it; returns the messaging URL.
  async function messagingUrlVia(via, sessionId) {
    const token = sdkOn(via).generateToken(sessionId);
    const res = await getSessionInfo(via.url, sessionId, token);
    const el = res.json()[0];
    assert.equal(el.error, undefined, res.body);
    return el.messaging_url;
  }

  async function joinAt(messagingUrl, sessionId, data) {
    const client = await RumorClient.open(messagingUrl);
    const token = new OpenTok(project.apiKey, project.apiSecret).generateToken(sessionId, { data });
    const reply = await client.join({ apiKey: project.apiKey, sessionId, token });
    assert.equal(reply.status, 200, JSON.stringify(reply.payload));
    return client.keepalive();
  }


  before(async () => {
    [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
    storeUrl = await pg.createDatabase('cluster');
    for (let i = 0; i < 3; ++i) nodes.push(await startNode(i));
    project = runCliJson(['--store', storeUrl, 'project', 'create', '--name', 'cluster'], {});
  });

  after(async () => {
    // Every node is stopped, and Redis and PostgreSQL after them, even when a node fails to
    // stop cleanly; that failure is reported once everything is down.
    const stopped = await Promise.allSettled(nodes.filter((n) => n).map((n) => n.stop()));
    await Promise.allSettled([redis?.stop(), pg?.stop()]);
    for (const d of dirs) removeDir(d);
    const failed = stopped.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  });

  test('parley node list shows the three nodes and their addresses', T, async () => {
    const listed = runCliJson(['node', 'list', '--redis', redis.url], {});
    assert.deepEqual(listed.map((n) => n.id), ['n1', 'n2', 'n3']);
    for (const n of listed) {
      assert.ok(nodeFor(n.publicUrl), `${n.publicUrl} is one of ours`);
      assert.ok(n.heartbeatAgoMs < 5000, JSON.stringify(n));
      // Its media workers, for transports other nodes place on it (cascading).
      assert.equal(n.mediaIp, '127.0.0.1');
      assert.ok(n.mediaWorkers >= 1, JSON.stringify(n));
      assert.equal(n.mediaTransports, 0);
    }
    for (const n of nodes) assert.equal(metricValue(await getMetrics(n.url), 'parley_cluster_redis_up'), 1);
  });

  test('any node sends the clients of a session to its one owner, and REST on any node reaches them', T, async () => {
    const { sessionId } = await createSession(sdkOn(nodes[0]), { mediaMode: 'routed' });
    // The first ask places the session; every node then names the same owner.
    const urls = [];
    for (const via of [nodes[1], nodes[2], nodes[0]]) urls.push(await messagingUrlVia(via, sessionId));
    assert.equal(new Set(urls).size, 1, urls.join(' '));
    const owner = nodeFor(urls[0].replace(/^ws/, 'http'));
    assert.ok(owner, urls[0]);
    const others = nodes.filter((n) => n !== owner);

    const alice = await joinAt(urls[0], sessionId, 'alice');
    const bob = await joinAt(urls[0], sessionId, 'bob');
    // The owner counts them in its heartbeat.
    await delay(1500);
    const listed = runCliJson(['node', 'list', '--redis', redis.url], {});
    assert.equal(listed.find((n) => nodeFor(n.publicUrl) === owner).connections, 2, JSON.stringify(listed));

    // A signal sent through another node's REST API arrives at both clients.
    await promisify(sdkOn(others[0]).signal.bind(sdkOn(others[0])))(sessionId, null, { type: 'note', data: 'via a non-owner' });
    for (const c of [alice, bob]) {
      const frame = await c.waitForMessage('signal', '/signal/', { timeout: 10000 });
      assert.equal(frame.raptor.content.data, 'via a non-owner');
    }
    // Stream listing and forceDisconnect through the third node.
    const sdk3 = sdkOn(others[1]);
    const streams = await promisify(sdk3.listStreams.bind(sdk3))(sessionId);
    assert.deepEqual(streams, []);
    await promisify(sdk3.forceDisconnect.bind(sdk3))(sessionId, bob.connectionId);
    await bob.closed;
    // A connection that is not there is a 404 from the owner, passed through as it is.
    await assert.rejects(promisify(sdk3.forceDisconnect.bind(sdk3))(sessionId, bob.connectionId), /404|not found/i);
    const answered = (await getMetrics(others[1].url)).split('\n').find((l) => l.startsWith('parley_cluster_forwarded_requests_total{outcome="answered"}'));
    assert.ok(Number(answered?.split(' ').pop()) >= 3, `forwarded and answered: ${answered}`);
    await alice.leave(); // at once: no reconnect grace left to count in later tests
  });

  test('a broadcast started through any node runs where the session is placed; get and stop through the others', T, async () => {
    const sdkA = sdkOn(nodes[0]);
    const { sessionId } = await createSession(sdkA, { mediaMode: 'routed' });
    // Nobody has asked for the session yet: starting a broadcast places it.
    const started = await promisify(sdkA.startBroadcast.bind(sdkA))(sessionId, { outputs: { hls: {} } });
    const owner = nodeFor((await messagingUrlVia(nodes[1], sessionId)).replace(/^ws/, 'http'));
    assert.ok(started.broadcastUrls.hls.startsWith(`${owner.url}/broadcast/${started.id}/`), `${started.broadcastUrls.hls} is served by the owner ${owner.url}`);
    for (const via of nodes.filter((n) => n !== owner)) {
      const sdk = sdkOn(via);
      const got = await promisify(sdk.getBroadcast.bind(sdk))(started.id);
      assert.equal(got.status, 'started');
      assert.equal(got.sessionId, sessionId);
    }
    const other = sdkOn(nodes.find((n) => n !== owner));
    const stopped = await promisify(other.stopBroadcast.bind(other))(started.id);
    assert.equal(stopped.status, 'stopped');
    // A start for a session that does not exist, with no credentials, places nothing.
    const made = `1_${'x'.repeat(40)}`;
    const refused = await request('POST', `${nodes[0].url}/v2/project/${project.apiKey}/archive`, {
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ sessionId: made }),
    });
    assert.ok(refused.status >= 400 && refused.status < 500, `${refused.status} ${refused.body}`);
    const socket = redis.url.slice('unix://'.length);
    assert.equal(execFileSync('redis-cli', ['-s', socket, 'EXISTS', `parley:session:${made}`], { encoding: 'utf8' }).trim(), '0');
  });

  test("an archive's download link from any node works: links share one key, and the nodes without the file redirect to the one with it; deleting it through any node removes the file", T, async () => {
    const sdk = sdkOn(nodes[1]);
    const { sessionId } = await createSession(sdk, { mediaMode: 'routed' });
    const started = await promisify(sdk.startArchive.bind(sdk))(sessionId, { name: 'anywhere', outputMode: 'individual' });
    await promisify(sdkOn(nodes[2]).stopArchive.bind(sdkOn(nodes[2])))(started.id);
    const holder = nodeFor((await messagingUrlVia(nodes[0], sessionId)).replace(/^ws/, 'http'));
    const deadline = Date.now() + 30000;
    let archive;
    do {
      await delay(250);
      archive = await promisify(sdkOn(nodes[0]).getArchive.bind(sdkOn(nodes[0])))(started.id);
    } while (archive.status !== 'available' && Date.now() < deadline);
    assert.equal(archive.status, 'available', JSON.stringify(archive));
    const bodies = [];
    for (const via of nodes) {
      const got = await promisify(sdkOn(via).getArchive.bind(sdkOn(via)))(started.id);
      const link = new URL(got.url);
      assert.equal(link.port, new URL(via.url).port, 'each node links to itself');
      const direct = await fetch(got.url, { redirect: 'manual' });
      if (via === holder) {
        assert.equal(direct.status, 200);
      } else {
        assert.equal(direct.status, 307, `${via.nodeId}: ${direct.status}`);
        const location = new URL(direct.headers.get('location'));
        assert.equal(location.port, new URL(holder.url).port, 'sent to the node that recorded it');
        assert.equal(location.pathname + location.search, link.pathname + link.search);
      }
      await direct.arrayBuffer();
      const full = await fetch(got.url);
      assert.equal(full.status, 200);
      bodies.push(Buffer.from(await full.arrayBuffer()));
      const part = await fetch(got.url, { headers: { Range: 'bytes=0-9' } });
      assert.equal(part.status, 206);
      assert.equal(Buffer.from(await part.arrayBuffer()).length, 10);
    }
    assert.ok(bodies[0].length > 0);
    for (const b of bodies) assert.ok(b.equals(bodies[0]), 'the same file through every node');
    // A tampered link is refused wherever it lands. The signature's first digit is changed
    // to another one (setting it to '0' left one link in sixteen untouched).
    const tampered = new URL((await promisify(sdk.getArchive.bind(sdk))(started.id)).url);
    const signature = tampered.searchParams.get('signature');
    tampered.searchParams.set('signature', (signature[0] === '0' ? '1' : '0') + signature.slice(1));
    assert.equal((await fetch(tampered, { redirect: 'manual' })).status, 403);
    // Deleted through a node that does not hold the file: the request goes to the holder,
    // which removes the record and its file.
    const file = join(holder.dataDir, 'archives', `${started.id}.zip`);
    assert.ok(existsSync(file), file);
    const other = nodes.find((n) => n !== holder);
    await promisify(sdkOn(other).deleteArchive.bind(sdkOn(other)))(started.id);
    assert.ok(!existsSync(file), `${holder.nodeId} still has ${file}`);
    await assert.rejects(promisify(sdkOn(holder).getArchive.bind(sdkOn(holder)))(started.id));
  });

  test('OpenTok.js and parley.js behind two non-owner nodes meet on the owner and see each other', T, async (t) => {
    const [browser, web] = await Promise.all([launchBrowser(), startStaticServer()]);
    t.after(() => Promise.allSettled([browser.close(), web.close()]));
    const { sessionId } = await createSession(sdkOn(nodes[0]), { mediaMode: 'routed' });
    const owner = nodeFor((await messagingUrlVia(nodes[0], sessionId)).replace(/^ws/, 'http'));
    const [viaA, viaB] = nodes.filter((n) => n !== owner);
    const pages = [];
    for (const [name, client, via] of [['ot-page', 'opentok', viaA], ['parley-page', 'parley', viaB]]) {
      const page = await openClientPage(browser, { pageUrl: web.pageUrl('opentok-client'), name, client });
      t.after(() => page.close());
      const token = sdkOn(via).generateToken(sessionId, { role: 'publisher', data: `name=${name}` });
      await page.connect({ proxyUrl: via.url, apiKey: project.apiKey, sessionId, token });
      pages.push(page);
    }
    const published = await pages[0].publish({ width: 320, height: 240 });
    assert.ok(published.ok, JSON.stringify(published) + pages[0].diagnostics());
    await pages[1].waitForEvent({ event: 'streamCreated', streamId: published.streamId });
    const subscribed = await pages[1].subscribe(published.streamId);
    assert.ok(subscribed.ok, JSON.stringify(subscribed) + pages[1].diagnostics());
    await pages[1].waitForFrames(published.streamId, 20);
    // Both signaling sockets ended on the owner.
    const ownerMetrics = await getMetrics(owner.url);
    assert.equal(metricValue(ownerMetrics, 'parley_connections'), 2, 'both clients are connected to the owner');
    for (const via of [viaA, viaB]) {
      assert.equal(metricValue(await getMetrics(via.url), 'parley_connections'), 0);
    }
    const relayed = metricValue(await getMetrics(viaA.url), 'parley_cluster_relayed_sockets_total') ?? 0;
    const relayedB = metricValue(await getMetrics(viaB.url), 'parley_cluster_relayed_sockets_total') ?? 0;
    assert.ok(relayed + relayedB >= 1, `relayed sockets: ${relayed} + ${relayedB}`);
  });

  // kill -9 of `node`; the node is started again after the test, whatever happens in it, so
  // the tests after it have three nodes. Returns when it was killed.
  async function killNode(t, node) {
    const index = nodes.indexOf(node);
    await node.terminate('SIGKILL');
    nodes[index] = null;
    t.after(async () => {
      if (!nodes[index]) nodes[index] = await startNode(index);
    });
    return Date.now();
  }

  // A sender and a receiver page of `client` (parley or opentok) connected through `via`
  // (their proxy URL), the receiver decoding the sender's 320x240 video.
  async function senderAndReceiver(t, browser, web, { client, via, sessionId, sessionOptions }) {
    const pages = [];
    for (const name of ['sender', 'receiver']) {
      const page = await openClientPage(browser, { pageUrl: web.pageUrl('opentok-client'), name, client });
      t.after(() => page.close());
      const token = sdkOn(via).generateToken(sessionId, { role: 'publisher', data: `name=${name}` });
      page.connectionId = await page.connect({ proxyUrl: via.url, apiKey: project.apiKey, sessionId, token, ...(sessionOptions ? { sessionOptions } : {}) });
      pages.push(page);
    }
    const [sender, receiver] = pages;
    const published = await sender.publish({ width: 320, height: 240 });
    assert.ok(published.ok, JSON.stringify(published) + sender.diagnostics());
    // The sender's publish completes on its own stream's announcement; the receiver's may
    // come a little later (a busy machine).
    await receiver.waitForEvent({ event: 'streamCreated', streamId: published.streamId });
    const subscribed = await receiver.subscribe(published.streamId);
    assert.ok(subscribed.ok, JSON.stringify(subscribed) + receiver.diagnostics());
    await receiver.waitForFrames(published.streamId, 20);
    return { pages, sender, receiver, published };
  }

  // Drains the owner of a session with a publisher and a subscriber of `client` on it; they
  // must move to another node with no sign of it for the page or for webhooks. The drained
  // node is restarted at the end, so the cluster has three nodes again.
  async function drainScenario(t, client, sessionOptions) {
    const [browser, web, receiver0] = await Promise.all([launchBrowser(), startStaticServer(), startReceiver()]);
    t.after(() => Promise.allSettled([browser.close(), web.close(), receiver0.close()]));
    const sdk0 = sdkOn(nodes[0]);
    for (const group of ['connection', 'stream']) {
      for (const event of ['created', 'destroyed']) {
        await promisify(sdk0.registerCallback.bind(sdk0))({ group, event, url: receiver0.url('/drain') });
      }
    }
    const { sessionId } = await createSession(sdkOn(nodes[0]), { mediaMode: 'routed' });
    const hooks = () => receiver0.received.filter((p) => p.sessionId === sessionId && p._path === '/drain').map((p) => `${p.event}:${p.connection?.id ?? p.stream?.id}`).sort();
    const oldUrl = await messagingUrlVia(nodes[0], sessionId);
    const owner = nodeFor(oldUrl.replace(/^ws/, 'http'));
    const { pages, sender, receiver, published } = await senderAndReceiver(t, browser, web, { client, via: owner, sessionId, sessionOptions });
    assert.equal(metricValue(await getMetrics(owner.url), 'parley_connections'), 2);

    // Frames the receiver has decoded, sampled every 100 ms from the drain on.
    const samples = [];
    const frames = () => receiver.page.evaluate((sid) => window.parley.subscriberVideo(sid).frames, published.streamId);
    const drained = runCliJson(['node', 'drain', owner.nodeId, '--redis', redis.url], {});
    assert.equal(drained.draining, true);
    const started = Date.now();
    let left = 2;
    while (Date.now() - started < 40000) {
      samples.push([Date.now() - started, await frames()]);
      if (samples.length % 10 === 0) left = metricValue(await getMetrics(owner.url), 'parley_connections');
      if (left === 0 && samples.length > 30) break;
      await delay(100);
    }
    assert.equal(left, 0, 'both clients left the drained node');
    const newUrl = await messagingUrlVia(nodes.find((n) => n && n !== owner), sessionId);
    assert.notEqual(newUrl, oldUrl, 'the session has a new owner');
    const newOwner = nodeFor(newUrl.replace(/^ws/, 'http'));
    assert.equal(metricValue(await getMetrics(newOwner.url), 'parley_connections'), 2, 'both clients are on the new owner');
    // Video goes on there, and nobody saw the session end.
    const before = await frames();
    await receiver.waitForFrames(published.streamId, before + 30).catch((err) => {
      throw new Error(`${err.message}${sender.diagnostics()}\n--- new owner:\n${newOwner.logTail?.() ?? ''}`);
    });
    for (const p of pages) assert.deepEqual(await p.events({ event: 'sessionDisconnected' }), []);
    const listed = runCliJson(['node', 'list', '--redis', redis.url], {});
    assert.equal(listed.find((n) => n.id === owner.nodeId).draining, true);
    // The move is invisible to webhooks too: both old sockets have closed on the drained
    // node, yet each connection and the stream were created once and not destroyed.
    const connectionIds = pages.map((p) => p.connectionId);
    const expected = [...connectionIds.map((c) => `connectionCreated:${c}`), `streamCreated:${published.streamId}`].sort();
    await delay(1000); // a stray "destroyed" would be posted within the callback retry time
    assert.deepEqual(hooks(), expected);
    // When the clients leave, the new owner sends each "destroyed" once.
    for (const p of pages) {
      await p.call('disconnect');
      await p.close();
    }
    const ended = [...expected, ...connectionIds.map((c) => `connectionDestroyed:${c}`), `streamDestroyed:${published.streamId}`].sort();
    const deadline = Date.now() + 20000;
    while (hooks().length < ended.length && Date.now() < deadline) await delay(200);
    await delay(500);
    const grep = (n) => (n.stdout + n.stderr).split('\n').filter((l) => /webhook|moving|Subject|connection/i.test(l)).slice(-40).join('\n');
    assert.deepEqual(hooks(), ended, `--- new owner ${newOwner.nodeId}:\n${grep(newOwner)}\n--- drained ${owner.nodeId}:\n${grep(owner)}`);
    let gap = 0;
    for (let i = 1; i < samples.length; ++i) {
      if (samples[i][1] > samples[i - 1][1]) continue;
      let j = i;
      while (j < samples.length && samples[j][1] <= samples[i - 1][1]) ++j;
      gap = Math.max(gap, (samples[Math.min(j, samples.length - 1)][0] - samples[i - 1][0]));
      i = j;
    }
    t.diagnostic(`media gap during the drain (${client}): ${gap} ms (longest time without a new decoded frame)`);
    console.log(`# drain media gap (${client}): ${gap} ms`);
    const index = nodes.indexOf(owner);
    await owner.stop();
    nodes[index] = await startNode(index);
  }

  test('drain: OpenTok.js clients (sessionMigration) move to another node without leaving, and webhooks see one connection; the media gap is printed', T, async (t) => {
    await drainScenario(t, 'opentok', { sessionMigration: true });
  });

  test('drain: parley.js clients (migration on by default) move to another node without leaving, and webhooks see one connection; the media gap is printed', T, async (t) => {
    await drainScenario(t, 'parley');
  });

  test('kill -9 of the owner: parley.js pages move to a live node by themselves and video resumes', T, async (t) => {
    const [browser, web] = await Promise.all([launchBrowser(), startStaticServer()]);
    t.after(() => Promise.allSettled([browser.close(), web.close()]));
    const { sessionId } = await createSession(sdkOn(nodes[0]), { mediaMode: 'routed' });
    const owner = nodeFor((await messagingUrlVia(nodes[0], sessionId)).replace(/^ws/, 'http'));
    // The pages reach the cluster through another node, as through a load balancer.
    const entry = nodes.find((n) => n !== owner);
    const { pages, sender, receiver, published } = await senderAndReceiver(t, browser, web, { client: 'parley', via: entry, sessionId });

    const killedAt = await killNode(t, owner);
    // Its record expires within 5 s; the pages then find the session placed on a live node.
    for (const p of pages) await p.waitForEvent({ event: 'sessionReconnected' }, { timeoutMs: 40000 });
    const frames = () => receiver.page.evaluate((sid) => window.parley.subscriberVideo(sid).frames, published.streamId);
    const before = await frames();
    await receiver.waitForFrames(published.streamId, before + 30, { timeoutMs: 40000 }).catch((err) => {
      throw new Error(`${err.message}${sender.diagnostics()}${receiver.diagnostics()}`);
    });
    t.diagnostic(`video resumed ${Date.now() - killedAt} ms after kill -9`);
    console.log(`# kill -9 to resumed video (parley.js): ${Date.now() - killedAt} ms`);
    for (const p of pages) assert.deepEqual(await p.events({ event: 'sessionDisconnected' }), []);
    const live = nodes.filter((n) => n);
    const connections = await Promise.all(live.map(async (n) => metricValue(await getMetrics(n.url), 'parley_connections')));
    assert.equal(connections.reduce((a, b) => a + b, 0), 2, `both clients are on live nodes: ${connections}`);
    for (const p of pages) await p.call('disconnect');
  });

  test('kill -9 of the owner: OpenTok.js pages are told the session ended, and connecting again lands on a live node', T, async (t) => {
    const [browser, web] = await Promise.all([launchBrowser(), startStaticServer()]);
    t.after(() => Promise.allSettled([browser.close(), web.close()]));
    const { sessionId } = await createSession(sdkOn(nodes[0]), { mediaMode: 'routed' });
    const owner = nodeFor((await messagingUrlVia(nodes[0], sessionId)).replace(/^ws/, 'http'));
    const entry = nodes.find((n) => n !== owner);
    const { pages } = await senderAndReceiver(t, browser, web, { client: 'opentok', via: entry, sessionId });
    const killedAt = await killNode(t, owner);
    for (const p of pages) await p.waitForEvent({ event: 'sessionDisconnected' }, { timeoutMs: 60000 });
    console.log(`# kill -9 to sessionDisconnected (OpenTok.js): ${Date.now() - killedAt} ms`);
    // The app connects again once the dead node's record has expired (5 s): before that,
    // session info may still name it (docs/cluster.md). Then it names a live node, and media
    // flows there.
    const gone = Date.now() + 15000;
    while (runCliJson(['node', 'list', '--redis', redis.url], {}).length === 3 && Date.now() < gone) await delay(250);
    // A new socket meant for the dead node is refused, not served apart from the session's owner.
    const upgrade = await new Promise((resolve, reject) => {
      const req = http.request(`${entry.url}/${new URL(owner.url).host}/rumorwebsocketsv2`, {
        headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on('upgrade', (res, socket) => {
        socket.destroy();
        resolve(101);
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(upgrade, 404);
    const again = await senderAndReceiver(t, browser, web, { client: 'opentok', via: entry, sessionId });
    assert.ok(again.published.streamId);
    console.log(`# kill -9 to video on a live node (OpenTok.js, connecting again): ${Date.now() - killedAt} ms`);
  });

  test("a killed owner's sessions are placed again on a live node, and another node sends its webhooks", T, async (t) => {
    const receiver = await startReceiver();
    t.after(() => receiver.close());
    const sdk = sdkOn(nodes[0]);
    await promisify(sdk.registerCallback.bind(sdk))({ group: 'connection', event: 'destroyed', url: receiver.url('/gone') });
    const { sessionId } = await createSession(sdk, { mediaMode: 'routed' });
    const first = await messagingUrlVia(nodes[0], sessionId);
    const owner = nodeFor(first.replace(/^ws/, 'http'));
    const client = await joinAt(first, sessionId, 'carol');
    await killNode(t, owner);
    await client.closed;
    const survivor = nodes.find((n) => n);
    // Within the node TTL (5 s) its record expires; the next ask places the session anew.
    const deadline = Date.now() + 15000;
    let next = first;
    while (next === first && Date.now() < deadline) {
      await delay(250);
      next = await messagingUrlVia(survivor, sessionId);
    }
    assert.notEqual(next, first, 'placed on a live node');
    // The node that swept the silent one sent carol's connectionDestroyed on its behalf.
    const gone = await receiver.waitFor((p) => p.event === 'connectionDestroyed' && p.connection.id === client.connectionId, {
      what: "carol's connectionDestroyed from a surviving node",
      timeout: 20000,
    });
    assert.equal(gone.sessionId, sessionId);
    assert.equal(gone.reason, 'networkDisconnected');
    assert.equal(gone.reasonDetail, 'serverFailure');
    const rejoined = await joinAt(next, sessionId, 'carol again');
    const listed = runCliJson(['node', 'list', '--redis', redis.url], {});
    assert.equal(listed.length, 2);
    await rejoined.close();
  });

  test('Redis hanging for longer than the node timeout: each node answers for itself, and no live node is taken over', T, async (t) => {
    const receiver = await startReceiver();
    t.after(() => receiver.close());
    const sdk = sdkOn(nodes[0]);
    await promisify(sdk.registerCallback.bind(sdk))({ group: 'connection', event: 'destroyed', url: receiver.url('/hang') });
    const { sessionId } = await createSession(sdk, { mediaMode: 'routed' });
    const ownerUrl = await messagingUrlVia(nodes[0], sessionId);
    const dave = await joinAt(ownerUrl, sessionId, 'dave');
    const readings = () => Promise.all(nodes.map(async (n) => metricValue(await getMetrics(n.url), 'parley_cluster_redis_up')));
    async function waitForReadings(value, timeout) {
      const deadline = Date.now() + timeout;
      let last;
      while (Date.now() < deadline) {
        last = await readings();
        if (last.every((v) => v === value)) return;
        await delay(250);
      }
      assert.fail(`parley_cluster_redis_up is ${last} on the three nodes, expected ${value}`);
    }

    redis.freeze();
    let thawed = false;
    t.after(() => thawed || redis.thaw());
    // Session info through every node still answers; with Redis silent, a node sends the
    // client to itself.
    const { sessionId: during } = await createSession(sdk, { mediaMode: 'routed' });
    for (const via of nodes) {
      const url = await messagingUrlVia(via, during);
      assert.equal(new URL(url).port, new URL(via.url).port, `${via.nodeId} answered for itself: ${url}`);
    }
    await waitForReadings(0, 15000);
    await delay(3000); // every node's mark (2 s) has expired by now
    redis.thaw();
    thawed = true;
    await waitForReadings(1, 30000);
    // Past the point where a sweep would have run: the longest retry pause (8 s) and the
    // node timeout (2 s), plus two beats.
    await delay(12000);
    assert.equal(runCliJson(['node', 'list', '--redis', redis.url], {}).length, 3);
    const destroyed = receiver.received.filter((p) => p.event === 'connectionDestroyed');
    assert.deepEqual(destroyed, [], 'nobody sent "destroyed" webhooks for live connections');
    // dave is still connected and reachable through REST on another node.
    await promisify(sdkOn(nodes[2]).signal.bind(sdkOn(nodes[2])))(sessionId, null, { type: 'note', data: 'after the hang' });
    const frame = await dave.waitForMessage('signal', '/signal/', { timeout: 10000 });
    assert.equal(frame.raptor.content.data, 'after the hang');
    await dave.close();
  });

  // The three nodes again, stopped cleanly (all at once) and started with `extraArgs`.
  async function restartNodes(extraArgs) {
    await Promise.all(nodes.map((n) => n?.stop()));
    for (let i = 0; i < nodes.length; ++i) nodes[i] = await startNode(i, extraArgs);
  }

  let cascading = false;

  // A browser, a routed session and a page per [name, client] connected to its owner, for
  // the cascade tests; `others` are the nodes that do not own it.
  async function cascadeSession(t, clients) {
    const [browser, web] = await Promise.all([launchBrowser(), startStaticServer()]);
    t.after(() => Promise.allSettled([browser.close(), web.close()]));
    const { sessionId } = await createSession(sdkOn(nodes[0]), { mediaMode: 'routed' });
    const owner = nodeFor((await messagingUrlVia(nodes[0], sessionId)).replace(/^ws/, 'http'));
    const pages = [];
    for (const [name, client] of clients) pages.push(await cascadePage(t, browser, web, { sessionId, owner, name, client }));
    return { browser, web, sessionId, owner, others: nodes.filter((n) => n !== owner), pages };
  }

  async function cascadePage(t, browser, web, { sessionId, owner, name, client }) {
    const page = await openClientPage(browser, { pageUrl: web.pageUrl('opentok-client'), name, client });
    t.after(() => page.close().catch(() => {}));
    const token = sdkOn(owner).generateToken(sessionId, { role: 'publisher', data: `name=${name}` });
    await page.connect({ proxyUrl: owner.url, apiKey: project.apiKey, sessionId, token });
    return page;
  }

  test('cascade: a publisher whose transport is placed on another node is decoded by subscribers on the two others, the owner standing for it through a pipe; kill -9 of that node: the publisher (OpenTok.js, then parley.js) is placed again on the node left and the same stream plays on; when all leave, nothing is left on the other nodes', { timeout: 300000 }, async (t) => {
    // Every new transport goes to another node once a node holds one. The cascade tests are
    // the last of the file: the nodes are not restarted without cascading after them.
    await restartNodes(['--cascade-above', '1']);
    cascading = true;
    const { browser, web, sessionId, owner, others, pages } = await cascadeSession(t, [['anchor', 'parley'], ['remote-publisher', 'opentok'], ['viewer-1', 'parley'], ['viewer-2', 'opentok']]);
    const [anchor, remotePublisher, ...viewers] = pages;
    const transports = async (n) => metricValue(await getMetrics(n.url), 'parley_media_transports');
    // The first publisher's transport is the owner's one; the second goes to another node.
    const first = await anchor.publish({ width: 320, height: 240 });
    assert.ok(first.ok, JSON.stringify(first) + anchor.diagnostics());
    const published = await remotePublisher.publish({ width: 320, height: 240 });
    assert.ok(published.ok, JSON.stringify(published) + remotePublisher.diagnostics());
    const mediaStats = () => mediaStatsOf({ server: owner, apiKey: project.apiKey, restJwt: () => restJwt(project.apiKey, project.apiSecret) }, sessionId);
    const listed = (await mediaStats()).publications.find((p) => p.streamId === published.streamId);
    const host = others.find((n) => n.nodeId === listed?.node);
    assert.ok(host, `the second publisher's transport is on another node: ${JSON.stringify(listed)}`);
    assert.equal(await transports(owner), 1, 'the owner holds the first publisher\'s transport only');
    for (const viewer of viewers) {
      await viewer.waitForEvent({ event: 'streamCreated', streamId: published.streamId });
      const subscribed = await viewer.subscribe(published.streamId);
      assert.ok(subscribed.ok, JSON.stringify(subscribed) + viewer.diagnostics());
    }
    const cascadeLog = (n) => n.stderr.split('\n').filter((l) => /publish|subscriber|mirror|media|ICE|DTLS/i.test(l)).slice(-40).join('\n');
    for (const viewer of viewers) {
      await viewer.waitForFrames(published.streamId, 20, { timeoutMs: 30000 }).catch((err) => {
        throw new Error(`${err.message}${viewer.diagnostics()}\n--- owner ${owner.nodeId}:\n${cascadeLog(owner)}\n--- host ${host.nodeId}:\n${cascadeLog(host)}`);
      });
    }
    // The viewers' transports are on the other nodes too (the owner still holds one), and
    // the stream comes to the owner from the node hosting its publisher, to be piped on.
    assert.equal(await transports(owner), 1);
    let elsewhere = 0;
    for (const n of others) elsewhere += await transports(n);
    assert.equal(elsewhere, 3, 'the second publisher and both viewers are on the other nodes');
    const piped = async () => ({
      intoOwner: metricValue(await getMetrics(owner.url), 'parley_media_node_pipe_received_total'),
      fromHost: metricValue(await getMetrics(host.url), 'parley_media_node_pipe_sent_total'),
    });
    const before = await piped();
    await delay(2000);
    const after = await piped();
    t.diagnostic(`over 2 s: the host piped ${after.fromHost - before.fromHost}, the owner took ${after.intoOwner - before.intoOwner}`);
    assert.ok(after.intoOwner - before.intoOwner > 50, JSON.stringify({ before, after }));
    // Recorded on the owner from its mirror: the file has the stream's video and audio (the
    // publisher's sender reports cross the pipe with it).
    const archives = archivesOf(sdkOn(owner));
    const recording = await archives.start(sessionId, { name: 'cascaded', outputMode: 'individual' });
    await delay(4000);
    await archives.stop(recording.id);
    const recorded = await waitFinished(archives, recording.id);
    assert.equal(recorded.status, 'available', JSON.stringify(recorded));
    const { dir: unzipped, manifest } = await downloadAndUnzip(t, recorded);
    const file = manifest.files.find((f) => f.streamId === published.streamId);
    assert.ok(file, JSON.stringify(manifest));
    const probed = probe(join(unzipped, file.filename));
    t.diagnostic(`recording of the stream from another node: ${probed.describe()}, ${probed.videoFrames} frames`);
    assert.ok(probed.video && probed.audio, probed.describe());
    assert.ok(probed.videoFrames >= 30 && probed.duration >= 2, probed.describe());
    // kill -9 of the node hosting a publisher's transport: once the owner counts it gone,
    // the publisher's own ICE restart places it on the node left, the owner's mirror of the
    // stream is fed from there, and the viewers (those the dead node hosted placed again by
    // their own ICE restarts) decode the same streams: nobody sees one end. The killed node
    // then comes back, cascading.
    const watched = [published.streamId];
    const framesOf = (v, sid) => v.page.evaluate((id) => window.parley.subscriberVideo(id).frames, sid);
    const killHostOf = async (streamId, client) => {
      const listedNow = (await mediaStats()).publications.find((p) => p.streamId === streamId);
      const victim = others.find((n) => n.nodeId === listedNow?.node);
      assert.ok(victim, `the ${client} publisher is on another node: ${JSON.stringify(listedNow)}`);
      const survivor = others.find((n) => n !== victim);
      const index = nodes.indexOf(victim);
      const counts = await Promise.all(viewers.map((v) => Promise.all(watched.map((sid) => framesOf(v, sid)))));
      const killedAt = await killNode(t, victim);
      // Each viewer decodes on by its own ICE restart, where it needed one. A viewer that does
      // not is a failure; its inbound stats and both nodes' logs are printed.
      const pipes = async (n) => (await getMetrics(n.url)).split('\n').filter((l) => /node_pipe|rtp_received/.test(l) && !l.startsWith('#')).join('\n');
      for (const [i, viewer] of viewers.entries()) {
        for (const [w, sid] of watched.entries()) {
          await viewer.waitForFrames(sid, counts[i][w] + 30, { timeoutMs: 40000 }).catch(async (err) => {
            throw new Error(`${err.message}\n${viewer.name} ${sid}: ${JSON.stringify(await viewer.call('subscriberInbound', [sid]))}${viewer.diagnostics()}\n--- owner ${owner.nodeId}:\n${cascadeLog(owner)}\n${await pipes(owner)}\n${JSON.stringify((await mediaStats()).publications.map((p) => ({ streamId: p.streamId, node: p.node, layers: p.tracks?.map((tr) => tr.layers.map((l) => [l.ssrc, l.packets, l.keyframes])) })))}\n--- ${survivor.nodeId}:\n${cascadeLog(survivor)}\n${await pipes(survivor)}`);
          });
        }
      }
      t.diagnostic(`kill -9 of the ${client} publisher's node to video of the same streams on every viewer: ${Date.now() - killedAt} ms`);
      console.log(`# cascade: kill -9 of a publisher's node (${client}) to its stream decoded again: ${Date.now() - killedAt} ms`);
      const placedAgain = (owner.stdout + owner.stderr).split('\n').filter((l) => l.includes('publisher transport placed again') && l.includes(streamId));
      assert.equal(placedAgain.length, 1, placedAgain.join('\n'));
      const relisted = (await mediaStats()).publications.find((p) => p.streamId === streamId);
      assert.equal(relisted?.node, survivor.nodeId, JSON.stringify(relisted));
      for (const sid of watched) assert.deepEqual(await anchor.events({ event: 'streamDestroyed', streamId: sid }), [], 'no stream ended');
      nodes[index] = await startNode(index, ['--cascade-above', '1']);
      others.splice(others.indexOf(victim), 1, nodes[index]);
      await delay(3000);  // the restarted node's record seen by the others
    };
    await killHostOf(published.streamId, 'OpenTok.js');
    // The same with a parley.js publisher, placed on another node too (the owner still holds
    // one transport), whose stream the viewers decode beside the first.
    const parleyPublisher = await cascadePage(t, browser, web, { sessionId, owner, name: 'remote-parley', client: 'parley' });
    const second = await parleyPublisher.publish({ width: 320, height: 240 });
    assert.ok(second.ok, JSON.stringify(second) + parleyPublisher.diagnostics());
    for (const viewer of viewers) {
      await viewer.waitForEvent({ event: 'streamCreated', streamId: second.streamId });
      const subscribed = await viewer.subscribe(second.streamId);
      assert.ok(subscribed.ok, JSON.stringify(subscribed) + viewer.diagnostics());
      await viewer.waitForFrames(second.streamId, 20, { timeoutMs: 30000 });
    }
    watched.push(second.streamId);
    await killHostOf(second.streamId, 'parley.js');
    // When everyone leaves, nothing is left on the other nodes.
    for (const viewer of viewers) {
      await viewer.call('disconnect');
      await viewer.close();
    }
    assert.ok((await remotePublisher.call('unpublish')).ok);
    assert.ok((await parleyPublisher.call('unpublish')).ok);
    await anchor.waitForEvent({ event: 'streamDestroyed', streamId: published.streamId });
    await anchor.waitForEvent({ event: 'streamDestroyed', streamId: second.streamId });
    const deadline = Date.now() + 15000;
    const left = async () => Promise.all([owner, ...others].map(transports));
    while (Date.now() < deadline && (await left()).join() !== '1,0,0') await delay(250);
    assert.deepEqual(await left(), [1, 0, 0], 'only the first publisher\'s transport is left');
    // The next test counts transports from nothing.
    await Promise.all([anchor, remotePublisher, parleyPublisher].map((p) => p.call('disconnect')));
    const gone = Date.now() + 15000;
    while (Date.now() < gone && (await left()).join() !== '0,0,0') await delay(250);
    assert.deepEqual(await left(), [0, 0, 0]);
  });

  test('cascade: subscribers placed on the two other nodes decode a stream published on the owner, which crosses once to each node; kill -9 of one of them: its subscribers are placed again and video resumes', { timeout: 180000 }, async (t) => {
    // Every subscriber transport goes to another node once a node holds one transport.
    if (!cascading) await restartNodes(['--cascade-above', '1']);
    const { sessionId, owner, others, pages } = await cascadeSession(t, [['publisher', 'parley'], ['ot-viewer', 'opentok'], ['viewer-1', 'parley'], ['viewer-2', 'parley']]);
    const [publisher, ...viewers] = pages;
    const published = await publisher.publish({ width: 320, height: 240 });
    assert.ok(published.ok, JSON.stringify(published) + publisher.diagnostics());
    for (const viewer of viewers) {
      await viewer.waitForEvent({ event: 'streamCreated', streamId: published.streamId });
      const subscribed = await viewer.subscribe(published.streamId);
      assert.ok(subscribed.ok, JSON.stringify(subscribed) + viewer.diagnostics());
    }
    for (const viewer of viewers) {
      await viewer.waitForFrames(published.streamId, 20).catch((err) => {
        throw new Error(`${err.message}${viewer.diagnostics()}\n--- owner:\n${owner.logTail?.() ?? ''}`);
      });
    }
    // Signaling is all on the owner; its workers hold only the publisher's transport, and
    // the three subscriber transports are on the other two nodes (one of them holds two).
    const transports = async (n) => metricValue(await getMetrics(n.url), 'parley_media_transports');
    assert.equal(metricValue(await getMetrics(owner.url), 'parley_connections'), 4);
    assert.equal(await transports(owner), 1);
    const hosted = [];
    for (const n of others) hosted.push(await transports(n));
    assert.deepEqual([...hosted].sort(), [1, 2], `subscriber transports on the other nodes: ${hosted}`);
    const pair = others[hosted.indexOf(2)];
    // Over three seconds the stream crosses once per node, not once per subscriber: what the
    // owner pipes is what the two nodes take, and the node with two subscribers takes as much
    // as the node with one. (Not all the owner receives crosses: bandwidth probes stop there.)
    const sample = async () => {
      const [o, a, b] = await Promise.all([owner, pair, others.find((n) => n !== pair)].map((n) => getMetrics(n.url)));
      return {
        received: metricValue(o, 'parley_media_rtp_received_total'),
        piped: metricValue(o, 'parley_media_node_pipe_sent_total'),
        takenByPair: metricValue(a, 'parley_media_node_pipe_received_total'),
        takenBySingle: metricValue(b, 'parley_media_node_pipe_received_total'),
      };
    };
    const first = await sample();
    await delay(3000);
    const last = await sample();
    const d = Object.fromEntries(Object.keys(first).map((k) => [k, last[k] - first[k]]));
    t.diagnostic(`owner ${owner.nodeId}, over 3 s: ${JSON.stringify(d)}`);
    assert.ok(d.received > 50 && d.piped > d.received, JSON.stringify(d));
    const taken = d.takenByPair + d.takenBySingle;
    assert.ok(Math.abs(d.piped - taken) <= 0.05 * d.piped, `piped ${d.piped}, taken ${taken}`);
    assert.ok(Math.abs(d.takenByPair - d.takenBySingle) <= 0.1 * d.takenBySingle,
      `the node with two subscribers took ${d.takenByPair}, the one with one ${d.takenBySingle}`);
    // Subscriber stats on the owner name the nodes hosting them.
    const stats = await mediaStatsOf({ server: owner, apiKey: project.apiKey, restJwt: () => restJwt(project.apiKey, project.apiSecret) }, sessionId);
    const listed = stats.subscriptions.map((s) => s.node).filter(Boolean).sort();
    assert.deepEqual(listed, [...others.map((n) => n.nodeId), pair.nodeId].sort());
    // kill -9 of the node hosting two subscribers (OpenTok.js's and a parley.js one, the first
    // and third placed): once the owner sees it silent, each subscriber's ICE restart (its
    // client's own, when media stops) places it again, and video resumes.
    const frames = (v) => v.page.evaluate((sid) => window.parley.subscriberVideo(sid).frames, published.streamId);
    const killedAt = await killNode(t, pair);
    const cascadeLog = (n) => n.stderr.split('\n').filter((l) => /subscriber|mirror|media|node left|ICE|DTLS/i.test(l)).slice(-40).join('\n');
    // Each viewer decodes again by its client's ICE restart (placed again with new SSRCs: see
    // docs/cluster.md); one that does not is a failure, with its inbound stats and both
    // nodes' logs.
    const survivor = others.find((n) => n !== pair);
    for (const viewer of viewers) {
      const before = await frames(viewer);
      await viewer.waitForFrames(published.streamId, before + 30, { timeoutMs: 40000 }).catch(async (err) => {
        throw new Error(`${err.message}\n${viewer.name}: ${JSON.stringify(await viewer.call('subscriberInbound', [published.streamId]))}${viewer.diagnostics()}\n--- owner ${owner.nodeId}:\n${cascadeLog(owner)}\n--- ${survivor.nodeId}:\n${cascadeLog(survivor)}`);
      });
    }
    t.diagnostic(`kill -9 of a node hosting two subscribers to video again on every viewer: ${Date.now() - killedAt} ms`);
    console.log(`# cascade: kill -9 of a hosting node to video resumed: ${Date.now() - killedAt} ms`);
    // Both subscriptions of the dead node were placed again when their clients restarted ICE.
    const placedAgain = (owner.stdout + owner.stderr).split('\n').filter((l) => l.includes('subscriber transport placed again') && l.includes(sessionId));
    assert.equal(placedAgain.length, 2, placedAgain.join('\n'));
    others.splice(others.indexOf(pair), 1);
    assert.equal(await transports(others[0]), 3, 'all three subscribers on the node left');
    // When the viewers leave, what they left on the other node goes too.
    for (const viewer of viewers) {
      await viewer.call('disconnect');
      await viewer.close();
    }
    const deadline = Date.now() + 15000;
    while (Date.now() < deadline && (await transports(others[0])) + (await transports(owner)) > 1) await delay(250);
    assert.deepEqual([await transports(others[0]), await transports(owner)], [0, 1], 'only the publisher is left');
  });
});
