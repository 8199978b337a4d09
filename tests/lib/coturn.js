// coturn (Debian package `coturn`) for end-to-end tests, and a minimal TURN client (RFC 8656
// Allocate with long-term credentials) to check which credentials coturn accepts.
//
// Not a test file. Typical use:
//   const turn = await startCoturn({ secret });
//   ... parleyd --turn-url turn:127.0.0.1:${turn.port} --turn-secret secret ...
//   const r = await turnAllocate({ port: turn.port, username, password });  // r.ok / r.errorCode
//   await turn.stop();

import crypto from 'node:crypto';
import dgram from 'node:dgram';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';

import { freeRtcPort, makeTempDir, removeDir } from './parleyd.js';

export function coturnPath() {
  return process.env.TURNSERVER ?? '/usr/bin/turnserver';
}

const delay = (ms) => new Promise((r) => setTimeout(r, ms));

// Starts turnserver on 127.0.0.1 with the TURN REST API secret `secret` (use-auth-secret) and
// a generated configuration in a temporary directory. Resolves once its UDP and TCP listeners
// are open (read from its log). Returns {port, realm, pid, log(), stop()}.
export async function startCoturn({ secret, realm = 'parley.test', timeoutMs = 20000 } = {}) {
  const binary = coturnPath();
  if (!fs.existsSync(binary)) throw new Error(`coturn not found at ${binary} (install the Debian package "coturn")`);
  const dir = makeTempDir('parley-coturn-');
  const port = await freeRtcPort(0);
  const logFile = path.join(dir, 'turn.log');
  const conf = [
    'listening-ip=127.0.0.1',
    // Relayed traffic leaves from loopback too, so peers (parleyd's SFU, other browsers'
    // relay addresses) are all 127.0.0.1.
    'relay-ip=127.0.0.1',
    `listening-port=${port}`,
    'use-auth-secret',
    `static-auth-secret=${secret}`,
    `realm=${realm}`,
    'fingerprint',
    // coturn refuses to relay to 127.0.0.0/8 and ::1 unless told otherwise; every peer in
    // this test is on loopback. Never in production.
    'allow-loopback-peers',
    'no-multicast-peers',
    'no-cli',
    'no-tls',
    'no-dtls',
    'no-software-attribute',
    `userdb=${path.join(dir, 'turndb')}`,
    `pidfile=${path.join(dir, 'turn.pid')}`,
    `log-file=${logFile}`,
    'simple-log',
    'verbose',
  ].join('\n');
  const confFile = path.join(dir, 'turnserver.conf');
  fs.writeFileSync(confFile, `${conf}\n`);
  const child = spawn(binary, ['-c', confFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => { output = (output + d).slice(-200000); });
  child.stderr.on('data', (d) => { output = (output + d).slice(-200000); });
  let exited = null;
  const exitPromise = new Promise((resolve) => child.on('exit', (code, signal) => {
    exited = { code, signal };
    resolve(exited);
  }));
  const readLog = () => {
    try {
      return fs.readFileSync(logFile, 'utf8');
    } catch {
      return '';
    }
  };
  const handle = {
    port,
    realm,
    pid: child.pid,
    dir,
    log: readLog,
    output: () => output,
    tail: (chars = 4000) => `\n===== coturn log (last ${chars} chars) =====\n${readLog().slice(-chars)}`,
    async stop() {
      if (!exited) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => { if (!exited) child.kill('SIGKILL'); }, 5000);
        await exitPromise;
        clearTimeout(timer);
      }
      removeDir(dir);
    },
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const log = readLog();
    if (log.includes(`UDP listener opened on: 127.0.0.1:${port}`) && log.includes(`TCP listener opened on : 127.0.0.1:${port}`)) break;
    if (exited || Date.now() > deadline) {
      await handle.stop().catch(() => {});
      throw new Error(`coturn did not start (${JSON.stringify(exited)}):\n${output}\n${log.slice(-4000)}`);
    }
    await delay(100);
  }
  return handle;
}

// TURN REST API credentials (what parleyd hands out), computed here independently.
export function restCredentials(secret, user, expiresAt) {
  const username = `${expiresAt}:${user}`;
  return { username, credential: crypto.createHmac('sha1', secret).update(username).digest('base64') };
}

// ---------------------------------------------------------------------------------------
// STUN/TURN messages (RFC 8489, RFC 8656): just enough for an Allocate.

const MAGIC = 0x2112a442;
const ATTR = {
  USERNAME: 0x0006, MESSAGE_INTEGRITY: 0x0008, ERROR_CODE: 0x0009, REALM: 0x0014, NONCE: 0x0015,
  XOR_RELAYED_ADDRESS: 0x0016, REQUESTED_TRANSPORT: 0x0019, LIFETIME: 0x000d, FINGERPRINT: 0x8028,
};

