// Rumor frames: the binary messages carried one per WebSocket binary message (docs/protocol.md §6.2–§6.4).
//
//   u32  length   total frame size - 4 (big-endian, like every integer here)
//   u16  reserved 0 when sent, ignored when received
//   u8   type     §6.3
//   u8   nAddr    then nAddr × (u16 byte length, UTF-8 bytes)
//   u8   nHdr     then nHdr × (u16 key length, key, u16 value length, value)
//   ...  payload  UTF-8 text to the end of the frame, not length-prefixed
//
// Limits (docs/protocol.md §9.3): at most 255 addresses and 255 headers, each address, key and value at most
// 65535 bytes once UTF-8 encoded; the payload is bounded only by the 32-bit length field.

export const RumorType = {
  SUBSCRIBE: 0,
  UNSUBSCRIBE: 1,
  MESSAGE: 2,
  CONNECT: 3,
  DISCONNECT: 4,
  PING: 7,
  PONG: 8,
  STATUS: 9,
} as const;

export type RumorTypeName = keyof typeof RumorType;
export type RumorTypeValue = (typeof RumorType)[RumorTypeName];

const TYPE_NAMES = new Map<number, RumorTypeName>(
  (Object.keys(RumorType) as RumorTypeName[]).map((name) => [RumorType[name], name]),
);

/** True for the eight type bytes of docs/protocol.md §6.3; other values decode fine but mean nothing. */
export function isKnownRumorType(type: number): type is RumorTypeValue {
  return TYPE_NAMES.has(type);
}

/** `MESSAGE`, `STATUS`, … or `UNKNOWN(5)`. */
export function rumorTypeName(type: number): string {
  return TYPE_NAMES.get(type) ?? `UNKNOWN(${type})`;
}

/** Header names used by the protocol (docs/protocol.md §6.3, §6.4). Keys are case-sensitive. */
export const RumorHeader = {
  TRANSACTION_ID: 'TRANSACTION-ID',
  FROM_ADDRESS: 'X-TB-FROM-ADDRESS',
  CONTENT_TYPE: 'Content-Type',
  TOKEN_AUTH: 'X-TB-TOKEN-AUTH',
  STATUS: 'STATUS',
  UNIQUE_ID: 'uniqueId',
  NOTIFY_DISCONNECT_ADDRESS: 'notifyDisconnectAddress',
  RECONNECT: 'reconnect',
} as const;

export const RUMOR_LIMITS = {
  maxAddresses: 255,
  maxHeaders: 255,
  maxFieldBytes: 0xffff,
  /** Largest value of the length field (frame size - 4). */
  maxLength: 0xffffffff,
  /** Size of the smallest frame: no address, no header, no payload. */
  minFrameBytes: 9,
} as const;

/** Headers of a decoded frame: an object without prototype, so any key is safe. */
export type RumorHeaders = Record<string, string>;

export interface RumorFrame {
  type: number;
  addresses: string[];
  headers: RumorHeaders;
  payload: string;
}

export interface RumorFrameInit {
  type: number;
  addresses?: readonly string[];
  /** A record, or [key, value] pairs when the order or duplicates matter. */
  headers?: Readonly<Record<string, string>> | Iterable<readonly [string, string]>;
  payload?: string | Uint8Array;
}

export type RumorFrameErrorCode =
  | 'truncated' // the frame ends inside a field
  | 'length-mismatch' // the length field disagrees with the frame's size
  | 'too-large' // larger than the caller's maxFrameBytes, or than the length field can say
  | 'invalid-type' // type not an integer in 0…255 (encoding)
  | 'too-many-addresses'
  | 'too-many-headers'
  | 'field-too-long' // an address, key or value over 65535 bytes (encoding)
  | 'invalid-utf8' // an address, key, value or payload that is not UTF-8 (decoding)
  | 'invalid-field'; // an address, key or value that is not a string (encoding)

export class RumorFrameError extends Error {
  override readonly name = 'RumorFrameError';
  readonly code: RumorFrameErrorCode;
  /** Byte offset where decoding failed, when it applies. */
  readonly offset: number | undefined;

