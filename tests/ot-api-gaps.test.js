// The OT API that existing apps call and parley.js once lacked (issue 15, part 4): the
// Promise forms of Session methods (signal, disconnect, forceDisconnect, forceUnpublish,
// connect/publish/subscribe.promise, setIceConfig), OT.getUserMedia, OT.getSupportedCodecs,
// OT.hasEndToEndEncryptionSupport, OT.hasMediaProcessorSupport, OT.getDevices and
// checkScreenSharingCapability as Promises, and the audio output device
// (OT.setAudioOutputDevice / getActiveAudioOutputDevice). The same
// probe scripts run in tests/pages/opentok-client.html on the official OpenTok.js and on
// parley.js; the test compares what the app sees: which calls return Promises, what they
// resolve with, and the errors of bad calls.
//
// Run: PARLEYD=build/asan/parleyd PARLEY_CLI=build/asan/parley node --test --test-concurrency=1 tests/ot-api-gaps.test.js

import { describe, before, after, test } from 'node:test';
import assert from 'node:assert/strict';

import { openClientPage, clientLabel, waitUntil } from './lib/browser.js';
import { startBrowserStack, stopBrowserStack } from './lib/parleyd-browser.js';

const T = { timeout: 240000 };
const CLIENTS = ['opentok', 'parley'];

// Runs in the page, before any connection. Returns a JSON description of what the app sees.
async function probeUnconnected({ apiKey, sessionId, proxyUrl }) {
  const errorOf = (e) => (e ? { name: e.name ?? null, code: e.code ?? null } : null);
  const isPromise = (v) => !!v && typeof v.then === 'function';
  // {returns: 'promise'|typeof, resolved?: value, rejected?: {name, code}}
  async function outcome(fn) {
    let ret;
    try {
      ret = fn();
    } catch (e) {
      return { threw: errorOf(e) };
    }
    if (!isPromise(ret)) return { returns: typeof ret };
    try {
      const v = await ret;
      return { returns: 'promise', resolved: v === undefined ? 'undefined' : typeof v };
    } catch (e) {
      return { returns: 'promise', rejected: errorOf(e) };
    }
  }
  const out = {};
  OT.setProxyUrl(proxyUrl);
  const session = OT.initSession(String(apiKey), sessionId);

  out.functions = Object.fromEntries(
    ['getUserMedia', 'getSupportedCodecs', 'hasEndToEndEncryptionSupport', 'setAudioOutputDevice', 'getActiveAudioOutputDevice', 'getAudioOutputDevices']
      .map((n) => [n, typeof OT[n]]),
  );
  out.promiseForms = {
    'OT.initPublisher.promise': typeof OT.initPublisher.promise,
    'session.connect.promise': typeof session.connect.promise,
    'session.publish.promise': typeof session.publish.promise,
    'session.subscribe.promise': typeof session.subscribe.promise,
  };

  out.signal = await outcome(() => session.signal({ type: 'x', data: 'y' }));
  // With a callback: the callback hears the error and the Promise rejects with it too.
  let heard = null;
  const both = await outcome(() => session.signal({ type: 'x', data: 'y' }, (e) => { heard = errorOf(e); }));
  out.signalWithCallback = { ...both, callback: heard };
  out.forceDisconnect = await outcome(() => session.forceDisconnect('no-such-connection'));
  out.forceUnpublishNoStream = await outcome(() => session.forceUnpublish(undefined));
  out.forceUnpublish = await outcome(() => session.forceUnpublish('no-such-stream'));
  out.disconnect = await outcome(() => session.disconnect());
  out.setIceConfig = await outcome(() => session.setIceConfig({ includeServers: 'all', transportPolicy: 'all', customServers: [{ urls: 'stun:127.0.0.1:3478' }] }));
  out.setIceConfigBadPolicy = await outcome(() => session.setIceConfig({ transportPolicy: 'tcp', customServers: [] }));
  out.setIceConfigNoServers = await outcome(() => session.setIceConfig({ includeServers: 'custom' }));
  out.setIceConfigUrl = await outcome(() => session.setIceConfig({ customServers: [{ url: 'stun:127.0.0.1:3478' }] }));

  // Each part on its own: a missing function shows as that part's difference, not as a crash.
  const part = async (fn) => {
    try {
      return await fn();
    } catch (e) {
      return { probeFailed: String(e && e.message) };
    }
  };
  out.codecs = await part(async () => {
    const codecs = await OT.getSupportedCodecs();
    return { keys: Object.keys(codecs).sort(), videoEncoders: codecs.videoEncoders, videoDecoders: codecs.videoDecoders };
  });
  out.e2ee = await part(() => typeof OT.hasEndToEndEncryptionSupport());
  out.mediaProcessors = await part(async () => ({ value: typeof OT.hasMediaProcessorSupport(), promise: typeof (await OT.hasMediaProcessorSupport.promise('video')) }));
  out.getDevices = await part(async () => {
    const devices = await OT.getDevices();
    return { isArray: Array.isArray(devices), kinds: [...new Set(devices.map((d) => d.kind))].sort() };
  });
  out.getDevicesWithCallback = await part(async () => {
    let cbDevices = null;
    const withCb = OT.getDevices((err, list) => { cbDevices = err ? errorOf(err) : list.length; });
    const r = { isPromise: isPromise(withCb), resolvedLength: isPromise(withCb) ? (await withCb).length : null };
    for (let i = 0; i < 50 && cbDevices === null; i++) await new Promise((res) => setTimeout(res, 20));
    return { ...r, callback: cbDevices };
  });
  out.screenSharing = await part(async () => {
    const scr = OT.checkScreenSharingCapability(() => {});
    return { isPromise: isPromise(scr), supported: isPromise(scr) ? typeof (await scr).supported : null };
  });

  // getUserMedia: a MediaStream with the tracks asked for.
  const tracksOf = (props) => part(async () => {
    try {
      const s = await OT.getUserMedia(props);
      const desc = { isMediaStream: s instanceof MediaStream, audio: s.getAudioTracks().length, video: s.getVideoTracks().length };
      s.getTracks().forEach((t) => t.stop());
      return desc;
    } catch (e) {
      if (typeof OT.getUserMedia !== 'function') throw e;
      return { rejected: errorOf(e) };
    }
  });
  out.getUserMedia = await tracksOf(undefined);
  out.getUserMediaVideoOnly = await tracksOf({ audioSource: null });
  out.getUserMediaAudioOnly = await tracksOf({ videoSource: false });
  // facingMode (phones' front or back camera) reaches the camera's constraints.
  out.facingMode = await part(async () => {
    const s = await OT.getUserMedia({ facingMode: 'environment', audioSource: null });
    const asked = s.getVideoTracks()[0].getConstraints().facingMode;
    s.getTracks().forEach((t) => t.stop());
    return asked;
  });

  out.audioOutputs = await part(async () => (await OT.getAudioOutputDevices()).length);
  out.activeAudioOutput = await part(async () => {
    const outputs = await OT.getAudioOutputDevices();
    const active = await OT.getActiveAudioOutputDevice();
    return { keys: Object.keys(active).sort(), listed: active.deviceId === null || outputs.some((d) => d.deviceId === active.deviceId) };
  });
  out.setAudioOutputUnknown = await part(() => outcome(() => OT.setAudioOutputDevice('no-such-device')));
  return out;
}

