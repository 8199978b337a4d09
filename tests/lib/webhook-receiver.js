// A webhook receiver for the tests: an HTTP server on 127.0.0.1 that records what
// parleyd POSTs.

import http from 'node:http';

const delay = (ms) => new Promise((r) => setTimeout(r, ms));

// An HTTP server on 127.0.0.1 that records every POST and answers with `status`
// (changeable at any time). Only 2xx-answered bodies count as received.
export async function startReceiver({ port = 0 } = {}) {
  const held = new Set();
  const receiver = {
    status: 200,
    hold: false, // true: read the request, never answer (a POST in flight)
    hits: [],
    received: [],
    port: 0,
    url: (path = '/hook') => `http://127.0.0.1:${receiver.port}${path}`,
    async waitFor(pred, { timeout = 15000, what = 'webhook' } = {}) {
      const deadline = Date.now() + timeout;
      for (;;) {
        const hit = receiver.received.find(pred);
        if (hit) return hit;
        if (Date.now() > deadline) {
          throw new Error(`timed out waiting for ${what}; received: ${JSON.stringify(receiver.received, null, 1)}`);
        }
        await delay(25);
      }
    },
    close: () => new Promise((resolve) => {
      for (const res of held) res.destroy();
      server.closeAllConnections?.();
      server.close(() => resolve());
    }),
  };
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      if (receiver.hold) {
        receiver.hits.push({ method: req.method, url: req.url, headers: req.headers, body, status: 'held' });
        held.add(res);
        return;
      }
      const status = receiver.status;
      receiver.hits.push({ method: req.method, url: req.url, headers: req.headers, body, status });
      if (status >= 200 && status < 300) receiver.received.push({ ...JSON.parse(body), _headers: req.headers, _path: req.url });
      res.writeHead(status, { 'Content-Type': 'text/plain' });
      res.end(status < 300 ? 'ok' : 'down');
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host: '127.0.0.1' }, resolve);
  });
  receiver.port = server.address().port;
  return receiver;
}
