// Unit tests of the Rumor frame codec (docs/protocol.md §6.2–§6.4, limits of §9.3), against the built
// ES module bundle (node sdk/js/build.mjs).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import {
  RumorType,
  RumorHeader,
  RumorFrameError,
  RUMOR_LIMITS,
  encodeRumorFrame,
  decodeRumorFrame,
  isKnownRumorType,
  rumorTypeName,
  connectFrame,
  subscribeFrame,
  unsubscribeFrame,
  disconnectFrame,
  pingFrame,
  ackFrame,
} from '../dist/parley.mjs';
import { encodeFrame as referenceEncode, decodeFrame as referenceDecode } from '../../../tests/lib/rumor.js';

const hex = (bytes) => Buffer.from(bytes).toString('hex');
const fromHex = (s) => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const ascii = (s) => Buffer.from(s, 'latin1').toString('hex');

// A frame whose length field is right for `body` (everything after the length field).
function withLength(body) {
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setUint32(0, body.length);
  out.set(body, 4);
  return out;
}

function assertFrameError(fn, code) {
  assert.throws(fn, (err) => {
    assert.ok(err instanceof RumorFrameError, `expected RumorFrameError, got ${err?.name}: ${err?.message}`);
    assert.equal(err.name, 'RumorFrameError');
    assert.equal(err.code, code, err.message);
    return true;
  });
}

// Deterministic pseudo-random numbers (mulberry32) for the mutation tests.
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('RumorFrame: the byte layout of docs/protocol.md §6.2', () => {
  test('PING is 00 00 00 05 00 00 07 00 00', () => {
    assert.equal(hex(encodeRumorFrame(pingFrame())), '000000050000070000');
    const f = decodeRumorFrame(fromHex('000000050000070000'));
    assert.deepEqual({ ...f, headers: { ...f.headers } }, { type: 7, addresses: [], headers: {}, payload: '' });
  });

  test('PONG as parleyd must send it decodes', () => {
    const f = decodeRumorFrame(fromHex('00 00 00 05 00 00 08 00 00'));
    assert.equal(f.type, RumorType.PONG);
    assert.deepEqual(f.addresses, []);
    assert.equal(f.payload, '');
  });

  test('the STATUS example of §6.2, byte for byte', () => {
    const expected =
      '0000002d 0000 09 01 0003' + ascii('sym') + '02' +
      '000e' + ascii('TRANSACTION-ID') + '0002' + ascii('t1') +
      '0006' + ascii('STATUS') + '0003' + ascii('200') + '7b7d';
    const bytes = encodeRumorFrame({ type: RumorType.STATUS, addresses: ['sym'], headers: { 'TRANSACTION-ID': 't1', STATUS: '200' }, payload: '{}' });
    assert.equal(hex(bytes), expected.replace(/\s+/g, ''));
    const f = decodeRumorFrame(bytes);
    assert.equal(f.type, 9);
    assert.deepEqual(f.addresses, ['sym']);
    assert.deepEqual({ ...f.headers }, { 'TRANSACTION-ID': 't1', STATUS: '200' });
    assert.equal(f.payload, '{}');
  });

  test('the length field counts everything after itself; reserved bytes are zero', () => {
    const bytes = encodeRumorFrame({ type: 2, addresses: ['a', 'bc'], headers: { k: 'v' }, payload: 'xyz' });
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    assert.equal(view.getUint32(0), bytes.length - 4);
    assert.equal(bytes[4], 0);
    assert.equal(bytes[5], 0);
    assert.equal(bytes[6], 2);
    assert.equal(bytes[7], 2);
  });

  test('non-zero reserved bytes are ignored on receipt', () => {
    const bytes = encodeRumorFrame({ type: 8 });
    bytes[4] = 0xab;
    bytes[5] = 0xcd;
    assert.equal(decodeRumorFrame(bytes).type, 8);
  });
});

