// End-to-end encryption (issue 15 §3, docs/protocol.md §8.7) in Chromium: a routed session created
// with `e2ee` carries media that only clients with the session's secret can read. OpenTok.js
// 2.35.2 and parley.js encrypt frames the same way (early-draft SFrame through insertable
// streams), the SFU forwards them untouched, and the server refuses what cannot work:
//
//   - every publisher/subscriber pair of clients (OpenTok.js and parley.js, both ways) decodes
//     video with the right secret, the picture is the publisher's camera and keeps moving, and
//     no encryptionSecretMismatch fires;
//   - a subscriber with a wrong secret gets encryptionSecretMismatch (which proves the media is
//     encrypted: plain frames would not fail a tag), and after setEncryptionSecret with the right
//     one encryptionSecretMatch and decoded frames;
//   - the same with H.264, whose slices are sealed one by one;
//   - without a secret, publishing fails with OT_STREAM_CREATE_FAILED (1500) and subscribing with
//     OT_UNABLE_TO_SUBSCRIBE (1501): the server answers 405 IncompatibleEncryptionSettings;
//   - an archive of an e2ee session is refused (409), the server having no key.
//
// Run: PARLEYD=build/asan/parleyd node --test --test-concurrency=1 tests/browser-e2ee.test.js

import { describe, before, test } from 'node:test';
import assert from 'node:assert/strict';

import { openClientPage, waitUntil, testClients, clientLabel } from './lib/browser.js';
import { useBrowserStack } from './lib/parleyd-browser.js';

const T = { timeout: 240000 };
const SECRET = 'correct horse battery staple';
const WRONG = 'not the secret at all';