function attribute(type, value) {
  const pad = (4 - (value.length % 4)) % 4;
  const head = Buffer.alloc(4);
  head.writeUInt16BE(type, 0);
  head.writeUInt16BE(value.length, 2);
  return Buffer.concat([head, value, Buffer.alloc(pad)]);
}

// Builds a request; with `key`, appends MESSAGE-INTEGRITY (HMAC-SHA1 over the message with
// the length already counting the integrity attribute).
function message(type, txId, attrs, key) {
  let body = Buffer.concat(attrs);
  const header = (len) => {
    const h = Buffer.alloc(20);
    h.writeUInt16BE(type, 0);
    h.writeUInt16BE(len, 2);
    h.writeUInt32BE(MAGIC, 4);
    txId.copy(h, 8);
    return h;
  };
  if (key) {
    const hmac = crypto.createHmac('sha1', key).update(Buffer.concat([header(body.length + 24), body])).digest();
    body = Buffer.concat([body, attribute(ATTR.MESSAGE_INTEGRITY, hmac)]);
  }
  return Buffer.concat([header(body.length), body]);
}

function parse(buf) {
  const type = buf.readUInt16BE(0);
  const len = buf.readUInt16BE(2);
  const attrs = new Map();
  let o = 20;
  while (o + 4 <= 20 + len && o + 4 <= buf.length) {
    const t = buf.readUInt16BE(o);
    const l = buf.readUInt16BE(o + 2);
    attrs.set(t, buf.subarray(o + 4, o + 4 + l));
    o += 4 + l + ((4 - (l % 4)) % 4);
  }
  return { type, txId: buf.subarray(8, 20), attrs };
}

function errorCodeOf(msg) {
  const v = msg.attrs.get(ATTR.ERROR_CODE);
  if (!v) return null;
  return { code: (v[2] & 0x7) * 100 + v[3], reason: v.subarray(4).toString('utf8') };
}

// One request over UDP with retransmissions; resolves with the parsed response.
function transact(socket, port, packet, txId, { timeoutMs = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    let tries = 0;
    let timer;
    const onMessage = (buf) => {
      if (buf.length < 20 || buf.readUInt32BE(4) !== MAGIC || !buf.subarray(8, 20).equals(txId)) return;
      clearTimeout(timer);
      socket.off('message', onMessage);
      resolve(parse(buf));
    };
    socket.on('message', onMessage);
    const send = () => {
      if (tries * 500 >= timeoutMs) {
        socket.off('message', onMessage);
        reject(new Error(`no TURN answer from 127.0.0.1:${port} within ${timeoutMs} ms`));
        return;
      }
      tries += 1;
      socket.send(packet, port, '127.0.0.1');
      timer = setTimeout(send, 500);
    };
    send();
  });
}

// Allocate (UDP relay) over UDP with long-term credentials: first unauthenticated to learn
// realm and nonce (401), then with USERNAME/REALM/NONCE/MESSAGE-INTEGRITY, key =
// MD5(username:realm:password). Resolves {ok: true, relayedPort} or {ok: false, errorCode,
// reason}; a successful allocation is released again (Refresh, lifetime 0).
export async function turnAllocate({ port, username, password }) {
  const socket = dgram.createSocket('udp4');
  await new Promise((resolve) => socket.bind(0, '127.0.0.1', resolve));
  try {
    const transport = attribute(ATTR.REQUESTED_TRANSPORT, Buffer.from([17, 0, 0, 0]));
    let txId = crypto.randomBytes(12);
    const first = await transact(socket, port, message(0x0003, txId, [transport]), txId);
    const challenge = errorCodeOf(first);
    if (!challenge || challenge.code !== 401) throw new Error(`expected a 401 challenge, got type 0x${first.type.toString(16)} ${JSON.stringify(challenge)}`);
    const realm = first.attrs.get(ATTR.REALM);
    const nonce = first.attrs.get(ATTR.NONCE);
    const key = crypto.createHash('md5').update(`${username}:${realm.toString('utf8')}:${password}`).digest();
    const auth = [attribute(ATTR.USERNAME, Buffer.from(username)), attribute(ATTR.REALM, realm), attribute(ATTR.NONCE, nonce)];
    txId = crypto.randomBytes(12);
    const second = await transact(socket, port, message(0x0003, txId, [transport, ...auth], key), txId);
    if (second.type === 0x0103) {
      const relayed = second.attrs.get(ATTR.XOR_RELAYED_ADDRESS);
      const relayedPort = relayed ? relayed.readUInt16BE(2) ^ (MAGIC >>> 16) : null;
      txId = crypto.randomBytes(12);
      await transact(socket, port, message(0x0004, txId, [attribute(ATTR.LIFETIME, Buffer.alloc(4)), ...auth], key), txId).catch(() => {});
      return { ok: true, relayedPort };
    }
    const err = errorCodeOf(second);
    return { ok: false, type: second.type, errorCode: err?.code ?? null, reason: err?.reason ?? null };
  } finally {
    socket.close();
  }
}
