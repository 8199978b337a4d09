// Unit tests of the OT API forms that need no browser (issue 15, part 4): Session methods that
// return Promises as OpenTok.js 2.35's typings say (and still call completion handlers), the
// per-instance `.promise` forms, OT.getSupportedCodecs' list, OT.hasEndToEndEncryptionSupport
// and OT.setAudioOutputDevice where media elements cannot pick an output. The same behaviour in
// Chromium, side by side with OpenTok.js, is tests/ot-api-gaps.test.js.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';

import { OT } from '../dist/parley.mjs';

const isPromise = (v) => !!v && typeof v.then === 'function';

describe('Session methods with Promise forms (unconnected)', () => {
  const s = OT.initSession('123', '1_MX4xMjN-apigaps');

  test('signal: a Promise rejected with OT_NOT_CONNECTED (code 500, as OpenTok.js), and the handler hears the same error', async () => {
    const p = s.signal({ type: 'x', data: 'y' });
    assert.ok(isPromise(p));
    await assert.rejects(p, (e) => e.name === 'OT_NOT_CONNECTED' && e.code === 500);
    let heard;
    const q = s.signal({ type: 'x' }, (e) => {
      heard = e;
    });
    await assert.rejects(q, (e) => e === heard);
    assert.equal(heard.code, 500);
  });

  test('forceDisconnect and forceUnpublish: rejected Promises with OpenTok.js errors, in its order of checks', async () => {
    await assert.rejects(s.forceDisconnect('c1'), (e) => e.name === 'OT_NOT_CONNECTED' && e.code === 1010);
    // No stream is an invalid argument before "not connected" for forceUnpublish only.
    await assert.rejects(s.forceUnpublish(undefined), (e) => e.name === 'OT_INVALID_PARAMETER' && e.code === 1011);
    await assert.rejects(s.forceUnpublish('s1'), (e) => e.name === 'OT_NOT_CONNECTED' && e.code === 1010);
    let heard;
    await assert.rejects(s.forceDisconnect('c1', (e) => {
      heard = e;
    }));
    assert.equal(heard?.code, 1010);
  });

  test('disconnect without a connection resolves', async () => {
    const p = s.disconnect();
    assert.ok(isPromise(p));
    assert.equal(await p, undefined);
  });

  test('setIceConfig: OpenTok.js\'s checks, as rejections with OT_INVALID_PARAMETER', async () => {
    assert.equal(await s.setIceConfig({ includeServers: 'custom', transportPolicy: 'all', customServers: [{ urls: ['stun:127.0.0.1:3478'] }] }), undefined);
    await assert.rejects(s.setIceConfig({ includeServers: 'some', customServers: [] }), (e) => e.name === 'OT_INVALID_PARAMETER');
    await assert.rejects(s.setIceConfig({ customServers: 'stun:x' }), (e) => e.name === 'OT_INVALID_PARAMETER');
    await assert.rejects(s.setIceConfig({ includeServers: 'custom', transportPolicy: 'relay', customServers: [] }), (e) => e.name === 'OT_INVALID_PARAMETER');
    await assert.rejects(s.setIceConfig({ customServers: [{ url: 'stun:x' }] }), (e) => /\.urls/.test(e.message));
  });

  test('connect/publish/subscribe.promise belong to each Session (bound to it), initPublisher.promise to OT', async () => {
    const other = OT.initSession('123', '1_MX4xMjN-apigaps-other');
    for (const m of ['connect', 'publish', 'subscribe']) {
      assert.equal(typeof s[m].promise, 'function', m);
      assert.notEqual(s[m], other[m], m);
    }
    assert.equal(typeof OT.initPublisher.promise, 'function');
    // subscribe.promise without a connection rejects like subscribe's handler would be told.
    await assert.rejects(s.subscribe.promise({ streamId: 'x' }), (e) => e.name === 'OT_NOT_CONNECTED');
  });
});

describe('OT capabilities', () => {
  const saved = globalThis.RTCRtpSender;
  after(() => {
    if (saved === undefined) delete globalThis.RTCRtpSender;
    else globalThis.RTCRtpSender = saved;
  });

  test('getSupportedCodecs: codec names from RTCRtpSender capabilities, without rtx/red/fec, AV1 and H.265, once each', async () => {
    globalThis.RTCRtpSender = {
      getCapabilities: (kind) => (kind !== 'video' ? null : {
        codecs: ['VP8', 'rtx', 'VP9', 'VP9', 'H264', 'H264', 'AV1', 'H265', 'red', 'ulpfec'].map((n) => ({ mimeType: `video/${n}` })),
      }),
    };
    assert.deepEqual(await OT.getSupportedCodecs(), { videoEncoders: ['VP8', 'VP9', 'H264'], videoDecoders: ['VP8', 'VP9', 'H264'] });
    delete globalThis.RTCRtpSender;
    assert.deepEqual(await OT.getSupportedCodecs(), { videoEncoders: [], videoDecoders: [] });
  });

  test('hasEndToEndEncryptionSupport and hasMediaProcessorSupport are false while parley.js cannot do either', async () => {
    assert.equal(OT.hasEndToEndEncryptionSupport(), false);
    assert.equal(OT.hasMediaProcessorSupport('video'), false);
    assert.equal(await OT.hasMediaProcessorSupport.promise(), false);
  });

  test('setAudioOutputDevice without setSinkId rejects with OT_UNSUPPORTED_BROWSER', async () => {
    await assert.rejects(OT.setAudioOutputDevice('default'), (e) => e.name === 'OT_UNSUPPORTED_BROWSER');
  });
});