describe('OT API gaps (issue 15 part 4): the same probes on OpenTok.js and parley.js', () => {
  let browser;
  let web;
  let be;

  before(async () => {
    ({ browser, web, be } = await startBrowserStack());
  });

  after(async () => {
    await stopBrowserStack({ browser, web, be });
  });

  async function open(t, client, name) {
    const cp = await openClientPage(browser, { pageUrl: web.pageUrl('opentok-client'), client, name: `${name}-${client}` });
    t.after(() => cp.close());
    return cp;
  }

  test('before connecting: Promise forms, errors of bad calls, getUserMedia, codecs, devices', T, async (t) => {
    const results = {};
    for (const client of CLIENTS) {
      const sessionId = await be.createSession({ mediaMode: 'routed' });
      const cp = await open(t, client, 'probe');
      results[client] = await cp.page.evaluate(probeUnconnected, { apiKey: be.apiKey, sessionId, proxyUrl: be.proxyUrl });
    }
    const ot = results.opentok;
    const pa = results.parley;
    const show = `\nOpenTok.js: ${JSON.stringify(ot)}\nparley.js:  ${JSON.stringify(pa)}`;
    t.diagnostic(`OpenTok.js sees ${JSON.stringify(ot)}`);
    const differing = Object.keys(ot).filter((k) => JSON.stringify(ot[k]) !== JSON.stringify(pa[k]));
    t.diagnostic(`parley.js differs in: ${differing.join(', ') || 'nothing'}`);
    // What OpenTok.js does, stated here so a change in either client shows.
    assert.deepEqual(ot.signal, { returns: 'promise', rejected: { name: 'OT_NOT_CONNECTED', code: 500 } }, show);
    assert.deepEqual(ot.forceDisconnect, { returns: 'promise', rejected: { name: 'OT_NOT_CONNECTED', code: 1010 } }, show);
    assert.deepEqual(ot.forceUnpublishNoStream, { returns: 'promise', rejected: { name: 'OT_INVALID_PARAMETER', code: 1011 } }, show);
    assert.deepEqual(ot.disconnect, { returns: 'promise', resolved: 'undefined' }, show);
    assert.equal(ot.getUserMedia.isMediaStream, true, show);
    assert.equal(ot.facingMode, 'environment', show);
    // parley.js sees the same.
    for (const key of ['functions', 'promiseForms', 'signal', 'signalWithCallback', 'forceDisconnect', 'forceUnpublishNoStream', 'forceUnpublish', 'disconnect',
      'setIceConfig', 'setIceConfigBadPolicy', 'setIceConfigNoServers', 'setIceConfigUrl',
      'codecs', 'e2ee', 'mediaProcessors', 'getDevices', 'getDevicesWithCallback', 'screenSharing',
      'getUserMedia', 'getUserMediaVideoOnly', 'getUserMediaAudioOnly', 'facingMode', 'audioOutputs', 'activeAudioOutput', 'setAudioOutputUnknown']) {
      assert.deepEqual(pa[key], ot[key], `${key} differs${show}`);
    }
    assert.ok(ot.codecs.videoEncoders.includes('VP8'), show);
  });

  test('OT.reportIssue: a report id from both clients (Promise and callback), which parleyd logs with the session and connection', T, async (t) => {
    for (const client of CLIENTS) {
      const sessionId = await be.createSession({ mediaMode: 'routed' });
      const cp = await open(t, client, 'report');
      const cid = await cp.connect({ proxyUrl: be.proxyUrl, apiKey: be.apiKey, sessionId, token: be.token(sessionId) });
      const r = await cp.page.evaluate(async () => {
        const viaPromise = await OT.reportIssue();
        const viaCallback = await new Promise((resolve) => OT.reportIssue((err, id) => resolve(err ? { error: err.name } : id)));
        return { viaPromise, viaCallback };
      });
      const msg = `${client}: ${JSON.stringify(r)}`;
      assert.match(r.viaPromise, /^[0-9a-f-]{36}$/, msg);
      assert.match(r.viaCallback, /^[0-9a-f-]{36}$/, msg);
      assert.notEqual(r.viaPromise, r.viaCallback, msg);
      // The operator finds each report in parleyd's log, with where it came from.
      await waitUntil(() => {
        const lines = (be.server.stdout + be.server.stderr).split('\n').filter((l) => l.includes('client reported an issue'));
        return [r.viaPromise, r.viaCallback].every((id) => lines.some((l) => l.includes(id) && l.includes(sessionId) && l.includes(cid)));
      }, { timeoutMs: 10000, message: `${client}: both reports in parleyd's log` });
    }
  });

  test('getStats on a publisher and a subscriber: Promise forms with OpenTok.js\'s fields (codec, size, rates, layers); the other Promise forms and publishVideo\'s callback', T, async (t) => {
    const seen = {};
    for (const client of CLIENTS) {
      const sessionId = await be.createSession({ mediaMode: 'routed' });
      const pub = await open(t, client, 'stats-pub');
      const sub = await open(t, client, 'stats-sub');
      await pub.connect({ proxyUrl: be.proxyUrl, apiKey: be.apiKey, sessionId, token: be.token(sessionId) });
      await sub.connect({ proxyUrl: be.proxyUrl, apiKey: be.apiKey, sessionId, token: be.token(sessionId) });
      const published = await pub.publish({ resolution: '640x480', width: 640, height: 480 });
      assert.ok(published.ok, JSON.stringify(published));
      await sub.waitForEvent({ event: 'streamCreated', streamId: published.streamId }, { timeoutMs: 20000 });
      assert.ok((await sub.subscribe(published.streamId)).ok);
      await sub.waitForFrames(published.streamId, 30, { timeoutMs: 30000 });
      const subStats = await sub.page.evaluate(async () => {
        const target = window.__lastSubscriber;
        const first = target.getStats();
        const isPromise = !!first && typeof first.then === 'function';
        await first;
        await new Promise((r) => setTimeout(r, 1000));
        const stats = await target.getStats();
        return { isPromise, stats: JSON.parse(JSON.stringify(stats)) };
      });
      const pubStats = await pub.page.evaluate(async () => {
        const p = window.__lastPublisher;
        const stats = await p.getStats();
        return JSON.parse(JSON.stringify(stats));
      });
      // The other Promise forms of OpenTok.js 2.35's typings, and publishVideo's callback.
      const forms = {
        pub: await pub.page.evaluate(async () => {
          const p = window.__lastPublisher;
          const kinds = ['publishAudio', 'publishVideo', 'destroy'].map((m) => typeof p[m]?.promise);
          const called = await new Promise((resolve) => {
            p.publishVideo(false, (err) => resolve(err ? `error ${err.name}` : 'called'));
            setTimeout(() => resolve('not called'), 3000);
          });
          await p.publishVideo.promise(true);
          await p.publishAudio.promise(false);
          return { kinds, called };
        }),
        sub: await sub.page.evaluate(async () => {
          const s = window.__lastSubscriber;
          const kinds = ['subscribeToAudio', 'subscribeToVideo', 'setAudioVolume'].map((m) => typeof s[m]?.promise);
          await s.setAudioVolume.promise(30);
          const volume = s.getAudioVolume();
          await s.subscribeToAudio.promise(false);
          const whileOff = s.getAudioVolume();
          await s.subscribeToAudio.promise(true);
          return { kinds, volume, whileOff, back: s.getAudioVolume() };
        }),
      };
      seen[client] = { subStats, pubStats, forms };
    }
    const show = JSON.stringify(seen);
    const keys = (o) => Object.keys(o ?? {}).sort();
    for (const client of CLIENTS) {
      const { subStats, pubStats } = seen[client];
      assert.equal(subStats.isPromise, true, `${client}: ${show}`);
      const v = subStats.stats.video;
      assert.equal(v.codec, 'VP8', `${client}: ${show}`);
      assert.ok(v.width > 0 && v.height > 0 && v.frameRate > 0 && v.bitrate > 0, `${client}: ${show}`);
      assert.ok(Array.isArray(pubStats) && pubStats.length === 1 && pubStats[0].stats.video.bytesSent > 0, `${client}: ${show}`);
      const layers = pubStats[0].stats.video.layers ?? [];
      assert.ok(layers.length >= 1 && layers.every((l) => l.codec === 'VP8' && l.width > 0), `${client} layers: ${show}`);
    }
    for (const client of CLIENTS) {
      const { forms } = seen[client];
      assert.deepEqual(forms.pub.kinds, ['function', 'function', 'function'], `${client}: ${show}`);
      assert.equal(forms.pub.called, 'called', `${client}: publishVideo's callback: ${show}`);
      assert.deepEqual(forms.sub, { kinds: ['function', 'function', 'function'], volume: 30, whileOff: 0, back: 30 }, `${client}: ${show}`);
    }
    // parley.js reports every field OpenTok.js does.
    const ot = seen.opentok;
    const pa = seen.parley;
    for (const part of ['audio', 'video']) {
      const missing = keys(ot.subStats.stats[part]).filter((k) => !keys(pa.subStats.stats[part]).includes(k));
      assert.deepEqual(missing, [], `subscriber ${part} fields parley.js lacks: ${show}`);
    }
    const layerKeys = (x) => keys(x.pubStats[0].stats.video.layers?.[0]);
    assert.deepEqual(layerKeys(ot).filter((k) => !layerKeys(pa).includes(k)), [], `publisher layer fields parley.js lacks: ${show}`);
  });

  test('OT.hasEndToEndEncryptionSupport: true where the browser has insertable streams, on both clients; hasMediaProcessorSupport: false in parley.js, which has no media processors', T, async (t) => {
    for (const client of CLIENTS) {
      const cp = await open(t, client, 'e2ee');
      assert.equal(await cp.page.evaluate(() => OT.hasEndToEndEncryptionSupport()), true, client);
    }
    const cp = await open(t, 'parley', 'processors');
    assert.deepEqual(await cp.page.evaluate(async () => [OT.hasMediaProcessorSupport(), await OT.hasMediaProcessorSupport.promise()]), [false, false]);
  });

  // Runs in the page: connects with connect.promise, publishes with publish.promise, signals
  // itself through the Promise form, tries a moderator call without the role, and waits
  // for a remote stream to subscribe to with subscribe.promise.
  async function probeConnected({ apiKey, sessionId, proxyUrl, token, subscribe }) {
    const errorOf = (e) => (e ? { name: e.name ?? null, code: e.code ?? null } : null);
    const out = {};
    OT.setProxyUrl(proxyUrl);
    const session = OT.initSession(String(apiKey), sessionId);
    window.probe = { session, out };
    const got = [];
    session.on('signal:p', (e) => got.push(e.data));
    const connected = await session.connect.promise(token);
    out.connectResolvesSession = connected === session;
    const el = document.createElement('div');
    document.body.appendChild(el);
    const publisher = await session.publish.promise(el, { insertMode: 'append', width: 160, height: 120 });
    out.publishResolvesPublisher = publisher instanceof OT.Publisher;
    window.probe.publisher = publisher;
    const sent = session.signal({ type: 'p', data: 'hello' });
    out.signalReturnsPromise = typeof sent.then === 'function';
    out.signalResolved = (await sent) === undefined ? 'undefined' : 'value';
    const deadline = Date.now() + 30000;
    while (got.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    out.signalReceived = got;
    try {
      await session.forceDisconnect(session.connection);
      out.forceDisconnectAsPublisher = 'resolved';
    } catch (e) {
      out.forceDisconnectAsPublisher = errorOf(e);
    }
    if (subscribe) {
      window.probe.subscribed = new Promise((resolve) => {
        const tryStream = (stream) => {
          const target = document.createElement('div');
          document.body.appendChild(target);
          session.subscribe.promise(stream, target, { insertMode: 'append', width: 160, height: 120 }).then(
            (sub) => resolve({ isSubscriber: sub instanceof OT.Subscriber, streamId: sub.stream && sub.stream.streamId }),
            (e) => resolve({ rejected: errorOf(e) }),
          );
        };
        session.on('streamCreated', (e) => tryStream(e.stream));
      });
    }
    return out;
  }

  for (const client of CLIENTS) {
    test(`connected (${clientLabel(client)}): connect/publish/subscribe.promise, signal and disconnect Promises, the audio output device`, T, async (t) => {
      const sessionId = await be.createSession({ mediaMode: 'routed' });
      const args = (subscribe) => ({ apiKey: be.apiKey, sessionId, proxyUrl: be.proxyUrl, token: be.token(sessionId, { role: 'publisher' }), subscribe });
      const a = await open(t, client, 'a');
      const b = await open(t, client, 'b');
      const diag = () => a.diagnostics() + b.diagnostics() + be.logTail(3000);
      const outA = await a.page.evaluate(probeConnected, args(true));
      assert.deepEqual(outA, {
        connectResolvesSession: true,
        publishResolvesPublisher: true,
        signalReturnsPromise: true,
        signalResolved: 'undefined',
        signalReceived: ['hello'],
        forceDisconnectAsPublisher: { name: 'OT_PERMISSION_DENIED', code: 1520 },
      }, diag());
      const outB = await b.page.evaluate(probeConnected, args(false));
      assert.equal(outB.publishResolvesPublisher, true, diag());
      const bStream = await b.page.evaluate(() => window.probe.publisher.stream.streamId);
      const sub = await a.page.evaluate(() => window.probe.subscribed);
      assert.deepEqual(sub, { isSubscriber: true, streamId: bStream }, diag());

      // The audio output device: a listed device is applied to the subscriber's media element.
      const sink = await a.page.evaluate(async () => {
        const outputs = await OT.getAudioOutputDevices();
        const target = outputs.find((d) => d.deviceId && d.deviceId !== 'default') ?? outputs[0];
        if (!target) return { outputs: 0 };
        const set = await OT.setAudioOutputDevice(target.deviceId).then(() => 'resolved', (e) => ({ name: e.name }));
        const active = await OT.getActiveAudioOutputDevice();
        const videos = [...document.querySelectorAll('video')].filter((v) => !v.muted);
        return { outputs: outputs.length, set, activeIsTarget: active.deviceId === target.deviceId, sinks: videos.map((v) => v.sinkId === target.deviceId) };
      });
      if (sink.outputs > 0) {
        assert.equal(sink.set, 'resolved', JSON.stringify(sink));
        assert.equal(sink.activeIsTarget, true, JSON.stringify(sink));
        assert.ok(sink.sinks.length >= 1 && sink.sinks.every(Boolean), `every playing subscriber element uses the device: ${JSON.stringify(sink)}`);
      } else {
        t.diagnostic('Chromium lists no audio output device here: setSinkId not exercised');
      }
      t.diagnostic(`audio output: ${JSON.stringify(sink)}`);

      // disconnect(): a Promise that resolves after sessionDisconnected has fired.
      const disc = await a.page.evaluate(async () => {
        let fired = false;
        window.probe.session.on('sessionDisconnected', () => { fired = true; });
        const p = window.probe.session.disconnect();
        const isPromise = typeof p.then === 'function';
        await p;
        return { isPromise, firedBeforeResolve: fired };
      });
      assert.deepEqual(disc, { isPromise: true, firedBeforeResolve: true }, diag());
    });
  }
});
