// Keys of OpenTok-compatible end-to-end encryption (docs/protocol.md §8.7): the session's base
// key from the app's secret, the key id (KID) of each publisher, and the SFrame cipher keys
// derived from the base key (early-draft SFrame, AES-CTR-128 with an HMAC-SHA256 tag cut to 10
// bytes). Everything runs on WebCrypto (SubtleCrypto), in browsers and in Node alike.

/** Bytes in an ordinary ArrayBuffer, as WebCrypto takes them. */
export type Bytes = Uint8Array<ArrayBuffer>;

const PBKDF2_ITERATIONS = 100000;
const text = new TextEncoder();

function subtle(): SubtleCrypto {
  const s = (globalThis as { crypto?: Crypto }).crypto?.subtle;
  if (!s) throw new Error('WebCrypto (crypto.subtle) is not available');
  return s;
}

async function pbkdf2(password: string, salt: string, bytes: number): Promise<Bytes> {
  const material = await subtle().importKey('raw', text.encode(password), 'PBKDF2', false, ['deriveBits']);
  const bits = await subtle().deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: text.encode(salt), iterations: PBKDF2_ITERATIONS }, material, bytes * 8);
  return new Uint8Array(bits);
}

/** HMAC-SHA256(key, data). */
export async function hmacSha256(key: Bytes, data: Bytes): Promise<Bytes> {
  const k = await subtle().importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await subtle().sign('HMAC', k, data));
}

/** HKDF-Expand with SHA-256 (RFC 5869 §2.3): `length` bytes from `prk` and the ASCII label `info`. */
export async function hkdfExpand(prk: Bytes, info: string, length: number): Promise<Bytes> {
  const label = text.encode(info);
  const out = new Uint8Array(length);
  let previous = new Uint8Array(0);
  for (let i = 1, filled = 0; filled < length; i++) {
    const block = new Uint8Array(previous.length + label.length + 1);
    block.set(previous, 0);
    block.set(label, previous.length);
    block[block.length - 1] = i;
    previous = await hmacSha256(prk, block);
    out.set(previous.subarray(0, Math.min(previous.length, length - filled)), filled);
    filled += previous.length;
  }
  return out;
}

/** The session's 32-byte base key: PBKDF2-SHA256 of the secret, salted with the session id. */
export function deriveBaseKey(secret: string, sessionId: string): Promise<Bytes> {
  return pbkdf2(secret, sessionId, 32);
}

/**
 * A publisher's KID: the first 6 bytes (big-endian) of PBKDF2-SHA256 of its connection id,
 * salted with the session id, so every client computes it without being told.
 */
export async function senderKeyId(connectionId: string, sessionId: string): Promise<number> {
  const b = await pbkdf2(connectionId, sessionId, 32);
  let id = 0;
  for (let i = 0; i < 6; i++) id = id * 256 + (b[i] ?? 0);
  return id;
}

/** The raw SFrame keys derived from one base key. */
export interface SframeKeyMaterial {
  /** The SFrame key (input of the AEAD keys). */
  key: Bytes;
  /** 12 bytes XORed with the frame counter to form the nonce. */
  salt: Bytes;
  /** AES-128-CTR key. */
  enc: Bytes;
  /** HMAC-SHA256 key of the tag. */
  auth: Bytes;
}

/** The SFrame key schedule: extract with "SFrame10", then the AES-CTR/HMAC keys of the AEAD. */
export async function deriveSframeKeys(baseKey: Bytes): Promise<SframeKeyMaterial> {
  const secret = await hmacSha256(text.encode('SFrame10'), baseKey);
  const key = await hkdfExpand(secret, 'key', 16);
  const salt = await hkdfExpand(secret, 'salt', 12);
  const aead = await hmacSha256(text.encode('SFrame10 AES CTR AEAD'), key);
  return { key, salt, enc: await hkdfExpand(aead, 'enc', 16), auth: await hkdfExpand(aead, 'auth', 32) };
}

/** The keys as WebCrypto keys, ready for every frame. */
export interface SframeKeys {
  salt: Bytes;
  enc: CryptoKey;
  auth: CryptoKey;
}

export async function importSframeKeys(m: SframeKeyMaterial): Promise<SframeKeys> {
  return {
    salt: m.salt,
    enc: await subtle().importKey('raw', m.enc, 'AES-CTR', false, ['encrypt', 'decrypt']),
    auth: await subtle().importKey('raw', m.auth, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']),
  };
}

/** Base key → ready SFrame keys. */
export async function sframeKeysFromBaseKey(baseKey: Bytes): Promise<SframeKeys> {
  return importSframeKeys(await deriveSframeKeys(baseKey));
}

/** OpenTok.js's rule for a secret: a string of 8 to 256 characters; the problem, or undefined. */
export function encryptionSecretProblem(secret: unknown): string | undefined {
  if (typeof secret !== 'string') return 'the secret must be a string';
  if (secret.length < 8 || secret.length > 256) return 'the secret must be between 8 and 256 characters long';
  return undefined;
}