describe('RumorFrame: round trips', () => {
  const samples = {
    SUBSCRIBE: { addresses: ['/v2/partner/12345678/session/1_MX4xMjM0NTY3OH5-fg'] },
    UNSUBSCRIBE: { addresses: ['/v2/partner/1/session/a', '/v2/partner/1/session/b'] },
    MESSAGE: {
      addresses: ['symphony.parley'],
      headers: { 'X-TB-TOKEN-AUTH': 'T1==abc', 'Content-Type': 'application/x-raptor+v2', 'TRANSACTION-ID': 'f7c0e1a4-0000-4000-8000-000000000000', 'X-TB-FROM-ADDRESS': 'c1' },
      payload: JSON.stringify({ method: 'signal', uri: '/v2/partner/1/session/s/signal/x', content: { type: 'chat', data: 'héllo wörld ✓ 🎉' } }),
    },
    CONNECT: { headers: { uniqueId: 'c1', 'TRANSACTION-ID': 't', notifyDisconnectAddress: 'symphony.parley' } },
    DISCONNECT: { headers: { reconnect: '' } },
    PING: {},
    PONG: {},
    STATUS: { addresses: ['c1'], headers: { 'TRANSACTION-ID': 't', STATUS: '404' }, payload: '{"reason":"notFound"}' },
  };
  for (const [name, init] of Object.entries(samples)) {
    test(`${name} (type ${RumorType[name]})`, () => {
      const frame = { type: RumorType[name], addresses: [], headers: {}, payload: '', ...init };
      const decoded = decodeRumorFrame(encodeRumorFrame(frame));
      assert.equal(decoded.type, frame.type);
      assert.deepEqual(decoded.addresses, frame.addresses);
      assert.deepEqual({ ...decoded.headers }, frame.headers);
      assert.deepEqual(Object.keys(decoded.headers), Object.keys(frame.headers), 'header order is kept');
      assert.equal(decoded.payload, frame.payload);
      assert.equal(isKnownRumorType(decoded.type), true);
      assert.equal(rumorTypeName(decoded.type), name);
    });
  }

  test('unknown type bytes (5, 6, 10, 255) decode as they are', () => {
    for (const type of [5, 6, 10, 255]) {
      const f = decodeRumorFrame(encodeRumorFrame({ type, payload: '{"method":"x"}' }));
      assert.equal(f.type, type);
      assert.equal(f.payload, '{"method":"x"}');
      assert.equal(isKnownRumorType(type), false);
      assert.equal(rumorTypeName(type), `UNKNOWN(${type})`);
    }
  });

  test('empty addresses, keys and values have length 0; multi-byte UTF-8 counts bytes', () => {
    const bytes = encodeRumorFrame({ type: 2, addresses: [''], headers: { '': '', é: '€' } });
    // type 2, 1 address of 0 bytes, 2 headers: "" → "", "é" (2 bytes) → "€" (3 bytes)
    assert.equal(hex(bytes.subarray(4)), '0000' + '02' + '01' + '0000' + '02' + '0000' + '0000' + '0002c3a9' + '0003e282ac');
    const f = decodeRumorFrame(bytes);
    assert.deepEqual(f.addresses, ['']);
    assert.deepEqual({ ...f.headers }, { '': '', é: '€' });
  });

  test('payload: bytes in, text out; a leading BOM is kept; 1 MiB round trip', () => {
    const f = decodeRumorFrame(encodeRumorFrame({ type: 2, payload: new TextEncoder().encode('\uFEFF{"a":1}') }));
    assert.equal(f.payload, '\uFEFF{"a":1}');
    const big = 'x'.repeat(1 << 20);
    assert.equal(decodeRumorFrame(encodeRumorFrame({ type: 2, payload: big })).payload, big);
  });

  test('headers as [key, value] pairs; a repeated key: the last one wins', () => {
    const bytes = encodeRumorFrame({ type: 9, headers: [['STATUS', '500'], ['TRANSACTION-ID', 't'], ['STATUS', '200']] });
    assert.equal(bytes[8], 3, 'three headers on the wire');
    const f = decodeRumorFrame(bytes);
    assert.equal(f.headers.STATUS, '200');
    assert.deepEqual(Object.keys(f.headers), ['STATUS', 'TRANSACTION-ID']);
  });

  test('a header named __proto__ is an ordinary key', () => {
    const f = decodeRumorFrame(encodeRumorFrame({ type: 2, headers: [['__proto__', 'x'], ['constructor', 'y']] }));
    assert.equal(Object.getPrototypeOf(f.headers), null);
    assert.equal(f.headers['__proto__'], 'x');
    assert.equal(f.headers.constructor, 'y');
    assert.equal({}.polluted, undefined);
  });

  test('decodes an ArrayBuffer, a Uint8Array at an offset, a Node Buffer and a DataView', () => {
    const bytes = encodeRumorFrame({ type: 2, addresses: ['a'], headers: { k: 'v' }, payload: 'p' });
    const padded = new Uint8Array(bytes.length + 7);
    padded.set(bytes, 3);
    const views = [
      bytes.buffer.slice(0),
      padded.subarray(3, 3 + bytes.length),
      Buffer.from(bytes),
      new DataView(padded.buffer, 3, bytes.length),
    ];
    for (const v of views) {
      const f = decodeRumorFrame(v);
      assert.deepEqual([f.type, f.addresses, { ...f.headers }, f.payload], [2, ['a'], { k: 'v' }, 'p']);
    }
    assert.throws(() => decodeRumorFrame('not bytes'), TypeError);
  });

  test('agrees with the independent test codec in tests/lib/rumor.js', () => {
    const frame = { type: 2, addresses: ['symphony.parley', 'x'], headers: { 'TRANSACTION-ID': 't', 'X-TB-FROM-ADDRESS': 'ü' }, payload: '{"k":"✓"}' };
    assert.equal(hex(encodeRumorFrame(frame)), hex(referenceEncode(frame)));
    const theirs = referenceDecode(Buffer.from(encodeRumorFrame(frame)));
    assert.deepEqual(theirs, frame);
    const ours = decodeRumorFrame(referenceEncode(frame));
    assert.deepEqual({ ...ours, headers: { ...ours.headers } }, frame);
  });
});

