// Attack suite, issue 10 item 3: file-descriptor exhaustion without a token. parleyd runs under
// a low fd limit (prlimit --nofile=256:256); an anonymous attacker on 127.0.0.2 opens far more
// sockets than that. parleyd must keep serving the other address (/healthz, a joined victim, a
// new join) once its connection caps are set below the fd limit, must not flood its log on
// EMFILE whatever the caps, and must close WebSockets that never join a session.
import { describe, afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import WebSocket from 'ws';

import {
  startServer, rumorFixture, assertVictimUnharmed, assertHealthy, hasFlag, logLines, delay, request, RumorClient, Type,
} from './lib/harness.js';

const T = { timeout: 90000 };
const NOFILE = 256;
const ATTACKER = '127.0.0.2';  // loopback, but another address than the victim's 127.0.0.1
const ATTACK_SOCKETS = 400;
// A flood is millions of lines; a few per refused connection (or a rate-limited summary) is not.
const MAX_ATTACK_LOG_LINES = 2000;

// Opens `count` TCP connections from `localAddress`, each sending a request head that never
// ends. Resolves the sockets (connected or not); a socket the server closes is destroyed.
async function openMany(port, count, localAddress = ATTACKER) {
  const sockets = [];
  const pending = [];
  for (let i = 0; i < count; i++) {
    pending.push(new Promise((resolve) => {
      const s = net.connect({ port, host: '127.0.0.1', localAddress });
      s.on('error', () => {});
      s.on('close', () => resolve(s));
      s.on('connect', () => {
        s.write('GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ');
        resolve(s);
      });
      sockets.push(s);
    }));
    if (pending.length % 50 === 0) await Promise.all(pending.slice(-50));
  }
  await Promise.all(pending);
  return sockets;
}

// /healthz from 127.0.0.1 answers 200 within a few tries (each with a generous timeout).
async function healthzAnswers(server, tries = 3) {
  let last;
  for (let i = 0; i < tries; i++) {
    try {
      const res = await request('GET', `${server.url}/healthz`, { timeoutMs: 8000 });
      if (res.status === 200) return true;
      last = `status ${res.status}`;
    } catch (err) {
      last = err.message;
    }
    await delay(500);
  }
  return last;
}

// A WebSocket from `localAddress` to the Rumor endpoint, wrapped as a RumorClient.
async function openWs(url, localAddress = ATTACKER) {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/rumorwebsocketsv2`, { localAddress });
  ws.binaryType = 'nodebuffer';
  const c = new RumorClient(ws);
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  return c;
}

describe('attack: fd exhaustion and idle sockets (issue 10 item 3)', () => {
  let fx;
  let sockets = [];
  afterEach(async () => {
    for (const s of sockets) s.destroy();
    sockets = [];
    if (!fx) return;
    const server = fx.server;
    await fx.closeClients();
    fx = null;
    await server.stop();
  });

  test(`caps below the fd limit (${NOFILE}): ${ATTACK_SOCKETS} anonymous sockets do not stop /healthz, a joined victim or a new join`, T, async () => {
    const caps = [];
    if (hasFlag('--max-tcp-per-ip')) caps.push('--max-tcp-per-ip', '64');
    if (hasFlag('--max-tcp-connections')) caps.push('--max-tcp-connections', '160');
    fx = rumorFixture(await startServer({ nofile: NOFILE, extraArgs: caps }));
    const sid = await fx.session();
    const victim = await fx.join(sid, { role: 'moderator', data: 'victim' });
    const peer = await fx.join(sid, { data: 'peer' });
    const before = logLines(fx.server);
    sockets = await openMany(fx.server.port, ATTACK_SOCKETS);
    const held = sockets.filter((s) => !s.destroyed && s.readyState === 'open').length;
    const health = await healthzAnswers(fx.server);
    assert.equal(health, true, `/healthz during the attack (${held} attacker sockets held open, caps: ${caps.join(' ') || 'none'}): ${health}\n${fx.server.logs()}`);
    await assertVictimUnharmed(fx, victim, { peer, what: 'victim during the attack' });
    const joiner = await fx.join(sid, { data: 'joined during the attack' });
    await victim.waitForMessage('created', `/connection/${joiner.connectionId}`);
    const attackLines = logLines(fx.server) - before;
    assert.ok(attackLines < MAX_ATTACK_LOG_LINES, `the attack produced ${attackLines} log lines`);
    for (const s of sockets) s.destroy();
    await assertHealthy(fx.server, 'after the attack');
    await assertVictimUnharmed(fx, victim, { peer, what: 'victim after the attack' });
  });

  test(`default caps: ${ATTACK_SOCKETS} sockets against ${NOFILE} fds do not flood the log, and parleyd recovers when they leave`, T, async () => {
    fx = rumorFixture(await startServer({ nofile: NOFILE }));
    const sid = await fx.session();
    const victim = await fx.join(sid, { role: 'moderator', data: 'victim' });
    const peer = await fx.join(sid, { data: 'peer' });
    const before = logLines(fx.server);
    sockets = await openMany(fx.server.port, ATTACK_SOCKETS);
    await delay(3000);  // the attack lasts a while: what is logged meanwhile is the measure
    const attackLines = logLines(fx.server) - before;
    assert.equal(fx.server.exitInfo, null, `parleyd exited during the attack\n${fx.server.logs()}`);
    assert.ok(attackLines < MAX_ATTACK_LOG_LINES, `${attackLines} log lines (${fx.server.bytes} bytes in all) while ${ATTACK_SOCKETS} sockets were held\n${fx.server.stderr.slice(-2000)}`);
    assert.equal(victim.closeCode, undefined, 'the victim lost its socket during the attack');
    for (const s of sockets) s.destroy();
    sockets = [];
    await assertHealthy(fx.server, 'after the attacker left', { timeoutMs: 20000 });
    await assertVictimUnharmed(fx, victim, { peer });
    const joiner = await fx.join(sid);
    await victim.waitForMessage('created', `/connection/${joiner.connectionId}`);
  });

  test('WebSockets that never join a session are closed within seconds, whatever they send (PING, CONNECT)', T, async () => {
    const timeoutMs = 2000;
    const extraArgs = hasFlag('--join-timeout') ? ['--join-timeout', String(timeoutMs)] : [];
    fx = rumorFixture(await startServer({ extraArgs }));
    const sid = await fx.session();
    const victim = await fx.join(sid, { data: 'victim', keepalive: 300 });
    const idle = await openWs(fx.server.url);
    const pinger = (await openWs(fx.server.url)).keepalive(300);
    const connector = (await openWs(fx.server.url)).keepalive(300);
    connector.hello({ apiKey: fx.apiKey, sessionId: sid });  // CONNECT + SUBSCRIBE, never `connection create`
    const opened = Date.now();
    // "Within a few seconds" (or --join-timeout): well under the 30 s silence timeout, which
    // the pinging sockets never reach.
    const limit = 25000;
    const codes = await Promise.all([idle, pinger, connector].map((c) => Promise.race([c.closed, delay(limit).then(() => 'still open')])));
    assert.deepEqual(codes.map((c) => c === 'still open'), [false, false, false],
      `sockets still open ${Math.round((Date.now() - opened) / 1000)} s after opening (idle, pinging, CONNECTed without joining): ${codes}`);
    assert.ok(pinger.frames.some((f) => f.type === Type.PONG), 'the pinging socket was answered while open (the test exercised it)');
    await assertVictimUnharmed(fx, victim);
  });
});
