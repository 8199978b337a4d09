// Unit tests of the Raptor v2 messages: client → server builders (docs/protocol.md §7.2, compared with the
// requests OpenTok.js was observed to send), server → client parsing (§7.3, §7.4), and
// requestRaptor over a fake socket.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import {
  RaptorError,
  RAPTOR_CONTENT_TYPE,
  SIGNAL_LIMITS,
  serializeRaptorMessage,
  connectionCreate,
  connectionDelete,
  publisherChannels,
  streamCreate,
  streamDelete,
  streamChannelUpdate,
  streamChannelData,
  subscriberCreate,
  subscriberDelete,
  subscriberChannelUpdate,
  signal,
  jsep,
  forceMute,
  parseRaptorMessage,
  parseConnection,
  parseStream,
  parseSessionState,
  parseStatusPayload,
  interpretServerMessage,
  requestRaptor,
  tokenHeader,
  isUuid,
} from '../dist/parley.mjs';

const S = { apiKey: '12345678', sessionId: '1_MX4xMjM0NTY3OH5-fg' };
const BASE = `/v2/partner/${S.apiKey}/session/${S.sessionId}`;
const plain = (v) => JSON.parse(JSON.stringify(v));

const raptorError = (code, status) => (err) => {
  assert.ok(err instanceof RaptorError, String(err));
  assert.equal(err.code, code, err.message);
  if (status !== undefined) assert.equal(err.status, status, err.message);
  return true;
};