describe('RumorFrame: the frames a client sends (§6.3)', () => {
  test('CONNECT: no address, uniqueId + TRANSACTION-ID + notifyDisconnectAddress, empty payload', () => {
    const f = decodeRumorFrame(encodeRumorFrame(connectFrame('cid', 'symphony.parley', 'tx')));
    assert.equal(f.type, RumorType.CONNECT);
    assert.deepEqual(f.addresses, []);
    assert.deepEqual({ ...f.headers }, { uniqueId: 'cid', 'TRANSACTION-ID': 'tx', notifyDisconnectAddress: 'symphony.parley' });
    assert.equal(f.payload, '');
  });

  test('SUBSCRIBE / UNSUBSCRIBE: topics as addresses, no header', () => {
    for (const [make, type] of [[subscribeFrame, 0], [unsubscribeFrame, 1]]) {
      const f = decodeRumorFrame(encodeRumorFrame(make(['/v2/partner/1/session/s'])));
      assert.equal(f.type, type);
      assert.deepEqual(f.addresses, ['/v2/partner/1/session/s']);
      assert.deepEqual({ ...f.headers }, {});
    }
  });

  test('DISCONNECT: reconnect header empty (leaving) or "1" (moving to a new socket)', () => {
    const leave = encodeRumorFrame(disconnectFrame(''));
    assert.equal(hex(leave), '00000012' + '0000' + '04' + '00' + '01' + '0009' + ascii('reconnect') + '0000');
    assert.equal(decodeRumorFrame(encodeRumorFrame(disconnectFrame('1'))).headers.reconnect, '1');
  });

  test('acknowledgement: STATUS to the sender, TRANSACTION-ID and X-TB-FROM-ADDRESS, no STATUS header', () => {
    const f = decodeRumorFrame(encodeRumorFrame(ackFrame('symphony.parley', 'tx', 'me')));
    assert.equal(f.type, RumorType.STATUS);
    assert.deepEqual(f.addresses, ['symphony.parley']);
    assert.deepEqual({ ...f.headers }, { [RumorHeader.TRANSACTION_ID]: 'tx', [RumorHeader.FROM_ADDRESS]: 'me' });
    assert.equal(f.headers.STATUS, undefined);
    assert.equal(f.payload, '');
  });
});

