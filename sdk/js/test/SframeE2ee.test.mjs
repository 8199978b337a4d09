// End-to-end encryption as OpenTok.js 2.35.2 does it (issue 15 §3, docs/protocol.md §8.7): the
// keys and the frame format of parley.js against reference bytes produced by OpenTok's own
// encryption engine (its WebAssembly module, run as a black box), so both clients read each
// other's frames. Node's WebCrypto stands in for the browser's.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import {
  OT, decryptFrame, deriveBaseKey, deriveSframeKeys, encodeHeader, encryptFrame, encryptionSecretProblem,
  frameCodecOf, importSframeKeys, open, parseHeader, seal, senderKeyId, sframeKeysFromBaseKey,
} from '../dist/parley.mjs';

const hex = (b) => Buffer.from(b).toString('hex');
const bytes = (h) => new Uint8Array(Buffer.from(h.replace(/\s+/g, ''), 'hex'));
const baseKey = Uint8Array.from({ length: 32 }, (_, i) => i);
const SESSION = '1_MX4xMjM0NX5-MTYwMDAwMDAwMDAwMH5hYmNkZWZ-fn4';
const CONNECTION = 'a1b2c3d4-e5f6-7890-abcd-ef0123456789';
const KID = 219322726322766; // senderKeyId(CONNECTION, SESSION)

describe('E2EE keys', () => {
  test('the SFrame key schedule of a base key', async () => {
    const k = await deriveSframeKeys(baseKey);
    assert.equal(hex(k.key), 'd9e3409d14596256c0b16a2bbb2785e4');
    assert.equal(hex(k.salt), '361459d7b3e3f2ced3c02be3');
    assert.equal(hex(k.enc), '8734e2e7b556d32b6bee5ba30eededbe');
    assert.equal(hex(k.auth), 'aa8243ee449a503757d0500f4cf6ee668f2a7ad63fc9e8cbda4bd04492ce1796');
  });

  test('the base key of a secret is PBKDF2 salted with the session id', async () => {
    assert.equal(hex(await deriveBaseKey('my-secret-123', SESSION)), '6212fc81b755c2924e1909fb7821defc7eb58a9533644af95e110dfe004edaf2');
  });

  test('a publisher\'s KID comes from its connection id', async () => {
    assert.equal(await senderKeyId(CONNECTION, SESSION), KID);
    assert.equal(KID.toString(16), 'c7790d31924e');
  });

  test('secrets are strings of 8 to 256 characters', () => {
    for (const ok of ['12345678', 'x'.repeat(256)]) assert.equal(encryptionSecretProblem(ok), undefined);
    for (const bad of ['1234567', 'x'.repeat(257), 12345678, undefined, null]) assert.ok(encryptionSecretProblem(bad), String(bad));
  });
});

describe('SFrame header', () => {
  test('a small KID sits in the config byte, a larger one follows it; the counter is minimal', () => {
    assert.equal(hex(encodeHeader(5, 0)), '0500');
    assert.equal(hex(encodeHeader(5, 256)), '150100');
    assert.equal(hex(encodeHeader(8, 0)), '080800');
    assert.equal(hex(encodeHeader(256, 0)), '09010000');
    assert.equal(hex(encodeHeader(KID, 300)), '1dc7790d31924e012c');
  });

  test('parsing takes any declared length (OpenTok writes the largest KID with 7 bytes)', () => {
    assert.deepEqual(parseHeader(bytes('1dc7790d31924e012c ff')), { kid: KID, counter: 300, length: 9 });
    assert.deepEqual(parseHeader(bytes('0e00ffffffffffff07')), { kid: 0xffffffffffff, counter: 7, length: 9 });
    assert.equal(parseHeader(bytes('1dc7790d')), undefined);
  });
});