  constructor(code: RumorFrameErrorCode, message: string, offset?: number) {
    super(message);
    this.code = code;
    this.offset = offset;
  }
}

const encoder = new TextEncoder();
// fatal: reject bytes that are not UTF-8; ignoreBOM: keep a leading U+FEFF as data.
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function utf8(value: unknown, what: string): Uint8Array {
  if (typeof value !== 'string') {
    throw new RumorFrameError('invalid-field', `${what} must be a string, got ${typeof value}`);
  }
  const bytes = encoder.encode(value);
  if (bytes.length > RUMOR_LIMITS.maxFieldBytes) {
    throw new RumorFrameError('field-too-long', `${what} is ${bytes.length} bytes (max ${RUMOR_LIMITS.maxFieldBytes})`);
  }
  return bytes;
}

function headerPairs(headers: RumorFrameInit['headers']): Array<readonly [string, string]> {
  if (!headers) return [];
  if (typeof (headers as Iterable<unknown>)[Symbol.iterator] === 'function') {
    return [...(headers as Iterable<readonly [string, string]>)];
  }
  return Object.keys(headers).map((k) => [k, (headers as Record<string, string>)[k]!] as const);
}

/** Encodes one frame. Throws RumorFrameError when a docs/protocol.md §9.3 limit is exceeded. */
export function encodeRumorFrame(init: RumorFrameInit): Uint8Array {
  const { type } = init;
  if (!Number.isInteger(type) || type < 0 || type > 255) {
    throw new RumorFrameError('invalid-type', `frame type must be an integer in 0…255, got ${String(type)}`);
  }
  const addresses = init.addresses ?? [];
  if (addresses.length > RUMOR_LIMITS.maxAddresses) {
    throw new RumorFrameError('too-many-addresses', `${addresses.length} addresses (max ${RUMOR_LIMITS.maxAddresses})`);
  }
  const pairs = headerPairs(init.headers);
  if (pairs.length > RUMOR_LIMITS.maxHeaders) {
    throw new RumorFrameError('too-many-headers', `${pairs.length} headers (max ${RUMOR_LIMITS.maxHeaders})`);
  }

  const parts: Uint8Array[] = [];
  let size = 9; // length, reserved, type, nAddr, nHdr
  for (let i = 0; i < addresses.length; i++) {
    const b = utf8(addresses[i], `address ${i}`);
    parts.push(b);
    size += 2 + b.length;
  }
  for (const [key, value] of pairs) {
    const k = utf8(key, 'header key');
    const v = utf8(value, `value of header ${JSON.stringify(key)}`);
    parts.push(k, v);
    size += 4 + k.length + v.length;
  }
  const payload = init.payload === undefined ? new Uint8Array(0)
    : typeof init.payload === 'string' ? encoder.encode(init.payload) : init.payload;
  size += payload.length;
  if (size - 4 > RUMOR_LIMITS.maxLength) {
    throw new RumorFrameError('too-large', `frame of ${size} bytes does not fit the 32-bit length field`);
  }

  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, size - 4);
  // bytes 4 and 5 (reserved) stay 0
  out[6] = type;
  out[7] = addresses.length;
  let o = 8;
  let p = 0;
  const put = (b: Uint8Array) => {
    view.setUint16(o, b.length);
    out.set(b, o + 2);
    o += 2 + b.length;
  };
  for (let i = 0; i < addresses.length; i++) put(parts[p++]!);
  out[o++] = pairs.length;
  for (let i = 0; i < pairs.length; i++) {
    put(parts[p++]!);
    put(parts[p++]!);
  }
  out.set(payload, o);
  return out;
}

export interface DecodeOptions {
  /** Reject frames larger than this many bytes (before looking inside). */
  maxFrameBytes?: number;
}

function bytesOf(data: ArrayBuffer | ArrayBufferView): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer || Object.prototype.toString.call(data) === '[object ArrayBuffer]') {
    return new Uint8Array(data as ArrayBuffer);
  }
  throw new TypeError('a Rumor frame is an ArrayBuffer or a byte view');
}

/**
 * Decodes one frame. Throws RumorFrameError when the bytes are not a well-formed frame:
 * shorter than 9 bytes, a length field that is not the frame size - 4, a field running past
 * the end, or text that is not UTF-8. Unknown type bytes are returned as they are.
 */
