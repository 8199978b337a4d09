// REST helpers the end-to-end tests share: the project's REST calls with its JWT, downloads
// as bytes, and an HTTP receiver for webhooks.

import http from 'node:http';

import { request, restJwt } from './parleyd.js';

// REST with the project's JWT; `body` (an object) is sent as JSON, a string as is.
export function restOf(server) {
  return (method, suffix, body) => request(method, `${server.url}/v2/project/${server.apiKey}${suffix}`, {
    headers: {
      'X-OPENTOK-AUTH': restJwt(server.apiKey, server.apiSecret),
      ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
    },
    body: body === undefined || typeof body === 'string' ? body : JSON.stringify(body),
  });
}

// Bytes of a download (request() decodes text): {status, headers, body: Buffer}.
export async function fetchBytes(url, { method = 'GET', headers = {} } = {}) {
  const res = await fetch(url, { method, headers });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

// An HTTP receiver on 127.0.0.1 recording every JSON body POSTed to it.
export async function startReceiver() {
  const received = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      try {
        received.push({ ...JSON.parse(body), _path: req.url });
      } catch {
        received.push({ _path: req.url, _raw: body });
      }
      res.writeHead(200).end('ok');
    });
  });
  await new Promise((resolve) => server.listen({ port: 0, host: '127.0.0.1' }, resolve));
  return {
    received,
    url: (p) => `http://127.0.0.1:${server.address().port}${p}`,
    close: () => new Promise((resolve) => {
      server.closeAllConnections?.();
      server.close(() => resolve());
    }),
  };
}
