// The order of video codecs a parley.js publisher offers (issue 15, part 2): the app's
// preferredVideoCodecs, else the session's priorityVideoCodec, then VP8. In Chromium, next to
// OpenTok.js, tests/browser-h264.test.js checks what is actually sent.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { OT, codecOrder, normalisePreferredVideoCodecs } from '../dist/parley.mjs';

describe('preferredVideoCodecs', () => {
  test('lists are lower-cased, "automatic" is VP8, VP9, H.264, absent stays absent', () => {
    assert.deepEqual(normalisePreferredVideoCodecs(['H264', 'vp9']), ['h264', 'vp9']);
    assert.deepEqual(normalisePreferredVideoCodecs('Automatic'), ['vp8', 'vp9', 'h264']);
    assert.equal(normalisePreferredVideoCodecs(undefined), undefined);
  });

  test('anything else is OpenTok.js\'s invalid-parameter error', () => {
    for (const bad of [[], ['av1'], ['h264', 7], 'h264', 42, {}]) {
      assert.throws(() => normalisePreferredVideoCodecs(bad), (e) =>
        e.name === 'OT_INVALID_PARAMETER' && e.code === 1011 && /preferredVideoCodecs must be "automatic"/.test(e.message), JSON.stringify(bad));
    }
  });

  test('initPublisher with an invalid list fails through its handler (and throws)', () => {
    let heard;
    assert.throws(() => OT.initPublisher(null, { preferredVideoCodecs: ['theora'] }, (e) => {
      heard = e;
    }));
    assert.equal(heard?.name, 'OT_INVALID_PARAMETER');
  });
});

describe('codecOrder', () => {
  test('the app\'s list wins over the session\'s codec; VP8 always follows, once', () => {
    assert.deepEqual(codecOrder(['vp9'], 'h264'), ['VP9', 'VP8']);
    assert.deepEqual(codecOrder(['vp8', 'h264'], 'vp9'), ['VP8', 'H264']);
  });

  test('without an app list the session\'s codec leads; unknown or empty means VP8', () => {
    assert.deepEqual(codecOrder(undefined, 'h264'), ['H264', 'VP8']);
    assert.deepEqual(codecOrder(undefined, 'VP9'), ['VP9', 'VP8']);
    assert.deepEqual(codecOrder(undefined, ''), ['VP8']);
    assert.deepEqual(codecOrder(undefined, 'av1'), ['VP8']);
  });
});
