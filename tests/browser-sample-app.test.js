// OpenTok's sample apps on both clients (issue 15, part 0). A sample app subscribes to every
// stream the Session's `streamCreated` announces; that is right only because OpenTok.js never
// announces the page's own stream there (its Publisher fires its own `streamCreated`), and the
// Session's `streamDestroyed` is likewise only for other connections' streams. Several copies of
// such a page (tests/pages/sample-app.html), mixing OpenTok.js and parley.js, join one session:
// each must end with exactly one subscriber per remote stream, none for its own, and its
// Publisher must announce its own stream — and, after everyone unpublishes, the same split for
// `streamDestroyed`.
//
// parley.js is loaded from parleyd (/sdk/parley.js); to try another build of it, point
// parleyd's PARLEY_SDK_DIR at that build's dist directory.
//
// Run: PARLEYD=build/asan/parleyd PARLEY_CLI=build/asan/parley node --test --test-concurrency=1 tests/browser-sample-app.test.js

import { describe, before, after, test } from 'node:test';
import assert from 'node:assert/strict';

import { waitUntil, clientLabel } from './lib/browser.js';
import { startBrowserStack, stopBrowserStack } from './lib/parleyd-browser.js';

const T = { timeout: 300000 };
const sorted = (list) => [...list].sort();

describe('an OpenTok sample app (subscribes on streamCreated) on OpenTok.js and parley.js', () => {
  let browser;
  let web;
  let be;

  before(async () => {
    ({ browser, web, be } = await startBrowserStack());
  });

  after(async () => {
    await stopBrowserStack({ browser, web, be });
  });

  // Opens the sample page on `client`; the page connects and publishes by itself.
  async function openSample(t, sessionId, name, client) {
    const context = await browser.newContext({ viewport: { width: 800, height: 600 } });
    t.after(() => context.close());
    const page = await context.newPage();
    const errors = [];
    const logs = [];
    page.on('console', (m) => {
      logs.push(`${m.type()}: ${m.text().slice(0, 400)}`);
      if (logs.length > 60) logs.shift();
      if (m.type() === 'error' && m.text().startsWith('sample app error')) errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    const q = new URLSearchParams({
      sdk: client === 'parley' ? `${be.server.url}/sdk/parley.js` : `${web.url}/opentok.js`,
      apiKey: be.apiKey,
      sessionId,
      token: be.token(sessionId, { role: 'publisher', data: `name=${name}` }),
    });
    if (client === 'opentok') q.set('proxyUrl', be.proxyUrl);
    await page.goto(`${web.url}/sample-app.html?${q}`, { waitUntil: 'load', timeout: 45000 });
    await page.waitForFunction(() => window.sample, null, { timeout: 15000 });
    return {
      name,
      client,
      errors,
      state: () => page.evaluate(() => window.sample.state()),
      unpublish: () => page.evaluate(() => window.sample.unpublish()),
      diag: () => `\n===== ${name} (${clientLabel(client)}) console =====\n${logs.join('\n')}`,
    };
  }

  const clientMixes = { routed: ['opentok', 'parley', 'parley'], relayed: ['parley', 'opentok', 'parley'] };

  for (const [mediaMode, clients] of Object.entries(clientMixes)) {
    test(`${clients.length} sample pages (${clients.map(clientLabel).join(', ')}) in a ${mediaMode} session subscribe to each other and never to themselves`, T, async (t) => {
      const sessionId = await be.createSession({ mediaMode });
      const pages = [];
      // One after the other: later pages find the earlier streams already there on connect.
      for (const [i, client] of clients.entries()) pages.push(await openSample(t, sessionId, `${client}-${i + 1}`, client));
      const diag = () => pages.map((p) => p.diag()).join('') + be.logTail(4000);
      // waitUntil with the pages' consoles and parleyd's log as they are when it gives up.
      const until = async (fn, timeoutMs, message) => {
        try {
          return await waitUntil(fn, { timeoutMs, message });
        } catch (err) {
          throw new Error(`${err.message}${diag()}`);
        }
      };

      // Every page has published (its Publisher announced the stream).
      const own = [];
      for (const p of pages) {
        const st = await until(async () => {
          const s = await p.state();
          return s.ownStreamId ? s : null;
        }, 60000, `${p.name}: the Publisher's streamCreated`);
        own.push(st.ownStreamId);
      }
      assert.equal(new Set(own).size, pages.length, `one stream per page: ${own}`);

      // Every page shows video from every other page.
      const before = [];
      for (const [i, p] of pages.entries()) {
        const others = own.filter((_, j) => j !== i);
        before.push(await until(async () => {
          const s = await p.state();
          return others.every((id) => s.subscribers[id]?.length && s.subscribers[id].every((w) => w > 0)) ? s : null;
        }, 90000, `${p.name}: video from ${others.join(', ')}`));
      }

      // Everyone unpublishes; each page waits until its session has no stream left.
      for (const p of pages) await p.unpublish();
      const afterwards = [];
      for (const p of pages) {
        afterwards.push(await until(async () => {
          const s = await p.state();
          return s.sessionStreams.length === 0 && s.log.publisherStreamDestroyed.length > 0 && Object.keys(s.subscribers).length === 0 && s.subscriberElements === 0 ? s : null;
        }, 60000, `${p.name}: every stream gone after unpublishing`));
      }

      const ids = (events) => sorted(events.map((e) => e.streamId));
      const seen = pages.map((p, i) => ({
        page: p.name,
        ownConnection: before[i].log.publisherStreamCreated.every((e) => e.connectionId === before[i].connectionId),
        publisherStreamCreated: ids(before[i].log.publisherStreamCreated),
        sessionStreamCreated: ids(before[i].log.sessionStreamCreated),
        subscriberCounts: Object.fromEntries(Object.entries(before[i].subscribers).map(([id, list]) => [id, list.length]).sort()),
        subscriberElements: before[i].subscriberElements,
        publisherStreamDestroyed: ids(afterwards[i].log.publisherStreamDestroyed),
        sessionStreamDestroyed: ids(afterwards[i].log.sessionStreamDestroyed),
        errors: p.errors,
      }));
      const expected = pages.map((p, i) => {
        const others = sorted(own.filter((_, j) => j !== i));
        return {
          page: p.name,
          ownConnection: true,
          publisherStreamCreated: [own[i]],
          sessionStreamCreated: others,
          subscriberCounts: Object.fromEntries(others.map((id) => [id, 1])),
          subscriberElements: others.length,
          publisherStreamDestroyed: [own[i]],
          sessionStreamDestroyed: others,
          errors: [],
        };
      });
      t.diagnostic(`streams: ${pages.map((p, i) => `${p.name}=${own[i]}`).join(' ')}`);
      assert.deepEqual(seen, expected, `what each page's objects announced and what the app subscribed to${diag()}`);
    });
  }
});
