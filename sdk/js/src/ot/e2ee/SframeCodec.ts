// The encrypted frame format of OpenTok-compatible end-to-end encryption (docs/protocol.md §8.7):
// [clear codec prefix][SFrame header][AES-CTR ciphertext][10-byte tag]. The clear prefix keeps
// what the SFU and the depacketizers must read (Opus TOC byte, VP8 payload header, H.264 NAL
// headers); with H.264 every slice NAL unit is sealed on its own, the other NAL units stay clear.

import type { Bytes, SframeKeys } from './SframeKeys.js';

export const TAG_LENGTH = 10;

/** The media codecs whose clear prefix is known; anything else is sent unencrypted. */
export type FrameCodec = 'opus' | 'red' | 'vp8' | 'vp9' | 'h264';

/** A codec from a mimeType (`video/VP8`, `audio/opus` …), or undefined when frames of it cannot be encrypted. */
export function frameCodecOf(mimeType: string | undefined): FrameCodec | undefined {
  const m = (mimeType ?? '').toLowerCase();
  if (m.includes('opus')) return 'opus';
  if (m.endsWith('/red')) return 'red';
  if (m.includes('vp8')) return 'vp8';
  if (m.includes('vp9')) return 'vp9';
  if (m.includes('h264')) return 'h264';
  return undefined;
}

function subtle(): SubtleCrypto {
  return (globalThis as { crypto: Crypto }).crypto.subtle;
}

/** Minimal big-endian bytes of a non-negative integer (at least one byte). */
function minimalBytes(n: number): number[] {
  const out: number[] = [];
  let v = n;
  do {
    out.unshift(v % 256);
    v = Math.floor(v / 256);
  } while (v > 0);
  return out;
}

/**
 * The SFrame header: a config byte [R=0 | counter length − 1 (3 bits) | X | K (3 bits)]; a KID
 * below 8 sits in K, a larger one follows as K+1 big-endian bytes (X set); then the counter.
 */
export function encodeHeader(kid: number, counter: number): Bytes {
  const ctr = minimalBytes(counter);
  if (kid < 8) return Uint8Array.from([((ctr.length - 1) << 4) | kid, ...ctr]);
  const k = minimalBytes(kid);
  return Uint8Array.from([((ctr.length - 1) << 4) | 0x08 | (k.length - 1), ...k, ...ctr]);
}

export interface ParsedHeader {
  kid: number;
  counter: number;
  length: number;
}

/** The header at the start of `data`, or undefined when it does not fit. */
export function parseHeader(data: Bytes): ParsedHeader | undefined {
  const config = data[0];
  if (config === undefined) return undefined;
  const ctrLength = ((config >> 4) & 0x07) + 1;
  let pos = 1;
  let kid = config & 0x07;
  if (config & 0x08) {
    const kidLength = kid + 1;
    if (data.length < pos + kidLength) return undefined;
    kid = 0;
    for (let i = 0; i < kidLength; i++) kid = kid * 256 + data[pos + i]!;
    pos += kidLength;
  }
  if (data.length < pos + ctrLength) return undefined;
  let counter = 0;
  for (let i = 0; i < ctrLength; i++) counter = counter * 256 + data[pos + i]!;
  return { kid, counter, length: pos + ctrLength };
}

/** The 12-byte nonce: the salt with the counter XORed into its last bytes. */
function nonceOf(salt: Bytes, counter: number): Bytes {
  const nonce = Uint8Array.from(salt);
  let v = counter;
  for (let i = 11; i >= 0 && v > 0; i--) {
    nonce[i] = nonce[i]! ^ (v % 256);
    v = Math.floor(v / 256);
  }
  return nonce;
}

function u64be(n: number): Bytes {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n));
  return b;
}

