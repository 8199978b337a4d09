// parley.js's publisher audio fallback (issue 15 §4): the levels it moves through from its own
// uplink samples, and its probes. In Chromium, with a real throttled uplink, next to OpenTok.js:
// tests/audio-fallback.test.js.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { PublisherAudioFallback } from '../dist/parley.mjs';

const fine = { availableBitrate: 900000, audioLoss: 0 };
const poor = { availableBitrate: 120000, audioLoss: 0.05 };
const awful = { availableBitrate: 50000, audioLoss: 0.3 };

// Feeds `sample` once a second from `from` for `seconds`; returns [{at, level}] of the changes.
function feed(f, sample, from, seconds) {
  const changes = [];
  for (let t = from; t < from + seconds * 1000; t += 1000) {
    const level = f.update(sample, t);
    if (level !== undefined) changes.push({ at: t - from, level });
  }
  return changes;
}

describe('PublisherAudioFallback', () => {
  test('a fine uplink changes nothing', () => {
    const f = new PublisherAudioFallback();
    assert.deepEqual(feed(f, fine, 0, 60), []);
    assert.equal(f.sendingVideo, true);
  });

  test('trouble warns at once, and stops video when it lasts 6 s; it recovers by itself first', () => {
    const f = new PublisherAudioFallback();
    assert.deepEqual(feed(f, poor, 0, 3), [{ at: 0, level: 1 }]);
    assert.deepEqual(feed(f, fine, 3000, 2), [{ at: 0, level: 0 }], 'lifted');
    assert.deepEqual(feed(f, poor, 5000, 10), [{ at: 0, level: 1 }, { at: 6000, level: 2 }]);
    assert.equal(f.sendingVideo, false);
  });

  test('critical trouble stops video at once', () => {
    const f = new PublisherAudioFallback();
    assert.deepEqual(feed(f, awful, 0, 2), [{ at: 0, level: 2 }]);
    // Audio loss alone can be critical.
    const g = new PublisherAudioFallback();
    assert.deepEqual(feed(g, { audioLoss: 0.25 }, 0, 1), [{ at: 0, level: 2 }]);
  });

  test('while video is off it probes: back after a good probe, longer waits after bad ones', () => {
    const f = new PublisherAudioFallback();
    feed(f, awful, 0, 1);
    // 10 s off, then a 4 s probe (video on) that fails: off again.
    let sendingDuring = [];
    for (let t = 1000; t < 15000; t += 1000) {
      f.update(awful, t);
      sendingDuring.push(f.sendingVideo);
    }
    assert.deepEqual(sendingDuring.slice(0, 9), Array(9).fill(false));
    assert.ok(sendingDuring.slice(9, 13).every(Boolean), `probing: ${sendingDuring}`);
    assert.equal(f.sendingVideo, false, 'the failed probe turned video off again');
    // The next probe waits 20 s, and a good one brings video back (level 0).
    const changes = feed(f, fine, 15000, 40);
    assert.equal(changes.length, 1);
    assert.equal(changes[0].level, 0);
    assert.ok(changes[0].at >= 20000 && changes[0].at <= 25000, JSON.stringify(changes));
    assert.equal(f.sendingVideo, true);
  });

  test('reset (publishVideo) starts over', () => {
    const f = new PublisherAudioFallback();
    feed(f, awful, 0, 1);
    f.reset();
    assert.equal(f.congestionLevel, 0);
    assert.equal(f.sendingVideo, true);
  });
});
