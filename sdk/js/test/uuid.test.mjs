// Ids parley.js chooses (connection, socket, stream, subscriber, transaction): UUID v4 from
// Web Crypto only. The socketId resumes a connection (docs/protocol.md §6.7), so a guessable
// source is never used: without crypto.getRandomValues uuid() throws.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { uuid, isUuid } from '../dist/parley.mjs';

test('uuid() draws from crypto.getRandomValues and yields distinct v4 UUIDs', (t) => {
  const calls = [];
  const real = globalThis.crypto.getRandomValues.bind(globalThis.crypto);
  t.mock.method(globalThis.crypto, 'getRandomValues', (a) => { calls.push(a.length); return real(a); });
  const seen = new Set();
  for (let i = 0; i < 200; i++) {
    const id = uuid();
    assert.ok(isUuid(id), id);
    seen.add(id);
  }
  assert.equal(seen.size, 200);
  assert.equal(calls.length, 200);
});

test('uuid() refuses to run without Web Crypto instead of using Math.random', (t) => {
  const random = t.mock.method(Math, 'random');
  const descriptor = Object.getOwnPropertyDescriptor(globalThis, 'crypto');
  Object.defineProperty(globalThis, 'crypto', { value: undefined, configurable: true, writable: true });
  try {
    assert.throws(() => uuid(), /getRandomValues/);
  } finally {
    Object.defineProperty(globalThis, 'crypto', descriptor);
  }
  assert.equal(random.mock.callCount(), 0);
});
