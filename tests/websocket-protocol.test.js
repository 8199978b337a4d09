// parleyd's own WebSocket layer (RFC 6455) seen from a raw TCP client: the opening handshake,
// control frames, fragmentation, and what a client that breaks the protocol gets: a close
// frame with the right code, then the TCP connection closed — never a crash or a hang.
import { describe, before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import net from 'node:net';

import { startParleyd } from './lib/parleyd.js';
import { Type, encodeFrame, decodeFrame } from './lib/rumor.js';

const T = { timeout: 60000 };
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

// A client frame, masked with a random key. `length` overrides the declared payload length.
function clientFrame(first, payload = Buffer.alloc(0), { mask = true, length } = {}) {
  const body = Buffer.from(payload);
  const n = length ?? body.length;
  let header;
  if (n < 126) header = Buffer.from([first, n]);
  else if (n <= 0xffff) { header = Buffer.from([first, 126, 0, 0]); header.writeUInt16BE(n, 2); }
  else { header = Buffer.alloc(10); header[0] = first; header[1] = 127; header.writeBigUInt64BE(BigInt(n), 2); }
  if (!mask) return Buffer.concat([header, body]);
  header[1] |= 0x80;
  const key = crypto.randomBytes(4);
  const masked = Buffer.from(body);
  for (let i = 0; i < masked.length; i++) masked[i] ^= key[i % 4];
  return Buffer.concat([header, key, masked]);
}

// Server frames parsed from the byte stream: {fin, opcode, payload}.
function parseServerFrames(buf) {
  const frames = [];
  let o = 0;
  while (buf.length - o >= 2) {
    const fin = (buf[o] & 0x80) !== 0;
    const opcode = buf[o] & 0x0f;
    assert.equal(buf[o + 1] & 0x80, 0, 'server frames are never masked');
    let n = buf[o + 1] & 0x7f;
    let h = 2;
    if (n === 126) { if (buf.length - o < 4) break; n = buf.readUInt16BE(o + 2); h = 4; }
    else if (n === 127) { if (buf.length - o < 10) break; n = Number(buf.readBigUInt64BE(o + 2)); h = 10; }
    if (buf.length - o < h + n) break;
    frames.push({ fin, opcode, payload: buf.subarray(o + h, o + h + n) });
    o += h + n;
  }
  return { frames, rest: buf.subarray(o) };
}

// A raw connection: sends the upgrade request, collects the response head, then frames.
class RawSocket {
  static open(port, { key = crypto.randomBytes(16).toString('base64'), version = '13', path = '/rumorwebsocketsv2' } = {}) {
    const raw = new RawSocket();
    raw.key = key;
    raw.sock = net.connect(port, '127.0.0.1');
    raw.sock.setNoDelay(true);
    raw.buf = Buffer.alloc(0);
    raw.frames = [];
    raw.ended = false;
    raw.sock.on('data', (d) => raw.onData(d));
    raw.sock.on('close', () => { raw.ended = true; });
    raw.sock.on('error', () => {});
    raw.sock.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n` +
      `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: ${version}\r\n\r\n`);
    return raw;
  }

  onData(d) {
    this.buf = Buffer.concat([this.buf, d]);
    if (this.head === undefined) {
      const end = this.buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      this.head = this.buf.subarray(0, end).toString('latin1');
      this.buf = this.buf.subarray(end + 4);
      if (!this.head.startsWith('HTTP/1.1 101')) return;  // an error response: body follows
    }
    if (!this.head.startsWith('HTTP/1.1 101')) return;
    const { frames, rest } = parseServerFrames(this.buf);
    this.frames.push(...frames);
    this.buf = rest;
  }

  send(bytes) { this.sock.write(bytes); }

  async until(pred, what, ms = 20000) {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      if (pred()) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.fail(`timed out waiting for ${what}; head ${JSON.stringify(this.head)}, frames ${JSON.stringify(this.frames.map((f) => f.opcode))}, ended ${this.ended}`);
  }

  closeFrame() { return this.frames.find((f) => f.opcode === 0x8); }
  closeCode() { const f = this.closeFrame(); return f && f.payload.length >= 2 ? f.payload.readUInt16BE(0) : undefined; }
  rumorFrames() { return this.frames.filter((f) => f.opcode === 0x2).map((f) => decodeFrame(f.payload)); }
  destroy() { this.sock.destroy(); }
}

describe('WebSocket protocol (RFC 6455) on /rumorwebsocketsv2', () => {
  let server;
  const open = [];
  const raw = (opts) => { const r = RawSocket.open(server.port, opts); open.push(r); return r; };

  before(async () => { server = await startParleyd({ extraArgs: ['--max-frame-bytes', '65536'] }); });
  after(async () => {
    for (const r of open) r.destroy();
    // A clean exit (and no sanitizer report) after all of it is part of the verdict.
    const info = await server.stop();
    assert.equal(info.code, 0, `parleyd exited with ${JSON.stringify(info)}`);
  });

  test('the handshake answers the key with SHA-1 of key and GUID', T, async () => {
    const r = raw();
    await r.until(() => r.head !== undefined, 'the response head');
    assert.match(r.head, /^HTTP\/1\.1 101 /);
    const expected = crypto.createHash('sha1').update(r.key + GUID).digest('base64');
    assert.match(r.head, new RegExp(`\\r\\nSec-WebSocket-Accept: ${expected.replace(/[+/]/g, '\\$&')}(\\r\\n|$)`, 'i'));
  });

  test('another WebSocket version gets 426 naming version 13, a bad key 400', T, async () => {
    const v8 = raw({ version: '8' });
    await v8.until(() => v8.head !== undefined, 'the response head');
    assert.match(v8.head, /^HTTP\/1\.1 426 /);
    assert.match(v8.head, /\r\nSec-WebSocket-Version: 13/i);
    const badKey = raw({ key: 'not-a-key' });
    await badKey.until(() => badKey.head !== undefined, 'the response head');
    assert.match(badKey.head, /^HTTP\/1\.1 400 /);
  });

  test('a ping is answered with a pong carrying its payload', T, async () => {
    const r = raw();
    r.send(clientFrame(0x89, 'are you there'));
    await r.until(() => r.frames.some((f) => f.opcode === 0xa), 'a pong');
    assert.equal(r.frames.find((f) => f.opcode === 0xa).payload.toString(), 'are you there');
  });

  test('a Rumor frame in fragments, with a ping between them, is one message', T, async () => {
    const r = raw();
    const ping = encodeFrame({ type: Type.PING });
    r.send(Buffer.concat([clientFrame(0x02, ping.subarray(0, 3)), clientFrame(0x89, 'x'),
      clientFrame(0x00, ping.subarray(3, 5)), clientFrame(0x80, ping.subarray(5))]));
    await r.until(() => r.rumorFrames().some((f) => f.type === Type.PONG), 'the Rumor PONG');
    assert.ok(r.frames.some((f) => f.opcode === 0xa), 'the WebSocket ping was answered too');
  });

  test('many messages in one TCP segment are all answered, in order', T, async () => {
    const r = raw();
    const ping = encodeFrame({ type: Type.PING });
    r.send(Buffer.concat(Array.from({ length: 200 }, () => clientFrame(0x82, ping))));
    await r.until(() => r.rumorFrames().length >= 200, '200 Rumor PONGs');
    assert.ok(r.rumorFrames().every((f) => f.type === Type.PONG));
    assert.equal(r.closeFrame(), undefined);
  });

  const violations = [
    ['an unmasked frame', () => clientFrame(0x82, 'abc', { mask: false }), 1002],
    ['a reserved bit', () => clientFrame(0xc2, 'abc'), 1002],
    ['an unknown opcode', () => clientFrame(0x83, 'abc'), 1002],
    ['a continuation of nothing', () => clientFrame(0x80, 'abc'), 1002],
    ['a fragmented ping', () => clientFrame(0x09, 'abc'), 1002],
    ['a text message that is not UTF-8', () => clientFrame(0x81, Buffer.from([0xc0, 0x80])), 1007],
    // Only the header: parleyd must refuse from the declared length, not wait for a megabyte.
    ['a message over --max-frame-bytes', () => clientFrame(0x82, Buffer.alloc(0), { length: 1 << 20 }), 1009],
  ];
  for (const [what, bytes, code] of violations) {
    test(`${what} gets close code ${code} and the connection closed`, T, async () => {
      const r = raw();
      await r.until(() => r.head !== undefined, 'the handshake');
      r.send(bytes());
      await r.until(() => r.closeFrame() && r.ended, `close ${code} and the end of the connection`);
      assert.equal(r.closeCode(), code);
    });
  }

  test('a client that pings and never reads is dropped, not sent an endless backlog of pongs', T, async () => {
    const r = raw();
    await r.until(() => r.head !== undefined, 'the handshake');
    r.sock.pause();  // reads nothing more: parleyd's pongs pile up
    const burst = Buffer.concat(Array.from({ length: 1000 }, () => clientFrame(0x89, Buffer.alloc(125, 0x70))));
    // Each burst is 131 kB of pings and asks for 127 kB of pongs. parleyd must give up on the
    // reader at its 4 MiB limit; well before 64 MB, whatever the kernel buffers hold.
    let sent = 0;
    while (!r.ended && sent < 64 * 1024 * 1024) {
      const more = r.sock.write(burst);
      sent += burst.length;
      if (!more) {
        await Promise.race([
          new Promise((resolve) => r.sock.once('drain', resolve)),
          new Promise((resolve) => setTimeout(resolve, 200)),
        ]);
      }
    }
    await r.until(() => r.ended, 'parleyd dropping the reader', 30000);
    assert.ok(sent < 64 * 1024 * 1024, `still connected after ${sent} bytes of pings`);
  });

  test('a client close is answered with the same code, then the connection ends', T, async () => {
    const r = raw();
    const body = Buffer.alloc(2);
    body.writeUInt16BE(4001);
    r.send(clientFrame(0x88, body));
    await r.until(() => r.closeFrame() && r.ended, 'the close reply and the end of the connection');
    assert.equal(r.closeCode(), 4001);
  });

  test('parleyd still serves after all of it', T, async () => {
    const res = await fetch(`${server.url}/healthz`);
    assert.equal(res.status, 200);
  });
});
