// Unit tests of the Raptor v2 URI grammar (docs/protocol.md §7.1).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import {
  RaptorError,
  parseRaptorUri,
  raptorUri,
  sessionUri,
  sessionTopic,
  connectionUri,
  streamUri,
  streamChannelUri,
  streamDataUri,
  subscriberUri,
  subscriberChannelUri,
  signalUri,
  archiveUri,
} from '../dist/parley.mjs';

const S = { apiKey: '12345678', sessionId: '1_MX4xMjM0NTY3OH5-MTc5NjExNDMzMzM3OX53Y3dXYUZIc0h5L1FpNC93QjBkUFB5WVB-UH4' };
const BASE = `/v2/partner/${S.apiKey}/session/${S.sessionId}`;

const invalid = (code) => (err) => {
  assert.ok(err instanceof RaptorError, String(err));
  assert.equal(err.code, code, err.message);
  return true;
};

describe('RaptorUri: parsing like OpenTok.js', () => {
  // The table of §7.1, plus the pair values each URI yields.
  const table = [
    ['', 'session', {}],
    ['/connection/c1', 'connection', { connection: 'c1' }],
    ['/stream/s1', 'stream', { stream: 's1' }],
    ['/stream/s1/channel/audio1', 'stream_channel', { stream: 's1', channel: 'audio1' }],
    ['/stream/s1/subscriber/u1', 'subscriber', { stream: 's1', subscriber: 'u1' }],
    ['/stream/s1/subscriber/u1/channel/video1', 'subscriber_channel', { stream: 's1', subscriber: 'u1', channel: 'video1' }],
    ['/signal/g1', 'signal', { signal: 'g1' }],
    ['/connection/c2/signal/g1', 'signal', { connection: 'c2', signal: 'g1' }],
    ['/stream/s1/channel/caption1/data/d1', 'data', { stream: 's1', channel: 'caption1', data: 'd1' }],
    ['/archive/a1', 'archive', { archive: 'a1' }],
    ['/stream/s1/source/P2P', 'source', { stream: 's1', source: 'P2P' }],
    ['/notification/n1', 'notification', { notification: 'n1' }],
    ['/notification', 'notification', {}],
    ['/migrate', 'migrate', {}],
  ];
  for (const [suffix, resource, pairs] of table) {
    test(`…${suffix || ' (session)'} → ${resource}`, () => {
      const p = parseRaptorUri(BASE + suffix);
      assert.equal(p.resource, resource);
      assert.equal(p.apiKey, S.apiKey);
      assert.equal(p.sessionId, S.sessionId);
      assert.deepEqual({ ...p.params }, { partner: S.apiKey, session: S.sessionId, ...pairs });
      assert.equal(p.uri, BASE + suffix);
      assert.deepEqual(p.segments, (BASE + suffix).slice(4).split('/'));
    });
  }

  test('a trailing slash is ignored', () => {
    assert.equal(parseRaptorUri(`${BASE}/stream/s1/`).resource, 'stream');
    assert.equal(parseRaptorUri(`${BASE}/`).resource, 'session');
  });

  test('channel special cases: a trailing `channel` name under a stream; a channel pair right under the session', () => {
    assert.equal(parseRaptorUri(`${BASE}/stream/s1/channel`).resource, 'stream_channel');
    assert.equal(parseRaptorUri(`${BASE}/channel/c`).resource, 'channel');
  });

  test('a repeated name: the last value', () => {
    assert.equal(parseRaptorUri(`${BASE}/stream/a/stream/b`).params.stream, 'b');
  });

  test('params have no prototype', () => {
    const p = parseRaptorUri(`${BASE}/__proto__/x`);
    assert.equal(p.params.__proto__, 'x');
    assert.equal(p.resource, '__proto__');
  });

  test('malformed URIs → RaptorError invalid-uri', () => {
    for (const bad of [undefined, null, 42, '', '/', 'v2/partner/1/session/s', '/v1/partner/1/session/s', '/v2/',
      '/v2/partner/1', '/v2/partner/1/session', '/v2/session/s/partner/1', `${BASE}//stream/s`, '/v2//partner/1/session/s']) {
      assert.throws(() => parseRaptorUri(bad), invalid('invalid-uri'), `${JSON.stringify(bad)} must be refused`);
    }
  });
});

describe('RaptorUri: builders', () => {
  test('every URI form of §7.2 and §7.3', () => {
    assert.equal(sessionUri(S), BASE);
    assert.equal(sessionTopic(S), BASE);
    assert.equal(connectionUri(S, 'c1'), `${BASE}/connection/c1`);
    assert.equal(streamUri(S, 's1'), `${BASE}/stream/s1`);
    assert.equal(streamChannelUri(S, 's1', 'audio1'), `${BASE}/stream/s1/channel/audio1`);
    assert.equal(streamDataUri(S, 's1', 'downlinkStats1', 'd1'), `${BASE}/stream/s1/channel/downlinkStats1/data/d1`);
    assert.equal(subscriberUri(S, 's1', 'u1'), `${BASE}/stream/s1/subscriber/u1`);
    assert.equal(subscriberChannelUri(S, 's1', 'u1', 'video1'), `${BASE}/stream/s1/subscriber/u1/channel/video1`);
    assert.equal(signalUri(S, 'g1'), `${BASE}/signal/g1`);
    assert.equal(signalUri(S, 'g1', 'c2'), `${BASE}/connection/c2/signal/g1`);
    assert.equal(archiveUri(S, 'a1'), `${BASE}/archive/a1`);
    assert.equal(raptorUri(S, ['stream', 's'], ['source', 'P2P']), `${BASE}/stream/s/source/P2P`);
  });

  test('what they build parses back to the same resource and ids', () => {
    const p = parseRaptorUri(subscriberChannelUri(S, 's1', 'u1', 'video1'));
    assert.deepEqual([p.resource, p.params.stream, p.params.subscriber, p.params.channel], ['subscriber_channel', 's1', 'u1', 'video1']);
    const q = parseRaptorUri(signalUri(S, 'g1', S.sessionId));
    assert.deepEqual([q.resource, q.params.connection], ['signal', S.sessionId]);
  });

  test('ids that would break the URI are refused', () => {
    for (const bad of ['', 'a/b', undefined, 7]) {
      assert.throws(() => streamUri(S, bad), invalid('invalid-parameter'));
    }
    assert.throws(() => sessionUri({ apiKey: '', sessionId: 's' }), invalid('invalid-parameter'));
    assert.throws(() => sessionUri({ apiKey: '1', sessionId: 'a/b' }), invalid('invalid-parameter'));
  });
});