describe('RaptorMessage: client → server (§7.2)', () => {
  test('connection create, as observed from OpenTok.js (§7.4)', () => {
    const m = connectionCreate(S, { connectionId: '3c0c0777', userAgent: 'Mozilla/5.0', clientVersion: 'js-2.35.2', capabilities: ['forceMute', 'renegotiation'] });
    assert.equal(serializeRaptorMessage(m),
      `{"method":"create","uri":"${BASE}/connection/3c0c0777","content":{"userAgent":"Mozilla/5.0","clientVersion":"js-2.35.2","capabilities":["forceMute","renegotiation"]}}`);
    const suppressed = connectionCreate(S, { connectionId: 'c', userAgent: 'u', clientVersion: 'v', connectionEventsSuppressed: true });
    assert.deepEqual(suppressed.content, { userAgent: 'u', clientVersion: 'v', capabilities: ['forceMute'], connectionEventsSuppressed: true });
  });

  test('force disconnect: delete on the other connection', () => {
    assert.deepEqual(connectionDelete(S, 'other'), { method: 'delete', uri: `${BASE}/connection/other`, content: {} });
  });

  test('stream create with the default channels equals the observed request (§7.6.1)', () => {
    const id = '753dc6df-940b-4cfa-9ac0-1f49d2b4a5fb';
    const m = streamCreate(S, { streamId: id, channels: publisherChannels({ audio: { active: true }, video: { active: true, width: 640, height: 480, source: 'camera' } }) });
    assert.equal(serializeRaptorMessage(m), JSON.stringify({
      method: 'create',
      uri: `${BASE}/stream/${id}`,
      content: {
        id, name: '', publisherAudioFallbackEnabled: false, subscriberAudioFallbackEnabled: true,
        channel: [
          { id: 'video1', type: 'video', active: true, width: 640, height: 480, orientation: 0, source: 'camera', fitMode: 'cover' },
          { id: 'audio1', type: 'audio', active: true },
          { id: 'caption1', type: 'data', active: false },
        ],
        e2ee: false, customProperties: {},
      },
    }));
  });

  test('stream create options: audio-only, screen, frame rate, sender stats, bitrates, custom properties', () => {
    assert.deepEqual(publisherChannels({ audio: { active: false } }).map((c) => c.id), ['audio1', 'caption1']);
    assert.deepEqual(publisherChannels({ video: { active: true, width: 1280, height: 720, frameRate: 15, source: 'screen', fitMode: 'contain' }, senderStats: true }), [
      { id: 'video1', type: 'video', active: true, width: 1280, height: 720, orientation: 0, frameRate: 15, source: 'screen', fitMode: 'contain' },
      { id: 'downlinkStats1', type: 'data', active: true },
    ]);
    const m = streamCreate(S, { streamId: 's', name: 'Bob', channels: [], minBitrate: 300000.4, maxBitrate: 0, sourceStreamId: 'MANTIS', customProperties: { initials: 'JD' } });
    assert.equal(m.content.minBitrate, 300000);
    assert.equal('maxBitrate' in m.content, false);
    assert.equal(m.content.sourceStreamId, 'MANTIS');
    assert.deepEqual(m.content.customProperties, { initials: 'JD' });
    assert.equal(m.content.name, 'Bob');
  });

  test('stream delete, channel update, sender stats data', () => {
    assert.deepEqual(streamDelete(S, 's'), { method: 'delete', uri: `${BASE}/stream/s`, content: {} });
    assert.deepEqual(streamDelete(S, 's', 'P2P').content, { sourceStreamId: 'P2P' });
    assert.deepEqual(streamChannelUpdate(S, 's', 'audio1', { active: false }), { method: 'update', uri: `${BASE}/stream/s/channel/audio1`, content: { active: false } });
    const d = streamChannelData(S, 's', 'downlinkStats1', { bitrate: 5 });
    assert.equal(d.method, 'data');
    assert.match(d.uri, new RegExp(`^${BASE}/stream/s/channel/downlinkStats1/data/[0-9a-f-]{36}$`));
    assert.deepEqual(d.content, { data: '{"bitrate":5}', type: 'data' });
  });

  test('subscriber create equals the observed request (§7.9); delete and channel update', () => {
    const m = subscriberCreate(S, {
      streamId: '753dc6df', subscriberId: '790d5288', connectionId: '781d5ed0',
      channels: [
        { id: 'audio1', type: 'audio', active: true },
        { id: 'video1', type: 'video', active: true, restrictFrameRate: false },
        { id: 'caption1', type: 'data', active: false },
      ],
    });
    assert.equal(serializeRaptorMessage(m), JSON.stringify({
      method: 'create',
      uri: `${BASE}/stream/753dc6df/subscriber/790d5288`,
      content: {
        id: '790d5288', connection: '781d5ed0', keyManagementMethod: 'DTLS_SRTP', bundleSupport: true, rtcpMuxSupport: true, e2ee: false,
        channel: [
          { id: 'audio1', type: 'audio', active: true },
          { id: 'video1', type: 'video', active: true, restrictFrameRate: false },
          { id: 'caption1', type: 'data', active: false },
        ],
      },
    }));
    assert.deepEqual(subscriberDelete(S, 'st', 'su'), { method: 'delete', uri: `${BASE}/stream/st/subscriber/su`, content: {} });
    assert.deepEqual(subscriberChannelUpdate(S, 'st', 'su', 'video1', { preferredWidth: 320, preferredHeight: 240 }),
      { method: 'update', uri: `${BASE}/stream/st/subscriber/su/channel/video1`, content: { preferredWidth: 320, preferredHeight: 240 } });
  });

  test('signal: broadcast or targeted, type and data omitted when not given', () => {
    const b = signal(S, { type: 'chat', data: 'hi from sub' });
    assert.equal(b.method, 'signal');
    assert.match(b.uri, new RegExp(`^${BASE}/signal/[0-9a-f-]{36}$`));
    assert.ok(isUuid(b.uri.split('/').at(-1)));
    assert.deepEqual(b.content, { type: 'chat', data: 'hi from sub' });
    const t = signal(S, { to: 'c2', signalId: 'g1' });
    assert.equal(t.uri, `${BASE}/connection/c2/signal/g1`);
    assert.deepEqual(t.content, {});
    assert.deepEqual(signal(S, { data: { any: ['json'] } }).content, { data: { any: ['json'] } });
    assert.notEqual(signal(S).uri, signal(S).uri, 'a fresh id each time');
  });

  test('signal validation as OpenTok.js does it (§7.7.1, §9.3): 400 and 413', () => {
    assert.equal(signal(S, { type: 'a'.repeat(SIGNAL_LIMITS.maxTypeLength) }).content.type.length, 128);
    assert.equal(signal(S, { type: 'Az09-._~' }).content.type, 'Az09-._~');
    assert.throws(() => signal(S, { type: 'a'.repeat(129) }), raptorError('invalid-parameter', 413));
    for (const bad of ['', 'with space', 'é', 'a/b', 'x?']) assert.throws(() => signal(S, { type: bad }), raptorError('invalid-parameter', 400), bad);
    assert.throws(() => signal(S, { type: 5 }), raptorError('invalid-parameter', 400));
    // JSON length: a string of 8190 characters serialises to 8192 with its quotes.
    assert.equal(signal(S, { data: 'x'.repeat(8190) }).content.data.length, 8190);
    assert.throws(() => signal(S, { data: 'x'.repeat(8191) }), raptorError('invalid-parameter', 413));
    const circular = {};
    circular.self = circular;
    assert.throws(() => signal(S, { data: circular }), raptorError('invalid-parameter', 400));
    assert.throws(() => signal(S, { data: 10n }), raptorError('invalid-parameter', 400));
    assert.throws(() => signal(S, { data: () => {} }), raptorError('invalid-parameter', 400));
  });

  test('JSEP on the stream URI (publisher) or the subscriber URI, peerId and sourceStreamId first (§8.1)', () => {
    const offer = jsep(S, { method: 'offer', streamId: 's', peerId: 'p1', sourceStreamId: 'MANTIS', content: { type: 'offer', sdp: 'v=0' } });
    assert.equal(serializeRaptorMessage(offer), `{"method":"offer","uri":"${BASE}/stream/s","content":{"peerId":"p1","sourceStreamId":"MANTIS","type":"offer","sdp":"v=0"}}`);
    const cand = jsep(S, { method: 'candidate', streamId: 's', subscriberId: 'u', peerId: 'p2', sourceStreamId: 'P2P', content: { candidate: 'candidate:1 1 udp 1 1.2.3.4 5 typ host', sdpMid: '0', sdpMLineIndex: 0 } });
    assert.equal(cand.uri, `${BASE}/stream/s/subscriber/u`);
    assert.deepEqual(Object.keys(cand.content), ['peerId', 'sourceStreamId', 'candidate', 'sdpMid', 'sdpMLineIndex']);
    assert.deepEqual(jsep(S, { method: 'answer', streamId: 's', content: { type: 'answer', sdp: 'x' } }).content, { type: 'answer', sdp: 'x' });
  });

  test('force mute: one stream, or the whole session with exclusions (§7.8.3)', () => {
    assert.deepEqual(forceMute(S, { streamId: 's', active: true }),
      { method: 'update', uri: `${BASE}/stream/s`, content: { reason: 'mute', channels: ['audio'], active: true, locked: false } });
    assert.deepEqual(forceMute(S, { active: true, excludedStreamIds: ['a'] }),
      { method: 'update', uri: BASE, content: { reason: 'mute', channels: ['audio'], active: true, locked: false, exclusion: ['a'] } });
  });
});