describe('end-to-end encrypted sessions (issue 15 §3) on OpenTok.js and parley.js', () => {
  const fx = useBrowserStack();
  let browser;
  let web;
  let be;
  before(() => ({ browser, web, be } = fx));

  // Routed, end-to-end encrypted unless asked otherwise, with parleyd's videoCodec if given.
  const createSession = ({ e2ee = true, videoCodec } = {}) =>
    be.createSessionWithFields({ ...(e2ee ? { e2ee: 'true' } : {}), ...(videoCodec ? { videoCodec } : {}) });

  async function join(t, client, name, sessionId, secret) {
    const page = await openClientPage(browser, { pageUrl: web.pageUrl('opentok-client'), name, client });
    t.after(() => page.close());
    const sessionOptions = secret === undefined ? {} : { encryptionSecret: secret };
    await page.connect({ proxyUrl: be.proxyUrl, apiKey: be.apiKey, sessionId, token: be.token(sessionId, { role: 'publisher', data: `name=${name}` }), sessionOptions });
    return page;
  }

  async function publish(page) {
    const r = await page.publish({ width: 320, height: 240, resolution: '320x240' });
    assert.ok(r.ok, `${page.name}: publish: ${JSON.stringify(r)}${page.diagnostics()}${be.logTail()}`);
    return r.streamId;
  }

  // The subscriber's picture is the publisher's: the same mean colour (both shrink the same
  // camera picture; a garbled decode is not close), and it changes over time (live video).
  async function assertSamePicture(t, pub, sub, streamId) {
    let last;
    await waitUntil(async () => {
      const a = await pub.call('videoPicture', ['publisher']);
      const b = await sub.call('videoPicture', [streamId]);
      last = { publisher: a.mean, subscriber: b.mean };
      return a.ok && b.ok && a.mean.every((v, i) => Math.abs(v - b.mean[i]) <= 24);
    }, { timeoutMs: 20000, message: `${sub.name} shows ${pub.name}'s picture` }).catch((e) => {
      throw new Error(`${e.message}: ${JSON.stringify(last)}`);
    });
    const first = await sub.call('videoPicture', [streamId]);
    await waitUntil(async () => {
      const now = await sub.call('videoPicture', [streamId]);
      return now.ok && now.grey.some((v, i) => Math.abs(v - first.grey[i]) > 8);
    }, { timeoutMs: 20000, message: `${sub.name}'s picture moves` });
    t.diagnostic(`${sub.name} shows ${pub.name}'s picture: mean RGB ${JSON.stringify(last)}`);
  }

  const pairs = [['opentok', 'opentok'], ['parley', 'parley'], ['opentok', 'parley'], ['parley', 'opentok']];
  const clients = new Set(testClients());
  for (const [pubClient, subClient] of pairs) {
    if (!clients.has(pubClient) && !clients.has(subClient)) continue;
    test(`${clientLabel(pubClient)} → ${clientLabel(subClient)}: the right secret decodes the camera, a wrong one gets encryptionSecretMismatch until setEncryptionSecret fixes it`, T, async (t) => {
      const sessionId = await createSession();
      const pub = await join(t, pubClient, 'pub', sessionId, SECRET);
      const sub = await join(t, subClient, 'sub', sessionId, SECRET);
      const wrong = await join(t, subClient, 'wrong', sessionId, WRONG);
      const streamId = await publish(pub);

      await sub.waitForEvent({ event: 'streamCreated', streamId }, { timeoutMs: 20000 });
      const r = await sub.subscribe(streamId);
      assert.ok(r.ok, `${sub.name}: subscribe: ${JSON.stringify(r)}${sub.diagnostics()}${be.logTail()}`);
      await sub.waitForFrames(streamId, 30);
      await assertSamePicture(t, pub, sub, streamId);
      // On the wire, as OpenTok.js sends it: the e2ee capability, and e2ee in both creates.
      const sent = (page, re) => page.frames.some((line) => line.includes(' → ') && re.test(line));
      for (const page of [pub, sub]) assert.ok(sent(page, /"capabilities":\[[^\]]*"e2ee"/), `${page.name}: no e2ee capability\n${page.frames.join('\n')}`);
      assert.ok(sent(pub, /\/stream\/[^"]*".*"e2ee":true/), `${pub.name}: stream create without e2ee`);
      assert.ok(sent(sub, /\/subscriber\/[^"]*".*"e2ee":true/), `${sub.name}: subscriber create without e2ee`);

      await wrong.waitForEvent({ event: 'streamCreated', streamId }, { timeoutMs: 20000 });
      // With the wrong key nothing decodes, so the subscribe may only complete after the fix.
      const subscribing = wrong.subscribe(streamId, { timeoutMs: 60000 });
      await wrong.waitForEvent({ event: 'encryptionSecretMismatch', streamId }, { timeoutMs: 30000 });
      const mark = await wrong.mark();
      const fixed = await wrong.call('setEncryptionSecret', [SECRET]);
      assert.ok(fixed.ok, JSON.stringify(fixed));
      await wrong.waitForEvent({ event: 'encryptionSecretMatch', streamId }, { timeoutMs: 30000, after: mark });
      const done = await subscribing;
      assert.ok(done.ok, `${wrong.name}: subscribe: ${JSON.stringify(done)}${wrong.diagnostics()}`);
      await wrong.waitForFrames(streamId, 30);
      // parley.js drops frames whose tag fails, so the browser asks for a keyframe and the
      // picture is right after the fix. OpenTok.js hands them to the decoder: its picture may
      // stay garbled until the publisher's next keyframe, which nothing here asks for.
      if (subClient === 'parley') await assertSamePicture(t, pub, wrong, streamId);

      // The right secret never failed a tag.
      assert.deepEqual(await sub.events({ event: 'encryptionSecretMismatch' }), []);
    });
  }

  // H.264 seals each slice NAL unit on its own and leaves the NAL headers clear, which the SFU's
  // keyframe detection reads.
  for (const [pubClient, subClient] of [['opentok', 'parley'], ['parley', 'opentok']]) {
    if (!clients.has(pubClient) && !clients.has(subClient)) continue;
    test(`${clientLabel(pubClient)} → ${clientLabel(subClient)}: encrypted H.264 is decoded`, T, async (t) => {
      const sessionId = await createSession({ videoCodec: 'h264' });
      const pub = await join(t, pubClient, 'pub', sessionId, SECRET);
      const sub = await join(t, subClient, 'sub', sessionId, SECRET);
      const streamId = await publish(pub);
      await sub.waitForEvent({ event: 'streamCreated', streamId }, { timeoutMs: 20000 });
      const r = await sub.subscribe(streamId);
      assert.ok(r.ok, `${sub.name}: subscribe: ${JSON.stringify(r)}${sub.diagnostics()}`);
      await sub.waitForFrames(streamId, 30);
      let codecs;
      await waitUntil(async () => {
        codecs = await sub.call('videoCodecs', [streamId]);
        return codecs.ok && codecs.streams.some((x) => x.codec === 'H264' && x.framesDecoded > 30);
      }, { timeoutMs: 30000, message: `${sub.name} decoding H.264` }).catch((e) => {
        throw new Error(`${e.message}: ${JSON.stringify(codecs)}`);
      });
      await assertSamePicture(t, pub, sub, streamId);
      assert.deepEqual(await sub.events({ event: 'encryptionSecretMismatch' }), []);
    });
  }

  for (const client of testClients()) {
    const label = clientLabel(client);

    test(`${label}: without a secret, publishing and subscribing in an e2ee session fail as in OpenTok.js`, T, async (t) => {
      const sessionId = await createSession();
      const pub = await join(t, client, 'pub', sessionId, SECRET);
      const plain = await join(t, client, 'plain', sessionId);
      const streamId = await publish(pub);

      const p = await plain.publish({ width: 320, height: 240 });
      assert.equal(p.error?.name, 'OT_STREAM_CREATE_FAILED', JSON.stringify(p));
      assert.equal(p.error?.code, 1500);
      assert.match(p.error?.message, /IncompatibleEncryptionSettings/);

      await plain.waitForEvent({ event: 'streamCreated', streamId }, { timeoutMs: 20000 });
      const s = await plain.subscribe(streamId);
      assert.equal(s.error?.name, 'OT_UNABLE_TO_SUBSCRIBE', JSON.stringify(s));
      assert.equal(s.error?.code, 1501);
      assert.match(s.error?.message, /encrypted stream without enabling encryption/);
    });

    test(`${label}: a secret in a session without e2ee changes nothing`, T, async (t) => {
      const sessionId = await createSession({ e2ee: false });
      const pub = await join(t, client, 'pub', sessionId, SECRET);
      const sub = await join(t, client === 'parley' ? 'opentok' : 'parley', 'sub', sessionId);
      const streamId = await publish(pub);
      await sub.waitForEvent({ event: 'streamCreated', streamId }, { timeoutMs: 20000 });
      const r = await sub.subscribe(streamId);
      assert.ok(r.ok, JSON.stringify(r));
      await sub.waitForFrames(streamId, 30);
      await assertSamePicture(t, pub, sub, streamId);
    });
  }

  test('an archive of an e2ee session is refused: the server cannot read its media', T, async () => {
    const sessionId = await createSession();
    const res = await fetch(`${be.server.url}/v2/project/${be.apiKey}/archive`, {
      method: 'POST',
      headers: { 'X-OPENTOK-AUTH': be.restJwt(), 'Content-Type': 'application/json' },
      body: JSON.stringify({ sessionId, outputMode: 'individual' }),
    });
    const text = await res.text();
    assert.equal(res.status, 409, text);
    assert.match(text, /end-to-end encrypted/);
  });
});
