// Random UUID v4 strings (lowercase, hyphenated) for connection, stream, subscriber, socket
// and transaction ids (docs/protocol.md §1.3, §1.4).
//
// crypto.randomUUID() exists only in secure contexts (https or localhost); a page served over
// plain http from another host still has crypto.getRandomValues(), so the UUID is built from
// 16 random bytes here. The socketId is the credential that resumes a connection after a
// dropped socket (docs/protocol.md §6.7), so ids must be unguessable: without a
// cryptographic random source there is no safe id, and uuid() throws rather than fall back
// to Math.random.

interface CryptoLike {
  getRandomValues<T extends ArrayBufferView | null>(array: T): T;
}

function randomBytes(n: number): Uint8Array {
  const bytes = new Uint8Array(n);
  const c = (globalThis as { crypto?: CryptoLike }).crypto;
  if (!c || typeof c.getRandomValues !== 'function') {
    throw new Error('parley.js needs crypto.getRandomValues (Web Crypto) for unguessable ids');
  }
  c.getRandomValues(bytes);
  return bytes;
}

const HEX: string[] = [];
for (let i = 0; i < 256; i++) HEX.push((i + 0x100).toString(16).slice(1));

export function uuid(): string {
  const b = randomBytes(16);
  b[6] = (b[6]! & 0x0f) | 0x40; // version 4
  b[8] = (b[8]! & 0x3f) | 0x80; // RFC 4122 variant
  let s = '';
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) s += '-';
    s += HEX[b[i]!];
  }
  return s;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_RE.test(value);
}