describe('RaptorMessage: parsing server messages (§7.1, §7.3)', () => {
  const msg = (method, suffix, content, extra = {}) => JSON.stringify({ method, uri: BASE + suffix, content, ...extra });

  test('envelope: method, uri, content, reason and the URI fields', () => {
    const m = parseRaptorMessage(msg('deleted', '/connection/c1', {}, { reason: 'forceDisconnected' }));
    assert.deepEqual([m.method, m.uri, m.resource, m.params.connection, m.reason, m.apiKey, m.sessionId],
      ['deleted', `${BASE}/connection/c1`, 'connection', 'c1', 'forceDisconnected', S.apiKey, S.sessionId]);
    assert.deepEqual(m.content, {});
  });

  test('missing or null content becomes {}; other non-objects are refused', () => {
    assert.deepEqual(parseRaptorMessage(JSON.stringify({ method: 'x', uri: BASE })).content, {});
    assert.deepEqual(parseRaptorMessage(JSON.stringify({ method: 'x', uri: BASE, content: null })).content, {});
    for (const content of [[], 'str', 3, true]) {
      assert.throws(() => parseRaptorMessage(JSON.stringify({ method: 'x', uri: BASE, content })), raptorError('invalid-content'));
    }
  });

  test('malformed payloads', () => {
    assert.throws(() => parseRaptorMessage(''), raptorError('invalid-json'));
    assert.throws(() => parseRaptorMessage('{"method":'), raptorError('invalid-json'));
    for (const bad of ['[]', '"x"', 'null', '{}', '{"method":"","uri":"/v2/partner/1/session/s"}', '{"method":5,"uri":"/v2/partner/1/session/s"}']) {
      assert.throws(() => parseRaptorMessage(bad), raptorError('invalid-message'), bad);
    }
    assert.throws(() => parseRaptorMessage('{"method":"x","uri":"/v1/x"}'), raptorError('invalid-uri'));
    assert.throws(() => parseRaptorMessage('{"method":"x"}'), raptorError('invalid-uri'));
  });

  const conn = { id: 'c1', creationTime: 1795586796366, data: 'name=pub', permissions: ['publish', 'subscribe', 'signal'], capablities: { supportsWebRTC: true } };
  const stream = {
    id: 's1', name: '', creationTime: 1795586827812, connection: conn,
    channel: [
      { id: 'video1', type: 'video', active: true, width: 640, height: 480, orientation: 0, source: 'camera', fitMode: 'cover' },
      { id: 'audio1', type: 'audio', active: 'true' },
      { id: 'caption1', type: 'data', active: false },
    ],
  };
  const ev = (method, suffix, content, extra) => interpretServerMessage(parseRaptorMessage(msg(method, suffix, content, extra)));

  test('connection created / deleted', () => {
    const created = ev('created', '/connection/c1', conn);
    assert.equal(created.kind, 'connectionCreated');
    assert.deepEqual([created.connection.id, created.connection.data, created.connection.creationTime, created.connection.permissions],
      ['c1', 'name=pub', 1795586796366, ['publish', 'subscribe', 'signal']]);
    assert.deepEqual(ev('deleted', '/connection/c1', {}, { reason: 'networkDisconnected' }), { kind: 'connectionDeleted', connectionId: 'c1', reason: 'networkDisconnected' });
  });

  test('stream created / deleted / updated / mute update', () => {
    const created = ev('created', '/stream/s1', stream);
    assert.equal(created.kind, 'streamCreated');
    assert.equal(created.stream.connectionId, 'c1');
    assert.equal(created.stream.connection.data, 'name=pub');
    assert.deepEqual(created.stream.channel.map((c) => [c.id, c.active]), [['video1', true], ['audio1', true], ['caption1', false]]);
    assert.equal(created.stream.channel[0].width, 640);
    assert.deepEqual(ev('deleted', '/stream/s1', {}, { reason: 'forceUnpublished' }), { kind: 'streamDeleted', streamId: 's1', reason: 'forceUnpublished' });
    assert.deepEqual(ev('deleted', '/stream/s1', { sourceStreamId: 'P2P' }, { reason: 'clientDisconnected' }).sourceStreamId, 'P2P');
    assert.deepEqual(ev('updated', '/stream/s1', { archiving: true }), { kind: 'streamUpdated', streamId: 's1', changes: { archiving: true } });
    assert.deepEqual(ev('update', '/stream/s1', { reason: 'mute', active: true, channels: ['audio'] }), { kind: 'streamMuteForced', streamId: 's1', active: true, channels: ['audio'] });
    assert.deepEqual(ev('updated', '/stream/s1/channel/audio1', { active: false }), { kind: 'streamChannelUpdated', streamId: 's1', channelId: 'audio1', changes: { active: false } });
  });

  test('JSEP for publishers (stream URI) and subscribers (subscriber URI)', () => {
    assert.deepEqual(ev('generateoffer', '/stream/s1', { peerId: 'p', sourceStreamId: 'MANTIS' }),
      { kind: 'jsep', method: 'generateoffer', streamId: 's1', content: { peerId: 'p', sourceStreamId: 'MANTIS' } });
    for (const method of ['offer', 'answer', 'pranswer', 'candidate']) {
      const e = ev(method, '/stream/s1/subscriber/u1', { sdp: 'v=0' });
      assert.deepEqual([e.kind, e.method, e.streamId, e.subscriberId], ['jsep', method, 's1', 'u1']);
    }
  });

  test('subscriber created / deleted / channel updated / congestion hint', () => {
    assert.deepEqual(ev('deleted', '/stream/s1/subscriber/u1', {}), { kind: 'subscriberDeleted', streamId: 's1', subscriberId: 'u1' });
    assert.deepEqual(ev('created', '/stream/s1/subscriber/u1', { id: 'u1' }), { kind: 'subscriberCreated', streamId: 's1', subscriberId: 'u1' });
    assert.equal(ev('updated', '/stream/s1/subscriber/u1/channel/video1', { width: 320 }).kind, 'subscriberChannelUpdated');
    assert.deepEqual(ev('update', '/stream/s1/subscriber/u1/channel/video1', { active: false }),
      { kind: 'subscriberChannelUpdate', streamId: 's1', subscriberId: 'u1', channelId: 'video1', changes: { active: false } });
  });

  test('signals, session mute, archives, captions, notification, source', () => {
    assert.deepEqual(ev('signal', '/signal/g1', { type: 'chat', data: 'hi' }), { kind: 'signal', signalId: 'g1', type: 'chat', data: 'hi' });
    assert.deepEqual(ev('signal', '/connection/c2/signal/g1', {}), { kind: 'signal', signalId: 'g1', toConnectionId: 'c2' });
    assert.deepEqual(ev('update', '', { reason: 'mute', active: false }), { kind: 'sessionMuteForced', active: false });
    const started = ev('created', '/archive/a1', { id: 'a1', name: 'n', status: 'started' });
    assert.deepEqual([started.kind, started.archive.id, started.archive.status], ['archiveCreated', 'a1', 'started']);
    const stopped = ev('updated', '/archive/a1', { status: 'stopped' });
    assert.deepEqual([stopped.kind, stopped.archive.id, stopped.archive.status], ['archiveUpdated', 'a1', 'stopped']);
    assert.deepEqual(ev('data', '/stream/s1/channel/caption1/data/d1', { data: '{}' }), { kind: 'data', streamId: 's1', channelId: 'caption1', content: { data: '{}' } });
    assert.deepEqual(ev('notification', '/notification', { reason: 'serverRotation' }), { kind: 'notification', content: { reason: 'serverRotation' }, reason: 'serverRotation' });
    assert.deepEqual(ev('create', '/stream/s1/source/P2P', {}, { reason: 'x' }), { kind: 'source', method: 'create', streamId: 's1', sourceId: 'P2P', reason: 'x' });
    assert.deepEqual(ev('frobnicate', '/connection/c1', {}), { kind: 'unknown' });
    assert.deepEqual(ev('created', '/widget/w1', {}), { kind: 'unknown' });
  });

  test('connection and stream objects: ids required, numeric strings and "true" accepted', () => {
    assert.equal(parseConnection({ id: 'x', creationTime: '1795586796366' }).creationTime, 1795586796366);
    assert.deepEqual([parseConnection({ id: 'x' }).data, parseConnection({ id: 'x' }).permissions], ['', []]);
    assert.throws(() => parseConnection({ data: 'x' }), raptorError('invalid-content'));
    assert.throws(() => interpretServerMessage(parseRaptorMessage(msg('created', '/connection/c1', {}))), raptorError('invalid-content'));
    const byId = parseStream({ id: 's', connectionId: 'c', channel: [] });
    assert.deepEqual([byId.connectionId, byId.connection], ['c', undefined]);
    assert.equal(parseStream({ id: 's', connection: { id: 'c' } }).connection, undefined, 'an id-only connection is a reference');
    assert.throws(() => parseStream({ id: 's', channel: [] }), raptorError('invalid-content'));
    assert.throws(() => parseStream({ id: 's', connectionId: 'c', channel: {} }), raptorError('invalid-content'));
    assert.throws(() => parseStream({ connectionId: 'c' }), raptorError('invalid-content'));
  });

  test('session state of the connect reply (§7.4)', () => {
    const state = parseSessionState(JSON.stringify({ connection: [conn, { id: 'c2', creationTime: 1, data: '', permissions: [] }], stream: [stream], archive: [{ id: 'a', name: '', status: 'started' }] }));
    assert.deepEqual(state.connections.map((c) => c.id), ['c1', 'c2']);
    assert.deepEqual(state.streams.map((s) => s.id), ['s1']);
    assert.deepEqual(state.archives.map((a) => a.id), ['a']);
    assert.equal(state.muteActive, false);
    assert.equal(parseSessionState({ connection: [], stream: [], archives: [], mute: { active: true } }).muteActive, true);
    const rebuilt = parseSessionState({ stream: [stream], archive: [] });
    assert.deepEqual(rebuilt.connections.map((c) => c.id), ['c1'], 'connections rebuilt from streams like OpenTok.js');
    assert.throws(() => parseSessionState(''), raptorError('invalid-content'));
    assert.throws(() => parseSessionState('nope'), raptorError('invalid-json'));
    assert.throws(() => parseSessionState({ connection: [], archive: [] }), raptorError('invalid-content'));
    assert.throws(() => parseSessionState({ connection: [], stream: [] }), raptorError('invalid-content'));
    assert.throws(() => parseSessionState({ connection: {}, stream: [], archive: [] }), raptorError('invalid-content'));
  });

  test('STATUS payloads (§6.5)', () => {
    assert.deepEqual(parseStatusPayload(''), { body: null, reason: undefined });
    assert.deepEqual(parseStatusPayload('{"reason":"connectionLimitExceeded"}'), { body: { reason: 'connectionLimitExceeded' }, reason: 'connectionLimitExceeded' });
    assert.deepEqual(parseStatusPayload('{"content":{"iceServers":[]}}').body, { content: { iceServers: [] } });
    assert.throws(() => parseStatusPayload('oops'), raptorError('invalid-json'));
    assert.throws(() => parseStatusPayload('[1]'), raptorError('invalid-content'));
  });
});

