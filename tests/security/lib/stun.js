// Minimal STUN (RFC 8489) for the media attacks: an ICE connectivity check (Binding request with
// USERNAME, PRIORITY, ICE-CONTROLLING, MESSAGE-INTEGRITY and FINGERPRINT) and a parser for the
// answer's type. Plus an RTP packet of the right shape and the SDP fields the checks need.
import crypto from 'node:crypto';
import zlib from 'node:zlib';

const MAGIC = 0x2112a442;
const FINGERPRINT_XOR = 0x5354554e;

function attr(type, value) {
  const pad = (4 - (value.length % 4)) % 4;
  const b = Buffer.alloc(4 + value.length + pad);
  b.writeUInt16BE(type, 0);
  b.writeUInt16BE(value.length, 2);
  value.copy(b, 4);
  return b;
}

function header(type, bodyLength, txid) {
  const h = Buffer.alloc(20);
  h.writeUInt16BE(type, 0);
  h.writeUInt16BE(bodyLength, 2);
  h.writeUInt32BE(MAGIC, 4);
  txid.copy(h, 8);
  return h;
}

// A Binding request authenticated with the short-term credential `password` (the answer's
// ice-pwd) for USERNAME "<remote ufrag>:<local ufrag>".
export function bindingRequest({ username, password, useCandidate = false, txid = crypto.randomBytes(12) }) {
  const prio = Buffer.alloc(4);
  prio.writeUInt32BE(0x6e7f1eff);
  const tie = crypto.randomBytes(8);
  let body = Buffer.concat([
    attr(0x0006, Buffer.from(username, 'utf8')),
    attr(0x0024, prio),
    attr(0x802a, tie),
    ...(useCandidate ? [attr(0x0025, Buffer.alloc(0))] : []),
  ]);
  // MESSAGE-INTEGRITY: HMAC-SHA1 over the message up to it, length counting it (24 bytes).
  const miInput = Buffer.concat([header(0x0001, body.length + 24, txid), body]);
  const mi = crypto.createHmac('sha1', password).update(miInput).digest();
  body = Buffer.concat([body, attr(0x0008, mi)]);
  // FINGERPRINT: CRC-32 over the message up to it, length counting it (8 bytes), XOR'ed.
  const fpInput = Buffer.concat([header(0x0001, body.length + 8, txid), body]);
  const fp = Buffer.alloc(4);
  fp.writeUInt32BE((zlib.crc32(fpInput) ^ FINGERPRINT_XOR) >>> 0);
  body = Buffer.concat([body, attr(0x8028, fp)]);
  return { bytes: Buffer.concat([header(0x0001, body.length, txid), body]), txid };
}

// 'success', 'error', or null for something that is not a STUN Binding response.
export function bindingResponseKind(buf) {
  if (buf.length < 20 || buf.readUInt32BE(4) !== MAGIC) return null;
  const type = buf.readUInt16BE(0);
  if (type === 0x0101) return 'success';
  if (type === 0x0111) return 'error';
  return null;
}

// An RTP packet (version 2, payload type 96) with `ssrc` and a small payload; not encrypted,
// which does not matter: it is dispatched on its source address before anything checks it.
export function rtpPacket({ ssrc = 0x11223344, seq = 1, pt = 96 } = {}) {
  const b = Buffer.alloc(12 + 32);
  b[0] = 0x80;
  b[1] = pt & 0x7f;
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE(1000 * seq, 4);
  b.writeUInt32BE(ssrc >>> 0, 8);
  return b;
}

// ICE credentials and UDP host candidates of an SDP (and of trickled candidate strings).
export function iceOf(sdp, candidates = []) {
  const ufrag = sdp.match(/^a=ice-ufrag:(\S+)/m)?.[1];
  const pwd = sdp.match(/^a=ice-pwd:(\S+)/m)?.[1];
  const udp = [];
  const lines = [...sdp.split(/\r?\n/).filter((l) => l.startsWith('a=candidate:')).map((l) => l.slice(2)), ...candidates];
  for (const c of lines) {
    const m = c.match(/^candidate:\S+ \d+ udp \d+ (\S+) (\d+) typ host/i);
    if (m) udp.push({ ip: m[1], port: Number(m[2]) });
  }
  return { ufrag, pwd, udp };
}
