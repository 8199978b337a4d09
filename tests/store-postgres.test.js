// parleyd nodes on one PostgreSQL (--store, docs/cluster.md): a real PostgreSQL started
// for the test (scripts/test-postgres), the `parley` CLI and two parleyd nodes on it.
// What one node or the CLI writes, the others read; nodes starting together migrate once;
// each webhook event is delivered once although every node's deliverer claims from the
// same outbox; a node that restarts after a crash closes out its own connections only.
//
// Run: PARLEYD=build/asan/parleyd PARLEY_CLI=build/asan/parley \
//        node --test --test-concurrency=1 tests/store-postgres.test.js

import { describe, before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { promisify } from 'node:util';
import OpenTok from 'opentok';

import {
  startParleyd,
  createSession,
  getSessionInfo,
  makeTempDir,
  removeDir,
  runCli,
  runCliJson,
  describeCli,
} from './lib/parleyd.js';
import { startPostgres } from './lib/postgres.js';
import { RumorClient } from './lib/rumor.js';
import { startReceiver } from './lib/webhook-receiver.js';

const T = { timeout: 90000 };
const NODE_ARGS = ['--callback-retry-ms', '200', '--allow-private-callbacks'];

async function startNode(url, nodeId, dataDir) {
  return startParleyd({ apiKey: null, apiSecret: null, dataDir, extraArgs: ['--store', url, '--node-id', nodeId, ...NODE_ARGS] });
}

async function join(node, project, sessionId, data) {
  const ot = new OpenTok(project.apiKey, project.apiSecret, { apiUrl: node.url });
  const client = await RumorClient.open(node.url.replace(/^http/, 'ws') + '/rumorwebsocketsv2');
  const reply = await client.join({ apiKey: project.apiKey, sessionId, token: ot.generateToken(sessionId, { data }) });
  assert.equal(reply.status, 200, JSON.stringify(reply.payload));
  return client;
}

describe('parleyd nodes sharing PostgreSQL', () => {
  let pg;
  const dirs = [];
  const running = new Set();
  const tempDir = () => {
    const d = makeTempDir();
    dirs.push(d);
    return d;
  };

  before(async () => {
    pg = await startPostgres();
  });

  after(async () => {
    try {
      await Promise.allSettled([...running].map((node) => node.terminate('SIGKILL')));
    } finally {
      await pg?.stop();
      for (const d of dirs) removeDir(d);
    }
  });

  test('the CLI and two nodes share projects and sessions; nodes starting together migrate once', T, async () => {
    const url = await pg.createDatabase('shared_state');
    const bad = runCli(['--store', 'mysql://x', 'project', 'list']);
    assert.equal(bad.code, 2, describeCli(bad));
    assert.match(bad.stderr, /postgresql:\/\//);

    // Both nodes start on the empty database at once; then the CLI adds a project.
    const [one, two] = await Promise.all([startNode(url, 'node-1', tempDir()), startNode(url, 'node-2', tempDir())]);
    running.add(one).add(two);
    const projects = runCliJson(['--store', url, 'project', 'list'], {});
    assert.equal(projects.length, 1, 'one "default" project, created by whichever node came first');
    const project = runCliJson(['--store', url, 'project', 'create', '--name', 'shared'], {});

    // A session created through node 1's REST API with the official SDK...
    const sdkOne = new OpenTok(project.apiKey, project.apiSecret, { apiUrl: one.url });
    const { sessionId } = await createSession(sdkOne, { mediaMode: 'routed' });
    // ...is known to node 2 (session info) and to the CLI.
    const token = sdkOne.generateToken(sessionId);
    const info = await getSessionInfo(two.url, sessionId, token);
    assert.equal(info.status, 200, info.body);
    assert.equal(info.json()[0].error, undefined, info.body);
    assert.equal(info.json()[0].session_id, sessionId);
    const minted = runCliJson(['--store', url, 'token', 'create', '--session', sessionId], {});
    assert.equal(typeof minted.token, 'string');

    // A secret rotated with the CLI stops working on every node.
    runCliJson(['--store', url, 'project', 'rotate-secret', '--project', project.apiKey], {});
    const stale = await getSessionInfo(two.url, sessionId, token);
    assert.equal(stale.json()[0].error?.code, 403, stale.body);

    for (const node of [one, two]) {
      await node.stop();
      running.delete(node);
    }
  });

  test('webhooks: every event once, whichever node records or delivers it; a restart closes out only its own node', T, async () => {
    const url = await pg.createDatabase('webhooks');
    const receiver = await startReceiver();
    const dir1 = tempDir();
    let one = await startNode(url, 'node-1', dir1);
    const two = await startNode(url, 'node-2', tempDir());
    running.add(one).add(two);
    try {
      const project = runCliJson(['--store', url, 'project', 'create', '--name', 'hooks'], {});
      const sdk = new OpenTok(project.apiKey, project.apiSecret, { apiUrl: two.url });
      for (const [group, event] of [['connection', 'created'], ['connection', 'destroyed']]) {
        await promisify(sdk.registerCallback.bind(sdk))({ group, event, url: receiver.url('/hooks') });
      }
      const { sessionId } = await createSession(sdk, { mediaMode: 'routed' });

      // Twelve joins and leaves spread over both nodes: 24 events in one outbox, claimed by
      // two deliverers polling it at the same time.
      const clients = [];
      for (let i = 0; i < 12; ++i) clients.push(await join(i % 2 ? two : one, project, sessionId, `n=${i}`));
      for (const c of clients) await c.leave();
      const mine = (p) => p.sessionId === sessionId;
      const deadline = Date.now() + 30000;
      while (receiver.received.filter(mine).length < 24 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const ids = receiver.received.filter(mine).map((p) => p._headers['webhook-id']);
      assert.equal(ids.length, 24, JSON.stringify(receiver.received.filter(mine).map((p) => p.event)));
      assert.equal(new Set(ids).size, 24, 'no event delivered twice');
      // A moment more: nothing arrives late a second time.
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal(receiver.hits.filter((h) => h.url === '/hooks' && JSON.parse(h.body).sessionId === sessionId).length, 24);

      // One client on each node; node 1 is killed and restarted on the same node id.
      const onOne = await join(one, project, sessionId, 'on=1');
      const onTwo = await join(two, project, sessionId, 'on=2').then((c) => c.keepalive());
      await receiver.waitFor((p) => p.event === 'connectionCreated' && p.connection.id === onTwo.connectionId, { what: 'node 2 client created' });
      await one.terminate('SIGKILL');
      running.delete(one);
      await onOne.terminate();
      one = await startNode(url, 'node-1', dir1);
      running.add(one);
      const closed = await receiver.waitFor(
        (p) => p.event === 'connectionDestroyed' && p.connection.id === onOne.connectionId,
        { what: "node 1's client closed out after its restart", timeout: 20000 },
      );
      assert.equal(closed.sessionId, sessionId);
      // Node 2's client is still connected: no event for it.
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal(receiver.received.some((p) => p.event === 'connectionDestroyed' && p.connection.id === onTwo.connectionId), false);
      await onTwo.leave();
      await receiver.waitFor((p) => p.event === 'connectionDestroyed' && p.connection.id === onTwo.connectionId, { what: 'node 2 client left' });
    } finally {
      await receiver.close();
      for (const node of [one, two]) {
        if (running.has(node)) {
          await node.stop();
          running.delete(node);
        }
      }
    }
  });
});