describe('requestRaptor', () => {
  test('sends the serialised message to Symphony with Content-Type and extra headers; parses the reply', async () => {
    const calls = [];
    const fakeSocket = {
      async request(to, payload, headers, options) {
        calls.push({ to, payload, headers, options });
        return { transactionId: 't', status: 409, ok: false, headers: {}, payload: '{"reason":"streamLimitExceeded"}', frame: null };
      },
    };
    const message = connectionCreate(S, { connectionId: 'c', userAgent: 'u', clientVersion: 'v' });
    const r = await requestRaptor(fakeSocket, 'symphony.parley', message, { headers: tokenHeader('T1==x'), timeoutMs: 5 });
    assert.deepEqual(calls[0].to, ['symphony.parley']);
    assert.deepEqual(JSON.parse(calls[0].payload), plain(message));
    assert.deepEqual(calls[0].headers, { 'X-TB-TOKEN-AUTH': 'T1==x', 'Content-Type': RAPTOR_CONTENT_TYPE });
    assert.deepEqual(calls[0].options, { timeoutMs: 5 });
    assert.deepEqual([r.status, r.ok, r.reason, r.body], [409, false, 'streamLimitExceeded', { reason: 'streamLimitExceeded' }]);
  });

  test('a reply payload that is not a JSON object rejects', async () => {
    const fakeSocket = { request: async () => ({ status: 200, ok: true, payload: 'not json' }) };
    await assert.rejects(requestRaptor(fakeSocket, 'sym', connectionDelete(S, 'x')), raptorError('invalid-json'));
  });
});