function concat(parts: readonly Bytes[]): Bytes {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

/** The first 10 bytes of HMAC(auth; AAD length, ciphertext length (64-bit BE), nonce, AAD, ciphertext). */
async function tagOf(keys: SframeKeys, nonce: Bytes, aad: Bytes, ciphertext: Bytes): Promise<Bytes> {
  const mac = await subtle().sign('HMAC', keys.auth, concat([u64be(aad.length), u64be(ciphertext.length), nonce, aad, ciphertext]));
  return new Uint8Array(mac, 0, TAG_LENGTH);
}

function aesCtr(keys: SframeKeys, nonce: Bytes, data: Bytes, encrypt: boolean): Promise<ArrayBuffer> {
  const counter = new Uint8Array(16);
  counter.set(nonce, 0);
  const params = { name: 'AES-CTR', counter, length: 32 };
  return encrypt ? subtle().encrypt(params, keys.enc, data) : subtle().decrypt(params, keys.enc, data);
}

/** One SFrame unit: header ‖ AES-CTR(plaintext) ‖ tag, the header being the AAD. */
export async function seal(keys: SframeKeys, kid: number, counter: number, plaintext: Bytes): Promise<Bytes> {
  const header = encodeHeader(kid, counter);
  const nonce = nonceOf(keys.salt, counter);
  const ciphertext = new Uint8Array(await aesCtr(keys, nonce, plaintext, true));
  return concat([header, ciphertext, await tagOf(keys, nonce, header, ciphertext)]);
}

export type OpenFailure = 'unparsable' | 'unknown-kid' | 'auth-failed';

/** Verifies and decrypts one SFrame unit whose header must carry `kid`. */
export async function open(keys: SframeKeys, kid: number, unit: Bytes): Promise<Bytes | OpenFailure> {
  const header = parseHeader(unit);
  if (!header || unit.length < header.length + TAG_LENGTH) return 'unparsable';
  if (header.kid !== kid) return 'unknown-kid';
  const aad = unit.subarray(0, header.length);
  const ciphertext = unit.subarray(header.length, unit.length - TAG_LENGTH);
  const nonce = nonceOf(keys.salt, header.counter);
  const expected = await tagOf(keys, nonce, aad, ciphertext);
  const tag = unit.subarray(unit.length - TAG_LENGTH);
  let diff = 0;
  for (let i = 0; i < TAG_LENGTH; i++) diff |= expected[i]! ^ tag[i]!;
  if (diff !== 0) return 'auth-failed';
  return new Uint8Array(await aesCtr(keys, nonce, ciphertext, false));
}

/** An H.264 NAL unit in an Annex-B frame: where its start code begins and its header byte sits. */
interface NalUnit {
  startCode: number;
  header: number;
  end: number;
}

/** NAL units by 3-byte start codes; a zero before one makes it a 4-byte start code. */
function nalUnits(frame: Bytes): NalUnit[] {
  const found: Array<{ startCode: number; header: number }> = [];
  for (let i = 0; i + 2 < frame.length; i++) {
    if (frame[i] === 0 && frame[i + 1] === 0 && frame[i + 2] === 1) {
      found.push({ startCode: i > 0 && frame[i - 1] === 0 ? i - 1 : i, header: i + 3 });
      i += 2;
    }
  }
  return found.map((n, i) => ({ ...n, end: found[i + 1]?.startCode ?? frame.length }));
}

const isSlice = (nalHeader: number | undefined): boolean => {
  const type = (nalHeader ?? 0) & 0x1f;
  return type >= 1 && type <= 5;
};

/**
 * An H.264 frame with the body of each slice NAL unit (after its start code, header and one
 * more byte, which stay clear) replaced by `transform(body)`; other NAL units as they are.
 * 'unparsable' without any NAL unit; the first failure `transform` reports, if any.
 */
async function eachSlice(frame: Bytes, transform: (body: Bytes) => Promise<Bytes | OpenFailure>): Promise<Bytes | OpenFailure> {
  const nals = nalUnits(frame);
  if (nals.length === 0) return 'unparsable';
  const parts: Bytes[] = [frame.subarray(0, nals[0]!.startCode)];
  for (const nal of nals) {
    const clearEnd = nal.header + 2;
    if (!isSlice(frame[nal.header]) || clearEnd > nal.end) {
      parts.push(frame.subarray(nal.startCode, nal.end));
      continue;
    }
    const out = await transform(frame.subarray(clearEnd, nal.end));
    if (typeof out === 'string') return out;
    parts.push(frame.subarray(nal.startCode, clearEnd), out);
  }
  return concat(parts);
}

/** How many bytes of a VP8/Opus frame stay clear, or 0. */
function clearPrefix(codec: FrameCodec, frame: Bytes): number {
  if (codec === 'opus') return 1;
  if (codec === 'vp8') return (frame[0]! & 0x01) === 0 ? 10 : 3;
  return 0;
}

/** Encrypts one encoded frame; undefined when it cannot be (unknown codec, too short, no NAL unit). */
export async function encryptFrame(keys: SframeKeys, kid: number, counter: number, codec: FrameCodec | undefined, frame: Bytes): Promise<Bytes | undefined> {
  if (!codec) return undefined;
  if (codec !== 'h264') {
    const clear = clearPrefix(codec, frame);
    if (frame.length < clear) return undefined;
    return concat([frame.subarray(0, clear), await seal(keys, kid, counter, frame.subarray(clear))]);
  }
  // Every slice of one frame uses the frame's counter, as the format wants.
  const sealed = await eachSlice(frame, (body) => seal(keys, kid, counter, body));
  return sealed === 'unparsable' ? undefined : (sealed as Bytes);
}

/** Decrypts one encoded frame, or says why it cannot. */
export async function decryptFrame(keys: SframeKeys, kid: number, codec: FrameCodec | undefined, frame: Bytes): Promise<Bytes | OpenFailure> {
  if (!codec) return 'unparsable';
  if (codec !== 'h264') {
    const clear = clearPrefix(codec, frame);
    if (frame.length <= clear) return 'unparsable';
    const plain = await open(keys, kid, frame.subarray(clear));
    return typeof plain === 'string' ? plain : concat([frame.subarray(0, clear), plain]);
  }
  return eachSlice(frame, (body) => open(keys, kid, body));
}