export function decodeRumorFrame(data: ArrayBuffer | ArrayBufferView, options: DecodeOptions = {}): RumorFrame {
  const bytes = bytesOf(data);
  if (options.maxFrameBytes !== undefined && bytes.length > options.maxFrameBytes) {
    throw new RumorFrameError('too-large', `frame of ${bytes.length} bytes exceeds ${options.maxFrameBytes}`);
  }
  if (bytes.length < RUMOR_LIMITS.minFrameBytes) {
    throw new RumorFrameError('truncated', `frame of ${bytes.length} bytes is shorter than ${RUMOR_LIMITS.minFrameBytes}`, bytes.length);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.getUint32(0);
  if (length !== bytes.length - 4) {
    throw new RumorFrameError('length-mismatch', `length field says ${length} but ${bytes.length - 4} bytes follow it`, 0);
  }

  let o = 6;
  const need = (n: number, what: string) => {
    if (o + n > bytes.length) {
      throw new RumorFrameError('truncated', `frame ends inside ${what} (needs ${n} bytes at offset ${o}, frame is ${bytes.length})`, o);
    }
  };
  const text = (start: number, end: number, what: string): string => {
    try {
      return decoder.decode(bytes.subarray(start, end));
    } catch {
      throw new RumorFrameError('invalid-utf8', `${what} is not valid UTF-8`, start);
    }
  };
  const field = (what: string): string => {
    need(2, `the length of ${what}`);
    const n = view.getUint16(o);
    o += 2;
    need(n, what);
    const s = text(o, o + n, what);
    o += n;
    return s;
  };

  const type = bytes[o++]!;
  const nAddr = bytes[o++]!;
  const addresses: string[] = [];
  for (let i = 0; i < nAddr; i++) addresses.push(field(`address ${i}`));
  need(1, 'the header count');
  const nHdr = bytes[o++]!;
  const headers: RumorHeaders = Object.create(null) as RumorHeaders;
  for (let i = 0; i < nHdr; i++) {
    const key = field(`header key ${i}`);
    headers[key] = field(`value of header ${JSON.stringify(key)}`); // duplicates: last one wins
  }
  const payload = text(o, bytes.length, 'payload');
  return { type, addresses, headers, payload };
}

// ---------------------------------------------------------------------------------------
// The frames a client sends (docs/protocol.md §6.3).

/** CONNECT: first frame on a new socket; no address, empty payload, no reply expected. */
export function connectFrame(uniqueId: string, notifyDisconnectAddress: string, transactionId: string): RumorFrameInit {
  return {
    type: RumorType.CONNECT,
    headers: {
      [RumorHeader.UNIQUE_ID]: uniqueId,
      [RumorHeader.TRANSACTION_ID]: transactionId,
      [RumorHeader.NOTIFY_DISCONNECT_ADDRESS]: notifyDisconnectAddress,
    },
  };
}

export function subscribeFrame(topics: readonly string[]): RumorFrameInit {
  return { type: RumorType.SUBSCRIBE, addresses: topics };
}

export function unsubscribeFrame(topics: readonly string[]): RumorFrameInit {
  return { type: RumorType.UNSUBSCRIBE, addresses: topics };
}

/** DISCONNECT: `''` = leaving for good, `'1'` = abandoning this socket for a new one. */
export function disconnectFrame(reconnect: '' | '1'): RumorFrameInit {
  return { type: RumorType.DISCONNECT, headers: { [RumorHeader.RECONNECT]: reconnect } };
}

export function pingFrame(): RumorFrameInit {
  return { type: RumorType.PING };
}

/** The client's acknowledgement of a server MESSAGE: no STATUS header, empty payload (docs/protocol.md §6.5). */
export function ackFrame(toAddress: string, transactionId: string, fromAddress: string): RumorFrameInit {
  return {
    type: RumorType.STATUS,
    addresses: [toAddress],
    headers: { [RumorHeader.TRANSACTION_ID]: transactionId, [RumorHeader.FROM_ADDRESS]: fromAddress },
  };
}