describe('RumorFrame: limits of §9.3 when encoding', () => {
  test('255 addresses and 255 headers fit; 256 do not', () => {
    const many = (n) => Array.from({ length: n }, (_, i) => `a${i}`);
    const f = decodeRumorFrame(encodeRumorFrame({ type: 2, addresses: many(255), headers: many(255).map((k) => [k, k]) }));
    assert.equal(f.addresses.length, 255);
    assert.equal(Object.keys(f.headers).length, 255);
    assertFrameError(() => encodeRumorFrame({ type: 2, addresses: many(256) }), 'too-many-addresses');
    assertFrameError(() => encodeRumorFrame({ type: 2, headers: many(256).map((k) => [k, k]) }), 'too-many-headers');
    assert.equal(RUMOR_LIMITS.maxAddresses, 255);
    assert.equal(RUMOR_LIMITS.maxHeaders, 255);
  });

  test('an address, key or value may have 65535 bytes, not 65536 — UTF-8 bytes, not characters', () => {
    const max = 'a'.repeat(65535);
    const f = decodeRumorFrame(encodeRumorFrame({ type: 2, addresses: [max], headers: { [max]: max } }));
    assert.equal(f.addresses[0].length, 65535);
    assert.equal(f.headers[max].length, 65535);
    const over = 'a'.repeat(65536);
    const overUtf8 = 'é'.repeat(32768); // 32768 characters, 65536 bytes
    assertFrameError(() => encodeRumorFrame({ type: 2, addresses: [over] }), 'field-too-long');
    assertFrameError(() => encodeRumorFrame({ type: 2, addresses: [overUtf8] }), 'field-too-long');
    assertFrameError(() => encodeRumorFrame({ type: 2, headers: { [over]: 'v' } }), 'field-too-long');
    assertFrameError(() => encodeRumorFrame({ type: 2, headers: { k: overUtf8 } }), 'field-too-long');
  });

  test('the type byte must be an integer in 0…255', () => {
    for (const type of [-1, 256, 1.5, NaN, '2', undefined]) {
      assertFrameError(() => encodeRumorFrame({ type }), 'invalid-type');
    }
    assert.equal(encodeRumorFrame({ type: 0 })[6], 0);
    assert.equal(encodeRumorFrame({ type: 255 })[6], 255);
  });

  test('addresses, keys and values must be strings', () => {
    assertFrameError(() => encodeRumorFrame({ type: 2, addresses: [42] }), 'invalid-field');
    assertFrameError(() => encodeRumorFrame({ type: 2, headers: { STATUS: 200 } }), 'invalid-field');
    assertFrameError(() => encodeRumorFrame({ type: 2, headers: { reconnect: undefined } }), 'invalid-field');
  });
});

