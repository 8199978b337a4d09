// Who can get tokens from the demo's GET /demo/token (docs/demo.md, "When it is enabled"):
// not the internet behind a reverse proxy unless the operator says so, never a page of
// another site (no CORS for it, cross-site requests refused), and nobody at will (a
// per-address rate limit). OpenTok.js's own REST calls keep CORS for every origin.
//
// Run: PARLEYD=build/asan/parleyd PARLEY_CLI=build/asan/parley \
//        node --test --test-concurrency=1 tests/demo-exposure.test.js

import { describe, before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';

import { launchBrowser } from './lib/browser.js';
import { clientJwt, craftSessionId, decodeJwt, gsiHeaders, request, startParleyd } from './lib/parleyd.js';

const T = { timeout: 120000 };
const PROXY_URL = 'https://video.example.com';

const tokenPath = (room = 'exposure', role = 'moderator') =>
  `/demo/token?${new URLSearchParams({ room, name: 'Eve', role })}`;

describe('the demo behind a reverse proxy', () => {
  const started = [];
  after(async () => {
    await Promise.allSettled(started.map((s) => s.stop()));
  });

  test('--listen on loopback with a public --public-url: no demo, no tokens', T, async () => {
    const server = await startParleyd({ extraArgs: ['--public-url', PROXY_URL] });
    started.push(server);
    const res = await request('GET', `${server.url}${tokenPath()}`);
    assert.equal(res.status, 404, res.describe());
    const index = await request('GET', `${server.url}/`);
    assert.match(index.body, /Parley is running/);
    assert.doesNotMatch(server.stderr, /demo enabled/);
  });

  test('--demo there enables it and warns that the public URL exposes it', T, async () => {
    const server = await startParleyd({ extraArgs: ['--public-url', PROXY_URL, '--demo'] });
    started.push(server);
    const res = await request('GET', `${server.url}${tokenPath()}`);
    assert.equal(res.status, 200, res.describe());
    const warning = server.stderr.split('\n').find((line) => line.includes('"level":"warn"') && line.includes('/demo/token'));
    assert.ok(warning, `no warning about the demo in:\n${server.stderr.slice(-4000)}`);
    assert.match(warning, /public URL https:\/\/video\.example\.com is not a loopback address/);
    assert.match(warning, /anyone who reaches this server can mint tokens/);
  });
});

describe('GET /demo/token and other origins', () => {
  let server;
  before(async () => {
    server = await startParleyd();
  });
  after(async () => {
    await server?.stop();
  });

  test('a cross-site request is refused and carries no CORS grant', T, async () => {
    for (const headers of [
      { Origin: 'https://evil.example' },
      { Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'cors' },
      { 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'no-cors', 'Sec-Fetch-Dest': 'script' },
      { Origin: 'null' },
    ]) {
      const res = await request('GET', `${server.url}${tokenPath()}`, { headers });
      assert.equal(res.status, 403, `${JSON.stringify(headers)}: ${res.describe()}`);
      assert.equal(res.headers['access-control-allow-origin'], undefined, res.describe());
      assert.doesNotMatch(res.body, /"token"/);
    }
    const preflight = await request('OPTIONS', `${server.url}${tokenPath()}`, {
      headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'GET' },
    });
    assert.equal(preflight.headers['access-control-allow-origin'], undefined, preflight.describe());
  });

  test('the demo page\'s own requests still get tokens', T, async () => {
    for (const headers of [{}, { 'Sec-Fetch-Site': 'same-origin' }, { Origin: server.url, 'Sec-Fetch-Site': 'same-origin' }]) {
      const res = await request('GET', `${server.url}${tokenPath('own', 'publisher')}`, { headers });
      assert.equal(res.status, 200, `${JSON.stringify(headers)}: ${res.describe()}`);
      assert.equal(res.headers['access-control-allow-origin'], undefined);
      assert.equal(res.headers['cache-control'], 'no-store');
    }
  });

  test('OpenTok.js REST calls keep CORS for any origin, without credentials', T, async () => {
    const origin = 'https://customer-app.example';
    const sessionId = craftSessionId(server.apiKey);
    const token = clientJwt(server.apiKey, server.apiSecret, sessionId);
    const info = await request('GET', `${server.url}/session/${sessionId}?extended=true`, {
      headers: { ...gsiHeaders(token), Origin: origin },
    });
    assert.equal(info.headers['access-control-allow-origin'], origin, info.describe());
    assert.equal(info.headers['access-control-allow-credentials'], undefined);
    const config = await request('GET', `${server.url}/project/${server.apiKey}/config.json`, { headers: { Origin: origin } });
    assert.equal(config.headers['access-control-allow-origin'], origin, config.describe());
  });

  test('in Chromium: a page of another site cannot read a token; the demo page can', T, async () => {
    // The attacker's page: any site the victim happens to visit (here another origin).
    const evil = http.createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end('<!doctype html><title>evil</title>');
    });
    await new Promise((resolve) => evil.listen({ port: 0, host: '127.0.0.1' }, resolve));
    const browser = await launchBrowser();
    try {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`http://localhost:${evil.address().port}/`);
      const refusals = () => server.stderr.split('\n').filter((l) => l.includes('"path":"/demo/token"') && l.includes('"status":403')).length;
      const refusedBefore = refusals();
      const stolen = await page.evaluate(async (url) => {
        try {
          const res = await fetch(url);
          return { read: await res.text() };
        } catch (err) {
          return { error: String(err) };
        }
      }, `${server.url}${tokenPath('stolen')}`);
      assert.ok(stolen.error, `the foreign page read: ${JSON.stringify(stolen)}`);
      // Refused by parleyd before minting anything, not only hidden by the browser.
      const deadline = Date.now() + 10000;
      while (refusals() === refusedBefore && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.equal(refusals(), refusedBefore + 1, server.stderr.slice(-3000));

      // The demo's origin itself (what web/demo/demo.js does).
      await page.goto(`${server.url}/healthz`);
      const own = await page.evaluate(async () => {
        const res = await fetch('/demo/token?room=own&name=Ana', { cache: 'no-store' });
        return { status: res.status, body: await res.json() };
      });
      assert.equal(own.status, 200);
      assert.equal(decodeJwt(own.body.token).payload.iss, server.apiKey);
    } finally {
      await browser.close();
      await new Promise((resolve) => evil.close(resolve));
    }
  });
});

describe('GET /demo/token is rate-limited', () => {
  let server;
  before(async () => {
    // Its own server: the test drains the bucket of 127.0.0.1.
    server = await startParleyd({ logLevel: 'info' });
  });
  after(async () => {
    await server?.stop();
  });

  test('one address gets 429 with Retry-After once its burst is spent', T, async () => {
    // Far more requests than the burst plus anything the refill adds in the time they take.
    let limited = null;
    let granted = 0;
    for (let i = 0; i < 400 && !limited; i++) {
      const res = await request('GET', `${server.url}${tokenPath(`r${i % 5}`, 'publisher')}`);
      if (res.status === 429) limited = res;
      else {
        assert.equal(res.status, 200, res.describe());
        granted++;
      }
    }
    assert.ok(limited, `no 429 after ${granted} tokens`);
    assert.match(limited.headers['retry-after'] ?? '', /^[1-9][0-9]*$/, limited.describe());
    assert.equal(limited.json().code, 429);
    assert.ok(granted >= 30, `the burst allows 30 tokens, got ${granted}`);
  });
});
