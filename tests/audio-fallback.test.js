// Audio fallback (issue 15 §4, docs/media.md#audio-fallback). Subscriber side: when a routed
// subscriber's link cannot carry even the lowest simulcast layer, the SFU stops that
// subscriber's video, keeps its audio, and the client fires `videoDisabled` with reason
// 'quality' — OpenTok.js 2.35.2 and parley.js alike; when the link recovers, the SFU tries video
// again and the client fires `videoEnabled` with reason 'quality'. Publisher side
// (`audioFallback.publisher`): a publisher whose uplink cannot carry video stops sending it (its
// own decision, from its own statistics, in both clients); parleyd tells its subscribers first,
// so they too see reason 'quality'.
//
// The link is real: this file runs itself in a network namespace of its own (`unshare -n`, so
// nothing outside it is touched), where a rate limit (`tc … htb`) on loopback throttles only
// one UDP flow: from the SFU to the subscriber, or from the publisher to the SFU. The browsers'
// own bandwidth estimates and loss reports are what reacts.
//
// Run: PARLEYD=build/asan/parleyd node --test --test-concurrency=1 tests/audio-fallback.test.js
// (as root: it creates the namespace).

import { describe, before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { openClientPage, waitUntil, testClients, clientLabel } from './lib/browser.js';
import { startBrowserStack, stopBrowserStack } from './lib/parleyd-browser.js';

const here = fileURLToPath(import.meta.url);

if (process.env.PARLEY_IN_NETNS !== '1') {
  // The outer run: the same file again inside a new network namespace. Chromium gathers no
  // candidates on loopback alone, so the namespace also gets a veth pair with an address; its
  // packets to the SFU on 127.0.0.1 still cross loopback, where the throttle sits.
  test('audio fallback, run in a network namespace of its own', { timeout: 600000 }, async (t) => {
    // Without NODE_TEST_CONTEXT: the inner run is a test run of its own, not a child of this one.
    const { NODE_TEST_CONTEXT, ...env } = process.env;
    const child = spawn('unshare', ['-n', '--', 'sh', '-c', 'ip link set lo up && ip link add pv0 type veth peer name pv1 && ip addr add 10.99.0.1/24 dev pv0 && ip link set pv0 up && ip link set pv1 up && exec "$0" --test --test-reporter=tap --test-concurrency=1 "$1"', process.execPath, here], {
      env: { ...env, PARLEY_IN_NETNS: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    const code = await new Promise((resolve) => child.on('close', (c, signal) => resolve(signal ?? c)));
    for (const line of out.split('\n')) if (/^\s*(not )?ok \d|^# (pass|fail)/.test(line)) t.diagnostic(line.trim());
    assert.equal(code, 0, `the tests in the namespace failed:\n${out.slice(-20000)}`);
    assert.match(out, /^# pass [1-9]/m, out.slice(-4000));
    assert.match(out, /^# fail 0$/m, out.slice(-4000));
  });
} else {
  const T = { timeout: 300000 };

  // Throttles the UDP flow from port `from` to port `to` to `rate`, with a short queue as a
  // congested access link has; everything else on loopback goes through untouched. (htb and
  // pfifo: the qdiscs this kernel has.)
  function throttle(from, to, rate) {
    const tc = (...args) => execFileSync('tc', args, { stdio: 'pipe' });
    tc('qdisc', 'add', 'dev', 'lo', 'root', 'handle', '1:', 'htb', 'default', '20');
    tc('class', 'add', 'dev', 'lo', 'parent', '1:', 'classid', '1:10', 'htb', 'rate', rate, 'ceil', rate);
    tc('class', 'add', 'dev', 'lo', 'parent', '1:', 'classid', '1:20', 'htb', 'rate', '10gbit');
    tc('qdisc', 'add', 'dev', 'lo', 'parent', '1:10', 'handle', '10:', 'pfifo', 'limit', '12');
    tc('filter', 'add', 'dev', 'lo', 'parent', '1:', 'protocol', 'ip', 'prio', '1', 'u32',
      'match', 'ip', 'protocol', '17', '0xff', 'match', 'ip', 'sport', String(from), '0xffff',
      'match', 'ip', 'dport', String(to), '0xffff', 'flowid', '1:10');
  }
  function unthrottle() {
    try {
      execFileSync('tc', ['qdisc', 'del', 'dev', 'lo', 'root'], { stdio: 'pipe' });
    } catch {
      // none set
    }
  }

  describe('audio fallback on throttled links', () => {
    let browser;
    let web;
    let be;

    before(async () => {
      // One media worker on UDP only: the SFU's media all comes from --rtc-port.
      ({ browser, web, be } = await startBrowserStack({ extraArgs: ['--rtc-workers', '1', '--rtc-protocols', 'udp'] }));
    });

    after(async () => {
      unthrottle();
      await stopBrowserStack({ browser, web, be });
    });

    async function join(t, client, name, sessionId) {
      const page = await openClientPage(browser, { pageUrl: web.pageUrl('opentok-client'), name, client });
      t.after(() => page.close());
      await page.connect({ proxyUrl: be.proxyUrl, apiKey: be.apiKey, sessionId, token: be.token(sessionId, { role: 'publisher', data: `name=${name}` }) });
      return page;
    }

    for (const client of testClients()) {
      test(`${clientLabel(client)}: the subscriber loses video with reason 'quality', keeps audio, and gets video back when the link recovers`, T, async (t) => {
        t.after(unthrottle);
        const sessionId = await be.createSession({ mediaMode: 'routed' });
        const pub = await join(t, client, 'pub', sessionId);
        const sub = await join(t, client, 'sub', sessionId);
        const published = await pub.publish({ resolution: '640x480', width: 640, height: 480 });
        assert.ok(published.ok, `publish: ${JSON.stringify(published)}${pub.diagnostics()}`);
        const streamId = published.streamId;
        await sub.waitForEvent({ event: 'streamCreated', streamId }, { timeoutMs: 20000 });
        const subscribed = await sub.subscribe(streamId);
        assert.ok(subscribed.ok, `subscribe: ${JSON.stringify(subscribed)}${sub.diagnostics()}`);
        await sub.waitForFrames(streamId, 20, { timeoutMs: 30000 });
        const local = await sub.call('subscriberLocalPort', [streamId]);
        assert.ok(local.ok && local.protocol === 'udp', JSON.stringify(local));

        // 100 kbit/s: room for the audio (Opus ~40 kbit/s), not for the lowest video layer.
        const mark = await sub.mark();
        throttle(be.server.rtcPort, local.port, '100kbit');
        const disabled = await sub.waitForEvent({ event: 'subscriberVideoDisabled', streamId }, { after: mark, timeoutMs: 60000 })
          .catch((e) => { throw new Error(`${e.message}${be.logTail()}`); });
        assert.equal(disabled.reason, 'quality', JSON.stringify(disabled));
        assert.match(be.server.stdout + be.server.stderr, /subscriber video stopped for bandwidth/);
        // The audio keeps coming.
        const audioBefore = await sub.call('subscriberAudio', [streamId]);
        await waitUntil(async () => (await sub.call('subscriberAudio', [streamId])).packetsReceived >= audioBefore.packetsReceived + 50,
          { timeoutMs: 20000, message: 'audio keeps arriving while video is off' });

        // The link recovers: the SFU tries video again (after its back-off) and it stays.
        unthrottle();
        const enabled = await sub.waitForEvent({ event: 'subscriberVideoEnabled', streamId }, { after: disabled.seq, timeoutMs: 120000 })
          .catch((e) => { throw new Error(`${e.message}${be.logTail()}`); });
        assert.equal(enabled.reason, 'quality', JSON.stringify(enabled));
        const frames = (await sub.call('subscriberVideo', [streamId])).frames;
        await sub.waitForFrames(streamId, frames + 30, { timeoutMs: 30000 });
      });
    }

    for (const client of testClients()) {
      test(`${clientLabel(client)}: a publisher with audioFallback.publisher stops its video when its uplink cannot carry it; subscribers hear reason 'quality'; video comes back`, T, async (t) => {
        t.after(unthrottle);
        const sessionId = await be.createSession({ mediaMode: 'routed' });
        const pub = await join(t, client, 'pub', sessionId);
        const sub = await join(t, client, 'sub', sessionId);
        const published = await pub.publish({ resolution: '640x480', width: 640, height: 480, audioFallback: { publisher: true } });
        assert.ok(published.ok, `publish: ${JSON.stringify(published)}${pub.diagnostics()}`);
        const streamId = published.streamId;
        await sub.waitForEvent({ event: 'streamCreated', streamId }, { timeoutMs: 20000 });
        assert.ok((await sub.subscribe(streamId)).ok);
        await sub.waitForFrames(streamId, 20, { timeoutMs: 30000 });
        const local = await pub.call('subscriberLocalPort', ['publisher']);
        assert.ok(local.ok && local.protocol === 'udp', JSON.stringify(local));

        // 64 kbit/s up: too little for any video layer next to the audio.
        const pubMark = await pub.mark();
        const subMark = await sub.mark();
        throttle(local.port, be.server.rtcPort, '64kbit');
        const disabled = await pub.waitForEvent({ event: 'publisherVideoDisabled' }, { after: pubMark, timeoutMs: 90000 })
          .catch((e) => { throw new Error(`${e.message}${be.logTail(2000)}`); });
        assert.equal(disabled.reason, 'quality', JSON.stringify(disabled));
        const subDisabled = await sub.waitForEvent({ event: 'subscriberVideoDisabled', streamId }, { after: subMark, timeoutMs: 20000 });
        assert.equal(subDisabled.reason, 'quality', `the subscriber's reason: ${JSON.stringify(subDisabled)}`);

        unthrottle();
        const enabled = await pub.waitForEvent({ event: 'publisherVideoEnabled' }, { after: disabled.seq, timeoutMs: 150000 })
          .catch((e) => { throw new Error(`${e.message}${be.logTail(2000)}`); });
        assert.equal(enabled.reason, 'quality', JSON.stringify(enabled));
        const subEnabled = await sub.waitForEvent({ event: 'subscriberVideoEnabled', streamId }, { after: subDisabled.seq, timeoutMs: 20000 });
        assert.equal(subEnabled.reason, 'quality', JSON.stringify(subEnabled));
        const frames = (await sub.call('subscriberVideo', [streamId])).frames;
        await sub.waitForFrames(streamId, frames + 30, { timeoutMs: 30000 });
      });
    }
  });
}
