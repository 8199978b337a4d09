// Browser end-to-end tests of routed sessions (spec opentok-wire.md §8.2, §8.3): the official
// OpenTok.js 2.35.2 in headless Chromium sends its media to parleyd's SFU, which forwards it to
// every subscriber. One Chromium and one parleyd for the file; every test its own session.
//
// Run: PARLEYD=build/asan/parleyd node --test --test-concurrency=1 tests/browser-routed.test.js

import { describe, before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';

import { launchBrowser, startStaticServer, openClientPage, waitUntil } from './lib/browser.js';
import { startBrowserBackend } from './lib/parleyd-browser.js';

const T = { timeout: 120000 };
const delay = (ms) => new Promise((r) => setTimeout(r, ms));

describe('routed sessions through the SFU (OpenTok.js 2.35.2 in Chromium)', () => {
  let browser;
  let web;
  let be;
  const pages = new Set();

  before(async () => {
    const results = await Promise.allSettled([launchBrowser(), startStaticServer(), startBrowserBackend()]);
    [browser, web, be] = results.map((r) => (r.status === 'fulfilled' ? r.value : undefined));
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  });

  after(async () => {
    await Promise.allSettled([...pages].map((p) => p.close()));
    await Promise.allSettled([browser?.close(), web?.close()]);
    if (!be) return;
    try {
      await be.server.stop();
    } finally {
      if (process.env.PARLEY_BROWSER_LOG) fs.writeFileSync(process.env.PARLEY_BROWSER_LOG, be.server.stdout + be.server.stderr);
    }
  });

  async function join(t, name, sessionId, role = 'publisher') {
    const page = await openClientPage(browser, { pageUrl: web.pageUrl('opentok-client'), name });
    pages.add(page);
    t.after(async () => {
      pages.delete(page);
      await page.close();
    });
    const token = be.token(sessionId, { role, data: `name=${name}` });
    const cid = await page.connect({ proxyUrl: be.proxyUrl, apiKey: be.apiKey, sessionId, token });
    return { page, cid };
  }

  async function publish(p, opts = {}) {
    const r = await p.page.publish({ width: 320, height: 240, ...opts });
    if (!r.ok) throw new Error(`${p.page.name}: publish failed: ${JSON.stringify(r)}${p.page.diagnostics()}${be.logTail()}`);
    return r.streamId;
  }

  async function subscribe(p, streamId, opts = {}) {
    await p.page.waitForEvent({ event: 'streamCreated', streamId }, { timeoutMs: 20000 });
    const r = await p.page.subscribe(streamId, opts);
    if (!r.ok) throw new Error(`${p.page.name}: subscribe failed: ${JSON.stringify(r)}${p.page.diagnostics()}${be.logTail()}`);
  }

  async function mediaStats(sessionId) {
    const res = await fetch(`${be.server.url}/v2/project/${be.apiKey}/session/${sessionId}/media`, {
      headers: { 'X-OPENTOK-AUTH': be.restJwt() },
    });
    assert.equal(res.status, 200);
    return res.json();
  }

  test('three participants: everyone publishes and decodes the other two', T, async (t) => {
    const sessionId = await be.createSession({ mediaMode: 'routed' });
    const ps = [];
    for (const name of ['alice', 'bob', 'carol']) ps.push(await join(t, name, sessionId));
    const streams = await Promise.all(ps.map((p) => publish(p)));
    await Promise.all(ps.map(async (p, i) => {
      for (let j = 0; j < ps.length; j++) if (j !== i) await subscribe(p, streams[j]);
    }));
    await Promise.all(ps.map(async (p, i) => {
      for (let j = 0; j < ps.length; j++) {
        if (j === i) continue;
        const v = await p.page.waitForFrames(streams[j], 30, { timeoutMs: 30000 });
        assert.ok(v.videoWidth > 0 && v.videoHeight > 0, `${p.page.name} decodes ${streams[j]}: ${JSON.stringify(v)}`);
      }
    }));
    // The SFU carried it: one publication per stream, two subscriptions each.
    const stats = await mediaStats(sessionId);
    assert.equal(stats.publications.length, 3);
    assert.equal(stats.subscriptions.length, 6);
    for (const s of stats.subscriptions) {
      const video = s.consumers.find((c) => c.kind === 'video');
      assert.ok(video.forwarded > 30, `forwarded video to ${s.subscriberId}: ${JSON.stringify(s)}`);
    }
  });
});