describe('frames as OpenTok.js encrypts them', () => {
  test('one unit: header, AES-CTR ciphertext, 10-byte tag', async () => {
    const keys = await sframeKeysFromBaseKey(baseKey);
    const pt = bytes('00112233445566778899aabbccddeeff0011223344');
    const unit = await seal(keys, 5, 0, pt);
    assert.equal(hex(unit), '0500' + '88b5876f15fabeba954d61be66a7397d31e9daa4cf' + 'f6c87391b33abafe404f');
    assert.equal(hex(await open(keys, 5, unit)), hex(pt));
  });

  test('a VP8 delta frame from a secret, a session and a connection', async () => {
    const keys = await sframeKeysFromBaseKey(await deriveBaseKey('my-secret-123', SESSION));
    const kid = await senderKeyId(CONNECTION, SESSION);
    const out = await encryptFrame(keys, kid, 300, 'vp8', bytes('3142536475869708a9bacbdcedfe'));
    assert.equal(hex(out), '314253' + '1dc7790d31924e012c' + 'd933c2628ecb2083d43c59' + '9cecbff27a42a6d7a395');
  });

  // Counters 0-4 of one sender, as OpenTok's engine produced them (base key 00..1f).
  const vectors = [
    ['opus', 'fc0102030405060708090a', 'fc0dc7790d31924e0089a6a65854a9dfc514de6bfac10cb0485f4f6ae6'],
    ['vp8', '9019000a0b0c0d0e0f10111213141516171819', '9019000a0b0c0d0e0f100dc7790d31924e014fcfbaee6024da6a296d46ea3abb40994f4880'],
    ['vp9', '82490083420020', '0dc7790d31924e0210ada3b579b1a8efb6bba2428247ee7d1d'],
    ['h264', '000000016742c01e95a028400000000168ce3c8000000165888400112233445566000001419a1122334455',
      '000000016742c01e95a028400000000168ce3c8000000165880dc7790d31924e0395ed929e4ed7bbefddfb0e1b0b8397694272000001419a0dc7790d31924e0300cfb0f8282f20c98463f49122bef1'],
    ['vp8', '31425364758697', '3142530dc7790d31924e049b1ffa0c1f820ab935b0dd867d82'],
  ];
  for (const [i, [codec, plain, cipher]] of vectors.entries()) {
    test(`${codec} frame ${i}: clear prefix as OpenTok leaves it, byte for byte, and back`, async () => {
      const keys = await sframeKeysFromBaseKey(baseKey);
      assert.equal(hex(await encryptFrame(keys, KID, i, codec, bytes(plain))), cipher);
      assert.equal(hex(await decryptFrame(keys, KID, codec, bytes(cipher))), plain);
    });
  }

  test('a wrong key fails the tag; another KID or plain media is not taken for a wrong key', async () => {
    const right = await sframeKeysFromBaseKey(baseKey);
    const wrong = await sframeKeysFromBaseKey(await deriveBaseKey('not-the-secret', SESSION));
    const [codec, , cipher] = vectors[1];
    assert.equal(await decryptFrame(wrong, KID, codec, bytes(cipher)), 'auth-failed');
    assert.equal(await decryptFrame(right, KID + 1, codec, bytes(cipher)), 'unknown-kid');
    const tampered = bytes(cipher);
    tampered[tampered.length - 1] ^= 1;
    assert.equal(await decryptFrame(right, KID, codec, tampered), 'auth-failed');
    assert.equal(await decryptFrame(right, KID, 'opus', bytes('fc')), 'unparsable');
  });

  test('codecs by mimeType; frames of others are not encrypted', async () => {
    assert.equal(frameCodecOf('audio/opus'), 'opus');
    assert.equal(frameCodecOf('video/VP8'), 'vp8');
    assert.equal(frameCodecOf('video/H264'), 'h264');
    assert.equal(frameCodecOf('audio/red'), 'red');
    assert.equal(frameCodecOf('video/AV1'), undefined);
    const keys = await importSframeKeys(await deriveSframeKeys(baseKey));
    assert.equal(await encryptFrame(keys, KID, 0, undefined, bytes('0102')), undefined);
    assert.equal(await encryptFrame(keys, KID, 0, 'h264', bytes('0102030405')), undefined);
  });
});

describe('the OT API of end-to-end encryption', () => {
  test('setEncryptionSecret validates like OpenTok.js and resolves once the keys are replaced', async () => {
    const session = OT.initSession('1234', '1_e2ee-api-test', { encryptionSecret: 'first secret' });
    await assert.rejects(session.setEncryptionSecret('short'), (e) => e.name === 'OT_INVALID_ENCRYPTION_SECRET' && /^setEncryptionSecret: /.test(e.message));
    await assert.rejects(session.setEncryptionSecret(42), (e) => e.name === 'OT_INVALID_ENCRYPTION_SECRET');
    await session.setEncryptionSecret('second secret');
    // Without a secret at initSession, OpenTok.js ignores it (and says so in the log).
    await OT.initSession('1234', '1_e2ee-api-test-2').setEncryptionSecret('a fine secret');
  });

  test('no insertable streams in Node, so no end-to-end encryption', () => {
    assert.equal(OT.hasEndToEndEncryptionSupport(), false);
  });
});