describe('RumorFrame: malformed input when decoding', () => {
  test('shorter than 9 bytes → truncated', () => {
    const ping = encodeRumorFrame(pingFrame());
    for (let n = 0; n < 9; n++) assertFrameError(() => decodeRumorFrame(ping.subarray(0, n)), 'truncated');
  });

  test('a length field that disagrees with the size → length-mismatch', () => {
    const bytes = encodeRumorFrame({ type: 2, addresses: ['a'], payload: 'hello' });
    for (const delta of [-1, 1, 1000, -(bytes.length - 4)]) {
      const copy = bytes.slice();
      new DataView(copy.buffer).setUint32(0, bytes.length - 4 + delta);
      assertFrameError(() => decodeRumorFrame(copy), 'length-mismatch');
    }
    // A frame cut anywhere after the 9th byte keeps its original length field.
    for (let n = 9; n < bytes.length; n++) assertFrameError(() => decodeRumorFrame(bytes.subarray(0, n)), 'length-mismatch');
  });

  test('fields running past the end → truncated, with the offset', () => {
    const cases = [
      // 1 address announced, its length field cut: reserved, type, nAddr=1, one byte
      [fromHex('0000 02 01 00'), 8],
      // address of 5 bytes announced, 2 present
      [fromHex('0000 02 01 0005 6162'), 10],
      // address complete, header count missing
      [fromHex('0000 02 01 0001 61'), 11],
      // 1 header announced, nothing follows
      [fromHex('0000 02 00 01'), 9],
      // header key complete, value length missing
      [fromHex('0000 02 00 01 0001 6b'), 12],
      // header value of 3 bytes announced, 1 present
      [fromHex('0000 02 00 01 0001 6b 0003 76'), 14],
      // 2 headers announced, one present
      [fromHex('0000 02 00 02 0001 6b 0001 76'), 15],
    ];
    for (const [body, offset] of cases) {
      assert.throws(() => decodeRumorFrame(withLength(body)), (err) => {
        assert.ok(err instanceof RumorFrameError, String(err));
        assert.equal(err.code, 'truncated', `${hex(body)}: ${err.message}`);
        assert.equal(err.offset, offset, `${hex(body)}: ${err.message}`);
        return true;
      });
    }
  });

  test('text that is not UTF-8 → invalid-utf8 (address, key, value, payload)', () => {
    const bad = [
      fromHex('0000 02 01 0002 c328 00'), // address
      fromHex('0000 02 00 01 0001 ff 0000'), // key
      fromHex('0000 02 00 01 0001 6b 0003 e28228'), // value: broken sequence
      fromHex('0000 02 00 00 7b c0 af 7d'), // payload: overlong encoding
      fromHex('0000 02 00 00 eda080'), // payload: UTF-16 surrogate
    ];
    for (const body of bad) assertFrameError(() => decodeRumorFrame(withLength(body)), 'invalid-utf8');
  });

  test('maxFrameBytes → too-large before anything else', () => {
    const bytes = encodeRumorFrame({ type: 2, payload: 'x'.repeat(100) });
    assertFrameError(() => decodeRumorFrame(bytes, { maxFrameBytes: 100 }), 'too-large');
    assert.equal(decodeRumorFrame(bytes, { maxFrameBytes: bytes.length }).payload.length, 100);
  });

  test('mutated and random bytes: a frame or a RumorFrameError, never anything else', () => {
    const rand = prng(0x5eed);
    const valid = encodeRumorFrame({
      type: 2,
      addresses: ['symphony.parley', 'é'],
      headers: { 'TRANSACTION-ID': '6d1f', 'X-TB-FROM-ADDRESS': 'c', STATUS: '200' },
      payload: '{"method":"created","uri":"/v2/partner/1/session/s"}',
    });
    let decoded = 0;
    let rejected = 0;
    for (let i = 0; i < 3000; i++) {
      let bytes;
      if (i % 3 === 0) {
        bytes = new Uint8Array(Math.floor(rand() * 40));
        for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(rand() * 256);
        if (bytes.length >= 4 && rand() < 0.7) new DataView(bytes.buffer).setUint32(0, bytes.length - 4);
      } else {
        bytes = valid.slice();
        const flips = 1 + Math.floor(rand() * 4);
        for (let j = 0; j < flips; j++) bytes[4 + Math.floor(rand() * (bytes.length - 4))] = Math.floor(rand() * 256);
      }
      try {
        const f = decodeRumorFrame(bytes);
        assert.equal(typeof f.type, 'number');
        assert.ok(Array.isArray(f.addresses));
        assert.equal(typeof f.payload, 'string');
        decoded++;
      } catch (err) {
        assert.ok(err instanceof RumorFrameError, `unexpected ${err?.name}: ${err?.message} for ${hex(bytes)}`);
        rejected++;
      }
    }
    assert.ok(decoded > 100 && rejected > 100, `decoded ${decoded}, rejected ${rejected}`);
  });
});
